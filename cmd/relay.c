/*
 * ipctool relay: forward from one endpoint to another in one process,
 * keeping message boundaries, priorities and types where both sides have
 * them. A byte stream is cut into messages by --framing; messages written to
 * a stream end with the framing's separator.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/copy.h"
#include "../lib/msgend.h"
#include "../lib/parse.h"
#include "cmd.h"
#include "xfer.h"

static struct poptOption relay_options[] = {
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, xfer_options, 0, "Transfer options:", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

struct relay_side {
	const struct endpoint *ep;
	bool message;
	struct msgend me;
	struct xfer_stream s;
	bool open;
};

static void relay_close(struct relay_side *side)
{
	if (!side->open)
		return;
	if (side->message)
		msgend_close(&side->me);
	else
		xfer_close_stream(&side->s);
	side->open = false;
}

static int relay_open(struct relay_side *side, const struct xfer_opts *o, enum xfer_role role)
{
	int rc;

	if (side->message)
		rc = xfer_open_msg(&side->me, o, side->ep, role);
	else
		rc = xfer_open_stream(&side->s, o, side->ep, role, false);
	side->open = rc == EXIT_OK;
	return rc;
}

/*
 * Messages (from a message source, or cut from a stream) to dest, through
 * the pump: a stream side is a framing reader or writer on its descriptor.
 */
static int relay_messages(const struct xfer_opts *o, struct relay_side *src,
			  struct relay_side *dst, struct xfer_meter *m)
{
	size_t msgsize = dst->message ? dst->me.msgsize : src->me.msgsize;
	struct xfer_source from;
	struct xfer_sink to;
	int rc = EXIT_FAIL;

	memset(&from, 0, sizeof(from));
	memset(&to, 0, sizeof(to));
	/* A message the source accepts must fit its buffer; DEST refuses
	 * what it cannot carry. */
	if (src->message ? xfer_source_msgend(&from, o, &src->me, false) < 0
			 : xfer_source_fd(&from, o, src->s.fd, src->ep, msgsize, dst->ep) < 0)
		goto out;
	if (dst->message)
		xfer_sink_msgend(&to, o, &dst->me, false);
	else if (xfer_sink_fd(&to, o, dst->s.fd, dst->ep, false, msgsize) < 0)
		goto out;
	rc = xfer_pump(o, &from, &to, m);
	/* Chunks a udp: SOURCE knows it lost (-F chunk's sequence numbers). */
	if (src->message)
		rc = xfer_msg_losses(&src->me, rc);
out:
	xfer_sink_free(&to);
	xfer_source_free(&from);
	return rc;
}

/*
 * A connected DEST whose receiver closed with data unread (a UNIX or TCP
 * socket then reports ECONNRESET): what was written to it since is not
 * delivered, though the kernel had accepted it. EXIT_FAIL after saying so.
 */
static int relay_check_peer(const struct relay_side *dst, uint64_t moved)
{
	int fd = dst->message ? dst->me.fd : dst->s.fd, err = 0;
	socklen_t len = sizeof(err);

	if (!endpoint_is_socket(dst->ep) || fd < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ||
	    (err != ECONNRESET && err != EPIPE))
		return EXIT_OK;
	cmd_warnx("'%s': the receiver went away with data unread: of the %" PRIu64
		  " message%s relayed, the last ones were not delivered", dst->ep->text, moved,
		  moved == 1 ? "" : "s");
	return EXIT_FAIL;
}

static int relay_bytes(const struct xfer_opts *o, struct relay_side *src, struct relay_side *dst,
		       struct xfer_meter *m)
{
	struct copy_ctx c;
	int rc, status = EXIT_OK;

	copy_init(&c, o->bufsize);
	c.read_timeout_ms = duration_to_poll(o->timeout_ms);
	c.progress = xfer_meter_progress_cb;
	c.progress_arg = m;
	rc = copy_stream(src->s.fd, dst->s.fd, &c);
	m->bytes = c.bytes;
	if (rc < 0) {
		if (errno == ETIMEDOUT) {
			status = xfer_recv_timed_out(o, src->ep, c.bytes, true);
		} else {
			cmd_warn("cannot %s '%s'", c.failed == COPY_SIDE_READ ? "read from" : "write to",
				 (c.failed == COPY_SIDE_READ ? src : dst)->ep->text);
			status = EXIT_FAIL;
		}
	}
	copy_free(&c);
	return status;
}

int cmd_relay(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, relay_options);
	struct endpoint src_ep, dst_ep;
	struct relay_side src, dst;
	struct xfer_opts o, src_o, dst_o;
	struct xfer_meter m;
	const char **args;
	int opt, nargs, rc;

	xfer_opts_init(&o);
	/* Every option is in the shared table (--wait included). */
	while ((opt = cmd_popt_next(pc)) > 0)
		xfer_opts_parse(&o, pc, opt);
	args = cmd_popt_args(pc, &nargs);
	if (opt < 0 || xfer_check(&o) != EXIT_OK)
		rc = EXIT_USAGE;
	else if (nargs != 2)
		rc = cmd_usage_error(nargs < 2 ? "missing %s" : "too many arguments",
				     nargs == 0 ? "SOURCE and DEST" : "DEST");
	else if (xfer_parse_endpoint(&o, args[0], &src_ep) < 0 ||
		 xfer_parse_endpoint(&o, args[1], &dst_ep) < 0)
		rc = EXIT_USAGE;
	else
		rc = xfer_check_relay(&o, &src_ep, &dst_ep);
	if (rc != EXIT_OK) {
		poptFreeContext(pc);
		return rc;
	}
	cleanup_signals();
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	src.ep = &src_ep;
	src.message = endpoint_is_message(&src_ep);
	dst.ep = &dst_ep;
	dst.message = endpoint_is_message(&dst_ep);
	/* DEST first: --wait waits for it, and nothing is taken from the
	 * source before there is somewhere to put it. */
	xfer_relay_side(&dst_o, &o, &dst_ep, &src_ep, XFER_SENDER);
	rc = relay_open(&dst, &dst_o, XFER_SENDER);
	if (rc == EXIT_OK) {
		/* SOURCE's options: --wait was DEST's alone. */
		xfer_relay_side(&src_o, &o, &src_ep, &dst_ep, XFER_RECEIVER);
		src_o.wait = false;
		rc = relay_open(&src, &src_o, XFER_RECEIVER);
	}
	if (rc == EXIT_OK) {
		xfer_meter_start(&m, &o);
		if (src.message || dst.message)
			rc = relay_messages(&o, &src, &dst, &m);
		else
			rc = relay_bytes(&o, &src, &dst, &m);
		if (rc == EXIT_OK)
			rc = relay_check_peer(&dst, m.messages);
		xfer_meter_finish(&m);
	}
	relay_close(&src);
	relay_close(&dst);
	cleanup_run();
	poptFreeContext(pc);
	return rc;
}
