/* Unit tests for lib/pathat.c and the ring's record limit. */
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

#include "../../lib/pathat.h"
#include "../../lib/ring.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	strcpy(dir, "/tmp/ipctool-pathat.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[96];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void path_of(char *buf, const char *rel)
{
	snprintf(buf, PATH_MAX, "%s/%s", dir, rel);
}

static void test_open_names_the_last_component(void **state)
{
	struct pathat p;
	char path[PATH_MAX];
	struct stat st;

	(void)state;
	path_of(path, "sub");
	assert_int_equal(mkdir(path, 0700), 0);
	path_of(path, "sub//f");
	assert_int_equal(pathat_open(&p, path), 0);
	assert_string_equal(p.name, "f");
	assert_int_equal(pathat_mkfifo(&p, 0640), 0);
	assert_int_equal(pathat_stat(&p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0640);
	/* Only a FIFO is removed as one, and only the same file. */
	assert_int_equal(pathat_unlink(&p, S_IFSOCK, NULL), -1);
	assert_int_equal(errno, EINVAL);
	st.st_ino++;
	assert_int_equal(pathat_unlink(&p, S_IFIFO, &st), -1);
	assert_int_equal(errno, ESTALE);
	assert_int_equal(pathat_unlink(&p, S_IFIFO, NULL), 0);
	pathat_close(&p);
	assert_int_equal(p.dirfd, -1);
}

static void test_paths_without_a_name(void **state)
{
	static const char *bad[] = { "", "/", "/tmp/", "..", "a/.", "a/.." };
	struct pathat p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(pathat_open(&p, bad[i]), -1);
		assert_int_equal(errno, EINVAL);
		assert_int_equal(p.dirfd, -1);
	}
}

static void test_own_links_are_followed(void **state)
{
	struct pathat p;
	char path[PATH_MAX], target[PATH_MAX];
	struct stat st;

	(void)state;
	path_of(target, "real");
	assert_int_equal(mkdir(target, 0700), 0);
	path_of(path, "abs");
	assert_int_equal(symlink(target, path), 0);
	path_of(path, "rel");
	assert_int_equal(symlink("real", path), 0);
	path_of(path, "abs/x");
	assert_int_equal(pathat_open(&p, path), 0);
	assert_int_equal(pathat_mkfifo(&p, 0600), 0);
	pathat_close(&p);
	path_of(path, "rel/x");
	assert_int_equal(pathat_open(&p, path), 0);
	assert_int_equal(pathat_stat(&p, &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	pathat_close(&p);
	/* The last component is never followed. */
	path_of(path, "abs");
	assert_int_equal(pathat_open(&p, path), 0);
	assert_int_equal(pathat_unlink(&p, S_IFDIR, NULL), -1);
	assert_int_equal(errno, ELOOP);
	pathat_close(&p);
}

static void test_foreign_links_are_refused(void **state)
{
	struct pathat p;
	char path[PATH_MAX];

	(void)state;
	if (geteuid() != 0)
		skip();
	path_of(path, "theirs");
	assert_int_equal(symlink("/", path), 0);
	/* nobody's link: refused, wherever it points. */
	assert_int_equal(lchown(path, 65534, 65534), 0);
	path_of(path, "theirs/etc/passwd");
	assert_int_equal(pathat_open(&p, path), -1);
	assert_int_equal(errno, ELOOP);
}

static void test_file_on_the_way(void **state)
{
	struct pathat p;
	char path[PATH_MAX];
	int fd;

	(void)state;
	path_of(path, "plain");
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	assert_true(fd >= 0);
	close(fd);
	path_of(path, "plain/x");
	assert_int_equal(pathat_open(&p, path), -1);
	assert_int_equal(errno, ENOTDIR);
}

static void test_ring_record_fits_its_length_field(void **state)
{
	(void)state;
	assert_true(ring_max_record(RING_MAX_CAPACITY) <= UINT32_MAX);
	assert_int_equal(ring_max_record(RING_MAX_CAPACITY) % 8, 0);
	assert_int_equal(ring_max_record(1u << 20), (1u << 19) - RING_RECORD_HEADER);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_open_names_the_last_component),
		cmocka_unit_test(test_paths_without_a_name),
		cmocka_unit_test(test_own_links_are_followed),
		cmocka_unit_test(test_foreign_links_are_refused),
		cmocka_unit_test(test_file_on_the_way),
		cmocka_unit_test(test_ring_record_fits_its_length_field),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
