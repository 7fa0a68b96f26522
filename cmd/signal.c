/*
 * ipctool signal: send a signal carrying a value (sigqueue), wait for
 * signals and say who sent them, list the signals.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/clock.h"
#include "../lib/json.h"
#include "../lib/parse.h"
#include "../lib/pidlock.h"
#include "../lib/sig.h"
#include "../lib/table.h"
#include "cmd.h"

/* Parse SIGNAL; a usage error (reported) returns -1. */
static int signal_arg(const char *text, int *sig)
{
	const char *why;

	if (sig_parse(text, sig, &why) < 0) {
		cmd_usage_error("'%s' is %s", text, why);
		return -1;
	}
	return 0;
}

static int parse_pid(const char *text, long long *pid)
{
	if (parse_number(text, 1, INT_MAX, pid, NULL) < 0) {
		cmd_usage_error("'%s' is not a process ID (expected a number above 0)", text);
		return -1;
	}
	return 0;
}

enum { SEND_VALUE = 1 };

static int signal_send_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		{ "value", 'v', POPT_ARG_STRING, NULL, SEND_VALUE,
		  "an integer the receiver gets with the signal (default 0)", "N" },
		CMD_HELP_OPTIONS,
		POPT_TABLEEND
	};
	poptContext pc = cmd_popt(argc, argv, options);
	const char **args;
	long long pid, value = 0;
	union sigval sv;
	char name[32];
	int rc, n, sig, status = EXIT_USAGE;

	while ((rc = cmd_popt_next(pc)) > 0) {
		char *arg = poptGetOptArg(pc);

		if (rc == SEND_VALUE && cmd_opt_number("--value", arg, INT_MIN, INT_MAX, &value) < 0)
			rc = -1;
		free(arg);
		if (rc < 0)
			break;
	}
	args = cmd_popt_args(pc, &n);
	if (rc < 0)
		goto out;
	if (n != 2) {
		cmd_usage_error(n < 2 ? "PID and SIGNAL are needed" : "'%s': too many arguments",
				n < 2 ? "" : args[2]);
		goto out;
	}
	if (parse_pid(args[0], &pid) < 0 || signal_arg(args[1], &sig) < 0)
		goto out;
	sv.sival_int = (int)value;
	if (sigqueue((pid_t)pid, sig, sv) < 0) {
		sig_name(sig, name, sizeof(name));
		cmd_warn("cannot send %s to pid %lld", name, pid);
		status = EXIT_FAIL;
	} else {
		status = EXIT_OK;
	}
out:
	poptFreeContext(pc);
	return status;
}

enum { WAIT_TIMEOUT = 1, WAIT_COUNT, WAIT_PIDFILE, WAIT_JSON };

/* The pidfile goes when we exit, also on SIGINT/SIGTERM/SIGHUP. */
static void signal_unlink(void *pl)
{
	pidlock_remove(pl);
}

static void signal_print(const siginfo_t *si, bool json)
{
	char name[32];
	bool queued = si->si_code == SI_QUEUE;

	sig_name(si->si_signo, name, sizeof(name));
	if (json) {
		struct json_writer w;
		char buf[512];
		size_t n;

		json_begin(&w, buf, sizeof(buf));
		json_add_string(&w, "signal", name);
		json_add_int(&w, "number", si->si_signo);
		json_add_int(&w, "pid", si->si_pid);
		json_add_int(&w, "uid", si->si_uid);
		json_add_string(&w, "code", sig_code_name(si));
		if (queued)
			json_add_int(&w, "value", si->si_value.sival_int);
		else
			json_add_null(&w, "value");
		n = json_end(&w);
		fwrite(buf, 1, n, stdout);
	} else if (queued) {
		printf("%s pid=%d uid=%u value=%d\n", name, (int)si->si_pid, (unsigned)si->si_uid,
		       si->si_value.sival_int);
	} else {
		printf("%s pid=%d uid=%u value=-\n", name, (int)si->si_pid, (unsigned)si->si_uid);
	}
	/* Scripts read each line as it comes. */
	fflush(stdout);
}

static int signal_wait_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		{ "timeout", 't', POPT_ARG_STRING, NULL, WAIT_TIMEOUT,
		  "exit 124 unless COUNT signals arrive within DURATION", "DURATION" },
		{ "count", 'c', POPT_ARG_STRING, NULL, WAIT_COUNT, "stop after N signals (default 1)", "N" },
		{ "pidfile", 'p', POPT_ARG_STRING, NULL, WAIT_PIDFILE,
		  "write our pid to FILE once the signals are blocked (senders read it)", "FILE" },
		{ "json", 'J', POPT_ARG_NONE, NULL, WAIT_JSON, "one JSON object per signal", NULL },
		CMD_HELP_OPTIONS,
		POPT_TABLEEND
	};
	poptContext pc = cmd_popt(argc, argv, options);
	static char pidpath[PATH_MAX];
	char timeout_text[32] = "";
	struct pidlock pl = { .fd = -1 };
	const char **args;
	long long count = 1, got = 0;
	int64_t timeout_ms = -1;
	bool json = false;
	struct deadline d;
	sigset_t set;
	siginfo_t si;
	pid_t other;
	int rc, n, i, sig, status = EXIT_USAGE;

	pidpath[0] = '\0';
	while ((rc = cmd_popt_next(pc)) > 0) {
		char *arg = poptGetOptArg(pc);

		switch (rc) {
		case WAIT_TIMEOUT:
			if (cmd_opt_duration("--timeout", arg, &timeout_ms) < 0)
				rc = -1;
			snprintf(timeout_text, sizeof(timeout_text), "%s", arg);
			break;
		case WAIT_COUNT:
			if (cmd_opt_number("--count", arg, 1, LLONG_MAX, &count) < 0)
				rc = -1;
			break;
		case WAIT_PIDFILE:
			if (snprintf(pidpath, sizeof(pidpath), "%s", arg) >= (int)sizeof(pidpath)) {
				cmd_usage_error("--pidfile: the path is too long");
				rc = -1;
			}
			break;
		case WAIT_JSON:
			json = true;
			break;
		}
		free(arg);
		if (rc < 0)
			break;
	}
	args = cmd_popt_args(pc, &n);
	if (rc < 0)
		goto out;
	if (n == 0) {
		cmd_usage_error("a SIGNAL is needed");
		goto out;
	}
	sigemptyset(&set);
	for (i = 0; i < n; i++) {
		if (signal_arg(args[i], &sig) < 0)
			goto out;
		if (sig == 0 || sig == SIGKILL || sig == SIGSTOP) {
			cmd_usage_error("'%s' cannot be waited for (SIGKILL and SIGSTOP are never "
					"delivered to a program, 0 is no signal)", args[i]);
			goto out;
		}
		sigaddset(&set, sig);
	}
	/* Block first: a signal sent once the pidfile exists is kept pending. */
	sigprocmask(SIG_BLOCK, &set, NULL);
	status = EXIT_FAIL;
	if (pidpath[0]) {
		if (pidlock_open(&pl, pidpath, 0644, &other) < 0) {
			if (errno == EEXIST)
				cmd_warnx("cannot use pidfile '%s': pid %d holds it", pidpath, (int)other);
			else if (errno == ELOOP)
				cmd_warnx("cannot create pidfile '%s': a symbolic link, which ipctool "
					  "does not follow", pidpath);
			else if (errno == EPERM)
				cmd_warnx("cannot use pidfile '%s': another user's file, or one with "
					  "other names (hard links)", pidpath);
			else if (errno == EINVAL)
				cmd_warnx("cannot use pidfile '%s': not a regular file", pidpath);
			else
				cmd_warn("cannot create pidfile '%s'", pidpath);
			goto out;
		}
		cleanup_push(signal_unlink, &pl);
		cleanup_signals();
		if (pidlock_write(&pl) < 0) {
			cmd_warn("cannot write pidfile '%s'", pidpath);
			goto out;
		}
	}
	deadline_start(&d, timeout_ms);
	while (got < count) {
		if (sig_wait(&set, &d, &si) < 0) {
			if (errno != ETIMEDOUT && errno != EAGAIN) {
				cmd_warn("cannot wait for signals");
				goto out;
			}
			if (got == 0)
				cmd_warnx("timed out: no signal arrived within %s", timeout_text);
			else
				cmd_warnx("timed out: %lld of %lld signals arrived within %s", got, count,
					  timeout_text);
			status = EXIT_TIMEOUT;
			goto out;
		}
		signal_print(&si, json);
		got++;
	}
	status = EXIT_OK;
out:
	if (pl.fd >= 0) {
		cleanup_run();
		pidlock_close(&pl);
	}
	poptFreeContext(pc);
	return status;
}

enum { COL_NAME, COL_NUMBER, COL_ACTION, COL_DESCRIPTION };

static const struct table_column signal_columns[] = {
	[COL_NAME] = { "NAME", "signal name", 0.2, TABLE_STRING },
	[COL_NUMBER] = { "NUMBER", "signal number", 0.05, TABLE_NUMBER },
	[COL_ACTION] = { "ACTION", "default action: term, core, ignore, stop or continue", 0.1, TABLE_STRING },
	[COL_DESCRIPTION] = { "DESCRIPTION", "what the signal means", 0.5, TABLE_STRING },
};

static const struct cmd_columns signal_table = {
	signal_columns, sizeof(signal_columns) / sizeof(signal_columns[0]),
	"NAME,NUMBER,ACTION,DESCRIPTION", "signals",
};

static int signal_list_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		CMD_TABLE_OPTIONS,
		CMD_HELP_OPTIONS,
		POPT_TABLEEND
	};
	poptContext pc = cmd_popt(argc, argv, options);
	const char **args;
	struct table *t;
	char name[32];
	int rc, n, sig, status = EXIT_OK;

	while ((rc = cmd_popt_next(pc)) > 0)
		;
	args = cmd_popt_args(pc, &n);
	if (rc < 0 || n > 0) {
		if (rc == 0)
			cmd_usage_error("'%s': too many arguments", args[0]);
		status = EXIT_USAGE;
		goto out;
	}
	t = cmd_table_new(&signal_table);
	if (!t) {
		status = errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
		goto out;
	}
	for (sig = 1; sig <= sig_max(); sig++) {
		if (sig < SIGRTMIN && !sigabbrev_np(sig))
			continue; /* kept by the C library */
		sig_name(sig, name, sizeof(name));
		table_row(t);
		table_set(t, COL_NAME, name);
		table_set_u64(t, COL_NUMBER, (uint64_t)sig);
		table_set(t, COL_ACTION, sig_default_action(sig));
		table_set(t, COL_DESCRIPTION, sig >= SIGRTMIN ? "real-time signal" : strsignal(sig));
	}
	status = cmd_table_print(t);
out:
	poptFreeContext(pc);
	return status;
}

const struct cmd_verb cmd_signal_verbs[] = {
	{ "send", "PID SIGNAL [--value N]", signal_send_exec, NULL },
	{ "wait", "SIGNAL... [-t DURATION] [-c N] [--pidfile FILE] [-J]", signal_wait_exec, NULL },
	{ "list", "[-J | -r] [-n] [-o COLUMNS]", signal_list_exec, &signal_table },
	{ NULL, NULL, NULL, NULL },
};

int cmd_signal(int argc, const char **argv)
{
	return cmd_verb_run(cmd_signal_verbs, argc, argv);
}
