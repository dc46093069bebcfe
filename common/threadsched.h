/* threadsched: how the daemon's busy threads ask the kernel to schedule them. No state. */
#ifndef OCA_THREADSCHED_H
#define OCA_THREADSCHED_H

/* The calling thread becomes SCHED_BATCH, keeping its nice value: the kernel gives it
 * the same weight as SCHED_OTHER at that value, but when it wakes it never preempts the
 * thread running on its CPU (the tick or that thread's next sleep hands it the CPU).
 * slice_factor 0 keeps the kernel's default time slice; N asks for N times it
 * (sched_setattr's sched_runtime, honoured since Linux 6.12, ignored before).
 * Only from SCHED_OTHER or SCHED_BATCH, as the operator started the daemon: under any
 * other policy (SCHED_IDLE, real time) nothing changes and it returns 0.
 * Returns 0, or -1 with errno set (nothing changed). */
int threadsched_batch(unsigned slice_factor);

#endif
