/* ipctool send: standard input or MESSAGE arguments to an endpoint. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>

#include "../lib/copy.h"
#include "../lib/parse.h"
#include "cmd.h"
#include "xfer.h"

/* xfer_options less --dead-letter, which is for taking messages. */
static struct poptOption send_xfer_options[XFER_OPTIONS_MAX];
static const char *const send_hidden[] = { "dead-letter", NULL };

static struct poptOption send_options[] = {
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, send_xfer_options, 0, "Transfer options:", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

/*
 * write_all within --timeout: ETIMEDOUT when the peer accepts nothing for
 * timeout_ms (-1: wait as long as it takes). The descriptor is made
 * non-blocking meanwhile, so a large write cannot block past the timeout.
 */
static int send_write_timed(int fd, const void *buf, size_t len, int timeout_ms)
{
	const char *p = buf;
	int flags, rc = 0;

	if (timeout_ms < 0)
		return write_all(fd, buf, len);
	flags = fcntl(fd, F_GETFL);
	if (flags < 0 || (!(flags & O_NONBLOCK) && fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0))
		return write_all(fd, buf, len);
	while (len > 0) {
		struct pollfd pfd = { .fd = fd, .events = POLLOUT };
		ssize_t n = write(fd, p, len);

		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			rc = -1;
			break;
		}
		do
			rc = poll(&pfd, 1, timeout_ms);
		while (rc < 0 && errno == EINTR);
		if (rc <= 0) {
			if (rc == 0)
				errno = ETIMEDOUT;
			rc = -1;
			break;
		}
		rc = 0;
	}
	if (!(flags & O_NONBLOCK)) {
		int err = errno;

		fcntl(fd, F_SETFL, flags);
		errno = err;
	}
	return rc;
}

/* Each MESSAGE argument, followed by the framing's separator, within --timeout. */
static int send_arguments(const struct xfer_opts *o, int fd, const char **msgs, int n,
			  struct xfer_meter *m, uint64_t *bytes)
{
	int sep = framing_separator(o->framing);
	int timeout = duration_to_poll(o->timeout_ms);
	char sepc = (char)sep;
	int i;

	for (i = 0; i < n && (!o->count || (uint64_t)i < o->count); i++) {
		size_t len = strlen(msgs[i]);
		char one[PIPE_BUF];

		/* A message and its separator in one write: whole on a shared FIFO. */
		if (sep >= 0 && len < sizeof(one)) {
			memcpy(one, msgs[i], len);
			one[len] = sepc;
			if (send_write_timed(fd, one, len + 1, timeout) < 0)
				return -1;
		} else if (send_write_timed(fd, msgs[i], len, timeout) < 0 ||
			   (sep >= 0 && send_write_timed(fd, &sepc, 1, timeout) < 0)) {
			return -1;
		}
		m->messages++;
		*bytes += len + (sep >= 0);
		xfer_meter_update(m, *bytes);
	}
	return 0;
}

static int send_stream(const struct xfer_opts *o, const struct endpoint *ep, const char **msgs,
		       int nmsgs)
{
	struct xfer_stream s;
	struct xfer_meter m;
	struct copy_ctx c;
	uint64_t done;
	bool unread = false;
	int rc, status = EXIT_OK;

	rc = xfer_open_stream(&s, o, ep, XFER_SENDER, false);
	if (rc != EXIT_OK) {
		cleanup_run();
		return rc;
	}
	xfer_meter_start(&m, o);
	copy_init(&c, o->bufsize);
	c.write_timeout_ms = duration_to_poll(o->timeout_ms);
	c.progress = xfer_meter_progress_cb;
	c.progress_arg = &m;
	if (nmsgs > 0) {
		rc = send_arguments(o, s.fd, msgs, nmsgs, &m, &c.bytes);
		if (rc < 0)
			c.failed = COPY_SIDE_WRITE;
	} else if (ep->kind == EP_FIFO && framing_separator(o->framing) >= 0) {
		/* Other senders may share the FIFO: lines up to PIPE_BUF whole. */
		rc = copy_records_atomic(STDIN_FILENO, s.fd, framing_separator(o->framing),
					 PIPE_BUF, o->count, &done, &c);
		m.messages = done;
	} else if (o->count && framing_separator(o->framing) >= 0) {
		rc = copy_records(STDIN_FILENO, s.fd, framing_separator(o->framing), o->count,
				  &done, &c);
		m.messages = done;
	} else {
		rc = copy_stream(STDIN_FILENO, s.fd, &c);
	}
	if (c.bytes)
		m.bytes = c.bytes;
	if (rc == 0 && xfer_stream_confirm(&s) < 0) {
		rc = -1;
		c.failed = COPY_SIDE_WRITE;
		unread = errno == ECONNRESET;
	}
	if (rc < 0) {
		if (unread) {
			cmd_warnx("'%s': the receiver closed the connection with data unread "
				  "(it refused this sender, or stopped early)", ep->text);
			status = EXIT_FAIL;
		} else if (errno == ETIMEDOUT) {
			status = xfer_send_timed_out(o, ep, c.bytes);
		} else if (c.failed == COPY_SIDE_READ) {
			cmd_warn("cannot read standard input");
			status = EXIT_FAIL;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			cmd_warnx("cannot write to '%s': %s (the receiver went away)", ep->text,
				  strerror(errno));
			status = EXIT_FAIL;
		} else if (ep->kind == EP_STDIO) {
			cmd_warn("cannot write to standard output");
			status = EXIT_FAIL;
		} else {
			cmd_warn("cannot write to '%s'", ep->text);
			status = EXIT_FAIL;
		}
	}
	copy_free(&c);
	xfer_close_stream(&s);
	cleanup_run();
	xfer_meter_finish(&m);
	return status;
}

/* MESSAGE arguments, or standard input cut by --framing, through the pump. */
static int send_messages(const struct xfer_opts *o, const struct endpoint *ep, const char **msgs,
			 int nmsgs)
{
	struct xfer_source src;
	struct xfer_sink dst;
	struct xfer_meter m;
	struct msgend me;
	int rc, i;

	rc = xfer_open_msg(&me, o, ep, XFER_SENDER);
	if (rc != EXIT_OK) {
		cleanup_run();
		return rc;
	}
	xfer_meter_start(&m, o);
	xfer_sink_msgend(&dst, o, &me, true);
	if (nmsgs > 0) {
		xfer_source_args(&src, o, msgs, nmsgs);
		/* Refuse before sending anything. */
		for (i = 0; i < nmsgs && (!o->count || (uint64_t)i < o->count); i++)
			if (strlen(msgs[i]) > me.msgsize) {
				errno = EMSGSIZE;
				rc = xfer_send_failed(o, &me, strlen(msgs[i]), 0);
				break;
			}
	} else if (xfer_source_fd(&src, o, STDIN_FILENO, NULL, me.msgsize, ep) < 0) {
		memset(&src, 0, sizeof(src));
		rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK)
		rc = xfer_pump(o, &src, &dst, &m);
	xfer_source_free(&src);
	xfer_sink_free(&dst);
	msgend_close(&me);
	cleanup_run();
	xfer_meter_finish(&m);
	return rc;
}

int send_main(int argc, const char **argv, const char *scheme)
{
	poptContext pc;
	struct xfer_opts o;
	struct endpoint ep;
	const char **args;
	int opt, nargs, rc;

	xfer_options_hiding(send_xfer_options,
			    sizeof(send_xfer_options) / sizeof(send_xfer_options[0]), send_hidden);
	pc = cmd_popt(argc, argv, send_options);
	xfer_opts_init(&o);
	o.scheme = scheme;
	while ((opt = cmd_popt_next(pc)) > 0)
		xfer_opts_parse(&o, pc, opt);
	args = cmd_popt_args(pc, &nargs);
	if (opt < 0 || xfer_check(&o) != EXIT_OK)
		rc = EXIT_USAGE;
	else if (o.dead_letter[0])
		rc = cmd_usage_error("--dead-letter applies to recv and relay, which take messages "
				     "from a queue");
	else if (nargs < 1)
		rc = cmd_usage_error("missing ENDPOINT");
	else if (xfer_parse_endpoint(&o, args[0], &ep) < 0)
		rc = EXIT_USAGE;
	else if (endpoint_is_message(&ep)) {
		if ((rc = xfer_check_msg(&o, &ep, XFER_SENDER)) == EXIT_OK) {
			cleanup_signals();
			rc = send_messages(&o, &ep, args + 1, nargs - 1);
		}
	} else if ((rc = xfer_check_stream(&o, &ep)) == EXIT_OK) {
		cleanup_signals();
		rc = send_stream(&o, &ep, args + 1, nargs - 1);
	}
	poptFreeContext(pc);
	return rc;
}

int cmd_send(int argc, const char **argv)
{
	return send_main(argc, argv, NULL);
}
