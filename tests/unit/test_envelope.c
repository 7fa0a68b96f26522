/* Unit tests for lib/envelope.c: the envelope's round trip, every truncation, the trust rule. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

#include "../../lib/envelope.h"

static void test_round_trip(void **state)
{
	char msg[512];
	const char *why = NULL, *name = "mq:/ipctool-reply-0123456789abcdef0123456789abcdef";
	struct envelope e;
	ssize_t h;

	(void)state;
	h = envelope_header(msg, sizeof(msg), ENVELOPE_REQUEST, 0x0102030405060708u, name);
	assert_int_equal(h, ENVELOPE_HEADER + strlen(name));
	memcpy(msg + h, "payload", 7);
	assert_int_equal(envelope_parse(msg, (size_t)h + 7, &e, &why), ENVELOPE_REQUEST);
	assert_true(e.id == 0x0102030405060708u);
	assert_string_equal(e.reply, name);
	assert_int_equal(e.len, 7);
	assert_memory_equal(e.payload, "payload", 7);
	h = envelope_header(msg, sizeof(msg), ENVELOPE_REPLY, 42, NULL);
	assert_int_equal(h, ENVELOPE_HEADER);
	assert_int_equal(envelope_parse(msg, (size_t)h, &e, &why), ENVELOPE_REPLY);
	assert_true(e.id == 42);
	assert_int_equal(e.len, 0);
	/* Too small a buffer, or a name too long: EMSGSIZE. */
	errno = 0;
	assert_int_equal(envelope_header(msg, 10, ENVELOPE_REPLY, 1, NULL), -1);
	assert_int_equal(errno, EMSGSIZE);
}

static void test_plain_and_malformed(void **state)
{
	char msg[64];
	const char *why = NULL;
	struct envelope e;
	ssize_t h;
	size_t n;

	(void)state;
	assert_int_equal(envelope_parse("hello", 5, &e, &why), ENVELOPE_PLAIN);
	assert_int_equal(e.len, 5);
	assert_int_equal(envelope_parse("", 0, &e, &why), ENVELOPE_PLAIN);
	assert_int_equal(envelope_parse("\0IPCCAL", 7, &e, &why), ENVELOPE_PLAIN);
	h = envelope_header(msg, sizeof(msg), ENVELOPE_REQUEST, 7, "mq:/ipctool-reply-x");
	/* Every truncation inside the header or the name is malformed, never read past. */
	for (n = 8; n < (size_t)h; n++) {
		char *copy = malloc(n);

		memcpy(copy, msg, n);
		why = NULL;
		assert_int_equal(envelope_parse(copy, n, &e, &why), -1);
		assert_non_null(why);
		free(copy);
	}
	msg[8] = 2;
	assert_int_equal(envelope_parse(msg, (size_t)h, &e, &why), -1);
	assert_string_equal(why, "an unknown version");
	msg[8] = ENVELOPE_VERSION;
	msg[9] = 1;
	assert_int_equal(envelope_parse(msg, (size_t)h, &e, &why), -1);
	msg[9] = 0;
	msg[ENVELOPE_HEADER + 3] = '\0';
	assert_int_equal(envelope_parse(msg, (size_t)h, &e, &why), -1);
	assert_string_equal(why, "a NUL byte in the reply name");
	/* A request with no name, a reply with one. */
	h = envelope_header(msg, sizeof(msg), ENVELOPE_REPLY, 7, NULL);
	msg[4] = 'C';
	memcpy(msg, "\0IPCCALL", 8);
	assert_int_equal(envelope_parse(msg, (size_t)h, &e, &why), -1);
	assert_string_equal(why, "no reply name");
	/* A reply's flags are the signal that cut it short: 0 to 64. */
	h = envelope_header(msg, sizeof(msg), ENVELOPE_REPLY, 7, NULL);
	assert_int_equal(envelope_parse(msg, (size_t)h, &e, &why), ENVELOPE_REPLY);
	assert_int_equal(e.signal, 0);
	envelope_set_signal(msg, 9);
	assert_int_equal(envelope_parse(msg, (size_t)h, &e, &why), ENVELOPE_REPLY);
	assert_int_equal(e.signal, 9);
	msg[9] = ENVELOPE_SIGNAL_MAX + 1;
	assert_int_equal(envelope_parse(msg, (size_t)h, &e, &why), -1);
	assert_string_equal(why, "unknown flags");
}

static void test_trust_rule(void **state)
{
	struct envelope_owner req = { .uid = 1000, .cuid = 1000, .mode = 0600 };
	struct envelope_owner rep = { .uid = 1000, .cuid = 1000, .mode = 0600 };
	const char *why = NULL;

	(void)state;
	assert_true(envelope_reply_allowed(&req, &rep, &why));
	req.mode = 0622;
	assert_false(envelope_reply_allowed(&req, &rep, &why));
	req.mode = 0620;
	assert_false(envelope_reply_allowed(&req, &rep, &why));
	req.mode = 0644;
	assert_true(envelope_reply_allowed(&req, &rep, &why));
	rep.uid = rep.cuid = 0;
	assert_false(envelope_reply_allowed(&req, &rep, &why));
	assert_string_equal(why, "its owner is not the request endpoint's owner");
	rep.uid = rep.cuid = 1000;
	rep.mode = 0644;
	assert_false(envelope_reply_allowed(&req, &rep, &why));
	rep.mode = 0600;
	rep.sysv = true;
	rep.key = 0x1234;
	assert_false(envelope_reply_allowed(&req, &rep, &why));
	rep.key = IPC_PRIVATE;
	assert_true(envelope_reply_allowed(&req, &rep, &why));
	rep.cuid = 1001;
	assert_false(envelope_reply_allowed(&req, &rep, &why));
}

static void test_reply_names(void **state)
{
	struct endpoint req, rep;
	const char *why = NULL;
	char text[ENVELOPE_NAME_MAX + 1];

	(void)state;
	assert_int_equal(endpoint_parse("mq:/jobs", &req, &why), 0);
	assert_int_equal(envelope_reply_text(&req, text, sizeof(text)), 0);
	assert_int_equal(strncmp(text, "mq:" ENVELOPE_REPLY_PREFIX, 3 + strlen(ENVELOPE_REPLY_PREFIX)),
			 0);
	assert_int_equal(strlen(text), 3 + strlen(ENVELOPE_REPLY_PREFIX) + 32);
	assert_int_equal(endpoint_parse(text, &rep, &why), 0);
	assert_true(envelope_reply_named(&req, &rep, &why));
	assert_int_equal(endpoint_parse("mq:/jobs2", &rep, &why), 0);
	assert_false(envelope_reply_named(&req, &rep, &why));
	assert_int_equal(endpoint_parse("shm:/ipctool-reply-x", &rep, &why), 0);
	assert_false(envelope_reply_named(&req, &rep, &why));
	assert_int_equal(endpoint_parse("mq:key:0x10", &req, &why), 0);
	assert_int_equal(envelope_reply_text(&req, text, sizeof(text)), 0);
	assert_string_equal(text, "mq:key:private");
	assert_int_equal(endpoint_parse("mq:id:5", &rep, &why), 0);
	assert_true(envelope_reply_named(&req, &rep, &why));
	assert_int_equal(endpoint_parse("mq:key:0x11", &rep, &why), 0);
	assert_false(envelope_reply_named(&req, &rep, &why));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_plain_and_malformed),
		cmocka_unit_test(test_trust_rule),
		cmocka_unit_test(test_reply_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
