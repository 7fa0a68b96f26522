/*
 * The stream data path. splice(2) moves pages without copying them through
 * user space when one side is a pipe; between two non-pipes (a file and a
 * socket) it goes through a relay pipe of our own. Anything splice refuses
 * (terminals, O_APPEND files, /dev/full) falls back to read/write with one
 * buffer allocated up front, so memory stays flat.
 */
#include "copy.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fifo.h"

void copy_init(struct copy_ctx *c, size_t bufsize)
{
	memset(c, 0, sizeof(*c));
	c->bufsize = bufsize < COPY_BUFSIZE_MIN ? COPY_BUFSIZE_MIN : bufsize;
	c->read_timeout_ms = c->write_timeout_ms = -1;
	c->relay[0] = c->relay[1] = -1;
}

void copy_free(struct copy_ctx *c)
{
	free(c->buf);
	c->buf = NULL;
	if (c->relay[0] >= 0) {
		close(c->relay[0]);
		close(c->relay[1]);
		c->relay[0] = c->relay[1] = -1;
	}
}

int write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static bool fd_is_pipe(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISFIFO(st.st_mode);
}

static bool fd_is_file(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 && S_ISREG(st.st_mode);
}

/* Wait until fd is ready, within the idle timeout. */
static int copy_wait(struct copy_ctx *c, int fd, short events, enum copy_side side)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int timeout = side == COPY_SIDE_READ ? c->read_timeout_ms : c->write_timeout_ms;
	int rc;

	if (timeout < 0)
		return 0;
	do
		rc = poll(&pfd, 1, timeout);
	while (rc < 0 && errno == EINTR);
	if (rc > 0)
		return 0;
	if (rc == 0)
		errno = ETIMEDOUT;
	c->failed = side;
	return -1;
}

static void copy_moved(struct copy_ctx *c, size_t n)
{
	c->bytes += n;
	if (c->progress)
		c->progress(c->bytes, c->progress_arg);
}

static int copy_fail(struct copy_ctx *c, enum copy_side side)
{
	c->failed = side;
	return -1;
}

static int copy_alloc(struct copy_ctx *c)
{
	if (!c->buf && !(c->buf = malloc(c->bufsize)))
		return copy_fail(c, COPY_SIDE_NONE);
	return 0;
}

/* A regular file into a socket or file: sendfile(2) is one call a chunk. */
static int copy_sendfile(int in, int out, struct copy_ctx *c, bool *refused)
{
	ssize_t n;

	for (;;) {
		if (copy_wait(c, out, POLLOUT, COPY_SIDE_WRITE) < 0)
			return -1;
		n = sendfile(out, in, NULL, c->bufsize);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if ((errno == EINVAL || errno == ENOSYS) && c->bytes == 0) {
				*refused = true;
				return 0;
			}
			return copy_fail(c, (errno == EIO) ? COPY_SIDE_READ : COPY_SIDE_WRITE);
		}
		if (n == 0)
			return 0;
		copy_moved(c, (size_t)n);
	}
}

static int copy_readwrite(int in, int out, struct copy_ctx *c)
{
	ssize_t n;

	if (copy_alloc(c) < 0)
		return -1;
	for (;;) {
		if (copy_wait(c, in, POLLIN, COPY_SIDE_READ) < 0)
			return -1;
		n = read(in, c->buf, c->bufsize);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return copy_fail(c, COPY_SIDE_READ);
		}
		if (n == 0)
			return 0;
		if (copy_wait(c, out, POLLOUT, COPY_SIDE_WRITE) < 0)
			return -1;
		if (write_all(out, c->buf, (size_t)n) < 0)
			return copy_fail(c, COPY_SIDE_WRITE);
		copy_moved(c, (size_t)n);
	}
}

/* Move n bytes already in the relay pipe to out; 0, or -1. */
static int copy_drain_relay(int out, size_t n, struct copy_ctx *c, bool *refused)
{
	ssize_t m;

	while (n > 0) {
		if (!*refused) {
			if (copy_wait(c, out, POLLOUT, COPY_SIDE_WRITE) < 0)
				return -1;
			m = splice(c->relay[0], NULL, out, NULL, n, SPLICE_F_MOVE | SPLICE_F_MORE);
			if (m < 0 && errno == EINVAL) {
				*refused = true;
				continue;
			}
		} else {
			/* splice refused the output: finish through the buffer. */
			if (copy_alloc(c) < 0)
				return -1;
			m = read(c->relay[0], c->buf, n < c->bufsize ? n : c->bufsize);
			if (m > 0 && write_all(out, c->buf, (size_t)m) < 0)
				return copy_fail(c, COPY_SIDE_WRITE);
		}
		if (m < 0) {
			if (errno == EINTR)
				continue;
			return copy_fail(c, COPY_SIDE_WRITE);
		}
		n -= (size_t)m;
		copy_moved(c, (size_t)m);
	}
	return 0;
}

/*
 * Which side a failed direct splice(2) failed on: EPIPE and full devices are
 * the writer's; EBADF is the output's when it is not open for writing (a
 * closed standard output, kept by a read-only placeholder); otherwise an
 * output in error or hung up (a reset socket) is.
 */
static enum copy_side copy_splice_side(int out)
{
	int err = errno, fl;
	struct pollfd pfd = { .fd = out, .events = POLLOUT };

	if (err == EBADF) {
		fl = fcntl(out, F_GETFL);
		errno = err;
		return fl < 0 || (fl & O_ACCMODE) == O_RDONLY ? COPY_SIDE_WRITE : COPY_SIDE_READ;
	}
	if (err != EPIPE && err != ENOSPC && err != EFBIG && err != EDQUOT &&
	    !(poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLERR | POLLHUP))))
		return COPY_SIDE_READ;
	errno = err;
	return COPY_SIDE_WRITE;
}

int copy_stream(int in, int out, struct copy_ctx *c)
{
	bool direct = fd_is_pipe(in) || fd_is_pipe(out);
	bool refused = false;
	ssize_t n;

	c->failed = COPY_SIDE_NONE;
	if (!direct && fd_is_file(in)) {
		if (copy_sendfile(in, out, c, &refused) < 0 || !refused) {
			c->spliced = true;
			return c->failed == COPY_SIDE_NONE ? 0 : -1;
		}
		refused = false;
	}
	if (!direct && c->relay[0] < 0) {
		if (pipe2(c->relay, O_CLOEXEC) < 0)
			return copy_readwrite(in, out, c);
		fifo_grow(c->relay[1], c->bufsize);
	}
	c->spliced = true;
	for (;;) {
		if (copy_wait(c, in, POLLIN, COPY_SIDE_READ) < 0)
			return -1;
		if (direct && copy_wait(c, out, POLLOUT, COPY_SIDE_WRITE) < 0)
			return -1;
		n = splice(in, NULL, direct ? out : c->relay[1], NULL, c->bufsize,
			   SPLICE_F_MOVE | SPLICE_F_MORE);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EINVAL) {
				/* One side does not splice: read and write. */
				c->spliced = false;
				return copy_readwrite(in, out, c);
			}
			/* With a direct splice either side may have failed. */
			return copy_fail(c, copy_splice_side(out));
		}
		if (n == 0)
			return 0;
		if (direct)
			copy_moved(c, (size_t)n);
		else if (copy_drain_relay(out, (size_t)n, c, &refused) < 0)
			return -1;
	}
}

int copy_records(int in, int out, int sep, uint64_t count, uint64_t *done,
		 struct copy_ctx *c)
{
	ssize_t n;
	char *p, *end;
	bool partial = false; /* bytes of an unfinished record were written */
	struct stat st;
	/* A socket is peeked and only whole records taken: what follows the
	 * last one stays unread, so the sender learns it was not delivered. */
	bool peek = fstat(in, &st) == 0 && S_ISSOCK(st.st_mode);

	*done = 0;
	c->failed = COPY_SIDE_NONE;
	if (copy_alloc(c) < 0)
		return -1;
	while (*done < count) {
		if (copy_wait(c, in, POLLIN, COPY_SIDE_READ) < 0)
			return -1;
		n = peek ? recv(in, c->buf, c->bufsize, MSG_PEEK) : read(in, c->buf, c->bufsize);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return copy_fail(c, COPY_SIDE_READ);
		}
		if (n == 0) {
			/* A last record without separator is a record too. */
			if (partial)
				(*done)++;
			return 0;
		}
		p = c->buf;
		end = c->buf + n;
		while (*done < count && (p = memchr(p, sep, (size_t)(end - p)))) {
			p++;
			(*done)++;
		}
		if (*done < count)
			p = end;
		partial = p > c->buf && p[-1] != (char)sep;
		if (write_all(out, c->buf, (size_t)(p - c->buf)) < 0)
			return copy_fail(c, COPY_SIDE_WRITE);
		/* Take what was written (ours alone: the same bytes). */
		if (peek && p > c->buf && recv(in, c->buf, (size_t)(p - c->buf), MSG_WAITALL) < 0)
			return copy_fail(c, COPY_SIDE_READ);
		copy_moved(c, (size_t)(p - c->buf));
	}
	return 0;
}

int copy_records_atomic(int in, int out, int sep, size_t atom, uint64_t count, uint64_t *done,
			struct copy_ctx *c)
{
	size_t len = 0;
	ssize_t n;
	char *p, *q, *s, *end;

	*done = 0;
	c->failed = COPY_SIDE_NONE;
	if (copy_alloc(c) < 0)
		return -1;
	while (!count || *done < count) {
		if (len == c->bufsize) {
			/* A record longer than the buffer: it cannot be whole anyway. */
			if (copy_wait(c, out, POLLOUT, COPY_SIDE_WRITE) < 0)
				return -1;
			if (write_all(out, c->buf, len) < 0)
				return copy_fail(c, COPY_SIDE_WRITE);
			copy_moved(c, len);
			len = 0;
		}
		if (copy_wait(c, in, POLLIN, COPY_SIDE_READ) < 0)
			return -1;
		n = read(in, c->buf + len, c->bufsize - len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return copy_fail(c, COPY_SIDE_READ);
		}
		if (n == 0)
			break;
		len += (size_t)n;
		p = c->buf;
		end = c->buf + len;
		/* Whole records, as many as fit in one write of at most atom. */
		while (!count || *done < count) {
			for (q = p; (!count || *done < count) &&
				    (s = memchr(q, sep, (size_t)(end - q)));) {
				if ((size_t)(s + 1 - p) > atom && q > p)
					break;
				q = s + 1;
				(*done)++;
				if ((size_t)(q - p) > atom)
					break;
			}
			if (q == p)
				break;
			if (copy_wait(c, out, POLLOUT, COPY_SIDE_WRITE) < 0)
				return -1;
			if (write_all(out, p, (size_t)(q - p)) < 0)
				return copy_fail(c, COPY_SIDE_WRITE);
			copy_moved(c, (size_t)(q - p));
			p = q;
		}
		len = (size_t)(end - p);
		memmove(c->buf, p, len);
	}
	if (len && (!count || *done < count)) {
		/* A last record without separator is a record too. */
		if (write_all(out, c->buf, len) < 0)
			return copy_fail(c, COPY_SIDE_WRITE);
		copy_moved(c, len);
		(*done)++;
	}
	return 0;
}
