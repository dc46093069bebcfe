/* The Host header through libhttp-parser. See httphost.h. */
#include "config.h"

#include <string.h>
#include <strings.h>

#include <http_parser.h>

#include "httphost.h"

struct state {
	struct httphost *r;
	bool line_done;            /* the request line was accepted */
	bool in_host;              /* the header being read is Host */
	bool field_open;           /* the last callback was a header-field piece */
	bool host_done;
	bool dup;
	size_t flen;               /* bytes of the current field name */
	char fname[5];             /* its first bytes, enough to tell "host" */
};

static int
on_field(http_parser *p, const char *at, size_t len)
{
	struct state *s = p->data;

	s->line_done = true;
	if (!s->field_open) {            /* a new field: the previous value is complete */
		if (s->in_host) {
			s->host_done = true;
			s->in_host = false;
		}
		s->flen = 0;
		s->field_open = true;
	}
	for (size_t i = 0; i < len; i++, s->flen++)
		if (s->flen < sizeof(s->fname))
			s->fname[s->flen] = at[i];
	return 0;
}

static int
on_value(http_parser *p, const char *at, size_t len)
{
	struct state *s = p->data;
	struct httphost *r = s->r;

	if (s->field_open) {
		s->field_open = false;
		if (s->flen == 4 && strncasecmp(s->fname, "host", 4) == 0) {
			if (r->has_host) {
				s->dup = true;
				return -1;
			}
			r->has_host = true;
			s->in_host = true;
		}
	}
	if (s->in_host) {
		size_t room = HTTPHOST_NAME_MAX - r->host_len;

		if (len > room) {
			r->host_cut = true;
			len = room;
		}
		memcpy(r->host + r->host_len, at, len);
		r->host_len = (uint16_t)(r->host_len + len);
		r->host[r->host_len] = 0;
	}
	return 0;
}

static int
on_headers_complete(http_parser *p)
{
	struct state *s = p->data;

	s->line_done = true;
	s->host_done = true;
	http_parser_pause(p, 1);         /* the body is not ours to read */
	return 0;
}

/* The errors libhttp-parser reports for a request line that is not HTTP at all. */
static bool
request_line_error(enum http_errno err)
{
	switch (err) {
	case HPE_INVALID_METHOD: case HPE_INVALID_URL: case HPE_INVALID_HOST:
	case HPE_INVALID_PORT: case HPE_INVALID_PATH: case HPE_INVALID_QUERY_STRING:
	case HPE_INVALID_FRAGMENT: case HPE_INVALID_VERSION: case HPE_INVALID_CONSTANT:
		return true;
	default:
		return false;
	}
}

enum httphost_verdict
httphost_parse(const uint8_t *buf, size_t len, struct httphost *r)
{
	http_parser_settings set;
	http_parser p;
	struct state s = { .r = r };
	enum http_errno err;
	enum httphost_verdict v;

	memset(r, 0, sizeof(*r));
	if (len > HTTPHOST_HEAD_MAX)
		len = HTTPHOST_HEAD_MAX;
	http_parser_settings_init(&set);
	set.on_header_field = on_field;
	set.on_header_value = on_value;
	set.on_headers_complete = on_headers_complete;
	http_parser_init(&p, HTTP_REQUEST);
	p.data = &s;
	http_parser_execute(&p, &set, (const char *)buf, len);
	err = HTTP_PARSER_ERRNO(&p);

	if (s.dup)
		v = HTTPH_MALFORMED;
	else if (err != HPE_OK && err != HPE_PAUSED && !s.host_done)
		v = !s.line_done && request_line_error(err) ? HTTPH_NOT_HTTP : HTTPH_MALFORMED;
	else if (s.line_done && p.http_major != 1)
		v = HTTPH_NOT_HTTP;              /* "PRI * HTTP/2.0" and the like */
	else if (s.host_done)
		v = HTTPH_OK;
	else
		v = len == HTTPHOST_HEAD_MAX ? HTTPH_TOOBIG : HTTPH_NEED;
	if (v != HTTPH_OK) {
		memset(r, 0, sizeof(*r));
		return v;
	}
	while (r->host_len && (r->host[r->host_len - 1] == ' ' || r->host[r->host_len - 1] == '\t'))
		r->host[--r->host_len] = 0;      /* the parser keeps trailing whitespace */
	r->http_minor = (uint8_t)p.http_minor;
	strncpy(r->method, http_method_str((enum http_method)p.method), sizeof(r->method) - 1);
	return HTTPH_OK;
}

const char *
httphost_verdict_str(enum httphost_verdict v)
{
	switch (v) {
	case HTTPH_OK: return "ok";
	case HTTPH_NEED: return "incomplete";
	case HTTPH_NOT_HTTP: return "not an HTTP/1.x request";
	case HTTPH_MALFORMED: return "malformed request head";
	case HTTPH_TOOBIG: return "no Host within the bound";
	}
	return "unknown";
}
