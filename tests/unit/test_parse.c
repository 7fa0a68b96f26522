/* Unit tests for lib/parse.c: sizes, durations, modes, numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <sys/stat.h>

#include "../../lib/parse.h"

/* A refused value leaves the output alone, sets errno and a phrase. */
static void size_fails(const char *text, int err)
{
	uint64_t v = 12345;
	const char *why = NULL;

	errno = 0;
	if (parse_size(text, &v, &why) != -1)
		fail_msg("size '%s' was accepted as %llu", text ? text : "(null)",
			 (unsigned long long)v);
	assert_int_equal(errno, err);
	assert_non_null(why);
	assert_true(why[0] != '\0');
	assert_int_equal(v, 12345);
}

static uint64_t size_ok(const char *text)
{
	uint64_t v = 0;
	const char *why = NULL;

	if (parse_size(text, &v, &why) != 0)
		fail_msg("size '%s' refused: %s", text, why ? why : "(no reason)");
	return v;
}

static void test_size_plain(void **state)
{
	(void)state;
	assert_int_equal(size_ok("0"), 0);
	assert_int_equal(size_ok("1"), 1);
	assert_int_equal(size_ok("4096"), 4096);
	assert_int_equal(size_ok("18446744073709551615"), UINT64_MAX);
}

static void test_size_suffixes(void **state)
{
	(void)state;
	assert_int_equal(size_ok("64K"), 65536);
	assert_int_equal(size_ok("1M"), 1048576);
	assert_int_equal(size_ok("1G"), 1073741824ULL);
	assert_int_equal(size_ok("2T"), 2ULL << 40);
	assert_int_equal(size_ok("1P"), 1ULL << 50);
	assert_int_equal(size_ok("1E"), 1ULL << 60);
	assert_int_equal(size_ok("15E"), 15ULL << 60);
	assert_int_equal(size_ok("0K"), 0);
	/* Lowercase works like uppercase (powers of 1024 either way). */
	assert_int_equal(size_ok("64k"), 65536);
	assert_int_equal(size_ok("1m"), 1048576);
	assert_int_equal(size_ok("1g"), 1073741824ULL);
	assert_int_equal(size_ok("1e"), 1ULL << 60);
	/* expand_number(3) takes a trailing B for bytes. */
	assert_int_equal(size_ok("1B"), 1);
	assert_int_equal(size_ok("4KB"), 4096);
}

static void test_size_decimal_only(void **state)
{
	(void)state;
	/* Leading zeros do not make a size octal, and there is no hex. */
	assert_int_equal(size_ok("010"), 10);
	assert_int_equal(size_ok("0100K"), 100 * 1024);
	assert_int_equal(size_ok("00"), 0);
	size_fails("0x10", EINVAL);
	size_fails("0X10", EINVAL);
	size_fails("0x", EINVAL);
}

static void test_size_overflow(void **state)
{
	(void)state;
	size_fails("18446744073709551616", ERANGE);
	size_fails("99999999999999999999", ERANGE);
	size_fails("16E", ERANGE);
	size_fails("16384P", ERANGE);
	size_fails("17179869184G", ERANGE);
}

static void test_size_malformed(void **state)
{
	(void)state;
	size_fails(NULL, EINVAL);
	size_fails("", EINVAL);
	size_fails("-1", EINVAL);
	size_fails("-0", EINVAL);
	size_fails("+1", EINVAL);
	size_fails(" 1", EINVAL);
	size_fails("1 ", EINVAL);
	size_fails("1 K", EINVAL);
	size_fails("K", EINVAL);
	size_fails("abc", EINVAL);
	size_fails("1X", EINVAL);
	size_fails("1KK", EINVAL);
	size_fails("1.5M", EINVAL);
	size_fails("1,5", EINVAL);
	size_fails("1\n", EINVAL);
}

static void test_size_range(void **state)
{
	uint64_t v = 7;
	const char *why = NULL;

	(void)state;
	assert_int_equal(parse_size_range("4096", 4096, 65536, &v, &why), 0);
	assert_int_equal(v, 4096);
	assert_int_equal(parse_size_range("64K", 4096, 65536, &v, &why), 0);
	assert_int_equal(v, 65536);

	v = 7;
	errno = 0;
	assert_int_equal(parse_size_range("4095", 4096, 65536, &v, &why), -1);
	assert_int_equal(errno, ERANGE);
	assert_string_equal(why, "too small");
	assert_int_equal(v, 7);

	errno = 0;
	assert_int_equal(parse_size_range("65537", 4096, 65536, &v, &why), -1);
	assert_int_equal(errno, ERANGE);
	assert_string_equal(why, "too large");

	errno = 0;
	assert_int_equal(parse_size_range("1M", 4096, 65536, &v, &why), -1);
	assert_int_equal(errno, ERANGE);
	assert_int_equal(v, 7);

	/* A NULL why is allowed. */
	assert_int_equal(parse_size_range("x", 0, 1, &v, NULL), -1);
	assert_int_equal(errno, EINVAL);
}

static void dur_fails(const char *text, int err)
{
	int64_t ms = 4242;
	const char *why = NULL;

	errno = 0;
	if (parse_duration(text, &ms, &why) != -1)
		fail_msg("duration '%s' was accepted as %lld ms", text ? text : "(null)",
			 (long long)ms);
	if (err)
		assert_int_equal(errno, err);
	else
		assert_true(errno == EINVAL || errno == ERANGE);
	assert_non_null(why);
	assert_true(why[0] != '\0');
	assert_int_equal(ms, 4242);
}

static int64_t dur_ok(const char *text)
{
	int64_t ms = -7;
	const char *why = NULL;

	if (parse_duration(text, &ms, &why) != 0)
		fail_msg("duration '%s' refused: %s", text, why ? why : "(no reason)");
	return ms;
}

static void test_duration_units(void **state)
{
	(void)state;
	assert_int_equal(dur_ok("250ms"), 250);
	assert_int_equal(dur_ok("1.5s"), 1500);
	assert_int_equal(dur_ok("2s"), 2000);
	assert_int_equal(dur_ok("2m"), 120000);
	assert_int_equal(dur_ok("2min"), 120000);
	assert_int_equal(dur_ok("1h"), 3600000);
	assert_int_equal(dur_ok("0.5h"), 1800000);
	assert_int_equal(dur_ok("10"), 10000);
	assert_int_equal(dur_ok("0"), 0);
	assert_int_equal(dur_ok("0ms"), 0);
	assert_int_equal(dur_ok("0.0s"), 0);
	assert_int_equal(dur_ok("1000us"), 1);
	/* 1 s = 1000 ms exactly, however it is written. */
	assert_int_equal(dur_ok("1000ms"), dur_ok("1"));
	assert_int_equal(dur_ok("60s"), dur_ok("1m"));
	assert_int_equal(dur_ok("60m"), dur_ok("1h"));
}

static void test_duration_rounding(void **state)
{
	(void)state;
	/* A non-zero duration never rounds down to 0 ("do not wait"). */
	assert_int_equal(dur_ok("0.001s"), 1);
	assert_int_equal(dur_ok("0.0001s"), 1);
	assert_int_equal(dur_ok("1us"), 1);
	assert_int_equal(dur_ok("1500us"), 2);
	assert_int_equal(dur_ok("0.5ms"), 1);
	assert_int_equal(dur_ok("1.0001ms"), 2);
}

static void test_duration_overflow(void **state)
{
	(void)state;
	dur_fails("99999999999999999999h", ERANGE);
	dur_fails("99999999999999999999", ERANGE);
	dur_fails("9999999999999999999999999999999999999999", ERANGE);
	dur_fails("1e308h", ERANGE);
	dur_fails("1e999", 0);
	/* The largest accepted value still fits int64_t, and poll() clamps it. */
	assert_int_equal(duration_to_poll(dur_ok("9999999999")), 2147483647);
}

static void test_duration_malformed(void **state)
{
	(void)state;
	dur_fails(NULL, EINVAL);
	dur_fails("", EINVAL);
	dur_fails("-1", EINVAL);
	dur_fails("-1s", EINVAL);
	dur_fails("+1", EINVAL);
	dur_fails(" 1", EINVAL);
	dur_fails("1 ", EINVAL);
	dur_fails("1 s", EINVAL);
	dur_fails("inf", EINVAL);
	dur_fails("infinity", EINVAL);
	dur_fails("nan", EINVAL);
	dur_fails("0x10", EINVAL);
	dur_fails("0x1p3", EINVAL);
	dur_fails("1nan", EINVAL);
	dur_fails("s", EINVAL);
	dur_fails("ms", EINVAL);
	dur_fails(".5s", EINVAL);
	dur_fails("10x", EINVAL);
	dur_fails("10sec", EINVAL);
	dur_fails("10S", EINVAL);
	dur_fails("10msx", EINVAL);
	dur_fails("10d", EINVAL);
	dur_fails("1h30m", EINVAL);
}

static void test_duration_to_poll(void **state)
{
	(void)state;
	assert_int_equal(duration_to_poll(-1), TIMEOUT_NONE);
	assert_int_equal(duration_to_poll(INT64_MIN), TIMEOUT_NONE);
	assert_int_equal(duration_to_poll(0), 0);
	assert_int_equal(duration_to_poll(250), 250);
	assert_int_equal(duration_to_poll(2147483647), 2147483647);
	assert_int_equal(duration_to_poll(2147483648LL), 2147483647);
	assert_int_equal(duration_to_poll(INT64_MAX), 2147483647);
}

static void mode_fails(const char *text, mode_t base, int err)
{
	mode_t m = 0123;
	const char *why = NULL;

	errno = 0;
	if (parse_mode(text, base, &m, &why) != -1)
		fail_msg("mode '%s' was accepted as %04o", text ? text : "(null)", (unsigned)m);
	assert_int_equal(errno, err);
	assert_non_null(why);
	assert_int_equal(m, 0123);
}

static mode_t mode_ok(const char *text, mode_t base)
{
	mode_t m = 0;
	const char *why = NULL;

	if (parse_mode(text, base, &m, &why) != 0)
		fail_msg("mode '%s' refused: %s", text, why ? why : "(no reason)");
	return m;
}

static void test_mode_octal(void **state)
{
	(void)state;
	assert_int_equal(mode_ok("600", 0), 0600);
	assert_int_equal(mode_ok("0640", 0), 0640);
	assert_int_equal(mode_ok("07777", 0), 07777);
	assert_int_equal(mode_ok("4755", 0), 04755);
	assert_int_equal(mode_ok("0", 0600), 0);
	assert_int_equal(mode_ok("000000000000000000000000644", 0), 0644);
	/* Octal ignores the base. */
	assert_int_equal(mode_ok("644", 0777), 0644);
}

static void test_mode_octal_bad(void **state)
{
	(void)state;
	mode_fails("8", 0600, EINVAL);
	mode_fails("9", 0600, EINVAL);
	mode_fails("680", 0600, EINVAL);
	mode_fails("0649", 0600, EINVAL);
	mode_fails("10000", 0600, ERANGE);
	mode_fails("017777", 0600, ERANGE);
	mode_fails("77777777777777777777777", 0600, ERANGE);
	mode_fails("0x1ff", 0600, EINVAL);
	mode_fails("644 ", 0600, EINVAL);
	mode_fails("6 44", 0600, EINVAL);
}

static void test_mode_symbolic(void **state)
{
	(void)state;
	assert_int_equal(mode_ok("u=rw,g=r", 0600), 0640);
	assert_int_equal(mode_ok("u=rw,g=r", 0777), 0647);
	assert_int_equal(mode_ok("g+r", 0600), 0640);
	assert_int_equal(mode_ok("go+r", 0600), 0644);
	assert_int_equal(mode_ok("a=rw", 0), 0666);
	assert_int_equal(mode_ok("u-w", 0600), 0400);
	assert_int_equal(mode_ok("o-rwx", 0777), 0770);
	assert_int_equal(mode_ok("a=", 0777), 0);
	assert_int_equal(mode_ok("u+s", 0700), 04700);
	assert_int_equal(mode_ok("+t", 0700), 01700);
	assert_int_equal(mode_ok("g=u", 0600), 0660);
	/* Only permission bits come back, never file type bits. */
	assert_int_equal(mode_ok("u=rw", S_IFREG | 0644) & ~07777, 0);
}

static void test_mode_symbolic_bad(void **state)
{
	(void)state;
	mode_fails(NULL, 0600, EINVAL);
	mode_fails("", 0600, EINVAL);
	mode_fails("rwx", 0600, EINVAL);
	mode_fails("rw-r--r--", 0600, EINVAL);
	mode_fails("u=q", 0600, EINVAL);
	mode_fails("x=rw", 0600, EINVAL);
	mode_fails("u=rw ", 0600, EINVAL);
	mode_fails(" u=rw", 0600, EINVAL);
	mode_fails(",", 0600, EINVAL);
	mode_fails("u=rw,,g=r", 0600, EINVAL);
	mode_fails("garbage", 0600, EINVAL);
}

static void num_fails(const char *text, long long min, long long max, int err)
{
	long long v = 99;
	const char *why = NULL;

	errno = 0;
	if (parse_number(text, min, max, &v, &why) != -1)
		fail_msg("number '%s' was accepted as %lld", text ? text : "(null)", v);
	assert_int_equal(errno, err);
	assert_non_null(why);
	assert_int_equal(v, 99);
}

static long long num_ok(const char *text, long long min, long long max)
{
	long long v = 0;
	const char *why = NULL;

	if (parse_number(text, min, max, &v, &why) != 0)
		fail_msg("number '%s' refused: %s", text, why ? why : "(no reason)");
	return v;
}

static void test_number_bounds(void **state)
{
	const char *why = NULL;
	long long v = 0;

	(void)state;
	assert_int_equal(num_ok("0", 0, 10), 0);
	assert_int_equal(num_ok("10", 0, 10), 10);
	assert_int_equal(num_ok("-5", -5, 5), -5);
	assert_int_equal(num_ok("010", 0, 100), 10); /* decimal, not octal */
	assert_true(num_ok("9223372036854775807", 0, LLONG_MAX) == LLONG_MAX);
	assert_true(num_ok("-9223372036854775808", LLONG_MIN, 0) == LLONG_MIN);
	num_fails("11", 0, 10, ERANGE);
	num_fails("-1", 0, 10, ERANGE);
	num_fails("-6", -5, 5, ERANGE);
	assert_int_equal(parse_number("11", 0, 10, &v, &why), -1);
	assert_string_equal(why, "too large");
	assert_int_equal(parse_number("-1", 0, 10, &v, &why), -1);
	assert_string_equal(why, "too small");
}

static void test_number_overflow(void **state)
{
	(void)state;
	num_fails("9223372036854775808", 0, LLONG_MAX, ERANGE);
	num_fails("99999999999999999999", 0, LLONG_MAX, ERANGE);
	num_fails("-9223372036854775809", LLONG_MIN, 0, ERANGE);
}

static void test_number_malformed(void **state)
{
	(void)state;
	num_fails(NULL, 0, 10, EINVAL);
	num_fails("", 0, 10, EINVAL);
	num_fails("x", 0, 10, EINVAL);
	num_fails("1x", 0, 10, EINVAL);
	num_fails("0x1", 0, 10, EINVAL);
	num_fails("1.0", 0, 10, EINVAL);
	num_fails("1 ", 0, 10, EINVAL);
	/* Nothing but an optional '-' and digits: no space, no '+'. */
	num_fails(" 1", 0, 10, EINVAL);
	num_fails("\t1", 0, 10, EINVAL);
	num_fails("+1", 0, 10, EINVAL);
	num_fails("-", -10, 10, EINVAL);
	num_fails("--1", -10, 10, EINVAL);
	num_fails("- 1", -10, 10, EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_size_plain),
		cmocka_unit_test(test_size_suffixes),
		cmocka_unit_test(test_size_decimal_only),
		cmocka_unit_test(test_size_overflow),
		cmocka_unit_test(test_size_malformed),
		cmocka_unit_test(test_size_range),
		cmocka_unit_test(test_duration_units),
		cmocka_unit_test(test_duration_rounding),
		cmocka_unit_test(test_duration_overflow),
		cmocka_unit_test(test_duration_malformed),
		cmocka_unit_test(test_duration_to_poll),
		cmocka_unit_test(test_mode_octal),
		cmocka_unit_test(test_mode_octal_bad),
		cmocka_unit_test(test_mode_symbolic),
		cmocka_unit_test(test_mode_symbolic_bad),
		cmocka_unit_test(test_number_bounds),
		cmocka_unit_test(test_number_overflow),
		cmocka_unit_test(test_number_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
