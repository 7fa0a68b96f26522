/*
 * send and recv with --framing chunk on a shm: ring: the stream goes
 * straight between the standard descriptors and the ring, with no buffer
 * in between (DESIGN section 7: no copy that is not needed).
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include "../lib/fifo.h"
#include "../lib/framing.h"
#include "../lib/ring.h"
#include "../lib/msgend.h"
#include "../lib/shmring.h"
#include "cmd.h"
#include "xfer.h"

static const struct deadline *ring_deadline(struct deadline *d)
{
	if (xfer.timeout_ms < 0)
		return NULL;
	deadline_start(d, xfer.timeout_ms);
	return d;
}

bool xfer_ring_stream(const struct msgend *me, bool json)
{
	return me->ep->kind == EP_SHM && xfer.framing == FRAMING_CHUNK && !json;
}

int xfer_ring_send(struct msgend *me, struct xfer_meter *m)
{
	struct deadline d;
	size_t n;
	bool input_failed;
	int rc;

	/* A pipe on stdin: fewer, larger records. */
	fifo_grow(STDIN_FILENO, me->msgsize);
	while (!xfer.count || m->messages < xfer.count) {
		rc = shmring_send_fd(me, STDIN_FILENO, ring_deadline(&d), &n, &input_failed);
		if (rc == 0)
			return EXIT_OK;
		if (rc < 0 && input_failed) {
			cmd_warn("cannot read standard input");
			return EXIT_FAIL;
		}
		if (rc < 0 && (errno == ETIMEDOUT || errno == EAGAIN))
			return xfer_send_timed_out(me->ep, m->messages);
		if (rc < 0 && errno == EPIPE) {
			cmd_warnx("cannot send to '%s': %s (the receiver went away)", me->ep->text,
				  strerror(errno));
			return EXIT_FAIL;
		}
		if (rc < 0) {
			cmd_warn("cannot send to '%s'", me->ep->text);
			return EXIT_FAIL;
		}
		m->messages++;
		meter_update(m, m->bytes + n);
	}
	return EXIT_OK;
}

int xfer_ring_recv(struct msgend *me, struct xfer_meter *m)
{
	struct deadline d;
	size_t n, records, max;
	bool output_failed;
	int rc;

	fifo_grow(STDOUT_FILENO, me->msgsize);
	while (!xfer.count || m->messages < xfer.count) {
		/* With --eof, one record at a time: the empty one ends. */
		max = xfer.eof ? 1 : xfer.count ? (size_t)(xfer.count - m->messages) : SIZE_MAX;
		rc = shmring_recv_fd(me, STDOUT_FILENO, max, ring_deadline(&d), &n, &records,
				     &output_failed);
		if (rc == 0)
			return EXIT_OK;
		if (rc < 0 && output_failed) {
			cmd_warn("cannot write to standard output");
			return EXIT_FAIL;
		}
		if (rc < 0 && (errno == ETIMEDOUT || errno == EAGAIN))
			return xfer_recv_timed_out(me->ep, m->messages, xfer.count || xfer.eof);
		if (rc < 0 && errno == EBADMSG) {
			cmd_warnx("cannot receive from '%s': %s (the ring is corrupt)", me->ep->text,
				  strerror(errno));
			return EXIT_FAIL;
		}
		if (rc < 0 && errno == ECONNRESET) {
			cmd_warnx("cannot receive from '%s': %s (the sender died without closing)",
				  me->ep->text, strerror(errno));
			return EXIT_FAIL;
		}
		if (rc < 0) {
			cmd_warn("cannot receive from '%s'", me->ep->text);
			return EXIT_FAIL;
		}
		if (n == 0 && xfer.eof)
			return EXIT_OK;
		m->messages += records;
		meter_update(m, m->bytes + n);
	}
	return EXIT_OK;
}

/*
 * Line and null framing: every record one read(2) of the input brought in
 * goes into the ring under one taking of the writers' lock and one publish;
 * the receiver copies all records that are there into its output buffer
 * under one taking of the readers' lock. Same records, same exactly-once
 * delivery as one message at a time, without a lock, a wake-up check and a
 * clock reading per record.
 */
bool xfer_ring_records(const struct msgend *me, bool json)
{
	return me->ep->kind == EP_SHM && !json &&
	       (xfer.framing == FRAMING_LINE || xfer.framing == FRAMING_NULL);
}

/* The deadline of one wait: none (NULL) without -t, so no clock reading. */
static const struct deadline *ring_wait_deadline(struct deadline *d)
{
	return xfer.timeout_ms < 0 ? NULL : ring_deadline(d);
}

int xfer_ring_send_records(struct msgend *me, struct xfer_meter *m)
{
	struct ring *ring = shmring_ring(me);
	struct framing_reader r;
	struct deadline d, forever;
	const char *msg;
	size_t len;
	int rc = EXIT_OK, got;

	deadline_start(&forever, -1);
	if (framing_reader_init(&r, STDIN_FILENO, xfer.framing, me->msgsize) < 0) {
		cmd_warn("cannot allocate a buffer of %zu bytes", me->msgsize);
		return EXIT_FAIL;
	}
	while (rc == EXIT_OK && (!xfer.count || m->messages < xfer.count)) {
		/* Outside the batch: this may block reading the input. */
		got = framing_reader_next(&r, &msg, &len);
		if (got == 0)
			break;
		if (got < 0 && errno == EMSGSIZE) {
			rc = xfer_too_large(me->ep, "record", len, r.len_minimum, me->msgsize);
			break;
		}
		if (got < 0) {
			cmd_warn("cannot read standard input");
			rc = EXIT_FAIL;
			break;
		}
		if (ring_batch_begin(ring, xfer.timeout_ms < 0 ? &forever : ring_deadline(&d)) < 0) {
			rc = xfer_send_failed(me, len, m->messages);
			break;
		}
		for (;;) {
			const struct deadline *dp = ring_wait_deadline(&d);

			if (ring_batch_write(ring, msg, len, dp ? dp : &forever) < 0) {
				int err = errno;

				ring_batch_end(ring);
				errno = err;
				rc = xfer_send_failed(me, len, m->messages);
				break;
			}
			m->messages++;
			m->bytes += len;
			/* Only what is buffered: never block on input in a batch. */
			if ((xfer.count && m->messages >= xfer.count) || !framing_reader_ready(&r) ||
			    framing_reader_next(&r, &msg, &len) != 1)
				break;
		}
		ring_batch_end(ring);
		meter_update(m, m->bytes);
	}
	framing_reader_free(&r);
	return rc;
}

#define RING_RECV_BATCH 256
/* When the oldest output still in the buffer was put there. */
static uint64_t ring_pending_since;

/* Take a batch of records: 1, 0 at end of stream, -(exit status). */
static int ring_recv_batch(struct msgend *me, struct framing_writer *w, struct iovec *iov,
			   size_t max, size_t *n, uint64_t received)
{
	struct ring *ring = shmring_ring(me);
	struct deadline d, soon, forever;
	size_t room = w->cap - w->len;
	unsigned flags = xfer.eof ? RING_STOP_EMPTY : 0;
	int rc;

	/* Records and separators fit the buffer (the first one in any case). */
	room = room / 2 > 0 ? room / 2 : 1;
	if (w->len == 0)
		ring_pending_since = 0;
	if (w->len > 0) {
		/* Output waits while records keep coming, but never longer
		 * than XFER_FLUSH_MS (a steady trickle shows promptly). */
		int64_t ms = xfer_flush_wait_ms(&ring_pending_since);

		if (ms > 0) {
			deadline_start(&soon, ms);
			rc = ring_read_beginv(ring, iov, max, room, flags, n, &soon);
			if (rc >= 0)
				return rc;
			if (errno != ETIMEDOUT)
				return xfer_recv_failed(me, received);
		}
		ring_pending_since = 0;
		if (framing_writer_flush(w) < 0) {
			cmd_warn("cannot write to standard output");
			return -EXIT_FAIL;
		}
		room = w->cap / 2;
	}
	deadline_start(&forever, -1);
	rc = ring_read_beginv(ring, iov, max, room, flags, n,
			      xfer.timeout_ms < 0 ? &forever : ring_deadline(&d));
	return rc >= 0 ? rc : xfer_recv_failed(me, received);
}

int xfer_ring_recv_records(struct msgend *me, struct framing_writer *w, struct xfer_meter *m)
{
	struct ring *ring = shmring_ring(me);
	struct iovec iov[RING_RECV_BATCH];
	size_t n, i, max;
	int rc;

	while (!xfer.count || m->messages < xfer.count) {
		max = xfer.count && xfer.count - m->messages < RING_RECV_BATCH
			      ? (size_t)(xfer.count - m->messages)
			      : RING_RECV_BATCH;
		rc = ring_recv_batch(me, w, iov, max, &n, m->messages);
		if (rc < 0)
			return -rc;
		if (rc == 0)
			return EXIT_OK;
		for (i = 0; i < n; i++) {
			if (xfer.eof && iov[i].iov_len == 0) {
				ring_read_end(ring);
				return EXIT_OK;
			}
			if (framing_writer_put(w, iov[i].iov_base, iov[i].iov_len) < 0) {
				ring_read_end(ring);
				cmd_warn("cannot write to standard output");
				return EXIT_FAIL;
			}
			m->messages++;
			m->bytes += iov[i].iov_len;
		}
		ring_read_end(ring);
		meter_update(m, m->bytes);
	}
	return EXIT_OK;
}
