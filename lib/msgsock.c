/*
 * Message sockets: unix-dgram, unix-seqpacket (paths and @abstract) and udp,
 * through lib/sock.c. The receiver binds (and for seqpacket accepts one
 * connection at its first message); the sender connects.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "msgsock.h"

/* UDP's largest payload over IPv4; unix sockets default to the same order. */
#define MSGSOCK_UDP_MAX 65507u
#define MSGSOCK_UNIX_DEFAULT 65536u
/* Room the kernel keeps in a socket buffer besides a datagram's bytes. */
#define MSGSOCK_OVERHEAD 1024u

/*
 * A datagram must fit the socket buffers whole: grow them to twice the
 * message size (root past net.core.wmem_max and rmem_max with the FORCE
 * options), then read back what the kernel granted. EMSGSIZE, with *why,
 * when the message size still does not fit.
 */
static int msgsock_bufsize(int fd, size_t msgsize, const char **why)
{
	static const int opt[2][2] = { { SO_SNDBUFFORCE, SO_SNDBUF },
				       { SO_RCVBUFFORCE, SO_RCVBUF } };
	size_t want = msgsize * 2 + 4096;
	int sz = want > INT_MAX / 2 ? INT_MAX / 2 : (int)want, got, i;
	socklen_t len;

	/* Only grow: the defaults hold the default message size. */
	if (msgsize <= MSGSOCK_UNIX_DEFAULT / 2)
		return 0;
	for (i = 0; i < 2; i++) {
		if (setsockopt(fd, SOL_SOCKET, opt[i][0], &sz, sizeof(sz)) < 0 &&
		    setsockopt(fd, SOL_SOCKET, opt[i][1], &sz, sizeof(sz)) < 0)
			return -1;
		len = sizeof(got);
		if (getsockopt(fd, SOL_SOCKET, opt[i][1], &got, &len) < 0)
			return -1;
		/* The kernel keeps some of the buffer for its own overhead. */
		if (got < 0 || (size_t)got < msgsize + MSGSOCK_OVERHEAD) {
			if (why)
				*why = "--msgsize is larger than the socket buffers allow "
				       "(net.core.wmem_max and rmem_max)";
			errno = EMSGSIZE;
			return -1;
		}
	}
	return 0;
}

static void msgsock_close(struct msgend *me);

static int msgsock_open(struct msgend *me, const struct msgend_opts *o, const char **why)
{
	const struct endpoint *ep = me->ep;
	int one = 1;

	if (ep->kind == EP_UDP) {
		if (o->msgsize > MSGSOCK_UDP_MAX) {
			if (why)
				*why = "--msgsize is larger than a UDP datagram (65507 bytes)";
			errno = EINVAL;
			return -1;
		}
		me->msgsize = o->msgsize ? o->msgsize : MSGSOCK_UDP_MAX;
	} else {
		me->msgsize = o->msgsize ? o->msgsize : MSGSOCK_UNIX_DEFAULT;
	}
	if (msgend_listens(ep, me->role, o)) {
		struct sock_listen_opts lo = { .mode = o->mode, .reuse = o->reuse };
		int fd = sock_listen(ep, &lo, &me->sockfile, why);

		if (fd < 0)
			return -1;
		me->created = me->sockfile.bound;
		if (ep->kind == EP_UNIX_SEQPACKET)
			me->lfd = fd;
		else
			me->fd = fd;
	} else {
		struct deadline d;

		deadline_start(&d, o->wait ? o->wait_ms : 0);
		me->fd = sock_connect(ep, &d, o->wait, why);
		if (me->fd < 0)
			return -1;
	}
	if (me->fd >= 0 && msgsock_bufsize(me->fd, me->msgsize, why) < 0) {
		int err = errno;

		msgsock_close(me);
		errno = err;
		return -1;
	}
	/* The sender's pid comes with each unix message; and on seqpacket,
	 * a message has credentials where the end of stream has none. */
	if (ep->kind != EP_UDP && me->fd >= 0)
		setsockopt(me->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	snprintf(me->name, sizeof(me->name), "%s", ep->text);
	return 0;
}

/* The first peer of a seqpacket listener, by the deadline (NULL: forever). */
static int msgsock_accept(struct msgend *me, const struct deadline *d)
{
	struct deadline forever;
	int one = 1;

	if (!d) {
		deadline_start(&forever, -1);
		d = &forever;
	}
	me->fd = sock_accept(me->lfd, d);
	if (me->fd < 0)
		return -1;
	/* One peer: a second one is refused at connect, not queued unread. */
	close(me->lfd);
	me->lfd = -1;
	if (msgsock_bufsize(me->fd, me->msgsize, NULL) < 0) {
		int err = errno;

		close(me->fd);
		me->fd = -1;
		errno = err;
		return -1;
	}
	setsockopt(me->fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	return 0;
}

/* Wait for events on fd by the deadline: 1 ready, -1 with ETIMEDOUT or errno. */
static int msgsock_poll(int fd, short events, const struct deadline *d)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	for (;;) {
		rc = poll(&pfd, 1, d ? deadline_poll_ms(d) : -1);
		if (rc > 0)
			return 1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR)
			return -1;
	}
}

static int msgsock_send(struct msgend *me, const void *buf, size_t len,
			const struct msg_meta *meta, const struct deadline *d)
{
	bool block = !d || d->forever;
	ssize_t n;

	(void)meta;
	/* A listening sender (--listen) on seqpacket: the first peer. */
	if (me->fd < 0 && msgsock_accept(me, d) < 0)
		return -1;
	for (;;) {
		n = send(me->fd, buf, len, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
		if (n >= 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || msgsock_poll(me->fd, POLLOUT, d) < 0)
			return -1;
	}
}

static int msgsock_recv(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
			const struct deadline *d)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct sockaddr_storage ss;
	struct iovec iov = { .iov_base = buf, .iov_len = me->msgsize };
	struct msghdr mh;
	struct cmsghdr *cm;
	bool block = !d || d->forever;
	bool creds = false;
	ssize_t n;

	if (me->fd < 0 && msgsock_accept(me, d) < 0)
		return -1;
	for (;;) {
		memset(&mh, 0, sizeof(mh));
		mh.msg_name = &ss;
		mh.msg_namelen = sizeof(ss);
		mh.msg_iov = &iov;
		mh.msg_iovlen = 1;
		mh.msg_control = ctl.buf;
		mh.msg_controllen = sizeof(ctl.buf);
		n = recvmsg(me->fd, &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC | (block ? 0 : MSG_DONTWAIT));
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || msgsock_poll(me->fd, POLLIN, d) < 0)
			return -1;
	}
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS) {
			struct ucred uc;

			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			creds = true;
			if (meta)
				snprintf(meta->sender, sizeof(meta->sender), "pid %d", (int)uc.pid);
		}
	if (n == 0 && me->ep->kind == EP_UNIX_SEQPACKET && !creds)
		return MSGEND_EOS;
	if ((size_t)n > me->msgsize || (mh.msg_flags & MSG_TRUNC)) {
		errno = EMSGSIZE;
		return -1;
	}
	if (meta && !creds)
		sock_addr_name(&ss, mh.msg_namelen, meta->sender, sizeof(meta->sender));
	*len = (size_t)n;
	return 1;
}

static void msgsock_close(struct msgend *me)
{
	if (me->fd >= 0)
		close(me->fd);
	if (me->lfd >= 0)
		close(me->lfd);
	me->fd = me->lfd = -1;
	sock_file_remove(&me->sockfile);
}

static int msgsock_remove(struct msgend *me)
{
	sock_file_remove(&me->sockfile);
	return 0;
}

const struct msgend_ops msgend_socket_ops = {
	.name = "message socket",
	.open = msgsock_open,
	.send = msgsock_send,
	.recv = msgsock_recv,
	.close = msgsock_close,
	.remove = msgsock_remove,
};
