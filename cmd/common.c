/* Messages, option parsing and clean-up shared by the commands. */
#include "cmd.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../lib/copy.h"
#include "../lib/parse.h"

const char *cmd_prog = "ipctool";
const struct cmd *cmd_current;

/*
 * Messages quote what the user gave, and names and paths may hold any
 * byte: control characters (C0, DEL, and C1 as UTF-8) go out as \xNN so
 * that a hostile name cannot drive the terminal.
 */
static void cmd_put_escaped(const char *s, FILE *out)
{
	const unsigned char *p = (const unsigned char *)s;

	for (; *p; p++) {
		if (*p < 0x20 || *p == 0x7f)
			fprintf(out, "\\x%02x", *p);
		else if (*p == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
			fprintf(out, "\\xc2\\x%02x", *++p);
		else
			fputc(*p, out);
	}
}

static void cmd_vwarn(const char *fmt, va_list ap, int err)
{
	char *msg = NULL;

	fflush(stdout);
	fprintf(stderr, "%s: ", cmd_prog);
	/* Every caller va_start()s ap; the analyzer cannot see through the
	 * static helper. */
	if (vasprintf(&msg, fmt, ap) >= 0) { // NOLINT(clang-analyzer-valist.Uninitialized)
		cmd_put_escaped(msg, stderr);
		free(msg);
	}
	if (err)
		fprintf(stderr, ": %s", strerror(err));
	fputc('\n', stderr);
}

void cmd_warnx(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_vwarn(fmt, ap, 0);
	va_end(ap);
}

void cmd_warn(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	cmd_vwarn(fmt, ap, err);
	va_end(ap);
}

int cmd_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cmd_vwarn(fmt, ap, 0);
	va_end(ap);
	return EXIT_USAGE;
}

int cmd_status_for_errno(int err)
{
	return (err == ETIMEDOUT || err == EAGAIN) ? EXIT_TIMEOUT : EXIT_FAIL;
}

poptContext cmd_popt(int argc, const char **argv, const struct poptOption *table)
{
	poptContext pc = poptGetContext(cmd_prog, argc, argv, table, 0);

	if (cmd_verb_current)
		poptSetOtherOptionHelp(pc, cmd_verb_current->usage);
	else if (cmd_current)
		poptSetOtherOptionHelp(pc, cmd_current->usage);
	return pc;
}

static void cmd_help_callback(poptContext pc, enum poptCallbackReason reason,
			      const struct poptOption *opt, const char *arg, const void *data)
{
	(void)reason;
	(void)arg;
	(void)data;
	if (opt->val == 'h')
		poptPrintHelp(pc, stdout, 0);
	else
		poptPrintUsage(pc, stdout, 0);
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL);
}

struct poptOption cmd_help_options[] = {
	{ NULL, '\0', POPT_ARG_CALLBACK, (void *)cmd_help_callback, 0, NULL, NULL },
	{ "help", 'h', POPT_ARG_NONE, NULL, 'h', "show this help and exit", NULL },
	{ "usage", '\0', POPT_ARG_NONE, NULL, 'u', "show a short usage line and exit", NULL },
	POPT_TABLEEND
};

int cmd_popt_next(poptContext pc)
{
	int rc = poptGetNextOpt(pc);

	if (rc >= 0 || rc == -1)
		return rc > 0 ? rc : 0;
	cmd_warnx("%s: %s", poptBadOption(pc, POPT_BADOPTION_NOALIAS), poptStrerror(rc));
	return -1;
}

const char **cmd_popt_args(poptContext pc, int *n)
{
	const char **args = poptGetArgs(pc);
	static const char *none[] = { NULL };

	if (!args)
		args = none;
	for (*n = 0; args[*n]; (*n)++)
		;
	return args;
}

int cmd_opt_size(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *why;

	if (parse_size_range(text, min, max, out, &why) == 0)
		return 0;
	cmd_warnx("%s: '%s' is %s", opt, text, why);
	return -1;
}

int cmd_opt_duration(const char *opt, const char *text, int64_t *ms)
{
	const char *why;

	if (parse_duration(text, ms, &why) == 0)
		return 0;
	cmd_warnx("%s: '%s' is %s", opt, text, why);
	return -1;
}

int cmd_opt_mode(const char *opt, const char *text, mode_t *out)
{
	const char *why;

	if (parse_mode(text, 0600, out, &why) == 0)
		return 0;
	cmd_warnx("%s: '%s' is %s", opt, text, why);
	return -1;
}

int cmd_opt_number(const char *opt, const char *text, long long min, long long max,
		   long long *out)
{
	const char *why;

	if (parse_number(text, min, max, out, &why) == 0)
		return 0;
	cmd_warnx("%s: '%s' is %s", opt, text, why);
	return -1;
}

/* Clean-up. */

#define CLEANUP_MAX 16

static struct {
	void (*fn)(void *);
	void *arg;
} cleanups[CLEANUP_MAX];
static volatile sig_atomic_t ncleanups;

void cleanup_push(void (*fn)(void *), void *arg)
{
	if (ncleanups < CLEANUP_MAX) {
		cleanups[ncleanups].fn = fn;
		cleanups[ncleanups].arg = arg;
		ncleanups++;
	}
}

void cleanup_run(void)
{
	while (ncleanups > 0) {
		ncleanups--;
		cleanups[ncleanups].fn(cleanups[ncleanups].arg);
	}
}

static void cleanup_on_signal(int sig)
{
	cleanup_run();
	_exit(128 + sig);
}

void cleanup_signals(void)
{
	struct sigaction sa;
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cleanup_on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
}

/* Verbs of object commands. */

const struct cmd_verb *cmd_verb_current;

static void cmd_verb_list(const struct cmd_verb *verbs, FILE *out)
{
	const struct cmd_verb *v;

	fprintf(out, "usage: %s VERB [OPTIONS] ...\n\nVerbs:\n", cmd_prog);
	for (v = verbs; v->name; v++)
		fprintf(out, "  %s %s %s\n", cmd_prog, v->name, v->usage);
	fprintf(out, "\nRun '%s VERB --help' for a verb's options.\n", cmd_prog);
}

int cmd_verb_run(const struct cmd_verb *verbs, int argc, const char **argv)
{
	static char prog[96];
	const struct cmd_verb *v;

	if (argc < 2)
		return cmd_usage_error("a verb is needed (expected %s)", cmd_current->verbs);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		cmd_verb_list(verbs, stdout);
		return EXIT_OK;
	}
	for (v = verbs; v->name; v++)
		if (strcmp(v->name, argv[1]) == 0)
			break;
	if (!v->name)
		return cmd_usage_error("'%s' is not a verb of %s (expected %s)", argv[1], cmd_prog,
				       cmd_current->verbs);
	cmd_verb_current = v;
	snprintf(prog, sizeof(prog), "%s %s", cmd_prog, v->name);
	argv[1] = prog;
	return v->exec(argc - 1, argv + 1);
}
