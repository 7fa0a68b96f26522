/* Opening stream and message endpoints for send, recv and relay. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/fifo.h"
#include "../lib/parse.h"
#include "../lib/transport.h"
#include "cmd.h"
#include "xfer.h"

bool xfer_listens(const struct xfer_opts *o, const struct endpoint *ep, enum xfer_role role)
{
	if (!endpoint_is_socket(ep))
		return false;
	if (role == XFER_RECEIVER)
		return !o->connect;
	return o->listen;
}

int64_t xfer_open_ms(const struct xfer_opts *o)
{
	return o->wait && o->wait_ms >= 0 ? o->wait_ms : o->timeout_ms;
}

static void xfer_remove_sockfile(void *arg)
{
	sock_file_remove(arg);
}

static void xfer_remove_fifo(void *arg)
{
	struct xfer_stream *s = arg;

	fifo_remove(s->ep->path);
}

const char *xfer_addrinuse_hint(const struct xfer_opts *o, const struct endpoint *ep)
{
	struct stat st;

	if (lstat(ep->path, &st) == 0 && S_ISLNK(st.st_mode))
		return "a symbolic link, which ipctool neither follows nor replaces";
	if (lstat(ep->path, &st) == 0 && !S_ISSOCK(st.st_mode))
		return "not a socket file: ipctool does not replace it";
	if (o->reuse)
		return "a process listens there: --reuse replaces only a stale socket file";
	if (!sock_unix_stale(ep->path))
		return "a process listens there";
	return "a stale socket file: --reuse replaces it";
}

static int xfer_open_failed(const struct xfer_stream *s, const char *what, const char *why)
{
	int err = errno;

	if (err == ETIMEDOUT) {
		cmd_warnx("timed out waiting for %s on '%s'",
			  s->role == XFER_SENDER ? "a receiver" : "a sender", s->ep->text);
		return EXIT_TIMEOUT;
	}
	if (why)
		cmd_warnx("cannot %s '%s': %s", what, s->ep->text, why);
	else if (err == EINVAL && s->ep->kind == EP_FIFO)
		cmd_warnx("cannot %s '%s': not a FIFO", what, s->ep->text);
	else if (err == ELOOP)
		cmd_warnx("cannot %s '%s': a symbolic link, which ipctool does not follow",
			  what, s->ep->text);
	else if (err == ENOENT && s->ep->kind == EP_FIFO && !s->o->create)
		cmd_warnx("cannot %s '%s': %s (create it with --create, or wait with --wait)",
			  what, s->ep->text, strerror(err));
	else if ((err == ENOENT || err == ECONNREFUSED) && s->role == XFER_SENDER)
		cmd_warnx("cannot %s '%s': %s (is a %s listening? --wait waits for one)",
			  what, s->ep->text, strerror(err), s->o->caller ? "server" : "receiver");
	else if (err == EADDRINUSE && s->ep->kind != EP_TCP && !s->ep->is_abstract)
		cmd_warnx("cannot %s '%s': %s (%s)", what, s->ep->text, strerror(err),
			  xfer_addrinuse_hint(s->o, s->ep));
	else
		cmd_warnx("cannot %s '%s': %s", what, s->ep->text, strerror(err));
	return EXIT_FAIL;
}

/* A refused peer: reported, not fatal; the first few only, against a flood. */
#define XFER_REFUSED_REPORTS 10
static void xfer_report_refused(uid_t uid, gid_t gid, pid_t pid, void *arg)
{
	static unsigned reported;
	const struct endpoint *ep = arg;

	if (reported >= XFER_REFUSED_REPORTS)
		return;
	cmd_warnx("'%s': refused a peer of uid %u, gid %u (pid %d): not this user's "
		  "(--allow-uid, --allow-gid)%s", ep->text, (unsigned)uid, (unsigned)gid, (int)pid,
		  ++reported == XFER_REFUSED_REPORTS ? "; further refusals are not reported" : "");
}

void xfer_allow_init(struct sock_allow *a, const struct xfer_opts *o, const struct endpoint *ep)
{
	*a = o->allow;
	/* An abstract socket has no file mode to keep others out; a socket
	 * file has, and is checked only when --allow-* are given. */
	a->check = endpoint_can(ep, TP_ABSTRACT) &&
		   (ep->is_abstract || o->allow.nuids || o->allow.ngids);
	a->refused = xfer_report_refused;
	a->arg = (void *)ep;
}

int xfer_accept(struct xfer_stream *s, const struct deadline *d)
{
	s->fd = sock_accept_allowed(s->lfd, d, &s->allow);
	if (s->fd < 0)
		return xfer_open_failed(s, "accept on", NULL);
	return EXIT_OK;
}

/*
 * A one-connection listener closes its listening socket once it has its
 * peer: a second peer is refused at connect instead of writing into the
 * backlog and being dropped unread. A socket file stays until exit.
 */
static int xfer_accept_one(struct xfer_stream *s, const struct deadline *d)
{
	int rc = xfer_accept(s, d);

	if (rc == EXIT_OK) {
		close(s->lfd);
		s->lfd = -1;
	}
	return rc;
}

static int xfer_open_fifo(struct xfer_stream *s, const struct xfer_opts *o,
			  const struct deadline *d)
{
	const char *path = s->ep->path;
	sigset_t old;

	cleanup_hold(&old);
	if (o->create) {
		if (fifo_create(path, o->mode, o->reuse, &s->fifo_created) < 0) {
			cleanup_release(&old);
			struct stat st;
			bool link = errno == EEXIST && lstat(path, &st) == 0 && S_ISLNK(st.st_mode);

			if (link)
				cmd_warnx("cannot create '%s': %s (a symbolic link, which ipctool "
					  "does not follow)", s->ep->text, strerror(EEXIST));
			else if (errno == EEXIST && o->reuse)
				cmd_warnx("cannot create '%s': %s (and is not a FIFO)", s->ep->text,
					  strerror(EEXIST));
			else if (errno == EEXIST)
				cmd_warnx("cannot create '%s': %s (--reuse uses an existing FIFO)",
					  s->ep->text, strerror(errno));
			else
				cmd_warn("cannot create '%s'", s->ep->text);
			return EXIT_FAIL;
		}
	}
	if (o->rm)
		cleanup_push(xfer_remove_fifo, s);
	cleanup_release(&old);
	if (s->role == XFER_SENDER)
		s->fd = fifo_open_write(path, d, o->wait);
	else
		s->fd = fifo_open_read(path, d, o->wait);
	if (s->fd < 0)
		return xfer_open_failed(s, "open", NULL);
	fifo_grow(s->fd, o->bufsize);
	return EXIT_OK;
}

int xfer_open_stream(struct xfer_stream *s, const struct xfer_opts *o, const struct endpoint *ep,
		     enum xfer_role role, bool defer_accept)
{
	struct deadline d;
	const char *why = NULL;

	memset(s, 0, sizeof(*s));
	s->o = o;
	s->ep = ep;
	s->role = role;
	s->fd = s->lfd = s->keepfd = -1;
	xfer_allow_init(&s->allow, o, ep);
	deadline_start(&d, xfer_open_ms(o));
	switch (ep->kind) {
	case EP_STDIO:
		s->fd = role == XFER_SENDER ? STDOUT_FILENO : STDIN_FILENO;
		return EXIT_OK;
	case EP_FIFO:
		return xfer_open_fifo(s, o, &d);
	case EP_UNIX:
	case EP_TCP:
		break;
	default:
		/* Message endpoints go through xfer_open_msg, never here. */
		cmd_warnx("'%s' is not a stream endpoint", ep->text);
		return EXIT_FAIL;
	}
	if (xfer_listens(o, ep, role)) {
		struct sock_listen_opts lo = { .mode = o->mode, .reuse = o->reuse };
		sigset_t old;

		cleanup_hold(&old);
		s->lfd = sock_listen(ep, &lo, &s->sockfile, &why);
		if (s->lfd >= 0)
			cleanup_push(xfer_remove_sockfile, &s->sockfile);
		cleanup_release(&old);
		if (s->lfd < 0)
			return xfer_open_failed(s, "listen on", why);
		if (defer_accept)
			return EXIT_OK;
		deadline_start(&d, o->timeout_ms);
		return xfer_accept_one(s, &d);
	}
	s->fd = sock_connect(ep, &d, o->wait, &why);
	if (s->fd < 0)
		return xfer_open_failed(s, "connect to", why);
	return EXIT_OK;
}

/* How long a sender waits for the receiver's close without -t. */
#define XFER_CONFIRM_MS 2000

int xfer_stream_confirm(struct xfer_stream *s)
{
	struct pollfd pfd = { .fd = s->fd, .events = POLLIN };
	struct deadline d;
	char buf[512];
	ssize_t n;
	int rc;

	if (s->ep->kind != EP_UNIX && s->ep->kind != EP_TCP)
		return 0;
	if (shutdown(s->fd, SHUT_WR) < 0)
		return -1;
	/*
	 * The receiver closes once it has read our end of stream: EOF here.
	 * A receiver that closed with our data unread resets the connection.
	 * One that keeps the connection open (a server, not ipctool recv) is
	 * left after XFER_CONFIRM_MS without -t, as socat leaves it after -t.
	 */
	deadline_start(&d, s->o->timeout_ms >= 0 ? s->o->timeout_ms : XFER_CONFIRM_MS);
	for (;;) {
		rc = poll(&pfd, 1, deadline_poll_ms(&d));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc == 0 && s->o->timeout_ms < 0)
			return 0;
		if (rc == 0)
			errno = ETIMEDOUT;
		if (rc <= 0)
			return -1;
		n = read(s->fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

void xfer_close_stream(struct xfer_stream *s)
{
	if (s->ep && s->ep->kind != EP_STDIO && s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	if (s->keepfd >= 0)
		close(s->keepfd);
	s->keepfd = -1;
	if (s->lfd >= 0)
		close(s->lfd);
	s->lfd = -1;
	sock_file_remove(&s->sockfile);
}

/* Message endpoints. */

int xfer_msg_losses(const struct msgend *me, int status)
{
	if (me->lost)
		cmd_warnx("'%s': %llu of %llu chunk%s %s lost (UDP does not resend: the "
			  "receiver fell behind, or the network dropped them)%s", me->ep->text,
			  (unsigned long long)me->lost, (unsigned long long)me->lost_of,
			  me->lost_of == 1 ? "" : "s", me->lost == 1 ? "was" : "were",
			  me->lost_tail ? "; more at the end may be" : "");
	else if (me->lost_tail)
		cmd_warnx("'%s': the sender's end marker did not arrive: chunks at the end may "
			  "be lost", me->ep->text);
	if ((me->lost || me->lost_tail) && status == EXIT_OK)
		return EXIT_FAIL;
	return status;
}

static bool xfer_is_posix_mq(const struct endpoint *ep)
{
	return ep->kind == EP_MQ && !objref_is_sysv(&ep->obj);
}

static void xfer_remove_msgend(void *arg)
{
	msgend_remove(arg);
}

static const char *xfer_msg_open_hint(const struct xfer_opts *o, const struct endpoint *ep,
				      int err)
{
	if (err == ENOENT && ep->kind == EP_MQ && o->caller)
		return " (is a server running? serve --create makes it)";
	if (err == ENOENT && ep->kind == EP_MQ)
		return o->create ? "" : " (create it with --create)";
	if (err == ENOENT && ep->kind == EP_SHM && o->caller)
		return " (is a server running? serve --create makes it, --wait waits for it)";
	if (err == ENOENT && ep->kind == EP_SHM)
		return " (create it with --create, or wait with --wait)";
	if (err == EEXIST)
		return " (--reuse uses the existing one)";
	if (err == ENOSPC && ep->kind == EP_SHM && !objref_is_sysv(&ep->obj))
		return " (/dev/shm is full: see df /dev/shm)";
	if (err == EFBIG && ep->kind == EP_SHM)
		return " (larger than the whole of /dev/shm: see df /dev/shm)";
	if ((err == EINVAL || err == EPERM) && xfer_is_posix_mq(ep) && o->create &&
	    (o->maxmsg || o->msgsize))
		return " (limits: /proc/sys/fs/mqueue/msg_max and msgsize_max)";
	if (err == EMFILE && xfer_is_posix_mq(ep))
		return " (the queue bytes limit, ulimit -q, is used up)";
	if (err == ENOSPC && ep->kind == EP_MQ)
		return " (the system's queue limit is reached: /proc/sys/fs/mqueue/queues_max, kernel.msgmni)";
	if ((err == ENOENT || err == ECONNREFUSED) && endpoint_is_socket(ep))
		return o->caller ? " (is a server listening? --wait waits for one)"
				 : " (is a receiver listening? --wait waits for one)";
	if (err == EADDRINUSE && ep->kind != EP_UDP && !ep->is_abstract) {
		static char hint[96];

		snprintf(hint, sizeof(hint), " (%s)", xfer_addrinuse_hint(o, ep));
		return hint;
	}
	return "";
}

int xfer_open_msg(struct msgend *me, const struct xfer_opts *o, const struct endpoint *ep,
		  enum xfer_role role)
{
	struct sock_allow allow;
	struct msgend_opts mo = {
		.create = o->create,
		.reuse = o->reuse,
		.mode = o->mode,
		.maxmsg = o->maxmsg,
		.msgsize = o->msgsize,
		.capacity = o->capacity,
		.listen = o->listen,
		.connect = o->connect,
		.wait = o->wait,
		.wait_ms = xfer_open_ms(o),
		.keep = o->keep,
		.allow = &allow,
		.sequenced = o->framing == FRAMING_CHUNK,
		.counted = role == XFER_RECEIVER && o->count,
	};
	const char *why = NULL;
	/*
	 * Signals are held only where opening cannot wait: making a new object
	 * (an exclusive create) or binding a socket. Attaching to an existing
	 * ring may wait for its lock, connecting for a listener's backlog:
	 * Ctrl-C must still work there.
	 */
	bool hold = (o->create && !o->reuse) || xfer_listens(o, ep, role);
	sigset_t old;
	int rc, err;

	xfer_allow_init(&allow, o, ep);
	if (hold)
		cleanup_hold(&old);
	rc = msgend_open(me, ep, role == XFER_SENDER ? MSGEND_SENDER : MSGEND_RECEIVER, &mo, &why);
	err = errno;
	/* A socket file we bound goes at exit and on SIGINT/SIGTERM, as for
	 * unix: streams; other objects only with --rm. */
	if (rc == 0 && (o->rm || endpoint_is_socket(ep)))
		cleanup_push(xfer_remove_msgend, me);
	if (hold)
		cleanup_release(&old);
	if (rc < 0) {
		if (err == ETIMEDOUT) {
			if (why)
				cmd_warnx("timed out opening '%s': %s", ep->text, why);
			else
				cmd_warnx("timed out waiting for '%s' to appear", ep->text);
			return EXIT_TIMEOUT;
		}
		if (why)
			cmd_warnx("cannot open '%s': %s", ep->text, why);
		else if (err == EAGAIN && ep->kind == EP_SHM)
			cmd_warnx("cannot open '%s': it holds no ring (a plain segment, or its "
				  "creator has not finished the ring)", ep->text);
		else
			cmd_warnx("cannot %s '%s': %s%s",
				  o->create && ep->kind == EP_MQ ? "create" : "open", ep->text,
				  strerror(err), xfer_msg_open_hint(o, ep, err));
		return EXIT_FAIL;
	}
	/* A key:private queue or ring is reachable only by the id we print. */
	if (!o->rm && (ep->kind == EP_MQ || ep->kind == EP_SHM) && ep->obj.is_private)
		cmd_warnx("created '%s:%s'", ep->kind == EP_MQ ? "mq" : "shm", me->name);
	me->recv_type = o->type_set ? o->type : 0;
	return EXIT_OK;
}

