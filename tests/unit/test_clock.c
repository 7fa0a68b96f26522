/* Unit tests for lib/clock.c: deadlines and back-off (no timed assertions). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <limits.h>

#include "../../lib/clock.h"

static void test_now_monotonic(void **state)
{
	uint64_t a, b;
	int i;

	(void)state;
	a = clock_now_ns();
	assert_true(a > 0);
	for (i = 0; i < 1000; i++) {
		b = clock_now_ns();
		assert_true(b >= a);
		a = b;
	}
}

static void test_deadline_forever(void **state)
{
	struct deadline d;
	unsigned step = 0;

	(void)state;
	deadline_start(&d, -1);
	assert_true(d.forever);
	assert_int_equal(deadline_poll_ms(&d), -1);
	assert_false(deadline_passed(&d));
	deadline_start(&d, INT64_MIN);
	assert_true(d.forever);
	/* Back-off without a deadline sleeps its step and grows it. */
	deadline_backoff(&d, &step);
	assert_int_equal(step, 2);
}

static void test_deadline_zero(void **state)
{
	struct deadline d;

	(void)state;
	deadline_start(&d, 0);
	assert_false(d.forever);
	assert_int_equal(deadline_poll_ms(&d), 0);
	assert_true(deadline_passed(&d));
}

static void test_deadline_future(void **state)
{
	struct deadline d;
	int left;

	(void)state;
	/* An hour: far enough that no scheduler delay reaches it. */
	deadline_start(&d, 3600000);
	assert_false(deadline_passed(&d));
	left = deadline_poll_ms(&d);
	assert_true(left > 0);
	assert_true(left <= 3600000);
	/* Rounded up: never 0 while time is left. */
	deadline_start(&d, 1);
	left = deadline_poll_ms(&d);
	assert_true(left == 0 || left == 1);
}

static void test_deadline_huge(void **state)
{
	struct deadline d;

	(void)state;
	/* More milliseconds than poll(2) takes: clamped, not wrapped. */
	deadline_start(&d, (int64_t)INT_MAX * 10);
	assert_int_equal(deadline_poll_ms(&d), INT_MAX);
	assert_false(deadline_passed(&d));
}

static void test_backoff_steps(void **state)
{
	struct deadline d;
	unsigned step = 0;
	static const unsigned want[] = { 2, 4, 8, 16, 32, 50, 50 };
	size_t i;

	(void)state;
	deadline_start(&d, 3600000);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		deadline_backoff(&d, &step);
		assert_int_equal(step, want[i]);
	}
}

static void test_backoff_bounded(void **state)
{
	struct deadline d;
	unsigned step = 50;

	(void)state;
	/* A passed deadline: back-off sleeps 0 ms, and the step stays sane. */
	deadline_start(&d, 0);
	deadline_backoff(&d, &step);
	assert_true(step <= 50);
	deadline_backoff(&d, &step);
	assert_true(step <= 50);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_now_monotonic),
		cmocka_unit_test(test_deadline_forever),
		cmocka_unit_test(test_deadline_zero),
		cmocka_unit_test(test_deadline_future),
		cmocka_unit_test(test_deadline_huge),
		cmocka_unit_test(test_backoff_steps),
		cmocka_unit_test(test_backoff_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
