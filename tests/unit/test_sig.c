/* Unit tests for lib/sig.c: signal names and numbers. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>

#include "../../lib/sig.h"

static void test_sig_parse_names(void **state)
{
	const char *why;
	int sig;

	(void)state;
	assert_int_equal(sig_parse("USR1", &sig, &why), 0);
	assert_int_equal(sig, SIGUSR1);
	assert_int_equal(sig_parse("SIGTERM", &sig, &why), 0);
	assert_int_equal(sig, SIGTERM);
	assert_int_equal(sig_parse("sighup", &sig, &why), 0);
	assert_int_equal(sig, SIGHUP);
	assert_int_equal(sig_parse("9", &sig, &why), 0);
	assert_int_equal(sig, SIGKILL);
	assert_int_equal(sig_parse("0", &sig, &why), 0);
	assert_int_equal(sig, 0);
}

static void test_sig_parse_realtime(void **state)
{
	const char *why;
	int sig;

	(void)state;
	assert_int_equal(sig_parse("RTMIN", &sig, &why), 0);
	assert_int_equal(sig, SIGRTMIN);
	assert_int_equal(sig_parse("SIGRTMIN+3", &sig, &why), 0);
	assert_int_equal(sig, SIGRTMIN + 3);
	assert_int_equal(sig_parse("rtmax-1", &sig, &why), 0);
	assert_int_equal(sig, SIGRTMAX - 1);
	assert_int_equal(sig_parse("RTMAX", &sig, &why), 0);
	assert_int_equal(sig, SIGRTMAX);
}

static void test_sig_parse_bad(void **state)
{
	static const char *const bad[] = {
		"", "NOPE", "SIG", "USR", "-1", "65", "32", "RTMIN-1", "RTMAX+1",
		"RTMIN+99", "RTMIN+", "1x", "USR1 ",
	};
	const char *why;
	size_t i;
	int sig = -5;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		why = NULL;
		errno = 0;
		assert_int_equal(sig_parse(bad[i], &sig, &why), -1);
		assert_int_equal(errno, EINVAL);
		assert_non_null(why);
	}
	assert_int_equal(sig, -5);
}

static void test_sig_name_round_trip(void **state)
{
	char buf[32];
	int sig, back;

	(void)state;
	sig_name(SIGUSR1, buf, sizeof(buf));
	assert_string_equal(buf, "SIGUSR1");
	sig_name(SIGRTMIN + 2, buf, sizeof(buf));
	assert_string_equal(buf, "SIGRTMIN+2");
	sig_name(SIGRTMAX, buf, sizeof(buf));
	assert_string_equal(buf, "SIGRTMAX");
	for (sig = 1; sig <= sig_max(); sig++) {
		if (sig < SIGRTMIN && !sigabbrev_np(sig))
			continue;
		sig_name(sig, buf, sizeof(buf));
		assert_int_equal(sig_parse(buf, &back, NULL), 0);
		assert_int_equal(back, sig);
	}
}

static void test_sig_default_action(void **state)
{
	(void)state;
	assert_string_equal(sig_default_action(SIGTERM), "term");
	assert_string_equal(sig_default_action(SIGSEGV), "core");
	assert_string_equal(sig_default_action(SIGCHLD), "ignore");
	assert_string_equal(sig_default_action(SIGTSTP), "stop");
	assert_string_equal(sig_default_action(SIGCONT), "continue");
	assert_string_equal(sig_default_action(SIGRTMIN), "term");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sig_parse_names),
		cmocka_unit_test(test_sig_parse_realtime),
		cmocka_unit_test(test_sig_parse_bad),
		cmocka_unit_test(test_sig_name_round_trip),
		cmocka_unit_test(test_sig_default_action),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
