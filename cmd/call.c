/*
 * ipctool call: a conversation with a socket. On a message socket, one
 * reply per request, in turn (call_msg). On a stream socket, standard input
 * (or MESSAGE arguments) goes to the peer while the peer's bytes go to standard
 * output, in one poll loop over both directions (as OpenBSD nc's readwrite),
 * so that neither direction waits on the other: with both sides sending a
 * lot, a full socket buffer one way never stops the other way from draining.
 * When input ends the write side is shut down (half-close) and the peer's
 * bytes are read until it closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/copy.h"
#include "../lib/envelope.h"
#include "../lib/parse.h"
#include "cmd.h"
#include "xfer.h"

enum { CALL_QUIT = 100, CALL_NO_HALF_CLOSE, CALL_JSON };

static struct poptOption call_own_options[] = {
	{ "quit-after", 'q', POPT_ARG_STRING, NULL, CALL_QUIT,
	  "after input ends, wait at most DURATION for the peer to close, then exit 0 "
	  "(stream sockets)", "DURATION" },
	{ "no-half-close", '\0', POPT_ARG_NONE, NULL, CALL_NO_HALF_CLOSE,
	  "do not shut down the write side when input ends (the end is the close at exit; "
	  "stream sockets)", NULL },
	{ "json", 'J', POPT_ARG_NONE, NULL, CALL_JSON,
	  "one JSON object per reply, as recv -J writes a message (message endpoints)", NULL },
	POPT_TABLEEND
};

static const char *const call_xfer_names[] = { "timeout", "nonblock", "wait",	"buffer",
					       "framing", "null",     NULL };
static struct poptOption call_xfer_options[16];

static struct poptOption call_options[] = {
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, call_own_options, 0, "Call options:", NULL },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, call_xfer_options, 0, "Transfer options:", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

struct call_opts {
	int64_t quit_ms;	/* -q: -1 none */
	bool half_close;
	bool json;		/* -J */
};

/* One direction: a buffer between a reader and a writer descriptor. */
struct call_dir {
	int in, out;
	char *buf;
	size_t cap, off, len;
	bool eof;		/* the reader ended (or is not read any more) */
	bool failed;		/* the writer failed: errno in err */
	int err;
};

/* Descriptors made non-blocking for the loop, restored at exit and on signals. */
static int call_fds[2] = { -1, -1 };
static int call_flags[2];

static void call_restore_flags(void *arg)
{
	int i;

	(void)arg;
	for (i = 0; i < 2; i++)
		if (call_fds[i] >= 0)
			fcntl(call_fds[i], F_SETFL, call_flags[i]);
}

static void call_nonblock(int slot, int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || (fl & O_NONBLOCK))
		return;
	call_flags[slot] = fl;
	call_fds[slot] = fd;
	fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Read into an empty buffer: bytes read, 0 at EOF, -1 (EAGAIN: nothing yet). */
static ssize_t call_fill(struct call_dir *d)
{
	ssize_t n;

	do
		n = read(d->in, d->buf, d->cap);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		d->off = 0;
		d->len = (size_t)n;
	}
	return n;
}

/* Write what the buffer holds: bytes written, or -1 (EAGAIN: no room now). */
static ssize_t call_drain(struct call_dir *d, bool sock)
{
	ssize_t n;

	do
		n = sock ? send(d->out, d->buf + d->off, d->len - d->off, MSG_NOSIGNAL)
			 : write(d->out, d->buf + d->off, d->len - d->off);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		d->off += (size_t)n;
		if (d->off == d->len)
			d->off = d->len = 0;
	}
	return n;
}

static bool call_pending(const struct call_dir *d)
{
	return d->len > d->off;
}

/*
 * The loop: up is input to the peer, down the peer to standard output.
 * Returns the exit status after reporting.
 */
static int call_loop(const struct xfer_opts *o, const struct call_opts *co,
		     const struct endpoint *ep, int sock, struct call_dir *up, struct call_dir *down)
{
	uint64_t active_ns = clock_now_ns(), ended_ns = 0;
	uint64_t received = 0, sent = 0;
	bool input_done = false;

	for (;;) {
		struct pollfd pfd[4];
		int np = 0, iu = -1, su = -1, sd = -1, od = -1, timeout = -1, rc;
		uint64_t now;

		/* Input has ended once it is read and sent (or cannot be sent). */
		if (!input_done && up->eof && (!call_pending(up) || up->failed)) {
			input_done = true;
			ended_ns = clock_now_ns();
			if (co->half_close && !up->failed)
				shutdown(sock, SHUT_WR);
		}
		/* The peer closed, everything it sent is out, and what we read
		 * of input is sent (or cannot be): done. */
		if (down->eof && !call_pending(down) && (!call_pending(up) || up->failed))
			break;
		if (down->failed)
			break;
		if (!up->eof && !call_pending(up))
			pfd[iu = np++] = (struct pollfd){ .fd = up->in, .events = POLLIN };
		if (call_pending(up) && !up->failed)
			pfd[su = np++] = (struct pollfd){ .fd = sock, .events = POLLOUT };
		if (!down->eof && !call_pending(down))
			pfd[sd = np++] = (struct pollfd){ .fd = sock, .events = POLLIN };
		if (call_pending(down))
			pfd[od = np++] = (struct pollfd){ .fd = down->out, .events = POLLOUT };

		now = clock_now_ns();
		if (o->timeout_ms >= 0) {
			int64_t left = o->timeout_ms - (int64_t)((now - active_ns) / 1000000u);

			timeout = left > 0 ? (int)(left < INT32_MAX ? left : INT32_MAX) : 0;
		}
		if (input_done && co->quit_ms >= 0 && !down->eof) {
			int64_t left = co->quit_ms - (int64_t)((now - ended_ns) / 1000000u);

			if (left <= 0) {
				/* -q: the peer did not close in time; what it sent is out. */
				down->eof = true;
				continue;
			}
			if (timeout < 0 || left < timeout)
				timeout = (int)(left < INT32_MAX ? left : INT32_MAX);
		}
		rc = poll(pfd, (nfds_t)np, timeout);
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0) {
			cmd_warn("poll");
			return EXIT_FAIL;
		}
		now = clock_now_ns();
		if (rc == 0) {
			if (o->timeout_ms >= 0 &&
			    (int64_t)((now - active_ns) / 1000000u) >= o->timeout_ms) {
				if (call_pending(up) && !up->failed)
					return xfer_send_timed_out(o, ep, sent);
				return xfer_recv_timed_out(o, ep, received, true);
			}
			continue;
		}
		if (iu >= 0 && pfd[iu].revents) {
			ssize_t n = call_fill(up);

			if (n == 0) {
				up->eof = true;
			} else if (n < 0 && errno != EAGAIN) {
				cmd_warn("cannot read standard input");
				return EXIT_FAIL;
			}
			active_ns = now;
		}
		if (su >= 0 && pfd[su].revents) {
			ssize_t n = call_drain(up, true);

			if (n > 0) {
				sent += (uint64_t)n;
				active_ns = now;
			} else if (n < 0 && errno != EAGAIN) {
				/* The peer is gone for our bytes: stop sending and
				 * reading input, but take what it said. */
				up->failed = true;
				up->err = errno;
				up->eof = true;
			}
		}
		if (sd >= 0 && pfd[sd].revents) {
			ssize_t n = call_fill(down);

			if (n > 0) {
				received += (uint64_t)n;
				active_ns = now;
			} else if (n == 0) {
				/* The peer closed: input not yet sent stays unsent. */
				down->eof = true;
				up->eof = true;
			} else if (errno == ECONNRESET) {
				down->eof = true;
				up->eof = true;
				if (!up->failed) {
					up->failed = true;
					up->err = ECONNRESET;
				}
			} else if (errno != EAGAIN) {
				cmd_warn("cannot read from '%s'", ep->text);
				return EXIT_FAIL;
			}
		}
		if (od >= 0 && pfd[od].revents) {
			ssize_t n = call_drain(down, false);

			if (n > 0) {
				active_ns = now;
			} else if (n < 0 && errno != EAGAIN) {
				down->failed = true;
				down->err = errno;
			}
		}
	}
	if (down->failed) {
		errno = down->err;
		cmd_warn("cannot write to standard output");
		return EXIT_FAIL;
	}
	if (up->failed) {
		if (up->err == ECONNRESET)
			cmd_warnx("cannot write to '%s': %s (the peer closed the connection with "
				  "data unread)", ep->text, strerror(up->err));
		else
			cmd_warnx("cannot write to '%s': %s (the peer went away)", ep->text,
				  strerror(up->err));
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* MESSAGE arguments as the input: each followed by the framing's separator. */
static int call_args_input(const struct xfer_opts *o, const char **msgs, int n,
			   struct call_dir *up)
{
	int sep = framing_separator(o->framing);
	size_t total = 0, at = 0;
	int i;

	for (i = 0; i < n; i++)
		total += strlen(msgs[i]) + (sep >= 0);
	up->buf = malloc(total ? total : 1);
	if (!up->buf)
		return -1;
	for (i = 0; i < n; i++) {
		size_t len = strlen(msgs[i]);

		memcpy(up->buf + at, msgs[i], len);
		at += len;
		if (sep >= 0)
			up->buf[at++] = (char)sep;
	}
	up->cap = up->len = total;
	up->eof = true;
	return 0;
}

static int call_stream(const struct xfer_opts *o, const struct call_opts *co,
		       const struct endpoint *ep, const char **msgs, int nmsgs)
{
	struct call_dir up = { .in = STDIN_FILENO }, down = { .out = STDOUT_FILENO };
	struct xfer_stream s;
	int rc;

	rc = xfer_open_stream(&s, o, ep, XFER_SENDER, false);
	if (rc != EXIT_OK) {
		cleanup_run();
		return rc;
	}
	up.out = down.in = s.fd;
	down.cap = o->bufsize;
	down.buf = malloc(down.cap);
	if (nmsgs > 0) {
		if (call_args_input(o, msgs, nmsgs, &up) < 0)
			up.buf = NULL;
	} else {
		up.cap = o->bufsize;
		up.buf = malloc(up.cap);
	}
	if (!up.buf || !down.buf) {
		cmd_warn("cannot allocate memory");
		rc = EXIT_FAIL;
	} else {
		fcntl(s.fd, F_SETFL, fcntl(s.fd, F_GETFL) | O_NONBLOCK);
		/* Standard input and output may be shared with others (a
		 * terminal): their flags go back as they were, also on signals. */
		cleanup_push(call_restore_flags, NULL);
		if (nmsgs == 0)
			call_nonblock(0, STDIN_FILENO);
		call_nonblock(1, STDOUT_FILENO);
		rc = call_loop(o, co, ep, s.fd, &up, &down);
	}
	free(up.buf);
	free(down.buf);
	xfer_close_stream(&s);
	cleanup_run();
	return rc;
}

/* The reply object of a call on a queue or ring, removed at exit and on signals. */
struct call_reply {
	struct endpoint ep;
	char text[ENVELOPE_NAME_MAX + 1];
	struct msgend me;
	char *msg;		/* request envelope: header, name, payload */
	size_t hdr;		/* its header and name */
};

static void call_reply_remove(void *arg)
{
	msgend_remove(arg);
}

/*
 * Make a private reply object of the request endpoint's kind: 0600, an
 * unpredictable name (System V: key:private), big enough for a reply as
 * large as a request. EXIT_OK, or an exit status after reporting.
 */
static int call_reply_open(struct call_reply *r, const struct msgend *req)
{
	struct msgend_opts mo = { .create = true, .mode = 0600, .keep = true };
	const char *why = NULL;
	sigset_t old;
	int rc, err;

	if (envelope_reply_text(req->ep, r->text, sizeof(r->text)) < 0 ||
	    endpoint_parse(r->text, &r->ep, &why) < 0) {
		cmd_warn("cannot name a reply object for '%s'", req->ep->text);
		return EXIT_FAIL;
	}
	/* One reply is outstanding at a time; its size is the request's. */
	mo.maxmsg = r->ep.kind == EP_MQ && !objref_is_sysv(&r->ep.obj) ? 1 : 0;
	mo.msgsize = r->ep.kind == EP_MQ ? req->msgsize : 0;
	for (mo.capacity = 4096; r->ep.kind == EP_SHM && mo.capacity < 2 * req->msgsize + 4096;)
		mo.capacity *= 2;
	cleanup_hold(&old);
	rc = msgend_open(&r->me, &r->ep, MSGEND_RECEIVER, &mo, &why);
	err = errno;
	if (rc == 0)
		cleanup_push(call_reply_remove, &r->me);
	cleanup_release(&old);
	if (rc < 0) {
		errno = err;
		if (why)
			cmd_warnx("cannot create a reply object '%s': %s", r->text, why);
		else
			cmd_warn("cannot create a reply object '%s'", r->text);
		return EXIT_FAIL;
	}
	/* A System V object is named by the id it got. */
	if (objref_is_sysv(&r->ep.obj) &&
	    snprintf(r->text, sizeof(r->text), "%s:id:%d", r->ep.kind == EP_MQ ? "mq" : "shm",
		     r->me.id) < 0) {
		cmd_warn("cannot name a reply object for '%s'", req->ep->text);
		return EXIT_FAIL;
	}
	r->msg = malloc(req->msgsize);
	if (!r->msg) {
		cmd_warn("cannot allocate memory");
		return EXIT_FAIL;
	}
	r->hdr = ENVELOPE_HEADER + strlen(r->text);
	if (r->hdr >= req->msgsize) {
		cmd_warnx("'%s': its message size (%zu bytes) leaves no room for a request",
			  req->ep->text, req->msgsize);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * Wait for the reply to request id on r (until d): 1 with the payload in
 * *rep, or msgend_recv's failure. A message that is not that reply (no
 * envelope, another id: nobody else should write here) is skipped.
 */
static int call_reply_recv(const struct endpoint *ep, struct call_reply *r, uint64_t id,
			   char *rbuf, struct xfer_msg *rep, int *cut, const struct deadline *d)
{
	for (;;) {
		struct envelope e;
		const char *why = "not a reply";
		size_t len = 0;
		int rc = msgend_recv(&r->me, rbuf, &len, &rep->meta, d);

		if (rc <= 0)
			return rc;
		if (envelope_parse(rbuf, len, &e, &why) == ENVELOPE_REPLY && e.id == id) {
			rep->data = e.payload;
			rep->len = e.len;
			*cut = e.signal;
			return 1;
		}
		cmd_warnx("'%s': a message in the reply object that is not the reply to this "
			  "request (%s): skipped", ep->text,
			  e.type == ENVELOPE_REPLY ? "another request's id" : why);
	}
}

/*
 * Message endpoints: each request is one message, answered by one reply
 * before the next request goes. A unix-dgram: caller binds an abstract
 * address of the kernel's choosing (autobind) for the server to reply to;
 * a connected datagram socket takes datagrams only from the server's
 * address. Queues and rings have no return address: the request goes in
 * an envelope naming a private reply object (r), where the reply comes.
 */
static int call_msg(const struct xfer_opts *o, const struct endpoint *ep, const char **msgs,
		    int nmsgs, bool json)
{
	struct xfer_source src;
	struct xfer_sink dst;
	struct msgend me;
	struct call_reply r = { .msg = NULL };
	bool queue = ep->kind == EP_MQ || ep->kind == EP_SHM;
	struct deadline d, wd;
	uint64_t sent = 0;
	size_t limit;
	char *rbuf = NULL;
	int rc, i;

	rc = xfer_open_msg(&me, o, ep, XFER_SENDER);
	if (rc != EXIT_OK) {
		cleanup_run();
		return rc;
	}
	if (ep->kind == EP_UNIX_DGRAM) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };

		if (bind(me.fd, (struct sockaddr *)&sun, sizeof(sa_family_t)) < 0 &&
		    errno != EINVAL) {
			cmd_warn("cannot bind a reply address for '%s'", ep->text);
			rc = EXIT_FAIL;
		}
	}
	if (rc == EXIT_OK && queue)
		rc = call_reply_open(&r, &me);
	/* What a request may hold: the message size, less the envelope. */
	limit = queue ? me.msgsize - r.hdr : me.msgsize;
	memset(&src, 0, sizeof(src));
	memset(&dst, 0, sizeof(dst));
	if (rc == EXIT_OK &&
	    !(rbuf = malloc(queue ? r.me.msgsize + 1 : me.msgsize ? me.msgsize : 1))) {
		cmd_warn("cannot allocate memory");
		rc = EXIT_FAIL;
	}
	if (rc == EXIT_OK && xfer_sink_fd(&dst, o, STDOUT_FILENO, NULL, json,
					     queue ? r.me.msgsize : me.msgsize) < 0)
		rc = EXIT_FAIL;
	if (rc == EXIT_OK && nmsgs > 0) {
		xfer_source_args(&src, o, msgs, nmsgs);
		/* Refuse before sending anything. */
		for (i = 0; i < nmsgs; i++)
			if (strlen(msgs[i]) > limit) {
				rc = xfer_too_large(ep, "message", strlen(msgs[i]), false, limit);
				break;
			}
	} else if (rc == EXIT_OK && xfer_source_fd(&src, o, STDIN_FILENO, NULL, limit, ep) < 0) {
		rc = EXIT_FAIL;
	}
	/* udp: a request to a port nobody has bound yet is refused (an ICMP
	 * error, the datagram dropped): --wait sends it again meanwhile. */
	deadline_start(&wd, xfer_open_ms(o));
	while (rc == EXIT_OK) {
		struct xfer_msg req = { 0 }, rep = { 0 };
		uint64_t id = envelope_random();
		unsigned step = 0;
		size_t len = 0;
		int cut = 0, r2 = src.next(&src, &req, NULL);

		if (r2 == XFER_END)
			break;
		if (r2 < 0) {
			rc = src.failed(&src, sent);
			break;
		}
		if (queue) {
			/* The envelope: header, reply name, then the request. */
			envelope_header(r.msg, r.hdr, ENVELOPE_REQUEST, id, r.text);
			memcpy(r.msg + r.hdr, req.data, req.len);
			req.data = r.msg;
			req.len += r.hdr;
		}
		for (;;) {
			if (msgend_send(&me, req.data, req.len, NULL, xfer_deadline(o, &d)) < 0) {
				rc = xfer_send_failed(o, &me, req.len, sent);
				break;
			}
			if (queue) {
				r2 = call_reply_recv(ep, &r, id, rbuf, &rep, &cut, xfer_deadline(o, &d));
				break;
			}
			r2 = msgend_recv(&me, rbuf, &len, &rep.meta, xfer_deadline(o, &d));
			rep.data = rbuf;
			rep.len = len;
			if (r2 >= 0 || errno != ECONNREFUSED || ep->kind != EP_UDP || sent > 0 ||
			    !o->wait)
				break;
			if (deadline_passed(&wd)) {
				cmd_warnx("timed out waiting for a server on '%s'", ep->text);
				rc = EXIT_TIMEOUT;
				break;
			}
			deadline_backoff(&wd, &step);
		}
		if (rc != EXIT_OK)
			break;
		if (src.take)
			src.take(&src);
		sent++;
		if (r2 == MSGEND_EOS) {
			cmd_warnx("'%s': the peer closed the connection before replying", ep->text);
			rc = EXIT_FAIL;
			break;
		}
		if (r2 < 0) {
			rc = errno == ETIMEDOUT ? xfer_recv_timed_out(o, ep, sent - 1, true)
				: xfer_recv_failed(o, queue ? &r.me : &me, sent - 1);
			break;
		}
		/* Each reply is out before the next request goes. */
		if (dst.put(&dst, &rep, NULL) < 0 || (dst.flush && dst.flush(&dst) < 0)) {
			rc = dst.failed(&dst, NULL, sent);
			break;
		}
		if (cut) {
			cmd_warnx("'%s': the server's command was killed by signal %d (%s) before it "
				  "ended: its reply may be cut short", ep->text, cut, strsignal(cut));
			rc = EXIT_FAIL;
			break;
		}
	}
	xfer_source_free(&src);
	xfer_sink_free(&dst);
	free(rbuf);
	free(r.msg);
	msgend_close(&me);
	msgend_close(&r.me);
	/* Removes the reply object. */
	cleanup_run();
	return rc;
}

/* Which endpoints call takes: sockets, queues and rings. */
static int call_check(const struct xfer_opts *o, const struct endpoint *ep)
{
	if (ep->kind == EP_STDIO || ep->kind == EP_FIFO)
		return cmd_usage_error("'%s': call takes sockets, queues and rings: unix:, tcp:, "
				       "unix-seqpacket:, unix-dgram:, udp:, mq:, shm:", ep->text);
	if (endpoint_is_message(ep))
		return xfer_check_msg(o, ep, XFER_SENDER);
	return xfer_check_stream_socket(o, ep);
}

int cmd_call(int argc, const char **argv)
{
	struct call_opts co = { .quit_ms = -1, .half_close = true };
	struct xfer_opts o;
	struct endpoint ep;
	poptContext pc;
	const char **args;
	int opt, nargs, rc, bad = 0;

	xfer_options_pick(call_xfer_options, sizeof(call_xfer_options) / sizeof(call_xfer_options[0]),
			  call_xfer_names);
	pc = cmd_popt(argc, argv, call_options);
	xfer_opts_init(&o);
	o.caller = true;
	while ((opt = cmd_popt_next(pc)) > 0) {
		if (opt == CALL_QUIT) {
			char *arg = poptGetOptArg(pc);

			bad |= cmd_opt_duration("--quit-after", arg, &co.quit_ms) < 0;
			free(arg);
		} else if (opt == CALL_NO_HALF_CLOSE) {
			co.half_close = false;
		} else if (opt == CALL_JSON) {
			co.json = true;
		} else {
			xfer_opts_parse(&o, pc, opt);
		}
	}
	args = cmd_popt_args(pc, &nargs);
	if (opt < 0 || bad || xfer_check(&o) != EXIT_OK)
		rc = EXIT_USAGE;
	else if (nargs < 1)
		rc = cmd_usage_error("missing ENDPOINT");
	else if (xfer_parse_endpoint(&o, args[0], &ep) < 0)
		rc = EXIT_USAGE;
	else if ((rc = call_check(&o, &ep)) != EXIT_OK)
		;
	else if (endpoint_is_message(&ep) && (co.quit_ms >= 0 || !co.half_close))
		rc = cmd_usage_error("%s applies to stream sockets, not '%s'",
				     co.quit_ms >= 0 ? "--quit-after" : "--no-half-close", ep.text);
	else if (!endpoint_is_message(&ep) && co.json)
		rc = cmd_usage_error("--json applies to message sockets, not '%s'", ep.text);
	else {
		cleanup_signals();
		if (endpoint_is_message(&ep))
			rc = call_msg(&o, &ep, args + 1, nargs - 1, co.json);
		else
			rc = call_stream(&o, &co, &ep, args + 1, nargs - 1);
	}
	poptFreeContext(pc);
	return rc;
}
