/*
 * procmon: reads /proc/PID/status and /proc/PID/stat. See procmon.h.
 */
#include "procmon.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads VmRSS, Threads and State from /proc/pid/status. */
static bool read_status(pid_t pid, struct procmon_sample *s)
{
	char path[64], line[256], state = '?';
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	s->rss_kib = 0; /* a zombie has no VmRSS line */
	while (fgets(line, sizeof(line), f) != NULL) {
		sscanf(line, "VmRSS: %ld", &s->rss_kib);
		sscanf(line, "Threads: %ld", &s->threads);
		sscanf(line, "State: %c", &state);
	}
	fclose(f);
	return state != 'Z' && state != 'X' && state != '?';
}

/*
 * Reads utime and stime, the 14th and 15th fields of /proc/pid/stat. The
 * second field, the command name, may hold spaces and parentheses, so the
 * fields are counted from the last ')'.
 */
static bool read_cpu(pid_t pid, struct procmon_sample *s)
{
	char path[64], buf[1024], *p;
	unsigned long utime, stime;
	size_t n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')');
	if (p == NULL || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u "
				"%*u %lu %lu", &utime, &stime) != 2)
		return false;
	s->cpu_s = (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	return true;
}

bool procmon_sample(pid_t pid, struct procmon_sample *s)
{
	memset(s, 0, sizeof(*s));
	return read_status(pid, s) && read_cpu(pid, s);
}

double procmon_busy(void)
{
	unsigned long long user, nice, sys, idle, iowait, irq, softirq, steal;
	FILE *f = fopen("/proc/stat", "r");
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &user,
		   &nice, &sys, &idle, &iowait, &irq, &softirq, &steal);
	fclose(f);
	if (n != 8)
		return -1;
	/* Steal is time another guest had our CPU: busy, from our side. */
	return (double)(user + nice + sys + irq + softirq + steal) /
	       (double)sysconf(_SC_CLK_TCK);
}

/* The context switches of one thread, from its status file; -1 if gone. */
static long long task_switches(pid_t pid, long tid)
{
	char path[96], line[256];
	long long total = 0, n;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%ld/status", (int)pid, tid);
	f = fopen(path, "r");
	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (sscanf(line, "voluntary_ctxt_switches: %lld", &n) == 1 ||
		    sscanf(line, "nonvoluntary_ctxt_switches: %lld", &n) == 1)
			total += n;
	}
	fclose(f);
	return total;
}

long long procmon_switches(pid_t pid)
{
	char path[64];
	struct dirent *e;
	long long total = 0, n;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] < '0' || e->d_name[0] > '9')
			continue; /* "." and ".." */
		/* A thread that ended meanwhile takes its count with it. */
		n = task_switches(pid, strtol(e->d_name, NULL, 10));
		if (n > 0)
			total += n;
	}
	closedir(d);
	return total;
}
