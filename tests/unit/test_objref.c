/* Unit tests for lib/objref.c: /NAME, key:, id:, ftok: references. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <unistd.h>

#include "../../lib/objref.h"

static void ref_fails(const char *text)
{
	struct objref ref;
	const char *why = NULL;

	errno = 0;
	if (objref_parse(text, &ref, &why) != -1)
		fail_msg("'%s' was accepted", text ? text : "(null)");
	assert_int_equal(errno, EINVAL);
	assert_non_null(why);
	assert_true(why[0] != '\0');
}

static struct objref ref_ok(const char *text)
{
	struct objref ref;
	const char *why = NULL;

	if (objref_parse(text, &ref, &why) != 0)
		fail_msg("'%s' refused: %s", text, why ? why : "(no reason)");
	return ref;
}

static void test_posix_name(void **state)
{
	struct objref ref;

	(void)state;
	ref = ref_ok("/jobs");
	assert_int_equal(ref.kind, OBJREF_POSIX);
	assert_string_equal(ref.name, "/jobs");
	assert_false(objref_is_sysv(&ref));
	ref = ref_ok("/a");
	assert_string_equal(ref.name, "/a");
	ref = ref_ok("/...");
	assert_string_equal(ref.name, "/...");
	ref = ref_ok("/a.b-c_d:e");
	assert_string_equal(ref.name, "/a.b-c_d:e");
}

static void test_posix_name_length(void **state)
{
	char name[300];
	struct objref ref;

	(void)state;
	name[0] = '/';
	memset(name + 1, 'n', 255);
	name[256] = '\0';
	ref = ref_ok(name);
	assert_string_equal(ref.name, name);
	assert_int_equal(strlen(ref.name), 256);

	memset(name + 1, 'n', 256);
	name[257] = '\0';
	ref_fails(name);
	memset(name + 1, 'n', 298);
	name[299] = '\0';
	ref_fails(name);
}

static void test_posix_name_bad(void **state)
{
	(void)state;
	ref_fails("/");
	ref_fails("//");
	ref_fails("//x");
	ref_fails("/a/b");
	ref_fails("/a/");
	ref_fails("/.");
	ref_fails("/..");
	ref_fails("/a b");
	ref_fails("/ ");
	ref_fails("/a\tb");
	ref_fails("/a\nb");
	ref_fails("/a\x01");
	ref_fails("/\x1b[31m");
	ref_fails("/a\x7f");
	ref_fails("/\xff");
	/* No leading slash: not a POSIX name at all. */
	ref_fails("jobs");
	ref_fails("./jobs");
	ref_fails("");
	ref_fails(NULL);
}

static void test_posix_check_name(void **state)
{
	const char *why = NULL;

	(void)state;
	assert_int_equal(objref_check_posix_name("/q", &why), 0);
	assert_int_equal(objref_check_posix_name("q", &why), -1);
	assert_non_null(why);
	assert_int_equal(objref_check_posix_name("", NULL), -1);
	assert_int_equal(errno, EINVAL);
}

static void test_key(void **state)
{
	struct objref ref;
	key_t key;

	(void)state;
	ref = ref_ok("key:0x1f");
	assert_int_equal(ref.kind, OBJREF_KEY);
	assert_int_equal(ref.key, 0x1f);
	assert_false(ref.is_private);
	assert_true(objref_is_sysv(&ref));
	assert_int_equal(objref_key(&ref, &key), 0);
	assert_int_equal(key, 0x1f);

	assert_int_equal(ref_ok("key:31").key, 31);
	assert_int_equal(ref_ok("key:0X1F").key, 31);
	assert_int_equal(ref_ok("key:017").key, 15); /* octal, as ipcs prints none */
	assert_int_equal(ref_ok("key:0xdeadbeef").key, (key_t)0xdeadbeefu);
	assert_int_equal(ref_ok("key:4294967295").key, (key_t)-1);
	assert_int_equal(ref_ok("key:0xffffffff").key, (key_t)-1);
	assert_int_equal(ref_ok("key:2147483648").key, (key_t)0x80000000u);
}

static void test_key_private(void **state)
{
	struct objref ref;
	key_t key = 5;

	(void)state;
	ref = ref_ok("key:private");
	assert_int_equal(ref.kind, OBJREF_KEY);
	assert_true(ref.is_private);
	assert_int_equal(ref.key, IPC_PRIVATE);
	assert_int_equal(objref_key(&ref, &key), 0);
	assert_int_equal(key, IPC_PRIVATE);
	/* Key 0 is IPC_PRIVATE whatever it is called. */
	assert_true(ref_ok("key:0").is_private);
	assert_true(ref_ok("key:0x0").is_private);
}

static void test_key_bad(void **state)
{
	(void)state;
	ref_fails("key:");
	ref_fails("key:4294967296");
	ref_fails("key:0x100000000");
	ref_fails("key:99999999999999999999999");
	ref_fails("key:-1");
	ref_fails("key:+1");
	ref_fails("key: 1");
	ref_fails("key:1 ");
	ref_fails("key:0x");
	ref_fails("key:08");
	ref_fails("key:1f");
	ref_fails("key:x");
	ref_fails("key:Private");
	ref_fails("key:private ");
	ref_fails("KEY:1");
	ref_fails("key");
}

static void test_id(void **state)
{
	struct objref ref;
	key_t key;

	(void)state;
	ref = ref_ok("id:0");
	assert_int_equal(ref.kind, OBJREF_ID);
	assert_int_equal(ref.id, 0);
	assert_true(objref_is_sysv(&ref));
	/* An id has no key. */
	errno = 0;
	assert_int_equal(objref_key(&ref, &key), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(ref_ok("id:2147483647").id, 2147483647);
	assert_int_equal(ref_ok("id:32768").id, 32768);
	ref_fails("id:2147483648");
	ref_fails("id:-1");
	ref_fails("id:x");
	ref_fails("id:");
	ref_fails("id:0x10");
	ref_fails("id: 1");
	ref_fails("id:+1");
	ref_fails("id:1 ");
}

static void test_ftok(void **state)
{
	struct objref ref;

	(void)state;
	ref = ref_ok("ftok:/tmp");
	assert_int_equal(ref.kind, OBJREF_FTOK);
	assert_string_equal(ref.path, "/tmp");
	assert_int_equal(ref.proj, 1);
	assert_true(objref_is_sysv(&ref));

	ref = ref_ok("ftok:/tmp:7");
	assert_string_equal(ref.path, "/tmp");
	assert_int_equal(ref.proj, 7);
	ref = ref_ok("ftok:/tmp:a");
	assert_string_equal(ref.path, "/tmp");
	assert_int_equal(ref.proj, 'a');
	ref = ref_ok("ftok:/tmp:255");
	assert_int_equal(ref.proj, 255);
	ref = ref_ok("ftok:/tmp:1");
	assert_int_equal(ref.proj, 1);
	ref = ref_ok("ftok:relative/file");
	assert_string_equal(ref.path, "relative/file");
	/* Only the part after the last colon can be PROJ. */
	ref = ref_ok("ftok:/a:b:c");
	assert_string_equal(ref.path, "/a:b");
	assert_int_equal(ref.proj, 'c');
	/* When it is no PROJ, the colon belongs to the path. */
	ref = ref_ok("ftok:/tmp/x:ab");
	assert_string_equal(ref.path, "/tmp/x:ab");
	assert_int_equal(ref.proj, 1);
}

static void test_ftok_bad(void **state)
{
	char text[PATH_MAX + 16];

	(void)state;
	ref_fails("ftok:");
	ref_fails("ftok::7");
	ref_fails("ftok::a");
	ref_fails("ftok:/tmp:0");
	ref_fails("ftok:/tmp:256");
	ref_fails("ftok:/tmp:1000");
	ref_fails("ftok:/tmp:99999999999999999999");
	ref_fails("ftok");

	/* A path that cannot fit PATH_MAX. */
	memcpy(text, "ftok:/", 6);
	memset(text + 6, 'p', PATH_MAX);
	text[6 + PATH_MAX] = '\0';
	ref_fails(text);
}

static void test_ftok_key_matches_ftok(void **state)
{
	char path[] = "/tmp/ipctool-unit-XXXXXX";
	char text[64];
	struct objref ref;
	key_t key;
	int fd;

	(void)state;
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);

	snprintf(text, sizeof(text), "ftok:%s", path);
	ref = ref_ok(text);
	assert_int_equal(objref_key(&ref, &key), 0);
	assert_int_equal(key, ftok(path, 1));

	snprintf(text, sizeof(text), "ftok:%s:42", path);
	ref = ref_ok(text);
	assert_int_equal(objref_key(&ref, &key), 0);
	assert_int_equal(key, ftok(path, 42));
	assert_true(key != (key_t)-1);

	snprintf(text, sizeof(text), "ftok:%s:z", path);
	ref = ref_ok(text);
	assert_int_equal(objref_key(&ref, &key), 0);
	assert_int_equal(key, ftok(path, 'z'));

	unlink(path);
	/* A missing file has no key: ftok's errno comes back. */
	ref = ref_ok(text);
	errno = 0;
	assert_int_equal(objref_key(&ref, &key), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_posix_has_no_key(void **state)
{
	struct objref ref = ref_ok("/q");
	key_t key;

	(void)state;
	errno = 0;
	assert_int_equal(objref_key(&ref, &key), -1);
	assert_int_equal(errno, EINVAL);
}

/* Parse, format, parse again: the same reference, and a stable text. */
static void round_trip(const char *text, const char *canonical)
{
	struct objref a, b;
	char buf[PATH_MAX + 32], again[PATH_MAX + 32];

	a = ref_ok(text);
	assert_int_equal(objref_format(&a, buf, sizeof(buf)), 0);
	if (canonical)
		assert_string_equal(buf, canonical);
	b = ref_ok(buf);
	assert_int_equal(a.kind, b.kind);
	assert_string_equal(a.name, b.name);
	assert_int_equal(a.key, b.key);
	assert_int_equal(a.is_private, b.is_private);
	assert_int_equal(a.id, b.id);
	assert_string_equal(a.path, b.path);
	assert_int_equal(a.proj, b.proj);
	assert_int_equal(objref_format(&b, again, sizeof(again)), 0);
	assert_string_equal(buf, again);
}

static void test_format_round_trip(void **state)
{
	(void)state;
	round_trip("/q", "/q");
	round_trip("key:0x1f", "key:0x0000001f");
	round_trip("key:31", "key:0x0000001f");
	round_trip("key:4294967295", "key:0xffffffff");
	round_trip("key:private", "key:private");
	round_trip("key:0", "key:private");
	round_trip("id:0", "id:0");
	round_trip("id:2147483647", "id:2147483647");
	round_trip("ftok:/tmp", "ftok:/tmp:1");
	round_trip("ftok:/tmp:a", "ftok:/tmp:97");
	round_trip("ftok:/a:b:c", "ftok:/a:b:99");
	round_trip("ftok:/tmp/x:ab", "ftok:/tmp/x:ab:1");
	round_trip("ftok:/tmp/x:", NULL);
}

static void test_format_too_small(void **state)
{
	struct objref ref = ref_ok("/jobs");
	char buf[6];

	(void)state;
	errno = 0;
	assert_int_equal(objref_format(&ref, buf, 5), -1);
	assert_int_equal(errno, ENAMETOOLONG);
	assert_int_equal(objref_format(&ref, buf, 6), 0);
	assert_string_equal(buf, "/jobs");
}

static void test_format_existing(void **state)
{
	char buf[64];

	(void)state;
	assert_int_equal(objref_format_existing("/q", 5, 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/q");
	assert_int_equal(objref_format_existing(NULL, 0x1f, 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "key:0x0000001f");
	assert_int_equal(objref_format_existing("", IPC_PRIVATE, 7, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "id:7");
	assert_int_equal(objref_format_existing(NULL, 0x1f, 7, buf, 5), -1);
}

/* What ls prints (objref_escape) is what references take (objref_parse). */
static void test_escape_round_trip(void **state)
{
	static const char *const names[] = {
		"/plain", "/a b", "/back\\slash", "/\xff\xfe", "/\x1b[2J\nx", "/caf\xc3\xa9",
		"/\\x41",
	};
	char out[1100];
	struct objref ref;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		objref_escape(names[i], out, sizeof(out), false);
		assert_int_equal(objref_parse(out, &ref, NULL), 0);
		assert_string_equal(ref.name, names[i]);
	}
	objref_escape("/a b\\\xff", out, sizeof(out), false);
	assert_string_equal(out, "/a\\x20b\\\\\\xff");
	objref_escape("a b", out, sizeof(out), true);
	assert_string_equal(out, "a b");
	/* Truncated at a whole escape. */
	objref_escape("/\xff\xff", out, 7, false);
	assert_string_equal(out, "/\\xff");
}

static void test_escape_bad(void **state)
{
	const char *why = NULL;
	struct objref ref;

	(void)state;
	assert_int_equal(objref_parse("/a\\q", &ref, &why), -1);
	assert_non_null(strstr(why, "bad escape"));
	assert_int_equal(objref_parse("/a\\x2fb", &ref, &why), -1);
	assert_non_null(strstr(why, "second '/'"));
	assert_int_equal(objref_parse("/a\\x00", &ref, &why), -1);
	assert_int_equal(objref_parse("/\\x2e\\x2e", &ref, &why), -1);
	assert_int_equal(objref_parse("/a b", &ref, &why), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_format_existing),
		cmocka_unit_test(test_posix_name),
		cmocka_unit_test(test_posix_name_length),
		cmocka_unit_test(test_posix_name_bad),
		cmocka_unit_test(test_posix_check_name),
		cmocka_unit_test(test_key),
		cmocka_unit_test(test_key_private),
		cmocka_unit_test(test_key_bad),
		cmocka_unit_test(test_id),
		cmocka_unit_test(test_ftok),
		cmocka_unit_test(test_ftok_bad),
		cmocka_unit_test(test_ftok_key_matches_ftok),
		cmocka_unit_test(test_posix_has_no_key),
		cmocka_unit_test(test_format_round_trip),
		cmocka_unit_test(test_format_too_small),
		cmocka_unit_test(test_escape_round_trip),
		cmocka_unit_test(test_escape_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
