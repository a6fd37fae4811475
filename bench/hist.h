/*
 * hist: a histogram of durations, for latency percentiles.
 *
 *   hist_reset        forget every sample
 *   hist_record       count one duration, in nanoseconds
 *   hist_percentile   the duration below which a given share of samples fall
 *   hist_count, hist_max, hist_mean   what the names say
 *
 * A run at 100,000 messages a second makes too many samples to keep and sort,
 * so durations are counted in buckets instead: exact below 128 ns, then 64
 * buckets for every power of two. A percentile is therefore within 1% of the
 * true value, in constant memory and with no allocation at all.
 */
#ifndef BENCH_HIST_H
#define BENCH_HIST_H

#include <stdint.h>

/* 64 buckets per power of two, for 2^7 to 2^63 ns, after 128 exact ones. */
#define HIST_BUCKETS (128 + 57 * 64)

struct hist {
	uint64_t count;
	uint64_t max;  /* the largest sample, exactly */
	double sum;    /* for the mean */
	uint64_t bucket[HIST_BUCKETS];
};

/* Empties h. A zeroed struct hist is empty too. */
void hist_reset(struct hist *h);

/* Counts one sample of ns nanoseconds. Cannot fail. */
void hist_record(struct hist *h, uint64_t ns);

/*
 * Returns the p-th quantile (0 < p <= 1; 0.99 for p99) in nanoseconds: the
 * middle of the bucket that holds it, never more than hist_max. Returns 0
 * when h is empty.
 */
uint64_t hist_percentile(const struct hist *h, double p);

uint64_t hist_count(const struct hist *h);
uint64_t hist_max(const struct hist *h);

/* The mean in nanoseconds, or 0 when h is empty. */
double hist_mean(const struct hist *h);

#endif
