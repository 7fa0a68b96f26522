/*
 * Unit tests of the ring's lone-side fast path (lib/ring.c): one writer and
 * one reader take no lock; a second writer or reader that joins or leaves
 * mid-stream switches its side to the lock and back without losing or
 * crossing a record; a peer that dies in either mode is survived.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../../lib/ring.h"

#define CAP 16384u
#define OFF_WLOCK 32
#define OFF_RLOCK 48
/* The busy words (ring.h: after index, closed, pid and session). */
#define OFF_WBUSY (RING_WRITER_LINE + 20)
#define OFF_RBUSY (RING_READER_LINE + 20)
#define OFF_WSHARED RING_SHARED_LINE
#define OFF_RSHARED (RING_SHARED_LINE + 4)

/* Records: {uint32 writer, uint32 seq} and filler up to 8 + seq % 61 bytes. */
#define MAXREC 128
#define NSEQ 60000

struct shared {
	_Atomic uint32_t count[2][NSEQ];	/* per writer, per seq: times read */
	_Atomic uint32_t read[4];		/* per reader: records committed */
	_Atomic uint32_t written[2];		/* per writer: records committed */
	_Atomic int stop;	/* writer 0 may close */
	_Atomic int joined;	/* the second process attached: writer 0 goes on */
	_Atomic int second;	/* the second reader attached... */
	_Atomic int left;	/* ...and has its count */
};

struct fixture {
	unsigned char *base;
	size_t size;
	struct shared *sh;
	struct deadline now, long_wait;
};

static void *map_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->size = ring_segment_size(CAP);
	f->base = map_shared(f->size);
	f->sh = map_shared(sizeof(*f->sh));
	assert_int_equal(ring_format(f->base, f->size, CAP, NULL), 0);
	deadline_start(&f->now, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	munmap(f->base, f->size);
	munmap(f->sh, sizeof(*f->sh));
	free(f);
	return 0;
}

static uint32_t get32(const struct fixture *f, size_t off)
{
	uint32_t v;

	memcpy(&v, f->base + off, 4);
	return v;
}

static uint64_t get64(const struct fixture *f, size_t off)
{
	uint64_t v;

	memcpy(&v, f->base + off, 8);
	return v;
}

static void put64(struct fixture *f, size_t off, uint64_t v)
{
	memcpy(f->base + off, &v, 8);
}

static void put32(struct fixture *f, size_t off, uint32_t v)
{
	memcpy(f->base + off, &v, 4);
}

static size_t record(unsigned char *buf, uint32_t writer, uint32_t seq)
{
	size_t len = 8 + seq % 61;

	memcpy(buf, &writer, 4);
	memcpy(buf + 4, &seq, 4);
	memset(buf + 8, (int)(seq & 0xff), len - 8);
	return len;
}

/* Check a record and its order for this reader: -1 when garbled or out of
 * order (last[w] is the writer's last seq seen, or -1). */
static int take(struct fixture *f, const unsigned char *buf, size_t len, int64_t last[2])
{
	uint32_t w, seq;
	size_t i;

	if (len < 8)
		return -1;
	memcpy(&w, buf, 4);
	memcpy(&seq, buf + 4, 4);
	if (w > 1 || seq >= NSEQ || len != 8 + seq % 61)
		return -1;
	for (i = 8; i < len; i++)
		if (buf[i] != (seq & 0xff))
			return -1;
	if ((int64_t)seq <= last[w])
		return -1;
	last[w] = seq;
	atomic_fetch_add(&f->sh->count[w][seq], 1);
	return 0;
}

/* A writer process: n records from seq from (batches of 16 when batched),
 * then close (writer 0 once the test says stop: it outlives the other);
 * exits 0, or 10 + the step that failed. */
static void writer_child(struct fixture *f, uint32_t w, uint32_t from, uint32_t n, bool batched,
			 bool close)
{
	unsigned char buf[MAXREC];
	struct deadline d;
	struct ring r;
	uint32_t seq;

	deadline_start(&d, 30000);
	if (ring_attach(&r, f->base, f->size, RING_WRITER, &d, NULL) < 0)
		_exit(10);
	if (w == 1)
		atomic_store(&f->sh->joined, 1);
	for (seq = from; seq < from + n; seq++) {
		size_t len = record(buf, w, seq);

		/* Mid-stream: a tenth written, wait for the second process. */
		while (w == 0 && seq == from + n / 10 && !atomic_load(&f->sh->joined))
			usleep(1000);
		if (batched && seq % 16 == 0 && ring_batch_begin(&r, &d) < 0)
			_exit(11);
		if (batched ? ring_batch_write(&r, buf, len, &d) < 0 : ring_write(&r, buf, len, &d) < 0) {
			fprintf(stderr, "writer %u: %s at seq %u\n", w, strerror(errno), seq);
			_exit(12);
		}
		if (batched && (seq % 16 == 15 || seq == from + n - 1)) {
			ring_batch_end(&r);
			atomic_store(&f->sh->written[w], seq + 1 - from);
		} else if (!batched) {
			atomic_store(&f->sh->written[w], seq + 1 - from);
		}
	}
	while (w == 0 && !atomic_load(&f->sh->stop))
		usleep(1000);
	if (close)
		ring_close(&r);
	_exit(0);
}

/* A reader process: until end of stream or until it has want records
 * (0: no limit); several at a time when batched. Exits 0, or 20 + step. */
static void reader_child(struct fixture *f, int id, uint32_t want, bool batched)
{
	unsigned char buf[MAXREC];
	int64_t last[2] = { -1, -1 };
	struct deadline d;
	struct ring r;
	size_t len;
	int rc;

	deadline_start(&d, 30000);
	if (ring_attach(&r, f->base, f->size, RING_READER, &d, NULL) < 0)
		_exit(20);
	if (id == 1) {
		atomic_store(&f->sh->second, 1);
		atomic_store(&f->sh->joined, 1);
	}
	r.counted = want > 0;
	for (;;) {
		if (want && atomic_load(&f->sh->read[id]) >= want)
			break;
		/* The first gives way while the second is short of its count
		 * (else it may take every record, and the second wait for ever). */
		if (id == 0 && atomic_load(&f->sh->second) && !atomic_load(&f->sh->left))
			usleep(200);
		if (batched) {
			struct iovec iov[8];
			size_t n, i;

			rc = ring_read_beginv(&r, iov, 8, SIZE_MAX, 0, &n, &d);
			if (rc != 1)
				break;
			for (i = 0; i < n; i++)
				if (take(f, iov[i].iov_base, iov[i].iov_len, last) < 0)
					_exit(21);
			ring_read_end(&r);
			atomic_fetch_add(&f->sh->read[id], (uint32_t)n);
			continue;
		}
		rc = ring_read(&r, buf, sizeof(buf), &len, &d);
		if (rc != 1)
			break;
		if (take(f, buf, len, last) < 0)
			_exit(21);
		atomic_fetch_add(&f->sh->read[id], 1);
	}
	if (want)
		atomic_store(&f->sh->left, 1);
	if (rc < 0 && !want) {
		fprintf(stderr, "reader %d: %s after %u records (others %u, written %u; "
			"head %llu, tail %llu, claimed %llu)\n", id, strerror(errno),
			atomic_load(&f->sh->read[id]), atomic_load(&f->sh->read[!id]),
			atomic_load(&f->sh->written[0]),
			(unsigned long long)get64(f, RING_WRITER_LINE),
			(unsigned long long)get64(f, RING_READER_LINE),
			(unsigned long long)get64(f, RING_READER_LINE + 24));
		_exit(22);
	}
	ring_close(&r);
	_exit(0);
}

static pid_t spawn(void)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	return pid;
}

static void expect_exit(pid_t pid, int status)
{
	int st;

	assert_int_equal(waitpid(pid, &st, 0), pid);
	if (!WIFEXITED(st))
		fail_msg("pid %d ended by signal %d", (int)pid, WTERMSIG(st));
	assert_int_equal(WEXITSTATUS(st), status);
}

/* Wait (at most 20 s) until *v reaches at least want. */
static void wait_for(_Atomic uint32_t *v, uint32_t want)
{
	int i;

	for (i = 0; i < 20000 && atomic_load(v) < want; i++)
		usleep(1000);
	assert_true(atomic_load(v) >= want);
}

/* Each of the writer's seqs in [from, to) was read exactly once. */
static void expect_once(struct fixture *f, uint32_t w, uint32_t from, uint32_t to)
{
	uint32_t i;

	for (i = from; i < to; i++)
		if (atomic_load(&f->sh->count[w][i]) != 1)
			fail_msg("writer %u seq %u read %u times", w, i,
				 atomic_load(&f->sh->count[w][i]));
}

/*
 * One writer, one reader: no lock is touched. Both lock words name pid 1
 * (alive, not attached): a process that took a lock would fail at once.
 */
static void test_lone_sides_take_no_lock(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[MAXREC], out[MAXREC];
	int64_t last[2] = { -1, -1 };
	struct ring w, r;
	struct iovec iov[4];
	size_t len, n, i;
	uint32_t seq;

	assert_int_equal(ring_attach(&w, f->base, f->size, RING_WRITER, &f->now, NULL), 0);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, NULL), 0);
	put32(f, OFF_WLOCK, 1);
	put32(f, OFF_RLOCK, 1);
	for (seq = 0; seq < 3000; seq++) {
		size_t l = record(buf, 0, seq);

		if (seq % 3 == 0) {
			assert_int_equal(ring_write(&w, buf, l, &f->now), 0);
		} else {
			assert_int_equal(ring_batch_begin(&w, &f->now), 0);
			assert_int_equal(ring_batch_write(&w, buf, l, &f->now), 0);
			ring_batch_end(&w);
		}
		/* Busy only within an operation. */
		assert_int_equal(get32(f, OFF_WBUSY), 0);
		if (seq % 2) {
			assert_int_equal(ring_read_beginv(&r, iov, 4, SIZE_MAX, 0, &n, &f->now), 1);
			/* Handed out: they are our claim, the operation is over. */
			assert_int_equal(get32(f, OFF_RBUSY), 0);
			for (i = 0; i < n; i++)
				assert_int_equal(take(f, iov[i].iov_base, iov[i].iov_len, last), 0);
			ring_read_end(&r);
			assert_int_equal(get32(f, OFF_RBUSY), 0);
		}
	}
	while (ring_read(&r, out, sizeof(out), &len, &f->now) == 1)
		assert_int_equal(take(f, out, len, last), 0);
	expect_once(f, 0, 0, 3000);
	assert_int_equal(get32(f, OFF_WLOCK), 1);
	assert_int_equal(get32(f, OFF_RLOCK), 1);
	assert_int_equal(get32(f, OFF_WSHARED), 0);
	assert_int_equal(get32(f, OFF_RSHARED), 0);
	put32(f, OFF_WLOCK, 0);
	put32(f, OFF_RLOCK, 0);
	ring_close(&w);
	ring_close(&r);
}

/*
 * A second writer joins a lone writer's stream and leaves it again, while
 * the first writes on: every record of both arrives once, in each writer's
 * order; after it left, its side goes back to the fast path.
 */
static void switch_writers(struct fixture *f, bool batched)
{
	pid_t rd, w0, w1;

	rd = spawn();
	if (rd == 0)
		reader_child(f, 0, 0, batched);
	w0 = spawn();
	if (w0 == 0)
		writer_child(f, 0, 0, NSEQ, batched, true);
	/* Mid-stream: writer 0 waits for it after a tenth. */
	wait_for(&f->sh->written[0], NSEQ / 10);
	w1 = spawn();
	if (w1 == 0)
		writer_child(f, 1, 0, NSEQ / 4, batched, true);
	expect_exit(w1, 0);
	atomic_store(&f->sh->stop, 1);
	/* The first writes on, alone again. */
	expect_exit(w0, 0);
	expect_exit(rd, 0);
	expect_once(f, 0, 0, NSEQ);
	expect_once(f, 1, 0, NSEQ / 4);
	assert_int_equal(atomic_load(&f->sh->read[0]), NSEQ + NSEQ / 4);
	/* Shared once (odd), alone again (even). */
	assert_int_equal(get32(f, OFF_WSHARED), 2);
}

static void test_second_writer_joins_and_leaves(void **state)
{
	switch_writers(*state, false);
}

static void test_second_writer_joins_and_leaves_batched(void **state)
{
	switch_writers(*state, true);
}

/*
 * A second reader joins a lone reader and leaves (after 100 records: how
 * readers share a stream is not fair, the first may take most) while the
 * writer goes on: every record is read exactly once, by one of them, in
 * order.
 */
static void switch_readers(struct fixture *f, bool batched)
{
	pid_t r0, r1, w0;

	r0 = spawn();
	if (r0 == 0)
		reader_child(f, 0, 0, batched);
	w0 = spawn();
	if (w0 == 0)
		writer_child(f, 0, 0, NSEQ, batched, true);
	wait_for(&f->sh->read[0], NSEQ / 10);
	r1 = spawn();
	if (r1 == 0)
		reader_child(f, 1, 100, batched);
	expect_exit(r1, 0);
	atomic_store(&f->sh->stop, 1);
	expect_exit(w0, 0);
	expect_exit(r0, 0);
	expect_once(f, 0, 0, NSEQ);
	assert_int_equal(atomic_load(&f->sh->read[0]) + atomic_load(&f->sh->read[1]), NSEQ);
	assert_true(atomic_load(&f->sh->read[1]) >= 100);
	assert_int_equal(get32(f, OFF_RSHARED), 2);
}

static void test_second_reader_joins_and_leaves(void **state)
{
	switch_readers(*state, false);
}

static void test_second_reader_joins_and_leaves_batched(void **state)
{
	switch_readers(*state, true);
}

/*
 * A lone writer killed mid-stream (fast path): the reader gets a prefix of
 * its records, whole and in order, then those of the next writer, which
 * takes its place without the lock.
 */
static void test_lone_writer_killed(void **state)
{
	struct fixture *f = *state;
	unsigned char out[MAXREC];
	int64_t last[2] = { -1, -1 };
	struct deadline d;
	struct ring r;
	size_t len;
	uint32_t got = 0, i;
	pid_t w0, w1;
	int rc;

	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, NULL), 0);
	r.counted = true;
	atomic_store(&f->sh->stop, 1);
	atomic_store(&f->sh->joined, 1);
	w0 = spawn();
	if (w0 == 0)
		writer_child(f, 0, 0, NSEQ, false, true);
	deadline_start(&d, 20000);
	while (got < 5000) {
		assert_int_equal(ring_read(&r, out, sizeof(out), &len, &d), 1);
		assert_int_equal(take(f, out, len, last), 0);
		got++;
	}
	kill(w0, SIGKILL);
	waitpid(w0, NULL, 0);
	w1 = spawn();
	if (w1 == 0)
		writer_child(f, 1, 0, 1000, false, true);
	/* The dead writer's committed records, then the second's 1000. */
	while (atomic_load(&f->sh->count[1][999]) == 0) {
		rc = ring_read(&r, out, sizeof(out), &len, &d);
		/* Between the two writers: the dead one is noticed. */
		if (rc < 0 && errno == ECONNRESET)
			continue;
		assert_int_equal(rc, 1);
		assert_int_equal(take(f, out, len, last), 0);
	}
	expect_exit(w1, 0);
	for (i = 0; i <= (uint32_t)last[0]; i++)
		assert_int_equal(atomic_load(&f->sh->count[0][i]), 1);
	expect_once(f, 1, 0, 1000);
	ring_close(&r);
}

/*
 * A lone reader killed while it holds records it has not taken (between
 * begin and end): the next reader gets them, and everything after, in
 * order (at least once: nothing the dead one took comes again).
 */
static void test_lone_reader_killed(void **state)
{
	struct fixture *f = *state;
	int64_t last[2] = { -1, -1 };
	unsigned char out[MAXREC];
	struct deadline d;
	struct ring r;
	size_t len;
	uint32_t done, seq, first;
	pid_t rd, w0;
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	atomic_store(&f->sh->stop, 1);
	atomic_store(&f->sh->joined, 1);
	/* As many as the ring holds: the writer never waits for the dead. */
	w0 = spawn();
	if (w0 == 0)
		writer_child(f, 0, 0, 200, false, true);
	rd = spawn();
	if (rd == 0) {
		struct ring cr;
		const void *data;

		deadline_start(&d, 20000);
		if (ring_attach(&cr, f->base, f->size, RING_READER, &d, NULL) < 0)
			_exit(1);
		for (seq = 0; seq < 100; seq++) {
			if (ring_read_begin(&cr, &data, &len, &d) != 1)
				_exit(2);
			ring_read_end(&cr);
			atomic_fetch_add(&f->sh->read[0], 1);
		}
		/* Holds the next record, not taken, and dies so. */
		if (ring_read_begin(&cr, &data, &len, &d) != 1 || write(p[1], "h", 1) != 1)
			_exit(3);
		pause();
		_exit(4);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	kill(rd, SIGKILL);
	waitpid(rd, NULL, 0);
	done = atomic_load(&f->sh->read[0]);
	assert_int_equal(done, 100);
	deadline_start(&d, 20000);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &d, NULL), 0);
	assert_int_equal(ring_read(&r, out, sizeof(out), &len, &d), 1);
	memcpy(&first, out + 4, 4);
	/* The record the dead reader held comes first. */
	assert_int_equal(first, 100);
	assert_int_equal(take(f, out, len, last), 0);
	while (ring_read(&r, out, sizeof(out), &len, &d) == 1)
		assert_int_equal(take(f, out, len, last), 0);
	expect_once(f, 0, 100, 200);
	expect_exit(w0, 0);
	ring_close(&r);
	close(p[0]);
	close(p[1]);
}

/* Record seq of writer 0, written by the test itself. */
static void put_records(struct fixture *f, struct ring *w, uint32_t from, uint32_t to)
{
	unsigned char buf[MAXREC];
	uint32_t seq;

	for (seq = from; seq < to; seq++)
		assert_int_equal(ring_write(w, buf, record(buf, 0, seq), &f->now), 0);
}

/* The next record's seq (writer 0), taken through take(). */
static uint32_t next_seq(struct fixture *f, struct ring *r, int64_t *last, const struct deadline *d)
{
	unsigned char out[MAXREC];
	uint32_t seq;
	size_t len;

	assert_int_equal(ring_read(r, out, sizeof(out), &len, d), 1);
	assert_int_equal(take(f, out, len, last), 0);
	memcpy(&seq, out + 4, 4);
	return seq;
}

/*
 * A reader that took records and stalls before it is done with them (its
 * output blocked) holds nothing of its side: a second reader attaches at
 * once and reads the records after them. When the first dies, the second
 * gets what it took, then goes on; tail moves past them all.
 */
static void test_stalled_reader_killed(void **state)
{
	struct fixture *f = *state;
	int64_t last[2] = { -1, -1 };
	struct deadline d, soon;
	struct ring w, r;
	uint32_t seq;
	pid_t rd;
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(ring_attach(&w, f->base, f->size, RING_WRITER, &f->now, NULL), 0);
	put_records(f, &w, 0, 10);
	rd = spawn();
	if (rd == 0) {
		struct iovec iov[4];
		struct ring cr;
		size_t n;

		deadline_start(&d, 20000);
		if (ring_attach(&cr, f->base, f->size, RING_READER, &d, NULL) < 0 ||
		    ring_read_beginv(&cr, iov, 4, SIZE_MAX, 0, &n, &d) != 1 || n != 4 ||
		    write(p[1], "h", 1) != 1)
			_exit(1);
		/* Killed by the test; by SIGALRM if the test failed first. */
		alarm(60);
		pause();
		_exit(2);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	/* Before: the second waited for the first's operation, for ever. */
	deadline_start(&soon, 1000);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &soon, NULL), 0);
	for (seq = 4; seq < 10; seq++)
		assert_int_equal(next_seq(f, &r, last, &f->now), seq);
	/* Not freed: the writer cannot reuse the first's records. */
	assert_int_equal(get64(f, RING_READER_LINE), 0);
	kill(rd, SIGKILL);
	waitpid(rd, NULL, 0);
	last[0] = -1;
	deadline_start(&d, 5000);
	for (seq = 0; seq < 4; seq++)
		assert_int_equal(next_seq(f, &r, last, &d), seq);
	put_records(f, &w, 10, 12);
	for (seq = 10; seq < 12; seq++)
		assert_int_equal(next_seq(f, &r, last, &d), seq);
	assert_int_equal(get64(f, RING_READER_LINE), get64(f, RING_WRITER_LINE));
	expect_once(f, 0, 0, 12);
	ring_close(&r);
	ring_close(&w);
	close(p[0]);
	close(p[1]);
}

/*
 * A reader that closes with records out (a partial batch, or one it could
 * not write out) leaves them to the next reader, first and in order; a
 * batch it ended partly is handed out again from where it stopped.
 */
static void test_reader_closes_with_records_out(void **state)
{
	struct fixture *f = *state;
	int64_t last[2] = { -1, -1 };
	struct iovec iov[8];
	struct ring w, a, b;
	uint32_t seq;
	size_t n;

	assert_int_equal(ring_attach(&w, f->base, f->size, RING_WRITER, &f->now, NULL), 0);
	assert_int_equal(ring_attach(&a, f->base, f->size, RING_READER, &f->now, NULL), 0);
	put_records(f, &w, 0, 8);
	assert_int_equal(next_seq(f, &a, last, &f->now), 0);
	/* Three out, then given back: handed out again, and more after them. */
	assert_int_equal(ring_read_beginv(&a, iov, 3, SIZE_MAX, 0, &n, &f->now), 1);
	assert_int_equal(n, 3);
	ring_read_abort(&a);
	assert_int_equal(ring_read_beginv(&a, iov, 5, SIZE_MAX, 0, &n, &f->now), 1);
	assert_int_equal(n, 5);
	assert_memory_equal(iov[0].iov_base, "\0\0\0\0\1\0\0\0", 8);
	ring_read_abort(&a);
	/* Out at close: the next reader's, before what follows them. */
	assert_int_equal(ring_read_beginv(&a, iov, 2, SIZE_MAX, 0, &n, &f->now), 1);
	ring_close(&a);
	put_records(f, &w, 8, 10);
	assert_int_equal(ring_attach(&b, f->base, f->size, RING_READER, &f->now, NULL), 0);
	for (seq = 1; seq < 10; seq++)
		assert_int_equal(next_seq(f, &b, last, &f->now), seq);
	expect_once(f, 0, 0, 10);
	assert_int_equal(get64(f, RING_READER_LINE), get64(f, RING_WRITER_LINE));
	ring_close(&b);
	ring_close(&w);
}

/*
 * A reader that died freeing its claim, after it cleared the claim and
 * before it moved tail, leaves tail behind with no claim there: the next
 * read, copied or claimed, moves it on (else the writer waits for room for
 * ever).
 */
static void test_tail_left_behind(void **state)
{
	struct fixture *f = *state;
	int64_t last[2] = { -1, -1 };
	struct iovec iov[2];
	struct ring w, r;
	size_t n;

	assert_int_equal(ring_attach(&w, f->base, f->size, RING_WRITER, &f->now, NULL), 0);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, NULL), 0);
	put_records(f, &w, 0, 4);
	assert_int_equal(next_seq(f, &r, last, &f->now), 0);
	put64(f, RING_READER_LINE, 0);
	assert_int_equal(next_seq(f, &r, last, &f->now), 1);
	assert_int_equal(get64(f, RING_READER_LINE), get64(f, RING_READER_LINE + 24));
	put64(f, RING_READER_LINE, 0);
	assert_int_equal(ring_read_beginv(&r, iov, 2, SIZE_MAX, 0, &n, &f->now), 1);
	assert_int_equal(n, 2);
	ring_read_end(&r);
	assert_int_equal(get64(f, RING_READER_LINE), get64(f, RING_WRITER_LINE));
	ring_close(&r);
	ring_close(&w);
}

/*
 * Two writers (locked mode), one killed mid-stream: the survivor goes on,
 * every one of its records arrives, and the dead one's arrive as a prefix
 * of its sequence. Its side goes back to the fast path in time.
 */
static void test_shared_writer_killed(void **state)
{
	struct fixture *f = *state;
	pid_t rd, w0, w1;

	atomic_store(&f->sh->joined, 1);
	rd = spawn();
	if (rd == 0)
		reader_child(f, 0, 0, true);
	w0 = spawn();
	if (w0 == 0)
		writer_child(f, 0, 0, NSEQ, false, true);
	w1 = spawn();
	if (w1 == 0)
		writer_child(f, 1, 0, NSEQ, true, true);
	wait_for(&f->sh->written[1], NSEQ / 8);
	/* The other writer attached: else the reader rightly finds every
	 * writer dead without a close (ECONNRESET). */
	wait_for(&f->sh->written[0], 100);
	kill(w1, SIGKILL);
	waitpid(w1, NULL, 0);
	atomic_store(&f->sh->stop, 1);
	expect_exit(w0, 0);
	expect_exit(rd, 0);
	expect_once(f, 0, 0, NSEQ);
	{
		uint32_t i, seen = 0;

		while (seen < NSEQ && atomic_load(&f->sh->count[1][seen]) == 1)
			seen++;
		for (i = seen; i < NSEQ; i++)
			assert_int_equal(atomic_load(&f->sh->count[1][i]), 0);
		assert_true(seen >= atomic_load(&f->sh->written[1]));
	}
}

/*
 * A lone writer stalled inside an operation (busy): a second writer waits
 * for it, times out saying whom it waited for, and once the first dies,
 * joins (the dead one's half record is never seen).
 */
static void test_busy_writer_dies(void **state)
{
	struct fixture *f = *state;
	unsigned char out[MAXREC];
	struct deadline d;
	struct ring w2, r;
	const char *why = NULL;
	size_t len;
	pid_t w0, killer;
	int p[2];
	char c;

	assert_int_equal(pipe(p), 0);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, NULL), 0);
	w0 = spawn();
	if (w0 == 0) {
		struct ring w;
		void *data;

		deadline_start(&d, 20000);
		if (ring_attach(&w, f->base, f->size, RING_WRITER, &d, NULL) < 0 ||
		    ring_write(&w, "one", 3, &d) < 0 || ring_write_begin(&w, 10, &data, &d) < 0)
			_exit(1);
		memset(data, 'x', 10);
		if (write(p[1], "b", 1) != 1)
			_exit(2);
		pause();
		_exit(3);
	}
	assert_int_equal(read(p[0], &c, 1), 1);
	assert_int_equal(get32(f, OFF_WBUSY), (uint32_t)w0);
	deadline_start(&d, 300);
	assert_int_equal(ring_attach(&w2, f->base, f->size, RING_WRITER, &d, &why), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_non_null(strstr(why, "stayed busy"));
	/* Killed while we wait to join. */
	killer = spawn();
	if (killer == 0) {
		usleep(200000);
		kill(w0, SIGKILL);
		_exit(0);
	}
	deadline_start(&d, 20000);
	assert_int_equal(ring_attach(&w2, f->base, f->size, RING_WRITER, &d, &why), 0);
	expect_exit(killer, 0);
	waitpid(w0, NULL, 0);
	assert_int_equal(get32(f, OFF_WBUSY), 0);
	assert_int_equal(ring_write(&w2, "two", 3, &d), 0);
	assert_int_equal(ring_read(&r, out, sizeof(out), &len, &d), 1);
	assert_memory_equal(out, "one", 3);
	assert_int_equal(ring_read(&r, out, sizeof(out), &len, &d), 1);
	assert_int_equal(len, 3);
	assert_memory_equal(out, "two", 3);
	ring_close(&w2);
	ring_close(&r);
	close(p[0]);
	close(p[1]);
}

/* A busy word naming a live process that is not attached is corrupt: the
 * second writer fails at once instead of waiting for it. */
static void test_foreign_busy_word(void **state)
{
	struct fixture *f = *state;
	struct deadline forever;
	struct ring w, w2;

	deadline_start(&forever, -1);
	assert_int_equal(ring_attach(&w, f->base, f->size, RING_WRITER, &f->now, NULL), 0);
	put32(f, OFF_WBUSY, 1);
	assert_int_equal(ring_attach(&w2, f->base, f->size, RING_WRITER, &forever, NULL), -1);
	assert_int_equal(errno, EBADMSG);
	put32(f, OFF_WBUSY, 0);
	ring_close(&w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_lone_sides_take_no_lock, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_writer_joins_and_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_writer_joins_and_leaves_batched, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_second_reader_joins_and_leaves, setup, teardown),
		cmocka_unit_test_setup_teardown(test_second_reader_joins_and_leaves_batched, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_lone_writer_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lone_reader_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stalled_reader_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_closes_with_records_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tail_left_behind, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_writer_killed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_busy_writer_dies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_foreign_busy_word, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
