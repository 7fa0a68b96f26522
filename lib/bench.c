/*
 * Benchmarks of the IPC mechanisms (see bench.h): the backends, and the
 * ping-pong and streaming loops that drive them in two processes.
 */
#include "bench.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <semaphore.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/msg.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "copy.h"
#include "fifo.h"
#include "msgend.h"
#include "sock.h"

#if __has_include("ring.h")
#include "ring.h"
#define BENCH_HAVE_RING 1
#else
#define BENCH_HAVE_RING 0
#endif

/* Largest sample buffer: 8M round trips (64 MiB). */
#define BENCH_SAMPLES_MAX (1u << 23)
/* A UDP receiver that hears nothing for this long takes the rest as lost. */
#define BENCH_UDP_QUIET_MS 200

/*
 * Shared between the parent and the child of a run (an anonymous shared
 * mapping): the end of a stream, the receiver's results, the child's error.
 */
struct bench_ctl {
	_Atomic uint64_t total;	/* messages the sender sends in all; UINT64_MAX: not known yet */
	_Atomic uint64_t warm;	/* streaming: warm-up messages, when cut short */
	_Atomic int stop;	/* ping-pong: the next message is the last */
	_Atomic int warmed;	/* streaming: the receiver has drained the warm-up */
	pid_t parent;
	uint64_t received, bytes, t_end;
	int err;
	char why[128];
	/* The floor row's cache line, alone on its line. */
	alignas(64) _Atomic uint64_t line;
	char pad[64 - sizeof(uint64_t)];
};

struct bench_chan {
	const struct bench_mech *m;
	bool child;		/* which process this copy of the channel is in */
	bool lossy;		/* may drop messages: a quiet receiver stops */
	size_t size;		/* message size the channel was opened for */
	struct bench_ctl *ctl;
	pid_t peer;
	/* fd mechanisms: [0] the parent's ends, [1] the child's. */
	int tx[2], rx[2];
	mqd_t mq[2];		/* [0] parent to child, [1] child to parent */
	int sysv_id;		/* System V queue or semaphore set; -1 */
	struct msgbuf *msg;	/* System V: a preallocated message */
	sem_t *sem[2];		/* [0] parent to child, [1] child to parent */
	sigset_t sigs, oldmask;
	bool masked;
	uint64_t seq;		/* floor: the last value this side saw or wrote */
	char dir[64];		/* fifo: a private directory for the two FIFOs */
	/* Endpoints the user names. */
	const struct endpoint *ep;
	struct sock_file sockfile;
	struct msgend me;	/* message endpoints, through lib/msgend */
	bool me_open;
	void *mebuf;		/* a receive buffer of me.msgsize bytes */
	struct deadline forever_ep;
#if BENCH_HAVE_RING
	unsigned char *seg;	/* two rings: [0] parent to child, [1] child to parent */
	size_t segsize;
	struct ring ring_tx, ring_rx;
	bool ring_tx_on, ring_rx_on;
	struct deadline poll;	/* a passed deadline: poll once */
	struct deadline forever;
#endif
};

/* The run in progress, for bench_abort. */
static struct bench_chan *volatile bench_current;
static volatile pid_t bench_child;
static volatile sig_atomic_t bench_child_gone;

static int bench_fail(const char **why, const char *text, int err)
{
	if (why)
		*why = text;
	errno = err;
	return -1;
}

/* A blocking call interrupted by SIGCHLD: give up if the child is gone. */
static bool bench_retry(void)
{
	return errno == EINTR && !bench_child_gone;
}

static int bench_me(const struct bench_chan *c)
{
	return c->child ? 1 : 0;
}

/* Close each distinct fd of the set once (directions may share one). */
static void bench_close_fds(int *fds, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		for (j = i + 1; j < n; j++)
			if (fds[j] == fds[i])
				fds[j] = -1;
		close(fds[i]);
		fds[i] = -1;
	}
}

/* Keep this side's fds, close the other side's. */
static int bench_fd_attach(struct bench_chan *c, const char **why)
{
	int me = bench_me(c), other = 1 - me;
	int fds[2] = { c->tx[other], c->rx[other] };
	size_t i;

	(void)why;
	for (i = 0; i < 2; i++)
		if (fds[i] == c->tx[me] || fds[i] == c->rx[me])
			fds[i] = -1;
	bench_close_fds(fds, 2);
	c->tx[other] = c->rx[other] = -1;
	return 0;
}

static void bench_fd_close(struct bench_chan *c)
{
	int fds[4] = { c->tx[0], c->rx[0], c->tx[1], c->rx[1] };

	bench_close_fds(fds, 4);
	c->tx[0] = c->rx[0] = c->tx[1] = c->rx[1] = -1;
}

static int bench_stream_send(struct bench_chan *c, const void *buf, size_t len)
{
	return write_all(c->tx[bench_me(c)], buf, len);
}

static int bench_stream_recv(struct bench_chan *c, void *buf, size_t len)
{
	int fd = c->rx[bench_me(c)];
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n > 0) {
			got += (size_t)n;
		} else if (n == 0) {
			errno = ECONNRESET;
			return -1;
		} else if (!bench_retry()) {
			return -1;
		}
	}
	return 0;
}

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

/* pipe: two pipes, one each way, grown to hold a message (like bw_pipe). */
static int bench_pipe_open(struct bench_chan *c, size_t size, const char **why)
{
	int a[2], b[2];

	(void)why;
	if (pipe2(a, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(b, O_CLOEXEC) < 0) {
		close(a[0]);
		close(a[1]);
		return -1;
	}
	fifo_grow(a[1], size);
	fifo_grow(b[1], size);
	c->tx[0] = a[1];
	c->rx[1] = a[0];
	c->tx[1] = b[1];
	c->rx[0] = b[0];
	return 0;
}

/* fifo: two FIFOs in a private directory, opened by path, then unlinked. */
static int bench_fifo_open(struct bench_chan *c, size_t size, const char **why)
{
	char path[2][sizeof(c->dir) + 8];
	int i, fd, err;

	int n = snprintf(c->dir, sizeof(c->dir), "/tmp/ipctool-bench.");

	/* mkdtemp(3)'s template: six 'X's it replaces. */
	memset(c->dir + n, 'X', 6);
	c->dir[n + 6] = '\0';
	if (!mkdtemp(c->dir)) {
		c->dir[0] = '\0';
		return bench_fail(why, "cannot create a directory in /tmp", errno);
	}
	for (i = 0; i < 2; i++) {
		bool created;

		snprintf(path[i], sizeof(path[i]), "%s/%c", c->dir, 'a' + i);
		if (fifo_create(path[i], 0600, false, &created) < 0)
			goto fail;
		/* Both ends open in one process: the read end without waiting
		 * for a writer, then the write end finds a reader. */
		fd = open(path[i], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			goto fail;
		c->rx[1 - i] = fd;
		fd = open(path[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			goto fail;
		c->tx[i] = fd;
		if (fcntl(c->rx[1 - i], F_SETFL, 0) < 0)
			goto fail;
		fifo_grow(fd, size);
	}
	for (i = 0; i < 2; i++)
		unlink(path[i]);
	rmdir(c->dir);
	c->dir[0] = '\0';
	return 0;
fail:
	err = errno;
	for (i = 0; i < 2; i++)
		unlink(path[i]);
	rmdir(c->dir);
	c->dir[0] = '\0';
	bench_fd_close(c);
	errno = err;
	return -1;
}

static int bench_socketpair_open(struct bench_chan *c, int type, size_t size)
{
	int sv[2], buf = (int)(size > (1u << 26) ? (1u << 26) : size * 2 + 4096);

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	/* Room for one message of any benchmarked size, as root may force. */
	if (size > 100000) {
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	}
	c->tx[0] = c->rx[0] = sv[0];
	c->tx[1] = c->rx[1] = sv[1];
	return 0;
}

static int bench_unix_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)why;
	return bench_socketpair_open(c, SOCK_STREAM, size);
}

static int bench_unix_dgram_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)why;
	return bench_socketpair_open(c, SOCK_DGRAM, size);
}

static int bench_unix_seqpacket_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)why;
	return bench_socketpair_open(c, SOCK_SEQPACKET, size);
}

static int bench_inet_socket(int type)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static int bench_connect_to(int fd, int peer)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(peer, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	return connect(fd, (struct sockaddr *)&sin, len);
}

/* tcp: a connection over the loopback, Nagle off (a ping-pong would stall). */
static int bench_tcp_open(struct bench_chan *c, size_t size, const char **why)
{
	int lfd, a = -1, b = -1, one = 1, err;

	(void)size;
	(void)why;
	lfd = bench_inet_socket(SOCK_STREAM);
	if (lfd < 0)
		return -1;
	if (listen(lfd, 1) < 0)
		goto fail;
	a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a < 0 || bench_connect_to(a, lfd) < 0)
		goto fail;
	b = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (b < 0)
		goto fail;
	close(lfd);
	setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->tx[0] = c->rx[0] = a;
	c->tx[1] = c->rx[1] = b;
	return 0;
fail:
	err = errno;
	close(lfd);
	if (a >= 0)
		close(a);
	errno = err;
	return -1;
}

/* udp: two connected sockets on the loopback; a quiet receiver times out. */
static int bench_udp_open(struct bench_chan *c, size_t size, const char **why)
{
	struct timeval tv = { 0, BENCH_UDP_QUIET_MS * 1000 };
	int a, b, buf = 8 << 20, i;

	if (size > 65507)
		return bench_fail(why, "larger than a UDP datagram (65507 bytes)", EMSGSIZE);
	a = bench_inet_socket(SOCK_DGRAM);
	if (a < 0)
		return -1;
	b = bench_inet_socket(SOCK_DGRAM);
	if (b < 0 || bench_connect_to(a, b) < 0 || bench_connect_to(b, a) < 0) {
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

/* eventfd: one counter each way; a message is an increment of 1. */
static int bench_eventfd_open(struct bench_chan *c, size_t size, const char **why)
{
	int a, b;

	(void)size;
	(void)why;
	a = eventfd(0, EFD_CLOEXEC);
	if (a < 0)
		return -1;
	b = eventfd(0, EFD_CLOEXEC);
	if (b < 0) {
		close(a);
		return -1;
	}
	c->tx[0] = c->rx[1] = a;
	c->tx[1] = c->rx[0] = b;
	return 0;
}

static int bench_eventfd_send(struct bench_chan *c, const void *buf, size_t len)
{
	uint64_t one = 1;

	(void)buf;
	(void)len;
	while (write(c->tx[bench_me(c)], &one, sizeof(one)) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_eventfd_recv(struct bench_chan *c, void *buf, size_t len)
{
	uint64_t v;

	(void)buf;
	(void)len;
	while (read(c->rx[bench_me(c)], &v, sizeof(v)) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

/* mq: two POSIX queues, unlinked once open (fork shares the descriptors). */
static long bench_read_limit(const char *path)
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

static int bench_mq_open(struct bench_chan *c, size_t size, const char **why)
{
	struct mq_attr attr;
	char name[64];
	long maxmsg = bench_read_limit("/proc/sys/fs/mqueue/msg_max");
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

static int bench_mq_send(struct bench_chan *c, const void *buf, size_t len)
{
	while (mq_send(c->mq[bench_me(c)], buf, len, 0) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_mq_recv(struct bench_chan *c, void *buf, size_t len)
{
	while (mq_receive(c->mq[1 - bench_me(c)], buf, len ? len : 1, NULL) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_mq_attach(struct bench_chan *c, const char **why)
{
	(void)c;
	(void)why;
	return 0;
}

static void bench_mq_close(struct bench_chan *c)
{
	int i;

	for (i = 0; i < 2; i++)
		if (c->mq[i] != (mqd_t)-1)
			mq_close(c->mq[i]);
	c->mq[0] = c->mq[1] = (mqd_t)-1;
}

/* sysvmq: one private queue; type 1 travels to the child, 2 to the parent. */
static int bench_sysvmq_open(struct bench_chan *c, size_t size, const char **why)
{
	long msgmax = bench_read_limit("/proc/sys/kernel/msgmax");
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

static int bench_sysvmq_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	c->msg->mtype = c->child ? 2 : 1;
	while (msgsnd(c->sysv_id, c->msg, len, 0) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_sysvmq_recv(struct bench_chan *c, void *buf, size_t len)
{
	(void)buf;
	while (msgrcv(c->sysv_id, c->msg, len, c->child ? 1 : 2, 0) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_sysv_attach(struct bench_chan *c, const char **why)
{
	(void)c;
	(void)why;
	return 0;
}

static void bench_sysvmq_close(struct bench_chan *c)
{
	if (!c->child && c->sysv_id >= 0)
		msgctl(c->sysv_id, IPC_RMID, NULL);
	c->sysv_id = -1;
	free(c->msg);
	c->msg = NULL;
}

/* sem: two named POSIX semaphores, unlinked once open. */
static int bench_sem_open(struct bench_chan *c, size_t size, const char **why)
{
	char name[64];
	int i;

	(void)size;
	(void)why;
	for (i = 0; i < 2; i++) {
		snprintf(name, sizeof(name), "/ipctool-bench-%ld-%c", (long)getpid(), 'a' + i);
		c->sem[i] = sem_open(name, O_CREAT | O_EXCL, 0600, 0);
		if (c->sem[i] == SEM_FAILED) {
			int err = errno;

			if (i)
				sem_close(c->sem[0]);
			c->sem[0] = c->sem[1] = NULL;
			errno = err;
			return -1;
		}
		sem_unlink(name);
	}
	return 0;
}

static int bench_sem_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return sem_post(c->sem[bench_me(c)]);
}

static int bench_sem_recv(struct bench_chan *c, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	while (sem_wait(c->sem[1 - bench_me(c)]) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_sem_attach(struct bench_chan *c, const char **why)
{
	(void)c;
	(void)why;
	return 0;
}

static void bench_sem_close(struct bench_chan *c)
{
	int i;

	for (i = 0; i < 2; i++)
		if (c->sem[i])
			sem_close(c->sem[i]);
	c->sem[0] = c->sem[1] = NULL;
}

/* sysvsem: a private set of two; member 0 signals the child, 1 the parent. */
static int bench_sysvsem_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)size;
	(void)why;
	c->sysv_id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	return c->sysv_id < 0 ? -1 : 0;
}

static int bench_sysvsem_op(struct bench_chan *c, unsigned short member, short op)
{
	struct sembuf sb = { .sem_num = member, .sem_op = op, .sem_flg = 0 };

	while (semop(c->sysv_id, &sb, 1) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_sysvsem_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return bench_sysvsem_op(c, c->child ? 1 : 0, 1);
}

static int bench_sysvsem_recv(struct bench_chan *c, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return bench_sysvsem_op(c, c->child ? 0 : 1, -1);
}

static void bench_sysvsem_close(struct bench_chan *c)
{
	if (!c->child && c->sysv_id >= 0)
		semctl(c->sysv_id, 0, IPC_RMID);
	c->sysv_id = -1;
}

/* signal: SIGUSR1 each way, blocked and taken with sigwaitinfo(2). */
static int bench_signal_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)size;
	(void)why;
	sigemptyset(&c->sigs);
	sigaddset(&c->sigs, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &c->sigs, &c->oldmask) < 0)
		return -1;
	c->masked = true;
	return 0;
}

static int bench_signal_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return kill(c->peer, SIGUSR1);
}

static int bench_signal_recv(struct bench_chan *c, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	while (sigwaitinfo(&c->sigs, NULL) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_signal_attach(struct bench_chan *c, const char **why)
{
	(void)c;
	(void)why;
	return 0;
}

static void bench_signal_close(struct bench_chan *c)
{
	if (c->masked) {
		/* Drop a signal still pending before unblocking it. */
		struct timespec zero = { 0, 0 };

		while (sigtimedwait(&c->sigs, NULL, &zero) > 0)
			;
		sigprocmask(SIG_SETMASK, &c->oldmask, NULL);
	}
	c->masked = false;
}

/*
 * floor: the hardware's limit. The two processes take turns incrementing
 * one shared cache line, each spinning until the other's increment shows.
 */
static inline void bench_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static int bench_floor_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)size;
	(void)why;
	atomic_store(&c->ctl->line, 0);
	return 0;
}

static int bench_floor_attach(struct bench_chan *c, const char **why)
{
	(void)why;
	c->seq = 0;
	return 0;
}

static int bench_floor_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	atomic_store_explicit(&c->ctl->line, ++c->seq, memory_order_release);
	return 0;
}

static int bench_floor_recv(struct bench_chan *c, void *buf, size_t len)
{
	uint64_t want = c->seq + 1;
	unsigned long spins = 0;

	(void)buf;
	(void)len;
	while (atomic_load_explicit(&c->ctl->line, memory_order_acquire) != want) {
		bench_pause();
		/* Sharing a CPU with the peer: give it the CPU now and then. */
		if (++spins % 65536 == 0) {
			if (bench_child_gone) {
				errno = ECHILD;
				return -1;
			}
			sched_yield();
		}
	}
	c->seq = want;
	return 0;
}

static void bench_nothing_close(struct bench_chan *c)
{
	(void)c;
}

#if BENCH_HAVE_RING
/*
 * shm, shm-spin: ipctool's ring (lib/ring), one each way in one shared
 * mapping. shm waits as the ring does (spin briefly, then a futex);
 * shm-spin only ever polls.
 */
static int bench_ring_open(struct bench_chan *c, size_t size, const char **why)
{
	uint64_t cap = RING_DEFAULT_CAPACITY, seg;
	int i;

	while (ring_max_record(cap) < size || cap < 4 * (size + RING_RECORD_HEADER))
		cap *= 2;
	seg = ring_segment_size(cap);
	c->segsize = (size_t)seg * 2;
	c->seg = mmap(NULL, c->segsize, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (c->seg == MAP_FAILED) {
		c->seg = NULL;
		return -1;
	}
	for (i = 0; i < 2; i++)
		if (ring_format(c->seg + (size_t)seg * (size_t)i, (size_t)seg, cap, why) < 0) {
			munmap(c->seg, c->segsize);
			c->seg = NULL;
			return -1;
		}
	deadline_start(&c->forever, -1);
	return 0;
}

static int bench_ring_attach(struct bench_chan *c, const char **why)
{
	size_t seg = c->segsize / 2;
	unsigned char *tx = c->seg + (c->child ? seg : 0), *rx = c->seg + (c->child ? 0 : seg);
	struct deadline d;

	deadline_start(&d, 2000);
	if (ring_attach(&c->ring_tx, tx, seg, RING_WRITER, &d, why) < 0)
		return -1;
	c->ring_tx_on = true;
	if (ring_attach(&c->ring_rx, rx, seg, RING_READER, &d, why) < 0)
		return -1;
	c->ring_rx_on = true;
	deadline_start(&c->poll, 0);
	return 0;
}

static int bench_ring_send(struct bench_chan *c, const void *buf, size_t len)
{
	return ring_write(&c->ring_tx, buf, len, &c->forever);
}

static int bench_ring_recv(struct bench_chan *c, void *buf, size_t len)
{
	size_t got;
	int rc = ring_read(&c->ring_rx, buf, len, &got, &c->forever);

	if (rc == 0)
		errno = ECONNRESET;
	return rc == 1 ? 0 : -1;
}

/* Busy-poll: a passed deadline makes each call look once and return. */
/* Sharing a CPU with the peer (unpinned, or a busy machine): let it run
 * now and then, or each side would spin out its whole time slice. */
static void bench_spin_yield(unsigned *polls)
{
	if (++*polls % 16 == 0)
		sched_yield();
}

static int bench_ring_spin_send(struct bench_chan *c, const void *buf, size_t len)
{
	unsigned polls = 0;

	while (ring_write(&c->ring_tx, buf, len, &c->poll) < 0) {
		if (errno != ETIMEDOUT || bench_child_gone)
			return -1;
		bench_spin_yield(&polls);
	}
	return 0;
}

static int bench_ring_spin_recv(struct bench_chan *c, void *buf, size_t len)
{
	size_t got;
	unsigned polls = 0;
	int rc;

	while ((rc = ring_read(&c->ring_rx, buf, len, &got, &c->poll)) < 0) {
		if (errno != ETIMEDOUT || bench_child_gone)
			return -1;
		bench_spin_yield(&polls);
	}
	if (rc == 0)
		errno = ECONNRESET;
	return rc == 1 ? 0 : -1;
}

static void bench_ring_close(struct bench_chan *c)
{
	if (c->ring_tx_on)
		ring_close(&c->ring_tx);
	if (c->ring_rx_on)
		ring_close(&c->ring_rx);
	c->ring_tx_on = c->ring_rx_on = false;
	if (c->seg)
		munmap(c->seg, c->segsize);
	c->seg = NULL;
}
#else
static int bench_ring_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)c;
	(void)size;
	return bench_fail(why, "not in this build (the shared-memory ring, lib/ring, is missing)",
			  ENOTSUP);
}
#define bench_ring_attach NULL
#define bench_ring_send NULL
#define bench_ring_recv NULL
#define bench_ring_spin_send NULL
#define bench_ring_spin_recv NULL
#define bench_ring_close bench_nothing_close
#endif

#define BENCH_FD_MECH(nm, sum, fl, op, snd, rcv)                                               \
	static const struct bench_mech bench_mech_##op = {                                     \
		nm, sum, fl, bench_##op##_open, bench_fd_attach, snd, rcv, bench_fd_close,     \
	}

#define PM (BENCH_PAYLOAD | BENCH_MESSAGE)
BENCH_FD_MECH("pipe", "pipe(2), one each way", BENCH_PAYLOAD, pipe, bench_stream_send,
	      bench_stream_recv);
BENCH_FD_MECH("fifo", "named pipes, opened by path", BENCH_PAYLOAD, fifo, bench_stream_send,
	      bench_stream_recv);
BENCH_FD_MECH("unix", "UNIX stream socket pair", BENCH_PAYLOAD, unix, bench_stream_send,
	      bench_stream_recv);
BENCH_FD_MECH("unix-dgram", "UNIX datagram socket pair", PM, unix_dgram, bench_msg_send,
	      bench_msg_recv);
BENCH_FD_MECH("unix-seqpacket", "UNIX seqpacket socket pair", PM, unix_seqpacket,
	      bench_msg_send, bench_msg_recv);
BENCH_FD_MECH("tcp", "TCP over the loopback, TCP_NODELAY", BENCH_PAYLOAD, tcp,
	      bench_stream_send, bench_stream_recv);
BENCH_FD_MECH("udp", "UDP over the loopback", PM | BENCH_LOSSY, udp, bench_msg_send,
	      bench_msg_recv);

static const struct bench_mech bench_mech_mq = {
	"mq", "POSIX message queues, one each way", PM,
	bench_mq_open, bench_mq_attach, bench_mq_send, bench_mq_recv, bench_mq_close,
};
static const struct bench_mech bench_mech_sysvmq = {
	"sysvmq", "a System V message queue, a type each way", PM,
	bench_sysvmq_open, bench_sysv_attach, bench_sysvmq_send, bench_sysvmq_recv,
	bench_sysvmq_close,
};
static const struct bench_mech bench_mech_shm = {
	"shm", "ipctool's shared-memory ring, futex wake-up", PM | BENCH_SHM,
	bench_ring_open, bench_ring_attach, bench_ring_send, bench_ring_recv, bench_ring_close,
};
static const struct bench_mech bench_mech_shm_spin = {
	"shm-spin", "ipctool's shared-memory ring, busy-polling", PM | BENCH_SHM | BENCH_SPIN,
	bench_ring_open, bench_ring_attach, bench_ring_spin_send, bench_ring_spin_recv,
	bench_ring_close,
};
static const struct bench_mech bench_mech_eventfd = {
	"eventfd", "eventfd(2) counters, one each way", 0,
	bench_eventfd_open, bench_fd_attach, bench_eventfd_send, bench_eventfd_recv,
	bench_fd_close,
};
static const struct bench_mech bench_mech_signal = {
	"signal", "SIGUSR1 with kill(2) and sigwaitinfo(2)", 0,
	bench_signal_open, bench_signal_attach, bench_signal_send, bench_signal_recv,
	bench_signal_close,
};
static const struct bench_mech bench_mech_sem = {
	"sem", "named POSIX semaphores, one each way", 0,
	bench_sem_open, bench_sem_attach, bench_sem_send, bench_sem_recv, bench_sem_close,
};
static const struct bench_mech bench_mech_sysvsem = {
	"sysvsem", "a System V semaphore set of two", 0,
	bench_sysvsem_open, bench_sysv_attach, bench_sysvsem_send, bench_sysvsem_recv,
	bench_sysvsem_close,
};
static const struct bench_mech bench_mech_floor = {
	"floor", "one shared cache line bounced by spinning: the hardware's limit",
	BENCH_SPIN | BENCH_SHM,
	bench_floor_open, bench_floor_attach, bench_floor_send, bench_floor_recv,
	bench_nothing_close,
};

const struct bench_mech *const bench_mechs[] = {
	&bench_mech_pipe, &bench_mech_fifo, &bench_mech_unix, &bench_mech_unix_dgram,
	&bench_mech_unix_seqpacket, &bench_mech_tcp, &bench_mech_udp, &bench_mech_mq,
	&bench_mech_sysvmq, &bench_mech_shm, &bench_mech_shm_spin, &bench_mech_eventfd,
	&bench_mech_signal, &bench_mech_sem, &bench_mech_sysvsem, &bench_mech_floor,
	NULL,
};

const struct bench_mech *bench_find(const char *name)
{
	size_t i;

	for (i = 0; bench_mechs[i]; i++)
		if (strcmp(bench_mechs[i]->name, name) == 0)
			return bench_mechs[i];
	return NULL;
}

bool bench_available(const struct bench_mech *m, const char **why)
{
	if (!m->send) {
		*why = "not in this build (the shared-memory ring, lib/ring, is missing)";
		return false;
	}
	return true;
}

/* Endpoints the user names: streams through ipctool's own socket and FIFO code. */
static int bench_ep_open(struct bench_chan *c, size_t size, const char **why)
{
	const struct endpoint *ep = c->ep;
	struct sock_listen_opts lo = { .mode = 0600, .reuse = false, .backlog = 1 };
	struct deadline d;
	int lfd, cfd, afd, err;

	(void)size;
	if (ep->kind == EP_FIFO || endpoint_is_message(ep))
		return 0; /* each side opens its end after fork */
	if (ep->kind != EP_UNIX && ep->kind != EP_TCP)
		return bench_fail(why, "not an endpoint bench can open at both ends", EINVAL);
	/* Like recv, listen; like send, connect; the receiver takes the
	 * accepted connection. */
	lfd = sock_listen(ep, &lo, &c->sockfile, why);
	if (lfd < 0)
		return -1;
	deadline_start(&d, 5000);
	cfd = sock_connect(ep, &d, true, why);
	if (cfd < 0)
		goto fail;
	afd = sock_accept(lfd, &d);
	if (afd < 0) {
		err = errno;
		close(cfd);
		errno = err;
		goto fail;
	}
	close(lfd);
	sock_file_remove(&c->sockfile);
	c->tx[0] = c->rx[0] = cfd;
	c->tx[1] = c->rx[1] = afd;
	return 0;
fail:
	err = errno;
	close(lfd);
	sock_file_remove(&c->sockfile);
	errno = err;
	return -1;
}

/* A message endpoint, opened as send and recv open it: the receiver
 * creates nothing, the sender waits for it (a socket's listener). */
static int bench_msgend_attach(struct bench_chan *c, const char **why)
{
	struct msgend_opts o = { .mode = 0600, .wait = endpoint_is_socket(c->ep), .wait_ms = 5000 };

	deadline_start(&c->forever_ep, -1);
	if (msgend_open(&c->me, c->ep, c->child ? MSGEND_RECEIVER : MSGEND_SENDER, &o, why) < 0)
		return -1;
	c->me_open = true;
	if (c->size > c->me.msgsize)
		return bench_fail(why, "larger than the endpoint's message size", EMSGSIZE);
	c->mebuf = malloc(c->me.msgsize ? c->me.msgsize : 1);
	return c->mebuf ? 0 : -1;
}

static int bench_msgend_send(struct bench_chan *c, const void *buf, size_t len)
{
	return msgend_send(&c->me, buf, len, NULL, &c->forever_ep);
}

static int bench_msgend_recv(struct bench_chan *c, void *buf, size_t len)
{
	size_t got;
	int rc;

	(void)buf;
	if (c->lossy) {
		struct deadline quiet;

		deadline_start(&quiet, BENCH_UDP_QUIET_MS);
		rc = msgend_recv(&c->me, c->mebuf, &got, NULL, &quiet);
		if (rc < 0 && errno == ETIMEDOUT)
			errno = EAGAIN;
	} else {
		rc = msgend_recv(&c->me, c->mebuf, &got, NULL, &c->forever_ep);
	}
	if (rc == MSGEND_EOS)
		errno = ECONNRESET;
	if (rc == 1 && got != len)
		errno = EMSGSIZE;
	return rc == 1 && got == len ? 0 : -1;
}

static int bench_ep_send(struct bench_chan *c, const void *buf, size_t len)
{
	if (c->me_open)
		return bench_msgend_send(c, buf, len);
	return bench_stream_send(c, buf, len);
}

static int bench_ep_recv(struct bench_chan *c, void *buf, size_t len)
{
	if (c->me_open)
		return bench_msgend_recv(c, buf, len);
	return bench_stream_recv(c, buf, len);
}

static void bench_ep_close(struct bench_chan *c)
{
	if (c->me_open)
		msgend_close(&c->me);
	c->me_open = false;
	free(c->mebuf);
	c->mebuf = NULL;
	bench_fd_close(c);
}

static int bench_ep_attach(struct bench_chan *c, const char **why)
{
	struct deadline d;
	int fd;

	if (endpoint_is_message(c->ep))
		return bench_msgend_attach(c, why);
	if (c->ep->kind != EP_FIFO)
		return bench_fd_attach(c, why);
	deadline_start(&d, 5000);
	if (c->child)
		fd = fifo_open_read(c->ep->path, &d);
	else
		fd = fifo_open_write(c->ep->path, &d, true);
	if (fd < 0)
		return -1;
	fifo_grow(fd, 1u << 20);
	c->tx[bench_me(c)] = c->rx[bench_me(c)] = fd;
	return 0;
}

static const struct bench_mech bench_mech_endpoint = {
	"endpoint", "an endpoint the user names", BENCH_PAYLOAD,
	bench_ep_open, bench_ep_attach, bench_ep_send, bench_ep_recv, bench_ep_close,
};

/* Running a benchmark in two processes. */

static void bench_on_sigchld(int sig)
{
	(void)sig;
	/* Only noted: blocking calls see EINTR, the run's waitpid reaps. */
	bench_child_gone = 1;
}

void bench_abort(void)
{
	struct bench_chan *c = bench_current;

	if (bench_child > 0)
		kill(bench_child, SIGKILL);
	if (!c)
		return;
	if (c->m && (c->m == &bench_mech_sysvmq) && c->sysv_id >= 0)
		msgctl(c->sysv_id, IPC_RMID, NULL);
	if (c->m && (c->m == &bench_mech_sysvsem) && c->sysv_id >= 0)
		semctl(c->sysv_id, 0, IPC_RMID);
	if (c->ep)
		sock_file_remove(&c->sockfile);
}

static int bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

static void bench_chan_init(struct bench_chan *c, const struct bench_mech *m,
			    const struct bench_params *p, struct bench_ctl *ctl)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->size = (m->flags & BENCH_PAYLOAD) || m == &bench_mech_endpoint ? p->size : 0;
	c->ctl = ctl;
	c->tx[0] = c->tx[1] = c->rx[0] = c->rx[1] = -1;
	c->mq[0] = c->mq[1] = (mqd_t)-1;
	c->sysv_id = -1;
	c->ep = p->ep;
	c->lossy = (m->flags & BENCH_LOSSY) || (p->ep && p->ep->kind == EP_UDP);
}

/* The child's side of a run: attach, report ready on sync, then play. */
typedef int (*bench_child_fn)(struct bench_chan *c, const struct bench_params *p, void *buf);

static void bench_child_main(struct bench_chan *c, const struct bench_params *p, int sync,
			     void *buf, bench_child_fn play)
{
	const char *why = NULL;
	char ok = 'R';
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != c->ctl->parent)
		_exit(1);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	c->child = true;
	c->peer = getppid();
	if (bench_pin(p->cpu[1]) < 0) {
		why = "cannot pin the child to its CPU";
		goto fail;
	}
	/* A FIFO's reader (fifo_open_read) returns only once data arrives:
	 * say ready first, and let a failure show as the parent's EPIPE. */
	if (c->ep && c->ep->kind == EP_FIFO) {
		if (write(sync, &ok, 1) != 1)
			_exit(1);
		close(sync);
		sync = -1;
	}
	if (c->m->attach(c, &why) < 0)
		goto fail;
	if (sync >= 0) {
		if (write(sync, &ok, 1) != 1)
			_exit(1);
		close(sync);
		sync = -1;
	}
	rc = play(c, p, buf);
	if (rc < 0)
		goto fail;
	c->m->close(c);
	_exit(0);
fail:
	c->ctl->err = errno ? errno : EIO;
	if (why)
		snprintf(c->ctl->why, sizeof(c->ctl->why), "%s", why);
	if (sync >= 0) {
		ok = 'E';
		(void)!write(sync, &ok, 1);
	}
	_exit(1);
}

struct bench_run {
	struct bench_chan chan;
	struct bench_ctl *ctl;
	void *buf;
	size_t bufsize;
	pid_t pid;
	struct sigaction old_chld;
	cpu_set_t old_cpus;
	bool pinned;
};

static int bench_finish(struct bench_run *r, int rc, const char **why);

/* Open the mechanism, fork the child that plays the other side, attach. */
static int bench_start(struct bench_run *r, const struct bench_mech *m,
		       const struct bench_params *p, bench_child_fn play, const char **why)
{
	struct sigaction sa;
	int sync[2], err;
	char ok = 0;

	memset(r, 0, sizeof(*r));
	r->pid = -1;
	r->bufsize = p->size > 64 ? p->size : 64;
	r->buf = malloc(r->bufsize);
	r->ctl = mmap(NULL, sizeof(*r->ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (!r->buf || r->ctl == MAP_FAILED) {
		free(r->buf);
		r->buf = NULL;
		if (r->ctl != MAP_FAILED)
			munmap(r->ctl, sizeof(*r->ctl));
		r->ctl = NULL;
		errno = ENOMEM;
		return -1;
	}
	memset(r->buf, 'x', r->bufsize);
	atomic_store(&r->ctl->total, UINT64_MAX);
	atomic_store(&r->ctl->warm, UINT64_MAX);
	r->ctl->parent = getpid();
	bench_chan_init(&r->chan, m, p, r->ctl);
	bench_current = &r->chan;
	if (m->open(&r->chan, r->chan.size, why) < 0)
		goto fail_early;
	if (pipe2(sync, O_CLOEXEC) < 0)
		goto fail_open;
	bench_child_gone = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bench_on_sigchld;
	sa.sa_flags = SA_NOCLDSTOP; /* no SA_RESTART: waits see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &r->old_chld);
	fflush(NULL);
	r->pid = fork();
	if (r->pid < 0) {
		err = errno;
		close(sync[0]);
		close(sync[1]);
		sigaction(SIGCHLD, &r->old_chld, NULL);
		errno = err;
		goto fail_open;
	}
	if (r->pid == 0) {
		close(sync[0]);
		bench_child_main(&r->chan, p, sync[1], r->buf, play);
	}
	bench_child = r->pid;
	close(sync[1]);
	r->chan.peer = r->pid;
	if (p->cpu[0] >= 0) {
		sched_getaffinity(0, sizeof(r->old_cpus), &r->old_cpus);
		r->pinned = true;
		if (bench_pin(p->cpu[0]) < 0) {
			close(sync[0]);
			bench_fail(why, "cannot pin to the first CPU", errno);
			return bench_finish(r, -1, why);
		}
	}
	if (m->attach(&r->chan, why) < 0) {
		close(sync[0]);
		return bench_finish(r, -1, why);
	}
	while (read(sync[0], &ok, 1) < 0 && errno == EINTR)
		;
	close(sync[0]);
	if (ok != 'R') {
		if (r->ctl->why[0] && why)
			*why = r->ctl->why;
		errno = r->ctl->err ? r->ctl->err : ECHILD;
		return bench_finish(r, -1, NULL);
	}
	return 0;
fail_open:
	err = errno;
	m->close(&r->chan);
	errno = err;
fail_early:
	err = errno;
	bench_current = NULL;
	munmap(r->ctl, sizeof(*r->ctl));
	free(r->buf);
	r->ctl = NULL;
	r->buf = NULL;
	errno = err;
	return -1;
}

/*
 * Wait for the child, release everything. With rc < 0 (the parent failed),
 * the child is killed; a child that failed turns success into failure.
 */
static int bench_finish(struct bench_run *r, int rc, const char **why)
{
	int status = 0, err = errno;

	if (r->pid > 0) {
		if (rc < 0)
			kill(r->pid, SIGKILL);
		while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
			;
		if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			rc = -1;
			err = r->ctl->err ? r->ctl->err : ECHILD;
			if (r->ctl->why[0] && why)
				*why = r->ctl->why;
		} else if (rc < 0 && (err == EINTR || err == ECHILD || err == ECONNRESET ||
				      err == EPIPE) && r->ctl->err) {
			/* The child's failure explains the parent's. */
			err = r->ctl->err;
			if (r->ctl->why[0] && why)
				*why = r->ctl->why;
		}
	}
	bench_child = 0;
	sigaction(SIGCHLD, &r->old_chld, NULL);
	if (r->pinned)
		sched_setaffinity(0, sizeof(r->old_cpus), &r->old_cpus);
	r->chan.child = false;
	r->chan.m->close(&r->chan);
	bench_current = NULL;
	munmap(r->ctl, sizeof(*r->ctl));
	free(r->buf);
	errno = err;
	return rc;
}

/* Ping-pong, child side: echo until the parent marks the last round. */
static int bench_latency_child(struct bench_chan *c, const struct bench_params *p, void *buf)
{
	const struct bench_mech *m = c->m;

	(void)p;
	for (;;) {
		if (m->recv(c, buf, c->size) < 0)
			return -1;
		if (atomic_load_explicit(&c->ctl->stop, memory_order_acquire))
			return 0;
		if (m->send(c, buf, c->size) < 0)
			return -1;
	}
}

static int bench_round(struct bench_run *r)
{
	struct bench_chan *c = &r->chan;

	if (c->m->send(c, r->buf, c->size) < 0)
		return -1;
	return c->m->recv(c, r->buf, c->size);
}

int bench_latency(const struct bench_mech *m, const struct bench_params *p, uint64_t **samples,
		  size_t *n, const char **why)
{
	struct bench_run r;
	uint64_t *s = NULL, t0, t1, end = 0, warm = 0, warm_ns, i, cap;
	int rc = -1;

	*samples = NULL;
	*n = 0;
	if (!bench_available(m, why)) {
		errno = ENOTSUP;
		return -1;
	}
	if (bench_start(&r, m, p, bench_latency_child, why) < 0)
		return -1;
	/* Warm-up; in duration mode at least 8 rounds, to size the buffer. */
	t0 = clock_now_ns();
	for (i = 0; i < p->warmup || (!p->count && i < 8); i++) {
		if (bench_round(&r) < 0)
			goto out;
		warm++;
		if (p->warmup_ms && i >= 8 && clock_now_ns() - t0 > p->warmup_ms * 1000000u)
			break;
	}
	warm_ns = clock_now_ns() - t0;
	if (p->count) {
		cap = p->count;
	} else {
		/* Twice the rounds the warm-up rate predicts, plus slack. */
		uint64_t per = warm ? warm_ns / warm : 1000;

		cap = p->duration_ms * 1000000u / (per ? per : 1) * 2 + 1024;
	}
	if (cap > BENCH_SAMPLES_MAX)
		cap = BENCH_SAMPLES_MAX;
	s = malloc(cap * sizeof(*s));
	if (!s)
		goto out;
	/* Touch every page now, not in the timed loop. */
	memset(s, 0, cap * sizeof(*s));
	if (!p->count)
		end = clock_now_ns() + p->duration_ms * 1000000u;
	for (i = 0; i < cap; i++) {
		t0 = clock_now_ns();
		if (bench_round(&r) < 0)
			goto out;
		t1 = clock_now_ns();
		s[i] = t1 - t0;
		if (end && t1 >= end) {
			i++;
			break;
		}
	}
	*n = i;
	/* The last message: the child stops without answering. */
	atomic_store_explicit(&r.ctl->stop, 1, memory_order_release);
	if (m->send(&r.chan, r.buf, r.chan.size) < 0)
		goto out;
	rc = 0;
out:
	rc = bench_finish(&r, rc, why);
	if (rc < 0) {
		int err = errno;

		free(s);
		*n = 0;
		errno = err;
		return -1;
	}
	*samples = s;
	return 0;
}

/* Streaming, child side: receive the warm-up, acknowledge, then the run. */
static int bench_stream_child(struct bench_chan *c, const struct bench_params *p, void *buf)
{
	const struct bench_mech *m = c->m;
	bool lossy = c->lossy;
	uint64_t i, got = 0, last = 0;

	for (i = 0; i < p->warmup; i++) {
		if (m->recv(c, buf, c->size) < 0) {
			if (lossy && errno == EAGAIN)
				break;
			return -1;
		}
		/* The parent may cut the warm-up short: it says how long it was. */
		if (i + 1 == atomic_load_explicit(&c->ctl->warm, memory_order_acquire))
			break;
	}
	atomic_store_explicit(&c->ctl->warmed, 1, memory_order_release);
	while (got < atomic_load_explicit(&c->ctl->total, memory_order_acquire)) {
		if (m->recv(c, buf, c->size) < 0) {
			if (lossy && errno == EAGAIN)
				break;
			return -1;
		}
		got++;
		if (lossy)
			last = clock_now_ns();
	}
	c->ctl->t_end = lossy ? last : clock_now_ns();
	c->ctl->received = got;
	return 0;
}

static int bench_stream_run(struct bench_run *r, const struct bench_params *p,
			    struct bench_rate *out)
{
	struct bench_chan *c = &r->chan;
	const struct bench_mech *m = c->m;
	uint64_t i, t0, end = 0, mask, warm = p->warmup;

	/* Warm-up, then the child's acknowledgement: nothing left in flight. */
	t0 = clock_now_ns();
	for (i = 0; i < warm; i++) {
		if (p->warmup_ms && i + 1 < warm && clock_now_ns() - t0 > p->warmup_ms * 1000000u) {
			atomic_store_explicit(&r->ctl->warm, i + 1, memory_order_release);
			warm = i + 1;
		}
		if (m->send(c, r->buf, c->size) < 0)
			return -1;
	}
	/* The receiver says (in the shared page: an endpoint is one-way) when
	 * it has drained the warm-up; a lossy one only after a quiet spell. */
	while (!atomic_load_explicit(&r->ctl->warmed, memory_order_acquire)) {
		struct timespec ts = { 0, 20000 };

		if (bench_child_gone) {
			errno = ECHILD;
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	atomic_store_explicit(&r->ctl->total, p->count ? p->count : UINT64_MAX,
			      memory_order_release);
	/* Look at the clock every message for large ones, less for small. */
	mask = c->size >= 65536 ? 0 : c->size >= 4096 ? 15 : 255;
	t0 = clock_now_ns();
	if (!p->count)
		end = t0 + p->duration_ms * 1000000u;
	for (i = 0;; i++) {
		if (p->count && i + 1 >= p->count) {
			/* total is already set */
		} else if (!p->count && (i & mask) == 0 && clock_now_ns() >= end) {
			/* Publish the total before the last message leaves. */
			atomic_store_explicit(&r->ctl->total, i + 1, memory_order_release);
		}
		if (m->send(c, r->buf, c->size) < 0)
			return -1;
		if (i + 1 == atomic_load_explicit(&r->ctl->total, memory_order_relaxed))
			break;
	}
	out->sent = i + 1;
	out->ns = t0; /* the child's end time is subtracted once it is known */
	return 0;
}

static int bench_stream_common(const struct bench_mech *m, const struct bench_params *p,
			       struct bench_rate *out, const char **why)
{
	struct bench_run r;
	struct bench_params q = *p;
	int rc;

	memset(out, 0, sizeof(*out));
	if (bench_start(&r, m, &q, bench_stream_child, why) < 0)
		return -1;
	rc = bench_stream_run(&r, &q, out);
	if (rc == 0) {
		uint64_t t0 = out->ns;
		siginfo_t si;

		/* Wait for the child's figures (bench_finish reaps it). */
		while (waitid(P_PID, (id_t)r.pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
			;
		out->messages = r.ctl->received;
		out->bytes = out->messages * r.chan.size;
		out->ns = r.ctl->t_end > t0 ? r.ctl->t_end - t0 : 1;
	}
	return bench_finish(&r, rc, why);
}

int bench_throughput(const struct bench_mech *m, const struct bench_params *p,
		     struct bench_rate *out, const char **why)
{
	if (!bench_available(m, why)) {
		errno = ENOTSUP;
		return -1;
	}
	if (!(m->flags & BENCH_PAYLOAD))
		return bench_fail(why, "a notification carries no data to stream", EINVAL);
	return bench_stream_common(m, p, out, why);
}

int bench_endpoint(const struct bench_params *p, struct bench_rate *out, const char **why)
{
	return bench_stream_common(&bench_mech_endpoint, p, out, why);
}
