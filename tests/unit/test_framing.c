/* Unit tests for lib/framing.c: names, separators, records taken from what is buffered. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "../../lib/framing.h"

static void test_names_round_trip(void **state)
{
	static const enum framing all[] = { FRAMING_LINE, FRAMING_NULL, FRAMING_CHUNK,
					    FRAMING_WHOLE };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		enum framing f = FRAMING_WHOLE;

		assert_int_equal(framing_parse(framing_name(all[i]), &f), 0);
		assert_int_equal(f, all[i]);
	}
	assert_string_equal(framing_name(FRAMING_LINE), "line");
	assert_string_equal(framing_name(FRAMING_CHUNK), "chunk");
}

static void test_bad_names(void **state)
{
	static const char *const bad[] = { "", "Line", "LINE", "lines", "line ", " line",
					   "nul", "0", NULL };
	enum framing f = FRAMING_CHUNK;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		errno = 0;
		assert_int_equal(framing_parse(bad[i], &f), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(f, FRAMING_CHUNK);
	}
}

static void test_separators(void **state)
{
	(void)state;
	assert_int_equal(framing_separator(FRAMING_LINE), '\n');
	assert_int_equal(framing_separator(FRAMING_NULL), '\0');
	assert_int_equal(framing_separator(FRAMING_CHUNK), -1);
	assert_int_equal(framing_separator(FRAMING_WHOLE), -1);
}

/* framing_reader_buffered takes a whole buffered record, never reads, and
 * leaves an unterminated or overlong one to framing_reader_next. */
static void test_reader_buffered(void **state)
{
	static const char in[] = "ab\ncd\nabcdefgh\nxyzw";
	struct framing_reader r;
	const char *msg;
	size_t len;
	int fd[2];

	(void)state;
	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], in, strlen(in)), (ssize_t)strlen(in));
	assert_int_equal(framing_reader_init(&r, fd[0], FRAMING_LINE, 4), 0);
	assert_int_equal(framing_reader_buffered(&r, &msg, &len), 0);
	assert_int_equal(framing_reader_next(&r, &msg, &len), 1);
	assert_int_equal(len, 2);
	assert_memory_equal(msg, "ab", 2);
	assert_int_equal(framing_reader_buffered(&r, &msg, &len), 1);
	assert_int_equal(len, 2);
	assert_memory_equal(msg, "cd", 2);
	/* Overlong: not taken here; next names its length. */
	assert_int_equal(framing_reader_buffered(&r, &msg, &len), 0);
	close(fd[1]);
	assert_int_equal(framing_reader_next(&r, &msg, &len), -1);
	assert_int_equal(errno, EMSGSIZE);
	assert_int_equal(len, 8);
	/* Unterminated: only next, at the end of the input. */
	assert_int_equal(framing_reader_buffered(&r, &msg, &len), 0);
	assert_int_equal(framing_reader_next(&r, &msg, &len), 1);
	assert_int_equal(len, 4);
	assert_memory_equal(msg, "xyzw", 4);
	assert_int_equal(framing_reader_next(&r, &msg, &len), 0);
	framing_reader_free(&r);
	close(fd[0]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_separators),
		cmocka_unit_test(test_reader_buffered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
