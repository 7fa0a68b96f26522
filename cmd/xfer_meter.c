/* Progress (-P) and statistics (--stats) of a transfer, on stderr. */
#include <inttypes.h>
#include <libutil.h>
#include <stdio.h>
#include <string.h>

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

static void xfer_meter_line(struct xfer_meter *m, uint64_t now, char end)
{
	double secs = (double)(now - m->start_ns) / 1e9;
	char total[16], rate[16];

	xfer_meter_human(total, sizeof(total), (double)m->bytes);
	xfer_meter_human(rate, sizeof(rate), secs > 0 ? (double)m->bytes / secs : 0);
	fprintf(stderr, "\r%s: %s in %.1f s, %s/s", cmd_prog, total, secs, rate);
	if (m->messages)
		fprintf(stderr, ", %" PRIu64 " messages", m->messages);
	fputs("\033[K", stderr);
	fputc(end, stderr);
}

void xfer_meter_update(struct xfer_meter *m, uint64_t bytes)
{
	uint64_t now;

	m->bytes = bytes;
	if (!m->progress)
		return;
	now = clock_now_ns();
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
	uint64_t now = clock_now_ns();
	double secs = (double)(now - m->start_ns) / 1e9;

	if (m->live)
		fputs("\r\033[K", stderr);
	if (!m->stats)
		return;
	fprintf(stderr, "%s: %" PRIu64 " bytes", cmd_prog, m->bytes);
	if (m->messages)
		fprintf(stderr, ", %" PRIu64 " messages", m->messages);
	if (m->connections)
		fprintf(stderr, ", %" PRIu64 " connection%s", m->connections,
			m->connections == 1 ? "" : "s");
	fprintf(stderr, " in %.3f s (%.1f MiB/s)\n", secs,
		secs > 0 ? (double)m->bytes / secs / 1048576.0 : 0.0);
}
