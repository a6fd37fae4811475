/*
 * hist: a log-linear histogram of durations. See hist.h.
 *
 * A value v below 128 has its own bucket. Above, with e the position of its
 * highest set bit, v is shifted right by e - 6 so that its top seven bits
 * remain (64 to 127); that mantissa and the shift together pick the bucket.
 */
#include "hist.h"

#include <assert.h>
#include <string.h>

#define EXACT 128 /* values below this have a bucket each */
#define SUB 64    /* buckets per power of two above */

static unsigned int bucket_of(uint64_t v)
{
	unsigned int shift;

	if (v < EXACT)
		return (unsigned int)v;
	shift = (unsigned int)(63 - __builtin_clzll(v)) - 6;
	return shift * SUB + (unsigned int)(v >> shift);
}

/* The middle of bucket i: the value a percentile in it reports. */
static uint64_t middle_of(unsigned int i)
{
	unsigned int shift;
	uint64_t low;

	if (i < EXACT)
		return i;
	shift = i / SUB - 1;
	low = (uint64_t)(i - shift * SUB) << shift;
	return low + ((uint64_t)1 << shift) / 2;
}

void hist_reset(struct hist *h)
{
	memset(h, 0, sizeof(*h));
}

void hist_record(struct hist *h, uint64_t ns)
{
	unsigned int i = bucket_of(ns);

	assert(i < HIST_BUCKETS);
	h->bucket[i]++;
	h->count++;
	h->sum += (double)ns;
	if (ns > h->max)
		h->max = ns;
}

uint64_t hist_percentile(const struct hist *h, double p)
{
	uint64_t rank, seen = 0;

	assert(p > 0 && p <= 1);
	if (h->count == 0)
		return 0;
	/* The smallest sample with at least p of all samples at or below it. */
	rank = (uint64_t)(p * (double)h->count + 0.999999);
	if (rank == 0)
		rank = 1;
	for (unsigned int i = 0; i < HIST_BUCKETS; i++) {
		seen += h->bucket[i];
		if (seen >= rank) {
			uint64_t mid = middle_of(i);

			return mid < h->max ? mid : h->max;
		}
	}
	return h->max;
}

uint64_t hist_count(const struct hist *h)
{
	return h->count;
}

uint64_t hist_max(const struct hist *h)
{
	return h->max;
}

double hist_mean(const struct hist *h)
{
	return h->count ? h->sum / (double)h->count : 0;
}
