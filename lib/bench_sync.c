/*
 * Benchmarks (see bench.h): the notification backends, which carry no
 * payload: eventfd counters, signals, POSIX and System V semaphores, and the
 * floor, one shared cache line bounced between two spinning processes.
 */
#include "bench_mech.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <sys/eventfd.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <time.h>
#include <unistd.h>

/* eventfd: one counter each way; a message is an increment of 1. */
static int bench_sync_eventfd_open(struct bench_chan *c, size_t size, const char **why)
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

static int bench_sync_eventfd_send(struct bench_chan *c, const void *buf, size_t len)
{
	uint64_t one = 1;

	(void)buf;
	(void)len;
	while (write(c->tx[bench_me(c)], &one, sizeof(one)) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_sync_eventfd_recv(struct bench_chan *c, void *buf, size_t len)
{
	uint64_t v;

	(void)buf;
	(void)len;
	while (read(c->rx[bench_me(c)], &v, sizeof(v)) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

/* sem: two named POSIX semaphores, unlinked once open. */
static int bench_sync_sem_open(struct bench_chan *c, size_t size, const char **why)
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

static int bench_sync_sem_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return sem_post(c->sem[bench_me(c)]);
}

static int bench_sync_sem_recv(struct bench_chan *c, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	while (sem_wait(c->sem[1 - bench_me(c)]) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static void bench_sync_sem_close(struct bench_chan *c)
{
	int i;

	for (i = 0; i < 2; i++)
		if (c->sem[i])
			sem_close(c->sem[i]);
	c->sem[0] = c->sem[1] = NULL;
}

/* sysvsem: a private set of two; member 0 signals the child, 1 the parent. */
static int bench_sync_sysvsem_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)size;
	(void)why;
	c->sysv_id = semget(IPC_PRIVATE, 2, IPC_CREAT | 0600);
	return c->sysv_id < 0 ? -1 : 0;
}

static int bench_sync_sysvsem_op(struct bench_chan *c, unsigned short member, short op)
{
	struct sembuf sb = { .sem_num = member, .sem_op = op, .sem_flg = 0 };

	while (semop(c->sysv_id, &sb, 1) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static int bench_sync_sysvsem_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return bench_sync_sysvsem_op(c, c->child ? 1 : 0, 1);
}

static int bench_sync_sysvsem_recv(struct bench_chan *c, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return bench_sync_sysvsem_op(c, c->child ? 0 : 1, -1);
}

static void bench_sync_sysvsem_close(struct bench_chan *c)
{
	if (!c->child && c->sysv_id >= 0)
		semctl(c->sysv_id, 0, IPC_RMID);
	c->sysv_id = -1;
}

static void bench_sync_sysvsem_abort(struct bench_chan *c)
{
	if (c->sysv_id >= 0)
		semctl(c->sysv_id, 0, IPC_RMID);
}

/* signal: SIGUSR1 each way, blocked and taken with sigwaitinfo(2). */
static int bench_sync_signal_open(struct bench_chan *c, size_t size, const char **why)
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

static int bench_sync_signal_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	return kill(c->peer, SIGUSR1);
}

static int bench_sync_signal_recv(struct bench_chan *c, void *buf, size_t len)
{
	(void)buf;
	(void)len;
	while (sigwaitinfo(&c->sigs, NULL) < 0)
		if (!bench_retry())
			return -1;
	return 0;
}

static void bench_sync_signal_close(struct bench_chan *c)
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
static inline void bench_sync_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static int bench_sync_floor_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)size;
	(void)why;
	atomic_store(&c->ctl->line, 0);
	return 0;
}

static int bench_sync_floor_attach(struct bench_chan *c, const char **why)
{
	(void)why;
	c->seq = 0;
	return 0;
}

static int bench_sync_floor_send(struct bench_chan *c, const void *buf, size_t len)
{
	(void)buf;
	(void)len;
	atomic_store_explicit(&c->ctl->line, ++c->seq, memory_order_release);
	return 0;
}

static int bench_sync_floor_recv(struct bench_chan *c, void *buf, size_t len)
{
	uint64_t want = c->seq + 1;
	unsigned long spins = 0;

	(void)buf;
	(void)len;
	while (atomic_load_explicit(&c->ctl->line, memory_order_acquire) != want) {
		bench_sync_pause();
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

const struct bench_mech bench_mech_eventfd = {
	.name = "eventfd",
	.summary = "eventfd(2) counters, one each way",
	.flags = 0,
	.open = bench_sync_eventfd_open,
	.attach = bench_fd_attach,
	.send = bench_sync_eventfd_send,
	.recv = bench_sync_eventfd_recv,
	.close = bench_fd_close,
};

const struct bench_mech bench_mech_signal = {
	.name = "signal",
	.summary = "SIGUSR1 with kill(2) and sigwaitinfo(2)",
	.flags = 0,
	.open = bench_sync_signal_open,
	.send = bench_sync_signal_send,
	.recv = bench_sync_signal_recv,
	.close = bench_sync_signal_close,
};

const struct bench_mech bench_mech_sem = {
	.name = "sem",
	.summary = "named POSIX semaphores, one each way",
	.flags = 0,
	.open = bench_sync_sem_open,
	.send = bench_sync_sem_send,
	.recv = bench_sync_sem_recv,
	.close = bench_sync_sem_close,
};

const struct bench_mech bench_mech_sysvsem = {
	.name = "sysvsem",
	.summary = "a System V semaphore set of two",
	.flags = 0,
	.open = bench_sync_sysvsem_open,
	.send = bench_sync_sysvsem_send,
	.recv = bench_sync_sysvsem_recv,
	.close = bench_sync_sysvsem_close,
	.abort = bench_sync_sysvsem_abort,
};

const struct bench_mech bench_mech_floor = {
	.name = "floor",
	.summary = "one shared cache line bounced by spinning: the hardware's limit",
	.flags = BENCH_SPIN | BENCH_SHM,
	.open = bench_sync_floor_open,
	.attach = bench_sync_floor_attach,
	.send = bench_sync_floor_send,
	.recv = bench_sync_floor_recv,
};
