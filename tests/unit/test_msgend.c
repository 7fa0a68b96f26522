/*
 * Unit tests of the message-endpoint fast paths (lib/msgend.c) on the ring
 * (lib/shmring.c), opened through msgend_open on a POSIX segment.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/msgend.h"

struct fixture {
	char text[64];
	struct endpoint ep;
	struct msgend w, r;
};

/* A writer and a reader on a new ring with a name no other test uses. */
static int setup_ring(void **state)
{
	static struct fixture f;
	struct msgend_opts o = { .create = true, .mode = 0600, .capacity = 64 * 1024 };
	const char *why = NULL;

	memset(&f, 0, sizeof(f));
	snprintf(f.text, sizeof(f.text), "shm:/ipctool-test-msgend-%d", (int)getpid());
	assert_int_equal(endpoint_parse(f.text, &f.ep, &why), 0);
	assert_int_equal(msgend_open(&f.w, &f.ep, MSGEND_SENDER, &o, &why), 0);
	o.create = false;
	assert_int_equal(msgend_open(&f.r, &f.ep, MSGEND_RECEIVER, &o, &why), 0);
	*state = &f;
	return 0;
}

static int teardown_ring(void **state)
{
	struct fixture *f = *state;

	msgend_close(&f->r);
	msgend_close(&f->w);
	msgend_remove(&f->w);
	/* Nothing left behind in /dev/shm. */
	assert_int_equal(shm_unlink(f->ep.obj.name), -1);
	return 0;
}

static void put_three(struct msgend *w)
{
	assert_int_equal(msgend_batch_begin(w, NULL), 0);
	assert_int_equal(msgend_batch_put(w, "one", 3, NULL), 0);
	assert_int_equal(msgend_batch_put(w, "", 0, NULL), 0);
	assert_int_equal(msgend_batch_put(w, "three", 5, NULL), 0);
	msgend_batch_end(w);
}

static void test_ring_can_everything(void **state)
{
	struct fixture *f = *state;

	assert_true(msgend_can(&f->w, MSGEND_FAST_BATCH));
	assert_true(msgend_can(&f->r, MSGEND_FAST_PEEK));
	assert_true(msgend_can(&f->w, MSGEND_FAST_FD));
	assert_true(msgend_can(&f->r, MSGEND_FAST_FD));
}

static void test_batch_then_peek(void **state)
{
	struct fixture *f = *state;
	struct deadline now;
	struct iovec iov[8];
	size_t n;

	put_three(&f->w);
	assert_int_equal(msgend_peekv(&f->r, iov, 8, 1000, 0, &n, NULL), 1);
	assert_int_equal(n, 3);
	assert_memory_equal(iov[0].iov_base, "one", 3);
	assert_int_equal(iov[1].iov_len, 0);
	assert_int_equal(iov[2].iov_len, 5);
	/* Aborted: all three stay for the next receive. */
	msgend_peek_abort(&f->r);
	assert_int_equal(msgend_peekv(&f->r, iov, 8, 1000, 0, &n, NULL), 1);
	assert_int_equal(n, 3);
	assert_memory_equal(iov[2].iov_base, "three", 5);
	msgend_peek_commit(&f->r);
	/* Taken: nothing left. */
	deadline_start(&now, 0);
	assert_int_equal(msgend_peekv(&f->r, iov, 8, 1000, 0, &n, &now), -1);
	assert_int_equal(errno, ETIMEDOUT);
}

static void test_peek_limits(void **state)
{
	struct fixture *f = *state;
	struct iovec iov[8];
	char buf[16];
	size_t n, len;

	put_three(&f->w);
	/* Up to max messages. */
	assert_int_equal(msgend_peekv(&f->r, iov, 1, 1000, 0, &n, NULL), 1);
	assert_int_equal(n, 1);
	msgend_peek_abort(&f->r);
	/* None after an empty message. */
	assert_int_equal(msgend_peekv(&f->r, iov, 8, 1000, MSGEND_STOP_EMPTY, &n, NULL), 1);
	assert_int_equal(n, 2);
	msgend_peek_commit(&f->r);
	/* The rest through the ordinary receive. */
	assert_int_equal(msgend_recv(&f->r, buf, &len, NULL, NULL), 1);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "three", 5);
}

static void test_batch_too_large(void **state)
{
	struct fixture *f = *state;
	static char big[128 * 1024];

	assert_int_equal(msgend_batch_begin(&f->w, NULL), 0);
	assert_int_equal(msgend_batch_put(&f->w, big, f->w.msgsize + 1, NULL), -1);
	assert_int_equal(errno, EMSGSIZE);
	msgend_batch_end(&f->w);
}

static void test_fd_paths(void **state)
{
	struct fixture *f = *state;
	int in[2], out[2];
	size_t moved, records;
	bool failed;
	char buf[16];

	assert_int_equal(pipe(in), 0);
	assert_int_equal(pipe(out), 0);
	assert_int_equal(write(in[1], "hello", 5), 5);
	close(in[1]);
	assert_int_equal(msgend_send_from_fd(&f->w, in[0], NULL, &moved, &failed), 1);
	assert_int_equal(moved, 5);
	assert_int_equal(msgend_send_from_fd(&f->w, in[0], NULL, &moved, &failed), 0);
	assert_false(failed);
	assert_int_equal(msgend_recv_to_fd(&f->r, out[1], 8, NULL, &moved, &records, &failed), 1);
	assert_int_equal(moved, 5);
	assert_int_equal(records, 1);
	assert_int_equal(read(out[0], buf, sizeof(buf)), 5);
	assert_memory_equal(buf, "hello", 5);
	/* The writer's close is end of stream. */
	msgend_close(&f->w);
	assert_int_equal(msgend_recv_to_fd(&f->r, out[1], 8, NULL, &moved, &records, &failed),
			 MSGEND_EOS);
	close(in[0]);
	close(out[0]);
	close(out[1]);
}

/* A transport without the fast paths: every wrapper says ENOTSUP. */
static void test_absent_is_enotsup(void **state)
{
	static const struct msgend_ops bare = { .name = "bare" };
	struct msgend me = { .ops = &bare, .msgsize = 64 };
	struct iovec iov[1];
	size_t n, moved, records;
	bool failed;

	(void)state;
	assert_false(msgend_can(&me, MSGEND_FAST_BATCH));
	assert_false(msgend_can(&me, MSGEND_FAST_PEEK));
	assert_false(msgend_can(&me, MSGEND_FAST_FD));
	errno = 0;
	assert_int_equal(msgend_batch_begin(&me, NULL), -1);
	assert_int_equal(errno, ENOTSUP);
	errno = 0;
	assert_int_equal(msgend_batch_put(&me, "x", 1, NULL), -1);
	assert_int_equal(errno, ENOTSUP);
	errno = 0;
	assert_int_equal(msgend_peekv(&me, iov, 1, 1, 0, &n, NULL), -1);
	assert_int_equal(errno, ENOTSUP);
	errno = 0;
	assert_int_equal(msgend_send_from_fd(&me, 0, NULL, &moved, &failed), -1);
	assert_int_equal(errno, ENOTSUP);
	errno = 0;
	assert_int_equal(msgend_recv_to_fd(&me, 1, 1, NULL, &moved, &records, &failed), -1);
	assert_int_equal(errno, ENOTSUP);
	/* The void ones do nothing. */
	msgend_batch_end(&me);
	msgend_peek_commit(&me);
	msgend_peek_abort(&me);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_ring_can_everything, setup_ring,
						teardown_ring),
		cmocka_unit_test_setup_teardown(test_batch_then_peek, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_peek_limits, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_batch_too_large, setup_ring, teardown_ring),
		cmocka_unit_test_setup_teardown(test_fd_paths, setup_ring, teardown_ring),
		cmocka_unit_test(test_absent_is_enotsup),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
