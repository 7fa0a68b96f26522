/* Unit tests for lib/stats.c: exact percentiles, mean and deviation. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>

#include "../../lib/stats.h"

static void test_stats_one_to_hundred(void **state)
{
	uint64_t v[100];
	struct stats s;
	size_t i;

	(void)state;
	/* Shuffled: 1..100 in a scrambled order. */
	for (i = 0; i < 100; i++)
		v[i] = (i * 37) % 100 + 1;
	assert_int_equal(stats_compute(v, 100, &s), 0);
	assert_int_equal(s.n, 100);
	assert_int_equal(s.min, 1);
	assert_int_equal(s.p50, 50);
	assert_int_equal(s.p90, 90);
	assert_int_equal(s.p99, 99);
	assert_int_equal(s.p999, 100);
	assert_int_equal(s.max, 100);
	assert_float_equal(s.mean, 50.5, 1e-9);
	/* Sample standard deviation of 1..100: sqrt(100*101/12). */
	assert_float_equal(s.stddev, 29.011491975882016, 1e-9);
	for (i = 1; i < 100; i++)
		assert_true(v[i - 1] <= v[i]);
}

static void test_stats_nearest_rank(void **state)
{
	uint64_t v[1000];
	size_t i;

	(void)state;
	for (i = 0; i < 1000; i++)
		v[i] = i + 1;
	assert_int_equal(stats_percentile(v, 1000, 99.9), 999);
	assert_int_equal(stats_percentile(v, 1000, 50), 500);
	assert_int_equal(stats_percentile(v, 1000, 0), 1);
	assert_int_equal(stats_percentile(v, 1000, 100), 1000);
	assert_int_equal(stats_percentile(v, 3, 50), 2);
	assert_int_equal(stats_percentile(v, 0, 50), 0);
}

static void test_stats_single_and_empty(void **state)
{
	uint64_t v[1] = { 42 };
	struct stats s;

	(void)state;
	assert_int_equal(stats_compute(v, 1, &s), 0);
	assert_int_equal(s.min, 42);
	assert_int_equal(s.p50, 42);
	assert_int_equal(s.p999, 42);
	assert_int_equal(s.max, 42);
	assert_float_equal(s.stddev, 0, 0);
	errno = 0;
	assert_int_equal(stats_compute(v, 0, &s), -1);
	assert_int_equal(errno, EINVAL);
}

/* The radix sort path (n >= 256) with large and equal values. */
static void test_stats_large_sort(void **state)
{
	size_t n = 100000, i;
	uint64_t *v = malloc(n * sizeof(*v));
	uint64_t x = 88172645463325252ull;
	struct stats s;

	(void)state;
	assert_non_null(v);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		v[i] = i % 10 == 0 ? 7 : x;
	}
	v[5] = UINT64_MAX;
	v[6] = 0;
	assert_int_equal(stats_compute(v, n, &s), 0);
	for (i = 1; i < n; i++)
		assert_true(v[i - 1] <= v[i]);
	assert_int_equal(s.min, 0);
	assert_int_equal(s.max, UINT64_MAX);
	assert_true(s.min <= s.p50 && s.p50 <= s.p90 && s.p90 <= s.p99 && s.p99 <= s.p999 &&
		    s.p999 <= s.max);
	free(v);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_one_to_hundred),
		cmocka_unit_test(test_stats_nearest_rank),
		cmocka_unit_test(test_stats_single_and_empty),
		cmocka_unit_test(test_stats_large_sort),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
