/* Parsers for the values users type: sizes, durations, modes, numbers. */
#ifndef IPCTOOL_PARSE_H
#define IPCTOOL_PARSE_H

#include <stdint.h>
#include <sys/types.h>

/* Infinite timeout, as poll(2) takes it. */
#define TIMEOUT_NONE (-1)

/*
 * Each parser returns 0 and stores the value, or returns -1, sets errno
 * (EINVAL or ERANGE) and points *why at a short phrase saying what was
 * expected, suitable for "'%s' is %s" messages.
 */
int parse_size(const char *text, uint64_t *out, const char **why);
int parse_size_range(const char *text, uint64_t min, uint64_t max,
		     uint64_t *out, const char **why);
/* A duration in milliseconds: "250ms", "1.5s", "2m", "1h", bare seconds. */
int parse_duration(const char *text, int64_t *ms, const char **why);
/* Octal ("600", "0640") or symbolic ("u=rw,g=r") relative to base. */
int parse_mode(const char *text, mode_t base, mode_t *out, const char **why);
int parse_number(const char *text, long long min, long long max,
		 long long *out, const char **why);

/* Convert a millisecond timeout to poll(2)'s int, clamping large values. */
int duration_to_poll(int64_t ms);

#endif
