/* Unit tests for lib/fifo.c: exclusive creation, modes, symlinks, opens. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/fifo.h"

static char dir[] = "/tmp/ipctool-fifo-XXXXXX";

/* A path in the test directory; several can be in use at once. */
static const char *in_dir(const char *name)
{
	static char paths[4][PATH_MAX];
	static unsigned next;
	char *path = paths[next++ % 4];

	snprintf(path, PATH_MAX, "%s/%s", dir, name);
	return path;
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[PATH_MAX + 16];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_create_exclusive(void **state)
{
	const char *path = in_dir("f1");
	struct stat st;
	bool created = false;
	mode_t old;

	(void)state;
	/* The mode is exact: the umask does not apply. */
	old = umask(077);
	assert_int_equal(fifo_create(path, 0640, false, &created), 0);
	umask(old);
	assert_true(created);
	assert_int_equal(lstat(path, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);

	errno = 0;
	assert_int_equal(fifo_create(path, 0600, false, &created), -1);
	assert_int_equal(errno, EEXIST);
	assert_false(created);

	/* With reuse an existing FIFO is fine, and left as it was. */
	assert_int_equal(fifo_create(path, 0600, true, &created), 0);
	assert_false(created);
	assert_int_equal(lstat(path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640);
	assert_int_equal(fifo_remove(path), 0);
	assert_int_equal(lstat(path, &st), -1);
}

static void test_create_refuses_others(void **state)
{
	const char *file = in_dir("file"), *link = in_dir("link");
	char target[PATH_MAX];
	struct stat st;
	bool created = true;
	int fd;

	(void)state;
	fd = open(file, O_CREAT | O_EXCL | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	/* reuse only reuses FIFOs. */
	errno = 0;
	assert_int_equal(fifo_create(file, 0600, true, &created), -1);
	assert_int_equal(errno, EEXIST);
	assert_false(created);

	/* A symlink is never followed, even to a missing target. */
	snprintf(target, sizeof(target), "%s", in_dir("target"));
	assert_int_equal(symlink(target, link), 0);
	errno = 0;
	assert_int_equal(fifo_create(link, 0600, true, &created), -1);
	assert_int_equal(errno, EEXIST);
	assert_int_equal(lstat(target, &st), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_remove_only_fifos(void **state)
{
	const char *file = in_dir("plain"), *link = in_dir("tofifo"), *fifo = in_dir("f2");
	bool created;
	struct stat st;
	int fd;

	(void)state;
	fd = open(file, O_CREAT | O_EXCL | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_int_equal(fifo_remove(file), -1);
	assert_int_equal(errno, EINVAL);
	assert_int_equal(lstat(file, &st), 0);

	/* A symlink to a FIFO is not a FIFO: neither link nor target goes. */
	assert_int_equal(fifo_create(fifo, 0600, false, &created), 0);
	assert_int_equal(symlink(fifo, link), 0);
	errno = 0;
	assert_int_equal(fifo_remove(link), -1);
	assert_int_equal(errno, ELOOP);
	assert_int_equal(lstat(link, &st), 0);
	assert_int_equal(lstat(fifo, &st), 0);

	errno = 0;
	assert_int_equal(fifo_remove(in_dir("missing")), -1);
	assert_int_equal(errno, ENOENT);
}

static void test_open_refuses_others(void **state)
{
	const char *file = in_dir("plain2"), *link = in_dir("link2"), *fifo = in_dir("f3");
	struct deadline d;
	bool created;
	int fd;

	(void)state;
	deadline_start(&d, 0);
	fd = open(file, O_CREAT | O_EXCL | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	errno = 0;
	assert_int_equal(fifo_open_read(file, &d, false), -1);
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_int_equal(fifo_open_write(file, &d, false), -1);
	assert_int_equal(errno, EINVAL);

	assert_int_equal(fifo_create(fifo, 0600, false, &created), 0);
	assert_int_equal(symlink(fifo, link), 0);
	errno = 0;
	assert_int_equal(fifo_open_read(link, &d, false), -1);
	assert_int_equal(errno, ELOOP);
	errno = 0;
	assert_int_equal(fifo_open_write(link, &d, false), -1);
	assert_int_equal(errno, ELOOP);
}

static void test_open_missing_and_timeouts(void **state)
{
	const char *fifo = in_dir("f4");
	struct deadline d;
	bool created;

	(void)state;
	deadline_start(&d, 0);
	errno = 0;
	assert_int_equal(fifo_open_write(in_dir("nothere"), &d, false), -1);
	assert_int_equal(errno, ENOENT);
	errno = 0;
	assert_int_equal(fifo_open_read(in_dir("nothere"), &d, false), -1);
	assert_int_equal(errno, ENOENT);
	/* Waiting for a path that never comes ends at the deadline. */
	deadline_start(&d, 10);
	errno = 0;
	assert_int_equal(fifo_open_write(in_dir("nothere"), &d, true), -1);
	assert_int_equal(errno, ETIMEDOUT);

	/* Nobody at the other end. */
	assert_int_equal(fifo_create(fifo, 0600, false, &created), 0);
	deadline_start(&d, 10);
	errno = 0;
	assert_int_equal(fifo_open_write(fifo, &d, false), -1);
	assert_int_equal(errno, ETIMEDOUT);
	deadline_start(&d, 10);
	errno = 0;
	assert_int_equal(fifo_open_read(fifo, &d, false), -1);
	assert_int_equal(errno, ETIMEDOUT);
}

static void test_open_pair(void **state)
{
	const char *fifo = in_dir("f5");
	struct deadline d;
	bool created;
	int keep, r, w, fl;
	char buf[8];

	(void)state;
	assert_int_equal(fifo_create(fifo, 0600, false, &created), 0);
	/* A reader already there (kept open read-write): the writer opens. */
	keep = open(fifo, O_RDWR | O_NONBLOCK);
	assert_true(keep >= 0);
	deadline_start(&d, 1000);
	w = fifo_open_write(fifo, &d, false);
	assert_true(w >= 0);
	/* A writer with data there: the reader opens. */
	assert_int_equal(write(w, "hi", 2), 2);
	r = fifo_open_read(fifo, &d, false);
	assert_true(r >= 0);
	/* Both come back blocking. */
	fl = fcntl(r, F_GETFL);
	assert_int_equal(fl & O_NONBLOCK, 0);
	fl = fcntl(w, F_GETFL);
	assert_int_equal(fl & O_NONBLOCK, 0);
	assert_int_equal(read(r, buf, sizeof(buf)), 2);
	assert_memory_equal(buf, "hi", 2);
	close(r);
	close(w);
	close(keep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_exclusive),
		cmocka_unit_test(test_create_refuses_others),
		cmocka_unit_test(test_remove_only_fifos),
		cmocka_unit_test(test_open_refuses_others),
		cmocka_unit_test(test_open_missing_and_timeouts),
		cmocka_unit_test(test_open_pair),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
