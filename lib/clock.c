/* Monotonic clock helpers. */
#include "clock.h"

#include <errno.h>
#include <limits.h>
#include <time.h>

uint64_t clock_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void deadline_start(struct deadline *d, int64_t ms)
{
	d->forever = ms < 0;
	d->at_ns = d->forever ? 0 : clock_now_ns() + (uint64_t)ms * 1000000u;
}

int deadline_poll_ms(const struct deadline *d)
{
	uint64_t now, left;

	if (d->forever)
		return -1;
	now = clock_now_ns();
	if (now >= d->at_ns)
		return 0;
	left = (d->at_ns - now + 999999) / 1000000;
	return left > INT_MAX ? INT_MAX : (int)left;
}

bool deadline_passed(const struct deadline *d)
{
	return !d->forever && clock_now_ns() >= d->at_ns;
}

void deadline_backoff(const struct deadline *d, unsigned *step)
{
	int left = deadline_poll_ms(d);
	unsigned ms = *step ? *step : 1;
	struct timespec ts;

	if (left >= 0 && (unsigned)left < ms)
		ms = (unsigned)left;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	nanosleep(&ts, NULL);
	*step = (ms * 2 > 50) ? 50 : ms * 2;
}

int deadline_retry(const struct deadline *d, unsigned *step)
{
	if (deadline_passed(d)) {
		errno = ETIMEDOUT;
		return -1;
	}
	deadline_backoff(d, step);
	return 0;
}
