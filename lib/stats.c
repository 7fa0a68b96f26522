/* Summary statistics over every sample. */
#include "stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

uint64_t stats_percentile(const uint64_t *sorted, size_t n, double p)
{
	double rank;
	size_t i;

	if (n == 0)
		return 0;
	if (p <= 0)
		return sorted[0];
	if (p >= 100)
		return sorted[n - 1];
	/* Nearest rank: ceil(p/100 * n), 1-based. The small slack keeps
	 * 99.9% of 1000 at rank 999 despite binary rounding. */
	rank = ceil(p / 100.0 * (double)n - 1e-9);
	i = rank < 1 ? 0 : (size_t)rank - 1;
	return sorted[i < n ? i : n - 1];
}

/* Radix sort by bytes: linear in n, so that sorting a few million samples
 * costs milliseconds; falls back to qsort when no scratch memory is left. */
static int stats_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void stats_sort(uint64_t *v, size_t n)
{
	uint64_t *tmp, *src = v, *dst, *swap, all_or = 0;
	size_t count[256];
	unsigned shift;
	size_t i;

	if (n < 256) {
		qsort(v, n, sizeof(*v), stats_cmp);
		return;
	}
	tmp = malloc(n * sizeof(*v));
	if (!tmp) {
		qsort(v, n, sizeof(*v), stats_cmp);
		return;
	}
	dst = tmp;
	for (i = 0; i < n; i++)
		all_or |= v[i];
	for (shift = 0; shift < 64 && (all_or >> shift) != 0; shift += 8) {
		size_t sum = 0, c;

		memset(count, 0, sizeof(count));
		for (i = 0; i < n; i++)
			count[(src[i] >> shift) & 0xff]++;
		for (i = 0; i < 256; i++) {
			c = count[i];
			count[i] = sum;
			sum += c;
		}
		for (i = 0; i < n; i++)
			dst[count[(src[i] >> shift) & 0xff]++] = src[i];
		swap = src;
		src = dst;
		dst = swap;
	}
	if (src != v)
		memcpy(v, src, n * sizeof(*v));
	free(tmp);
}

int stats_compute(uint64_t *samples, size_t n, struct stats *out)
{
	double mean = 0, m2 = 0, delta;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (n == 0) {
		errno = EINVAL;
		return -1;
	}
	stats_sort(samples, n);
	/* Welford's update: no overflow or cancellation for large n. */
	for (i = 0; i < n; i++) {
		delta = (double)samples[i] - mean;
		mean += delta / (double)(i + 1);
		m2 += delta * ((double)samples[i] - mean);
	}
	out->n = n;
	out->min = samples[0];
	out->max = samples[n - 1];
	out->p50 = stats_percentile(samples, n, 50);
	out->p90 = stats_percentile(samples, n, 90);
	out->p99 = stats_percentile(samples, n, 99);
	out->p999 = stats_percentile(samples, n, 99.9);
	out->mean = mean;
	out->stddev = n > 1 ? sqrt(m2 / (double)(n - 1)) : 0;
	return 0;
}
