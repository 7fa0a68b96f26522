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
		if (rc < 0 && (errno == ETIMEDOUT || errno == EAGAIN)) {
			cmd_warnx("timed out: '%s' accepted nothing for %s (full?)", me->ep->text,
				  xfer.timeout_text);
			return EXIT_TIMEOUT;
		}
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
		if (rc < 0 && (errno == ETIMEDOUT || errno == EAGAIN)) {
			cmd_warnx("timed out: nothing arrived on '%s' within %s", me->ep->text,
				  xfer.timeout_text);
			return EXIT_TIMEOUT;
		}
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
