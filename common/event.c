#include "config.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

/* Append n bytes of src at *p and return where they went. */
static void *
put(char **p, const void *src, size_t n)
{
	void *at = *p;

	memcpy(*p, src, n);
	*p += n;
	return at;
}

/* How many of ev's answers the packed event keeps, and how many bytes of the text of
 * each (name, then data): within EVENT_DNS_ANSWERS_MAX and EVENT_DNS_ANSWER_BYTES. The
 * lengths go into nlen and dlen (room for EVENT_DNS_ANSWERS_MAX). */
static size_t
kept_answers(const struct dns_event *ev, size_t *nlen, size_t *dlen, bool *truncated)
{
	size_t left = EVENT_DNS_ANSWER_BYTES, k;

	*truncated = ev->n_answers > EVENT_DNS_ANSWERS_MAX;
	for (k = 0; k < ev->n_answers && k < EVENT_DNS_ANSWERS_MAX; k++) {
		const char *name = ev->answers[k].name ? ev->answers[k].name : "";
		const char *data = ev->answers[k].data ? ev->answers[k].data : "";
		size_t nl = strlen(name), dl = strlen(data);

		if (nl + dl > left) {
			/* the first that does not fit: kept cut if there is room, and the last */
			*truncated = true;
			if (left < EVENT_DNS_CUT_MIN)
				break;
			size_t keep_name = nl < 32 ? nl : 32;   /* the data first: an address whole */

			dlen[k] = dl < left - keep_name ? dl : left - keep_name;
			nlen[k] = nl < left - dlen[k] ? nl : left - dlen[k];
			return k + 1;
		}
		nlen[k] = nl;
		dlen[k] = dl;
		left -= nl + dl;
	}
	return k;
}

/* Append n bytes of s and a NUL at *p; return where they went. */
static char *
put_str(char **p, const char *s, size_t n)
{
	char *at = put(p, s, n);

	*(*p)++ = '\0';
	return at;
}

struct dns_event *
dns_event_pack(const struct dns_event *ev)
{
	const char *qname = ev->qname ? ev->qname : "";
	size_t nlen[EVENT_DNS_ANSWERS_MAX], dlen[EVENT_DNS_ANSWERS_MAX];
	bool truncated;
	size_t n = kept_answers(ev, nlen, dlen, &truncated);
	size_t size = sizeof(*ev) + n * sizeof(struct dns_answer) + ev->qname_len +
	              strlen(qname) + 1 + (ev->why_bogus ? strlen(ev->why_bogus) + 1 : 0);
	struct dns_event *out;
	struct dns_answer *ans = NULL;
	char *p;

	for (size_t i = 0; i < n; i++)
		size += nlen[i] + 1 + dlen[i] + 1;
	if (!(out = malloc(size)))
		return NULL;
	*out = *ev;
	out->size = (uint32_t)size;
	out->n_answers = n;
	out->truncated = ev->truncated || truncated;
	p = (char *)(out + 1);
	if (n)
		ans = put(&p, ev->answers, n * sizeof(*ans));
	out->answers = ans;
	out->qname_len = ev->qname_wire ? ev->qname_len : 0;
	out->qname_wire = put(&p, ev->qname_wire ? ev->qname_wire : (const uint8_t *)"",
	                      out->qname_len);
	out->qname = put(&p, qname, strlen(qname) + 1);
	if (ev->why_bogus)
		out->why_bogus = put(&p, ev->why_bogus, strlen(ev->why_bogus) + 1);
	for (size_t i = 0; i < n; i++) {
		ans[i].name = put_str(&p, ev->answers[i].name ? ev->answers[i].name : "", nlen[i]);
		ans[i].data = put_str(&p, ev->answers[i].data ? ev->answers[i].data : "", dlen[i]);
	}
	return out;
}

void
dns_event_free(struct dns_event *ev)
{
	free(ev);
}

struct hello_event *
hello_event_pack(const struct hello_event *h)
{
	size_t nlen = h->name && h->name_len < EVENT_NAMELEN ? h->name_len : 0;
	size_t slen = h->name_str ? strnlen(h->name_str, EVENT_NAME_STRLEN - 1) : 0;
	size_t alen = h->alpn ? strnlen(h->alpn, EVENT_ALPNLEN - 1) : 0;
	size_t size = sizeof(*h) + nlen + 1 + slen + 1 + alen + 1;
	struct hello_event *out = malloc(size);
	char *p;

	if (!out)
		return NULL;
	*out = *h;
	out->size = (uint32_t)size;
	p = (char *)(out + 1);
	out->name_len = (uint16_t)nlen;
	out->name = (const uint8_t *)p;
	memcpy(p, nlen ? (const char *)h->name : "", nlen);
	p[nlen] = '\0';
	p += nlen + 1;
	out->name_str = p;
	memcpy(p, slen ? h->name_str : "", slen);
	p[slen] = '\0';
	p += slen + 1;
	out->alpn = p;
	memcpy(p, alen ? h->alpn : "", alen);
	p[alen] = '\0';
	return out;
}

void
hello_event_free(struct hello_event *h)
{
	free(h);
}

/* A heap copy of the n bytes at src, or NULL. */
static void *
copy_block(const void *src, size_t n)
{
	void *p = malloc(n);

	return p ? memcpy(p, src, n) : NULL;
}

int
event_cmd(struct event *ev, const struct cmd_event *c)
{
	*ev = (struct event){ .type = EV_CMD };
	return (ev->u.cmd = copy_block(c, sizeof(*c))) ? 0 : -1;
}

int
event_sensor(struct event *ev, const struct sensor_event *s)
{
	*ev = (struct event){ .type = EV_SENSOR };
	return (ev->u.sensor = copy_block(s, sizeof(*s))) ? 0 : -1;
}

size_t
event_heap_bytes(const struct event *ev)
{
	if (ev->type == EV_DNS && ev->u.dns)
		return ev->u.dns->size;
	if (ev->type == EV_HELLO && ev->u.hello)
		return ev->u.hello->size;
	if (ev->type == EV_CMD && ev->u.cmd)
		return sizeof(*ev->u.cmd);
	if (ev->type == EV_SENSOR && ev->u.sensor)
		return sizeof(*ev->u.sensor);
	return 0;
}

void
event_free(struct event *ev)
{
	if (ev->type == EV_DNS) {
		dns_event_free(ev->u.dns);
		ev->u.dns = NULL;
	} else if (ev->type == EV_HELLO) {
		hello_event_free(ev->u.hello);
		ev->u.hello = NULL;
	} else if (ev->type == EV_CMD) {
		free(ev->u.cmd);
		ev->u.cmd = NULL;
	} else if (ev->type == EV_SENSOR) {
		free(ev->u.sensor);
		ev->u.sensor = NULL;
	}
}
