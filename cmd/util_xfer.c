/* Endpoint opening, progress and statistics shared by send, recv and relay. */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <libutil.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/fifo.h"
#include "cmd.h"
#include "xfer.h"

const char *xfer_scheme;

int xfer_parse_endpoint(const char *text, struct endpoint *ep)
{
	static char with_scheme[2][PATH_MAX + 32];
	static int next;
	const char *why;

	if (xfer_scheme) {
		/* `mq send /q`: the OBJECT is the endpoint mq:/q. */
		char *buf = with_scheme[next++ % 2];

		snprintf(buf, sizeof(with_scheme[0]), "%s:%s", xfer_scheme, text);
		text = buf;
	}
	if (endpoint_parse(text, ep, &why) == 0)
		return 0;
	cmd_warnx("'%s' is %s", text, why);
	return -1;
}

bool xfer_listens(const struct endpoint *ep, enum xfer_role role)
{
	if (!endpoint_is_socket(ep))
		return false;
	if (role == XFER_RECEIVER)
		return !xfer.connect;
	return xfer.listen;
}

/* How long to wait for the other side to appear. */
static int64_t xfer_open_ms(void)
{
	return xfer.wait && xfer.wait_ms >= 0 ? xfer.wait_ms : xfer.timeout_ms;
}

static void xfer_remove_sockfile(void *arg)
{
	sock_file_remove(arg);
}

static void xfer_remove_fifo(void *arg)
{
	struct xfer_stream *s = arg;

	fifo_remove(s->ep->path);
}

const char *xfer_addrinuse_hint(const struct endpoint *ep)
{
	struct stat st;

	if (lstat(ep->path, &st) == 0 && S_ISLNK(st.st_mode))
		return "a symbolic link, which ipctool neither follows nor replaces";
	if (lstat(ep->path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return "not a socket file: ipctool does not replace it";
	if (xfer.reuse)
		return "a process listens there: --reuse replaces only a stale socket file";
	return "a stale socket file? --reuse replaces it";
}

static int xfer_open_failed(const struct xfer_stream *s, const char *what, const char *why)
{
	int err = errno;

	if (err == ETIMEDOUT) {
		cmd_warnx("timed out waiting for %s on '%s'",
			  s->role == XFER_SENDER ? "a receiver" : "a sender", s->ep->text);
		return EXIT_TIMEOUT;
	}
	if (why)
		cmd_warnx("cannot %s '%s': %s", what, s->ep->text, why);
	else if (err == EINVAL && s->ep->kind == EP_FIFO)
		cmd_warnx("cannot %s '%s': not a FIFO", what, s->ep->text);
	else if (err == ELOOP)
		cmd_warnx("cannot %s '%s': a symbolic link, which ipctool does not follow",
			  what, s->ep->text);
	else if (err == ENOENT && s->ep->kind == EP_FIFO && !xfer.create)
		cmd_warnx("cannot %s '%s': %s (create it with --create, or wait with --wait)",
			  what, s->ep->text, strerror(err));
	else if ((err == ENOENT || err == ECONNREFUSED) && s->role == XFER_SENDER)
		cmd_warnx("cannot %s '%s': %s (is a receiver listening? --wait waits for one)",
			  what, s->ep->text, strerror(err));
	else if (err == EADDRINUSE && s->ep->kind != EP_TCP && !s->ep->is_abstract)
		cmd_warnx("cannot %s '%s': %s (%s)", what, s->ep->text, strerror(err),
			  xfer_addrinuse_hint(s->ep));
	else
		cmd_warnx("cannot %s '%s': %s", what, s->ep->text, strerror(err));
	return EXIT_FAIL;
}

int xfer_accept(struct xfer_stream *s, const struct deadline *d)
{
	s->fd = sock_accept(s->lfd, d);
	if (s->fd < 0)
		return xfer_open_failed(s, "accept on", NULL);
	return EXIT_OK;
}

static int xfer_open_fifo(struct xfer_stream *s, const struct deadline *d)
{
	const char *path = s->ep->path;

	if (xfer.create) {
		if (fifo_create(path, xfer.mode, xfer.reuse, &s->fifo_created) < 0) {
			struct stat st;
			bool link = errno == EEXIST && lstat(path, &st) == 0 && S_ISLNK(st.st_mode);

			if (link)
				cmd_warnx("cannot create '%s': %s (a symbolic link, which ipctool "
					  "does not follow)", s->ep->text, strerror(EEXIST));
			else if (errno == EEXIST && xfer.reuse)
				cmd_warnx("cannot create '%s': %s (and is not a FIFO)", s->ep->text,
					  strerror(EEXIST));
			else if (errno == EEXIST)
				cmd_warnx("cannot create '%s': %s (--reuse uses an existing FIFO)",
					  s->ep->text, strerror(errno));
			else
				cmd_warn("cannot create '%s'", s->ep->text);
			return EXIT_FAIL;
		}
	}
	if (xfer.rm)
		cleanup_push(xfer_remove_fifo, s);
	if (s->role == XFER_SENDER)
		s->fd = fifo_open_write(path, d, xfer.wait);
	else
		s->fd = fifo_open_read(path, d);
	if (s->fd < 0)
		return xfer_open_failed(s, "open", NULL);
	fifo_grow(s->fd, xfer.bufsize);
	return EXIT_OK;
}

int xfer_check_stream(const struct endpoint *ep)
{
	const char *opt = xfer.priority_set ? "--priority"
			  : xfer.type_set   ? "--type"
			  : xfer.maxmsg	    ? "--maxmsg"
			  : xfer.msgsize    ? "--msgsize"
			  : xfer.capacity   ? "--capacity"
					    : NULL;

	if (opt)
		return cmd_usage_error("%s applies to message queues and rings, not '%s'", opt,
				       ep->text);
	if (ep->kind != EP_FIFO && (xfer.create || (xfer.reuse && ep->kind != EP_UNIX)))
		return cmd_usage_error("%s applies to fifo:, mq: and shm: endpoints, not '%s'",
				       xfer.create ? "--create" : "--reuse", ep->text);
	if (xfer.rm && ep->kind != EP_FIFO && ep->kind != EP_UNIX)
		return cmd_usage_error("--rm applies to objects, not '%s'", ep->text);
	if (!endpoint_is_socket(ep) && (xfer.listen || xfer.connect))
		return cmd_usage_error("%s applies to socket endpoints, not '%s'",
				       xfer.listen ? "--listen" : "--connect", ep->text);
	return EXIT_OK;
}

int xfer_open_stream(struct xfer_stream *s, const struct endpoint *ep, enum xfer_role role,
		     bool defer_accept)
{
	struct deadline d;
	const char *why = NULL;

	memset(s, 0, sizeof(*s));
	s->ep = ep;
	s->role = role;
	s->fd = s->lfd = s->keepfd = -1;
	deadline_start(&d, xfer_open_ms());
	switch (ep->kind) {
	case EP_STDIO:
		s->fd = role == XFER_SENDER ? STDOUT_FILENO : STDIN_FILENO;
		return EXIT_OK;
	case EP_FIFO:
		return xfer_open_fifo(s, &d);
	case EP_UNIX:
	case EP_TCP:
		break;
	default:
		/* Message endpoints go through cmd/util_msg.c, never here. */
		cmd_warnx("'%s' is not a stream endpoint", ep->text);
		return EXIT_FAIL;
	}
	if (xfer_listens(ep, role)) {
		struct sock_listen_opts lo = { .mode = xfer.mode, .reuse = xfer.reuse };

		s->lfd = sock_listen(ep, &lo, &s->sockfile, &why);
		if (s->lfd < 0)
			return xfer_open_failed(s, "listen on", why);
		cleanup_push(xfer_remove_sockfile, &s->sockfile);
		if (defer_accept)
			return EXIT_OK;
		deadline_start(&d, xfer.timeout_ms);
		return xfer_accept(s, &d);
	}
	s->fd = sock_connect(ep, &d, xfer.wait, &why);
	if (s->fd < 0)
		return xfer_open_failed(s, "connect to", why);
	return EXIT_OK;
}

void xfer_close_stream(struct xfer_stream *s)
{
	if (s->ep && s->ep->kind != EP_STDIO && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->keepfd >= 0)
		close(s->keepfd);
	s->keepfd = -1;
	if (s->lfd >= 0)
		close(s->lfd);
	s->lfd = -1;
	sock_file_remove(&s->sockfile);
}

int xfer_recv_timed_out(const struct endpoint *ep, uint64_t received, bool has_end)
{
	if (received > 0 && !has_end)
		return EXIT_OK;
	if (received == 0)
		cmd_warnx("timed out: nothing arrived on '%s' within %s", ep->text,
			  xfer.timeout_text);
	else
		cmd_warnx("timed out: nothing more arrived on '%s' within %s (%" PRIu64
			  " %s%s received)", ep->text, xfer.timeout_text, received,
			  endpoint_is_message(ep) ? "message" : "byte", received == 1 ? "" : "s");
	return EXIT_TIMEOUT;
}

int xfer_send_timed_out(const struct endpoint *ep, uint64_t sent)
{
	if (sent == 0)
		cmd_warnx("timed out: '%s' accepted nothing for %s%s", ep->text, xfer.timeout_text,
			  endpoint_is_message(ep) ? " (full?)" : "");
	else
		cmd_warnx("timed out: '%s' accepted nothing more for %s (%" PRIu64 " %s%s sent%s)",
			  ep->text, xfer.timeout_text, sent,
			  endpoint_is_message(ep) ? "message" : "byte", sent == 1 ? "" : "s",
			  endpoint_is_message(ep) ? "; full?" : "");
	return EXIT_TIMEOUT;
}

int xfer_too_large(const struct endpoint *ep, const char *what, size_t len, bool minimum,
		   size_t msgsize)
{
	cmd_warnx("a %s of %s%zu bytes is larger than the message size of '%s' (%zu bytes): "
		  "not sent (--framing chunk splits input)", what, minimum ? "more than " : "",
		  len, ep->text, msgsize);
	return EXIT_FAIL;
}

int64_t xfer_flush_wait_ms(uint64_t *since)
{
	uint64_t now = clock_now_ns();
	int64_t ms;

	if (!*since)
		*since = now;
	ms = XFER_FLUSH_MS - (int64_t)((now - *since) / 1000000u);
	if (xfer.timeout_ms >= 0 && xfer.timeout_ms < ms)
		ms = xfer.timeout_ms;
	return ms;
}

/* Progress and statistics. */

static void meter_human(char *buf, size_t len, double v)
{
	humanize_number(buf, len < 8 ? len : 8, (int64_t)v, "B",
			HN_AUTOSCALE, HN_DECIMAL | HN_NOSPACE | HN_IEC_PREFIXES);
}

void meter_start(struct xfer_meter *m)
{
	memset(m, 0, sizeof(*m));
	m->start_ns = m->last_ns = clock_now_ns();
}

static void meter_line(struct xfer_meter *m, uint64_t now, char end)
{
	double secs = (double)(now - m->start_ns) / 1e9;
	char total[16], rate[16];

	meter_human(total, sizeof(total), (double)m->bytes);
	meter_human(rate, sizeof(rate), secs > 0 ? (double)m->bytes / secs : 0);
	fprintf(stderr, "\r%s: %s in %.1f s, %s/s", cmd_prog, total, secs, rate);
	if (m->messages)
		fprintf(stderr, ", %" PRIu64 " messages", m->messages);
	fputs("\033[K", stderr);
	fputc(end, stderr);
}

void meter_update(struct xfer_meter *m, uint64_t bytes)
{
	uint64_t now;

	m->bytes = bytes;
	if (!xfer.progress)
		return;
	now = clock_now_ns();
	if (now - m->last_ns < 250000000u)
		return;
	m->last_ns = now;
	m->live = true;
	meter_line(m, now, '\r');
}

void meter_progress_cb(uint64_t bytes, void *arg)
{
	meter_update(arg, bytes);
}

void meter_finish(struct xfer_meter *m)
{
	uint64_t now = clock_now_ns();
	double secs = (double)(now - m->start_ns) / 1e9;

	if (m->live)
		fputs("\r\033[K", stderr);
	if (!xfer.stats)
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
