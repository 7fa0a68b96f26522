/* What every command shares: the command table, exit codes, messages, options. */
#ifndef IPCTOOL_CMD_H
#define IPCTOOL_CMD_H

#include <popt.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/framing.h"

/* Exit codes (DESIGN section 5). */
enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_TIMEOUT = 124,
};

struct cmd {
	const char *name;
	const char *summary;	/* one line for the command list */
	const char *usage;	/* synopsis after "ipctool NAME", as in the man page */
	const char *verbs;	/* object commands: "create info rm", for completions */
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
int cmd_mq(int argc, const char **argv);
int cmd_shm(int argc, const char **argv);
int cmd_fifo(int argc, const char **argv);
int cmd_sem(int argc, const char **argv);
int cmd_signal(int argc, const char **argv);
int cmd_ls(int argc, const char **argv);
int cmd_rm(int argc, const char **argv);
int cmd_bench(int argc, const char **argv);

/* "ipctool send", for messages; set by main before a command runs. */
extern const char *cmd_prog;
extern const struct cmd *cmd_current;

/*
 * Object commands (`ipctool fifo create ...`): a table of verbs, each with
 * its synopsis (after "ipctool CMD VERB") and exec. cmd_verb_run runs the
 * verb named by argv[1] with argv[0] = "ipctool CMD VERB", so that its popt
 * table gives the verb's own --help; a missing or unknown verb is a usage
 * error. cmd_verb_current is the verb running, for the usage line.
 */
struct cmd_verb {
	const char *name;
	const char *usage;
	int (*exec)(int argc, const char **argv);
};
int cmd_verb_run(const struct cmd_verb *verbs, int argc, const char **argv);
extern const struct cmd_verb *cmd_verb_current;

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
int cmd_popt_next(poptContext pc);
/* -h/--help and --usage for every command's table: CMD_HELP_OPTIONS. */
extern struct poptOption cmd_help_options[];
#define CMD_HELP_OPTIONS \
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, cmd_help_options, 0, "Help options:", NULL }
/* The remaining arguments, NULL-terminated; *n gets their count. */
const char **cmd_popt_args(poptContext pc, int *n);

/* Value parsers that report "ipctool X: --opt: 'v' is ...": 0 or -1. */
int cmd_opt_size(const char *opt, const char *text, uint64_t min, uint64_t max, uint64_t *out);
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
void cleanup_signals(void);

#endif
