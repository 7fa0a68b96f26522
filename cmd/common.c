/* Messages, option parsing and clean-up shared by the commands. */
#include "cmd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <unistd.h>

#include "../lib/copy.h"
#include "../lib/parse.h"
#include "../lib/ring.h"
#include "../lib/table.h"

const char *cmd_prog = "ipctool";
unsigned cmd_std_closed;
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

void (*cmd_popt_hook)(const struct poptOption *table);

poptContext cmd_popt(int argc, const char **argv, const struct poptOption *table)
{
	poptContext pc;

	if (cmd_popt_hook)
		cmd_popt_hook(table);
	pc = poptGetContext(cmd_prog, argc, argv, table, 0);
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
	if (opt->val == 'h') {
		poptPrintHelp(pc, stdout, 0);
		if (cmd_table_columns) {
			printf("\nColumns (default %s):\n", cmd_table_columns->columns);
			table_columns_help(cmd_table_columns->cols, cmd_table_columns->ncols, stdout);
		}
	} else
		poptPrintUsage(pc, stdout, 0);
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL);
}

struct poptOption cmd_help_options[] = {
	{ NULL, '\0', POPT_ARG_CALLBACK, (void *)cmd_help_callback, 0, NULL, NULL },
	{ "help", 'h', POPT_ARG_NONE, NULL, 'h', "show this help and exit", NULL },
	{ "usage", '\0', POPT_ARG_NONE, NULL, 'u', "show a short usage line and exit", NULL },
	POPT_TABLEEND
};

/* Table options. */

struct table_opts cmd_table_opts;
const struct cmd_columns *cmd_table_columns;

enum { TOPT_JSON = 1, TOPT_RAW, TOPT_NOHEADINGS, TOPT_OUTPUT, TOPT_BYTES, TOPT_LIST_COLUMNS };

static void cmd_table_callback(poptContext pc, enum poptCallbackReason reason,
			       const struct poptOption *opt, const char *arg, const void *data)
{
	static char columns[256];

	(void)pc;
	(void)data;
	if (reason != POPT_CALLBACK_REASON_OPTION)
		return;
	switch (opt->val) {
	case TOPT_JSON:
		cmd_table_opts.json = true;
		break;
	case TOPT_RAW:
		cmd_table_opts.raw = true;
		break;
	case TOPT_NOHEADINGS:
		cmd_table_opts.noheadings = true;
		break;
	case TOPT_OUTPUT:
		snprintf(columns, sizeof(columns), "%s", arg ? arg : "");
		cmd_table_opts.columns = columns;
		break;
	case TOPT_BYTES:
		cmd_table_opts.bytes = true;
		break;
	case TOPT_LIST_COLUMNS:
		if (cmd_table_columns)
			table_columns_help(cmd_table_columns->cols, cmd_table_columns->ncols, stdout);
		exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL);
	}
}

struct poptOption cmd_table_options[] = {
	{ NULL, '\0', POPT_ARG_CALLBACK, (void *)cmd_table_callback, 0, NULL, NULL },
	{ "json", 'J', POPT_ARG_NONE, NULL, TOPT_JSON, "JSON output", NULL },
	{ "raw", 'r', POPT_ARG_NONE, NULL, TOPT_RAW, "raw output, no column alignment", NULL },
	{ "noheadings", 'n', POPT_ARG_NONE, NULL, TOPT_NOHEADINGS, "no heading line", NULL },
	{ "output", 'o', POPT_ARG_STRING, NULL, TOPT_OUTPUT,
	  "columns to show (+COL,... adds to the default; see --list-columns)", "COLUMNS" },
	{ "bytes", 'b', POPT_ARG_NONE, NULL, TOPT_BYTES, "sizes in bytes, not 8K or 1.5M", NULL },
	{ "list-columns", '\0', POPT_ARG_NONE, NULL, TOPT_LIST_COLUMNS, "list the columns and exit",
	  NULL },
	POPT_TABLEEND
};

struct table *cmd_table_new(const struct cmd_columns *spec)
{
	const char *bad = NULL;
	struct table *t;

	cmd_table_opts.name = spec->name;
	t = table_new(spec->cols, spec->ncols, spec->columns, &cmd_table_opts, &bad);
	/* errno is the callers' verdict: set after printing, which may change it. */
	if (!t && bad) {
		cmd_usage_error("--output: '%s' is not a column (see --list-columns)", bad);
		errno = EINVAL;
	} else if (!t) {
		int err = errno == EINVAL ? ENOMEM : errno;

		cmd_warn("cannot make a table");
		errno = err;
	}
	return t;
}

int cmd_table_print(struct table *t)
{
	int rc = table_print(t, stdout);

	table_free(t);
	if (rc < 0) {
		cmd_warn("cannot write the table");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

const char *cmd_hint_create(const char *text)
{
	static char hint[PATH_MAX + 64];

	snprintf(hint, sizeof(hint), " (create it with 'ipctool %s create %s')",
		 cmd_current ? cmd_current->name : "CMD", text);
	return hint;
}

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

int cmd_objref(const char *text, struct objref *ref)
{
	const char *why;

	if (objref_parse(text, ref, &why) == 0)
		return 0;
	cmd_warnx("'%s' is %s", text, why);
	return -1;
}

void cmd_std_for_exec(void)
{
	int fd, null;

	for (fd = 0; fd <= 2; fd++) {
		if (!(cmd_std_closed & (1u << fd)))
			continue;
		null = open("/dev/null", O_RDWR);
		if (null >= 0 && null != fd) {
			dup2(null, fd);
			close(null);
		}
	}
}

void cmd_std_spawn_actions(posix_spawn_file_actions_t *fa, unsigned given)
{
	int fd;

	for (fd = 0; fd <= 2; fd++)
		if ((cmd_std_closed & ~given) & (1u << fd))
			posix_spawn_file_actions_addopen(fa, fd, "/dev/null", O_RDWR, 0);
}

void cmd_print_private_id(int id)
{
	char name[32];

	if (objref_format_existing(NULL, IPC_PRIVATE, id, name, sizeof(name)) == 0)
		puts(name);
}

int cmd_opt_size(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
	const char *why;
	char bound[32];
	uint64_t v;

	if (parse_size_range(text, min, max, out, &why) == 0)
		return 0;
	if (errno == ERANGE && parse_size_range(text, 0, UINT64_MAX, &v, &why) == 0) {
		/* Out of range: say where the range ends. */
		table_format_size(v < min ? min : max, bound, sizeof(bound));
		cmd_warnx("%s: '%s' is too %s (at %s %s)", opt, text, v < min ? "small" : "large",
			  v < min ? "least" : "most", bound);
		return -1;
	}
	cmd_warnx("%s: '%s' is %s", opt, text, why);
	return -1;
}

int cmd_opt_capacity(const char *text, uint64_t *out)
{
	uint64_t v;

	if (cmd_opt_size("--capacity", text, RING_MIN_CAPACITY, RING_MAX_CAPACITY, &v) < 0)
		return -1;
	if (v & (v - 1)) {
		cmd_warnx("--capacity: '%s' is not a power of two (like 64K or 1M)", text);
		return -1;
	}
	*out = v;
	return 0;
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
	static const char full[] = "ipctool: internal error: more than 16 clean-up actions\n";

	if (ncleanups >= CLEANUP_MAX) {
		/* A program error, never a user's: an object that would not
		 * be removed on a signal is worse than stopping here. */
		ssize_t n = write(STDERR_FILENO, full, sizeof(full) - 1);

		(void)n;
		abort();
	}
	cleanups[ncleanups].fn = fn;
	cleanups[ncleanups].arg = arg;
	/* The entry is whole before a signal handler can see it counted. */
	atomic_signal_fence(memory_order_release);
	ncleanups++;
}

void cleanup_run(void)
{
	while (ncleanups > 0) {
		int i = ncleanups - 1;

		/* Uncounted first: a signal during fn does not run it twice. */
		ncleanups = i;
		atomic_signal_fence(memory_order_acquire);
		cleanups[i].fn(cleanups[i].arg);
	}
}

static const int cleanup_sigs[] = { SIGINT, SIGTERM, SIGHUP };

void cleanup_hold(sigset_t *old)
{
	sigset_t set;
	size_t i;

	sigemptyset(&set);
	for (i = 0; i < sizeof(cleanup_sigs) / sizeof(cleanup_sigs[0]); i++)
		sigaddset(&set, cleanup_sigs[i]);
	sigprocmask(SIG_BLOCK, &set, old);
}

void cleanup_release(const sigset_t *old)
{
	sigprocmask(SIG_SETMASK, old, NULL);
}

static void cleanup_on_signal(int sig)
{
	cleanup_run();
	_exit(128 + sig);
}

void cleanup_signals(void)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = cleanup_on_signal;
	sigfillset(&sa.sa_mask);
	for (i = 0; i < sizeof(cleanup_sigs) / sizeof(cleanup_sigs[0]); i++)
		sigaction(cleanup_sigs[i], &sa, NULL);
}

/* Verbs of object commands. */

const struct cmd_verb *cmd_verb_current;

void cmd_verb_names(const struct cmd_verb *verbs, FILE *out)
{
	const struct cmd_verb *v;

	for (v = verbs; v->name; v++)
		fprintf(out, "%s%s", v == verbs ? "" : " ", v->name);
	fputc('\n', out);
}

/* "create, info, rm or ls", for messages. */
static const char *cmd_verb_expected(const struct cmd_verb *verbs)
{
	static char list[256];
	const struct cmd_verb *v;
	size_t n = 0;

	list[0] = '\0';
	for (v = verbs; v->name && n < sizeof(list); v++)
		n += (size_t)snprintf(list + n, sizeof(list) - n, "%s%s",
				      v == verbs ? "" : v[1].name ? ", " : " or ", v->name);
	return list;
}

static void cmd_verb_list(const struct cmd_verb *verbs, FILE *out)
{
	const struct cmd_verb *v;

	fprintf(out, "usage: %s VERB [OPTIONS] ...\n\nVerbs:\n", cmd_prog);
	for (v = verbs; v->name; v++)
		fprintf(out, "  %s %s %s\n", cmd_prog, v->name, v->usage);
	fprintf(out, "\nRun '%s VERB --help' for a verb's options; see ipctool-%s(1).\n", cmd_prog,
		cmd_current->name);
}

/*
 * CMD --list-columns, typed before a verb: the columns of the verbs that
 * print a table, once when they share them, else under each verb's name.
 */
static int cmd_verb_list_columns(const struct cmd_verb *verbs)
{
	const struct table_column *first = NULL;
	const struct cmd_verb *v;
	bool shared = true;

	for (v = verbs; v->name; v++) {
		if (!v->table)
			continue;
		if (first && v->table->cols != first)
			shared = false;
		if (!first)
			first = v->table->cols;
	}
	if (!first)
		return cmd_usage_error("--list-columns: no verb of %s prints a table",
				       cmd_current->name);
	for (v = verbs; v->name; v++) {
		if (!v->table || (shared && v->table->cols != first))
			continue;
		if (!shared)
			printf("%s%s %s:\n", v == verbs ? "" : "\n", cmd_current->name, v->name);
		table_columns_help(v->table->cols, v->table->ncols, stdout);
		if (shared)
			break;
	}
	return EXIT_OK;
}

int cmd_verb_run(const struct cmd_verb *verbs, int argc, const char **argv)
{
	static char prog[96];
	const struct cmd_verb *v;

	if (argc < 2)
		return cmd_usage_error("a verb is needed (expected %s)", cmd_verb_expected(verbs));
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		cmd_verb_list(verbs, stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--list-columns") == 0)
		return cmd_verb_list_columns(verbs);
	for (v = verbs; v->name; v++)
		if (strcmp(v->name, argv[1]) == 0)
			break;
	if (!v->name)
		return cmd_usage_error("'%s' is not a verb of %s (expected %s)", argv[1],
				       cmd_current->name, cmd_verb_expected(verbs));
	cmd_verb_current = v;
	cmd_table_columns = v->table;
	snprintf(prog, sizeof(prog), "%s %s", cmd_prog, v->name);
	cmd_prog = prog;
	argv[1] = prog;
	return v->exec(argc - 1, argv + 1);
}
