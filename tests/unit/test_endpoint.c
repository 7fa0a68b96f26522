/* Unit tests for lib/endpoint.c: every endpoint form of DESIGN section 3. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "../../lib/endpoint.h"
#include "../../lib/transport.h"

static void ep_fails(const char *text)
{
	struct endpoint ep;
	const char *why = NULL;

	errno = 0;
	if (endpoint_parse(text, &ep, &why) != -1)
		fail_msg("'%s' was accepted", text ? text : "(null)");
	assert_int_equal(errno, EINVAL);
	if (!why || !why[0])
		fail_msg("'%s' refused without a reason", text ? text : "(null)");
	assert_ptr_equal(ep.text, text);
}

static struct endpoint ep_ok(const char *text, enum endpoint_kind kind)
{
	struct endpoint ep;
	const char *why = NULL;

	if (endpoint_parse(text, &ep, &why) != 0)
		fail_msg("'%s' refused: %s", text, why ? why : "(no reason)");
	assert_int_equal(ep.kind, kind);
	/* Its row of the transport table, of the same kind. */
	assert_non_null(ep.tp);
	assert_int_equal(ep.tp->kind, kind);
	assert_ptr_equal(ep.text, text);
	return ep;
}

static void test_stdio(void **state)
{
	struct endpoint ep = ep_ok("-", EP_STDIO);

	(void)state;
	assert_false(endpoint_is_message(&ep));
	assert_false(endpoint_is_socket(&ep));
	assert_string_equal(endpoint_kind_name(ep.kind), "-");
	ep_fails("--");
	ep_fails("- ");
	ep_fails("-x");
}

static void test_fifo(void **state)
{
	struct endpoint ep = ep_ok("fifo:/tmp/f", EP_FIFO);

	(void)state;
	assert_string_equal(ep.path, "/tmp/f");
	assert_false(ep.is_abstract);
	assert_false(endpoint_is_message(&ep));
	assert_false(endpoint_is_socket(&ep));
	assert_string_equal(endpoint_kind_name(ep.kind), "fifo");
	ep = ep_ok("fifo:relative", EP_FIFO);
	assert_string_equal(ep.path, "relative");
	/* '@' means nothing special for a FIFO. */
	ep = ep_ok("fifo:@x", EP_FIFO);
	assert_string_equal(ep.path, "@x");
	assert_false(ep.is_abstract);
	/* Colons after the scheme belong to the path. */
	ep = ep_ok("fifo:/tmp/a:b", EP_FIFO);
	assert_string_equal(ep.path, "/tmp/a:b");
	ep_fails("fifo:");
	ep_fails("fifo:/tmp/a\nb");
	ep_fails("fifo:/tmp/\x01");
}

static void test_fifo_long_path(void **state)
{
	/* A FIFO is opened by path: no sun_path limit, only PATH_MAX. */
	static char text[PATH_MAX + 16];
	struct endpoint ep;

	(void)state;
	memcpy(text, "fifo:/", 6);
	memset(text + 6, 'f', 200);
	text[206] = '\0';
	ep = ep_ok(text, EP_FIFO);
	assert_string_equal(ep.path, text + 5);

	memset(text + 6, 'f', PATH_MAX - 2);
	text[6 + PATH_MAX - 2] = '\0'; /* strlen(path) == PATH_MAX - 1 */
	ep = ep_ok(text, EP_FIFO);
	assert_int_equal(strlen(ep.path), PATH_MAX - 1);

	memset(text + 6, 'f', PATH_MAX - 1);
	text[6 + PATH_MAX - 1] = '\0';
	ep_fails(text);
}

static void test_unix_path(void **state)
{
	struct endpoint ep;

	(void)state;
	ep = ep_ok("unix:/run/x.sock", EP_UNIX);
	assert_string_equal(ep.path, "/run/x.sock");
	assert_false(ep.is_abstract);
	assert_false(endpoint_is_message(&ep));
	assert_true(endpoint_is_socket(&ep));
	assert_string_equal(endpoint_kind_name(ep.kind), "unix");

	ep = ep_ok("unix-dgram:/tmp/d", EP_UNIX_DGRAM);
	assert_string_equal(ep.path, "/tmp/d");
	assert_true(endpoint_is_message(&ep));
	assert_true(endpoint_is_socket(&ep));
	assert_string_equal(endpoint_kind_name(ep.kind), "unix-dgram");

	ep = ep_ok("unix-seqpacket:/tmp/s", EP_UNIX_SEQPACKET);
	assert_string_equal(ep.path, "/tmp/s");
	assert_true(endpoint_is_message(&ep));
	assert_true(endpoint_is_socket(&ep));
	assert_string_equal(endpoint_kind_name(ep.kind), "unix-seqpacket");

	ep_fails("unix:");
	ep_fails("unix-dgram:");
	ep_fails("unix-seqpacket:");
	ep_fails("unix:/tmp/a\tb");
	ep_fails("unix:/tmp/\x7f");
}

static void test_unix_abstract(void **state)
{
	struct endpoint ep;

	(void)state;
	ep = ep_ok("unix:@name", EP_UNIX);
	assert_true(ep.is_abstract);
	assert_string_equal(ep.path, "name");
	ep = ep_ok("unix-dgram:@d", EP_UNIX_DGRAM);
	assert_true(ep.is_abstract);
	assert_string_equal(ep.path, "d");
	ep = ep_ok("unix-seqpacket:@s", EP_UNIX_SEQPACKET);
	assert_true(ep.is_abstract);
	assert_string_equal(ep.path, "s");
	ep = ep_ok("unix:@@", EP_UNIX);
	assert_string_equal(ep.path, "@");
	ep_fails("unix:@");
	ep_fails("unix-dgram:@");
	ep_fails("unix:@a\x01");
}

/* sun_path is 108 bytes: 107 and a NUL for a path, a NUL and 107 for a name. */
static void test_unix_length(void **state)
{
	char text[256];
	struct endpoint ep;

	(void)state;
	memcpy(text, "unix:", 5);
	memset(text + 5, 'p', 107);
	text[5 + 107] = '\0';
	ep = ep_ok(text, EP_UNIX);
	assert_int_equal(strlen(ep.path), 107);
	memset(text + 5, 'p', 108);
	text[5 + 108] = '\0';
	ep_fails(text);

	memcpy(text, "unix:@", 6);
	memset(text + 6, 'a', 107);
	text[6 + 107] = '\0';
	ep = ep_ok(text, EP_UNIX);
	assert_true(ep.is_abstract);
	assert_int_equal(strlen(ep.path), 107);
	memset(text + 6, 'a', 108);
	text[6 + 108] = '\0';
	ep_fails(text);

	memcpy(text, "unix-dgram:", 11);
	memset(text + 11, 'd', 108);
	text[11 + 108] = '\0';
	ep_fails(text);
}

static void test_tcp(void **state)
{
	struct endpoint ep;

	(void)state;
	ep = ep_ok("tcp:127.0.0.1:4000", EP_TCP);
	assert_string_equal(ep.host, "127.0.0.1");
	assert_string_equal(ep.port, "4000");
	assert_false(endpoint_is_message(&ep));
	assert_true(endpoint_is_socket(&ep));
	assert_string_equal(endpoint_kind_name(ep.kind), "tcp");

	ep = ep_ok("tcp:localhost:80", EP_TCP);
	assert_string_equal(ep.host, "localhost");
	assert_string_equal(ep.port, "80");
	ep = ep_ok("tcp:example.org:65535", EP_TCP);
	assert_string_equal(ep.host, "example.org");
	assert_string_equal(ep.port, "65535");
	ep = ep_ok("tcp:h:0", EP_TCP);
	assert_string_equal(ep.port, "0");
	/* An empty host: every address when listening, loopback to connect. */
	ep = ep_ok("tcp::4000", EP_TCP);
	assert_string_equal(ep.host, "");
	assert_string_equal(ep.port, "4000");
}

static void test_tcp_ipv6(void **state)
{
	struct endpoint ep;

	(void)state;
	ep = ep_ok("tcp:[::1]:4000", EP_TCP);
	assert_string_equal(ep.host, "::1");
	assert_string_equal(ep.port, "4000");
	ep = ep_ok("tcp:[fe80::1%lo]:22", EP_TCP);
	assert_string_equal(ep.host, "fe80::1%lo");
	ep = ep_ok("tcp:[2001:db8::1]:443", EP_TCP);
	assert_string_equal(ep.host, "2001:db8::1");
	assert_string_equal(ep.port, "443");
	/* Without brackets the port cannot be told from the address. */
	ep_fails("tcp:::1:4000");
	ep_fails("tcp:2001:db8::1:443");
	ep_fails("tcp:[::1]");
	ep_fails("tcp:[::1]:");
	ep_fails("tcp:[::1]4000");
	ep_fails("tcp:[::1:4000");
	ep_fails("tcp:[]:4000");
	ep_fails("tcp:[::1]:4000]");
	ep_fails("tcp:[:: 1]:4000");
}

static void test_tcp_bad(void **state)
{
	char text[512];

	(void)state;
	ep_fails("tcp:");
	ep_fails("tcp:host");
	ep_fails("tcp:host:");
	ep_fails("tcp:host:65536");
	ep_fails("tcp:host:99999999999999999999");
	ep_fails("tcp:host:-1");
	ep_fails("tcp:host:-0");
	ep_fails("udp:[::1]:-0");
	ep_fails("tcp:host:+80");
	ep_fails("tcp:host: 80");
	ep_fails("tcp:host:80 ");
	ep_fails("tcp:host:http");
	ep_fails("tcp:host:0x50");
	ep_fails("tcp:a b:80");
	ep_fails("tcp:a/b:80");
	ep_fails("tcp:a\x01:80");
	ep_fails("tcp:a\n:80");
	/* A host name longer than the buffer. */
	memcpy(text, "tcp:", 4);
	memset(text + 4, 'h', 300);
	memcpy(text + 304, ":80", 4);
	ep_fails(text);
}

static void test_udp(void **state)
{
	struct endpoint ep;

	(void)state;
	ep = ep_ok("udp:127.0.0.1:53", EP_UDP);
	assert_string_equal(ep.host, "127.0.0.1");
	assert_string_equal(ep.port, "53");
	assert_true(endpoint_is_message(&ep));
	assert_true(endpoint_is_socket(&ep));
	assert_string_equal(endpoint_kind_name(ep.kind), "udp");
	ep = ep_ok("udp:[::1]:5353", EP_UDP);
	assert_string_equal(ep.host, "::1");
	ep_fails("udp:host");
	ep_fails("udp:host:65536");
	ep_fails("udp:::1:53");
}

static void test_mq(void **state)
{
	struct endpoint ep;

	(void)state;
	ep = ep_ok("mq:/q", EP_MQ);
	assert_int_equal(ep.obj.kind, OBJREF_POSIX);
	assert_string_equal(ep.obj.name, "/q");
	assert_true(endpoint_is_message(&ep));
	assert_false(endpoint_is_socket(&ep));
	assert_string_equal(endpoint_kind_name(ep.kind), "mq");
	ep = ep_ok("mq:key:0x10", EP_MQ);
	assert_int_equal(ep.obj.kind, OBJREF_KEY);
	assert_int_equal(ep.obj.key, 0x10);
	ep = ep_ok("mq:id:3", EP_MQ);
	assert_int_equal(ep.obj.kind, OBJREF_ID);
	assert_int_equal(ep.obj.id, 3);
	ep = ep_ok("mq:ftok:/tmp:2", EP_MQ);
	assert_int_equal(ep.obj.kind, OBJREF_FTOK);
	assert_string_equal(ep.obj.path, "/tmp");
	assert_int_equal(ep.obj.proj, 2);
	ep_fails("mq:");
	ep_fails("mq:q");
	ep_fails("mq:/a/b");
	ep_fails("mq:key:");
	ep_fails("mq:key:-1");
	ep_fails("mq:/q\x01");
}

static void test_shm(void **state)
{
	struct endpoint ep;

	(void)state;
	ep = ep_ok("shm:key:0x10", EP_SHM);
	assert_int_equal(ep.obj.kind, OBJREF_KEY);
	assert_int_equal(ep.obj.key, 0x10);
	assert_true(endpoint_is_message(&ep));
	assert_false(endpoint_is_socket(&ep));
	assert_string_equal(endpoint_kind_name(ep.kind), "shm");
	ep = ep_ok("shm:/ring", EP_SHM);
	assert_int_equal(ep.obj.kind, OBJREF_POSIX);
	assert_string_equal(ep.obj.name, "/ring");
	ep_fails("shm:");
	ep_fails("shm:ring");
	ep_fails("shm:id:-1");
}

static void test_malformed(void **state)
{
	(void)state;
	ep_fails(NULL);
	ep_fails("");
	ep_fails(":");
	ep_fails(":/tmp/x");
	ep_fails("/tmp/x");
	ep_fails("x");
	ep_fails("bogus:/x");
	ep_fails("file:/x");
	ep_fails("FIFO:/x");
	ep_fails("Unix:/x");
	ep_fails("unix");
	ep_fails("unixx:/x");
	ep_fails("uni:/x");
	ep_fails("tcp6:[::1]:1");
	ep_fails("\x01:x");
}

static void test_kind_names(void **state)
{
	static const enum endpoint_kind kinds[] = {
		EP_STDIO, EP_FIFO, EP_UNIX, EP_UNIX_DGRAM, EP_UNIX_SEQPACKET,
		EP_TCP,	  EP_UDP,  EP_MQ,   EP_SHM,
	};
	char text[64];
	size_t i;

	(void)state;
	/* Every kind has a name, and the name parses back to that kind. */
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const char *name = endpoint_kind_name(kinds[i]);
		struct endpoint ep;

		assert_string_not_equal(name, "?");
		if (kinds[i] == EP_STDIO)
			continue;
		if (kinds[i] == EP_TCP || kinds[i] == EP_UDP)
			snprintf(text, sizeof(text), "%s:h:1", name);
		else if (kinds[i] == EP_MQ || kinds[i] == EP_SHM)
			snprintf(text, sizeof(text), "%s:/o", name);
		else
			snprintf(text, sizeof(text), "%s:/p", name);
		assert_int_equal(endpoint_parse(text, &ep, NULL), 0);
		assert_int_equal(ep.kind, kinds[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stdio),
		cmocka_unit_test(test_fifo),
		cmocka_unit_test(test_fifo_long_path),
		cmocka_unit_test(test_unix_path),
		cmocka_unit_test(test_unix_abstract),
		cmocka_unit_test(test_unix_length),
		cmocka_unit_test(test_tcp),
		cmocka_unit_test(test_tcp_ipv6),
		cmocka_unit_test(test_tcp_bad),
		cmocka_unit_test(test_udp),
		cmocka_unit_test(test_mq),
		cmocka_unit_test(test_shm),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_kind_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
