/*
 * procmon: what another process costs, read from /proc.
 *
 *   procmon_sample   its resident memory, threads and CPU time, right now
 *   procmon_busy     CPU time the whole machine has spent busy so far
 *   procmon_switches how often its threads have been switched out so far
 *
 * The load generator samples the server a few times a second and keeps the
 * peaks, so a figure reflects the whole run, not only its last moment. The
 * machine's busy time tells whether something else was running meanwhile:
 * on a shared machine that is what makes figures noisy.
 */
#ifndef BENCH_PROCMON_H
#define BENCH_PROCMON_H

#include <stdbool.h>
#include <sys/types.h>

struct procmon_sample {
	long rss_kib;     /* VmRSS: resident memory */
	long threads;     /* Threads */
	double cpu_s;     /* user + system CPU time since it started, seconds */
};

/*
 * Samples process pid into *s. Returns true, or false when pid no longer
 * runs: it has exited (a zombie counts as exited) or cannot be read.
 */
bool procmon_sample(pid_t pid, struct procmon_sample *s);

/*
 * Returns the CPU seconds all processors together have spent doing anything
 * but idling since boot (the first line of /proc/stat), or -1 when it cannot
 * be read.
 */
double procmon_busy(void);

/*
 * Returns how many times, in all, the threads of process pid have given up a
 * CPU (voluntary and involuntary context switches, summed over the status
 * files in /proc/PID/task), or -1 when it cannot be read. Reading costs a
 * file per thread: callers skip it for processes with thousands.
 */
long long procmon_switches(pid_t pid);

#endif
