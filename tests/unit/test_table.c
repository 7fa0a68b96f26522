/* Unit tests for lib/table.c: -o column selection, JSON, --bytes, -r, -e. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/table.h"

enum { COL_NAME, COL_SIZE, COL_COUNT, COL_OPEN, COL_OWNER };

static const struct table_column cols[] = {
	[COL_NAME] = { "NAME", "object name", 0, TABLE_STRING },
	[COL_SIZE] = { "SIZE", "bytes in use", 0, TABLE_SIZE },
	[COL_COUNT] = { "COUNT", "messages", 0, TABLE_NUMBER },
	[COL_OPEN] = { "OPEN", "whether open", 0, TABLE_BOOL },
	[COL_OWNER] = { "OWNER", "owner", 0, TABLE_STRING },
};
#define NCOLS (sizeof(cols) / sizeof(cols[0]))
#define DEFAULT_COLUMNS "NAME,SIZE,COUNT"

static struct table *new_table(const char *columns, bool json, bool bytes)
{
	struct table_opts opts = {
		.json = json,
		.raw = !json,
		.noheadings = false,
		.bytes = bytes,
		.columns = columns,
		.name = "things",
	};
	const char *bad = NULL;
	struct table *t = table_new(cols, NCOLS, DEFAULT_COLUMNS, &opts, &bad);

	if (!t)
		fail_msg("columns '%s' refused at '%s'", columns ? columns : "(default)",
			 bad ? bad : "(none)");
	return t;
}

/* Print t into a string (freed by the caller). */
static char *print_table(struct table *t)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	assert_int_equal(table_print(t, f), 0);
	assert_int_equal(fclose(f), 0);
	return buf;
}

static void strip_space(char *s)
{
	char *d = s;

	for (; *s; s++)
		if (!isspace((unsigned char)*s))
			*d++ = *s;
	*d = '\0';
}

static void test_default_columns(void **state)
{
	struct table *t = new_table(NULL, false, false);

	(void)state;
	assert_true(table_has(t, COL_NAME));
	assert_true(table_has(t, COL_SIZE));
	assert_true(table_has(t, COL_COUNT));
	assert_false(table_has(t, COL_OPEN));
	assert_false(table_has(t, COL_OWNER));
	assert_false(table_has(t, NCOLS));
	assert_false(table_has(t, 1000));
	table_free(t);
}

static void test_select_columns(void **state)
{
	struct table *t = new_table("owner,Name", false, false);
	char *out;

	(void)state;
	assert_true(table_has(t, COL_OWNER));
	assert_true(table_has(t, COL_NAME));
	assert_false(table_has(t, COL_SIZE));
	assert_false(table_has(t, COL_COUNT));
	assert_int_equal(table_row(t), 0);
	assert_int_equal(table_set(t, COL_NAME, "/q"), 0);
	assert_int_equal(table_set(t, COL_OWNER, "root"), 0);
	/* Columns that are not shown are ignored without error. */
	assert_int_equal(table_set_u64(t, COL_SIZE, 4096), 0);
	assert_int_equal(table_set_i64(t, COL_COUNT, 3), 0);
	out = print_table(t);
	/* In the order -o gave, with the canonical upper-case headings. */
	assert_string_equal(out, "OWNER NAME\nroot /q\n");
	free(out);
	table_free(t);
}

static void test_select_case_insensitive(void **state)
{
	static const char *const lists[] = { "name", "NAME", "Name", "nAmE" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
		struct table *t = new_table(lists[i], false, false);

		assert_true(table_has(t, COL_NAME));
		assert_false(table_has(t, COL_SIZE));
		table_free(t);
	}
}

static void test_plus_adds_to_default(void **state)
{
	struct table *t = new_table("+owner", false, false);
	char *out;

	(void)state;
	assert_true(table_has(t, COL_NAME));
	assert_true(table_has(t, COL_SIZE));
	assert_true(table_has(t, COL_COUNT));
	assert_true(table_has(t, COL_OWNER));
	assert_false(table_has(t, COL_OPEN));
	assert_int_equal(table_row(t), 0);
	table_set(t, COL_NAME, "/q");
	table_set_u64(t, COL_SIZE, 10);
	table_set_u64(t, COL_COUNT, 2);
	table_set(t, COL_OWNER, "me");
	out = print_table(t);
	assert_string_equal(out, "NAME SIZE COUNT OWNER\n/q 10 2 me\n");
	free(out);
	table_free(t);

	t = new_table("+open,Owner", false, false);
	assert_true(table_has(t, COL_OPEN));
	assert_true(table_has(t, COL_OWNER));
	assert_true(table_has(t, COL_NAME));
	table_free(t);

	/* A column already in the default is not shown twice. */
	t = new_table("+name", false, false);
	assert_int_equal(table_row(t), 0);
	table_set(t, COL_NAME, "/q");
	out = print_table(t);
	/* Raw: an empty cell is "-", so the fields never shift. */
	assert_string_equal(out, "NAME SIZE COUNT\n/q - -\n");
	free(out);
	table_free(t);
}

static void bad_columns(const char *columns, const char *expect)
{
	struct table_opts opts = { .raw = true, .columns = columns };
	const char *bad = NULL;
	struct table *t;

	errno = 0;
	t = table_new(cols, NCOLS, DEFAULT_COLUMNS, &opts, &bad);
	if (t)
		fail_msg("columns '%s' accepted", columns);
	assert_int_equal(errno, EINVAL);
	assert_non_null(bad);
	assert_string_equal(bad, expect);
}

static void test_unknown_column(void **state)
{
	(void)state;
	bad_columns("bogus", "bogus");
	bad_columns("name,bogus", "bogus");
	bad_columns("+bogus", "bogus");
	bad_columns("+name,Bogus2", "Bogus2");
	bad_columns("nam", "nam");
	bad_columns("names", "names");
	bad_columns("name ", "name ");
	bad_columns(" name", " name");
	bad_columns("name,,size", "");
	bad_columns("name,", "");
	bad_columns(",", "");
	bad_columns("", "");
}

static void test_too_many_columns(void **state)
{
	static struct table_column many[65];
	struct table_opts opts = { .raw = true };
	const char *bad = NULL;
	size_t i;

	(void)state;
	for (i = 0; i < 65; i++)
		many[i] = (struct table_column){ "C", "c", 0, TABLE_STRING };
	errno = 0;
	assert_null(table_new(many, 65, "C", &opts, &bad));
	assert_int_equal(errno, EINVAL);
}

static void fill_rows(struct table *t)
{
	assert_int_equal(table_row(t), 0);
	table_set(t, COL_NAME, "/q");
	table_set_u64(t, COL_SIZE, 4096);
	table_set_u64(t, COL_COUNT, 3);
	table_set(t, COL_OPEN, "1");
	assert_int_equal(table_row(t), 0);
	table_set(t, COL_NAME, "key:0x0000001f");
	table_set_u64(t, COL_SIZE, 1572864);
	table_set_i64(t, COL_COUNT, -1);
	table_set(t, COL_OPEN, "0");
}

static void test_json_bytes(void **state)
{
	struct table *t = new_table("name,size,count,open", true, true);
	char *out;

	(void)state;
	fill_rows(t);
	out = print_table(t);
	strip_space(out);
	assert_string_equal(out, "{\"things\":["
				 "{\"name\":\"/q\",\"size\":4096,\"count\":3,\"open\":true},"
				 "{\"name\":\"key:0x0000001f\",\"size\":1572864,\"count\":-1,"
				 "\"open\":false}]}");
	free(out);
	table_free(t);
}

static void test_json_sizes_in_bytes(void **state)
{
	struct table *t = new_table("name,size", true, false);
	char *out;

	(void)state;
	fill_rows(t);
	out = print_table(t);
	strip_space(out);
	/* Without --bytes too: a JSON size is a number of bytes, its type never drifts. */
	assert_string_equal(out, "{\"things\":["
				 "{\"name\":\"/q\",\"size\":4096},"
				 "{\"name\":\"key:0x0000001f\",\"size\":1572864}]}");
	free(out);
	table_free(t);
}

static void test_json_empty_cells(void **state)
{
	struct table *t = new_table("name,count", true, true);
	char *out;

	(void)state;
	assert_int_equal(table_row(t), 0);
	table_set(t, COL_NAME, NULL);
	out = print_table(t);
	strip_space(out);
	/* An empty cell is JSON null (strings) or null (numbers), never "". */
	assert_non_null(strstr(out, "\"count\":null"));
	free(out);
	table_free(t);
}

static void test_json_escapes(void **state)
{
	struct table *t = new_table("name", true, true);
	char *out;

	(void)state;
	assert_int_equal(table_row(t), 0);
	/* The cell is escaped first (a backslash as \\, 0xff as \xff), then JSON-quoted. */
	table_set(t, COL_NAME, "a\"b\\c\xff");
	out = print_table(t);
	strip_space(out);
	assert_string_equal(out, "{\"things\":[{\"name\":\"a\\\"b\\\\\\\\c\\\\xff\"}]}");
	free(out);
	table_free(t);
}

static const char *human(uint64_t bytes, char *buf, size_t len)
{
	struct table *t = new_table("size", false, false);
	char *out;

	assert_int_equal(table_row(t), 0);
	assert_int_equal(table_set_u64(t, COL_SIZE, bytes), 0);
	out = print_table(t);
	/* "SIZE\n<value>\n" */
	assert_int_equal(strncmp(out, "SIZE\n", 5), 0);
	snprintf(buf, len, "%.*s", (int)strcspn(out + 5, "\n"), out + 5);
	free(out);
	table_free(t);
	return buf;
}

static void test_humanized_sizes(void **state)
{
	char buf[32];

	(void)state;
	assert_string_equal(human(0, buf, sizeof(buf)), "0");
	assert_string_equal(human(512, buf, sizeof(buf)), "512");
	assert_string_equal(human(4096, buf, sizeof(buf)), "4K");
	assert_string_equal(human(1536, buf, sizeof(buf)), "1.5K");
	assert_string_equal(human(65536, buf, sizeof(buf)), "64K");
	assert_string_equal(human(1048576, buf, sizeof(buf)), "1M");
	assert_string_equal(human(1572864, buf, sizeof(buf)), "1.5M");
	assert_string_equal(human(1073741824ULL, buf, sizeof(buf)), "1G");
	assert_string_equal(human(10ULL << 30, buf, sizeof(buf)), "10G");
	assert_string_equal(human(1ULL << 40, buf, sizeof(buf)), "1T");
	/* Never negative, however large; not clamped to 2^63 (8E) either. */
	assert_string_equal(human(UINT64_MAX, buf, sizeof(buf)), "16E");
	assert_string_equal(human(18446744073692774399ULL, buf, sizeof(buf)), "16E");
	assert_string_equal(human(1ULL << 62, buf, sizeof(buf)), "4E");
	table_format_size(8192, buf, sizeof(buf));
	assert_string_equal(buf, "8K");
}

static void test_bytes_exact(void **state)
{
	struct table *t = new_table("size,count", false, true);
	char *out;

	(void)state;
	assert_int_equal(table_row(t), 0);
	table_set_u64(t, COL_SIZE, 1572864);
	table_set_u64(t, COL_COUNT, UINT64_MAX);
	out = print_table(t);
	assert_string_equal(out, "SIZE COUNT\n1572864 18446744073709551615\n");
	free(out);
	table_free(t);

	/* Without --bytes, a number column stays exact. */
	t = new_table("count", false, false);
	assert_int_equal(table_row(t), 0);
	table_set_u64(t, COL_COUNT, 1572864);
	out = print_table(t);
	assert_string_equal(out, "COUNT\n1572864\n");
	free(out);
	table_free(t);
}

static void test_noheadings(void **state)
{
	struct table_opts opts = { .raw = true, .noheadings = true, .columns = "name" };
	const char *bad = NULL;
	struct table *t = table_new(cols, NCOLS, DEFAULT_COLUMNS, &opts, &bad);
	char *out;

	(void)state;
	assert_non_null(t);
	assert_int_equal(table_row(t), 0);
	table_set(t, COL_NAME, "/q");
	out = print_table(t);
	assert_string_equal(out, "/q\n");
	free(out);
	table_free(t);
}

static void test_columns_help(void **state)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(f);
	table_columns_help(cols, NCOLS, f);
	fclose(f);
	assert_non_null(strstr(buf, "  NAME       object name\n"));
	assert_non_null(strstr(buf, "  OWNER      owner\n"));
	free(buf);
}

/* -e: lsipc's NAME="value" pairs, quoted so that eval reads them safely. */
static void test_export(void **state)
{
	struct table_opts opts = { .export = true, .columns = "NAME,SIZE,COUNT", .name = "x" };
	const char *bad = NULL;
	struct table *t = table_new(cols, NCOLS, DEFAULT_COLUMNS, &opts, &bad);
	char *out;

	(void)state;
	assert_non_null(t);
	assert_int_equal(table_row(t), 0);
	table_set(t, COL_NAME, "/a b\"$`\\\n");
	table_set_u64(t, COL_SIZE, 4096);
	out = print_table(t);
	assert_string_equal(out, "NAME=\"/a b\\x22\\x24\\x60\\x5c\\x0a\" SIZE=\"4K\" COUNT=\"\"\n");
	free(out);
	table_free(t);
}

/* An empty table still has its header, as lsipc's; JSON an empty array. */
static void test_empty_table_header(void **state)
{
	struct table *t = new_table("name,count", false, false);
	char *out;

	(void)state;
	out = print_table(t);
	assert_string_equal(out, "NAME COUNT\n");
	free(out);
	table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_columns),
		cmocka_unit_test(test_select_columns),
		cmocka_unit_test(test_select_case_insensitive),
		cmocka_unit_test(test_plus_adds_to_default),
		cmocka_unit_test(test_unknown_column),
		cmocka_unit_test(test_too_many_columns),
		cmocka_unit_test(test_json_bytes),
		cmocka_unit_test(test_json_sizes_in_bytes),
		cmocka_unit_test(test_json_empty_cells),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_humanized_sizes),
		cmocka_unit_test(test_bytes_exact),
		cmocka_unit_test(test_noheadings),
		cmocka_unit_test(test_columns_help),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_empty_table_header),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
