/*
 * Unit tests for cmd/xfer_pump.c: the message pump between an in-memory
 * source and sink (count limit, --eof, a refusing sink, end of stream).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <string.h>

#include "../../cmd/cmd.h"
#include "../../cmd/xfer.h"

/* A source over an array of strings; peeking or taking early. */
struct mem_source {
	const char **msgs;
	size_t n, pos;		/* pos: the next message not taken */
	size_t takes, leaves;
	int fail_errno;		/* next fails with this at the end instead of XFER_END */
	int failed_status;	/* what failed returns */
	int failed_calls;
	char back[8][16];	/* what put_back got, in order */
	size_t nback;
};

static int mem_next(struct xfer_source *src, struct xfer_msg *msg, const struct deadline *d)
{
	struct mem_source *s = src->priv;

	(void)d;
	if (s->pos >= s->n) {
		if (s->fail_errno) {
			errno = s->fail_errno;
			return -1;
		}
		return XFER_END;
	}
	memset(msg, 0, sizeof(*msg));
	msg->data = s->msgs[s->pos];
	msg->len = strlen(s->msgs[s->pos]);
	if (src->taken_early)
		s->pos++;
	return XFER_MSG;
}

static void mem_take(struct xfer_source *src)
{
	struct mem_source *s = src->priv;

	s->takes++;
	s->pos++;
}

static void mem_leave(struct xfer_source *src)
{
	struct mem_source *s = src->priv;

	s->leaves++;
}

static int mem_put_back(struct xfer_source *src, const struct xfer_msg *msg)
{
	struct mem_source *s = src->priv;

	if (s->nback >= 8 || msg->len >= 16) {
		errno = EAGAIN;
		return -1;
	}
	memcpy(s->back[s->nback], msg->data, msg->len);
	s->back[s->nback][msg->len] = '\0';
	s->nback++;
	return 0;
}

static int mem_source_failed(struct xfer_source *src, uint64_t moved)
{
	struct mem_source *s = src->priv;

	(void)moved;
	s->failed_calls++;
	return s->failed_status;
}

static void mem_source_init(struct xfer_source *src, struct mem_source *s, const char **msgs,
			    size_t n, bool peeking)
{
	memset(src, 0, sizeof(*src));
	memset(s, 0, sizeof(*s));
	s->msgs = msgs;
	s->n = n;
	s->failed_status = EXIT_FAIL;
	src->next = mem_next;
	src->failed = mem_source_failed;
	if (peeking) {
		src->take = mem_take;
		src->leave = mem_leave;
	} else {
		src->taken_early = true;
	}
	src->priv = s;
}

/* A sink that keeps what it accepts; refuses from message number refuse_at (1-based). */
struct mem_sink {
	char got[8][16];
	size_t n;
	size_t refuse_at;	/* 0: never */
	size_t ends, flushes, failed_calls;
	bool buffered;
	bool flush_fails;
};

static int mem_put(struct xfer_sink *dst, const struct xfer_msg *msg, const struct deadline *d)
{
	struct mem_sink *k = dst->priv;

	(void)d;
	if ((k->refuse_at && k->n + 1 >= k->refuse_at) || k->n >= 8 || msg->len >= 16) {
		errno = EAGAIN;
		return -1;
	}
	memcpy(k->got[k->n], msg->data, msg->len);
	k->got[k->n][msg->len] = '\0';
	k->n++;
	k->buffered = true;
	return 0;
}

static int mem_flush(struct xfer_sink *dst)
{
	struct mem_sink *k = dst->priv;

	k->flushes++;
	k->buffered = false;
	if (k->flush_fails) {
		errno = ENOSPC;
		return -1;
	}
	return 0;
}

static bool mem_pending(const struct xfer_sink *dst)
{
	const struct mem_sink *k = dst->priv;

	return k->buffered;
}

static int mem_sink_failed(struct xfer_sink *dst, const struct xfer_msg *msg, uint64_t moved)
{
	struct mem_sink *k = dst->priv;

	(void)msg;
	(void)moved;
	k->failed_calls++;
	return EXIT_FAIL;
}

static int mem_end(struct xfer_sink *dst, const struct deadline *d)
{
	struct mem_sink *k = dst->priv;

	(void)d;
	k->ends++;
	return 0;
}

static void mem_sink_init(struct xfer_sink *dst, struct mem_sink *k)
{
	memset(dst, 0, sizeof(*dst));
	memset(k, 0, sizeof(*k));
	dst->put = mem_put;
	dst->flush = mem_flush;
	dst->pending = mem_pending;
	dst->failed = mem_sink_failed;
	dst->end = mem_end;
	dst->priv = k;
}

static const char *three[] = { "one", "two", "three" };

static void test_end_of_stream(void **state)
{
	struct xfer_opts o;
	struct xfer_source src;
	struct xfer_sink dst;
	struct mem_source s;
	struct mem_sink k;
	struct xfer_meter m;

	(void)state;
	xfer_opts_init(&o);
	xfer_meter_start(&m, &o);
	mem_source_init(&src, &s, three, 3, true);
	mem_sink_init(&dst, &k);
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_OK);
	assert_int_equal(k.n, 3);
	assert_string_equal(k.got[0], "one");
	assert_string_equal(k.got[2], "three");
	assert_int_equal(m.messages, 3);
	assert_int_equal(m.bytes, 11);
	assert_int_equal(s.takes, 3);
	assert_int_equal(s.leaves, 0);
	/* No --eof: no end marker; what is buffered is flushed. */
	assert_int_equal(k.ends, 0);
	assert_false(k.buffered);
	assert_true(k.flushes >= 1);
}

static void test_count_limit(void **state)
{
	struct xfer_opts o;
	struct xfer_source src;
	struct xfer_sink dst;
	struct mem_source s;
	struct mem_sink k;
	struct xfer_meter m;

	(void)state;
	xfer_opts_init(&o);
	o.count = 2;
	xfer_meter_start(&m, &o);
	mem_source_init(&src, &s, three, 3, true);
	mem_sink_init(&dst, &k);
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_OK);
	assert_int_equal(k.n, 2);
	assert_int_equal(m.messages, 2);
	/* The third was never offered, let alone taken. */
	assert_int_equal(s.takes, 2);
	assert_int_equal(s.pos, 2);
}

static void test_eof_stops_at_empty(void **state)
{
	static const char *msgs[] = { "a", "", "b" };
	struct xfer_opts o;
	struct xfer_source src;
	struct xfer_sink dst;
	struct mem_source s;
	struct mem_sink k;
	struct xfer_meter m;

	(void)state;
	xfer_opts_init(&o);
	o.eof = true;
	xfer_meter_start(&m, &o);
	mem_source_init(&src, &s, msgs, 3, true);
	src.empty_ends = true;
	mem_sink_init(&dst, &k);
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_OK);
	assert_int_equal(k.n, 1);
	assert_string_equal(k.got[0], "a");
	assert_int_equal(m.messages, 1);
	/* The empty message is consumed (taken), not passed on; "b" stays. */
	assert_int_equal(s.takes, 2);
	assert_int_equal(s.pos, 2);
	/* --eof: the sink gets its own end marker once. */
	assert_int_equal(k.ends, 1);
}

static void test_refusing_sink_leaves_message(void **state)
{
	struct xfer_opts o;
	struct xfer_source src;
	struct xfer_sink dst;
	struct mem_source s;
	struct mem_sink k;
	struct xfer_meter m;

	(void)state;
	xfer_opts_init(&o);
	o.eof = true;
	xfer_meter_start(&m, &o);
	mem_source_init(&src, &s, three, 3, true);
	mem_sink_init(&dst, &k);
	k.refuse_at = 2;
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_FAIL);
	assert_int_equal(k.n, 1);
	assert_int_equal(k.failed_calls, 1);
	assert_int_equal(m.messages, 1);
	/* The refused message is left in the source, not taken. */
	assert_int_equal(s.takes, 1);
	assert_int_equal(s.leaves, 1);
	assert_int_equal(s.pos, 1);
	/* A failed transfer puts no end marker. */
	assert_int_equal(k.ends, 0);
}

static void test_refusing_sink_taken_early(void **state)
{
	struct xfer_opts o;
	struct xfer_source src;
	struct xfer_sink dst;
	struct mem_source s;
	struct mem_sink k;
	struct xfer_meter m;

	(void)state;
	xfer_opts_init(&o);
	xfer_meter_start(&m, &o);
	mem_source_init(&src, &s, three, 3, false);
	mem_sink_init(&dst, &k);
	k.refuse_at = 2;
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_FAIL);
	assert_int_equal(k.n, 1);
	/* A source that cannot peek had already taken it: nothing to leave. */
	assert_true(src.taken_early);
	assert_int_equal(s.pos, 2);
	assert_int_equal(s.leaves, 0);
}

static void test_refused_message_is_put_back(void **state)
{
	struct xfer_opts o;
	struct xfer_source src;
	struct xfer_sink dst;
	struct mem_source s;
	struct mem_sink k;
	struct xfer_meter m;

	(void)state;
	xfer_opts_init(&o);
	xfer_meter_start(&m, &o);
	mem_source_init(&src, &s, three, 3, false);
	src.put_back = mem_put_back;
	mem_sink_init(&dst, &k);
	/* A sink that writes at once (a queue): nothing held after a put. */
	dst.flush = NULL;
	dst.pending = NULL;
	k.refuse_at = 2;
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_FAIL);
	assert_int_equal(k.n, 1);
	/* The refused message went back; the delivered one did not. */
	assert_int_equal(s.nback, 1);
	assert_string_equal(s.back[0], three[1]);
}

static void test_failed_output_puts_back_what_it_held(void **state)
{
	struct xfer_opts o;
	struct xfer_source src;
	struct xfer_sink dst;
	struct mem_source s;
	struct mem_sink k;
	struct xfer_meter m;

	(void)state;
	xfer_opts_init(&o);
	xfer_meter_start(&m, &o);
	mem_source_init(&src, &s, three, 3, false);
	src.put_back = mem_put_back;
	mem_sink_init(&dst, &k);
	k.flush_fails = true;
	/* All three wait in the buffer; its write at the end fails. */
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_FAIL);
	assert_int_equal(k.n, 3);
	assert_int_equal(s.nback, 3);
	assert_string_equal(s.back[0], three[0]);
	assert_string_equal(s.back[2], three[2]);
}

static void test_peeking_source_taken_after_flush(void **state)
{
	struct xfer_opts o;
	struct xfer_source src;
	struct xfer_sink dst;
	struct mem_source s;
	struct mem_sink k;
	struct xfer_meter m;

	(void)state;
	xfer_opts_init(&o);
	xfer_meter_start(&m, &o);
	mem_source_init(&src, &s, three, 3, true);
	mem_sink_init(&dst, &k);
	k.flush_fails = true;
	/* The first message's write fails: it is left, not taken. */
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_FAIL);
	assert_int_equal(s.takes, 0);
	assert_int_equal(s.leaves, 1);
	assert_int_equal(s.pos, 0);
}

static void test_source_failure(void **state)
{
	struct xfer_opts o;
	struct xfer_source src;
	struct xfer_sink dst;
	struct mem_source s;
	struct mem_sink k;
	struct xfer_meter m;

	(void)state;
	xfer_opts_init(&o);
	xfer_meter_start(&m, &o);
	/* A receive timeout that is a quiet end: EXIT_OK, and the output flushed. */
	mem_source_init(&src, &s, three, 3, false);
	s.fail_errno = ETIMEDOUT;
	s.failed_status = EXIT_OK;
	mem_sink_init(&dst, &k);
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_OK);
	assert_int_equal(k.n, 3);
	assert_int_equal(s.failed_calls, 1);
	assert_false(k.buffered);
	/* One that is not: its status. */
	xfer_meter_start(&m, &o);
	mem_source_init(&src, &s, three, 1, false);
	s.fail_errno = EIO;
	s.failed_status = EXIT_FAIL;
	mem_sink_init(&dst, &k);
	assert_int_equal(xfer_pump(&o, &src, &dst, &m), EXIT_FAIL);
	assert_int_equal(k.n, 1);
	assert_false(k.buffered);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_of_stream),
		cmocka_unit_test(test_count_limit),
		cmocka_unit_test(test_eof_stops_at_empty),
		cmocka_unit_test(test_refusing_sink_leaves_message),
		cmocka_unit_test(test_refusing_sink_taken_early),
		cmocka_unit_test(test_source_failure),
		cmocka_unit_test(test_refused_message_is_put_back),
		cmocka_unit_test(test_failed_output_puts_back_what_it_held),
		cmocka_unit_test(test_peeking_source_taken_after_flush),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
