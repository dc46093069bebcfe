/* heap: glibc malloc held to the daemon's memory budget (README, "Memory").
 *
 * Every table the VM can grow has a bound in bytes (the attribution map, the queue, the
 * caches), but what malloc keeps after a free is not in any of them: glibc gives each
 * thread that allocates an arena of its own (up to eight per core), keeps what was freed
 * there for that thread's next allocation, and moves its threshold for mapping a large
 * block on its own up to 32 MiB as such blocks are freed, after which they come from an
 * arena and stay. The producers allocate what the writer frees (a DNS event, a hello),
 * so each producer's arena fills with blocks freed by another thread. In a flood that
 * slack was as large as the live data. So: HEAP_ARENAS arenas for every thread; blocks
 * of HEAP_MMAP_MIN or more mapped on their own, and unmapped at their free; and every
 * few seconds the free pages inside every arena handed back to the kernel (malloc_trim).
 * What malloc holds beyond the live blocks is then what was freed since the last trim,
 * plus the partly used pages. */
#ifndef OCA_HEAP_H
#define OCA_HEAP_H

#define HEAP_ARENAS 2
#define HEAP_MMAP_MIN (128u << 10)

/* Set malloc's limits (above). Call before any thread starts. Returns 0, or -1 when
 * glibc refused one (the daemon runs on with malloc's defaults: the caller logs it). */
int heap_setup(void);

/* Give the kernel the free pages inside every arena. Takes each arena's lock in turn for
 * a walk of its free blocks: call it from a thread with nothing urgent (the main
 * thread's tick), every few seconds. */
void heap_trim(void);

#endif
