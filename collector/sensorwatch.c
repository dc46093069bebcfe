/* The NFLOG sensor's state: see sensorwatch.h. */
#include "config.h"

#include <stdio.h>
#include <string.h>

#include "common/timefmt.h"
#include "sensorwatch.h"

void
sensorwatch_init(struct sensorwatch *w, unsigned nflog_group, int64_t silence_us)
{
	memset(w, 0, sizeof(*w));
	w->nflog_group = nflog_group;
	w->silence_us = silence_us;
}

void
sensorwatch_conn(struct sensorwatch *w, int64_t ts, int64_t mono)
{
	if (ts > w->nflog_last_us)
		w->nflog_last_us = ts;
	if (mono > w->nflog_last_mono)
		w->nflog_last_mono = mono;
	w->answers = 0;
	w->answers_first_us = 0;
}

void
sensorwatch_dns(struct sensorwatch *w, int64_t ts, int64_t mono, unsigned addresses)
{
	if (addresses == 0 || mono <= w->nflog_last_mono)
		return;
	if (w->answers++ == 0) {
		w->answers_first_us = ts;
		w->answers_first_mono = mono;
	}
}

void
sensorwatch_rule(struct sensorwatch *w, enum sensorwatch_rule rule, const char *detail,
                 int64_t now)
{
	if (rule == SW_RULE_OK)
		w->rule_ok_us = now;
	else if (w->rule == SW_RULE_OK || w->rule == SW_RULE_UNKNOWN)
		/* blind since the last check that found the rule, as far as can be told */
		w->rule_bad_us = w->rule_ok_us ? w->rule_ok_us : now;
	else if (w->rule != rule)
		w->rule_bad_us = now;   /* blind another way from now on */
	w->rule = rule;
	snprintf(w->rule_detail, sizeof(w->rule_detail), "%s", detail ? detail : "");
}

static bool
silent(const struct sensorwatch *w, int64_t mono)
{
	return w->silence_us > 0 && w->answers >= SENSORWATCH_ANSWERS &&
	       mono - w->answers_first_mono >= w->silence_us;
}

bool
sensorwatch_poll(struct sensorwatch *w, int64_t now, int64_t mono,
                 struct sensorwatch_change *out)
{
	char iso[TIMEFMT_ISOLEN];
	const char *state;

	memset(out, 0, sizeof(*out));
	out->source = "nflog";
	switch (w->rule) {
	case SW_RULE_MISSING:
		/* the check's own words name what is there and what is not */
		state = "rule-missing";
		snprintf(out->detail, sizeof(out->detail), "nftables: %s; so NFLOG group %u "
		         "sees none of the VM's connections", w->rule_detail, w->nflog_group);
		break;
	case SW_RULE_WRONG_GROUP:
		state = "rule-wrong-group";
		snprintf(out->detail, sizeof(out->detail), "nftables: %s; so NFLOG group %u "
		         "sees none of the VM's connections", w->rule_detail, w->nflog_group);
		break;
	case SW_RULE_UNVERIFIED:
		state = "rule-unverified";
		snprintf(out->detail, sizeof(out->detail), "whether an nftables rule logs the "
		         "VM's new connections to NFLOG group %u cannot be checked (%s)",
		         w->nflog_group, w->rule_detail);
		break;
	default:
		/* up once checked, or once a state was told (silence ended) */
		state = silent(w, mono) ? "silent" : w->rule == SW_RULE_OK || *w->state ? "up" : NULL;
		if (state && strcmp(state, "silent") == 0)
			snprintf(out->detail, sizeof(out->detail), "%u DNS answers with addresses "
			         "reached the VM since %s and NFLOG delivered no connection at all "
			         "in %lld s: the VM connects to what it resolves, so NFLOG most "
			         "likely does not see (the rule matches nothing, or the traffic "
			         "takes another path)", w->answers,
			         timefmt_iso(w->answers_first_us, iso, sizeof(iso)),
			         (long long)((mono - w->answers_first_mono) / US_PER_SEC));
		else if (state)
			snprintf(out->detail, sizeof(out->detail), "the nftables rule logs the VM's "
			         "new connections to NFLOG group %u (%s)", w->nflog_group,
			         w->rule_detail);
		break;
	}
	if (!state || strcmp(state, w->state) == 0)
		return false;
	out->state = state;
	out->blind = strcmp(state, "up") != 0;
	out->was_blind = *w->state && strcmp(w->state, "up") != 0;
	out->since_us = strcmp(state, "silent") == 0 ? w->answers_first_us :
	                out->blind ? w->rule_bad_us : now;
	if (out->since_us < w->state_us)   /* never before the state it ends */
		out->since_us = w->state_us;
	snprintf(w->pending, sizeof(w->pending), "%s", state);
	w->pending_us = out->since_us;
	return true;
}

void
sensorwatch_stored(struct sensorwatch *w, bool ok)
{
	if (ok && *w->pending) {
		memcpy(w->state, w->pending, sizeof(w->state));
		w->state_us = w->pending_us;
	}
	w->pending[0] = '\0';
}

void
enforcewatch_rule(struct enforcewatch *w, enum sensorwatch_rule rule, const char *detail,
                  int64_t now)
{
	if (rule != SW_RULE_OK && rule != SW_RULE_UNVERIFIED)
		rule = SW_RULE_MISSING;
	if (rule == SW_RULE_OK)
		w->ok_us = now;
	else if (w->rule == SW_RULE_OK || w->rule == SW_RULE_UNKNOWN)
		w->bad_us = w->ok_us ? w->ok_us : now;
	else if (w->rule != rule)
		w->bad_us = now;
	w->rule = rule;
	snprintf(w->detail, sizeof(w->detail), "%s", detail ? detail : "");
}

bool
enforcewatch_poll(struct enforcewatch *w, int64_t now, struct sensorwatch_change *out)
{
	const char *state;

	memset(out, 0, sizeof(*out));
	out->source = "enforce";
	switch (w->rule) {
	case SW_RULE_OK:
		state = "up";
		snprintf(out->detail, sizeof(out->detail), "nftables: %s", w->detail);
		break;
	case SW_RULE_MISSING:
		state = "off";
		snprintf(out->detail, sizeof(out->detail), "nftables: %s; so the VM's connections "
		         "are not enforced (enforce mode is off in the firewall)", w->detail);
		break;
	case SW_RULE_UNVERIFIED:
		state = "unverified";
		snprintf(out->detail, sizeof(out->detail), "whether enforce mode's nftables table "
		         "is in place cannot be checked (%s)", w->detail);
		break;
	default:
		return false;
	}
	if (strcmp(state, w->state) == 0)
		return false;
	out->state = state;
	out->blind = strcmp(state, "up") != 0;
	out->was_blind = *w->state && strcmp(w->state, "up") != 0;
	out->since_us = out->blind ? w->bad_us : now;
	if (out->since_us < w->state_us)
		out->since_us = w->state_us;
	snprintf(w->pending, sizeof(w->pending), "%s", state);
	w->pending_us = out->since_us;
	return true;
}

void
enforcewatch_stored(struct enforcewatch *w, bool ok)
{
	if (ok && *w->pending) {
		memcpy(w->state, w->pending, sizeof(w->state));
		w->state_us = w->pending_us;
	}
	w->pending[0] = '\0';
}
