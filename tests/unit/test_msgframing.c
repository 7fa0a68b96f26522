/* Unit tests: cutting a byte stream into messages (lib/framing.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/framing.h"

/* A reader over a pipe holding text (small enough for the pipe buffer). */
static void reader_on(struct framing_reader *r, enum framing f, size_t msgsize, const char *text,
		      size_t len)
{
	int p[2];

	assert_int_equal(pipe(p), 0);
	assert_int_equal(write(p[1], text, len), (ssize_t)len);
	close(p[1]);
	assert_int_equal(framing_reader_init(r, p[0], f, msgsize), 0);
}

static void reader_done(struct framing_reader *r)
{
	close(r->fd);
	framing_reader_free(r);
}

static void check_msg(struct framing_reader *r, const char *want)
{
	const char *msg;
	size_t len;

	assert_int_equal(framing_reader_next(r, &msg, &len), 1);
	assert_int_equal(len, strlen(want));
	assert_memory_equal(msg, want, len);
}

static void check_end(struct framing_reader *r)
{
	const char *msg;
	size_t len;

	assert_int_equal(framing_reader_next(r, &msg, &len), 0);
}

static void test_line(void **state)
{
	struct framing_reader r;

	(void)state;
	reader_on(&r, FRAMING_LINE, 100, "a\n\nbc\nlast", 10);
	check_msg(&r, "a");
	check_msg(&r, "");	/* an empty line is an empty message */
	check_msg(&r, "bc");
	check_msg(&r, "last");	/* unterminated last record */
	check_end(&r);
	reader_done(&r);
}

static void test_null(void **state)
{
	struct framing_reader r;

	(void)state;
	reader_on(&r, FRAMING_NULL, 100, "x y\0z\n\0", 7);
	check_msg(&r, "x y");
	check_msg(&r, "z\n");
	check_end(&r);
	reader_done(&r);
}

static void test_line_too_long(void **state)
{
	struct framing_reader r;
	const char *msg;
	size_t len;

	(void)state;
	reader_on(&r, FRAMING_LINE, 4, "ok\ntoolong\nok2\n", 15);
	check_msg(&r, "ok");
	assert_int_equal(framing_reader_next(&r, &msg, &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(len, 7);	/* the whole record's length is named */
	reader_done(&r);
}

static void test_exact_size_fits(void **state)
{
	struct framing_reader r;

	(void)state;
	reader_on(&r, FRAMING_LINE, 4, "abcd\n", 5);
	check_msg(&r, "abcd");
	check_end(&r);
	reader_done(&r);
}

static void test_chunk(void **state)
{
	struct framing_reader r;

	(void)state;
	reader_on(&r, FRAMING_CHUNK, 4, "0123456789", 10);
	check_msg(&r, "0123");
	check_msg(&r, "4567");
	check_msg(&r, "89");
	check_end(&r);
	reader_done(&r);
}

static void test_chunk_empty(void **state)
{
	struct framing_reader r;

	(void)state;
	reader_on(&r, FRAMING_CHUNK, 4, "", 0);
	check_end(&r);
	reader_done(&r);
}

static void test_chunk_large(void **state)
{
	/* More than the read buffer: chunks keep their size across refills. */
	size_t total = 200000, msgsize = 8192, got = 0;
	struct framing_reader r;
	char *data = malloc(total);
	const char *msg;
	size_t len;
	int p[2];
	pid_t pid;

	(void)state;
	for (size_t i = 0; i < total; i++)
		data[i] = (char)(i * 7 + i / 251);
	assert_int_equal(pipe(p), 0);
	pid = fork();
	if (pid == 0) {
		close(p[0]);
		_exit(write(p[1], data, total) == (ssize_t)total ? 0 : 1);
	}
	close(p[1]);
	assert_int_equal(framing_reader_init(&r, p[0], FRAMING_CHUNK, msgsize), 0);
	while (framing_reader_next(&r, &msg, &len) == 1) {
		assert_true(len == msgsize || got + len == total);
		assert_memory_equal(msg, data + got, len);
		got += len;
	}
	assert_int_equal(got, total);
	reader_done(&r);
	free(data);
}

static void test_whole(void **state)
{
	struct framing_reader r;
	const char *msg;
	size_t len;

	(void)state;
	reader_on(&r, FRAMING_WHOLE, 100, "a\nb\0c", 5);
	assert_int_equal(framing_reader_next(&r, &msg, &len), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(msg, "a\nb\0c", 5);
	check_end(&r);
	reader_done(&r);
	/* Empty input is one empty message. */
	reader_on(&r, FRAMING_WHOLE, 100, "", 0);
	check_msg(&r, "");
	check_end(&r);
	reader_done(&r);
	/* Too big: refused, with its size. */
	reader_on(&r, FRAMING_WHOLE, 3, "abcdef", 6);
	assert_int_equal(framing_reader_next(&r, &msg, &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(len, 6);
	reader_done(&r);
}

static void test_writer(void **state)
{
	struct framing_writer w;
	char buf[64];
	int p[2];
	ssize_t n;

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(framing_writer_init(&w, p[1], FRAMING_LINE, 8), 0);
	assert_int_equal(framing_writer_put(&w, "ab", 2), 0);
	assert_int_equal(framing_writer_put(&w, "", 0), 0);
	assert_int_equal(framing_writer_put(&w, "longer than the buffer", 22), 0);
	assert_int_equal(framing_writer_flush(&w), 0);
	framing_writer_free(&w);
	close(p[1]);
	n = read(p[0], buf, sizeof(buf));
	assert_int_equal(n, 27);
	assert_memory_equal(buf, "ab\n\nlonger than the buffer\n", 27);
	close(p[0]);
}

static void test_writer_chunk_has_no_separator(void **state)
{
	struct framing_writer w;
	char buf[16];
	int p[2];

	(void)state;
	assert_int_equal(pipe(p), 0);
	assert_int_equal(framing_writer_init(&w, p[1], FRAMING_CHUNK, 64), 0);
	framing_writer_put(&w, "ab", 2);
	framing_writer_put(&w, "cd", 2);
	framing_writer_flush(&w);
	framing_writer_free(&w);
	close(p[1]);
	assert_int_equal(read(p[0], buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "abcd", 4);
	close(p[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_line),
		cmocka_unit_test(test_null),
		cmocka_unit_test(test_line_too_long),
		cmocka_unit_test(test_exact_size_fits),
		cmocka_unit_test(test_chunk),
		cmocka_unit_test(test_chunk_empty),
		cmocka_unit_test(test_chunk_large),
		cmocka_unit_test(test_whole),
		cmocka_unit_test(test_writer),
		cmocka_unit_test(test_writer_chunk_has_no_separator),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
