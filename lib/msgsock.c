/*
 * Message sockets: unix-dgram, unix-seqpacket (paths and @abstract) and udp,
 * through lib/sock.c. The receiver binds (and for seqpacket accepts one
 * connection at its first message); the sender connects.
 */
#include <errno.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
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

/*
 * -F chunk over udp: UDP drops datagrams when the receiver falls behind,
 * so each chunk carries a header (ipctool-endpoints(7)) by which the
 * receiver counts what went missing: magic "ICK" and version 1, flags
 * (MSGSOCK_SEQ_END: no data; seq is the number of chunks sent), three zero
 * bytes, the sender's random session number and the chunk's sequence
 * number from 0, both 32-bit big-endian.
 */
#define MSGSOCK_SEQ_HDR 16u
#define MSGSOCK_SEQ_END 1u
#define MSGSOCK_SEQ_RCVBUF (8 << 20)
static const unsigned char msgsock_seq_magic[4] = { 'I', 'C', 'K', 1 };

struct msgsock_priv {
	struct sock_allow allow;	/* unix: which peers (check false: all) */
	bool sequenced;
	bool seen;			/* receiver: a session began */
	bool active;			/* receiver: its end marker has not come */
	bool switched;			/* receiver: a session ended without its marker */
	uint32_t session;		/* the sender's: ours, or the one being received */
	uint32_t next;			/* the next sequence number sent, or expected */
	uint64_t received;		/* receiver: chunks delivered */
};

static void msgsock_seq_put(unsigned char *h, unsigned flags, uint32_t session, uint32_t seq)
{
	memcpy(h, msgsock_seq_magic, 4);
	h[4] = (unsigned char)flags;
	h[5] = h[6] = h[7] = 0;
	h[8] = (unsigned char)(session >> 24);
	h[9] = (unsigned char)(session >> 16);
	h[10] = (unsigned char)(session >> 8);
	h[11] = (unsigned char)session;
	h[12] = (unsigned char)(seq >> 24);
	h[13] = (unsigned char)(seq >> 16);
	h[14] = (unsigned char)(seq >> 8);
	h[15] = (unsigned char)seq;
}

static uint32_t msgsock_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int msgsock_open(struct msgend *me, const struct msgend_opts *o, const char **why)
{
	const struct endpoint *ep = me->ep;
	int one = 1;

	struct msgsock_priv *p;

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
	p = calloc(1, sizeof(*p));
	if (!p)
		return -1;
	me->priv = p;
	if (o->allow)
		p->allow = *o->allow;
	p->sequenced = o->sequenced && ep->kind == EP_UDP;
	if (p->sequenced && me->role == MSGEND_SENDER) {
		if (me->msgsize <= MSGSOCK_SEQ_HDR) {
			if (why)
				*why = "--msgsize leaves no room for -F chunk's 16-byte header";
			msgsock_close(me);
			errno = EINVAL;
			return -1;
		}
		/* The header travels in each datagram of msgsize bytes. */
		me->msgsize -= MSGSOCK_SEQ_HDR;
		if (getrandom(&p->session, sizeof(p->session), GRND_NONBLOCK) !=
		    (ssize_t)sizeof(p->session))
			p->session = (uint32_t)getpid() ^ (uint32_t)time(NULL);
	}
	if (msgend_listens(ep, me->role, o)) {
		struct sock_listen_opts lo = { .mode = o->mode, .reuse = o->reuse };
		int fd = sock_listen(ep, &lo, &me->sockfile, why);

		if (fd < 0) {
			int err = errno;

			msgsock_close(me);
			errno = err;
			return -1;
		}
		me->created = me->sockfile.bound;
		if (ep->kind == EP_UNIX_SEQPACKET)
			me->lfd = fd;
		else
			me->fd = fd;
	} else {
		struct deadline d;

		deadline_start(&d, o->wait ? o->wait_ms : 0);
		me->fd = sock_connect(ep, &d, o->wait, why);
		if (me->fd < 0) {
			int err = errno;

			msgsock_close(me);
			errno = err;
			return -1;
		}
	}
	if (me->fd >= 0 && msgsock_bufsize(me->fd, me->msgsize, why) < 0) {
		int err = errno;

		msgsock_close(me);
		errno = err;
		return -1;
	}
	if (p->sequenced && me->role == MSGEND_RECEIVER && me->fd >= 0) {
		/* Room to fall behind in (best effort: root past rmem_max). */
		int want = MSGSOCK_SEQ_RCVBUF;

		if (setsockopt(me->fd, SOL_SOCKET, SO_RCVBUFFORCE, &want, sizeof(want)) < 0)
			setsockopt(me->fd, SOL_SOCKET, SO_RCVBUF, &want, sizeof(want));
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
	me->fd = sock_accept_allowed(me->lfd, d, &((struct msgsock_priv *)me->priv)->allow);
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
	struct msgsock_priv *p = me->priv;
	unsigned char hdr[MSGSOCK_SEQ_HDR];
	struct iovec iov[2] = { { hdr, sizeof(hdr) }, { (void *)buf, len } };
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 2 };
	bool block = !d || d->forever;
	ssize_t n;

	(void)meta;
	/* A listening sender (--listen) on seqpacket: the first peer. */
	if (me->fd < 0 && msgsock_accept(me, d) < 0)
		return -1;

	if (p->sequenced)
		msgsock_seq_put(hdr, 0, p->session, p->next);
	for (;;) {
		if (p->sequenced)
			n = sendmsg(me->fd, &mh, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
		else
			n = send(me->fd, buf, len, MSG_NOSIGNAL | (block ? 0 : MSG_DONTWAIT));
		if (n >= 0) {
			p->next++;
			return 0;
		}
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN || msgsock_poll(me->fd, POLLOUT, d) < 0)
			return -1;
	}
}

/*
 * A sequenced datagram of *len bytes in buf: count what is missing before
 * it and strip its header. 1: a chunk to deliver; 0: none (a late or
 * repeated chunk, already counted as lost); MSGEND_EOS + 2: its sender's
 * end marker.
 */
static int msgsock_seq_take(struct msgend *me, unsigned char *buf, size_t *len)
{
	struct msgsock_priv *p = me->priv;
	uint32_t session = msgsock_be32(buf + 8), seq = msgsock_be32(buf + 12);

	if (!p->seen || session != p->session) {
		/* Another sender, or another run: its chunks count from 0. */
		if (p->active)
			p->switched = true;
		p->seen = p->active = true;
		p->session = session;
		p->next = 0;
	}
	if (seq - p->next < 0x80000000u) {
		me->lost += seq - p->next;
		me->lost_of += seq - p->next;
		p->next = seq + (buf[4] & MSGSOCK_SEQ_END ? 0 : 1);
	} else if (!(buf[4] & MSGSOCK_SEQ_END)) {
		return 0;
	}
	me->lost_tail = p->switched;
	if (buf[4] & MSGSOCK_SEQ_END) {
		p->active = false;
		return MSGEND_EOS + 2;
	}
	me->lost_tail = true;
	me->lost_of++;
	*len -= MSGSOCK_SEQ_HDR;
	memmove(buf, buf + MSGSOCK_SEQ_HDR, *len);
	return 1;
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
	struct msgsock_priv *p = me->priv;
	struct ucred uc;
	bool block = !d || d->forever;
	bool creds;
	ssize_t n;

	if (me->fd < 0 && msgsock_accept(me, d) < 0)
		return -1;
again:
	creds = false;
	uc = (struct ucred){ .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
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
			memcpy(&uc, CMSG_DATA(cm), sizeof(uc));
			creds = true;
			if (meta)
				snprintf(meta->sender, sizeof(meta->sender), "pid %d", (int)uc.pid);
		}
	if (n == 0 && me->ep->kind == EP_UNIX_SEQPACKET && !creds)
		return MSGEND_EOS;
	if (p->allow.check && (!creds || !sock_allow_peer(&p->allow, uc.uid, uc.gid))) {
		/* A datagram from a peer not allowed in: dropped, reported. */
		if (p->allow.refused)
			p->allow.refused(uc.uid, uc.gid, uc.pid, p->allow.arg);
		goto again;
	}
	if ((size_t)n > me->msgsize || (mh.msg_flags & MSG_TRUNC)) {
		errno = EMSGSIZE;
		return -1;
	}
	if (p->sequenced && (size_t)n >= MSGSOCK_SEQ_HDR &&
	    memcmp(buf, msgsock_seq_magic, sizeof(msgsock_seq_magic)) == 0) {
		size_t slen = (size_t)n;

		switch (msgsock_seq_take(me, buf, &slen)) {
		case 0:
			goto again;
		case MSGEND_EOS + 2:
			return MSGEND_EOS;
		}
		n = (ssize_t)slen;
	}
	if (meta && !creds)
		sock_addr_name(&ss, mh.msg_namelen, meta->sender, sizeof(meta->sender));
	*len = (size_t)n;
	return 1;
}

static void msgsock_close(struct msgend *me)
{
	struct msgsock_priv *p = me->priv;

	if (p && p->sequenced && me->role == MSGEND_SENDER && me->fd >= 0) {
		/* The end marker says how many chunks were sent; three times,
		 * a little apart, as a datagram may be lost too. */
		unsigned char hdr[MSGSOCK_SEQ_HDR];
		struct timespec gap = { 0, 10 * 1000 * 1000 };
		int i;

		msgsock_seq_put(hdr, MSGSOCK_SEQ_END, p->session, p->next);
		for (i = 0; i < 3; i++) {
			if (i)
				nanosleep(&gap, NULL);
			if (send(me->fd, hdr, sizeof(hdr), MSG_NOSIGNAL) < 0)
				break;
		}
	}
	free(p);
	me->priv = NULL;
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
