/* Unit tests for lib/procfd.c: finding the holders of an open file. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../lib/procfd.h"

static void test_procfd_finds_self(void **state)
{
	char path[] = "/tmp/ipctool-procfd-XXXXXX";
	struct procfd_holder *h;
	struct stat st;
	size_t n, i, mine = 0;
	int rfd, wfd;

	(void)state;
	rfd = mkstemp(path);
	assert_true(rfd >= 0);
	wfd = open(path, O_WRONLY | O_APPEND);
	assert_true(wfd >= 0);
	assert_int_equal(fstat(rfd, &st), 0);
	unlink(path);
	assert_int_equal(procfd_holders(st.st_dev, st.st_ino, &h, &n), 0);
	for (i = 0; i < n; i++) {
		if (h[i].pid != getpid())
			continue;
		mine++;
		if (h[i].fd == wfd) {
			assert_true(procfd_writes(&h[i]));
			assert_false(procfd_reads(&h[i]));
			assert_true(h[i].flags & O_APPEND);
		} else {
			assert_int_equal(h[i].fd, rfd);
			assert_true(procfd_reads(&h[i]));
		}
	}
	assert_int_equal(mine, 2);
	free(h);
	close(rfd);
	close(wfd);
}

static void test_procfd_format_merges_a_pid(void **state)
{
	struct procfd_holder h[3] = {
		{ .pid = 10, .fd = 3, .flags = O_RDONLY, .comm = "cat" },
		{ .pid = 10, .fd = 4, .flags = O_WRONLY, .comm = "cat" },
		{ .pid = 12, .fd = 1, .flags = O_WRONLY, .comm = "sh" },
	};
	char buf[64], tiny[12];

	(void)state;
	procfd_format(h, 3, buf, sizeof(buf));
	assert_string_equal(buf, "10:cat:rw,12:sh:w");
	/* Truncation drops whole entries. */
	procfd_format(h, 3, tiny, sizeof(tiny));
	assert_string_equal(tiny, "10:cat:rw");
	procfd_format(h, 0, buf, sizeof(buf));
	assert_string_equal(buf, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_procfd_finds_self),
		cmocka_unit_test(test_procfd_format_merges_a_pid),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
