/*
 * libFuzzer target for lib/parse.c: sizes, durations, modes and numbers
 * on a NUL-terminated copy of the input, with a reference size parser as
 * an oracle and the documented invariants checked on every result.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/parse.h"

/* The size grammar of DESIGN section 5, written out plainly. */
static int ref_size(const char *s, uint64_t *out)
{
	static const char units[] = "kmgtpe";
	uint64_t v = 0;
	const char *u;
	unsigned shift = 0;
	int over = 0;

	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (v > (UINT64_MAX - (uint64_t)(*s - '0')) / 10)
			over = 1;
		v = v * 10 + (uint64_t)(*s - '0');
	}
	if (*s && (u = strchr(units, *s | 0x20)) != NULL) {
		shift = 10 * (unsigned)(u - units + 1);
		s++;
	}
	if (*s == 'b' || *s == 'B')
		s++;
	if (*s)
		return -1;
	if (over || (shift && v > (UINT64_MAX >> shift)))
		return -2;
	*out = v << shift;
	return 0;
}

static void check_fail(int rc, const char *why)
{
	if (rc != -1)
		abort();
	if (errno != EINVAL && errno != ERANGE)
		abort();
	if (!why || !*why)
		abort();
}

static void fuzz_size(const char *s)
{
	uint64_t v = 0, r = 0, lo, hi;
	const char *why = NULL;
	int rc = parse_size(s, &v, &why), ref = ref_size(s, &r);

	if (rc == 0) {
		if (ref != 0 || v != r)
			abort();
	} else {
		check_fail(rc, why);
		if (ref == 0)
			abort();
		if ((ref == -2) != (errno == ERANGE))
			abort();
	}
	/* Ranges derived from the input, so both bounds get exercised. */
	lo = r / 2;
	hi = r == UINT64_MAX ? r : r + (r & 1);
	why = NULL;
	rc = parse_size_range(s, lo, hi, &v, &why);
	if (rc == 0) {
		if (v < lo || v > hi || ref != 0 || v != r)
			abort();
	} else {
		check_fail(rc, why);
	}
	if (r < UINT64_MAX && parse_size_range(s, r + 1, UINT64_MAX, &v, NULL) == 0 && v <= r)
		abort();
}

static void fuzz_duration(const char *s)
{
	int64_t ms = -5;
	const char *why = NULL;
	int rc = parse_duration(s, &ms, &why);

	if (rc == 0) {
		if (ms < 0)
			abort();
		/* A duration starts with a digit and has no hex. */
		if (*s < '0' || *s > '9' || strpbrk(s, "xX"))
			abort();
		if (duration_to_poll(ms) < 0)
			abort();
	} else {
		check_fail(rc, why);
		if (ms != -5)
			abort();
	}
}

static void fuzz_mode(const char *s)
{
	static const mode_t bases[] = { 0, 0600, 07777, 0644 };
	size_t i;

	for (i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
		mode_t m = 01000000;
		const char *why = NULL;
		int rc = parse_mode(s, bases[i], &m, &why);

		if (rc == 0) {
			if (m & ~(mode_t)07777)
				abort();
		} else {
			check_fail(rc, why);
			if (m != 01000000)
				abort();
		}
	}
}

static void fuzz_number(const char *s)
{
	static const long long ranges[][2] = {
		{ 0, 65535 }, { 1, 255 }, { 0, 0x7fffffff }, { -100, 100 },
		{ LLONG_MIN, LLONG_MAX },
	};
	size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		long long v = 7;
		const char *why = NULL;
		int rc = parse_number(s, ranges[i][0], ranges[i][1], &v, &why);

		if (rc == 0) {
			if (v < ranges[i][0] || v > ranges[i][1])
				abort();
			if (s[0] != '-' && (s[0] < '0' || s[0] > '9'))
				abort();
		} else {
			check_fail(rc, why);
			if (v != 7)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	fuzz_size(s);
	fuzz_duration(s);
	fuzz_mode(s);
	fuzz_number(s);
	free(s);
	return 0;
}
