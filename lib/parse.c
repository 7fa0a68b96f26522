/* Size, duration, mode and number parsing: one parser for each, used everywhere. */
#include "parse.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <libutil.h>
#include <unistd.h>

static int parse_fail(int err, const char **why, const char *what)
{
	if (why)
		*why = what;
	errno = err;
	return -1;
}

int parse_size(const char *text, uint64_t *out, const char **why)
{
	return parse_size_range(text, 0, UINT64_MAX, out, why);
}

int parse_size_range(const char *text, uint64_t min, uint64_t max,
		     uint64_t *out, const char **why)
{
	const char *bad = "not a size (e.g. 4096, 64K, 1M)";
	uint64_t v;
	const char *p;
	size_t digits;

	if (!text)
		return parse_fail(EINVAL, why, bad);
	/*
	 * expand_number(3) takes a sign, hex and octal, ignores what follows
	 * the unit and wraps numbers past 2^64 silently: check the form
	 * (decimal digits, an optional K/M/G/T/P/E, an optional B) and the
	 * magnitude first, and let it only scale.
	 */
	digits = strspn(text, "0123456789");
	if (digits == 0)
		return parse_fail(EINVAL, why, bad);
	p = text + digits;
	if (*p && strchr("kmgtpeKMGTPE", *p))
		p++;
	if (*p == 'b' || *p == 'B')
		p++;
	if (*p)
		return parse_fail(EINVAL, why, bad);
	/* Leading zeros would make expand_number read octal. */
	while (text[0] == '0' && isdigit((unsigned char)text[1]))
		text++;
	errno = 0;
	if (strtoull(text, NULL, 10) == ULLONG_MAX && errno == ERANGE)
		return parse_fail(ERANGE, why, "too large");
	if (expand_number(text, &v) < 0) {
		if (errno == ERANGE)
			return parse_fail(ERANGE, why, "too large");
		return parse_fail(EINVAL, why, bad);
	}
	if (v < min)
		return parse_fail(ERANGE, why, "too small");
	if (v > max)
		return parse_fail(ERANGE, why, "too large");
	*out = v;
	return 0;
}

int parse_duration(const char *text, int64_t *ms, const char **why)
{
	static const struct {
		const char *suffix;
		double ms;
	} units[] = {
		{ "", 1000.0 },	  { "s", 1000.0 },   { "ms", 1.0 },
		{ "us", 0.001 },  { "m", 60000.0 },  { "min", 60000.0 },
		{ "h", 3600000.0 },
	};
	const char *bad = "not a duration (e.g. 250ms, 1.5s, 2m, 10)";
	char *end;
	double v, scaled;
	size_t i;

	if (!text || !isdigit((unsigned char)text[0]) ||
	    strpbrk(text, "xX") /* no hex floats; inf and nan start with no digit */)
		return parse_fail(EINVAL, why, bad);
	errno = 0;
	v = strtod(text, &end);
	if (errno || end == text)
		return parse_fail(EINVAL, why, bad);
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].suffix) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		return parse_fail(EINVAL, why, bad);
	scaled = ceil(v * units[i].ms);
	if (!isfinite(scaled) || scaled > (double)INT64_MAX / 2)
		return parse_fail(ERANGE, why, "too long");
	*ms = (int64_t)scaled;
	return 0;
}

int duration_to_poll(int64_t ms)
{
	if (ms < 0)
		return TIMEOUT_NONE;
	return ms > INT_MAX ? INT_MAX : (int)ms;
}

int parse_mode(const char *text, mode_t base, mode_t *out, const char **why)
{
	const char *bad = "not a mode (octal like 0640, or symbolic like u=rw,g=r)";
	void *set;
	const char *p;

	if (!text || !*text)
		return parse_fail(EINVAL, why, bad);
	if (isdigit((unsigned char)text[0])) {
		unsigned long v = 0;

		for (p = text; *p; p++) {
			if (*p < '0' || *p > '7')
				return parse_fail(EINVAL, why, bad);
			v = v * 8 + (unsigned long)(*p - '0');
			if (v > 07777)
				return parse_fail(ERANGE, why, "out of range (at most 07777)");
		}
		*out = (mode_t)v;
		return 0;
	}
	set = setmode(text);
	if (!set)
		return parse_fail(EINVAL, why, bad);
	*out = getmode(set, base) & 07777;
	free(set);
	return 0;
}

int parse_number(const char *text, long long min, long long max,
		 long long *out, const char **why)
{
	const char *errstr = NULL;
	long long v;

	/* strtonum(3) skips spaces and takes '+': only [-]DIGITS here. */
	if (!text || !isdigit((unsigned char)text[text[0] == '-']))
		return parse_fail(EINVAL, why, "not a number");
	v = strtonum(text, min, max, &errstr);
	if (errstr) {
		/* strtonum says "too small", "too large" or "invalid". */
		if (strcmp(errstr, "invalid") == 0)
			return parse_fail(EINVAL, why, "not a number");
		return parse_fail(ERANGE, why, errstr);
	}
	*out = v;
	return 0;
}
