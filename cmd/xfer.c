/*
 * The transfer engine's options, endpoint arguments, usage checks and
 * failure reports (cmd/xfer.h).
 */
#include "xfer.h"

#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../lib/copy.h"
#include "../lib/transport.h"
#include "cmd.h"

/* Options. */

enum {
	XOPT_FRAMING = 0x1000, /* above every command's own val codes */
	XOPT_NULL,
	XOPT_COUNT,
	XOPT_TIMEOUT,
	XOPT_NONBLOCK,
	XOPT_PRIORITY,
	XOPT_TYPE,
	XOPT_CREATE,
	XOPT_MODE,
	XOPT_REUSE,
	XOPT_MAXMSG,
	XOPT_MSGSIZE,
	XOPT_CAPACITY,
	XOPT_RM,
	XOPT_EOF,
	XOPT_LISTEN,
	XOPT_CONNECT,
	XOPT_BUFFER,
	XOPT_PROGRESS,
	XOPT_STATS,
	XOPT_WAIT,
	XOPT_ALLOW_UID,
	XOPT_ALLOW_GID,
	XOPT_DEAD_LETTER,
	XOPT_END,
};

struct poptOption xfer_options[] = {
	{ "framing", 'F', POPT_ARG_STRING, NULL, XOPT_FRAMING,
	  "how input is cut into messages: line, null, chunk or whole", "FRAMING" },
	{ "null", '0', POPT_ARG_NONE, NULL, XOPT_NULL, "same as --framing null", NULL },
	{ "count", 'c', POPT_ARG_STRING, NULL, XOPT_COUNT, "stop after N messages (lines on streams)", "N" },
	{ "timeout", 't', POPT_ARG_STRING, NULL, XOPT_TIMEOUT,
	  "exit 124 when nothing arrives or is accepted for DURATION", "DURATION" },
	{ "nonblock", 'n', POPT_ARG_NONE, NULL, XOPT_NONBLOCK, "same as --timeout 0", NULL },
	{ "priority", 'p', POPT_ARG_STRING, NULL, XOPT_PRIORITY, "priority of messages sent (POSIX queues)", "N" },
	{ "type", '\0', POPT_ARG_STRING, NULL, XOPT_TYPE, "message type (System V queues)", "N" },
	{ "create", '\0', POPT_ARG_NONE, NULL, XOPT_CREATE, "create the object (exclusively)", NULL },
	{ "mode", '\0', POPT_ARG_STRING, NULL, XOPT_MODE, "mode of what --create makes (default 0600)", "MODE" },
	{ "reuse", '\0', POPT_ARG_NONE, NULL, XOPT_REUSE,
	  "use an existing object, or replace a stale socket file", NULL },
	{ "maxmsg", '\0', POPT_ARG_STRING, NULL, XOPT_MAXMSG, "queue depth for --create", "N" },
	{ "msgsize", '\0', POPT_ARG_STRING, NULL, XOPT_MSGSIZE, "message size for --create", "SIZE" },
	{ "capacity", '\0', POPT_ARG_STRING, NULL, XOPT_CAPACITY, "ring capacity for --create", "SIZE" },
	{ "rm", '\0', POPT_ARG_NONE, NULL, XOPT_RM, "remove the object on exit (also on SIGINT/SIGTERM)", NULL },
	{ "eof", '\0', POPT_ARG_NONE, NULL, XOPT_EOF, "send: end with an empty message; recv: stop at one", NULL },
	{ "listen", 'l', POPT_ARG_NONE, NULL, XOPT_LISTEN, "listen on a socket endpoint", NULL },
	{ "connect", '\0', POPT_ARG_NONE, NULL, XOPT_CONNECT, "connect to a socket endpoint", NULL },
	{ "buffer", 'b', POPT_ARG_STRING, NULL, XOPT_BUFFER, "bytes per read or splice (default 1M, at least 128K)", "SIZE" },
	{ "progress", 'P', POPT_ARG_NONE, NULL, XOPT_PROGRESS, "show a live progress line on stderr", NULL },
	{ "stats", '\0', POPT_ARG_NONE, NULL, XOPT_STATS, "print a summary on stderr at exit (rate over the active transfer)", NULL },
	{ "wait", 'w', POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL, NULL, XOPT_WAIT,
	  "wait for the peer, listener or FIFO to appear (at most DURATION)", "DURATION" },
	{ "allow-uid", '\0', POPT_ARG_STRING, NULL, XOPT_ALLOW_UID,
	  "unix: listener: also take peers of these users (default: own user and root)", "LIST" },
	{ "dead-letter", '\0', POPT_ARG_STRING, NULL, XOPT_DEAD_LETTER,
	  "recv, relay: a queue's message that cannot be put back goes to FILE", "FILE" },
	{ "allow-gid", '\0', POPT_ARG_STRING, NULL, XOPT_ALLOW_GID,
	  "unix: listener: also take peers of these groups", "LIST" },
	POPT_TABLEEND
};

_Static_assert(sizeof(xfer_options) / sizeof(xfer_options[0]) <= XFER_OPTIONS_MAX,
	       "XFER_OPTIONS_MAX is too small for a copy of xfer_options");

size_t xfer_options_pick(struct poptOption *out, size_t max, const char *const *names)
{
	size_t n = 0, i;

	for (; *names; names++)
		for (i = 0; xfer_options[i].longName || xfer_options[i].shortName; i++)
			if (xfer_options[i].longName && strcmp(xfer_options[i].longName, *names) == 0 &&
			    n + 1 < max)
				out[n++] = xfer_options[i];
	out[n] = (struct poptOption)POPT_TABLEEND;
	return n;
}

size_t xfer_options_hiding(struct poptOption *out, size_t max, const char *const *hidden)
{
	size_t n = 0, i;
	const char *const *h;

	for (i = 0; (xfer_options[i].longName || xfer_options[i].shortName) && n + 1 < max; i++) {
		out[n] = xfer_options[i];
		for (h = hidden; *h; h++)
			if (out[n].longName && strcmp(out[n].longName, *h) == 0)
				out[n].argInfo |= POPT_ARGFLAG_DOC_HIDDEN;
		n++;
	}
	out[n] = (struct poptOption)POPT_TABLEEND;
	return n;
}

void xfer_opts_init(struct xfer_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout_ms = -1;
	o->wait_ms = -1;
	o->framing = FRAMING_LINE;
	o->bufsize = COPY_BUFSIZE_DEFAULT;
	o->mode = 0600;
}

/* A comma list of users or groups (names or numbers) into a. */
static int xfer_parse_allow(struct sock_allow *a, const char *opt, const char *arg, bool groups)
{
	char *copy = strdup(arg), *item, *save = NULL;
	int rc = 0;

	if (!copy) {
		cmd_warn("cannot allocate memory");
		return -1;
	}
	for (item = strtok_r(copy, ",", &save); item && rc == 0; item = strtok_r(NULL, ",", &save)) {
		long long n;
		const char *err = NULL;
		size_t *count = groups ? &a->ngids : &a->nuids;

		n = strtonum(item, 0, UINT32_MAX - 1, &err);
		if (err && groups) {
			struct group *gr = getgrnam(item);

			n = gr ? (long long)gr->gr_gid : -1;
		} else if (err) {
			struct passwd *pw = getpwnam(item);

			n = pw ? (long long)pw->pw_uid : -1;
		}
		if (n < 0) {
			cmd_warnx("%s: '%s' is not a %s (expected a name or a number)", opt, item,
				  groups ? "group" : "user");
			rc = -1;
		} else if (*count == SOCK_ALLOW_MAX) {
			cmd_warnx("%s: more than %d entries", opt, SOCK_ALLOW_MAX);
			rc = -1;
		} else if (groups) {
			a->gids[a->ngids++] = (gid_t)n;
		} else {
			a->uids[a->nuids++] = (uid_t)n;
		}
	}
	free(copy);
	return rc;
}

/* One option with its argument: 0, or -1 after reporting a bad value. */
static int xfer_opts_apply(struct xfer_opts *o, poptContext pc, int opt, const char *arg)
{
	long long n;
	int rc = 0;

	switch (opt) {
	case XOPT_FRAMING:
		o->framing_set = true;
		if (framing_parse(arg, &o->framing) < 0) {
			cmd_warnx("--framing: '%s' is not a framing (expected line, null, chunk or whole)", arg);
			return -1;
		}
		return 0;
	case XOPT_NULL:
		o->framing = FRAMING_NULL;
		o->framing_set = true;
		return 0;
	case XOPT_COUNT:
		rc = cmd_opt_number("--count", arg, 1, LLONG_MAX, &n);
		o->count = (uint64_t)n;
		return rc;
	case XOPT_TIMEOUT:
		snprintf(o->timeout_text, sizeof(o->timeout_text), "%s", arg);
		return cmd_opt_duration("--timeout", arg, &o->timeout_ms);
	case XOPT_NONBLOCK:
		o->timeout_ms = 0;
		strcpy(o->timeout_text, "0s");
		return 0;
	case XOPT_PRIORITY:
		o->priority_set = true;
		return cmd_opt_number("--priority", arg, 0, 32767, &o->priority);
	case XOPT_TYPE:
		o->type_set = true;
		return cmd_opt_number("--type", arg, LONG_MIN + 1, LONG_MAX, &o->type);
	case XOPT_CREATE:
		o->create = true;
		return 0;
	case XOPT_MODE:
		o->mode_set = true;
		return cmd_opt_mode("--mode", arg, &o->mode);
	case XOPT_REUSE:
		o->reuse = true;
		return 0;
	case XOPT_MAXMSG:
		return cmd_opt_size("--maxmsg", arg, 1, INT32_MAX, &o->maxmsg);
	case XOPT_MSGSIZE:
		return cmd_opt_size("--msgsize", arg, 1, INT32_MAX, &o->msgsize);
	case XOPT_CAPACITY:
		return cmd_opt_capacity(arg, &o->capacity);
	case XOPT_RM:
		o->rm = true;
		return 0;
	case XOPT_EOF:
		o->eof = true;
		return 0;
	case XOPT_LISTEN:
		o->listen = true;
		return 0;
	case XOPT_CONNECT:
		o->connect = true;
		return 0;
	case XOPT_BUFFER:
		return cmd_opt_size("--buffer", arg, COPY_BUFSIZE_MIN, 1u << 30, &o->bufsize);
	case XOPT_PROGRESS:
		o->progress = true;
		return 0;
	case XOPT_STATS:
		o->stats = true;
		return 0;
	case XOPT_ALLOW_UID:
		return xfer_parse_allow(&o->allow, "--allow-uid", arg, false);
	case XOPT_ALLOW_GID:
		return xfer_parse_allow(&o->allow, "--allow-gid", arg, true);
	case XOPT_DEAD_LETTER:
		if (!arg || !*arg) {
			cmd_warnx("--dead-letter: a FILE is needed");
			return -1;
		}
		if (strlen(arg) >= sizeof(o->dead_letter)) {
			cmd_warnx("--dead-letter: '%s' is longer than PATH_MAX", arg);
			return -1;
		}
		strcpy(o->dead_letter, arg);
		return 0;
	case XOPT_WAIT:
		o->wait = true;
		if (arg && (strchr(arg, ':') || strcmp(arg, "-") == 0)) {
			/* popt took the endpoint after a bare --wait: give it back. */
			const char *back[] = { arg, NULL };

			poptStuffArgs(pc, back);
		} else if (arg) {
			return cmd_opt_duration("--wait", arg, &o->wait_ms);
		}
		return 0;
	}
	return 0;
}

bool xfer_opts_parse(struct xfer_opts *o, poptContext pc, int opt)
{
	char *arg;

	if (opt < XOPT_FRAMING || opt >= XOPT_END)
		return false;
	arg = poptGetOptArg(pc);
	if (xfer_opts_apply(o, pc, opt, arg) < 0)
		o->error = true;
	free(arg);
	return true;
}

int xfer_check(const struct xfer_opts *o)
{
	if (o->error)
		return EXIT_USAGE;
	if (o->listen && o->connect)
		return cmd_usage_error("--listen and --connect exclude each other");
	return EXIT_OK;
}

int xfer_parse_endpoint(const struct xfer_opts *o, const char *text, struct endpoint *ep)
{
	static char with_scheme[2][PATH_MAX + 32];
	static int next;
	const char *why;

	if (o->scheme) {
		/* `mq send /q`: the OBJECT is the endpoint mq:/q; ep->text
		 * points into the buffer, so relay's two alternate. */
		char *buf = with_scheme[next++ % 2];

		snprintf(buf, sizeof(with_scheme[0]), "%s:%s", o->scheme, text);
		text = buf;
	}
	if (endpoint_parse(text, ep, &why) == 0)
		return 0;
	cmd_warnx("'%s' is %s", text, why);
	return -1;
}

/*
 * Usage checks: what the transport table says an endpoint's transport takes
 * (its TP_* capabilities), never its kind.
 */

/* Queues are the transports with a depth. */
static bool xfer_is_queue(const struct endpoint *ep)
{
	return endpoint_can(ep, TP_MAXMSG);
}

/*
 * --mode and --reuse say how --create makes an object; a listening socket
 * (which makes its file) takes them alone. Elsewhere they would be ignored.
 */
static int xfer_check_create(const struct xfer_opts *o, const struct endpoint *ep)
{
	if (o->create || endpoint_can(ep, TP_SOCKET) || (!o->mode_set && !o->reuse))
		return EXIT_OK;
	return cmd_usage_error("%s applies with --create (or to a listening socket), not alone "
			       "on '%s'", o->mode_set ? "--mode" : "--reuse", ep->text);
}

/* --allow-uid/--allow-gid for unix sockets only; no --mode where there is no file. */
static int xfer_check_unix(const struct xfer_opts *o, const struct endpoint *ep)
{
	if ((o->allow.nuids || o->allow.ngids) && !endpoint_can(ep, TP_ABSTRACT))
		return cmd_usage_error("%s applies to unix: sockets, not '%s'",
				       o->allow.nuids ? "--allow-uid" : "--allow-gid", ep->text);
	if (o->mode_set && ep->is_abstract && endpoint_can(ep, TP_ABSTRACT))
		return cmd_usage_error("--mode: '%s' is an abstract socket, which has no file "
				       "mode (it takes only its own user's peers; --allow-uid "
				       "and --allow-gid add others)", ep->text);
	return EXIT_OK;
}

int xfer_check_stream(const struct xfer_opts *o, const struct endpoint *ep)
{
	const char *opt = o->priority_set && !endpoint_can(ep, TP_PRIORITY) ? "--priority"
			  : o->type_set && !endpoint_can(ep, TP_TYPE)	      ? "--type"
			  : o->maxmsg && !endpoint_can(ep, TP_MAXMSG)	      ? "--maxmsg"
			  : o->msgsize && !endpoint_can(ep, TP_MSGSIZE)	      ? "--msgsize"
			  : o->capacity && !endpoint_can(ep, TP_CAPACITY)     ? "--capacity"
									      : NULL;
	int rc = xfer_check_unix(o, ep);

	if (rc != EXIT_OK)
		return rc;
	if (opt)
		return cmd_usage_error("%s applies to message queues and rings, not '%s'", opt,
				       ep->text);
	if ((o->create && !endpoint_can(ep, TP_CREATE)) ||
	    (o->reuse && !endpoint_can(ep, TP_REUSE)))
		return cmd_usage_error("%s applies to fifo:, mq: and shm: endpoints, not '%s'",
				       o->create && !endpoint_can(ep, TP_CREATE) ? "--create"
										: "--reuse",
				       ep->text);
	if (o->rm && !endpoint_can(ep, TP_RM))
		return cmd_usage_error("--rm applies to objects, not '%s'", ep->text);
	if (xfer_check_create(o, ep) != EXIT_OK)
		return EXIT_USAGE;
	if (!endpoint_can(ep, TP_SOCKET) && (o->listen || o->connect))
		return cmd_usage_error("%s applies to socket endpoints, not '%s'",
				       o->listen ? "--listen" : "--connect", ep->text);
	return EXIT_OK;
}

int xfer_check_stream_socket(const struct xfer_opts *o, const struct endpoint *ep)
{
	static const char forms[] = "sockets only: unix:, tcp:, unix-seqpacket:, unix-dgram:, udp:";

	if (!endpoint_is_socket(ep))
		return cmd_usage_error("'%s': %s takes %s", ep->text, cmd_current->name, forms);
	return xfer_check_stream(o, ep);
}

/* What every use of a message endpoint checks; --priority and --type aside. */
static int xfer_check_msg_objects(const struct xfer_opts *o, const struct endpoint *ep)
{
	int rc = xfer_check_unix(o, ep);

	if (rc != EXIT_OK)
		return rc;
	if (o->capacity && !endpoint_can(ep, TP_CAPACITY))
		return cmd_usage_error("--capacity applies to shm: rings, not '%s'", ep->text);
	if (o->capacity && !o->create)
		return cmd_usage_error("--capacity applies to rings made with --create");
	if (xfer_is_queue(ep) && (o->maxmsg || o->msgsize) && !o->create)
		return cmd_usage_error("%s applies to queues made with --create",
				       o->maxmsg ? "--maxmsg" : "--msgsize");
	/* (A ring takes --maxmsg and --msgsize without a word: its sizes
	 * come from --capacity.) */
	if (endpoint_can(ep, TP_SOCKET) && o->maxmsg)
		return cmd_usage_error("--maxmsg applies to queues, not '%s'", ep->text);
	if (o->create && !endpoint_can(ep, TP_CREATE))
		return cmd_usage_error("--create applies to fifo:, mq: and shm: endpoints, not '%s'",
				       ep->text);
	if (!endpoint_can(ep, TP_SOCKET) && (o->listen || o->connect))
		return cmd_usage_error("%s applies to socket endpoints, not '%s'",
				       o->listen ? "--listen" : "--connect", ep->text);
	if (xfer_is_queue(ep) && ep->obj.is_private && !o->create)
		return cmd_usage_error("'%s': key:private names a new queue: use it with --create",
				       ep->text);
	return xfer_check_create(o, ep);
}

int xfer_check_msg(const struct xfer_opts *o, const struct endpoint *ep, enum xfer_role role)
{
	if (o->priority_set && !endpoint_can(ep, TP_PRIORITY))
		return cmd_usage_error("--priority applies to POSIX queues (mq:/NAME), not '%s'",
				       ep->text);
	if (o->type_set && !endpoint_can(ep, TP_TYPE))
		return cmd_usage_error("--type applies to System V queues (mq:key:, mq:id:, "
				       "mq:ftok:), not '%s'", ep->text);
	if (o->priority_set && role == XFER_RECEIVER)
		return cmd_usage_error("--priority sets the priority of messages sent; recv takes "
				       "every priority, highest first");
	if (o->type_set && role == XFER_SENDER && o->type <= 0)
		return cmd_usage_error("--type: '%lld' is not a message type to send "
				       "(expected a number above 0)", o->type);
	return xfer_check_msg_objects(o, ep);
}

/* Which of relay's side options ep takes. */
enum {
	XSIDE_CREATE = 1 << 0, XSIDE_REUSE = 1 << 1, XSIDE_MODE = 1 << 2, XSIDE_RM = 1 << 3,
	XSIDE_CAPACITY = 1 << 4, XSIDE_MAXMSG = 1 << 5, XSIDE_MSGSIZE = 1 << 6,
	XSIDE_ALLOW = 1 << 7,
};

static unsigned xfer_side_takes(const struct endpoint *ep)
{
	unsigned t = 0;

	if (endpoint_can(ep, TP_CREATE))
		t |= XSIDE_CREATE | XSIDE_MODE | XSIDE_REUSE;
	if (endpoint_can(ep, TP_REUSE))
		t |= XSIDE_REUSE;
	if (endpoint_can(ep, TP_SOCKET) && endpoint_can(ep, TP_ABSTRACT) && !ep->is_abstract)
		t |= XSIDE_MODE | XSIDE_REUSE;
	if (endpoint_can(ep, TP_RM))
		t |= XSIDE_RM;
	if (endpoint_can(ep, TP_CAPACITY))
		t |= XSIDE_CAPACITY;
	if (endpoint_can(ep, TP_MAXMSG))
		t |= XSIDE_MAXMSG;
	if (endpoint_can(ep, TP_MAXMSG) || endpoint_can(ep, TP_CAPACITY))
		t |= XSIDE_MSGSIZE;
	if (endpoint_can(ep, TP_ABSTRACT))
		t |= XSIDE_ALLOW;
	return t;
}

void xfer_relay_side(struct xfer_opts *v, const struct xfer_opts *o, const struct endpoint *ep,
		     const struct endpoint *other, enum xfer_role role)
{
	/* What the other side takes and this one does not is the other's. */
	unsigned drop = xfer_side_takes(other) & ~xfer_side_takes(ep);

	*v = *o;
	if (role == XFER_RECEIVER)
		v->listen = false;
	else
		v->connect = false;
	if (drop & XSIDE_CREATE)
		v->create = false;
	if (drop & XSIDE_REUSE)
		v->reuse = false;
	if (drop & XSIDE_MODE)
		v->mode_set = false;
	if (drop & XSIDE_RM)
		v->rm = false;
	if (drop & XSIDE_CAPACITY)
		v->capacity = 0;
	if (drop & XSIDE_MAXMSG)
		v->maxmsg = 0;
	if (drop & XSIDE_MSGSIZE)
		v->msgsize = 0;
	if (drop & XSIDE_ALLOW)
		memset(&v->allow, 0, sizeof(v->allow));
}

int xfer_check_relay(const struct xfer_opts *all, const struct endpoint *src,
		     const struct endpoint *dst)
{
	bool src_msg = endpoint_is_message(src), dst_msg = endpoint_is_message(dst);
	struct xfer_opts so, dopt, *o = &dopt;
	int rc = EXIT_OK;

	xfer_relay_side(&so, all, src, dst, XFER_RECEIVER);
	xfer_relay_side(&dopt, all, dst, src, XFER_SENDER);
	if (all->listen && !endpoint_can(dst, TP_SOCKET))
		return cmd_usage_error("--listen applies to socket endpoints, not '%s' (it is "
				       "DEST's)", dst->text);
	if (all->connect && !endpoint_can(src, TP_SOCKET))
		return cmd_usage_error("--connect applies to socket endpoints, not '%s' (it is "
				       "SOURCE's)", src->text);

	if (o->priority_set && !endpoint_can(dst, TP_PRIORITY))
		return cmd_usage_error("--priority sets the priority on a POSIX queue DEST, not '%s'",
				       dst->text);
	if (o->type_set && !endpoint_can(src, TP_TYPE))
		return cmd_usage_error("--type selects messages from a System V queue SOURCE, "
				       "not '%s'", src->text);
	if (o->count && !src_msg && !dst_msg)
		return cmd_usage_error("--count counts messages: SOURCE or DEST must be a "
				       "message endpoint");
	/* A stream side next to a message side is checked as that side's
	 * framing input or output only (as before: not at all). */
	if (src_msg)
		rc = xfer_check_msg_objects(&so, src);
	else if (!dst_msg)
		rc = xfer_check_stream(&so, src);
	if (rc == EXIT_OK && dst_msg)
		rc = xfer_check_msg_objects(o, dst);
	else if (rc == EXIT_OK && !src_msg)
		rc = xfer_check_stream(o, dst);
	return rc;
}

/* Failure reports. */

int xfer_recv_timed_out(const struct xfer_opts *o, const struct endpoint *ep, uint64_t received,
			bool has_end)
{
	if (received > 0 && !has_end)
		return EXIT_OK;
	/* recv -q: an empty poll says so by the exit status alone. */
	if (received == 0 && !o->quiet)
		cmd_warnx("timed out: nothing arrived on '%s' within %s", ep->text,
			  o->timeout_text);
	else if (received > 0)
		cmd_warnx("timed out: nothing more arrived on '%s' within %s (%" PRIu64
			  " %s%s received)", ep->text, o->timeout_text, received,
			  endpoint_is_message(ep) ? "message" : "byte", received == 1 ? "" : "s");
	return EXIT_TIMEOUT;
}

int xfer_send_timed_out(const struct xfer_opts *o, const struct endpoint *ep, uint64_t sent)
{
	if (sent == 0)
		cmd_warnx("timed out: '%s' accepted nothing for %s%s", ep->text, o->timeout_text,
			  endpoint_is_message(ep) ? " (full?)" : "");
	else
		cmd_warnx("timed out: '%s' accepted nothing more for %s (%" PRIu64 " %s%s sent%s)",
			  ep->text, o->timeout_text, sent,
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

int xfer_send_failed(const struct xfer_opts *o, struct msgend *me, size_t len, uint64_t sent)
{
	if (errno == EMSGSIZE)
		return xfer_too_large(me->ep, "message", len, false, me->msgsize);
	if (errno == ETIMEDOUT || errno == EAGAIN)
		return xfer_send_timed_out(o, me->ep, sent);
	if (errno == EPIPE || errno == ECONNRESET || errno == ECONNREFUSED)
		cmd_warnx("cannot send to '%s': %s (the receiver went away)", me->ep->text,
			  strerror(errno));
	else if (errno == EIDRM || errno == EINVAL)
		cmd_warnx("cannot send to '%s': %s (was the queue removed?)", me->ep->text,
			  strerror(errno));
	else if (errno == ENXIO && me->ep->kind == EP_SHM)
		cmd_warnx("cannot send to '%s': %s (the segment was truncated, or a page "
			  "of it was lost in a full /dev/shm)", me->ep->text, strerror(errno));
	else
		cmd_warn("cannot send to '%s'", me->ep->text);
	return EXIT_FAIL;
}

int xfer_recv_failed(const struct xfer_opts *o, struct msgend *me, uint64_t received)
{
	if (errno == ETIMEDOUT || errno == EAGAIN)
		/* A quiet period ends the stream of messages like its end. */
		return xfer_recv_timed_out(o, me->ep, received, o->count || o->eof);
	if (errno == EBADMSG)
		cmd_warnx("cannot receive from '%s': %s (the ring is corrupt)", me->ep->text,
			  strerror(errno));
	else if (errno == ENXIO && me->ep->kind == EP_SHM)
		cmd_warnx("cannot receive from '%s': %s (the segment was truncated, or a page "
			  "of it was lost in a full /dev/shm)", me->ep->text, strerror(errno));
	else if (errno == ECONNRESET && me->ep->kind == EP_SHM)
		cmd_warnx("cannot receive from '%s': %s (the sender died without closing)",
			  me->ep->text, strerror(errno));
	else if (errno == EMSGSIZE)
		cmd_warnx("cannot receive from '%s': a message is larger than %zu bytes "
			  "(--msgsize sets the limit)", me->ep->text, me->msgsize);
	else if (errno == EIDRM || errno == EINVAL)
		cmd_warnx("cannot receive from '%s': %s (was the queue removed?)", me->ep->text,
			  strerror(errno));
	else
		cmd_warn("cannot receive from '%s'", me->ep->text);
	return EXIT_FAIL;
}

int64_t xfer_flush_wait_ms(const struct xfer_opts *o, uint64_t *since)
{
	uint64_t now = clock_now_ns();
	int64_t ms;

	if (!*since)
		*since = now;
	ms = XFER_FLUSH_MS - (int64_t)((now - *since) / 1000000u);
	if (o->timeout_ms >= 0 && o->timeout_ms < ms)
		ms = o->timeout_ms;
	return ms;
}

const struct deadline *xfer_deadline(const struct xfer_opts *o, struct deadline *d)
{
	if (o->timeout_ms < 0)
		return NULL;
	deadline_start(d, o->timeout_ms);
	return d;
}
