/*
 * Summary statistics over every sample of a run: exact order statistics
 * (no histogram buckets, no sampling), mean and standard deviation.
 */
#ifndef IPCTOOL_STATS_H
#define IPCTOOL_STATS_H

#include <stddef.h>
#include <stdint.h>

struct stats {
	size_t n;
	uint64_t min, p50, p90, p99, p999, max;
	double mean;
	double stddev;		/* sample standard deviation (n - 1); 0 for n < 2 */
};

/*
 * The nearest-rank percentile of sorted samples: the smallest sample with at
 * least p percent of all samples at or below it (p in 0..100). 0 for n = 0.
 */
uint64_t stats_percentile(const uint64_t *sorted, size_t n, double p);
/*
 * Sort samples in place and summarise them. Returns 0, or -1 with errno
 * EINVAL for n = 0.
 */
int stats_compute(uint64_t *samples, size_t n, struct stats *out);

#endif
