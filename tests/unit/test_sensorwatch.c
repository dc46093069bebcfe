/* sensorwatch: NFLOG's state from the ruleset checks and what the readers deliver; each
 * change handed out until stored, with the time it began. */
#include "config.h"

#include <string.h>

#include "collector/sensorwatch.h"
#include "tap.h"

#define S INT64_C(1000000)

/* Poll at now and store what came out; returns its state, or "" for no change. */
static const char *
step(struct sensorwatch *w, int64_t now, struct sensorwatch_change *ch)
{
	if (!sensorwatch_poll(w, now, now, ch))
		return "";
	sensorwatch_stored(w, true);
	return ch->state;
}

int
main(void)
{
	struct sensorwatch w;
	struct sensorwatch_change ch;

	sensorwatch_init(&w, 7, 300 * S);
	is_str(step(&w, 1 * S, &ch), "", "nothing before the first check");

	/* missing at start: blind since that check */
	sensorwatch_rule(&w, SW_RULE_MISSING, "no rule in a forward-hook chain logs it", 10 * S);
	is_str(step(&w, 11 * S, &ch), "rule-missing", "missing at start");
	ok(ch.blind && !ch.was_blind, "blind, from nothing stored");
	is_int(ch.since_us, 10 * S, "since the check");
	ok(strstr(ch.detail, "no rule in a forward-hook chain") &&
	   strstr(ch.detail, "group 7"), "the detail has the check's words and the group");
	sensorwatch_rule(&w, SW_RULE_MISSING, "same", 70 * S);
	is_str(step(&w, 71 * S, &ch), "", "still missing: no change");

	/* back */
	sensorwatch_rule(&w, SW_RULE_OK, "inet t forward: 'log group 7'", 80 * S);
	is_str(step(&w, 81 * S, &ch), "up", "back: up");
	ok(!ch.blind && ch.was_blind, "seeing again, after blind");
	is_int(ch.since_us, 81 * S, "up from now");

	/* deleted between two checks: blind since the last one that saw it */
	sensorwatch_rule(&w, SW_RULE_OK, "ok", 140 * S);
	sensorwatch_rule(&w, SW_RULE_WRONG_GROUP, "logs to group 8, not 7", 200 * S);
	is_str(step(&w, 201 * S, &ch), "rule-wrong-group", "another group");
	is_int(ch.since_us, 140 * S, "since the last check that saw the rule");
	sensorwatch_rule(&w, SW_RULE_UNVERIFIED, "no answer from the privileged helper", 260 * S);
	ok(sensorwatch_poll(&w, 261 * S, 261 * S, &ch), "blind another way: a change");
	is_str(ch.state, "rule-unverified", "unverified");
	is_int(ch.since_us, 260 * S, "from that check");
	sensorwatch_stored(&w, false);
	ok(sensorwatch_poll(&w, 262 * S, 262 * S, &ch) && strcmp(ch.state, "rule-unverified") == 0,
	   "not stored: handed out again");
	sensorwatch_stored(&w, true);
	is_str(step(&w, 263 * S, &ch), "", "stored: no more");

	/* silence: answers with addresses, no connection, for silence_us */
	sensorwatch_init(&w, 7, 300 * S);
	sensorwatch_rule(&w, SW_RULE_OK, "ok", 1 * S);
	is_str(step(&w, 1 * S, &ch), "up", "a run starts up");
	ok(!ch.was_blind, "... and is no alert of its own");
	sensorwatch_conn(&w, 5 * S, 5 * S);
	sensorwatch_dns(&w, 10 * S, 10 * S, 2);
	sensorwatch_dns(&w, 20 * S, 20 * S, 0);            /* no address: does not count */
	sensorwatch_dns(&w, 30 * S, 30 * S, 1);
	is_str(step(&w, 400 * S, &ch), "", "two answers with addresses: not enough");
	sensorwatch_dns(&w, 40 * S, 40 * S, 1);
	is_str(step(&w, 300 * S, &ch), "", "three, but not for long enough");
	is_str(step(&w, 310 * S, &ch), "silent", "three, the first 300 s ago: silent");
	is_int(ch.since_us, 10 * S, "since the first of them");
	sensorwatch_conn(&w, 320 * S, 320 * S);
	is_str(step(&w, 321 * S, &ch), "up", "a connection: up again");
	sensorwatch_dns(&w, 319 * S, 319 * S, 4);           /* before NFLOG's last: does not count */
	sensorwatch_dns(&w, 330 * S, 330 * S, 1);
	sensorwatch_dns(&w, 331 * S, 331 * S, 1);
	is_str(step(&w, 2000 * S, &ch), "", "old answers do not count");

	sensorwatch_init(&w, 7, 0);
	sensorwatch_rule(&w, SW_RULE_OK, "ok", 1 * S);
	step(&w, 1 * S, &ch);
	for (int i = 0; i < 10; i++)
		sensorwatch_dns(&w, (2 + i) * S, (2 + i) * S, 1);
	is_str(step(&w, 100000 * S, &ch), "", "silence_us 0: the heuristic is off");

	/* the wall clock stepped: the silence is measured on the monotonic clock */
	{
		const int64_t day = 86400 * S, m = 5000 * S;
		struct sensorwatch_change c2;

		sensorwatch_init(&w, 7, 300 * S);
		sensorwatch_rule(&w, SW_RULE_OK, "ok", 1 * S);
		step(&w, 1 * S, &ch);
		for (int i = 0; i < 3; i++)
			sensorwatch_dns(&w, (10 + i) * S, m + i * S, 1);
		ok(!sensorwatch_poll(&w, day + 20 * S, m + 20 * S, &c2),
		   "wall clock forward a day, 20 s on: not silent");
		ok(sensorwatch_poll(&w, 20 * S - day, m + 301 * S, &c2) &&
		   strcmp(c2.state, "silent") == 0,
		   "wall clock back a day, 301 s on: silent all the same");
		is_int(c2.since_us, 10 * S, "since the first answer, by the wall clock then");
	}
	done_testing();
}
