/* Unit tests for lib/framing.c: names and separators. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>

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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_bad_names),
		cmocka_unit_test(test_separators),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
