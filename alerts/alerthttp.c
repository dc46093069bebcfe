/* The alert thread's HTTP transport. Transfers run on a curl multi handle rather than
 * curl_easy_perform so that alerts_stop can wake a transfer that hangs (curl_multi_wakeup
 * from another thread) and shutdown never waits for an API. */
#include "config.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "alerthttp.h"
#include "alerts.h"

struct alerthttp {
	const atomic_bool *stop;
	CURLM *multi;
	char buf[ALERTHTTP_BODY_MAX + 1];
	size_t len;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct alerthttp *h = arg;
	size_t len = size * n, room = ALERTHTTP_BODY_MAX - h->len;

	memcpy(h->buf + h->len, p, len < room ? len : room);
	h->len += len < room ? len : room;
	h->buf[h->len] = '\0';
	return len;
}

struct alerthttp *
alerthttp_open(const atomic_bool *stop)
{
	struct alerthttp *h = calloc(1, sizeof(*h));

	if (!h)
		return NULL;
	h->stop = stop;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		free(h);
		return NULL;
	}
	if (!(h->multi = curl_multi_init())) {
		curl_global_cleanup();
		free(h);
		return NULL;
	}
	return h;
}

int
alerthttp_post(struct alerthttp *h, const char *url, const char *json, long *status,
               long *retry_after, char *err, size_t errlen)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdr = curl_slist_append(NULL, "Content-Type: application/json");
	CURL *e = curl_easy_init();
	CURLMsg *msg;
	CURLcode res = CURLE_OK;
	bool done = false;
	int left, rc = -1;
	curl_off_t ra = -1;

	*status = 0;
	*retry_after = -1;
	h->len = 0;
	h->buf[0] = '\0';
	if (!e || !hdr) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	curl_easy_setopt(e, CURLOPT_URL, url);
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdr);
	curl_easy_setopt(e, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, ALERTS_CONNECT_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, ALERTS_TIMEOUT_MS);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "oc-audit/" PACKAGE_VERSION);
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		snprintf(err, errlen, "curl_multi_add_handle failed");
		goto out;
	}
	while (!done) {
		int running = 0;

		if (atomic_load(h->stop)) {
			rc = -2;
			snprintf(err, errlen, "stopped");
			break;
		}
		curl_multi_perform(h->multi, &running);
		while ((msg = curl_multi_info_read(h->multi, &left))) {
			if (msg->msg == CURLMSG_DONE && msg->easy_handle == e) {
				res = msg->data.result;
				done = true;
			}
		}
		if (!done)
			curl_multi_poll(h->multi, NULL, 0, 1000, NULL);
	}
	curl_multi_remove_handle(h->multi, e);
	if (!done)
		goto out;
	if (res != CURLE_OK) {
		snprintf(err, errlen, "%s", *ebuf ? ebuf : curl_easy_strerror(res));
		goto out;
	}
	curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, status);
	if (curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &ra) == CURLE_OK && ra >= 0)
		*retry_after = (long)ra;
	rc = 0;
out:
	curl_easy_cleanup(e);
	curl_slist_free_all(hdr);
	return rc;
}

const char *
alerthttp_body(const struct alerthttp *h)
{
	return h->buf;
}

void
alerthttp_wakeup(struct alerthttp *h)
{
	curl_multi_wakeup(h->multi);
}

void
alerthttp_close(struct alerthttp *h)
{
	if (!h)
		return;
	curl_multi_cleanup(h->multi);
	curl_global_cleanup();
	free(h);
}
