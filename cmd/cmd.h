/* What every command shares: the command table, exit codes, messages, options. */
#ifndef IPCTOOL_CMD_H
#define IPCTOOL_CMD_H

#include <popt.h>
#include <signal.h>
#include <spawn.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "../lib/framing.h"
#include "../lib/objref.h"
#include "../lib/table.h"

/* Exit codes (DESIGN section 5). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_TIMEOUT = 124,
	/* Or'ed into a child's status (sem run): exit with it as it is, no usage line. */
	EXIT_PASSTHROUGH = 0x100,
};

struct cmd_verb;

struct cmd {
	const char *name;
	const char *summary;	/* one line for the command list */
	const char *usage;	/* synopsis after "ipctool NAME", as in the man page */
	const struct cmd_verb *verbs;	/* object commands: their verb table */
	int (*exec)(int argc, const char **argv);
};

/* The one command table, in cmd/main.c. */
extern const struct cmd cmd_table[];
const struct cmd *cmd_find(const char *name);

int cmd_send(int argc, const char **argv);
int cmd_recv(int argc, const char **argv);
/* send and recv with a scheme before ENDPOINT ("mq" for `mq send OBJECT`), or NULL. */
int send_main(int argc, const char **argv, const char *scheme);
int recv_main(int argc, const char **argv, const char *scheme);
int cmd_relay(int argc, const char **argv);
int cmd_call(int argc, const char **argv);
int cmd_serve(int argc, const char **argv);
int cmd_mq(int argc, const char **argv);
int cmd_shm(int argc, const char **argv);
int cmd_fifo(int argc, const char **argv);
int cmd_sem(int argc, const char **argv);
int cmd_signal(int argc, const char **argv);
int cmd_ls(int argc, const char **argv);
int cmd_rm(int argc, const char **argv);
int cmd_bench(int argc, const char **argv);

/*
 * The names an option's parser takes, for completion (cmd/help_complete.c):
 * the i-th, or NULL past the last. Each reads the table its parser uses, so
 * completion offers exactly what the command accepts.
 */
const char *ls_type_name(size_t i);		/* ls --type */
const char *ls_time_format_name(size_t i);	/* ls --time-format */
const char *rm_kind_name(size_t i);		/* rm --all=KIND */

/* The version --version prints ("0.2.0"), for reports such as bench -J. */
extern const char cmd_version[];

/* "ipctool send", for messages; set by main before a command runs. */
extern const char *cmd_prog;
/*
 * The standard descriptors (bit fd) that were closed when ipctool started:
 * main holds each with a placeholder that every read and write fails
 * (nothing of ours goes astray), and that closes on exec.
 */
extern unsigned cmd_std_closed;
/* In a child about to exec a command: those descriptors become /dev/null,
 * so that the command's first open(2) is not its standard error. */
void cmd_std_for_exec(void);
/* The same for posix_spawn, but for the descriptors in given (bit fd),
 * which the caller's file actions set. */
void cmd_std_spawn_actions(posix_spawn_file_actions_t *fa, unsigned given);
extern const struct cmd *cmd_current;

/*
 * A table's columns, as -o, --list-columns, --help and JSON take them: the
 * column set, the default -o list and the JSON array name.
 */
struct cmd_columns {
	const struct table_column *cols;
	size_t ncols;
	const char *columns;
	const char *name;
};

/*
 * Object commands (`ipctool fifo create ...`): a table of verbs, each with
 * its synopsis (after "ipctool CMD VERB"), exec, and the columns of the
 * table it prints, if any (listed in its --help). cmd_verb_run is the one
 * dispatcher: it runs the verb named by argv[1] with argv[0] and cmd_prog
 * set to "ipctool CMD VERB", so that messages and the verb's --help name
 * it; a missing or unknown verb is a usage error in the same words for
 * every command. cmd_verb_current is the verb running, for the usage line.
 */
struct cmd_verb {
	const char *name;
	const char *usage;
	int (*exec)(int argc, const char **argv);
	const struct cmd_columns *table;
};
int cmd_verb_run(const struct cmd_verb *verbs, int argc, const char **argv);
/* The verb tables, in each command's file; cmd_table names them for `help --verbs`. */
extern const struct cmd_verb cmd_mq_verbs[], cmd_shm_verbs[], cmd_fifo_verbs[],
	cmd_sem_verbs[], cmd_signal_verbs[];
extern const struct cmd_verb *cmd_verb_current;
/* The verb names, space-separated, for `ipctool help --verbs`. */
void cmd_verb_names(const struct cmd_verb *verbs, FILE *out);

/* "ipctool CMD: MESSAGE" on stderr. */
void cmd_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with ": strerror(errno)" appended. */
void cmd_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Report a usage error and return EXIT_USAGE; main adds the usage line. */
int cmd_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* EXIT_TIMEOUT for ETIMEDOUT/EAGAIN, EXIT_FAIL otherwise. */
int cmd_status_for_errno(int err);

/*
 * popt: a context for a command's table, and the option loop. cmd_popt_next
 * returns the next option's val (> 0), 0 at the end, or -1 after reporting a
 * bad option (the command returns EXIT_USAGE).
 */
poptContext cmd_popt(int argc, const char **argv, const struct poptOption *table);
/*
 * Set by `help --complete` (cmd/help_complete.c): cmd_popt hands the command's
 * table to it, and it completes and exits, so that completion sees every
 * option a command has. A command that makes its own context calls it too.
 */
extern void (*cmd_popt_hook)(const struct poptOption *table);
/* `ipctool help --complete [--] WORD...`: the candidates for the last WORD. */
int cmd_complete(int argc, const char **argv);
int cmd_popt_next(poptContext pc);
/* -h/--help and --usage for every command's table: CMD_HELP_OPTIONS. */
extern struct poptOption cmd_help_options[];
#define CMD_HELP_OPTIONS \
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cmd_help_options, 0, "Help options:", NULL }
/* The remaining arguments, NULL-terminated; *n gets their count. */
const char **cmd_popt_args(poptContext pc, int *n);

/*
 * The table options of every command that prints a table: -J, -r, -n,
 * -o COLUMNS, --bytes, --list-columns (lsipc's flags). The table's callback
 * fills cmd_table_opts; --list-columns lists cmd_table_columns (set by
 * cmd_verb_run from the verb, or by the command) and exits.
 */
extern struct table_opts cmd_table_opts;
extern const struct cmd_columns *cmd_table_columns;
extern struct poptOption cmd_table_options[];
#define CMD_TABLE_OPTIONS \
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cmd_table_options, 0, "Table options:", NULL }
/* A table of those columns with the options given; NULL after reporting
 * (errno EINVAL: an unknown column, a usage error). */
struct table *cmd_table_new(const struct cmd_columns *spec);
/* Print the table to stdout and free it: EXIT_OK, or EXIT_FAIL after reporting. */
int cmd_table_print(struct table *t);

/*
 * The hint after "No such file or directory" for an object a verb did not
 * find: " (create it with 'ipctool CMD create TEXT')".
 */
const char *cmd_hint_create(const char *text);

/* Parse an OBJECT argument; a malformed one is reported and -1 returned. */
int cmd_objref(const char *text, struct objref *ref);
/* Print "id:N", the one reference of a new key:private object, on stdout. */
void cmd_print_private_id(int id);
/* Value parsers that report "ipctool X: --opt: 'v' is ...": 0 or -1. */
int cmd_opt_size(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out);
/* A ring's --capacity: a power of two from RING_MIN_CAPACITY to RING_MAX_CAPACITY. */
int cmd_opt_capacity(const char *text, uint64_t *out);
int cmd_opt_duration(const char *opt, const char *text, int64_t *ms);
int cmd_opt_mode(const char *opt, const char *text, mode_t *out);
int cmd_opt_number(const char *opt, const char *text, long long min, long long max,
		   long long *out);

/*
 * Clean-up on exit and on SIGINT/SIGTERM/SIGHUP: registered actions run once,
 * in reverse order, then a signal exits with 128+N. Actions must be
 * async-signal-safe.
 */
void cleanup_push(void (*fn)(void *), void *arg);
void cleanup_run(void);
/*
 * Hold SIGINT, SIGTERM and SIGHUP from before an object is made until its
 * clean-up is pushed: a signal between the two would leave it behind. Only
 * around calls that do not wait.
 */
void cleanup_hold(sigset_t *old);
void cleanup_release(const sigset_t *old);
void cleanup_signals(void);

#endif
