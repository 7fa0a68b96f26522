/*
 * ipctool relay: forward from one endpoint to another in one process,
 * keeping message boundaries, priorities and types where both sides have
 * them. A byte stream is cut into messages by --framing; messages written to
 * a stream end with the framing's separator.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
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

static int relay_open(struct relay_side *side, enum xfer_role role)
{
	int rc;

	if (side->message)
		rc = xfer_open_msg(&side->me, side->ep, role);
	else
		rc = xfer_open_stream(&side->s, side->ep, role, false);
	side->open = rc == EXIT_OK;
	return rc;
}

/* Messages (from a message source, or cut from a stream) to dest. */
static int relay_messages(struct relay_side *src, struct relay_side *dst, struct xfer_meter *m)
{
	size_t msgsize = dst->message ? dst->me.msgsize : src->me.msgsize;
	struct framing_writer w = { .fd = -1 };
	struct framing_reader r = { .buf = NULL };
	struct msg_meta meta;
	const char *msg;
	char *buf = NULL;
	size_t len;
	int rc, status = EXIT_OK;

	if (src->message) {
		/* A message the source accepts must fit the buffer; dest refuses
		 * what it cannot carry. */
		buf = malloc(src->me.msgsize ? src->me.msgsize : 1);
		if (!buf)
			goto nomem;
	} else {
		if (framing_reader_init(&r, src->s.fd, xfer.framing, msgsize) < 0)
			goto nomem;
		r.timeout_ms = duration_to_poll(xfer.timeout_ms);
	}
	if (!dst->message &&
	    framing_writer_init(&w, dst->s.fd, xfer.framing, COPY_BUFSIZE_MIN) < 0)
		goto nomem;
	while (!xfer.count || m->messages < xfer.count) {
		if (src->message) {
			rc = xfer_recv_msg(&src->me, buf, &len, &meta, dst->message ? NULL : &w);
			if (rc < 0) {
				status = -rc;
				break;
			}
			if (rc == MSGEND_EOS || (xfer.eof && len == 0))
				break;
			msg = buf;
		} else {
			memset(&meta, 0, sizeof(meta));
			rc = framing_reader_next(&r, &msg, &len);
			if (rc == 0)
				break;
			if (rc < 0) {
				if (errno == ETIMEDOUT) {
					status = xfer_recv_timed_out(src->ep, m->messages, true);
				} else if (errno == EMSGSIZE) {
					status = xfer_too_large(dst->ep, "record", len,
								r.len_minimum, msgsize);
				} else {
					cmd_warn("cannot read from '%s'", src->ep->text);
					status = EXIT_FAIL;
				}
				break;
			}
		}
		if (dst->message) {
			if (xfer.priority_set) {
				meta.has_priority = true;
				meta.priority = (unsigned)xfer.priority;
			}
			status = xfer_send_msg(&dst->me, msg, len, &meta);
		} else if (framing_writer_put(&w, msg, len) < 0) {
			cmd_warn("cannot write to '%s'", dst->ep->text);
			status = EXIT_FAIL;
		}
		if (status != EXIT_OK)
			break;
		m->messages++;
		meter_update(m, m->bytes + len);
	}
	if (w.buf && framing_writer_flush(&w) < 0 && status == EXIT_OK) {
		cmd_warn("cannot write to '%s'", dst->ep->text);
		status = EXIT_FAIL;
	}
	if (status == EXIT_OK && xfer.eof && dst->message) {
		memset(&meta, 0, sizeof(meta));
		status = xfer_send_msg(&dst->me, "", 0, &meta);
	}
	framing_writer_free(&w);
	framing_reader_free(&r);
	free(buf);
	return status;
nomem:
	cmd_warn("cannot allocate buffers for messages of %zu bytes", msgsize);
	framing_writer_free(&w);
	framing_reader_free(&r);
	free(buf);
	return EXIT_FAIL;
}

static int relay_bytes(struct relay_side *src, struct relay_side *dst, struct xfer_meter *m)
{
	struct copy_ctx c;
	int rc, status = EXIT_OK;

	copy_init(&c, xfer.bufsize);
	c.read_timeout_ms = duration_to_poll(xfer.timeout_ms);
	c.progress = meter_progress_cb;
	c.progress_arg = m;
	rc = copy_stream(src->s.fd, dst->s.fd, &c);
	m->bytes = c.bytes;
	if (rc < 0) {
		if (errno == ETIMEDOUT) {
			status = xfer_recv_timed_out(src->ep, c.bytes, true);
		} else {
			cmd_warn("cannot %s '%s'", c.failed == COPY_SIDE_READ ? "read from" : "write to",
				 (c.failed == COPY_SIDE_READ ? src : dst)->ep->text);
			status = EXIT_FAIL;
		}
	}
	copy_free(&c);
	return status;
}

static int relay_check(const struct endpoint *src, const struct endpoint *dst)
{
	bool prio = xfer.priority_set, type = xfer.type_set;
	int rc = EXIT_OK;

	if (prio && !(dst->kind == EP_MQ && !objref_is_sysv(&dst->obj)))
		return cmd_usage_error("--priority sets the priority on a POSIX queue DEST, not '%s'",
				       dst->text);
	if (type && !(src->kind == EP_MQ && objref_is_sysv(&src->obj)))
		return cmd_usage_error("--type selects messages from a System V queue SOURCE, "
				       "not '%s'", src->text);
	if (xfer.count && !endpoint_is_message(src) && !endpoint_is_message(dst))
		return cmd_usage_error("--count counts messages: SOURCE or DEST must be a "
				       "message endpoint");
	xfer.priority_set = xfer.type_set = false;
	if (endpoint_is_message(src))
		rc = xfer_check_msg(src, XFER_RECEIVER);
	else if (!endpoint_is_message(dst))
		rc = xfer_check_stream(src);
	if (rc == EXIT_OK && endpoint_is_message(dst))
		rc = xfer_check_msg(dst, XFER_SENDER);
	else if (rc == EXIT_OK && !endpoint_is_message(src))
		rc = xfer_check_stream(dst);
	xfer.priority_set = prio;
	xfer.type_set = type;
	return rc;
}

int cmd_relay(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, relay_options);
	struct endpoint src_ep, dst_ep;
	struct relay_side src, dst;
	struct xfer_meter m;
	const char **args;
	int opt, nargs, rc;

	/* Every option is in the shared table (--wait included). */
	while ((opt = cmd_popt_next(pc)) > 0)
		;
	args = cmd_popt_args(pc, &nargs);
	if (opt < 0 || xfer_check() != EXIT_OK)
		rc = EXIT_USAGE;
	else if (nargs != 2)
		rc = cmd_usage_error(nargs < 2 ? "missing %s" : "too many arguments",
				     nargs == 0 ? "SOURCE and DEST" : "DEST");
	else if (xfer_parse_endpoint(args[0], &src_ep) < 0 ||
		 xfer_parse_endpoint(args[1], &dst_ep) < 0)
		rc = EXIT_USAGE;
	else
		rc = relay_check(&src_ep, &dst_ep);
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
	rc = relay_open(&dst, XFER_SENDER);
	if (rc == EXIT_OK) {
		bool wait = xfer.wait;

		xfer.wait = false;
		rc = relay_open(&src, XFER_RECEIVER);
		xfer.wait = wait;
	}
	if (rc == EXIT_OK) {
		meter_start(&m);
		if (src.message || dst.message)
			rc = relay_messages(&src, &dst, &m);
		else
			rc = relay_bytes(&src, &dst, &m);
		meter_finish(&m);
	}
	relay_close(&src);
	relay_close(&dst);
	cleanup_run();
	poptFreeContext(pc);
	return rc;
}
