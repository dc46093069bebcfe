/* The daemon's clocks: see clock.h. The steady time's anchor (a wall time and the
 * boot-time clock then) is taken once, under a lock, and again only while the wall clock
 * looks unset. */
#include "config.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "clock.h"

static pthread_mutex_t anchor_mu = PTHREAD_MUTEX_INITIALIZER;
static bool anchored;
static int64_t anchor_wall, anchor_boot;

static int64_t
read_us(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static int64_t
steady(int64_t wall, int64_t boot)
{
	int64_t s;

	pthread_mutex_lock(&anchor_mu);
	if (!anchored) {
		anchor_wall = wall;
		anchor_boot = boot;
		anchored = wall >= CLOCK_SANE_US;
	}
	s = anchor_wall + (boot - anchor_boot);
	pthread_mutex_unlock(&anchor_mu);
	return s;
}

void
clock_read(struct clock_now *now)
{
	now->mono_us = read_us(CLOCK_MONOTONIC);
	now->wall_us = read_us(CLOCK_REALTIME);
	now->steady_us = steady(now->wall_us, read_us(CLOCK_BOOTTIME));
}

int64_t
clock_steady_us(void)
{
	return steady(read_us(CLOCK_REALTIME), read_us(CLOCK_BOOTTIME));
}

int64_t
clock_wall_of(const struct clock_now *now, int64_t mono_us)
{
	return now->wall_us + (mono_us - now->mono_us);
}
