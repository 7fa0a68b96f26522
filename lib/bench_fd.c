/*
 * Benchmarks (see bench.h): the descriptor plumbing the fd backends share.
 * Each side holds a tx and an rx descriptor, [0] the parent's, [1] the
 * child's; a socket is both of one side's.
 */
#include "bench_mech.h"

#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Close each distinct fd of the set once (directions may share one). */
static void bench_fd_close_set(int *fds, size_t n)
{
	size_t i, j;

	for (i = 0; i < n; i++) {
		if (fds[i] < 0)
			continue;
		for (j = i + 1; j < n; j++)
			if (fds[j] == fds[i])
				fds[j] = -1;
		close(fds[i]);
		fds[i] = -1;
	}
}

/* Keep this side's fds, close the other side's. */
int bench_fd_attach(struct bench_chan *c, const char **why)
{
	int me = bench_me(c), other = 1 - me;
	int fds[2] = { c->tx[other], c->rx[other] };
	size_t i;

	(void)why;
	for (i = 0; i < 2; i++)
		if (fds[i] == c->tx[me] || fds[i] == c->rx[me])
			fds[i] = -1;
	bench_fd_close_set(fds, 2);
	c->tx[other] = c->rx[other] = -1;
	return 0;
}

void bench_fd_close(struct bench_chan *c)
{
	int fds[4] = { c->tx[0], c->rx[0], c->tx[1], c->rx[1] };

	bench_fd_close_set(fds, 4);
	c->tx[0] = c->rx[0] = c->tx[1] = c->rx[1] = -1;
}

/* A UNIX socket pair of type, one end each side. */
int bench_fd_socketpair(struct bench_chan *c, int type, size_t size)
{
	int sv[2], buf = (int)(size > (1u << 26) ? (1u << 26) : size * 2 + 4096);

	if (socketpair(AF_UNIX, type | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	/* Room for one message of any benchmarked size, as root may force. */
	if (size > 100000) {
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
		setsockopt(sv[1], SOL_SOCKET, SO_SNDBUFFORCE, &buf, sizeof(buf));
	}
	c->tx[0] = c->rx[0] = sv[0];
	c->tx[1] = c->rx[1] = sv[1];
	return 0;
}

/* A socket bound to an ephemeral port on 127.0.0.1. */
int bench_fd_loopback(int type)
{
	struct sockaddr_in sin;
	int fd = socket(AF_INET, type | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Connect fd to the address peer is bound to. */
int bench_fd_connect_to(int fd, int peer)
{
	struct sockaddr_in sin;
	socklen_t len = sizeof(sin);

	if (getsockname(peer, (struct sockaddr *)&sin, &len) < 0)
		return -1;
	return connect(fd, (struct sockaddr *)&sin, len);
}
