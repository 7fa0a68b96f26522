/* Named pipes. */
#include "fifo.h"
#include "pathat.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/pidfd.h>
#include <sys/stat.h>
#include <unistd.h>

int fifo_create(const char *path, mode_t mode, bool reuse, bool *created)
{
	struct pathat p;
	struct stat st;
	int rc, saved;

	*created = false;
	if (pathat_open(&p, path) < 0)
		return -1;
	rc = pathat_mkfifo(&p, mode);
	saved = errno;
	if (rc == 0)
		*created = true;
	else if (saved == EEXIST && reuse && pathat_stat(&p, &st) == 0 && S_ISFIFO(st.st_mode))
		rc = 0;
	pathat_close(&p);
	errno = saved;
	return rc;
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

int fifo_open_read(const char *path, const struct deadline *d, bool wait)
{
	struct pollfd pfd;
	unsigned step = 0;
	int fd, rc;

	while ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) < 0) {
		if (errno != ENOENT || !wait)
			return -1;
		if (deadline_retry(d, &step) < 0)
			return -1;
	}
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
		if (deadline_retry(d, &step) < 0)
			return -1;
	}
}

int fifo_remove(const char *path)
{
	struct pathat p;
	int rc, saved;

	if (pathat_open(&p, path) < 0)
		return -1;
	rc = pathat_unlink(&p, S_IFIFO, NULL);
	saved = errno;
	pathat_close(&p);
	errno = saved;
	return rc;
}

/* Read the buffer figures through fd if it is the FIFO (dev, ino). */
static bool fifo_info_read(int fd, const struct stat *want, struct fifo_info *info)
{
	struct stat st;
	int avail, size;

	if (fstat(fd, &st) < 0 || st.st_dev != want->st_dev || st.st_ino != want->st_ino)
		return false;
	if (ioctl(fd, FIONREAD, &avail) < 0 || (size = fcntl(fd, F_GETPIPE_SZ)) < 0)
		return false;
	info->buffered = (size_t)avail;
	info->capacity = (size_t)size;
	info->live = true;
	return true;
}

/* Borrow a holder's descriptor: no open(2), so no reader or writer count moves. */
static bool fifo_info_borrow(const struct procfd_holder *h, const struct stat *want,
			     struct fifo_info *info)
{
	int pidfd = pidfd_open(h->pid, 0), fd;
	bool ok;

	if (pidfd < 0)
		return false;
	fd = pidfd_getfd(pidfd, h->fd, 0);
	close(pidfd);
	if (fd < 0)
		return false;
	ok = fifo_info_read(fd, want, info);
	close(fd);
	return ok;
}

int fifo_info_get(const char *path, struct fifo_info *info)
{
	struct stat st;
	size_t i;
	bool reader = false;
	pid_t last = 0;
	int fd;

	memset(info, 0, sizeof(*info));
	if (lstat(path, &st) < 0)
		return -1;
	if (!S_ISFIFO(st.st_mode)) {
		errno = S_ISLNK(st.st_mode) ? ELOOP : EINVAL;
		return -1;
	}
	if (procfd_holders(st.st_dev, st.st_ino, &info->holders, &info->nholders) < 0)
		return -1;
	for (i = 0; i < info->nholders; i++) {
		const struct procfd_holder *h = &info->holders[i];
		bool r = procfd_reads(h), w = procfd_writes(h);
		size_t j;

		reader |= r;
		if (h->pid == last)
			continue;
		last = h->pid;
		for (j = i + 1; j < info->nholders && info->holders[j].pid == h->pid; j++) {
			r |= procfd_reads(&info->holders[j]);
			w |= procfd_writes(&info->holders[j]);
		}
		info->readers += r;
		info->writers += w;
	}
	if (info->nholders == 0) {
		/* The kernel frees the buffer when the last end closes. */
		info->idle = true;
		info->capacity = (size_t)sysconf(_SC_PAGESIZE) * 16;
		return 0;
	}
	for (i = 0; i < info->nholders; i++)
		if (fifo_info_borrow(&info->holders[i], &st, info))
			return 0;
	/*
	 * Without access to a holder's descriptor: opening for reading is
	 * harmless only while another reader exists (no writer can be waiting
	 * in open(2) for one, and our close leaves a reader behind).
	 */
	if (reader) {
		fd = open(path, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC);
		if (fd >= 0) {
			fifo_info_read(fd, &st, info);
			close(fd);
		}
	}
	return 0;
}

void fifo_info_free(struct fifo_info *info)
{
	free(info->holders);
	info->holders = NULL;
	info->nholders = 0;
}

void fifo_grow(int fd, size_t size)
{
	if (size > 1 << 30)
		size = 1 << 30;
	fcntl(fd, F_SETPIPE_SZ, (int)size);
}
