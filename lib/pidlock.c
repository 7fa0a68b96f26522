/* Pid files made without following a link, locked with flock(2). */
#include "pidlock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

static int pidlock_fail(struct pidlock *pl, int err)
{
	if (pl->fd >= 0)
		close(pl->fd);
	pl->fd = -1;
	pathat_close(&pl->at);
	errno = err;
	return -1;
}

/* The pid a holder wrote, or 0. */
static pid_t pidlock_read(int fd)
{
	char buf[24];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 && pid <= INT32_MAX ? (pid_t)pid : 0;
}

int pidlock_open(struct pidlock *pl, const char *path, mode_t mode, pid_t *other)
{
	pl->fd = -1;
	if (other)
		*other = 0;
	if (pathat_open(&pl->at, path) < 0)
		return -1;
	pl->fd = openat(pl->at.dirfd, pl->at.name,
			O_RDWR | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode);
	if (pl->fd < 0)
		return pidlock_fail(pl, errno);
	if (fstat(pl->fd, &pl->st) < 0)
		return pidlock_fail(pl, errno);
	if (!S_ISREG(pl->st.st_mode))
		return pidlock_fail(pl, EINVAL);
	/* Another user's file, or a second name of a file elsewhere: not
	 * ours to write a pid into. */
	if (pl->st.st_uid != geteuid() || pl->st.st_nlink != 1)
		return pidlock_fail(pl, EPERM);
	if (flock(pl->fd, LOCK_EX | LOCK_NB) < 0) {
		if (errno == EWOULDBLOCK) {
			if (other)
				*other = pidlock_read(pl->fd);
			return pidlock_fail(pl, EEXIST);
		}
		return pidlock_fail(pl, errno);
	}
	return 0;
}

int pidlock_write(struct pidlock *pl)
{
	char buf[24];
	int n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());

	if (ftruncate(pl->fd, 0) < 0)
		return -1;
	if (pwrite(pl->fd, buf, (size_t)n, 0) != n) {
		if (errno == 0)
			errno = EIO;
		return -1;
	}
	return 0;
}

void pidlock_remove(struct pidlock *pl)
{
	if (pl->fd < 0)
		return;
	/* Removed while still locked, so no second holder sees it empty. */
	pathat_unlink(&pl->at, S_IFREG, &pl->st);
	pidlock_close(pl);
}

void pidlock_close(struct pidlock *pl)
{
	if (pl->fd >= 0)
		close(pl->fd);
	pl->fd = -1;
	pathat_close(&pl->at);
}
