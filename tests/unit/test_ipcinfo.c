/* Unit tests of the inventory's parsers and object references. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/sysmacros.h>

#include "../../lib/ipcinfo.h"
#include "../../lib/ipcref.h"

static void test_mq_text(void **state)
{
	uint64_t qsize;
	pid_t pid;

	(void)state;
	assert_int_equal(ipcinfo_parse_mq_text("QSIZE:129        NOTIFY:2     SIGNO:0     NOTIFY_PID:8260\n",
					       &qsize, &pid), 0);
	assert_int_equal(qsize, 129);
	assert_int_equal(pid, 8260);
	assert_int_equal(ipcinfo_parse_mq_text("QSIZE:0 NOTIFY:0 SIGNO:0 NOTIFY_PID:0", &qsize, &pid), 0);
	assert_int_equal(qsize, 0);
	assert_int_equal(pid, 0);
	assert_int_equal(ipcinfo_parse_mq_text("garbage", &qsize, &pid), -1);
	assert_int_equal(ipcinfo_parse_mq_text("QSIZE:x", &qsize, &pid), -1);
}

static void test_unix_line(void **state)
{
	struct ipcinfo_obj o;

	(void)state;
	assert_int_equal(ipcinfo_parse_unix_line("0000000000000000: 00000002 00000000 00010000 0001 01 "
						 "29140 /tmp/a b.sock\n", &o), 0);
	assert_int_equal(o.kind, IPCINFO_SOCKET);
	assert_int_equal(o.ino, 29140);
	assert_int_equal(o.socktype, SOCK_STREAM);
	assert_true(o.listening);
	assert_string_equal(o.name, "/tmp/a b.sock");
	assert_int_equal(ipcinfo_parse_unix_line("0000000000000000: 00000003 00000000 00000000 0002 03 "
						 "17 @abstract\n", &o), 0);
	assert_int_equal(o.socktype, SOCK_DGRAM);
	assert_int_equal(o.sockstate, 3);
	assert_false(o.listening);
	assert_string_equal(o.name, "@abstract");
	/* Unnamed: no path. */
	assert_int_equal(ipcinfo_parse_unix_line("0000000000000000: 00000003 00000000 00000000 0001 03 "
						 "18\n", &o), 0);
	assert_string_equal(o.name, "");
	assert_int_equal(ipcinfo_parse_unix_line("Num RefCount Protocol", &o), -1);
}

static void test_maps_line(void **state)
{
	unsigned long start;
	dev_t dev;
	ino_t ino;
	bool sysv;

	(void)state;
	assert_int_equal(ipcinfo_parse_maps_line("7fe817b17000-7fe817b19000 r--s 00000000 00:1b 3"
						 "                          /dev/shm/x\n",
						 &start, &dev, &ino, &sysv), 0);
	assert_int_equal(start, 0x7fe817b17000UL);
	assert_int_equal(dev, makedev(0, 0x1b));
	assert_int_equal(ino, 3);
	assert_false(sysv);
	assert_int_equal(ipcinfo_parse_maps_line("7f0000000000-7f0000010000 rw-s 00000000 00:01 32768"
						 "  /SYSV0000abcd (deleted)\n",
						 &start, &dev, &ino, &sysv), 0);
	assert_true(sysv);
	assert_int_equal(ino, 32768);
	/* Private mappings and anonymous ones are no IPC object. */
	assert_int_equal(ipcinfo_parse_maps_line("55d0-55d1 r-xp 00000000 08:01 1234 /usr/bin/cat\n",
						 &start, &dev, &ino, &sysv), -1);
	assert_int_equal(ipcinfo_parse_maps_line("7f00-7f01 rw-s 00000000 00:00 0\n",
						 &start, &dev, &ino, &sysv), -1);
}

static void test_ipcref_parse(void **state)
{
	struct ipcref r;
	const char *why = NULL;

	(void)state;
	assert_int_equal(ipcref_parse("mq:/q", &r, false, &why), 0);
	assert_int_equal(r.kind, IPCREF_MQ);
	assert_string_equal(r.obj.name, "/q");
	assert_int_equal(ipcref_parse("sem:key:0x10", &r, false, &why), 0);
	assert_int_equal(r.kind, IPCREF_SEM);
	assert_int_equal(r.obj.key, 0x10);
	assert_int_equal(ipcref_parse("shm:id:7", &r, false, &why), 0);
	assert_int_equal(r.obj.id, 7);
	assert_int_equal(ipcref_parse("fifo:/tmp/f", &r, false, &why), 0);
	assert_int_equal(r.kind, IPCREF_FIFO);
	assert_string_equal(r.path, "/tmp/f");
	assert_int_equal(ipcref_parse("unix:/tmp/s", &r, false, &why), 0);
	assert_int_equal(r.kind, IPCREF_UNIX);
	assert_int_equal(ipcref_parse("/q", &r, false, &why), -1);
	assert_non_null(strstr(why, "without its kind"));
	assert_int_equal(ipcref_parse("/q", &r, true, &why), 0);
	assert_int_equal(r.kind, IPCREF_ANY);
	assert_int_equal(ipcref_parse("unix:@x", &r, false, &why), -1);
	assert_int_equal(ipcref_parse("mq:key:private", &r, false, &why), -1);
	assert_int_equal(ipcref_parse("tcp:h:1", &r, false, &why), -1);
	assert_int_equal(ipcref_parse("sem:nope", &r, false, &why), -1);
	assert_int_equal(ipcref_parse("x", &r, true, &why), -1);
}

static void test_ipcref_matches(void **state)
{
	struct ipcinfo_obj o;
	struct ipcref r;
	char buf[64];

	(void)state;
	memset(&o, 0, sizeof(o));
	o.kind = IPCINFO_RING;
	o.api = IPCINFO_POSIX;
	strcpy(o.name, "/r");
	assert_int_equal(ipcref_parse("shm:/r", &r, false, NULL), 0);
	assert_true(ipcref_matches(&r, &o));
	assert_int_equal(ipcref_parse("mq:/r", &r, false, NULL), 0);
	assert_false(ipcref_matches(&r, &o));
	assert_int_equal(ipcref_parse("/r", &r, true, NULL), 0);
	assert_true(ipcref_matches(&r, &o));
	ipcinfo_ref(&o, buf, sizeof(buf));
	assert_string_equal(buf, "shm:/r");

	memset(&o, 0, sizeof(o));
	o.kind = IPCINFO_SEM;
	o.api = IPCINFO_SYSV;
	o.key = 0x1f;
	o.id = 3;
	assert_int_equal(ipcref_parse("sem:key:31", &r, false, NULL), 0);
	assert_true(ipcref_matches(&r, &o));
	assert_int_equal(ipcref_parse("sem:id:3", &r, false, NULL), 0);
	assert_true(ipcref_matches(&r, &o));
	assert_int_equal(ipcref_parse("shm:id:3", &r, false, NULL), 0);
	assert_false(ipcref_matches(&r, &o));
	ipcinfo_ref(&o, buf, sizeof(buf));
	assert_string_equal(buf, "sem:key:0x0000001f");
	o.key = 0;
	ipcinfo_ref(&o, buf, sizeof(buf));
	assert_string_equal(buf, "sem:id:3");
}

/* The mqueue directory is the caller's: anything else is refused, never read. */
static void test_posix_mq_dir(void **state)
{
	struct ipcinfo_list list = { 0 };

	(void)state;
	errno = 0;
	assert_int_equal(ipcinfo_get_posix_mq(&list, "/nonexistent/mqueue"), -1);
	assert_int_equal(errno, ENOENT);
	assert_int_equal(ipcinfo_get_posix_mq(&list, "/"), -1);
	assert_int_equal(errno, ENODEV);
	assert_int_equal(list.n, 0);
	ipcinfo_free(&list);
}

/* rm --stale keeps what it cannot prove unused. */
static void test_in_use_evidence(void **state)
{
	struct ipcinfo_list list = { 0 };
	struct ipcinfo_obj q = { .kind = IPCINFO_MQ, .api = IPCINFO_SYSV, .id = 7 };
	struct ipcinfo_obj sem = { .kind = IPCINFO_SEM, .api = IPCINFO_SYSV, .id = 8 };
	int waits[] = { 9 };
	const char *why;

	(void)state;
	/* Sleepers not read: a queue may be in use. */
	assert_true(ipcinfo_in_use(&list, &q, &why));
	assert_non_null(why);
	list.waits_read = true;
	assert_false(ipcinfo_in_use(&list, &q, &why));
	list.msg_waits = waits;
	list.nmsg_waits = 1;
	assert_false(ipcinfo_in_use(&list, &q, &why));
	waits[0] = 7;
	assert_true(ipcinfo_in_use(&list, &q, &why));
	waits[0] = 9;
	list.msg_wait_unknown = true;
	assert_true(ipcinfo_in_use(&list, &q, &why));
	assert_non_null(strstr(why, "cannot be told"));
	/* A set whose waiters could not be read is kept; one with waiters too. */
	assert_true(ipcinfo_in_use(&list, &sem, &why));
	sem.has |= IPCINFO_HAS_WAITERS;
	assert_false(ipcinfo_in_use(&list, &sem, &why));
	sem.waiters = 1;
	assert_true(ipcinfo_in_use(&list, &sem, &why));
	assert_string_equal(why, "a process is waiting on it");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mq_text),
		cmocka_unit_test(test_unix_line),
		cmocka_unit_test(test_maps_line),
		cmocka_unit_test(test_ipcref_parse),
		cmocka_unit_test(test_ipcref_matches),
		cmocka_unit_test(test_posix_mq_dir),
		cmocka_unit_test(test_in_use_evidence),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
