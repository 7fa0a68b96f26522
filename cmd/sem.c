/*
 * ipctool sem: POSIX named semaphores and System V sets. `sem run` holds
 * one while a command runs, and releases it whatever way the command ends.
 */
#include <errno.h>
#include <limits.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/clock.h"
#include "../lib/objref.h"
#include "../lib/sem.h"
#include "cmd.h"

enum {
	SEM_OPT_VALUE = 1,
	SEM_OPT_NSEMS,
	SEM_OPT_MODE,
	SEM_OPT_REUSE,
	SEM_OPT_TIMEOUT,
	SEM_OPT_NONBLOCK,
	SEM_OPT_COUNT,
	SEM_OPT_INDEX,
	SEM_OPT_CONFLICT,
};

static struct {
	long long value, nsems, count, index, conflict;
	mode_t mode;
	bool reuse, nsems_set;
	int64_t timeout_ms;
	char timeout_text[32];
} opt;

#define OPT_VALUE { "value", 'v', POPT_ARG_STRING, NULL, SEM_OPT_VALUE, "initial value of each member (default 1)", "N" }
#define OPT_NSEMS { "nsems", '\0', POPT_ARG_STRING, NULL, SEM_OPT_NSEMS, "members of a System V set (default 1)", "N" }
#define OPT_MODE { "mode", 'm', POPT_ARG_STRING, NULL, SEM_OPT_MODE, "permissions (default 0600)", "MODE" }
#define OPT_REUSE { "reuse", '\0', POPT_ARG_NONE, NULL, SEM_OPT_REUSE, "open an existing semaphore as it is", NULL }
#define OPT_TIMEOUT { "timeout", 't', POPT_ARG_STRING, NULL, SEM_OPT_TIMEOUT, "give up after DURATION (exit 124)", "DURATION" }
#define OPT_NONBLOCK { "nonblock", 'n', POPT_ARG_NONE, NULL, SEM_OPT_NONBLOCK, "same as --timeout 0", NULL }
#define OPT_COUNT { "count", 'c', POPT_ARG_STRING, NULL, SEM_OPT_COUNT, "add N (default 1)", "N" }
#define OPT_CONFLICT { "conflict-exit-code", 'E', POPT_ARG_STRING, NULL, SEM_OPT_CONFLICT, "exit N when the semaphore is not free in time (default 124)", "N" }
#define OPT_INDEX { "index", 'i', POPT_ARG_STRING, NULL, SEM_OPT_INDEX, "member of a System V set (default 0)", "I" }

/*
 * Parse a verb's options and its arguments; returns the popt context (the
 * caller frees it) or NULL after a usage error. nargs gets the argument
 * count, which must be at least min.
 */
static poptContext sem_options(int argc, const char **argv, const struct poptOption *table,
			       const char ***args, int *nargs, int min)
{
	poptContext pc = cmd_popt(argc, argv, table);
	const char *arg;
	int rc, bad = 0;

	opt.value = 1;
	opt.nsems = 1;
	opt.count = 1;
	opt.index = 0;
	opt.conflict = EXIT_TIMEOUT;
	opt.mode = 0600;
	opt.timeout_ms = -1;
	while ((rc = cmd_popt_next(pc)) > 0) {
		arg = poptGetOptArg(pc);
		switch (rc) {
		case SEM_OPT_VALUE:
			bad |= cmd_opt_number("--value", arg, 0, INT_MAX, &opt.value);
			break;
		case SEM_OPT_NSEMS:
			bad |= cmd_opt_number("--nsems", arg, 1, SHRT_MAX, &opt.nsems);
			opt.nsems_set = true;
			break;
		case SEM_OPT_MODE:
			bad |= cmd_opt_mode("--mode", arg, &opt.mode);
			break;
		case SEM_OPT_REUSE:
			opt.reuse = true;
			break;
		case SEM_OPT_TIMEOUT:
			bad |= cmd_opt_duration("--timeout", arg, &opt.timeout_ms);
			snprintf(opt.timeout_text, sizeof(opt.timeout_text), "%s", arg);
			break;
		case SEM_OPT_NONBLOCK:
			opt.timeout_ms = 0;
			break;
		case SEM_OPT_COUNT:
			bad |= cmd_opt_number("--count", arg, 1, INT_MAX, &opt.count);
			break;
		case SEM_OPT_INDEX:
			bad |= cmd_opt_number("--index", arg, 0, SHRT_MAX, &opt.index);
			break;
		case SEM_OPT_CONFLICT:
			bad |= cmd_opt_number("--conflict-exit-code", arg, 0, 255, &opt.conflict);
			break;
		}
		free((void *)arg);
	}
	*args = cmd_popt_args(pc, nargs);
	if (rc == 0 && !bad && *nargs < min)
		cmd_usage_error("an OBJECT is needed");
	if (rc < 0 || bad || *nargs < min) {
		poptFreeContext(pc);
		return NULL;
	}
	return pc;
}

/* Parse OBJECT; a usage error (reported) returns -1. */
static int sem_ref(const char *text, struct objref *ref, bool creating)
{
	if (cmd_objref(text, ref) < 0)
		return -1;
	if (ref->is_private && !creating) {
		cmd_usage_error("'%s' names no existing set (use id:ID, as sem create printed it)", text);
		return -1;
	}
	if (ref->kind == OBJREF_ID && creating) {
		cmd_usage_error("'%s': a set is created by key:, ftok: or key:private, not by id:", text);
		return -1;
	}
	if (!objref_is_sysv(ref) && (opt.index > 0 || (creating && opt.nsems_set && opt.nsems > 1))) {
		cmd_usage_error("'%s' is a POSIX semaphore: --index and --nsems apply to System V sets", text);
		return -1;
	}
	return 0;
}

/* Open OBJECT and select --index; reports failures. */
static int sem_open_ref(const char *text, const struct objref *ref, struct sem_handle *h)
{
	if (sem_attach(ref, h) < 0) {
		if (errno == ENOENT)
			cmd_warnx("cannot open '%s': %s%s", text, strerror(errno),
				  cmd_hint_create(text));
		else
			cmd_warn("cannot open '%s'", text);
		return EXIT_FAIL;
	}
	if (sem_select(h, (int)opt.index) < 0) {
		cmd_warnx("cannot use '%s': --index %lld is out of range (the set has %d member%s)", text,
			  opt.index, h->nsems, h->nsems == 1 ? "" : "s");
		sem_detach(h);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int sem_create_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		OPT_VALUE, OPT_NSEMS, OPT_MODE, OPT_REUSE, CMD_HELP_OPTIONS, POPT_TABLEEND
	};
	struct sem_handle h;
	struct objref ref;
	const char **args;
	poptContext pc;
	bool created;
	int n, status = EXIT_OK;

	pc = sem_options(argc, argv, options, &args, &n, 1);
	if (!pc)
		return EXIT_USAGE;
	if (n > 1 || sem_ref(args[0], &ref, true) < 0) {
		if (n > 1)
			cmd_usage_error("'%s': one OBJECT at a time", args[1]);
		poptFreeContext(pc);
		return EXIT_USAGE;
	}
	if (objref_is_sysv(&ref) && opt.value > SEM_SYSV_VALUE_MAX) {
		poptFreeContext(pc);
		return cmd_usage_error("--value: '%lld' is too large (System V allows %d)", opt.value,
				       SEM_SYSV_VALUE_MAX);
	}
	if (sem_create(&ref, (unsigned)opt.value, (int)opt.nsems, opt.mode, opt.reuse, &h,
		       &created) < 0) {
		if (errno == EEXIST)
			cmd_warnx("cannot create '%s': %s (--reuse opens an existing one)", args[0],
				  strerror(errno));
		else if (errno == EINVAL && objref_is_sysv(&ref))
			cmd_warnx("cannot create '%s': %s (more members than the SEMMSL limit, or an "
				  "existing set with fewer)", args[0], strerror(errno));
		else
			cmd_warn("cannot create '%s'", args[0]);
		status = EXIT_FAIL;
	} else {
		/* A private set is reachable only by its identifier: print it. */
		if (ref.is_private)
			cmd_print_private_id(h.id);
		sem_detach(&h);
	}
	poptFreeContext(pc);
	return status;
}

/* Wait for the semaphore, retrying after signals unless *stop is set. */
static int sem_take(struct sem_handle *h, const char *text, bool undo,
		    volatile sig_atomic_t *stop)
{
	struct deadline d;

	deadline_start(&d, opt.timeout_ms);
	while (sem_acquire(h, &d, undo) < 0) {
		if (errno == EINTR && !(stop && *stop))
			continue;
		if (errno == EINTR)
			return -1;
		if (errno == ETIMEDOUT || errno == EAGAIN) {
			if (opt.timeout_ms == 0)
				cmd_warnx("'%s' is not free (--nonblock)", text);
			else
				cmd_warnx("timed out: '%s' was not free within %s", text, opt.timeout_text);
			return EXIT_TIMEOUT;
		}
		if (errno == EIDRM || errno == EINVAL)
			cmd_warnx("cannot wait on '%s': it was removed", text);
		else
			cmd_warn("cannot wait on '%s'", text);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/*
 * What wait, post and get share: their options, exactly one OBJECT, opened
 * into h. On EXIT_OK, *pcp and *text are set and the caller detaches h and
 * frees *pcp; any other status leaves nothing to free.
 */
static int sem_open_one(int argc, const char **argv, const struct poptOption *options,
			poptContext *pcp, struct sem_handle *h, const char **text)
{
	struct objref ref;
	const char **args;
	poptContext pc;
	int n, status;

	pc = sem_options(argc, argv, options, &args, &n, 1);
	if (!pc)
		return EXIT_USAGE;
	if (n > 1 || sem_ref(args[0], &ref, false) < 0) {
		if (n > 1)
			cmd_usage_error("'%s': one OBJECT at a time", args[1]);
		poptFreeContext(pc);
		return EXIT_USAGE;
	}
	status = sem_open_ref(args[0], &ref, h);
	if (status != EXIT_OK) {
		poptFreeContext(pc);
		return status;
	}
	*pcp = pc;
	*text = args[0];
	return EXIT_OK;
}

static int sem_wait_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		OPT_TIMEOUT, OPT_NONBLOCK, OPT_CONFLICT, OPT_INDEX, CMD_HELP_OPTIONS, POPT_TABLEEND
	};
	struct sem_handle h;
	const char *text;
	poptContext pc;
	int status;

	status = sem_open_one(argc, argv, options, &pc, &h, &text);
	if (status != EXIT_OK)
		return status;
	status = sem_take(&h, text, false, NULL);
	sem_detach(&h);
	poptFreeContext(pc);
	return status;
}

static int sem_post_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		OPT_COUNT, OPT_INDEX, CMD_HELP_OPTIONS, POPT_TABLEEND
	};
	struct sem_handle h;
	const char *text;
	poptContext pc;
	int status;

	status = sem_open_one(argc, argv, options, &pc, &h, &text);
	if (status != EXIT_OK)
		return status;
	if (sem_release(&h, (unsigned)opt.count, false) < 0) {
		if (errno == EOVERFLOW || errno == ERANGE)
			cmd_warnx("cannot post %lld to '%s': the value would exceed its maximum (%d)",
				  opt.count, text, h.sysv ? SEM_SYSV_VALUE_MAX : SEM_VALUE_MAX);
		else
			cmd_warn("cannot post to '%s'", text);
		status = EXIT_FAIL;
	}
	sem_detach(&h);
	poptFreeContext(pc);
	return status;
}

static int sem_get_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		OPT_INDEX, CMD_HELP_OPTIONS, POPT_TABLEEND
	};
	struct sem_handle h;
	const char *text;
	poptContext pc;
	int value, status;

	status = sem_open_one(argc, argv, options, &pc, &h, &text);
	if (status != EXIT_OK)
		return status;
	if (sem_value(&h, &value) < 0) {
		cmd_warn("cannot read '%s'", text);
		status = EXIT_FAIL;
	} else {
		printf("%d\n", value);
	}
	sem_detach(&h);
	poptFreeContext(pc);
	return status;
}

static int sem_rm_exec(int argc, const char **argv)
{
	static struct poptOption options[] = { CMD_HELP_OPTIONS, POPT_TABLEEND };
	struct objref ref;
	const char **args;
	poptContext pc;
	int n, i, status = EXIT_OK;

	pc = sem_options(argc, argv, options, &args, &n, 1);
	if (!pc)
		return EXIT_USAGE;
	for (i = 0; i < n; i++)
		if (sem_ref(args[i], &ref, false) < 0) {
			poptFreeContext(pc);
			return EXIT_USAGE;
		}
	for (i = 0; i < n; i++) {
		sem_ref(args[i], &ref, false);
		if (sem_remove(&ref) < 0) {
			cmd_warn("cannot remove '%s'", args[i]);
			status = EXIT_FAIL;
		}
	}
	poptFreeContext(pc);
	return status;
}

/* sem run: signals are passed on to COMMAND, which decides how to end. */
static volatile sig_atomic_t run_child;
static volatile sig_atomic_t run_signal;

static void sem_run_forward(int sig)
{
	if (run_child > 0)
		kill((pid_t)run_child, sig);
	else
		run_signal = sig;
}

static void sem_run_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGQUIT };
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = sem_run_forward;
	/* No SA_RESTART: a wait for the semaphore returns EINTR. */
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

static void sem_run_child(const char **cmd, pid_t parent)
{
	struct sigaction sa;
	sigset_t none;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	/*
	 * If ipctool dies (SIGKILL), COMMAND must not run on unprotected: a
	 * System V holder's SEM_UNDO has released the semaphore already.
	 */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(128 + SIGKILL);
	cmd_std_for_exec();
	execvp(cmd[0], (char *const *)cmd);
	cmd_warn("cannot run '%s'", cmd[0]);
	_exit(errno == ENOENT ? 127 : 126);
}

static int sem_run_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		OPT_TIMEOUT, OPT_NONBLOCK, OPT_CONFLICT, OPT_INDEX, CMD_HELP_OPTIONS, POPT_TABLEEND
	};
	struct sem_handle h;
	struct objref ref;
	const char **args;
	poptContext pc;
	pid_t pid, parent = getpid();
	int n, wstatus, status;

	pc = sem_options(argc, argv, options, &args, &n, 1);
	if (!pc)
		return EXIT_USAGE;
	if (sem_ref(args[0], &ref, false) < 0 ||
	    (n < 2 && cmd_usage_error("a COMMAND is needed after OBJECT (sem run OBJECT -- COMMAND...)"))) {
		poptFreeContext(pc);
		return EXIT_USAGE;
	}
	status = sem_open_ref(args[0], &ref, &h);
	if (status != EXIT_OK) {
		poptFreeContext(pc);
		return status;
	}
	sem_run_signals();
	/* SEM_UNDO: the kernel releases a System V set if we are killed. */
	status = sem_take(&h, args[0], true, &run_signal);
	if (status != EXIT_OK || run_signal) {
		if (status == EXIT_OK)
			sem_release(&h, 1, true);
		sem_detach(&h);
		poptFreeContext(pc);
		if (run_signal)
			return 128 + run_signal;
		/* The user's chosen code, which may be 2: not ipctool's usage error. */
		return status == EXIT_TIMEOUT ? EXIT_PASSTHROUGH | (int)opt.conflict : status;
	}
	fflush(stdout);
	pid = fork();
	if (pid == 0)
		sem_run_child(args + 1, parent);
	if (pid < 0) {
		cmd_warn("cannot fork");
		status = EXIT_FAIL;
	} else {
		run_child = pid;
		/* A signal that came between the wait and the fork. */
		if (run_signal)
			kill(pid, run_signal);
		while (waitpid(pid, &wstatus, 0) < 0 && errno == EINTR)
			;
		status = WIFSIGNALED(wstatus) ? 128 + WTERMSIG(wstatus) : WEXITSTATUS(wstatus);
	}
	if (sem_release(&h, 1, true) < 0)
		cmd_warn("cannot release '%s'", args[0]);
	sem_detach(&h);
	poptFreeContext(pc);
	/* COMMAND's status (grep exits 2) is passed on, never taken for a usage error. */
	return pid > 0 ? EXIT_PASSTHROUGH | status : status;
}

const struct cmd_verb cmd_sem_verbs[] = {
	{ "create", "OBJECT [--value N] [--nsems N] [--mode M] [--reuse]", sem_create_exec, NULL },
	{ "wait", "OBJECT [-t DURATION | -n] [--index I]", sem_wait_exec, NULL },
	{ "post", "OBJECT [--count N] [--index I]", sem_post_exec, NULL },
	{ "get", "OBJECT [--index I]", sem_get_exec, NULL },
	{ "rm", "OBJECT...", sem_rm_exec, NULL },
	{ "run", "OBJECT [-t DURATION | -n] [-E N] [--index I] -- COMMAND [ARG...]", sem_run_exec,
	  NULL },
	{ NULL, NULL, NULL, NULL },
};

int cmd_sem(int argc, const char **argv)
{
	return cmd_verb_run(cmd_sem_verbs, argc, argv);
}
