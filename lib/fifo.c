/* Named pipes. */
#include "fifo.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

int fifo_create(const char *path, mode_t mode, bool reuse, bool *created)
{
	struct stat st;
	mode_t old;
	int rc, saved;

	*created = false;
	old = umask(0);
	rc = mkfifo(path, mode & 07777);
	saved = errno;
	umask(old);
	if (rc == 0) {
		*created = true;
		return 0;
	}
	if (saved == EEXIST && reuse && lstat(path, &st) == 0 && S_ISFIFO(st.st_mode))
		return 0;
	errno = saved;
	return -1;
}

/* Check that fd (opened with O_NOFOLLOW) is a FIFO; close it if not. */
static int fifo_check(int fd)
{
	struct stat st;

	if (fstat(fd, &st) < 0 || !S_ISFIFO(st.st_mode)) {
		close(fd);
		errno = EINVAL;
		return -1;
	}
	return fd;
}

static int fifo_block(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	if (fl < 0 || fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

int fifo_open_read(const char *path, const struct deadline *d)
{
	struct pollfd pfd;
	int fd, rc;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return -1;
	if (fifo_check(fd) < 0)
		return -1;
	/* Linux reports no hang-up on a FIFO no writer has opened since we
	 * did, so this waits for the first writer (or its data). */
	pfd.fd = fd;
	pfd.events = POLLIN;
	for (;;) {
		rc = poll(&pfd, 1, deadline_poll_ms(d));
		if (rc > 0)
			break;
		if (rc == 0) {
			close(fd);
			errno = ETIMEDOUT;
			return -1;
		}
		if (errno != EINTR) {
			int saved = errno;

			close(fd);
			errno = saved;
			return -1;
		}
	}
	return fifo_block(fd);
}

int fifo_open_write(const char *path, const struct deadline *d, bool wait)
{
	unsigned step = 0;
	struct stat st;
	int fd;

	for (;;) {
		if (lstat(path, &st) < 0) {
			if (errno != ENOENT || !wait)
				return -1;
		} else if (!S_ISFIFO(st.st_mode)) {
			errno = S_ISLNK(st.st_mode) ? ELOOP : EINVAL;
			return -1;
		} else if (d->forever) {
			/* Block in open(2) until a reader comes. */
			fd = open(path, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0)
				return fifo_check(fd);
			if (errno != EINTR && errno != ENOENT)
				return -1;
		} else {
			fd = open(path, O_WRONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
			if (fd >= 0) {
				if (fifo_check(fd) < 0)
					return -1;
				return fifo_block(fd);
			}
			/* ENXIO: nobody reads yet. */
			if (errno != ENXIO && errno != ENOENT)
				return -1;
		}
		if (deadline_passed(d)) {
			errno = ETIMEDOUT;
			return -1;
		}
		deadline_backoff(d, &step);
	}
}

int fifo_remove(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return -1;
	if (!S_ISFIFO(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	return unlink(path);
}

void fifo_grow(int fd, size_t size)
{
	if (size > 1 << 30)
		size = 1 << 30;
	fcntl(fd, F_SETPIPE_SZ, (int)size);
}
