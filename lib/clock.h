/* Monotonic time and deadlines for timeouts and statistics. */
#ifndef IPCTOOL_CLOCK_H
#define IPCTOOL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t clock_now_ns(void);

/* A deadline; ms < 0 means none (wait forever). */
struct deadline {
	uint64_t at_ns;
	bool forever;
};

void deadline_start(struct deadline *d, int64_t ms);
/* Milliseconds left as poll(2) takes them: -1 forever, 0 when passed. */
int deadline_poll_ms(const struct deadline *d);
bool deadline_passed(const struct deadline *d);
/* Sleep for a retry step (growing from 1 ms to 50 ms), bounded by d. */
void deadline_backoff(const struct deadline *d, unsigned *step);
/* For retry loops: -1 with errno ETIMEDOUT once d has passed, else sleep
 * one backoff step and return 0. */
int deadline_retry(const struct deadline *d, unsigned *step);

#endif
