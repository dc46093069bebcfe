#include "config.h"

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

struct dns_event *
dns_event_pack(const struct dns_event *ev)
{
	const char *qname = ev->qname ? ev->qname : "";
	size_t size = sizeof(*ev) + ev->n_answers * sizeof(struct dns_answer) +
	              ev->qname_len + strlen(qname) + 1;
	struct dns_event *out;
	struct dns_answer *ans = NULL;
	char *p;

	for (size_t i = 0; i < ev->n_answers; i++)
		size += strlen(ev->answers[i].name ? ev->answers[i].name : "") + 1 +
		        strlen(ev->answers[i].data ? ev->answers[i].data : "") + 1;
	if (size > UINT32_MAX || !(out = malloc(size)))
		return NULL;
	*out = *ev;
	out->size = (uint32_t)size;
	p = (char *)(out + 1);
	if (ev->n_answers)
		ans = put(&p, ev->answers, ev->n_answers * sizeof(*ans));
	out->answers = ans;
	out->qname_len = ev->qname_wire ? ev->qname_len : 0;
	out->qname_wire = put(&p, ev->qname_wire ? ev->qname_wire : (const uint8_t *)"",
	                      out->qname_len);
	out->qname = put(&p, qname, strlen(qname) + 1);
	for (size_t i = 0; i < ev->n_answers; i++) {
		const char *name = ev->answers[i].name ? ev->answers[i].name : "";
		const char *data = ev->answers[i].data ? ev->answers[i].data : "";

		ans[i].name = put(&p, name, strlen(name) + 1);
		ans[i].data = put(&p, data, strlen(data) + 1);
	}
	return out;
}

void
dns_event_free(struct dns_event *ev)
{
	free(ev);
}
