/* ipctool recv: what arrives at an endpoint, onto standard output. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../lib/copy.h"
#include "../lib/parse.h"
#include "../lib/transport.h"
#include "cmd.h"
#include "xfer.h"

enum { RECV_KEEP = 100, RECV_JSON, RECV_QUIET };

/* xfer_options less --priority, which is for sending messages. */
static struct poptOption recv_xfer_options[XFER_OPTIONS_MAX];
static const char *const recv_hidden[] = { "priority", NULL };

static struct poptOption recv_options[] = {
	{ "keep", 'k', POPT_ARG_NONE, NULL, RECV_KEEP,
	  "serve senders one after another and at once, never mixing their lines "
	  "(FIFO: lines up to 4096 bytes from ipctool senders)", NULL },
	{ "json", 'J', POPT_ARG_NONE, NULL, RECV_JSON,
	  "one JSON object per message (message endpoints)", NULL },
	{ "quiet", 'q', POPT_ARG_NONE, NULL, RECV_QUIET,
	  "say nothing when nothing arrived (polling with -c 1 -n; exit status 124 still)",
	  NULL },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, recv_xfer_options, 0, "Transfer options:", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

/*
 * recv -k on a listening socket: many senders at once. Each connection has a
 * buffer; only whole records (up to a separator) are written out, so lines
 * from different senders never mix. A record longer than the buffer takes
 * the output over until its separator arrives, so memory stays flat.
 */
struct recv_client {
	int fd;
	size_t len;
	char *buf;
};

#define RECV_MAX_CLIENTS 1024
#define RECV_CLIENT_BUF (64u * 1024u)

struct recv_mux {
	struct recv_client clients[RECV_MAX_CLIENTS];
	struct pollfd pfds[RECV_MAX_CLIENTS + 1];
	int nclients;
	int owner;		/* client mid-record on the output, or -1 */
	char sep;
	uint64_t records;	/* records written out */
	bool done;		/* --count reached */
	const struct xfer_opts *o;
	struct xfer_meter *meter;
};

/* Write len bytes of a client's data, stopping after --count records. */
static int recv_mux_output(struct recv_mux *mx, const char *p, size_t len)
{
	const char *q = p, *end = p + len;

	if (mx->o->count) {
		while (q < end && (q = memchr(q, mx->sep, (size_t)(end - q)))) {
			q++;
			if (++mx->records == mx->o->count) {
				end = q;
				mx->done = true;
				break;
			}
		}
	}
	if (write_all(STDOUT_FILENO, p, (size_t)(end - p)) < 0)
		return -1;
	mx->meter->messages = mx->records;
	xfer_meter_update(mx->meter, mx->meter->bytes + (uint64_t)(end - p));
	return 0;
}

static void recv_mux_count(struct recv_mux *mx, const char *p, size_t len)
{
	const char *end = p + len;

	if (mx->o->count)
		return; /* recv_mux_output counts */
	while (p < end && (p = memchr(p, mx->sep, (size_t)(end - p)))) {
		p++;
		mx->records++;
	}
}

/* Flush what client i holds: whole records, or everything at EOF. */
static int recv_mux_flush(struct recv_mux *mx, int i, bool eof)
{
	struct recv_client *cl = &mx->clients[i];
	char *last;
	size_t n;

	if (mx->owner == i) {
		/* Finish the record that owns the output first. */
		char *s = memchr(cl->buf, mx->sep, cl->len);

		n = s ? (size_t)(s - cl->buf) + 1 : cl->len;
		recv_mux_count(mx, cl->buf, n);
		if (recv_mux_output(mx, cl->buf, n) < 0)
			return -1;
		memmove(cl->buf, cl->buf + n, cl->len - n);
		cl->len -= n;
		if (!s && !eof)
			return 0;
		/* Its sender ended mid-record: end the record here, so that
		 * the next sender's does not run into it. */
		if (!s && !mx->done) {
			if (recv_mux_output(mx, &mx->sep, 1) < 0)
				return -1;
			mx->records += mx->o->count ? 0 : 1;
		}
		mx->owner = -1;
	}
	if (mx->done || cl->len == 0)
		goto unterminated;
	last = memrchr(cl->buf, mx->sep, cl->len);
	n = last ? (size_t)(last - cl->buf) + 1 : 0;
	if (n) {
		recv_mux_count(mx, cl->buf, n);
		if (recv_mux_output(mx, cl->buf, n) < 0)
			return -1;
		memmove(cl->buf, cl->buf + n, cl->len - n);
		cl->len -= n;
	}
	if (!mx->done && cl->len == RECV_CLIENT_BUF && mx->owner < 0) {
		/* A record longer than the buffer: it owns the output now. */
		if (recv_mux_output(mx, cl->buf, cl->len) < 0)
			return -1;
		cl->len = 0;
		mx->owner = i;
	}
unterminated:
	if (eof && !mx->done && (cl->len || mx->owner == i)) {
		/* End an unterminated last record so the next sender's
		 * record does not run into it. */
		if (recv_mux_output(mx, cl->buf, cl->len) < 0 || recv_mux_output(mx, &mx->sep, 1) < 0)
			return -1;
		mx->records += mx->o->count ? 0 : 1;
		cl->len = 0;
		if (mx->owner == i)
			mx->owner = -1;
	}
	return 0;
}

/*
 * Before a quiet period ends the receiver: read what client i has sent so
 * far and write every complete record. A sender still connected mid-line
 * has its tail written as a line of its own (never run into the next
 * record), and that is reported. 1 when a tail was cut, 0, or -1 when the
 * output failed.
 */
static int recv_mux_drain(struct recv_mux *mx, int i)
{
	struct recv_client *cl = &mx->clients[i];
	bool cut;
	ssize_t r;

	while (!mx->done) {
		r = recv(cl->fd, cl->buf + cl->len, RECV_CLIENT_BUF - cl->len, MSG_DONTWAIT);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		cl->len += (size_t)r;
		if (recv_mux_flush(mx, i, false) < 0)
			return -1;
	}
	if (mx->done)
		return 0;
	cut = cl->len > 0 || mx->owner == i;
	if (recv_mux_flush(mx, i, true) < 0)
		return -1;
	return cut ? 1 : 0;
}

/* recv_mux_drain for every client, the one owning the output first. */
static int recv_mux_drain_all(struct recv_mux *mx, const struct endpoint *ep)
{
	int i, rc, cut = 0;

	if (mx->owner >= 0) {
		if ((rc = recv_mux_drain(mx, mx->owner)) < 0)
			return -1;
		cut += rc;
	}
	for (i = 0; i < mx->nclients && !mx->done; i++) {
		if ((rc = recv_mux_drain(mx, i)) < 0)
			return -1;
		cut += rc;
	}
	if (cut)
		cmd_warnx("'%s': %d sender%s still connected in an unterminated line: "
			  "written as %s line%s of %s own", ep->text, cut, cut == 1 ? "" : "s",
			  cut == 1 ? "a" : "", cut == 1 ? "" : "s", cut == 1 ? "its" : "their");
	return 0;
}

static void recv_mux_drop(struct recv_mux *mx, int i)
{
	close(mx->clients[i].fd);
	free(mx->clients[i].buf);
	mx->nclients--;
	if (mx->owner == mx->nclients)
		mx->owner = i;
	mx->clients[i] = mx->clients[mx->nclients];
}

static int recv_keep_sockets(const struct xfer_opts *o, struct xfer_stream *s,
			     struct xfer_meter *m)
{
	struct recv_mux *mx = calloc(1, sizeof(*mx));
	int timeout = duration_to_poll(o->timeout_ms);
	int status = EXIT_OK, i, n;
	ssize_t r;

	if (!mx) {
		cmd_warn("cannot allocate memory");
		return EXIT_FAIL;
	}
	mx->owner = -1;
	mx->o = o;
	mx->sep = (char)(framing_separator(o->framing) < 0 ? '\n' : framing_separator(o->framing));
	mx->meter = m;
	while (!mx->done) {
		int np = 0;

		/* A sender whose buffer filled while another record owned the
		 * output takes the output over now; it is never read with a
		 * full buffer (a read of 0 bytes would look like its EOF). */
		for (i = 0; i < mx->nclients && mx->owner < 0; i++)
			if (mx->clients[i].len == RECV_CLIENT_BUF && recv_mux_flush(mx, i, false) < 0) {
				cmd_warn("cannot write to standard output");
				status = EXIT_FAIL;
				mx->done = true;
			}
		if (mx->done)
			break;
		/* While a record owns the output, only its sender is read. */
		mx->pfds[np++] = (struct pollfd){ .fd = mx->nclients < RECV_MAX_CLIENTS ? s->lfd : -1,
						  .events = POLLIN };
		for (i = 0; i < mx->nclients; i++) {
			bool readable = (mx->owner < 0 || mx->owner == i) &&
					mx->clients[i].len < RECV_CLIENT_BUF;

			mx->pfds[np++] = (struct pollfd){ .fd = readable ? mx->clients[i].fd : -1,
							  .events = POLLIN };
		}
		n = poll(mx->pfds, (nfds_t)np, timeout);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			cmd_warn("poll");
			status = EXIT_FAIL;
			break;
		}
		if (n == 0) {
			/* A quiet period ends a -k receiver, unless --count was not
			 * reached; what the senders sent so far is written first. */
			if (recv_mux_drain_all(mx, s->ep) < 0) {
				cmd_warn("cannot write to standard output");
				status = EXIT_FAIL;
			} else if (!mx->done) {
				status = xfer_recv_timed_out(o, s->ep, m->bytes, o->count != 0);
			}
			break;
		}
		/* Clients first, in the order polled; new ones are appended. */
		for (i = mx->nclients - 1; i >= 0 && !mx->done; i--) {
			struct recv_client *cl = &mx->clients[i];

			if (!mx->pfds[i + 1].revents)
				continue;
			/* A sender that took the output over earlier in this
			 * round: the others wait for the end of its record. */
			if (mx->owner >= 0 && mx->owner != i)
				continue;
			r = read(cl->fd, cl->buf + cl->len, RECV_CLIENT_BUF - cl->len);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0 && errno != ECONNRESET) {
				cmd_warn("cannot read from '%s'", s->ep->text);
			}
			if (r > 0)
				cl->len += (size_t)r;
			if (recv_mux_flush(mx, i, r <= 0) < 0) {
				cmd_warn("cannot write to standard output");
				status = EXIT_FAIL;
				mx->done = true;
				break;
			}
			if (r <= 0)
				recv_mux_drop(mx, i);
		}
		if (!mx->done && (mx->pfds[0].revents & POLLIN)) {
			struct deadline now;
			int fd;

			deadline_start(&now, 0);
			fd = sock_accept_allowed(s->lfd, &now, &s->allow);

			if (fd >= 0) {
				char *buf = malloc(RECV_CLIENT_BUF);

				if (!buf) {
					close(fd);
					continue;
				}
				mx->clients[mx->nclients++] = (struct recv_client){ .fd = fd, .buf = buf };
				m->connections++;
			}
		}
	}
	while (mx->nclients > 0)
		recv_mux_drop(mx, mx->nclients - 1);
	m->messages = mx->records;
	free(mx);
	return status;
}

static int recv_copy(const struct xfer_opts *o, struct xfer_stream *s, struct xfer_meter *m)
{
	struct copy_ctx c;
	uint64_t done = 0;
	int rc, status = EXIT_OK;

	copy_init(&c, o->bufsize);
	c.read_timeout_ms = duration_to_poll(o->timeout_ms);
	c.progress = xfer_meter_progress_cb;
	c.progress_arg = m;
	if (o->count && framing_separator(o->framing) >= 0) {
		rc = copy_records(s->fd, STDOUT_FILENO, framing_separator(o->framing), o->count,
				  &done, &c);
		m->messages = done;
	} else {
		rc = copy_stream(s->fd, STDOUT_FILENO, &c);
	}
	m->bytes = c.bytes;
	if (rc < 0) {
		if (errno == ETIMEDOUT && c.failed == COPY_SIDE_READ) {
			status = xfer_recv_timed_out(o, s->ep, c.bytes, !o->keep || o->count);
		} else if (c.failed == COPY_SIDE_WRITE) {
			cmd_warn("cannot write to standard output");
			status = EXIT_FAIL;
		} else if (errno == ECONNRESET) {
			cmd_warnx("cannot read from '%s': %s (the sender went away)", s->ep->text,
				  strerror(errno));
			status = EXIT_FAIL;
		} else {
			cmd_warn("cannot read from '%s'", s->ep->text);
			status = EXIT_FAIL;
		}
	}
	copy_free(&c);
	return status;
}

static int recv_stream(const struct xfer_opts *o, const struct endpoint *ep)
{
	bool listens = xfer_listens(o, ep, XFER_RECEIVER);
	struct xfer_stream s;
	struct xfer_meter m;
	int rc;

	rc = xfer_open_stream(&s, o, ep, XFER_RECEIVER, o->keep && listens);
	if (rc != EXIT_OK) {
		xfer_close_stream(&s);
		cleanup_run();
		return rc;
	}
	xfer_meter_start(&m, o);
	if (o->keep && listens) {
		rc = recv_keep_sockets(o, &s, &m);
	} else {
		if (o->keep && ep->kind == EP_FIFO) {
			/* Our own writer keeps the FIFO from reaching EOF
			 * between senders. */
			s.keepfd = open(ep->path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
		}
		m.connections = listens ? 1 : 0;
		rc = recv_copy(o, &s, &m);
	}
	xfer_close_stream(&s);
	cleanup_run();
	xfer_meter_finish(&m);
	return rc;
}

/* A message endpoint onto standard output (-J: JSON lines), through the pump. */
static int recv_messages(const struct xfer_opts *o, const struct endpoint *ep, bool json)
{
	struct xfer_source src;
	struct xfer_sink dst;
	struct xfer_meter m;
	struct msgend me;
	int rc;

	rc = xfer_open_msg(&me, o, ep, XFER_RECEIVER);
	if (rc != EXIT_OK) {
		cleanup_run();
		return rc;
	}
	xfer_meter_start(&m, o);
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	if (xfer_source_msgend(&src, o, &me, json) < 0 ||
	    xfer_sink_fd(&dst, o, STDOUT_FILENO, NULL, json, me.msgsize) < 0)
		rc = EXIT_FAIL;
	else
		rc = xfer_msg_losses(&me, xfer_pump(o, &src, &dst, &m));
	xfer_sink_free(&dst);
	xfer_source_free(&src);
	msgend_close(&me);
	cleanup_run();
	xfer_meter_finish(&m);
	return rc;
}

int recv_main(int argc, const char **argv, const char *scheme)
{
	poptContext pc;
	struct xfer_opts o;
	struct endpoint ep;
	const char **args;
	bool json = false;
	int opt, nargs, rc;

	xfer_options_hiding(recv_xfer_options,
			    sizeof(recv_xfer_options) / sizeof(recv_xfer_options[0]), recv_hidden);
	pc = cmd_popt(argc, argv, recv_options);
	xfer_opts_init(&o);
	o.scheme = scheme;
	while ((opt = cmd_popt_next(pc)) > 0) {
		if (opt == RECV_KEEP)
			o.keep = true;
		else if (opt == RECV_JSON)
			json = true;
		else if (opt == RECV_QUIET)
			o.quiet = true;
		else
			xfer_opts_parse(&o, pc, opt);
	}
	args = cmd_popt_args(pc, &nargs);
	if (opt < 0 || xfer_check(&o) != EXIT_OK)
		rc = EXIT_USAGE;
	else if (nargs != 1)
		rc = cmd_usage_error(nargs ? "too many arguments" : "missing ENDPOINT");
	else if (xfer_parse_endpoint(&o, args[0], &ep) < 0)
		rc = EXIT_USAGE;
	else if (endpoint_is_message(&ep)) {
		if (o.keep && !endpoint_can(&ep, TP_KEEP))
			rc = cmd_usage_error("--keep applies to stream endpoints and shm: rings, "
					     "not '%s'", ep.text);
		else if ((rc = xfer_check_msg(&o, &ep, XFER_RECEIVER)) == EXIT_OK) {
			cleanup_signals();
			rc = recv_messages(&o, &ep, json);
		}
	} else if (json) {
		rc = cmd_usage_error("--json applies to message endpoints, not '%s'", ep.text);
	} else if ((rc = xfer_check_stream(&o, &ep)) != EXIT_OK) {
		;
	} else if (o.keep && (!endpoint_can(&ep, TP_KEEP) ||
			      (endpoint_can(&ep, TP_SOCKET) && !xfer_listens(&o, &ep, XFER_RECEIVER)))) {
		rc = cmd_usage_error("--keep needs a listening socket or a FIFO, not '%s'", ep.text);
	} else {
		cleanup_signals();
		rc = recv_stream(&o, &ep);
	}
	poptFreeContext(pc);
	return rc;
}

int cmd_recv(int argc, const char **argv)
{
	return recv_main(argc, argv, NULL);
}
