/* Unit tests: the JSON string writer and UTF-8 check (lib/json.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "../../lib/json.h"
#include "../../lib/msgend.h"

static void check_string(const char *in, size_t len, const char *want)
{
	char out[256];
	size_t n = json_string(out, in, len);

	assert_true(n <= json_string_max(len));
	out[n] = '\0';
	assert_string_equal(out, want);
}

static void test_escapes(void **state)
{
	(void)state;
	check_string("", 0, "\"\"");
	check_string("plain", 5, "\"plain\"");
	check_string("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
	check_string("\n\r\t\b\f", 5, "\"\\n\\r\\t\\b\\f\"");
	check_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\\u007f\"");
	check_string("a\0b", 3, "\"a\\u0000b\"");
	check_string("ünï €", 9, "\"ünï €\"");
}

static void test_utf8(void **state)
{
	(void)state;
	assert_true(json_utf8_valid("", 0));
	assert_true(json_utf8_valid("ascii", 5));
	assert_true(json_utf8_valid("\xc3\xbc", 2));		/* ü */
	assert_true(json_utf8_valid("\xe2\x82\xac", 3));	/* € */
	assert_true(json_utf8_valid("\xf0\x9f\x98\x80", 4));	/* U+1F600 */
	assert_false(json_utf8_valid("\xff", 1));
	assert_false(json_utf8_valid("\xc3", 1));		/* truncated */
	assert_false(json_utf8_valid("\xc0\xaf", 2));		/* overlong */
	assert_false(json_utf8_valid("\xe0\x80\xaf", 3));	/* overlong */
	assert_false(json_utf8_valid("\xed\xa0\x80", 3));	/* surrogate */
	assert_false(json_utf8_valid("\xf4\x90\x80\x80", 4));	/* > U+10FFFF */
	assert_false(json_utf8_valid("a\x80", 2));		/* lone continuation */
}

static void check_base64(const char *in, size_t len, const char *want)
{
	char out[64];
	size_t n = json_base64(out, in, len);

	assert_true(n <= json_base64_max(len));
	out[n] = '\0';
	assert_string_equal(out, want);
}

static void test_base64(void **state)
{
	(void)state;
	check_base64("", 0, "\"\"");
	check_base64("f", 1, "\"Zg==\"");
	check_base64("fo", 2, "\"Zm8=\"");
	check_base64("foo", 3, "\"Zm9v\"");
	check_base64("foob", 4, "\"Zm9vYg==\"");
	check_base64("\xff\x00\x61", 3, "\"/wBh\"");
}

static void test_message(void **state)
{
	struct msg_meta meta;
	char out[4096];
	size_t n;

	(void)state;
	memset(&meta, 0, sizeof(meta));
	meta.has_priority = true;
	meta.priority = 7;
	strcpy(meta.sender, "pid 42");
	meta.time.tv_sec = 86400;
	meta.time.tv_nsec = 5000;
	n = json_message(out, "hi\n", 3, &meta);
	out[n] = '\0';
	assert_string_equal(out, "{\"data\":\"hi\\n\",\"size\":3,\"priority\":7,"
				 "\"sender\":\"pid 42\",\"time\":\"1970-01-02T00:00:00.000005+00:00\"}\n");
	/* A sender that is not UTF-8, data that is not either. */
	memset(&meta, 0, sizeof(meta));
	meta.has_type = true;
	meta.type = -3;
	strcpy(meta.sender, "\xff");
	n = json_message(out, "\xfe", 1, &meta);
	out[n] = '\0';
	assert_string_equal(out, "{\"data_base64\":\"/g==\",\"size\":1,\"type\":-3,"
				 "\"sender_base64\":\"/w==\",\"time\":\"1970-01-01T00:00:00.000000+00:00\"}\n");
}

static void test_message_max(void **state)
{
	struct msg_meta meta;
	static char msg[100], out[8192];
	size_t n;

	(void)state;
	/* The worst case: every byte of data and sender escaped to six. */
	memset(&meta, 0, sizeof(meta));
	meta.has_priority = meta.has_type = true;
	meta.priority = 4294967295u;
	meta.type = -9223372036854775807L - 1;
	memset(meta.sender, 1, sizeof(meta.sender) - 1);
	memset(msg, 1, sizeof(msg));
	meta.time.tv_sec = 253402300799; /* 9999-12-31T23:59:59 */
	meta.time.tv_nsec = 999999999;
	n = json_message(out, msg, sizeof(msg), &meta);
	assert_true(n <= json_message_max(sizeof(msg)));
}

static void test_writer(void **state)
{
	struct json_writer w;
	char buf[128], tiny[16];
	size_t n;

	(void)state;
	json_begin(&w, buf, sizeof(buf));
	json_add_string(&w, "signal", "SIGUSR1");
	json_add_int(&w, "pid", -3);
	json_add_string(&w, "bad", "\xff");
	json_add_null(&w, "value");
	n = json_end(&w);
	buf[n] = '\0';
	assert_string_equal(buf, "{\"signal\":\"SIGUSR1\",\"pid\":-3,\"bad_base64\":\"/w==\","
				 "\"value\":null}\n");
	json_begin(&w, tiny, sizeof(tiny));
	json_add_string(&w, "signal", "SIGUSR1");
	assert_int_equal(json_end(&w), 0);
	json_begin(&w, tiny, sizeof(tiny));
	assert_int_equal(json_end(&w), 3);
}

/* ISO 8601 with the zone offset in extended form, in UTC and east of it. */
static void test_time_iso(void **state)
{
	char buf[JSON_TIME_MAX];

	(void)state;
	assert_int_equal(json_time_iso(buf, sizeof(buf), 86400, -1), 25);
	assert_string_equal(buf, "1970-01-02T00:00:00+00:00");
	json_time_iso(buf, sizeof(buf), 86400, 5);
	assert_string_equal(buf, "1970-01-02T00:00:00.000005+00:00");
	setenv("TZ", "UTC-5:30", 1);
	tzset();
	json_time_iso(buf, sizeof(buf), 86400, -1);
	assert_string_equal(buf, "1970-01-02T05:30:00+05:30");
	setenv("TZ", "UTC", 1);
	tzset();
	assert_int_equal(json_time_iso(buf, 10, 86400, -1), 0);
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_time_iso),
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_base64),
		cmocka_unit_test(test_message),
		cmocka_unit_test(test_message_max),
		cmocka_unit_test(test_writer),
	};

	/* Times are local: the expected strings are UTC's. */
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
