/*
 * Benchmarks (see bench.h): the message backends, which keep boundaries:
 * UNIX datagram and seqpacket socket pairs, UDP over the loopback, POSIX
 * message queues and a System V queue.
 */
#include "bench_mech.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

static int bench_msg_send(struct bench_chan *c, const void *buf, size_t len)
{
	ssize_t n;

	while ((n = send(c->tx[bench_me(c)], buf, len, 0)) < 0)
		if (!bench_retry())
			return -1;
	if ((size_t)n != len) {
		errno = EMSGSIZE;
		return -1;
	}
	return 0;
}

static int bench_msg_recv(struct bench_chan *c, void *buf, size_t len)
{
	ssize_t n;

	while ((n = recv(c->rx[bench_me(c)], buf, len, MSG_TRUNC)) < 0)
		if (!bench_retry())
			return -1;
	if ((size_t)n != len) {
		errno = n == 0 ? ECONNRESET : EMSGSIZE;
		return -1;
	}
	return 0;
}

static int bench_msg_dgram_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)why;
	return bench_fd_socketpair(c, SOCK_DGRAM, size);
}

static int bench_msg_seqpacket_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)why;
	return bench_fd_socketpair(c, SOCK_SEQPACKET, size);
}

/* udp: two connected sockets on the loopback; a quiet receiver times out. */
static int bench_msg_udp_open(struct bench_chan *c, size_t size, const char **why)
{
	struct timeval tv = { 0, BENCH_UDP_QUIET_MS * 1000 };
	int a, b, buf = 8 << 20, i;

	if (size > 65507)
		return bench_fail(why, "larger than a UDP datagram (65507 bytes)", EMSGSIZE);
	a = bench_fd_loopback(SOCK_DGRAM);
	if (a < 0)
		return -1;
	b = bench_fd_loopback(SOCK_DGRAM);
	if (b < 0 || bench_fd_connect_to(a, b) < 0 || bench_fd_connect_to(b, a) < 0) {
		int err = errno;

		close(a);
		if (b >= 0)
			close(b);
		errno = err;
		return -1;
	}
	for (i = 0; i < 2; i++) {
		int fd = i ? b : a;

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &buf, sizeof(buf)) < 0)
			setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buf, sizeof(buf));
	}
	c->tx[0] = c->rx[0] = a;
	c->tx[1] = c->rx[1] = b;
	return 0;
}

/* A kernel limit from /proc; -1 when it cannot be read. */
static long bench_msg_read_limit(const char *path)
{
	char buf[32];
	long v = -1;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n > 0) {
		buf[n] = '\0';
		v = strtol(buf, NULL, 10);
	}
	return v;
}

/* mq: two POSIX queues, unlinked once open (fork shares the descriptors). */
static int bench_msg_mq_open(struct bench_chan *c, size_t size, const char **why)
{
	struct mq_attr attr;
	char name[64];
	long maxmsg = bench_msg_read_limit("/proc/sys/fs/mqueue/msg_max");
	int i;

	struct rlimit rl;
	uint64_t per = (size ? size : 1) + 64, need;

	memset(&attr, 0, sizeof(attr));
	attr.mq_maxmsg = maxmsg > 0 && maxmsg < 10 ? maxmsg : 10;
	attr.mq_msgsize = (long)(size ? size : 1);
	/* Both queues count against RLIMIT_MSGQUEUE: raise it where we may,
	 * else make the queues shallower (a ping-pong needs one message). */
	need = 2 * (uint64_t)attr.mq_maxmsg * per + 4096;
	if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
	    rl.rlim_cur < need) {
		struct rlimit up = rl;

		up.rlim_cur = need;
		if (up.rlim_max != RLIM_INFINITY && up.rlim_max < need)
			up.rlim_max = need;
		if (setrlimit(RLIMIT_MSGQUEUE, &up) < 0) {
			up.rlim_cur = rl.rlim_max;
			up.rlim_max = rl.rlim_max;
			setrlimit(RLIMIT_MSGQUEUE, &up);
			while (attr.mq_maxmsg > 1 && 2 * (uint64_t)attr.mq_maxmsg * per > up.rlim_cur)
				attr.mq_maxmsg--;
		}
	}
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "/ipctool-bench-%ld-%c", (long)getpid(), 'a' + i);
		c->mq[i] = mq_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600, &attr);
		if (c->mq[i] == (mqd_t)-1) {
			int err = errno;

			if (i)
				mq_close(c->mq[0]);
			c->mq[0] = c->mq[1] = (mqd_t)-1;
			if (err == EINVAL || err == EMFILE || err == ENOMEM)
				return bench_fail(why, "over the POSIX queue limits "
					"(/proc/sys/fs/mqueue/msgsize_max, RLIMIT_MSGQUEUE)", EMSGSIZE);
			if (err == ENOSYS || err == ENOENT)
				return bench_fail(why, "POSIX queues are not available "
					"(mount -t mqueue none /dev/mqueue)", err);
			errno = err;
			return -1;
		}
		mq_unlink(name);
	}
	return 0;
}

static int bench_msg_mq_send(struct bench_chan *c, const void *buf, size_t len)
{
	while (mq_send(c->mq[bench_me(c)], buf, len, 0) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_msg_mq_recv(struct bench_chan *c, void *buf, size_t len)
{
	while (mq_receive(c->mq[1 - bench_me(c)], buf, len ? len : 1, NULL) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static void bench_msg_mq_close(struct bench_chan *c)
{
	int i;

	for (i = 0; i < 2; i++)
		if (c->mq[i] != (mqd_t)-1)
			mq_close(c->mq[i]);
	c->mq[0] = c->mq[1] = (mqd_t)-1;
}

/* sysvmq: one private queue; type 1 travels to the child, 2 to the parent. */
static int bench_msg_sysvmq_open(struct bench_chan *c, size_t size, const char **why)
{
	long msgmax = bench_msg_read_limit("/proc/sys/kernel/msgmax");
	struct msqid_ds ds;

	if (msgmax > 0 && size > (size_t)msgmax)
		return bench_fail(why, "larger than System V messages may be "
			"(/proc/sys/kernel/msgmax)", EMSGSIZE);
	c->msg = malloc(sizeof(long) + (size ? size : 1));
	if (!c->msg)
		return -1;
	memset(c->msg, 0, sizeof(long) + (size ? size : 1));
	c->sysv_id = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	if (c->sysv_id < 0) {
		free(c->msg);
		c->msg = NULL;
		return -1;
	}
	/* Room for a few messages each way where we may raise it. */
	if (msgctl(c->sysv_id, IPC_STAT, &ds) == 0 && ds.msg_qbytes < 4 * size) {
		ds.msg_qbytes = 4 * size;
		msgctl(c->sysv_id, IPC_SET, &ds);
	}
	return 0;
}

static int bench_msg_sysvmq_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	c->msg->mtype = c->child ? 2 : 1;
	while (msgsnd(c->sysv_id, c->msg, len, 0) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_msg_sysvmq_recv(struct bench_chan *c, void *buf, size_t len)
{
	(void)buf;
	while (msgrcv(c->sysv_id, c->msg, len, c->child ? 1 : 2, 0) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static void bench_msg_sysvmq_close(struct bench_chan *c)
{
	if (!c->child && c->sysv_id >= 0)
		msgctl(c->sysv_id, IPC_RMID, NULL);
	c->sysv_id = -1;
	free(c->msg);
	c->msg = NULL;
}

static void bench_msg_sysvmq_abort(struct bench_chan *c)
{
	if (c->sysv_id >= 0)
		msgctl(c->sysv_id, IPC_RMID, NULL);
}


const struct bench_mech bench_mech_unix_dgram = {
	.name = "unix-dgram",
	.summary = "UNIX datagram socket pair",
	.flags = BENCH_PAYLOAD | BENCH_MESSAGE,
	.open = bench_msg_dgram_open,
	.attach = bench_fd_attach,
	.send = bench_msg_send,
	.recv = bench_msg_recv,
	.close = bench_fd_close,
};

const struct bench_mech bench_mech_unix_seqpacket = {
	.name = "unix-seqpacket",
	.summary = "UNIX seqpacket socket pair",
	.flags = BENCH_PAYLOAD | BENCH_MESSAGE,
	.open = bench_msg_seqpacket_open,
	.attach = bench_fd_attach,
	.send = bench_msg_send,
	.recv = bench_msg_recv,
	.close = bench_fd_close,
};

const struct bench_mech bench_mech_udp = {
	.name = "udp",
	.summary = "UDP over the loopback",
	.flags = BENCH_PAYLOAD | BENCH_MESSAGE | BENCH_LOSSY,
	.open = bench_msg_udp_open,
	.attach = bench_fd_attach,
	.send = bench_msg_send,
	.recv = bench_msg_recv,
	.close = bench_fd_close,
};

const struct bench_mech bench_mech_mq = {
	.name = "mq",
	.summary = "POSIX message queues, one each way",
	.flags = BENCH_PAYLOAD | BENCH_MESSAGE,
	.open = bench_msg_mq_open,
	.send = bench_msg_mq_send,
	.recv = bench_msg_mq_recv,
	.close = bench_msg_mq_close,
};

const struct bench_mech bench_mech_sysvmq = {
	.name = "sysvmq",
	.summary = "a System V message queue, a type each way",
	.flags = BENCH_PAYLOAD | BENCH_MESSAGE,
	.open = bench_msg_sysvmq_open,
	.send = bench_msg_sysvmq_send,
	.recv = bench_msg_sysvmq_recv,
	.close = bench_msg_sysvmq_close,
	.abort = bench_msg_sysvmq_abort,
};
