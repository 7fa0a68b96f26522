/*
 * The message pump: sources, sinks, and the one loop between them, with
 * the fast paths a transport offers chosen in one place (xfer_pump). The
 * hand-over rules are in cmd/xfer.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include "../lib/copy.h"
#include "../lib/fifo.h"
#include "../lib/json.h"
#include "../lib/parse.h"
#include "cmd.h"
#include "xfer.h"

/* The output buffer of a descriptor sink. */
#define XFER_OUT_BUFSIZE COPY_BUFSIZE_MIN
/* Records one peek of a ring hands over at most. */
#define XFER_PEEK_BATCH 1024

/* Sources. */

static int xfer_args_next(struct xfer_source *src, struct xfer_msg *msg, const struct deadline *d)
{
	(void)d;
	if (src->argi >= src->nargs)
		return XFER_END;
	msg->data = src->args[src->argi];
	msg->len = strlen(src->args[src->argi]);
	src->argi++;
	return XFER_MSG;
}

static int xfer_args_failed(struct xfer_source *src, uint64_t moved)
{
	(void)src;
	(void)moved;
	return EXIT_FAIL;
}

void xfer_source_args(struct xfer_source *src, const struct xfer_opts *o, const char **args,
		      int nargs)
{
	memset(src, 0, sizeof(*src));
	src->next = xfer_args_next;
	src->failed = xfer_args_failed;
	src->o = o;
	src->args = args;
	src->nargs = nargs;
}

static int xfer_fd_next(struct xfer_source *src, struct xfer_msg *msg, const struct deadline *d)
{
	const char *p;
	int rc;

	/* The reader has its own timeout (relay's --timeout on a stream). */
	(void)d;
	rc = framing_reader_next(&src->r, &p, &msg->len);
	if (rc < 0)
		src->bad_len = msg->len;
	msg->data = p;
	return rc < 0 ? -1 : rc == 0 ? XFER_END : XFER_MSG;
}

static int xfer_fd_failed(struct xfer_source *src, uint64_t moved)
{
	const struct xfer_opts *o = src->o;

	const char *what = !src->ep && o->framing == FRAMING_WHOLE ? "message" : "record";

	if (errno == EMSGSIZE)
		return xfer_too_large(src->size_ep, what, src->bad_len, src->r.len_minimum,
				      src->msgsize);
	if (errno == ETIMEDOUT && src->ep)
		return xfer_recv_timed_out(o, src->ep, moved, true);
	if (src->ep)
		cmd_warn("cannot read from '%s'", src->ep->text);
	else
		cmd_warn("cannot read standard input");
	return EXIT_FAIL;
}

int xfer_source_fd(struct xfer_source *src, const struct xfer_opts *o, int fd,
		   const struct endpoint *ep, size_t msgsize, const struct endpoint *size_ep)
{
	memset(src, 0, sizeof(*src));
	src->kind = XFER_KIND_FD;
	src->next = xfer_fd_next;
	src->failed = xfer_fd_failed;
	/* What was read is gone from the descriptor. */
	src->taken_early = true;
	src->o = o;
	src->ep = ep;
	src->size_ep = size_ep;
	src->msgsize = msgsize;
	if (framing_reader_init(&src->r, fd, o->framing, msgsize) < 0) {
		cmd_warn("cannot allocate a buffer of %zu bytes", msgsize);
		return -1;
	}
	/* Standard input of send waits as long as it takes; a relay SOURCE
	 * only as long as --timeout says. */
	if (ep)
		src->r.timeout_ms = duration_to_poll(o->timeout_ms);
	return 0;
}

/* A message endpoint that can peek: one message at a time, taken only once the sink has it. */
static int xfer_peek_next(struct xfer_source *src, struct xfer_msg *msg, const struct deadline *d)
{
	struct iovec iov;
	size_t n;
	int rc;

	rc = msgend_peekv(src->me, &iov, 1, SIZE_MAX, 0, &n, d);
	if (rc <= 0)
		return rc < 0 ? -1 : XFER_END;
	msg->data = iov.iov_base;
	msg->len = iov.iov_len;
	if (src->with_meta)
		msgend_peek_meta(src->me, &msg->meta);
	return XFER_MSG;
}

static void xfer_peek_take(struct xfer_source *src)
{
	msgend_peek_commit(src->me);
}

static void xfer_peek_leave(struct xfer_source *src)
{
	msgend_peek_abort(src->me);
}

/* One that cannot (or the sink wants the metadata only a receive gives). */
static int xfer_recv_next(struct xfer_source *src, struct xfer_msg *msg, const struct deadline *d)
{
	int rc;

	rc = msgend_recv(src->me, src->buf, &msg->len, &msg->meta, d);
	msg->data = src->buf;
	return rc < 0 ? -1 : rc == MSGEND_EOS ? XFER_END : XFER_MSG;
}

static int xfer_recv_put_back(struct xfer_source *src, const struct xfer_msg *msg)
{
	return msgend_unrecv(src->me, msg->data, msg->len, &msg->meta);
}

static int xfer_msgend_failed(struct xfer_source *src, uint64_t moved)
{
	return xfer_recv_failed(src->o, src->me, moved);
}

int xfer_source_msgend(struct xfer_source *src, const struct xfer_opts *o, struct msgend *me,
		       bool with_meta)
{
	memset(src, 0, sizeof(*src));
	src->kind = XFER_KIND_MSGEND;
	src->failed = xfer_msgend_failed;
	src->empty_ends = o->eof;
	src->o = o;
	src->me = me;
	src->ep = me->ep;
	src->msgsize = me->msgsize;
	if (msgend_can(me, MSGEND_FAST_PEEK)) {
		src->next = xfer_peek_next;
		src->take = xfer_peek_take;
		src->leave = xfer_peek_leave;
		src->with_meta = with_meta;
		return 0;
	}
	src->next = xfer_recv_next;
	src->taken_early = true;
	if (msgend_can_unrecv(me))
		src->put_back = xfer_recv_put_back;
	src->buf = malloc(me->msgsize ? me->msgsize : 1);
	if (!src->buf) {
		cmd_warn("cannot allocate buffers for messages of %zu bytes", me->msgsize);
		return -1;
	}
	return 0;
}

void xfer_source_free(struct xfer_source *src)
{
	framing_reader_free(&src->r);
	free(src->buf);
	src->buf = NULL;
}

/* Sinks. */

static int xfer_msgend_put(struct xfer_sink *dst, const struct xfer_msg *msg,
			   const struct deadline *d)
{
	struct msg_meta meta = msg->meta;

	if (dst->priority_set) {
		meta.has_priority = true;
		meta.priority = dst->priority;
	}
	if (dst->type && !meta.has_type) {
		meta.has_type = true;
		meta.type = dst->type;
	}
	return msgend_send(dst->me, msg->data, msg->len, &meta, d);
}

static int xfer_msgend_end(struct xfer_sink *dst, const struct deadline *d)
{
	/* Lowest priority, so that it comes after what is queued. */
	struct msg_meta meta = { .has_priority = true, .priority = 0 };

	if (dst->type) {
		meta.has_type = true;
		meta.type = dst->type;
	}
	return msgend_send(dst->me, "", 0, &meta, d);
}

static int xfer_msgend_put_failed(struct xfer_sink *dst, const struct xfer_msg *msg,
				  uint64_t moved)
{
	return xfer_send_failed(dst->o, dst->me, msg ? msg->len : 0, moved);
}

void xfer_sink_msgend(struct xfer_sink *dst, const struct xfer_opts *o, struct msgend *me,
		      bool type_from_opts)
{
	memset(dst, 0, sizeof(*dst));
	dst->kind = XFER_KIND_MSGEND;
	dst->put = xfer_msgend_put;
	dst->failed = xfer_msgend_put_failed;
	dst->end = xfer_msgend_end;
	dst->o = o;
	dst->me = me;
	dst->ep = me->ep;
	dst->priority_set = o->priority_set;
	dst->priority = (unsigned)o->priority;
	dst->type = type_from_opts && o->type_set ? (long)o->type : 0;
	dst->w.fd = -1;
}

static int xfer_fd_put(struct xfer_sink *dst, const struct xfer_msg *msg, const struct deadline *d)
{
	(void)d;
	return framing_writer_put(&dst->w, msg->data, msg->len);
}

static int xfer_json_put(struct xfer_sink *dst, const struct xfer_msg *msg,
			 const struct deadline *d)
{
	(void)d;
	return framing_writer_raw(&dst->w, dst->jbuf,
				  json_message(dst->jbuf, msg->data, msg->len, &msg->meta));
}

static int xfer_fd_flush(struct xfer_sink *dst)
{
	return framing_writer_flush(&dst->w);
}

static bool xfer_fd_pending(const struct xfer_sink *dst)
{
	return dst->w.len > 0;
}

static int xfer_fd_put_failed(struct xfer_sink *dst, const struct xfer_msg *msg, uint64_t moved)
{
	(void)msg;
	(void)moved;
	if (dst->ep)
		cmd_warn("cannot write to '%s'", dst->ep->text);
	else
		cmd_warn("cannot write to standard output");
	return EXIT_FAIL;
}

int xfer_sink_fd(struct xfer_sink *dst, const struct xfer_opts *o, int fd,
		 const struct endpoint *ep, bool json, size_t msgsize)
{
	memset(dst, 0, sizeof(*dst));
	dst->kind = XFER_KIND_FD;
	dst->put = json ? xfer_json_put : xfer_fd_put;
	dst->flush = xfer_fd_flush;
	dst->pending = xfer_fd_pending;
	dst->failed = xfer_fd_put_failed;
	dst->o = o;
	dst->ep = ep;
	dst->json = json;
	if (json)
		dst->jbuf = malloc(json_message_max(msgsize));
	if ((json && !dst->jbuf) ||
	    framing_writer_init(&dst->w, fd, o->framing, XFER_OUT_BUFSIZE) < 0) {
		cmd_warn("cannot allocate buffers for messages of %zu bytes", msgsize);
		free(dst->jbuf);
		dst->jbuf = NULL;
		return -1;
	}
	return 0;
}

void xfer_sink_free(struct xfer_sink *dst)
{
	if (dst->kind == XFER_KIND_FD)
		framing_writer_free(&dst->w);
	free(dst->jbuf);
	dst->jbuf = NULL;
}

/* Fast paths. */

/*
 * --framing chunk from a descriptor into a ring: each read(2) goes straight
 * into the ring as one message (no buffer in between). The input is taken
 * by the read; the ring has it once the call returns.
 */
static int xfer_pump_from_fd(const struct xfer_opts *o, struct xfer_source *src,
			     struct xfer_sink *dst, struct xfer_meter *m)
{
	struct msgend *me = dst->me;
	struct deadline d;
	size_t n;
	bool input_failed;
	int rc;

	/* A pipe on the input: fewer, larger records. */
	fifo_grow(src->r.fd, me->msgsize);
	while (!o->count || m->messages < o->count) {
		rc = msgend_send_from_fd(me, src->r.fd, xfer_deadline(o, &d), &n, &input_failed);
		if (rc == 0)
			return EXIT_OK;
		if (rc < 0 && input_failed)
			return src->failed(src, m->messages);
		if (rc < 0)
			return dst->failed(dst, NULL, m->messages);
		m->messages++;
		xfer_meter_update(m, m->bytes + n);
	}
	return EXIT_OK;
}

/*
 * --framing chunk out of a ring onto a descriptor: records are written
 * straight from the ring (one writev(2) for all that are there) and taken
 * only once written; a failed write leaves them in the ring.
 */
static int xfer_pump_to_fd(const struct xfer_opts *o, struct xfer_source *src,
			   struct xfer_sink *dst, struct xfer_meter *m)
{
	struct msgend *me = src->me;
	struct deadline d;
	size_t n, records, max;
	bool output_failed;
	int rc;

	fifo_grow(dst->w.fd, me->msgsize);
	while (!o->count || m->messages < o->count) {
		/* With --eof, one record at a time: the empty one ends. */
		max = o->eof ? 1 : o->count ? (size_t)(o->count - m->messages) : SIZE_MAX;
		rc = msgend_recv_to_fd(me, dst->w.fd, max, xfer_deadline(o, &d), &n, &records,
				       &output_failed);
		if (rc == MSGEND_EOS)
			return EXIT_OK;
		if (rc < 0 && output_failed)
			return dst->failed(dst, NULL, m->messages);
		if (rc < 0)
			return src->failed(src, m->messages);
		if (n == 0 && o->eof)
			return EXIT_OK;
		m->messages += records;
		xfer_meter_update(m, m->bytes + n);
	}
	return EXIT_OK;
}

/*
 * Line and null records from a descriptor into a ring: every record one
 * read(2) brought in goes into the ring under one publication. Only records
 * already buffered go into a batch: reading more input, which may block,
 * happens outside it. A record is the ring's once batch_put returned; the
 * batch makes them visible together.
 */
static int xfer_pump_batches(const struct xfer_opts *o, struct xfer_source *src,
			     struct xfer_sink *dst, struct xfer_meter *m)
{
	struct msgend *me = dst->me;
	struct xfer_msg msg;
	struct deadline d, forever;
	const char *p;
	int rc;

	/* Per record, no clock reading without --timeout: one endless deadline. */
	deadline_start(&forever, -1);
	memset(&msg, 0, sizeof(msg));
	while (!o->count || m->messages < o->count) {
		/* Outside the batch: this may block reading the input. */
		rc = src->next(src, &msg, NULL);
		if (rc == XFER_END)
			return EXIT_OK;
		if (rc < 0)
			return src->failed(src, m->messages);
		if (msgend_batch_begin(me, o->timeout_ms < 0 ? &forever : xfer_deadline(o, &d)) < 0)
			return dst->failed(dst, &msg, m->messages);
		for (;;) {
			const struct deadline *dp = o->timeout_ms < 0 ? &forever : xfer_deadline(o, &d);

			if (msgend_batch_put(me, msg.data, msg.len, dp) < 0) {
				int err = errno;

				msgend_batch_end(me);
				errno = err;
				return dst->failed(dst, &msg, m->messages);
			}
			m->messages++;
			m->bytes += msg.len;
			/* Only what is buffered: never block on input in a batch
			 * (the reader straight, as src->next would: it is hot). */
			if ((o->count && m->messages >= o->count) ||
			    framing_reader_buffered(&src->r, &p, &msg.len) != 1)
				break;
			msg.data = p;
		}
		msgend_batch_end(me);
		xfer_meter_update(m, m->bytes);
	}
	return EXIT_OK;
}

/*
 * Peek a batch out of a ring for a descriptor sink whose buffer is empty
 * (each batch is written out before it is taken): as many records as are
 * there, up to max and what the buffer holds with their separators. 1 (*n
 * records in iov, not taken yet), MSGEND_EOS, or -1 with errno.
 */
static int xfer_peek_batch(const struct xfer_opts *o, struct xfer_source *src,
			   struct xfer_sink *dst, struct iovec *iov, size_t max, size_t *n)
{
	size_t cap = dst->w.cap;
	/* Records and separators fit the buffer (the first one in any case). */
	size_t room = cap > 2 * max ? cap - max : cap / 2;
	struct deadline d;

	return msgend_peekv(src->me, iov, max, room, o->eof ? MSGEND_STOP_EMPTY : 0, n,
			    xfer_deadline(o, &d));
}

/*
 * Line and null records out of a ring onto a descriptor: all records that
 * are there are copied into the sink's buffer, then taken from the ring
 * together (peek_commit): a record leaves the ring only once the sink has
 * it.
 */
static int xfer_pump_peeked(const struct xfer_opts *o, struct xfer_source *src,
			    struct xfer_sink *dst, struct xfer_meter *m)
{
	struct iovec iov[XFER_PEEK_BATCH];
	struct xfer_msg msg;
	size_t n, i, max;
	int rc;

	memset(&msg, 0, sizeof(msg));
	while (!o->count || m->messages < o->count) {
		max = o->count && o->count - m->messages < XFER_PEEK_BATCH
			      ? (size_t)(o->count - m->messages)
			      : XFER_PEEK_BATCH;
		rc = xfer_peek_batch(o, src, dst, iov, max, &n);
		if (rc < 0)
			return src->failed(src, m->messages);
		if (rc == MSGEND_EOS)
			return EXIT_OK;
		for (i = 0; i < n; i++) {
			if (o->eof && iov[i].iov_len == 0) {
				msgend_peek_commit(src->me);
				return EXIT_OK;
			}
			msg.data = iov[i].iov_base;
			msg.len = iov[i].iov_len;
			if (dst->put(dst, &msg, NULL) < 0) {
				/* The output failed: the batch stays in the
				 * ring (at-least-once: what the output had
				 * taken of it comes again to the next reader). */
				int err = errno;

				msgend_peek_abort(src->me);
				errno = err;
				return dst->failed(dst, &msg, m->messages);
			}
			m->messages++;
			m->bytes += iov[i].iov_len;
		}
		/* Hand-over: taken only once written. A reader killed while
		 * the output blocks leaves the batch for the next one. */
		if (dst->flush(dst) < 0) {
			int err = errno;

			msgend_peek_abort(src->me);
			m->messages -= n;
			errno = err;
			return dst->failed(dst, NULL, m->messages);
		}
		msgend_peek_commit(src->me);
		xfer_meter_update(m, m->bytes);
	}
	return EXIT_OK;
}

/* The generic loop. */

/*
 * The next message from src: while the sink holds buffered output, wait at
 * most XFER_FLUSH_MS for it, then flush and wait as --timeout says.
 * XFER_MSG, XFER_END, -1 with errno, or -2 with errno when the flush failed.
 */
static int xfer_pump_next(const struct xfer_opts *o, struct xfer_source *src,
			  struct xfer_sink *dst, struct xfer_msg *msg, uint64_t *since)
{
	struct deadline d, soon;
	int rc;

	if (!dst->pending || !dst->pending(dst))
		*since = 0;
	else {
		/* Output waits in the buffer while messages keep coming, but
		 * never longer than XFER_FLUSH_MS: a steady trickle is shown
		 * as promptly as a burst followed by a pause. */
		int64_t ms = xfer_flush_wait_ms(o, since);

		if (ms > 0) {
			deadline_start(&soon, ms);
			rc = src->next(src, msg, &soon);
			if (rc >= 0 || (errno != ETIMEDOUT && errno != EAGAIN))
				return rc;
		}
		*since = 0;
		if (dst->flush(dst) < 0)
			return -2;
	}
	return src->next(src, msg, xfer_deadline(o, &d));
}

/*
 * Messages a queue gave up (taken early) that its sink has not yet written
 * out: their copies, to put back if the output fails, or from the signal
 * handler (cleanup_signals) when SIGINT, SIGTERM or SIGHUP ends ipctool
 * while the sink blocks. Static: a process runs one pump, and the handler
 * needs no pointer into a frame that is gone when cleanup_run runs.
 */
#define XFER_HELD_MAX 1024
static struct {
	volatile sig_atomic_t n;	/* held messages; the handler's view */
	struct xfer_source *src;	/* whose put_back takes them back */
	char *buf;
	size_t used, cap;
	struct {
		size_t off, len;
		bool has_priority, has_type;
		unsigned priority;
		long type;
	} msg[XFER_HELD_MAX];
} xfer_held;


/*
 * --dead-letter: where a message goes that could neither be delivered nor
 * put back (its queue filled again meanwhile). Each is appended with the
 * framing's separator, as recv would write it.
 */
static struct {
	int fd;			/* -1: none */
	int sep;		/* the separator, or -1 (chunk, whole) */
	const char *path;
	volatile sig_atomic_t written;
} xfer_dead = { .fd = -1, .sep = -1 };

/* Append msg to the dead-letter file: 0, or -1 when there is none or it
 * failed. Async-signal-safe. */
static int xfer_dead_write(const struct xfer_msg *msg)
{
	char sep = (char)xfer_dead.sep;

	if (xfer_dead.fd < 0 || write_all(xfer_dead.fd, msg->data, msg->len) < 0 ||
	    (xfer_dead.sep >= 0 && write_all(xfer_dead.fd, &sep, 1) < 0))
		return -1;
	xfer_dead.written++;
	return 0;
}

/* A message that is neither delivered nor back in its source: dead-letter
 * it if asked; 0 when it was kept there, 1 when it is lost. */
static int xfer_put_back_or_dead(struct xfer_source *src, const struct xfer_msg *msg)
{
	if (src->put_back(src, msg) == 0)
		return 0;
	return xfer_dead_write(msg) == 0 ? 0 : 1;
}

/* Put back what is held, in order: how many could not be. Async-signal-safe. */
static size_t xfer_held_put_back(void)
{
	struct xfer_msg msg;
	size_t i, n = (size_t)xfer_held.n, lost = 0;

	xfer_held.n = 0;
	memset(&msg, 0, sizeof(msg));
	for (i = 0; i < n; i++) {
		msg.data = xfer_held.buf + xfer_held.msg[i].off;
		msg.len = xfer_held.msg[i].len;
		msg.meta.has_priority = xfer_held.msg[i].has_priority;
		msg.meta.priority = xfer_held.msg[i].priority;
		msg.meta.has_type = xfer_held.msg[i].has_type;
		msg.meta.type = xfer_held.msg[i].type;
		lost += (size_t)xfer_put_back_or_dead(xfer_held.src, &msg);
	}
	xfer_held.used = 0;
	return lost;
}

/* Bytes into a line being built (async-signal-safe; the caller sizes it). */
static void xfer_append(char *line, size_t *len, const char *s, size_t n)
{
	memcpy(line + *len, s, n);
	*len += n;
}

/* "ipctool CMD: N message(s)TAIL" in one write, no stdio: for a signal handler. */
static void xfer_signal_count_line(size_t count, const char *tail, size_t taillen)
{
	char line[200], num[24];
	size_t len = 0, k = sizeof(num);
	ssize_t n;

	do
		num[--k] = (char)('0' + count % 10);
	while ((count /= 10) > 0 && k > 0);
	xfer_append(line, &len, cmd_prog, strlen(cmd_prog) > 100 ? 100 : strlen(cmd_prog));
	xfer_append(line, &len, ": ", 2);
	xfer_append(line, &len, num + k, sizeof(num) - k);
	xfer_append(line, &len, " message(s)", 11);
	xfer_append(line, &len, tail, taillen);
	n = write(STDERR_FILENO, line, len);
	(void)n;
}

static void xfer_held_on_signal(void *arg)
{
	static const char lost[] = " in transit could not be put back: lost\n";
	static const char dead[] = " in transit could not be put back: in the dead-letter file\n";
	size_t failed;

	(void)arg;
	if (xfer_held.n == 0)
		return;
	failed = xfer_held_put_back();
	if (xfer_dead.written > 0)
		xfer_signal_count_line((size_t)xfer_dead.written, dead, sizeof(dead) - 1);
	if (failed > 0)
		xfer_signal_count_line(failed, lost, sizeof(lost) - 1);
}

/* Keep a copy of msg; false when there is no room (flush, then retry). */
static bool xfer_held_add(const struct xfer_msg *msg)
{
	size_t i = (size_t)xfer_held.n;

	if (i >= XFER_HELD_MAX || xfer_held.used + msg->len > xfer_held.cap)
		return false;
	memcpy(xfer_held.buf + xfer_held.used, msg->data, msg->len);
	xfer_held.msg[i].off = xfer_held.used;
	xfer_held.msg[i].len = msg->len;
	xfer_held.msg[i].has_priority = msg->meta.has_priority;
	xfer_held.msg[i].priority = msg->meta.priority;
	xfer_held.msg[i].has_type = msg->meta.has_type;
	xfer_held.msg[i].type = msg->meta.type;
	xfer_held.used += msg->len;
	/* The entry is whole before the handler sees it counted. */
	atomic_signal_fence(memory_order_release);
	xfer_held.n = (sig_atomic_t)(i + 1);
	return true;
}

/* The sink has written what it held: forget the copies. */
static void xfer_held_clear(void)
{
	xfer_held.n = 0;
	xfer_held.used = 0;
}

/*
 * The sink failed with messages of a queue held: put them back, or say how
 * many were lost (lost: those a source that cannot put back lost). The exit
 * status given, EXIT_FAIL when something was lost.
 */
static int xfer_undelivered(struct xfer_source *src, uint64_t lost, int status)
{
	const char *what = src->ep ? src->ep->text : "standard input";
	size_t n = (size_t)xfer_held.n, failed;

	if (n > 0) {
		failed = xfer_held_put_back();
		if (n > failed)
			cmd_warnx("'%s': %zu message%s put back", what, n - failed,
				  n - failed == 1 ? "" : "s");
		lost += failed;
	}
	if (xfer_dead.written > 0) {
		cmd_warnx("'%s': %d message%s could not be put back: written to '%s'", what,
			  (int)xfer_dead.written, xfer_dead.written == 1 ? "" : "s", xfer_dead.path);
		xfer_dead.written = 0;
		status = status == EXIT_OK ? EXIT_FAIL : status;
	}
	if (lost == 0 || !src->ep)
		return status;
	cmd_warnx("'%s': %" PRIu64 " message%s received from it %s lost", what, lost,
		  lost == 1 ? "" : "s", lost == 1 ? "was" : "were");
	return EXIT_FAIL;
}

static int xfer_pump_loop(const struct xfer_opts *o, struct xfer_source *src,
			  struct xfer_sink *dst, struct xfer_meter *m, bool hold)
{
	struct xfer_msg msg;
	struct deadline d;
	uint64_t since = 0, buffered = 0;
	/* A peeking source's message is written out before it is taken. */
	bool write_through = dst->flush && src->take;
	bool lossy = src->taken_early && !hold;
	int rc, status;

	memset(&msg, 0, sizeof(msg));
	while (!o->count || m->messages < o->count) {
		/* Take from a queue only once the queue it goes to has room:
		 * putting back (which reorders) is then for races and refusals. */
		if (hold && dst->kind == XFER_KIND_MSGEND &&
		    msgend_wait_room(dst->me, xfer_deadline(o, &d)) < 0)
			return dst->failed(dst, NULL, m->messages);
		rc = xfer_pump_next(o, src, dst, &msg, &since);
		if (rc == -2) {
			status = dst->failed(dst, NULL, m->messages);
			return xfer_undelivered(src, lossy ? buffered : 0, status);
		}
		if (!dst->pending || !dst->pending(dst)) {
			/* Written out: what was held is delivered. */
			buffered = 0;
			if (hold)
				xfer_held_clear();
		}
		if (rc < 0)
			return src->failed(src, m->messages);
		if (rc == XFER_END)
			return EXIT_OK;
		if (src->empty_ends && msg.len == 0) {
			/* The end marker is consumed, not passed on. */
			if (src->take)
				src->take(src);
			return EXIT_OK;
		}
		/* Hold a copy until written; no room: write out what is held. */
		if (hold && !xfer_held_add(&msg)) {
			rc = dst->flush ? dst->flush(dst) : 0;
			if (rc == 0)
				xfer_held_clear();
			/* (The add fails again only when the flush did.) */
			if (!xfer_held_add(&msg)) {
				status = dst->failed(dst, NULL, m->messages);
				status = xfer_undelivered(src, 0, status);
				return xfer_undelivered(src, (uint64_t)xfer_put_back_or_dead(src, &msg),
							status);
			}
		}
		/* Hand-over: the message is the source's until put accepts it
		 * (and, from a peeking source, the output has it). */
		rc = dst->put(dst, &msg, xfer_deadline(o, &d));
		if (rc == 0 && write_through && dst->flush(dst) < 0)
			rc = -2;
		if (rc < 0) {
			int err = errno;

			/* Refused: a peeking source keeps it; a queue gets it back. */
			if (src->leave)
				src->leave(src);
			errno = err;
			status = dst->failed(dst, rc == -2 ? NULL : &msg, m->messages);
			return xfer_undelivered(src, lossy ? buffered + 1 : 0, status);
		}
		/* Accepted: the sink owns it now; the source lets go. */
		if (src->take)
			src->take(src);
		if (hold && (!dst->pending || !dst->pending(dst)))
			xfer_held_clear();
		buffered++;
		m->messages++;
		xfer_meter_update(m, m->bytes + msg.len);
	}
	return EXIT_OK;
}

/*
 * The generic loop. A queue source (taken early, put back when refused)
 * has every message it gave up held as a copy until the sink wrote it.
 */
static int xfer_pump_each(const struct xfer_opts *o, struct xfer_source *src,
			  struct xfer_sink *dst, struct xfer_meter *m)
{
	bool hold = src->taken_early && src->put_back;
	int status;

	if (hold) {
		xfer_held.cap = XFER_OUT_BUFSIZE > src->msgsize ? XFER_OUT_BUFSIZE : src->msgsize;
		xfer_held.buf = malloc(xfer_held.cap);
		if (!xfer_held.buf) {
			cmd_warn("cannot allocate buffers for messages of %zu bytes", src->msgsize);
			return EXIT_FAIL;
		}
		xfer_held.src = src;
		xfer_held_clear();
		cleanup_push(xfer_held_on_signal, NULL);
	}
	status = xfer_pump_loop(o, src, dst, m, hold);
	if (hold && xfer_held.n > 0) {
		/* The last output before the exit: written, or put back. */
		if (dst->flush && dst->flush(dst) < 0) {
			int st = dst->failed(dst, NULL, m->messages);

			status = xfer_undelivered(src, 0, status == EXIT_OK ? st : status);
		}
		xfer_held_clear();
	}
	if (hold) {
		free(xfer_held.buf);
		xfer_held.buf = NULL;
		xfer_held.cap = 0;
	}
	return status;
}

int xfer_pump(const struct xfer_opts *o, struct xfer_source *src, struct xfer_sink *dst,
	      struct xfer_meter *m)
{
	bool records = o->framing == FRAMING_LINE || o->framing == FRAMING_NULL;
	bool from_fd = src->kind == XFER_KIND_FD, to_fd = dst->kind == XFER_KIND_FD && !dst->json;
	struct deadline d;
	int status;

	if (o->dead_letter[0] && xfer_dead.fd < 0) {
		/* Created 0600, appended to, never through a symbolic link. */
		xfer_dead.fd = open(o->dead_letter, O_WRONLY | O_CREAT | O_APPEND | O_NOFOLLOW |
				    O_CLOEXEC | O_NOCTTY, 0600);
		if (xfer_dead.fd < 0) {
			cmd_warn("--dead-letter: cannot open '%s'", o->dead_letter);
			return EXIT_FAIL;
		}
		xfer_dead.sep = framing_separator(o->framing);
		xfer_dead.path = o->dead_letter;
	}

	/*
	 * The one place where fast paths are chosen. Chunks straight from a
	 * descriptor are one per read(2), not of the message size: only for
	 * send's standard input, where that has always been so.
	 */
	if (from_fd && !src->ep && dst->kind == XFER_KIND_MSGEND && o->framing == FRAMING_CHUNK &&
	    msgend_can(dst->me, MSGEND_FAST_FD))
		status = xfer_pump_from_fd(o, src, dst, m);
	else if (from_fd && dst->kind == XFER_KIND_MSGEND && records &&
		 msgend_can(dst->me, MSGEND_FAST_BATCH))
		status = xfer_pump_batches(o, src, dst, m);
	else if (src->kind == XFER_KIND_MSGEND && to_fd && o->framing == FRAMING_CHUNK &&
		 msgend_can(src->me, MSGEND_FAST_FD))
		status = xfer_pump_to_fd(o, src, dst, m);
	else if (src->kind == XFER_KIND_MSGEND && to_fd && records && !src->taken_early &&
		 msgend_can(src->me, MSGEND_FAST_PEEK))
		status = xfer_pump_peeked(o, src, dst, m);
	else
		status = xfer_pump_each(o, src, dst, m);
	/* A receiver that was told how many to expect and saw the stream end
	 * short of it did not get what it was asked for (--eof is the sender's
	 * own word that it is done). */
	if (status == EXIT_OK && src->kind == XFER_KIND_MSGEND && o->count && !o->eof &&
	    m->messages < o->count) {
		cmd_warnx("'%s': the stream ended after %" PRIu64 " of %" PRIu64 " messages",
			  src->ep ? src->ep->text : "-", m->messages, o->count);
		status = EXIT_FAIL;
	}
	if (status == EXIT_OK && o->eof && dst->end && dst->end(dst, xfer_deadline(o, &d)) < 0) {
		struct xfer_msg empty = { .data = "", .len = 0 };

		status = dst->failed(dst, &empty, m->messages);
	}
	if (dst->flush && dst->flush(dst) < 0 && status == EXIT_OK)
		status = dst->failed(dst, NULL, m->messages);
	return status;
}
