/* Progress (-P) and statistics (--stats) of a transfer, on stderr. */
#include <errno.h>
#include <inttypes.h>
#include <libutil.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "xfer.h"


static void xfer_meter_human(char *buf, size_t len, double v)
{
	humanize_number(buf, len < 8 ? len : 8, (int64_t)v, "B",
			HN_AUTOSCALE, HN_DECIMAL | HN_NOSPACE | HN_IEC_PREFIXES);
}

void xfer_meter_start(struct xfer_meter *m, const struct xfer_opts *o)
{
	memset(m, 0, sizeof(*m));
	m->start_ns = m->last_ns = clock_now_ns();
	m->progress = o->progress;
	m->stats = o->stats;
}

/*
 * Seconds and bytes/s of the active transfer: from the first update that
 * moved bytes to the last one, the bytes of the first update left out (they
 * moved before it). Waiting before the first byte and after the last is
 * idle time, never counted: one update alone is 0 s (and no rate).
 */
static void xfer_meter_active(const struct xfer_meter *m, double *secs, double *rate)
{
	uint64_t bytes = m->bytes - m->first_bytes;

	*secs = m->first_ns && m->moved_ns > m->first_ns
			? (double)(m->moved_ns - m->first_ns) / 1e9
			: 0;
	*rate = *secs > 0 ? (double)bytes / *secs : 0;
}

/* A line on stderr in one write(2): lines of two processes never mix. */
static void xfer_meter_put(const char *line, size_t len)
{
	ssize_t n;

	do
		n = write(STDERR_FILENO, line, len);
	while (n < 0 && errno == EINTR);
}

static void xfer_meter_line(struct xfer_meter *m, uint64_t now, char end)
{
	double secs = (double)(now - m->start_ns) / 1e9;
	char total[16], rate[16], line[256];
	int n;

	xfer_meter_human(total, sizeof(total), (double)m->bytes);
	xfer_meter_human(rate, sizeof(rate), secs > 0 ? (double)m->bytes / secs : 0);
	n = snprintf(line, sizeof(line), "\r%s: %s in %.1f s, %s/s", cmd_prog, total, secs, rate);
	if (m->messages && n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %" PRIu64 " messages",
			      m->messages);
	if (n < (int)sizeof(line))
		n += snprintf(line + n, sizeof(line) - (size_t)n, "\033[K%c", end);
	xfer_meter_put(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}

void xfer_meter_update(struct xfer_meter *m, uint64_t bytes)
{
	uint64_t now;

	if (!m->progress && !m->stats) {
		m->bytes = bytes;
		return;
	}
	now = clock_now_ns();
	if (bytes > m->bytes) {
		if (!m->first_ns) {
			m->first_ns = now;
			m->first_bytes = bytes;
		}
		m->moved_ns = now;
	}
	m->bytes = bytes;
	if (!m->progress)
		return;
	if (now - m->last_ns < 250000000u)
		return;
	m->last_ns = now;
	m->live = true;
	xfer_meter_line(m, now, '\r');
}

void xfer_meter_progress_cb(uint64_t bytes, void *arg)
{
	xfer_meter_update(arg, bytes);
}

void xfer_meter_finish(struct xfer_meter *m)
{
	char line[256];
	double secs, rate;
	int n;

	if (m->live)
		xfer_meter_put("\r\033[K", 4);
	if (!m->stats)
		return;
	xfer_meter_active(m, &secs, &rate);
	n = snprintf(line, sizeof(line), "%s: %" PRIu64 " bytes", cmd_prog, m->bytes);
	if (m->messages)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %" PRIu64 " messages",
			      m->messages);
	if (m->connections)
		n += snprintf(line + n, sizeof(line) - (size_t)n, ", %" PRIu64 " connection%s",
			      m->connections, m->connections == 1 ? "" : "s");
	n += snprintf(line + n, sizeof(line) - (size_t)n, " in %.3f s (%.1f MiB/s)\n", secs,
		      rate / 1048576.0);
	xfer_meter_put(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
}
