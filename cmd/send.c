/* ipctool send: standard input or MESSAGE arguments to an endpoint. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../lib/copy.h"
#include "../lib/parse.h"
#include "cmd.h"
#include "xfer.h"

static struct poptOption send_options[] = {
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, xfer_options, 0, "Transfer options:", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

/* Each MESSAGE argument, followed by the framing's separator. */
static int send_arguments(int fd, const char **msgs, int n, struct xfer_meter *m)
{
	int sep = framing_separator(xfer.framing);
	char sepc = (char)sep;
	int i;

	for (i = 0; i < n && (!xfer.count || (uint64_t)i < xfer.count); i++) {
		size_t len = strlen(msgs[i]);

		if (write_all(fd, msgs[i], len) < 0 || (sep >= 0 && write_all(fd, &sepc, 1) < 0))
			return -1;
		m->messages++;
		meter_update(m, m->bytes + len + (sep >= 0));
	}
	return 0;
}

static int send_stream(const struct endpoint *ep, const char **msgs, int nmsgs)
{
	struct xfer_stream s;
	struct xfer_meter m;
	struct copy_ctx c;
	uint64_t done;
	int rc, status = EXIT_OK;

	rc = xfer_open_stream(&s, ep, XFER_SENDER, false);
	if (rc != EXIT_OK) {
		cleanup_run();
		return rc;
	}
	meter_start(&m);
	copy_init(&c, xfer.bufsize);
	c.write_timeout_ms = duration_to_poll(xfer.timeout_ms);
	c.progress = meter_progress_cb;
	c.progress_arg = &m;
	if (nmsgs > 0) {
		rc = send_arguments(s.fd, msgs, nmsgs, &m);
		if (rc < 0)
			c.failed = COPY_SIDE_WRITE;
	} else if (xfer.count && framing_separator(xfer.framing) >= 0) {
		rc = copy_records(STDIN_FILENO, s.fd, framing_separator(xfer.framing),
				  xfer.count, &done, &c);
		m.messages = done;
	} else {
		rc = copy_stream(STDIN_FILENO, s.fd, &c);
	}
	if (c.bytes)
		m.bytes = c.bytes;
	if (rc < 0) {
		if (errno == ETIMEDOUT) {
			status = xfer_send_timed_out(ep, c.bytes);
		} else if (c.failed == COPY_SIDE_READ) {
			cmd_warn("cannot read standard input");
			status = EXIT_FAIL;
		} else if (errno == EPIPE || errno == ECONNRESET) {
			cmd_warnx("cannot write to '%s': %s (the receiver went away)", ep->text,
				  strerror(errno));
			status = EXIT_FAIL;
		} else {
			cmd_warn("cannot write to '%s'", ep->text);
			status = EXIT_FAIL;
		}
	}
	copy_free(&c);
	xfer_close_stream(&s);
	cleanup_run();
	meter_finish(&m);
	return status;
}

int cmd_send(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, send_options);
	struct endpoint ep;
	const char **args;
	int opt, nargs, rc;

	while ((opt = cmd_popt_next(pc)) > 0)
		;
	args = cmd_popt_args(pc, &nargs);
	if (opt < 0 || xfer_check() != EXIT_OK)
		rc = EXIT_USAGE;
	else if (nargs < 1)
		rc = cmd_usage_error("missing ENDPOINT");
	else if (xfer_parse_endpoint(args[0], &ep) < 0)
		rc = EXIT_USAGE;
	else if (endpoint_is_message(&ep)) {
		if ((rc = xfer_check_msg(&ep, XFER_SENDER)) == EXIT_OK) {
			cleanup_signals();
			rc = xfer_send_messages(&ep, args + 1, nargs - 1);
		}
	} else if ((rc = xfer_check_stream(&ep)) == EXIT_OK) {
		cleanup_signals();
		rc = send_stream(&ep, args + 1, nargs - 1);
	}
	poptFreeContext(pc);
	return rc;
}
