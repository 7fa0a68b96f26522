/* Unit tests of the shared-memory ring (lib/ring.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/ring.h"

#define CAP 4096u
/* Field offsets in the header page and the cache lines (ring.h). */
#define OFF_VERSION 8
#define OFF_HSIZE 12
#define OFF_CAPACITY 16
#define OFF_FLAGS 24
#define OFF_WLOCK 32	/* the writers' lock word (lib/lockword.h) */
#define OFF_RLOCK 48
#define OFF_HEAD RING_WRITER_LINE
#define OFF_TAIL RING_READER_LINE

struct fixture {
	unsigned char *base;
	size_t size;
	struct ring w, r;
	struct deadline now;
};

static void *map_shared(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static int setup_ring(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));
	const char *why = NULL;

	f->size = ring_segment_size(CAP);
	f->base = map_shared(f->size);
	assert_int_equal(ring_format(f->base, f->size, CAP, &why), 0);
	deadline_start(&f->now, 0);
	assert_int_equal(ring_attach(&f->w, f->base, f->size, RING_WRITER, &f->now, &why), 0);
	assert_int_equal(ring_attach(&f->r, f->base, f->size, RING_READER, &f->now, &why), 0);
	*state = f;
	return 0;
}

static int teardown_ring(void **state)
{
	struct fixture *f = *state;

	munmap(f->base, f->size);
	free(f);
	return 0;
}

static void fill(unsigned char *buf, size_t len, unsigned seed)
{
	size_t i;

	for (i = 0; i < len; i++)
		buf[i] = (unsigned char)(seed * 31 + i * 7);
}

static void test_format_rejects_bad_capacity(void **state)
{
	unsigned char *base = map_shared(RING_DATA_OFFSET + 3 * 4096);
	struct ring_info info;
	const char *why = NULL;

	(void)state;
	assert_int_equal(ring_format(base, RING_DATA_OFFSET + 3 * 4096, 3 * 4096, &why), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ring_format(base, RING_DATA_OFFSET + 3 * 4096, 16384, &why), -1);
	assert_int_equal(ring_format(base, RING_DATA_OFFSET + 3 * 4096, 2048, &why), -1);
	assert_int_equal(ring_format(base, RING_DATA_OFFSET + 3 * 4096, 8192, &why), 0);
	assert_int_equal(ring_info(base, RING_DATA_OFFSET + 3 * 4096, &info, &why), 0);
	assert_int_equal(info.capacity, 8192);
	assert_int_equal(ring_capacity_for(RING_DATA_OFFSET + 3 * 4096), 8192);
	assert_int_equal(ring_capacity_for(100), 0);
	munmap(base, RING_DATA_OFFSET + 3 * 4096);
}

static void test_empty_then_full(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[256], out[256];
	size_t len;
	int n = 0;

	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), -1);
	assert_int_equal(errno, ETIMEDOUT);
	fill(buf, sizeof(buf), 1);
	/* 248 + 8 bytes a record: 15 fit in 4096, the 16th does not (the
	 * 8 bytes after the last record stay free for the zeroed slot). */
	while (ring_write(&f->w, buf, 248, &f->now) == 0)
		n++;
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(n, CAP / 256 - 1);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
	assert_int_equal(len, 248);
	assert_memory_equal(out, buf, 248);
	assert_int_equal(ring_write(&f->w, buf, 248, &f->now), 0);
	while (n-- > 0)
		assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), -1);
	assert_int_equal(errno, ETIMEDOUT);
}

static void test_wrap_with_pad(void **state)
{
	struct fixture *f = *state;
	unsigned char buf[2048], out[2048];
	struct ring_info info;
	size_t len;
	int i;

	/* 1000-byte records: the fifth no longer fits before the end and is
	 * written at offset 0 after a pad record. */
	for (i = 0; i < 40; i++) {
		fill(buf, 1000, (unsigned)i);
		assert_int_equal(ring_write(&f->w, buf, 1000, &f->now), 0);
		if (i % 3 == 2) {
			assert_int_equal(ring_info(f->base, f->size, &info, NULL), 0);
			assert_true(info.used <= CAP);
		}
		assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
		assert_int_equal(len, 1000);
		assert_memory_equal(out, buf, 1000);
	}
	assert_int_equal(ring_info(f->base, f->size, &info, NULL), 0);
	assert_true(info.head > 4 * CAP);
	assert_int_equal(info.used, 0);
}

static void test_every_size(void **state)
{
	struct fixture *f = *state;
	size_t max = ring_max_record(CAP), len, n;
	unsigned char *buf = malloc(max + 1), *out = malloc(max + 1);

	assert_int_equal(max, CAP / 2 - 8);
	assert_int_equal(ring_write(&f->w, buf, max + 1, &f->now), -1);
	assert_int_equal(errno, EMSGSIZE);
	/* The start offset moves with every record, so pads fall at many
	 * offsets; a small record rides along while there is room. */
	for (n = 0; n <= max; n++) {
		fill(buf, n, (unsigned)n);
		assert_int_equal(ring_write(&f->w, buf, n, &f->now), 0);
		if (n < max / 2)
			assert_int_equal(ring_write(&f->w, buf, n % 24, &f->now), 0);
		assert_int_equal(ring_read(&f->r, out, max, &len, &f->now), 1);
		assert_int_equal(len, n);
		assert_memory_equal(out, buf, len);
		if (n < max / 2) {
			assert_int_equal(ring_read(&f->r, out, max, &len, &f->now), 1);
			assert_int_equal(len, n % 24);
			assert_memory_equal(out, buf, len);
		}
	}
	free(buf);
	free(out);
}

static void test_close_is_end_of_stream(void **state)
{
	struct fixture *f = *state;
	unsigned char out[16];
	size_t len;

	assert_int_equal(ring_write(&f->w, "abc", 3, &f->now), 0);
	assert_int_equal(ring_write(&f->w, "", 0, &f->now), 0);
	ring_close(&f->w);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
	assert_int_equal(len, 3);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
	assert_int_equal(len, 0);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 0);
}

/*
 * A reader waiting for a count (recv -c) outlives a writer's close: the
 * next writer's records reach it; a plain reader ends at the close.
 */
static void test_counted_reader_outlives_close(void **state)
{
	struct fixture *f = *state;
	struct deadline d;
	struct ring w2, plain;
	unsigned char out[16];
	size_t len;

	f->r.counted = true;
	assert_int_equal(ring_write(&f->w, "one", 3, &f->now), 0);
	ring_close(&f->w);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
	deadline_start(&d, 50);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &d), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(ring_attach(&plain, f->base, f->size, RING_READER, &f->now, NULL), 0);
	/* The second writer starts after the first closed. */
	assert_int_equal(ring_attach(&w2, f->base, f->size, RING_WRITER, &f->now, NULL), 0);
	assert_int_equal(ring_write(&w2, "two", 3, &f->now), 0);
	ring_close(&w2);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
	assert_memory_equal(out, "two", 3);
	assert_int_equal(ring_read(&plain, out, sizeof(out), &len, &f->now), 0);
	ring_close(&plain);
}

/* A segment truncated under a waiting reader (its pages beyond the first
 * of the data area gone: the reader polls the record there): the wait ends
 * with ENXIO instead of going on for ever. */
static void test_truncated_while_waiting(void **state)
{
	struct fixture *f = *state;
	struct deadline d;
	unsigned char out[16], *base;
	struct ring r;
	size_t size = ring_segment_size(4 * CAP), len;
	int fd = memfd_create("ring", 0);

	(void)f;
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (off_t)size), 0);
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	assert_true(base != MAP_FAILED);
	assert_int_equal(ring_format(base, size, 4 * CAP, NULL), 0);
	assert_int_equal(ring_attach(&r, base, size, RING_READER, &f->now, NULL), 0);
	r.seg_fd = fd;
	assert_int_equal(ftruncate(fd, RING_DATA_OFFSET + 4096), 0);
	deadline_start(&d, 5000);
	assert_int_equal(ring_read(&r, out, sizeof(out), &len, &d), -1);
	assert_int_equal(errno, ENXIO);
	munmap(base, size);
	close(fd);
}

/* The magic is one word: all zero is "not formatted yet", anything else
 * but the magic is not a ring. */
static void test_magic_word(void **state)
{
	struct fixture *f = *state;
	struct ring_info info;
	struct ring r;
	const char *why = NULL;

	assert_int_equal(ring_info(f->base, f->size, &info, &why), 0);
	memset(f->base, 0, 8);
	assert_int_equal(ring_info(f->base, f->size, &info, &why), -1);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, &why), -1);
	assert_int_equal(errno, EAGAIN);
	memcpy(f->base, "IPCTRINH", 8);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, &why), -1);
	assert_int_equal(errno, EBADMSG);
	memcpy(f->base, RING_MAGIC, 8);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, &why), 0);
}

static void test_reader_close_is_epipe(void **state)
{
	struct fixture *f = *state;
	char buf[1500] = { 0 };

	ring_close(&f->r);
	/* Room is left: the write goes in; once full, EPIPE. */
	assert_int_equal(ring_write(&f->w, buf, sizeof(buf), &f->now), 0);
	assert_int_equal(ring_write(&f->w, buf, sizeof(buf), &f->now), 0);
	assert_int_equal(ring_write(&f->w, buf, sizeof(buf), &f->now), -1);
	assert_int_equal(errno, EPIPE);
}

/* A writer that dies without closing: the reader drains, then ECONNRESET. */
static void test_dead_writer(void **state)
{
	struct fixture *f = *state;
	struct deadline d;
	unsigned char out[64];
	size_t len;
	pid_t pid;
	int st;

	ring_close(&f->w);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ring w;

		if (ring_attach(&w, f->base, f->size, RING_WRITER, &f->now, NULL) < 0 ||
		    ring_write(&w, "last", 4, &f->now) < 0)
			_exit(1);
		_exit(0); /* no ring_close */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(st, 0);
	deadline_start(&d, 5000);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &d), 1);
	assert_int_equal(len, 4);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &d), -1);
	assert_int_equal(errno, ECONNRESET);
	assert_int_equal(f->r.dead_pid, pid);
}

/* A process that dies holding the writers' lock: the next one recovers it. */
static void test_lock_owner_dead(void **state)
{
	struct fixture *f = *state;
	unsigned char out[64];
	size_t len;
	pid_t pid;
	int st;

	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct ring w;
		void *p;

		if (ring_attach(&w, f->base, f->size, RING_WRITER, &f->now, NULL) < 0 ||
		    ring_write_begin(&w, 10, &p, &f->now) < 0)
			_exit(1);
		memset(p, 'x', 10);
		_exit(0); /* dies holding the lock, record unpublished */
	}
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(st, 0);
	assert_int_equal(ring_write(&f->w, "ok", 2, &f->now), 0);
	assert_true(f->w.recovered);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
	assert_int_equal(len, 2);
	assert_memory_equal(out, "ok", 2);
}

#define NWRITERS 4
#define NREADERS 3
#define PER_WRITER 20000

/* One reader's batch: check and count each record. */
static int check_records(const struct iovec *iov, size_t n, uint64_t s[2])
{
	size_t i;

	for (i = 0; i < n; i++) {
		const unsigned char *buf = iov[i].iov_base;
		size_t len = iov[i].iov_len;
		uint32_t v;

		if (len < 4)
			return -1;
		memcpy(&v, buf, 4);
		if (len != 4 + v % 300 || (len > 4 && buf[len - 1] != (v & 0xff)))
			return -1;
		s[0] += v;
		s[1]++;
	}
	return 0;
}

/*
 * Several writer and reader processes; every record arrives exactly once.
 * batched: writers put records in batches (ring_batch_*), readers take
 * them several at a time (ring_read_beginv).
 */
static void many_processes(struct fixture *f, bool batched)
{
	int ready[2], go[2], results[2];
	pid_t pids[NWRITERS + NREADERS];
	uint64_t sum = 0, count = 0, want_sum = 0;
	int i, st;
	char c;

	ring_close(&f->w);
	ring_close(&f->r);
	assert_int_equal(pipe(ready), 0);
	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(results), 0);
	for (i = 0; i < NWRITERS + NREADERS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			bool writer = i < NWRITERS;
			struct ring r;
			struct deadline d;
			unsigned char buf[512];
			uint64_t s[2] = { 0, 0 };
			size_t len;
			int k, rc;

			close(go[1]);
			deadline_start(&d, 10000);
			if (ring_attach(&r, f->base, f->size, writer ? RING_WRITER : RING_READER, &d,
					NULL) < 0)
				_exit(2);
			if (write(ready[1], "r", 1) != 1 || read(go[0], &c, 1) != 0)
				_exit(3);
			if (writer) {
				for (k = 0; k < PER_WRITER; k++) {
					uint32_t v = (uint32_t)(i * PER_WRITER + k);

					len = 4 + (size_t)(v % 300);
					memset(buf, (int)(v & 0xff), len);
					memcpy(buf, &v, 4);
					if (batched && k % 37 == 0 && ring_batch_begin(&r, &d) < 0)
						_exit(4);
					if (batched ? ring_batch_write(&r, buf, len, &d) < 0
						    : ring_write(&r, buf, len, &d) < 0)
						_exit(4);
					if (batched && (k % 37 == 36 || k == PER_WRITER - 1))
						ring_batch_end(&r);
				}
				ring_close(&r);
				_exit(0);
			}
			while (batched) {
				struct iovec iov[16];
				size_t n;

				rc = ring_read_beginv(&r, iov, 1 + (size_t)s[1] % 16, 2000, 0, &n, &d);
				if (rc != 1)
					break;
				if (n < 1 || n > 16 || check_records(iov, n, s) < 0)
					_exit(6);
				ring_read_end(&r);
			}
			while (!batched && (rc = ring_read(&r, buf, sizeof(buf), &len, &d)) == 1) {
				uint32_t v;

				if (len < 4)
					_exit(5);
				memcpy(&v, buf, 4);
				if (len != 4 + v % 300 || (len > 4 && buf[len - 1] != (v & 0xff)))
					_exit(6);
				s[0] += v;
				s[1]++;
			}
			if (rc < 0 || write(results[1], s, sizeof(s)) != sizeof(s))
				_exit(7);
			ring_close(&r);
			_exit(0);
		}
	}
	close(ready[1]);
	close(go[0]);
	close(results[1]);
	for (i = 0; i < NWRITERS + NREADERS; i++)
		assert_int_equal(read(ready[0], &c, 1), 1);
	close(go[1]);
	for (i = 0; i < NWRITERS + NREADERS; i++) {
		assert_int_equal(waitpid(pids[i], &st, 0), pids[i]);
		assert_true(WIFEXITED(st));
		assert_int_equal(WEXITSTATUS(st), 0);
	}
	for (i = 0; i < NREADERS; i++) {
		uint64_t s[2];

		assert_int_equal(read(results[0], s, sizeof(s)), sizeof(s));
		sum += s[0];
		count += s[1];
	}
	for (i = 0; i < NWRITERS * PER_WRITER; i++)
		want_sum += (uint64_t)i;
	assert_int_equal(count, NWRITERS * PER_WRITER);
	assert_int_equal(sum, want_sum);
	close(ready[0]);
	close(results[0]);
}

/* begin_some takes what is free up to the wrap; beginv takes several. */
static void test_some_and_beginv(void **state)
{
	struct fixture *f = *state;
	unsigned char in[CAP], out[CAP];
	struct iovec iov[8];
	size_t room, n, len, max = ring_max_record(CAP);
	uint64_t pos = 0;
	void *p;
	int i;

	fill(in, sizeof(in), 7);
	for (i = 0; i < 80; i++) {
		/* Odd sizes, to move the head around the wrap. */
		size_t want = 1 + (size_t)(i * 97) % 700;

		assert_int_equal(ring_write_begin_some(&f->w, want, max, &p, &room, &f->now), 0);
		assert_true(room >= want && room <= max);
		/* Never past the end of the area. */
		assert_true((unsigned char *)p + room <= f->base + RING_DATA_OFFSET + CAP);
		memcpy(p, in, want);
		ring_write_commit(&f->w, want);
		assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
		assert_int_equal(len, want);
		assert_memory_equal(out, in, want);
		pos += want;
	}
	assert_true(pos > 4 * CAP);
	/* Three records and an empty one, then one more. */
	assert_int_equal(ring_write(&f->w, "a", 1, &f->now), 0);
	assert_int_equal(ring_write(&f->w, "bb", 2, &f->now), 0);
	assert_int_equal(ring_write(&f->w, "ccc", 3, &f->now), 0);
	assert_int_equal(ring_write(&f->w, "", 0, &f->now), 0);
	assert_int_equal(ring_write(&f->w, "dddd", 4, &f->now), 0);
	/* maxbytes: the first record always, then only what fits. */
	assert_int_equal(ring_read_beginv(&f->r, iov, 8, 2, 0, &n, &f->now), 1);
	assert_int_equal(n, 1);
	assert_memory_equal(iov[0].iov_base, "a", 1);
	ring_read_abort(&f->r);
	assert_int_equal(ring_read_beginv(&f->r, iov, 8, 3, 0, &n, &f->now), 1);
	assert_int_equal(n, 2);
	ring_read_end(&f->r);
	assert_int_equal(ring_read_beginv(&f->r, iov, 8, 100, RING_STOP_EMPTY, &n, &f->now), 1);
	assert_int_equal(n, 2);
	assert_memory_equal(iov[0].iov_base, "ccc", 3);
	assert_int_equal(iov[1].iov_len, 0);
	ring_read_end(&f->r);
	assert_int_equal(ring_read_beginv(&f->r, iov, 8, 100, 0, &n, &f->now), 1);
	assert_int_equal(n, 1);
	assert_memory_equal(iov[0].iov_base, "dddd", 4);
	ring_read_end(&f->r);
	ring_close(&f->w);
	assert_int_equal(ring_read_beginv(&f->r, iov, 8, 100, 0, &n, &f->now), 0);
}

/* A batch publishes before it waits for room, and at its end. */
static void test_batch_fills_ring(void **state)
{
	struct fixture *f = *state;
	unsigned char out[64];
	size_t len;
	int i, got = 0;

	assert_int_equal(ring_batch_begin(&f->w, &f->now), 0);
	/* 16-byte records: a 4K ring takes 255 (and the slot after them); the
	 * 256th waits and times out (now is a passed deadline), after
	 * publishing the first 255. */
	for (i = 0; i < 255; i++)
		assert_int_equal(ring_batch_write(&f->w, "0123456789", 8, &f->now), 0);
	assert_int_equal(ring_batch_write(&f->w, "01234567", 8, &f->now), -1);
	assert_int_equal(errno, ETIMEDOUT);
	while (ring_read(&f->r, out, sizeof(out), &len, &f->now) == 1) {
		assert_int_equal(len, 8);
		got++;
	}
	assert_int_equal(got, 255);
	assert_int_equal(ring_batch_write(&f->w, "abcdefgh", 8, &f->now), 0);
	ring_batch_end(&f->w);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
	assert_memory_equal(out, "abcdefgh", 8);
}

/*
 * A batch ends where its records end, though the lap before left records
 * after them: the records of a batch zero no slot after them, the publish
 * zeroes the one after the last.
 */
static void test_batch_ends_over_old_lap(void **state)
{
	struct fixture *f = *state;
	unsigned char out[64];
	char rec[32];
	size_t len;
	int i, lap, got;

	for (lap = 1; lap <= 3; lap++) {
		int n = lap == 3 ? 3 : 200;

		assert_int_equal(ring_batch_begin(&f->w, &f->now), 0);
		for (i = 0; i < n; i++) {
			snprintf(rec, sizeof(rec), "%d-%05d", lap, i);
			assert_int_equal(ring_batch_write(&f->w, rec, 7, &f->now), 0);
		}
		ring_batch_end(&f->w);
		for (got = 0; ring_read(&f->r, out, sizeof(out), &len, &f->now) == 1; got++) {
			snprintf(rec, sizeof(rec), "%d-%05d", lap, got);
			assert_int_equal(len, 7);
			assert_memory_equal(out, rec, 7);
		}
		assert_int_equal(got, n);
	}
	/* A batch longer than the ring: it publishes what it wrote when it
	 * waits for room (and times out: now has passed), over the old lap's
	 * records, goes on after the reader made room, and ends. */
	assert_int_equal(ring_batch_begin(&f->w, &f->now), 0);
	for (i = 0; i < 400; i++) {
		snprintf(rec, sizeof(rec), "4-%05d", i);
		if (ring_batch_write(&f->w, rec, 7, &f->now) < 0) {
			assert_int_equal(errno, ETIMEDOUT);
			break;
		}
	}
	assert_true(i > 100 && i < 400);
	for (got = 0; ring_read(&f->r, out, sizeof(out), &len, &f->now) == 1; got++) {
		snprintf(rec, sizeof(rec), "4-%05d", got);
		assert_memory_equal(out, rec, 7);
	}
	assert_int_equal(got, i);
	for (; i < 400; i++) {
		snprintf(rec, sizeof(rec), "4-%05d", i);
		assert_int_equal(ring_batch_write(&f->w, rec, 7, &f->now), 0);
	}
	ring_batch_end(&f->w);
	for (; ring_read(&f->r, out, sizeof(out), &len, &f->now) == 1; got++) {
		snprintf(rec, sizeof(rec), "4-%05d", got);
		assert_memory_equal(out, rec, 7);
	}
	assert_int_equal(got, 400);
}

static void test_many_processes(void **state)
{
	many_processes(*state, false);
}

static void test_many_processes_batched(void **state)
{
	many_processes(*state, true);
}

/* Corruptions: each must give EBADMSG from attach, info or read. */

static void put32(unsigned char *base, size_t off, uint32_t v)
{
	memcpy(base + off, &v, 4);
}

static void put64(unsigned char *base, size_t off, uint64_t v)
{
	memcpy(base + off, &v, 8);
}

/* An old format is named, with the one this build reads. */
static void test_old_format_named(void **state)
{
	struct fixture *f = *state;
	const char *why = NULL;
	struct ring r;

	put32(f->base, OFF_VERSION, 1);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_WRITER, &f->now, &why), -1);
	assert_int_equal(errno, EBADMSG);
	assert_non_null(why);
	assert_non_null(strstr(why, "format 1"));
	assert_non_null(strstr(why, "this ipctool reads format 4"));
	/* Format 2 (lock words, readers polling head) is refused too. */
	put32(f->base, OFF_VERSION, 2);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, &why), -1);
	assert_int_equal(errno, EBADMSG);
	assert_non_null(strstr(why, "a ring of format 2; this ipctool reads format 4"));
	put32(f->base, OFF_VERSION, RING_VERSION);
}

/*
 * A lock word naming a live process that is not attached (pid 1, written by
 * a co-tenant) is corrupt at once, even with no deadline: never a wait
 * forever. One naming a dead attached process is taken over.
 */
static void test_foreign_lock_holder(void **state)
{
	struct fixture *f = *state;
	struct deadline forever;
	const char *why = NULL;
	struct ring r;

	deadline_start(&forever, -1);
	put32(f->base, OFF_WLOCK, 1);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_WRITER, &forever, &why), -1);
	assert_int_equal(errno, EBADMSG);
	/* The lone writer takes no lock: the word is not looked at. */
	assert_int_equal(ring_write(&f->w, "x", 1, &forever), 0);
	put32(f->base, OFF_WLOCK, 0);
	put32(f->base, OFF_RLOCK, 0x80000001u);
	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &forever, &why), -1);
	assert_int_equal(errno, EBADMSG);
	put32(f->base, OFF_RLOCK, 0);
}

/* A co-tenant who scribbles over the lock while we hold it cannot crash the
 * holder's unlock (a robust mutex's pointers could). */
static void test_lock_scribbled_while_held(void **state)
{
	struct fixture *f = *state;
	unsigned char out[8];
	size_t len;
	void *p;

	assert_int_equal(ring_write_begin(&f->w, 4, &p, &f->now), 0);
	memcpy(p, "abcd", 4);
	memset(f->base + OFF_WLOCK, 0xa5, 16);
	ring_write_commit(&f->w, 4);
	assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(out, "abcd", 4);
	/* The unlock left the word free. */
	assert_int_equal(ring_write(&f->w, "e", 1, &f->now), 0);
}

static void expect_attach_fails(struct fixture *f)
{
	struct ring r;
	struct ring_info info;
	const char *why = NULL;

	assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, &why), -1);
	assert_int_equal(errno, EBADMSG);
	assert_non_null(why);
	assert_int_equal(ring_info(f->base, f->size, &info, NULL), -1);
}

static void test_corrupt_header(void **state)
{
	struct fixture *f = *state;
	unsigned char saved[64];
	struct {
		size_t off;
		uint64_t value;
		int width;
	} cases[] = {
		{ 0, 0x474e495254435049ull ^ 1, 8 },	/* magic */
		{ OFF_VERSION, 1, 4 },	/* the robust-mutex format of ipctool 0.1 */
		{ OFF_VERSION, 2, 4 },	/* lock words, readers polling head */
		{ OFF_VERSION, 3, 4 },	/* readers held their side while writing out */
		{ OFF_VERSION, 5, 4 },
		{ OFF_VERSION, 0, 4 },
		{ OFF_HSIZE, 4096, 4 },
		{ OFF_CAPACITY, CAP + 1, 8 },
		{ OFF_CAPACITY, CAP * 2, 8 },	/* larger than the segment */
		{ OFF_CAPACITY, 2048, 8 },
		{ OFF_CAPACITY, 0, 8 },
		{ OFF_CAPACITY, UINT64_MAX, 8 },
		{ OFF_CAPACITY, 1ull << 63, 8 },
		{ OFF_FLAGS, 1, 4 },
	};
	size_t i;

	memcpy(saved, f->base, sizeof(saved));
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (cases[i].width == 8)
			put64(f->base, cases[i].off, cases[i].value);
		else
			put32(f->base, cases[i].off, (uint32_t)cases[i].value);
		expect_attach_fails(f);
		memcpy(f->base, saved, sizeof(saved));
	}
	/* A segment too small for any ring. */
	{
		struct ring r;

		assert_int_equal(ring_attach(&r, f->base, RING_DATA_OFFSET + 100, RING_READER,
					     &f->now, NULL), -1);
		assert_int_equal(errno, EBADMSG);
	}
	/* All zero: not formatted yet. */
	memset(f->base, 0, 8);
	{
		struct ring r;

		assert_int_equal(ring_attach(&r, f->base, f->size, RING_READER, &f->now, NULL), -1);
		assert_int_equal(errno, EAGAIN);
	}
}

static void expect_read_fails_at(struct fixture *f, int line)
{
	unsigned char out[CAP];
	size_t len;

	f->r.cached = 0; /* as a reader that just attached */
	if (ring_read(&f->r, out, sizeof(out), &len, &f->now) != -1 || errno != EBADMSG)
		fail_msg("corruption at line %d not detected", line);
}

#define expect_read_fails(f) expect_read_fails_at(f, __LINE__)

static void test_corrupt_records(void **state)
{
	struct fixture *f = *state;
	unsigned char data[100] = { 0 };
	unsigned char *rec = f->base + RING_DATA_OFFSET;
	struct ring_info info;

	assert_int_equal(ring_write(&f->w, data, sizeof(data), &f->now), 0);
	/* A length past the end of the written data is not seen (a reader
	 * never reads head): the bytes after it are the area's, inside it. */
	/* Length past the end of the area. */
	put32(rec, 0, 0xfffffff0u);
	expect_read_fails(f);
	/* Unknown kind. */
	put32(rec, 0, 100);
	put32(rec, 4, 0x12345678);
	expect_read_fails(f);
	/* A pad record that does not end at the wrap. */
	put32(rec, 4, RING_REC_PAD);
	expect_read_fails(f);
	put32(rec, 4, RING_REC_DATA);
	/* A record that would cross the wrap. */
	put64(f->base, OFF_TAIL, CAP - 64);
	put32(rec, CAP - 64, 100);
	put32(rec, CAP - 64 + 4, RING_REC_DATA);
	expect_read_fails(f);
	put64(rec, CAP - 64, 0);
	put64(f->base, OFF_TAIL, 0);
	/* Sane again: the record reads, and the slot after it is empty. */
	{
		unsigned char out[CAP];
		size_t len;

		assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
		assert_int_equal(len, 100);
		assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), -1);
		assert_int_equal(errno, ETIMEDOUT);
	}
	/* With nothing to read, a waiting reader checks head: beyond tail +
	 * capacity, a lap behind tail, misaligned. */
	put64(f->base, OFF_HEAD, 112 + CAP * 3);
	expect_read_fails(f);
	assert_int_equal(ring_info(f->base, f->size, &info, NULL), -1);
	put64(f->base, OFF_HEAD, 112);
	put64(f->base, OFF_TAIL, 112 + 2 * CAP);
	expect_read_fails(f);
	put64(f->base, OFF_TAIL, 112);
	put64(f->base, OFF_HEAD, 116);
	expect_read_fails(f);
	/* Misaligned tail. */
	put64(f->base, OFF_HEAD, 112);
	put64(f->base, OFF_TAIL, 3);
	expect_read_fails(f);
	/* The writer refuses a tail out of range instead of overwriting. */
	put64(f->base, OFF_TAIL, 112 + 8 * CAP);
	f->w.cached = 112 + 8 * CAP;
	assert_int_equal(ring_write(&f->w, data, sizeof(data), &f->now), -1);
	assert_true(errno == EBADMSG || errno == ETIMEDOUT);
	/* And a record a writer left past head is taken for committed. */
	put64(f->base, OFF_TAIL, 112);
	assert_int_equal(ring_write(&f->w, data, 10, &f->now), 0);
	put64(f->base, OFF_HEAD, 112);
	assert_int_equal(ring_write(&f->w, data, 20, &f->now), 0);
	{
		unsigned char out[CAP];
		size_t len;

		assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
		assert_int_equal(len, 10);
		assert_int_equal(ring_read(&f->r, out, sizeof(out), &len, &f->now), 1);
		assert_int_equal(len, 20);
	}
}

/* Random garbage over the data area never crashes a reader. */
static void test_garbage_records(void **state)
{
	struct fixture *f = *state;
	unsigned char out[CAP];
	size_t len;
	unsigned seed = 12345;
	int round, i, rc;

	for (round = 0; round < 2000; round++) {
		for (i = 0; i < 64; i++) {
			seed = seed * 1103515245u + 12345u;
			f->base[RING_DATA_OFFSET + (seed >> 8) % CAP] = (unsigned char)(seed >> 16);
		}
		seed = seed * 1103515245u + 12345u;
		put64(f->base, OFF_TAIL, (uint64_t)(seed % (2 * CAP)) & ~7ull);
		put64(f->base, OFF_HEAD, (uint64_t)(seed % (2 * CAP)) + (seed >> 20) % CAP);
		f->r.cached = 0;
		for (i = 0; i < 8; i++) {
			rc = ring_read(&f->r, out, sizeof(out), &len, &f->now);
			if (rc != 1)
				break;
			assert_true(len <= ring_max_record(CAP));
		}
		assert_true(rc != -1 || errno == EBADMSG || errno == ETIMEDOUT || errno == ECONNRESET);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_rejects_bad_capacity),
		cmocka_unit_test_setup_teardown(test_empty_then_full, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_wrap_with_pad, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_every_size, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_close_is_end_of_stream, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_reader_close_is_epipe, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_counted_reader_outlives_close, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_truncated_while_waiting, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_magic_word, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_dead_writer, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_lock_owner_dead, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_old_format_named, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_foreign_lock_holder, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_lock_scribbled_while_held, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_many_processes, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_many_processes_batched, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_some_and_beginv, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_batch_fills_ring, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_batch_ends_over_old_lap, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_corrupt_header, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_corrupt_records, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_garbage_records, setup_ring, teardown_ring),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
