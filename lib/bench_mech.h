/*
 * Inside lib/bench: what the harness (bench.c) and the backends
 * (bench_stream.c, bench_msg.c, bench_ring.c, bench_sync.c,
 * bench_endpoint.c, on the fd plumbing of bench_fd.c) share. A backend is
 * one const struct bench_mech of ops plus its functions; the table in
 * bench.c names them. Not for cmd/: it sees bench.h only.
 */
#ifndef IPCTOOL_BENCH_MECH_H
#define IPCTOOL_BENCH_MECH_H

#include <errno.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/msg.h>
#include <sys/types.h>

#include "bench.h"
#include "clock.h"
#include "msgend.h"
#include "sock.h"

#if __has_include("ring.h")
#include "ring.h"
#define BENCH_HAVE_RING 1
#else
#define BENCH_HAVE_RING 0
#endif

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

/* One side's view of a mechanism; each backend uses the fields it names. */
struct bench_chan {
	const struct bench_mech *m;
	bool child;		/* which process this copy of the channel is in */
	bool lossy;		/* may drop messages: a quiet receiver stops */
	bool stream;		/* a throughput run: send and recv may batch (flush) */
	size_t size;		/* message size the channel was opened for */
	struct bench_ctl *ctl;
	pid_t peer;
	/* fd mechanisms: [0] the parent's ends, [1] the child's. */
	int tx[2], rx[2];
	/* bench_msg.c */
	mqd_t mq[2];		/* [0] parent to child, [1] child to parent */
	int sysv_id;		/* System V queue or semaphore set; -1 */
	struct msgbuf *msg;	/* System V: a preallocated message */
	/* bench_sync.c */
	sem_t *sem[2];		/* [0] parent to child, [1] child to parent */
	sigset_t sigs, oldmask;
	bool masked;
	uint64_t seq;		/* floor: the last value this side saw or wrote */
	/* bench_stream.c */
	char dir[64];		/* fifo: a private directory for the two FIFOs */
	/* bench_endpoint.c: endpoints the user names. */
	const struct endpoint *ep;
	struct sock_file sockfile;
	struct msgend me;	/* message endpoints, through lib/msgend */
	bool me_open;
	void *mebuf;		/* a receive buffer of me.msgsize bytes */
	struct deadline forever_ep;
#if BENCH_HAVE_RING
	/* bench_ring.c */
	unsigned char *seg;	/* two rings: [0] parent to child, [1] child to parent */
	size_t segsize;
	struct ring ring_tx, ring_rx;
	bool ring_tx_on, ring_rx_on;
	struct deadline poll;	/* a passed deadline: poll once */
	struct deadline forever;
	bool ring_batch;	/* streaming: a batch is open on ring_tx */
	size_t ring_batched;	/* bytes in it */
	struct iovec ring_iov[64];	/* streaming: records read in one operation */
	size_t ring_iov_n, ring_iov_i;	/* how many, the next to copy out */
#endif
};

/* Set by the parent's SIGCHLD handler during a run (bench.c). */
extern volatile sig_atomic_t bench_child_gone;

static inline int bench_fail(const char **why, const char *text, int err)
{
	if (why)
		*why = text;
	errno = err;
	return -1;
}

/* A blocking call interrupted by SIGCHLD: give up if the child is gone. */
static inline bool bench_retry(void)
{
	return errno == EINTR && !bench_child_gone;
}

/* This side's index into the two-sided fields: 0 the parent, 1 the child. */
static inline int bench_me(const struct bench_chan *c)
{
	return c->child ? 1 : 0;
}

/* bench_fd.c: descriptors, one pair per side (tx/rx may be one socket). */
int bench_fd_attach(struct bench_chan *c, const char **why);
void bench_fd_close(struct bench_chan *c);
int bench_fd_socketpair(struct bench_chan *c, int type, size_t size);
int bench_fd_loopback(int type);
int bench_fd_connect_to(int fd, int peer);

/* bench_stream.c: exactly len bytes through a byte stream. */
int bench_stream_send(struct bench_chan *c, const void *buf, size_t len);
int bench_stream_recv(struct bench_chan *c, void *buf, size_t len);

/* The backends, in the files of their families. */
extern const struct bench_mech bench_mech_pipe, bench_mech_fifo, bench_mech_unix, bench_mech_tcp;
extern const struct bench_mech bench_mech_unix_dgram, bench_mech_unix_seqpacket, bench_mech_udp,
	bench_mech_mq, bench_mech_sysvmq;
extern const struct bench_mech bench_mech_shm, bench_mech_shm_spin;
extern const struct bench_mech bench_mech_eventfd, bench_mech_signal, bench_mech_sem,
	bench_mech_sysvsem, bench_mech_floor;
extern const struct bench_mech bench_mech_endpoint;

#endif
