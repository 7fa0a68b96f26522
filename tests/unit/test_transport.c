/* Unit tests of the transport table (lib/transport.c) and its use by endpoint_parse. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "../../lib/msgend.h"
#include "../../lib/transport.h"

/* An endpoint of every row, and the row it must land on. */
static const struct {
	const char *text, *row;
} samples[] = {
	{ "-", "stdio" },
	{ "fifo:/tmp/f", "fifo" },
	{ "unix:/tmp/s", "unix" },
	{ "unix:@s", "unix" },
	{ "unix-dgram:/tmp/s", "unix-dgram" },
	{ "unix-seqpacket:@s", "unix-seqpacket" },
	{ "tcp:localhost:80", "tcp" },
	{ "udp:[::1]:53", "udp" },
	{ "mq:/q", "posix-mq" },
	{ "mq:key:0x10", "sysv-mq" },
	{ "mq:id:3", "sysv-mq" },
	{ "mq:ftok:/tmp", "sysv-mq" },
	{ "shm:/r", "ring" },
	{ "shm:key:0x10", "ring" },
};

static void test_every_row_parses(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < transport_count; i++) {
		for (j = 0; j < sizeof(samples) / sizeof(samples[0]); j++)
			if (strcmp(samples[j].row, transport_table[i].name) == 0)
				break;
		if (j == sizeof(samples) / sizeof(samples[0]))
			fail_msg("no sample of the row '%s'", transport_table[i].name);
	}
	for (j = 0; j < sizeof(samples) / sizeof(samples[0]); j++) {
		struct endpoint ep;
		const char *why = NULL;

		if (endpoint_parse(samples[j].text, &ep, &why) != 0)
			fail_msg("'%s' refused: %s", samples[j].text, why);
		assert_non_null(ep.tp);
		assert_string_equal(ep.tp->name, samples[j].row);
		assert_int_equal(ep.kind, ep.tp->kind);
		assert_ptr_equal(endpoint_transport(&ep), ep.tp);
		assert_string_equal(endpoint_kind_name(ep.kind), ep.tp->scheme);
	}
}

static void test_rows_are_consistent(void **state)
{
	size_t i, j;

	(void)state;
	for (i = 0; i < transport_count; i++) {
		const struct transport *tp = &transport_table[i];
		bool message = tp->caps & TP_MESSAGE;

		assert_non_null(tp->name);
		assert_non_null(tp->forms);
		assert_non_null(tp->summary);
		/* Messages go through msgend; streams never do. */
		assert_int_equal(message, tp->ops != NULL);
		/* Each form starts with the scheme. */
		assert_int_equal(strncmp(tp->forms, tp->scheme, strlen(tp->scheme)), 0);
		for (j = i + 1; j < transport_count; j++) {
			assert_true(strcmp(tp->name, transport_table[j].name) != 0);
			/* Rows sharing a scheme are adjacent and all have a match. */
			if (strcmp(tp->scheme, transport_table[j].scheme) == 0) {
				assert_int_equal(j, i + 1);
				assert_non_null(tp->match);
				assert_non_null(transport_table[j].match);
			}
		}
		assert_ptr_equal(transport_find(tp->scheme, strlen(tp->scheme)),
				 i > 0 && strcmp(transport_table[i - 1].scheme, tp->scheme) == 0
					 ? &transport_table[i - 1]
					 : tp);
	}
	assert_null(transport_find("fif", 3));
	assert_null(transport_find("sem", 3));
}

static void test_caps(void **state)
{
	struct endpoint ep;
	const char *why;

	(void)state;
	assert_int_equal(endpoint_parse("mq:/q", &ep, &why), 0);
	assert_true(endpoint_is_message(&ep));
	assert_false(endpoint_is_socket(&ep));
	assert_true(endpoint_can(&ep, TP_PRIORITY | TP_MAXMSG | TP_CREATE));
	assert_false(endpoint_can(&ep, TP_TYPE));
	assert_int_equal(endpoint_parse("mq:key:1", &ep, &why), 0);
	assert_true(endpoint_can(&ep, TP_TYPE));
	assert_false(endpoint_can(&ep, TP_PRIORITY));
	assert_int_equal(endpoint_parse("unix:@x", &ep, &why), 0);
	assert_false(endpoint_is_message(&ep));
	assert_true(endpoint_is_socket(&ep));
	assert_true(endpoint_can(&ep, TP_ABSTRACT | TP_KEEP));
	assert_false(endpoint_can(&ep, TP_CREATE));
	assert_int_equal(endpoint_parse("shm:/r", &ep, &why), 0);
	assert_true(endpoint_can(&ep, TP_CAPACITY | TP_KEEP | TP_EOS | TP_MESSAGE));
	assert_int_equal(endpoint_parse("udp:h:1", &ep, &why), 0);
	assert_false(endpoint_can(&ep, TP_EOS));
	assert_false(endpoint_can(&ep, TP_RM));
	/* A stream has no message ops: msgend_open says so. */
	assert_int_equal(endpoint_parse("tcp:h:1", &ep, &why), 0);
	{
		struct msgend me;
		struct msgend_opts o = { 0 };

		why = NULL;
		assert_int_equal(msgend_open(&me, &ep, MSGEND_SENDER, &o, &why), -1);
		assert_string_equal(why, "not a message endpoint");
	}
}

static void test_forms(void **state)
{
	static const char expect[] =
		"-, fifo:PATH, unix:PATH, unix:@NAME, unix-dgram:PATH, unix-seqpacket:PATH, "
		"tcp:HOST:PORT, udp:HOST:PORT, mq:OBJECT or shm:OBJECT";
	char buf[512], small[8];
	struct endpoint ep;
	const char *why = NULL;

	(void)state;
	assert_int_equal(transport_forms(buf, sizeof(buf), ", ", " or "), strlen(expect));
	assert_string_equal(buf, expect);
	/* Truncated, but the length needed is still told. */
	assert_int_equal(transport_forms(small, sizeof(small), ", ", " or "), strlen(expect));
	assert_string_equal(small, "-, fifo");
	/* The parse errors name them all. */
	assert_int_equal(endpoint_parse("nope:x", &ep, &why), -1);
	assert_non_null(strstr(why, expect));
	assert_int_equal(endpoint_parse("-:x", &ep, &why), -1);
	assert_non_null(strstr(why, "an unknown endpoint type (expected -, fifo:PATH"));
	assert_int_equal(endpoint_parse("fifo", &ep, &why), -1);
	assert_non_null(strstr(why, "not an endpoint (expected"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_row_parses),
		cmocka_unit_test(test_rows_are_consistent),
		cmocka_unit_test(test_caps),
		cmocka_unit_test(test_forms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
