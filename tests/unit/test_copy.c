/* Unit tests for lib/copy.c: stream copies, record copies, write_all. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../../lib/copy.h"

/*
 * write(2) as lib/copy.c sees it: this definition in the test program
 * takes precedence over libc's, so write_all can be handed partial writes
 * and EINTR on demand. fake_write_max 0 passes every call through.
 */
static size_t fake_write_max;
static unsigned fake_write_eintr_every;
static unsigned fake_write_calls;

ssize_t write(int fd, const void *buf, size_t len)
{
	fake_write_calls++;
	if (fake_write_max) {
		if (fake_write_eintr_every && fake_write_calls % fake_write_eintr_every == 0) {
			errno = EINTR;
			return -1;
		}
		if (len > fake_write_max)
			len = fake_write_max;
	}
	return syscall(SYS_write, fd, buf, len);
}

static void fill_pattern(unsigned char *buf, size_t len, unsigned seed)
{
	size_t i;
	uint32_t x = seed * 2654435761u + 1;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		buf[i] = (unsigned char)x;
	}
}

struct pump {
	int fd;
	unsigned char *buf;
	size_t len;
	size_t chunk; /* reader: bytes per read */
	size_t got;
};

/* Write p->len bytes to p->fd, then close it. */
static void *pump_writer(void *arg)
{
	struct pump *p = arg;
	size_t off = 0;

	while (off < p->len) {
		ssize_t n = syscall(SYS_write, p->fd, p->buf + off, p->len - off);

		if (n <= 0)
			break;
		off += (size_t)n;
	}
	close(p->fd);
	return NULL;
}

/* Read from p->fd until end of file into p->buf (p->len bytes of room). */
static void *pump_reader(void *arg)
{
	struct pump *p = arg;
	size_t chunk = p->chunk ? p->chunk : 65536;

	for (;;) {
		size_t room = p->len - p->got;
		ssize_t n = read(p->fd, p->buf + p->got, room < chunk ? room : chunk);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		p->got += (size_t)n;
		if (p->got == p->len) {
			/* Anything more is an error the test sees as extra bytes. */
			char extra;

			if (read(p->fd, &extra, 1) > 0)
				p->got++;
			break;
		}
	}
	return NULL;
}

/* A regular file holding len bytes of the pattern, offset 0. */
static int pattern_file(const unsigned char *data, size_t len, int flags)
{
	char path[] = "/tmp/ipctool-copy-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	assert_int_equal(syscall(SYS_write, fd, data, len), (long)len);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	if (flags)
		assert_int_equal(fcntl(fd, F_SETFL, flags), 0);
	return fd;
}

static void read_back(int fd, unsigned char *buf, size_t len)
{
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(read(fd, buf, len + 1), (long)len);
}

static int setup(void **state)
{
	(void)state;
	signal(SIGPIPE, SIG_IGN);
	fake_write_max = 0;
	fake_write_eintr_every = 0;
	/* A copy that never ends kills the test instead of hanging the suite. */
	alarm(60);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	alarm(0);
	return 0;
}

static uint64_t progress_last;
static unsigned progress_calls;

static void progress(uint64_t bytes, void *arg)
{
	assert_ptr_equal(arg, &progress_last);
	assert_true(bytes >= progress_last);
	progress_last = bytes;
	progress_calls++;
}

#define BIG (3u * 1024 * 1024 + 123)

static void test_stream_pipe_to_pipe(void **state)
{
	unsigned char *src = malloc(BIG), *dst = malloc(BIG + 1);
	int in[2], out[2];
	struct pump w = { 0 }, r = { 0 };
	pthread_t tw, tr;
	struct copy_ctx c;

	(void)state;
	fill_pattern(src, BIG, 1);
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	w = (struct pump){ .fd = in[1], .buf = src, .len = BIG };
	r = (struct pump){ .fd = out[0], .buf = dst, .len = BIG };
	pthread_create(&tw, NULL, pump_writer, &w);
	pthread_create(&tr, NULL, pump_reader, &r);

	copy_init(&c, 0);
	assert_int_equal(c.bufsize, COPY_BUFSIZE_MIN);
	progress_last = 0;
	progress_calls = 0;
	c.progress = progress;
	c.progress_arg = &progress_last;
	assert_int_equal(copy_stream(in[0], out[1], &c), 0);
	assert_int_equal(c.failed, COPY_SIDE_NONE);
	assert_int_equal(c.bytes, BIG);
	assert_true(c.spliced);
	assert_int_equal(progress_last, BIG);
	assert_true(progress_calls > 0);
	close(out[1]);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	assert_int_equal(r.got, BIG);
	assert_memory_equal(src, dst, BIG);
	copy_free(&c);
	close(in[0]);
	close(out[0]);
	free(src);
	free(dst);
}

/* File to socket: neither side is a pipe (sendfile, or the relay pipe). */
static void test_stream_file_to_socket(void **state)
{
	unsigned char *src = malloc(BIG), *dst = malloc(BIG + 1);
	int sv[2], fd;
	struct pump r;
	pthread_t tr;
	struct copy_ctx c;

	(void)state;
	fill_pattern(src, BIG, 2);
	fd = pattern_file(src, BIG, 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	r = (struct pump){ .fd = sv[1], .buf = dst, .len = BIG };
	pthread_create(&tr, NULL, pump_reader, &r);

	copy_init(&c, 256 * 1024);
	assert_int_equal(copy_stream(fd, sv[0], &c), 0);
	assert_int_equal(c.bytes, BIG);
	assert_true(c.spliced);
	shutdown(sv[0], SHUT_WR);
	pthread_join(tr, NULL);
	assert_int_equal(r.got, BIG);
	assert_memory_equal(src, dst, BIG);
	copy_free(&c);
	assert_int_equal(c.relay[0], -1);
	close(fd);
	close(sv[0]);
	close(sv[1]);
	free(src);
	free(dst);
}

/* Socket to socket: neither side is a pipe or a file, so the relay pipe. */
static void test_stream_socket_to_socket(void **state)
{
	unsigned char *src = malloc(BIG), *dst = malloc(BIG + 1);
	int a[2], b[2];
	struct pump w, r;
	pthread_t tw, tr;
	struct copy_ctx c;

	(void)state;
	fill_pattern(src, BIG, 9);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, a), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, b), 0);
	w = (struct pump){ .fd = a[1], .buf = src, .len = BIG };
	r = (struct pump){ .fd = b[1], .buf = dst, .len = BIG };
	pthread_create(&tw, NULL, pump_writer, &w);
	pthread_create(&tr, NULL, pump_reader, &r);

	copy_init(&c, 0);
	assert_int_equal(copy_stream(a[0], b[0], &c), 0);
	assert_int_equal(c.bytes, BIG);
	assert_true(c.spliced);
	assert_true(c.relay[0] >= 0);
	shutdown(b[0], SHUT_WR);
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	assert_int_equal(r.got, BIG);
	assert_memory_equal(src, dst, BIG);
	copy_free(&c);
	assert_int_equal(c.relay[0], -1);
	close(a[0]);
	close(b[0]);
	close(b[1]);
	free(src);
	free(dst);
}

/* Socket to file, through the relay pipe. */
static void test_stream_socket_to_file(void **state)
{
	unsigned char *src = malloc(BIG), *dst = malloc(BIG + 1);
	int sv[2], fd;
	struct pump w;
	pthread_t tw;
	struct copy_ctx c;

	(void)state;
	fill_pattern(src, BIG, 3);
	fd = pattern_file(src, 0, 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	w = (struct pump){ .fd = sv[1], .buf = src, .len = BIG };
	pthread_create(&tw, NULL, pump_writer, &w);

	copy_init(&c, 0);
	assert_int_equal(copy_stream(sv[0], fd, &c), 0);
	assert_int_equal(c.bytes, BIG);
	pthread_join(tw, NULL);
	read_back(fd, dst, BIG);
	assert_memory_equal(src, dst, BIG);
	copy_free(&c);
	close(fd);
	close(sv[0]);
	free(src);
	free(dst);
}

/* An O_APPEND file refuses splice: the relay is drained through the buffer. */
static void test_stream_socket_to_append_file(void **state)
{
	unsigned char *src = malloc(BIG), *dst = malloc(BIG + 1);
	int sv[2], fd;
	struct pump w;
	pthread_t tw;
	struct copy_ctx c;

	(void)state;
	fill_pattern(src, BIG, 4);
	fd = pattern_file(src, 0, O_APPEND);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	w = (struct pump){ .fd = sv[1], .buf = src, .len = BIG };
	pthread_create(&tw, NULL, pump_writer, &w);

	copy_init(&c, 0);
	assert_int_equal(copy_stream(sv[0], fd, &c), 0);
	assert_int_equal(c.bytes, BIG);
	pthread_join(tw, NULL);
	read_back(fd, dst, BIG);
	assert_memory_equal(src, dst, BIG);
	copy_free(&c);
	close(fd);
	close(sv[0]);
	free(src);
	free(dst);
}

/* A pipe into an O_APPEND file: splice refuses, read/write takes over. */
static void test_stream_pipe_to_append_file(void **state)
{
	unsigned char *src = malloc(BIG), *dst = malloc(BIG + 1);
	int in[2], fd;
	struct pump w;
	pthread_t tw;
	struct copy_ctx c;

	(void)state;
	fill_pattern(src, BIG, 5);
	fd = pattern_file(src, 0, O_APPEND);
	assert_int_equal(pipe(in), 0);
	w = (struct pump){ .fd = in[1], .buf = src, .len = BIG };
	pthread_create(&tw, NULL, pump_writer, &w);

	copy_init(&c, 0);
	assert_int_equal(copy_stream(in[0], fd, &c), 0);
	assert_int_equal(c.bytes, BIG);
	assert_false(c.spliced);
	pthread_join(tw, NULL);
	read_back(fd, dst, BIG);
	assert_memory_equal(src, dst, BIG);
	copy_free(&c);
	close(fd);
	close(in[0]);
	free(src);
	free(dst);
}

static void test_stream_empty_input(void **state)
{
	int in[2], out[2];
	struct copy_ctx c;

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	close(in[1]);
	copy_init(&c, 0);
	assert_int_equal(copy_stream(in[0], out[1], &c), 0);
	assert_int_equal(c.bytes, 0);
	assert_int_equal(c.failed, COPY_SIDE_NONE);
	copy_free(&c);
	close(in[0]);
	close(out[0]);
	close(out[1]);
}

/* The reader went away: EPIPE, blamed on the writing side, in each path. */
static void test_stream_reader_closed(void **state)
{
	static unsigned char data[200000];
	int in[2], out[2], sv[2], fd;
	struct copy_ctx c;

	(void)state;
	fill_pattern(data, sizeof(data), 6);

	/* Pipe to pipe (direct splice). */
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(write(in[1], data, 4096), 4096);
	close(in[1]);
	close(out[0]);
	copy_init(&c, 0);
	errno = 0;
	assert_int_equal(copy_stream(in[0], out[1], &c), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(c.failed, COPY_SIDE_WRITE);
	copy_free(&c);
	close(in[0]);
	close(out[1]);

	/* File to pipe (direct splice). */
	fd = pattern_file(data, sizeof(data), 0);
	assert_int_equal(pipe(out), 0);
	close(out[0]);
	copy_init(&c, 0);
	errno = 0;
	assert_int_equal(copy_stream(fd, out[1], &c), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(c.failed, COPY_SIDE_WRITE);
	copy_free(&c);
	close(out[1]);

	/* File to socket (sendfile). */
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	close(sv[1]);
	copy_init(&c, 0);
	errno = 0;
	assert_int_equal(copy_stream(fd, sv[0], &c), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(c.failed, COPY_SIDE_WRITE);
	copy_free(&c);
	close(sv[0]);
	close(fd);
}

static void test_stream_read_timeout(void **state)
{
	int in[2], out[2];
	struct copy_ctx c;

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	copy_init(&c, 0);
	c.read_timeout_ms = 20;
	/* Some bytes, then a writer that stays but sends nothing. */
	assert_int_equal(write(in[1], "hello", 5), 5);
	errno = 0;
	assert_int_equal(copy_stream(in[0], out[1], &c), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(c.failed, COPY_SIDE_READ);
	assert_int_equal(c.bytes, 5);
	copy_free(&c);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}

static void test_stream_write_timeout(void **state)
{
	static unsigned char data[1 << 20];
	int out[2], fd;
	struct copy_ctx c;

	(void)state;
	fd = pattern_file(data, sizeof(data), 0);
	assert_int_equal(pipe(out), 0);
	/* A small pipe nobody reads. */
	fcntl(out[1], F_SETPIPE_SZ, 4096);
	copy_init(&c, 0);
	c.write_timeout_ms = 20;
	errno = 0;
	assert_int_equal(copy_stream(fd, out[1], &c), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(c.failed, COPY_SIDE_WRITE);
	assert_true(c.bytes > 0);
	assert_true(c.bytes < sizeof(data));
	copy_free(&c);
	close(fd);
	close(out[0]);
	close(out[1]);
}

/* copy_records from a pipe holding text, into a file; returns what was written. */
static char *records(const char *text, size_t len, int sep, uint64_t count, uint64_t *done,
		     size_t bufsize)
{
	int in[2], fd;
	struct copy_ctx c;
	char *got = calloc(1, len + 2);
	struct pump w;
	pthread_t tw;
	char sink[4096];
	ssize_t n;

	assert_int_equal(pipe(in), 0);
	w = (struct pump){ .fd = in[1], .buf = (unsigned char *)text, .len = len };
	pthread_create(&tw, NULL, pump_writer, &w);
	fd = pattern_file((const unsigned char *)"", 0, 0);
	copy_init(&c, bufsize);
	assert_int_equal(copy_records(in[0], fd, sep, count, done, &c), 0);
	/* Bytes past the last record are dropped: let the writer finish. */
	while (read(in[0], sink, sizeof(sink)) > 0)
		;
	pthread_join(tw, NULL);
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	n = read(fd, got, len + 1);
	assert_true(n >= 0);
	assert_int_equal(c.bytes, (uint64_t)n);
	copy_free(&c);
	close(fd);
	close(in[0]);
	return got;
}

static void test_records(void **state)
{
	uint64_t done = 99;
	char *got;

	(void)state;
	got = records("a\nbb\nccc\n", 9, '\n', 2, &done, 0);
	assert_string_equal(got, "a\nbb\n");
	assert_int_equal(done, 2);
	free(got);

	got = records("a\nbb\nccc\n", 9, '\n', 3, &done, 0);
	assert_string_equal(got, "a\nbb\nccc\n");
	assert_int_equal(done, 3);
	free(got);

	/* Fewer records than asked: all of them. */
	got = records("a\nbb\n", 5, '\n', 10, &done, 0);
	assert_string_equal(got, "a\nbb\n");
	assert_int_equal(done, 2);
	free(got);

	/* NUL-separated. */
	got = records("x\0y\0z\0", 6, '\0', 2, &done, 0);
	assert_memory_equal(got, "x\0y\0", 4);
	assert_int_equal(got[4], 0);
	assert_int_equal(done, 2);
	free(got);

	/* Nothing at all. */
	got = records("", 0, '\n', 5, &done, 0);
	assert_string_equal(got, "");
	assert_int_equal(done, 0);
	free(got);

	/* No record asked for: nothing copied. */
	got = records("a\n", 2, '\n', 0, &done, 0);
	assert_string_equal(got, "");
	assert_int_equal(done, 0);
	free(got);
}

static void test_records_unterminated(void **state)
{
	uint64_t done = 99;
	char *got;

	(void)state;
	/* The last record has no newline: it is copied and it counts. */
	got = records("a\nb\nc", 5, '\n', 10, &done, 0);
	assert_string_equal(got, "a\nb\nc");
	assert_int_equal(done, 3);
	free(got);

	got = records("a\nb\nc", 5, '\n', 3, &done, 0);
	assert_string_equal(got, "a\nb\nc");
	assert_int_equal(done, 3);
	free(got);

	got = records("only", 4, '\n', 1, &done, 0);
	assert_string_equal(got, "only");
	assert_int_equal(done, 1);
	free(got);

	/* Stopping before the unterminated record leaves it out. */
	got = records("a\nb\nc", 5, '\n', 2, &done, 0);
	assert_string_equal(got, "a\nb\n");
	assert_int_equal(done, 2);
	free(got);
}

/* Records larger than the buffer, and separators at buffer edges. */
static void test_records_across_buffers(void **state)
{
	size_t len = 3 * COPY_BUFSIZE_MIN + 77, i;
	char *text = malloc(len), *got;
	uint64_t done = 0, lines = 0, want = 0;

	(void)state;
	for (i = 0; i < len; i++) {
		text[i] = (i % 1000 == 999 || i == COPY_BUFSIZE_MIN - 1) ? '\n' : 'x';
		lines += text[i] == '\n';
	}
	/* Stop after half of the lines. */
	got = records(text, len, '\n', lines / 2, &done, 0);
	assert_int_equal(done, lines / 2);
	for (i = 0; i < len && want < lines / 2; i++)
		want += text[i] == '\n';
	assert_int_equal(strlen(got), i);
	assert_memory_equal(got, text, i);
	free(got);
	free(text);
}

static void test_records_read_timeout(void **state)
{
	int in[2], out[2];
	struct copy_ctx c;
	uint64_t done = 0;
	char buf[16];

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(write(in[1], "a\nb", 3), 3);
	copy_init(&c, 0);
	c.read_timeout_ms = 20;
	errno = 0;
	assert_int_equal(copy_records(in[0], out[1], '\n', 5, &done, &c), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(c.failed, COPY_SIDE_READ);
	assert_int_equal(done, 1);
	assert_int_equal(read(out[0], buf, sizeof(buf)), 3);
	copy_free(&c);
	close(in[0]);
	close(in[1]);
	close(out[0]);
	close(out[1]);
}

static void test_records_reader_closed(void **state)
{
	int in[2], out[2];
	struct copy_ctx c;
	uint64_t done = 0;

	(void)state;
	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(write(in[1], "a\nb\n", 4), 4);
	close(in[1]);
	close(out[0]);
	copy_init(&c, 0);
	errno = 0;
	assert_int_equal(copy_records(in[0], out[1], '\n', 5, &done, &c), -1);
	assert_int_equal(errno, EPIPE);
	assert_int_equal(c.failed, COPY_SIDE_WRITE);
	copy_free(&c);
	close(in[0]);
	close(out[1]);
}

static void test_write_all_partial(void **state)
{
	unsigned char *src = malloc(BIG), *dst = malloc(BIG + 1);
	int out[2];
	struct pump r;
	pthread_t tr;

	(void)state;
	fill_pattern(src, BIG, 7);
	assert_int_equal(pipe(out), 0);
	r = (struct pump){ .fd = out[0], .buf = dst, .len = BIG, .chunk = 1000 };
	pthread_create(&tr, NULL, pump_reader, &r);
	/* Every write takes at most 777 bytes, and every 5th call is interrupted. */
	fake_write_max = 777;
	fake_write_eintr_every = 5;
	fake_write_calls = 0;
	assert_int_equal(write_all(out[1], src, BIG), 0);
	assert_true(fake_write_calls > BIG / 777);
	fake_write_max = 0;
	close(out[1]);
	pthread_join(tr, NULL);
	assert_int_equal(r.got, BIG);
	assert_memory_equal(src, dst, BIG);
	close(out[0]);
	free(src);
	free(dst);
}

/* The read/write fallback and copy_records go through write_all too. */
static void test_stream_partial_writes(void **state)
{
	unsigned char *src = malloc(BIG), *dst = malloc(BIG + 1);
	int in[2], fd;
	struct pump w;
	pthread_t tw;
	struct copy_ctx c;

	(void)state;
	fill_pattern(src, BIG, 8);
	fd = pattern_file(src, 0, O_APPEND);
	assert_int_equal(pipe(in), 0);
	w = (struct pump){ .fd = in[1], .buf = src, .len = BIG };
	pthread_create(&tw, NULL, pump_writer, &w);
	copy_init(&c, 0);
	fake_write_max = 4093;
	fake_write_eintr_every = 3;
	assert_int_equal(copy_stream(in[0], fd, &c), 0);
	fake_write_max = 0;
	assert_int_equal(c.bytes, BIG);
	pthread_join(tw, NULL);
	read_back(fd, dst, BIG);
	assert_memory_equal(src, dst, BIG);
	copy_free(&c);
	close(fd);
	close(in[0]);
	free(src);
	free(dst);
}

static void test_write_all_errors(void **state)
{
	int out[2];

	(void)state;
	assert_int_equal(write_all(1, "", 0), 0);
	assert_int_equal(pipe(out), 0);
	close(out[0]);
	errno = 0;
	assert_int_equal(write_all(out[1], "x", 1), -1);
	assert_int_equal(errno, EPIPE);
	close(out[1]);
	errno = 0;
	assert_int_equal(write_all(out[1], "x", 1), -1);
	assert_int_equal(errno, EBADF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_stream_pipe_to_pipe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_file_to_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_socket_to_socket, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_socket_to_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_socket_to_append_file, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_stream_pipe_to_append_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_empty_input, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_reader_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_read_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_write_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_unterminated, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_across_buffers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_read_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_records_reader_closed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_all_partial, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stream_partial_writes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_all_errors, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
