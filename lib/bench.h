/*
 * Benchmarks of the IPC mechanisms: two processes (the caller and a child it
 * forks) exchange messages through one mechanism.
 *
 * - Latency: ping-pong. The parent sends size bytes, the child receives them
 *   and sends size bytes back; one sample is the parent's round trip, timed
 *   with CLOCK_MONOTONIC around its send and its receive. Warm-up rounds
 *   run first; every timed round is kept.
 * - Throughput: the parent streams messages of size bytes one way; the
 *   child receives them. The rate is what arrived over the time from the
 *   parent's first send to the child's last receive (the receiver's view,
 *   as iperf3 reports it).
 *
 * A mechanism is a backend: open (in the parent, before fork), attach (in
 * each process after fork), send and receive one message in a direction,
 * close. Nothing in the timed loops allocates or prints. lib/bench.c is the
 * harness and the table of backends; the backends live by family in
 * lib/bench_stream.c, bench_msg.c, bench_ring.c, bench_sync.c and
 * bench_endpoint.c (lib/bench_mech.h is what they share).
 */
#ifndef IPCTOOL_BENCH_H
#define IPCTOOL_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "endpoint.h"

/* What a mechanism is. */
enum {
	BENCH_PAYLOAD = 1 << 0,	/* carries bytes (else a bare notification) */
	BENCH_MESSAGE = 1 << 1,	/* keeps message boundaries */
	BENCH_SPIN = 1 << 2,	/* waits by busy-polling: wants two CPUs */
	BENCH_LOSSY = 1 << 3,	/* may drop messages (UDP) */
	BENCH_SHM = 1 << 4,	/* shared memory: no copy through the kernel */
};

struct bench_chan;

struct bench_mech {
	const char *name;
	const char *summary;
	unsigned flags;
	/* In the parent before fork: create what both sides need. */
	int (*open)(struct bench_chan *c, size_t size, const char **why);
	/* In each process after fork (c->child tells which): its own ends.
	 * NULL: nothing to do. */
	int (*attach)(struct bench_chan *c, const char **why);
	/* One message of len bytes towards the peer / from the peer. NULL:
	 * not in this build. */
	int (*send)(struct bench_chan *c, const void *buf, size_t len);
	int (*recv)(struct bench_chan *c, void *buf, size_t len);
	/* In each process: release; the parent also removes named objects.
	 * NULL: nothing to release. */
	void (*close)(struct bench_chan *c);
	/* Streaming (c->stream): publish what send has batched; called after
	 * the warm-up and after the last message. NULL: send does not batch. */
	void (*flush)(struct bench_chan *c);
	/* From bench_abort (a signal handler): remove what outlives the
	 * processes, async-signal-safely. NULL: nothing does. */
	void (*abort)(struct bench_chan *c);
};

/* Every mechanism, in the order of the default run; NULL-terminated. */
extern const struct bench_mech *const bench_mechs[];
const struct bench_mech *bench_find(const char *name);
/*
 * Whether this build carries the mechanism (the shared-memory ring needs
 * lib/ring); false with *why saying what is missing.
 */
bool bench_available(const struct bench_mech *m, const char **why);

struct bench_params {
	size_t size;		/* bytes per message (ignored without BENCH_PAYLOAD) */
	uint64_t count;		/* timed rounds or messages; 0: run for duration_ms */
	uint64_t duration_ms;
	uint64_t warmup;	/* warm-up rounds or messages */
	uint64_t warmup_ms;	/* stop warming up after this long; 0: no limit */
	int cpu[2];		/* parent's and child's CPU; -1: not pinned */
	const struct endpoint *ep; /* bench_endpoint only */
};

struct bench_rate {
	uint64_t messages;	/* arrived */
	uint64_t bytes;
	uint64_t sent;		/* sent (more than arrived only when lossy) */
	uint64_t ns;		/* first send to last receive */
};

/*
 * Round trips: on success *samples (malloc'd, free it) holds *n round-trip
 * times in ns, in the order measured. -1 with errno (and *why when the
 * failure is not an errno one; it stays valid until the next run): EMSGSIZE
 * when size does not fit the mechanism, ENOTSUP when it is not in this build.
 */
int bench_latency(const struct bench_mech *m, const struct bench_params *p, uint64_t **samples,
		  size_t *n, const char **why);
/* One-way streaming; same errors. */
int bench_throughput(const struct bench_mech *m, const struct bench_params *p,
		     struct bench_rate *out, const char **why);
/*
 * Stream through an endpoint the user names, opened with ipctool's own
 * transport code (p->ep): the parent sends, a child receives.
 */
int bench_endpoint(const struct bench_params *p, struct bench_rate *out, const char **why);
/*
 * Whether this process may run on cpu (as --pin asks of both sides): tries
 * it and puts the old affinity back. 0, or -1 with errno (EINVAL for a CPU
 * that is offline, absent or outside the allowed set); a cpu < 0 is fine.
 */
int bench_pin_check(int cpu);
/*
 * For SIGINT: kill the child of a run in progress and remove the objects it
 * created. Async-signal-safe.
 */
void bench_abort(void);

#endif
