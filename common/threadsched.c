/* The SCHED_BATCH switch of the writer and resolver threads (see threadsched.h). */
#include "config.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "threadsched.h"

#define SLICE_FALLBACK_NS UINT64_C(3000000)   /* the largest default, if /proc won't say */
#define SLICE_MAX_NS UINT64_C(100000000)      /* the kernel's bound */

/* The calling thread's time slice as /proc shows it (EEVDF kernels), or 0. */
static uint64_t
slice_now(void)
{
	FILE *f = fopen("/proc/thread-self/sched", "r");
	char line[256];
	unsigned long long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "se.slice : %llu", &v) == 1)
			break;
	fclose(f);
	return v;
}

int
threadsched_batch(unsigned slice_factor)
{
	/* the kernel's struct sched_attr as of its first version (<linux/sched/types.h>
	 * cannot be included beside <sched.h> with these headers) */
	struct {
		uint32_t size, sched_policy;
		uint64_t sched_flags;
		int32_t sched_nice;
		uint32_t sched_priority;
		uint64_t sched_runtime, sched_deadline, sched_period;
	} a = { .size = sizeof(a) };
	int policy = sched_getscheduler(0), nice;

	_Static_assert(sizeof(a) == 48, "struct sched_attr, first version");
	if (policy < 0)
		return -1;
	if (policy & SCHED_RESET_ON_FORK)
		a.sched_flags = 0x01;          /* SCHED_FLAG_RESET_ON_FORK */
	policy &= ~SCHED_RESET_ON_FORK;
	if (policy != SCHED_OTHER && policy != SCHED_BATCH)
		return 0;
	a.sched_policy = SCHED_BATCH;
	if (slice_factor > 0) {
		uint64_t now = slice_now();

		a.sched_runtime = (now > 0 ? now : SLICE_FALLBACK_NS) * slice_factor;
		if (a.sched_runtime > SLICE_MAX_NS)
			a.sched_runtime = SLICE_MAX_NS;
	}
	errno = 0;
	nice = getpriority(PRIO_PROCESS, 0);    /* on Linux, the calling thread's */
	if (errno != 0)
		return -1;
	a.sched_nice = nice;
	return syscall(SYS_sched_setattr, 0, &a, 0) < 0 ? -1 : 0;
}
