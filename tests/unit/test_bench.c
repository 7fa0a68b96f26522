/* Unit tests for lib/bench: the table of backends, and a run that fails in the child. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../lib/bench.h"

/* Every backend in the table is whole and found by its name. */
static void test_bench_table(void **state)
{
	const char *why;
	size_t i;

	(void)state;
	assert_non_null(bench_mechs[0]);
	for (i = 0; bench_mechs[i]; i++) {
		const struct bench_mech *m = bench_mechs[i];

		assert_non_null(m->name);
		assert_non_null(m->summary);
		assert_non_null(m->open);
		assert_ptr_equal(bench_find(m->name), m);
		if (bench_available(m, &why)) {
			assert_non_null(m->send);
			assert_non_null(m->recv);
		}
	}
	assert_null(bench_find("nosuch"));
}

static void test_bench_pin_check(void **state)
{
	(void)state;
	assert_int_equal(bench_pin_check(-1), 0);
	errno = 0;
	assert_int_equal(bench_pin_check(1023), -1);
	assert_int_equal(errno, EINVAL);
}

/*
 * The child cannot pin itself: the run fails with the child's reason, which
 * must still be readable once the run's shared page is gone (issue 11).
 */
static void test_bench_child_why_outlives_the_run(void **state)
{
	struct bench_params p = { .size = 64, .count = 10, .warmup = 1, .cpu = { -1, 1023 } };
	const char *why = NULL;
	uint64_t *samples = NULL;
	size_t n = 1;
	void *page;

	(void)state;
	assert_int_equal(bench_latency(bench_find("pipe"), &p, &samples, &n, &why), -1);
	assert_int_equal(errno, EINVAL);
	assert_null(samples);
	assert_int_equal(n, 0);
	/* Reuse the address space the run's page had, then read the reason. */
	page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(page != MAP_FAILED);
	memset(page, 0, 4096);
	assert_non_null(why);
	assert_string_equal(why, "cannot pin to CPU 1023");
	munmap(page, 4096);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench_table),
		cmocka_unit_test(test_bench_pin_check),
		cmocka_unit_test(test_bench_child_why_outlives_the_run),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
