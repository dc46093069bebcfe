#include "config.h"

#include <stdbool.h>
#include <stdio.h>

#include <systemd/sd-daemon.h>

#include "service.h"

static uint64_t watchdog_us;
static int64_t last_ping;

uint64_t
service_watchdog_init(void)
{
	uint64_t us = 0;

	if (sd_watchdog_enabled(0, &us) <= 0)
		us = 0;
	watchdog_us = us;
	return us;
}

void
service_watchdog_feed(int64_t now_us)
{
	if (watchdog_us == 0 || (last_ping && now_us - last_ping < (int64_t)(watchdog_us / 3)))
		return;
	last_ping = now_us;
	sd_notify(0, "WATCHDOG=1");
}

void
service_ready(const char *status)
{
	sd_notifyf(0, "READY=1\nSTATUS=%s", status);
}

void
service_stopping(void)
{
	sd_notify(0, "STOPPING=1");
}

void
service_reloading(void)
{
	sd_notify(0, "RELOADING=1");
}
