/*
 * Benchmarks (see bench.h): shm and shm-spin, ipctool's shared-memory ring
 * (lib/ring), one each way in one shared mapping. shm waits as the ring
 * does (spin briefly, then a futex); shm-spin only ever polls.
 */
#include "bench_mech.h"

#include <sched.h>
#include <string.h>
#include <sys/mman.h>

#if BENCH_HAVE_RING
/* Rings deep enough for four messages each, in one mapping both processes share. */
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

/* Streaming: a batch is published (one wake-up) at this many bytes, as
 * send(1)'s batches of input lines are; ring_batch_write publishes early
 * when it has to wait for room. */
#define BENCH_RING_BATCH_BYTES 16384u

static void bench_ring_flush(struct bench_chan *c)
{
	if (c->ring_batch)
		ring_batch_end(&c->ring_tx);
	c->ring_batch = false;
	c->ring_batched = 0;
}

/* Latency: one record each. Streaming: records batched as `send` does. */
static int bench_ring_send(struct bench_chan *c, const void *buf, size_t len)
{
	if (!c->stream)
		return ring_write(&c->ring_tx, buf, len, &c->forever);
	if (!c->ring_batch) {
		if (ring_batch_begin(&c->ring_tx, &c->forever) < 0)
			return -1;
		c->ring_batch = true;
	}
	if (ring_batch_write(&c->ring_tx, buf, len, &c->forever) < 0) {
		int err = errno;

		bench_ring_flush(c);
		errno = err;
		return -1;
	}
	c->ring_batched += len + RING_RECORD_HEADER;
	if (c->ring_batched >= BENCH_RING_BATCH_BYTES)
		bench_ring_flush(c);
	return 0;
}

/* Streaming: the records one operation found, copied out one per call;
 * the operation ends (tail moves) when the last is taken. */
static int bench_ring_recv_batch(struct bench_chan *c, void *buf, size_t len)
{
	struct iovec *v;
	int rc;

	if (c->ring_iov_i == c->ring_iov_n) {
		if (c->ring_iov_n)
			ring_read_end(&c->ring_rx);
		c->ring_iov_n = c->ring_iov_i = 0;
		rc = ring_read_beginv(&c->ring_rx, c->ring_iov, sizeof(c->ring_iov) /
				      sizeof(c->ring_iov[0]), (size_t)(c->ring_rx.capacity / 4),
				      0, &c->ring_iov_n, &c->forever);
		if (rc == 0)
			errno = ECONNRESET;
		if (rc != 1)
			return -1;
	}
	v = &c->ring_iov[c->ring_iov_i++];
	if (v->iov_len > len) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(buf, v->iov_base, v->iov_len);
	return 0;
}

static int bench_ring_recv(struct bench_chan *c, void *buf, size_t len)
{
	size_t got;
	int rc;

	if (c->stream)
		return bench_ring_recv_batch(c, buf, len);
	rc = ring_read(&c->ring_rx, buf, len, &got, &c->forever);
	if (rc == 0)
		errno = ECONNRESET;
	return rc == 1 ? 0 : -1;
}

/* Sharing a CPU with the peer (unpinned, or a busy machine): let it run
 * now and then, or each side would spin out its whole time slice. */
static void bench_ring_spin_yield(unsigned *polls)
{
	if (++*polls % 16 == 0)
		sched_yield();
}

/* Busy-poll: a passed deadline makes each call look once and return. */
static int bench_ring_spin_send(struct bench_chan *c, const void *buf, size_t len)
{
	unsigned polls = 0;

	while (ring_write(&c->ring_tx, buf, len, &c->poll) < 0) {
		if (errno != ETIMEDOUT || bench_child_gone)
			return -1;
		bench_ring_spin_yield(&polls);
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
		bench_ring_spin_yield(&polls);
	}
	if (rc == 0)
		errno = ECONNRESET;
	return rc == 1 ? 0 : -1;
}

static void bench_ring_close(struct bench_chan *c)
{
	if (c->ring_tx_on)
		bench_ring_flush(c);
	if (c->ring_rx_on && c->ring_iov_n)
		ring_read_end(&c->ring_rx);
	c->ring_iov_n = c->ring_iov_i = 0;
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
#define bench_ring_close NULL
#define bench_ring_flush NULL
#endif

const struct bench_mech bench_mech_shm = {
	.name = "shm",
	.summary = "ipctool's shared-memory ring, futex wake-up",
	.flags = BENCH_PAYLOAD | BENCH_MESSAGE | BENCH_SHM,
	.open = bench_ring_open,
	.attach = bench_ring_attach,
	.send = bench_ring_send,
	.recv = bench_ring_recv,
	.close = bench_ring_close,
	.flush = bench_ring_flush,
};

const struct bench_mech bench_mech_shm_spin = {
	.name = "shm-spin",
	.summary = "ipctool's shared-memory ring, busy-polling",
	.flags = BENCH_PAYLOAD | BENCH_MESSAGE | BENCH_SHM | BENCH_SPIN,
	.open = bench_ring_open,
	.attach = bench_ring_attach,
	.send = bench_ring_spin_send,
	.recv = bench_ring_spin_recv,
	.close = bench_ring_close,
};
