/*
 * Benchmarks (see bench.h): an endpoint the user names, opened with
 * ipctool's own transport code: sockets and FIFOs as streams, message
 * endpoints through lib/msgend. The parent sends, the child receives.
 */
#include "bench_mech.h"

#include <stdlib.h>
#include <unistd.h>

#include "fifo.h"

/* Endpoints the user names: streams through ipctool's own socket and FIFO code. */
static int bench_endpoint_open(struct bench_chan *c, size_t size, const char **why)
{
	const struct endpoint *ep = c->ep;
	struct sock_listen_opts lo = { .mode = 0600, .reuse = false, .backlog = 1 };
	struct deadline d;
	int lfd, cfd, afd, err;

	(void)size;
	if (ep->kind == EP_FIFO || endpoint_is_message(ep))
		return 0; /* each side opens its end after fork */
	if (ep->kind != EP_UNIX && ep->kind != EP_TCP)
		return bench_fail(why, "not an endpoint bench can open at both ends", EINVAL);
	/* Like recv, listen; like send, connect; the receiver takes the
	 * accepted connection. */
	lfd = sock_listen(ep, &lo, &c->sockfile, why);
	if (lfd < 0)
		return -1;
	deadline_start(&d, 5000);
	cfd = sock_connect(ep, &d, true, why);
	if (cfd < 0)
		goto fail;
	afd = sock_accept(lfd, &d);
	if (afd < 0) {
		err = errno;
		close(cfd);
		errno = err;
		goto fail;
	}
	close(lfd);
	sock_file_remove(&c->sockfile);
	c->tx[0] = c->rx[0] = cfd;
	c->tx[1] = c->rx[1] = afd;
	return 0;
fail:
	err = errno;
	close(lfd);
	sock_file_remove(&c->sockfile);
	errno = err;
	return -1;
}

/* A message endpoint, opened as send and recv open it: the receiver
 * creates nothing, the sender waits for it (a socket's listener). */
static int bench_endpoint_msgend_attach(struct bench_chan *c, const char **why)
{
	struct msgend_opts o = { .mode = 0600, .wait = endpoint_is_socket(c->ep), .wait_ms = 5000 };

	deadline_start(&c->forever_ep, -1);
	if (msgend_open(&c->me, c->ep, c->child ? MSGEND_RECEIVER : MSGEND_SENDER, &o, why) < 0)
		return -1;
	c->me_open = true;
	if (c->size > c->me.msgsize)
		return bench_fail(why, "larger than the endpoint's message size", EMSGSIZE);
	c->mebuf = malloc(c->me.msgsize ? c->me.msgsize : 1);
	return c->mebuf ? 0 : -1;
}

static int bench_endpoint_msgend_send(struct bench_chan *c, const void *buf, size_t len)
{
	return msgend_send(&c->me, buf, len, NULL, &c->forever_ep);
}

static int bench_endpoint_msgend_recv(struct bench_chan *c, void *buf, size_t len)
{
	size_t got;
	int rc;

	(void)buf;
	if (c->lossy) {
		struct deadline quiet;

		deadline_start(&quiet, BENCH_UDP_QUIET_MS);
		rc = msgend_recv(&c->me, c->mebuf, &got, NULL, &quiet);
		if (rc < 0 && errno == ETIMEDOUT)
			errno = EAGAIN;
	} else {
		rc = msgend_recv(&c->me, c->mebuf, &got, NULL, &c->forever_ep);
	}
	if (rc == MSGEND_EOS)
		errno = ECONNRESET;
	if (rc == 1 && got != len)
		errno = EMSGSIZE;
	return rc == 1 && got == len ? 0 : -1;
}

static int bench_endpoint_send(struct bench_chan *c, const void *buf, size_t len)
{
	if (c->me_open)
		return bench_endpoint_msgend_send(c, buf, len);
	return bench_stream_send(c, buf, len);
}

static int bench_endpoint_recv(struct bench_chan *c, void *buf, size_t len)
{
	if (c->me_open)
		return bench_endpoint_msgend_recv(c, buf, len);
	return bench_stream_recv(c, buf, len);
}

static void bench_endpoint_close(struct bench_chan *c)
{
	if (c->me_open)
		msgend_close(&c->me);
	c->me_open = false;
	free(c->mebuf);
	c->mebuf = NULL;
	bench_fd_close(c);
}

static int bench_endpoint_attach(struct bench_chan *c, const char **why)
{
	struct deadline d;
	int fd;

	if (endpoint_is_message(c->ep))
		return bench_endpoint_msgend_attach(c, why);
	if (c->ep->kind != EP_FIFO)
		return bench_fd_attach(c, why);
	deadline_start(&d, 5000);
	if (c->child)
		fd = fifo_open_read(c->ep->path, &d, false);
	else
		fd = fifo_open_write(c->ep->path, &d, true);
	if (fd < 0)
		return -1;
	fifo_grow(fd, 1u << 20);
	c->tx[bench_me(c)] = c->rx[bench_me(c)] = fd;
	return 0;
}

/* An interrupted run: the socket file the parent created. */
static void bench_endpoint_abort(struct bench_chan *c)
{
	sock_file_remove(&c->sockfile);
}

const struct bench_mech bench_mech_endpoint = {
	.name = "endpoint",
	.summary = "an endpoint the user names",
	.flags = BENCH_PAYLOAD,
	.open = bench_endpoint_open,
	.attach = bench_endpoint_attach,
	.send = bench_endpoint_send,
	.recv = bench_endpoint_recv,
	.close = bench_endpoint_close,
	.abort = bench_endpoint_abort,
};
