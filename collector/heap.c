#include "config.h"

#include <malloc.h>

#include "heap.h"

int
heap_setup(void)
{
	/* a fixed threshold turns off glibc's moving one (mallopt(3)); trimming the top of
	 * an arena at each free is left to heap_trim */
	if (mallopt(M_ARENA_MAX, HEAP_ARENAS) != 1 ||
	    mallopt(M_MMAP_THRESHOLD, (int)HEAP_MMAP_MIN) != 1 ||
	    mallopt(M_TRIM_THRESHOLD, (int)HEAP_MMAP_MIN) != 1)
		return -1;
	return 0;
}

void
heap_trim(void)
{
	malloc_trim(0);
}
