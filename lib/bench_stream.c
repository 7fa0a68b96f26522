/*
 * Benchmarks (see bench.h): the byte-stream backends, pipe, fifo, unix and
 * tcp. Each message is exactly size bytes written and read back whole.
 */
#include "bench_mech.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "copy.h"
#include "fifo.h"

int bench_stream_send(struct bench_chan *c, const void *buf, size_t len)
{
	return write_all(c->tx[bench_me(c)], buf, len);
}

int bench_stream_recv(struct bench_chan *c, void *buf, size_t len)
{
	int fd = c->rx[bench_me(c)];
	size_t got = 0;
	ssize_t n;

	while (got < len) {
		n = read(fd, (char *)buf + got, len - got);
		if (n > 0) {
			got += (size_t)n;
		} else if (n == 0) {
			errno = ECONNRESET;
			return -1;
		} else if (!bench_retry()) {
			return -1;
		}
	}
	return 0;
}

/* pipe: two pipes, one each way, grown to hold a message (like bw_pipe). */
static int bench_stream_pipe_open(struct bench_chan *c, size_t size, const char **why)
{
	int a[2], b[2];

	(void)why;
	if (pipe2(a, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(b, O_CLOEXEC) < 0) {
		close(a[0]);
		close(a[1]);
		return -1;
	}
	fifo_grow(a[1], size);
	fifo_grow(b[1], size);
	c->tx[0] = a[1];
	c->rx[1] = a[0];
	c->tx[1] = b[1];
	c->rx[0] = b[0];
	return 0;
}

/* fifo: two FIFOs in a private directory, opened by path, then unlinked. */
static int bench_stream_fifo_open(struct bench_chan *c, size_t size, const char **why)
{
	char path[2][sizeof(c->dir) + 8];
	int i, fd, err;

	int n = snprintf(c->dir, sizeof(c->dir), "/tmp/ipctool-bench.");

	/* mkdtemp(3)'s template: six 'X's it replaces. */
	memset(c->dir + n, 'X', 6);
	c->dir[n + 6] = '\0';
	if (!mkdtemp(c->dir)) {
		c->dir[0] = '\0';
		return bench_fail(why, "cannot create a directory in /tmp", errno);
	}
	for (i = 0; i < 2; i++) {
		bool created;

		snprintf(path[i], sizeof(path[i]), "%s/%c", c->dir, 'a' + i);
		if (fifo_create(path[i], 0600, false, &created) < 0)
			goto fail;
		/* Both ends open in one process: the read end without waiting
		 * for a writer, then the write end finds a reader. */
		fd = open(path[i], O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			goto fail;
		c->rx[1 - i] = fd;
		fd = open(path[i], O_WRONLY | O_CLOEXEC);
		if (fd < 0)
			goto fail;
		c->tx[i] = fd;
		if (fcntl(c->rx[1 - i], F_SETFL, 0) < 0)
			goto fail;
		fifo_grow(fd, size);
	}
	for (i = 0; i < 2; i++)
		unlink(path[i]);
	rmdir(c->dir);
	c->dir[0] = '\0';
	return 0;
fail:
	err = errno;
	for (i = 0; i < 2; i++)
		unlink(path[i]);
	rmdir(c->dir);
	c->dir[0] = '\0';
	bench_fd_close(c);
	errno = err;
	return -1;
}

static int bench_stream_unix_open(struct bench_chan *c, size_t size, const char **why)
{
	(void)why;
	return bench_fd_socketpair(c, SOCK_STREAM, size);
}

/* tcp: a connection over the loopback, Nagle off (a ping-pong would stall). */
static int bench_stream_tcp_open(struct bench_chan *c, size_t size, const char **why)
{
	int lfd, a = -1, b = -1, one = 1, err;

	(void)size;
	(void)why;
	lfd = bench_fd_loopback(SOCK_STREAM);
	if (lfd < 0)
		return -1;
	if (listen(lfd, 1) < 0)
		goto fail;
	a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (a < 0 || bench_fd_connect_to(a, lfd) < 0)
		goto fail;
	b = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (b < 0)
		goto fail;
	close(lfd);
	setsockopt(a, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(b, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	c->tx[0] = c->rx[0] = a;
	c->tx[1] = c->rx[1] = b;
	return 0;
fail:
	err = errno;
	close(lfd);
	if (a >= 0)
		close(a);
	errno = err;
	return -1;
}


const struct bench_mech bench_mech_pipe = {
	.name = "pipe",
	.summary = "pipe(2), one each way",
	.flags = BENCH_PAYLOAD,
	.open = bench_stream_pipe_open,
	.attach = bench_fd_attach,
	.send = bench_stream_send,
	.recv = bench_stream_recv,
	.close = bench_fd_close,
};

const struct bench_mech bench_mech_fifo = {
	.name = "fifo",
	.summary = "named pipes, opened by path",
	.flags = BENCH_PAYLOAD,
	.open = bench_stream_fifo_open,
	.attach = bench_fd_attach,
	.send = bench_stream_send,
	.recv = bench_stream_recv,
	.close = bench_fd_close,
};

const struct bench_mech bench_mech_unix = {
	.name = "unix",
	.summary = "UNIX stream socket pair",
	.flags = BENCH_PAYLOAD,
	.open = bench_stream_unix_open,
	.attach = bench_fd_attach,
	.send = bench_stream_send,
	.recv = bench_stream_recv,
	.close = bench_fd_close,
};

const struct bench_mech bench_mech_tcp = {
	.name = "tcp",
	.summary = "TCP over the loopback, TCP_NODELAY",
	.flags = BENCH_PAYLOAD,
	.open = bench_stream_tcp_open,
	.attach = bench_fd_attach,
	.send = bench_stream_send,
	.recv = bench_stream_recv,
	.close = bench_fd_close,
};
