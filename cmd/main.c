/*
 * ipctool: the command table and dispatch. The table is the single source of
 * truth for the command list in --help, `ipctool help`, the completions and
 * the man pages (tests check that these agree with it).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd.h"
#include "../lib/transport.h"

#ifndef IPCTOOL_VERSION
#define IPCTOOL_VERSION "0.1"
#endif

static int cmd_help(int argc, const char **argv);

const struct cmd cmd_table[] = {
	{ "send", "send standard input or arguments to an endpoint",
	  "[OPTIONS] ENDPOINT [MESSAGE...]", NULL, cmd_send },
	{ "recv", "receive from an endpoint onto standard output",
	  "[OPTIONS] ENDPOINT", NULL, cmd_recv },
	{ "relay", "forward from one endpoint to another, keeping message boundaries",
	  "[OPTIONS] SOURCE DEST", NULL, cmd_relay },
	{ "mq", "create, inspect, use and remove message queues",
	  "create|info|send|recv|rm|ls [OPTIONS] [OBJECT...]", "create info send recv rm ls",
	  cmd_mq },
	{ "shm", "create, attach, inspect and remove shared memory segments",
	  "create OBJECT -s SIZE [--mode M] | attach OBJECT [--read | --write] [--hold[=D]] | "
	  "info OBJECT [-J] | rm OBJECT... | ls [-J]", "create attach info rm ls", cmd_shm },
	{ "fifo", "create, inspect and remove named pipes",
	  "create PATH... [--mode M] | info PATH... | rm PATH...", "create info rm", cmd_fifo },
	{ "sem", "create, wait for and post semaphores; run a command holding one",
	  "create | wait | post | get | rm | run OBJECT [OPTIONS] [-- COMMAND...]",
	  "create wait post get rm run", cmd_sem },
	{ "signal", "send a signal with a value, wait for signals, list them",
	  "send PID SIGNAL [--value N] | wait SIGNAL... [-t D] [-c N] [--pidfile FILE] [-J] | list",
	  "send wait list", cmd_signal },
	{ "ls", "list IPC objects and who uses them, or the kernel limits",
	  "[-t TYPES] [--limits] [-o COLUMNS] [-J | -r] [-n] [--bytes] [NAME...]", NULL, cmd_ls },
	{ "rm", "remove IPC objects, FIFOs and stale socket files",
	  "[--stale] [--dry-run] [-v] REF... | --all[=KIND] [--stale] [--dry-run] [-v]", NULL,
	  cmd_rm },
	{ "bench", "measure latency and throughput of every IPC mechanism",
	  "[MECHANISM | ENDPOINT]... [--latency | --throughput] [-s SIZES] [-n COUNT | -d DURATION] "
	  "[--warmup N] [--pin CPU,CPU] [-J | --csv | --markdown | --chart]",
	  NULL, cmd_bench },
	{ "help", "show the command list, or a command's help",
	  "[COMMAND | --commands | --endpoints | --verbs COMMAND]", NULL, cmd_help },
	{ NULL, NULL, NULL, NULL, NULL },
};

const struct cmd *cmd_find(const char *name)
{
	const struct cmd *c;

	for (c = cmd_table; c->name; c++)
		if (strcmp(c->name, name) == 0)
			return c;
	return NULL;
}

/* The endpoint forms of the transport table, wrapped at 80 columns. */
static void main_usage_endpoints(FILE *out)
{
	char forms[512], *form, *next;
	size_t col;

	transport_forms(forms, sizeof(forms), ", ", ", ");
	col = (size_t)fprintf(out, "Endpoints:");
	for (form = forms; form; form = next) {
		next = strstr(form, ", ");
		if (next) {
			*next = '\0';
			next += 2;
		}
		/* A space, the form and its comma must fit. */
		if (col + 1 + strlen(form) + 1 > 80) {
			fprintf(out, "\n ");
			col = 1;
		}
		col += (size_t)fprintf(out, " %s%s", form, next ? "," : "");
	}
	fputc('\n', out);
}

static void main_usage(FILE *out)
{
	const struct cmd *c;

	fprintf(out, "usage: ipctool [-h | -V] COMMAND [ARGS...]\n\n"
		     "Move data through, inspect and measure Unix IPC mechanisms.\n\n"
		     "Commands:\n");
	for (c = cmd_table; c->name; c++)
		fprintf(out, "  %-8s %s\n", c->name, c->summary);
	fputc('\n', out);
	main_usage_endpoints(out);
	fprintf(out, "Objects: /NAME, key:KEY, id:ID, ftok:PATH[:PROJ]\n\n"
		     "Run 'ipctool help COMMAND' or 'ipctool COMMAND --help' for a command's options;\n"
		     "see ipctool(1) and ipctool-endpoints(7).\n");
}

static int cmd_run(const struct cmd *c, int argc, const char **argv)
{
	static char prog[64];
	int rc;

	snprintf(prog, sizeof(prog), "ipctool %s", c->name);
	cmd_prog = prog;
	cmd_current = c;
	/* popt names the program after argv[0] in --help. */
	argv[0] = prog;
	rc = c->exec(argc, argv);
	if (rc == EXIT_USAGE && cmd_verb_current) {
		fprintf(stderr, "usage: ipctool %s %s %s\n", c->name, cmd_verb_current->name,
			cmd_verb_current->usage);
		fprintf(stderr, "Try 'ipctool %s %s --help' for more information.\n", c->name,
			cmd_verb_current->name);
	} else if (rc == EXIT_USAGE) {
		fprintf(stderr, "usage: ipctool %s %s\n", c->name, c->usage);
		fprintf(stderr, "Try 'ipctool %s --help' for more information.\n", c->name);
	}
	return rc;
}

static int cmd_help(int argc, const char **argv)
{
	const struct cmd *c;
	const char *args[] = { NULL, "--help", NULL };
	size_t i;

	if (argc < 2) {
		main_usage(stdout);
		return EXIT_OK;
	}
	if (argc == 3 && strcmp(argv[1], "--verbs") == 0) {
		/* For completions: an object command's verbs, one a line. */
		c = cmd_find(argv[2]);
		if (!c)
			return cmd_usage_error("'%s' is not an ipctool command", argv[2]);
		if (c->verbs)
			printf("%s\n", c->verbs);
		return EXIT_OK;
	}
	if (argc > 2)
		return cmd_usage_error("too many arguments");
	if (strcmp(argv[1], "--commands") == 0) {
		for (c = cmd_table; c->name; c++)
			puts(c->name);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--endpoints") == 0) {
		/* One transport a line: its forms first (the completions take
		 * the schemes from there), then what it carries. */
		for (i = 0; i < transport_count; i++)
			printf("%-21s  %-7s  %s\n", transport_table[i].forms,
			       transport_table[i].caps & TP_MESSAGE ? "message" : "stream",
			       transport_table[i].summary);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		printf("Usage: ipctool help %s\n", cmd_current->usage);
		return EXIT_OK;
	}
	c = cmd_find(argv[1]);
	if (!c)
		return cmd_usage_error("'%s' is not an ipctool command", argv[1]);
	args[0] = c->name;
	return cmd_run(c, 2, args);
}

/* stdout is flushed and checked at exit: a full disk is an error. */
static int main_close_stdout(int rc)
{
	if (fflush(stdout) != 0 || ferror(stdout) || (close(STDOUT_FILENO) < 0 && errno != EBADF)) {
		if (errno == 0)
			errno = EIO;
		cmd_warn("error writing standard output");
		return rc == EXIT_OK ? EXIT_FAIL : rc;
	}
	return rc;
}

int main(int argc, const char **argv)
{
	const char *base = strrchr(argv[0], '/');
	const struct cmd *c;
	int rc;

	base = base ? base + 1 : argv[0];
	/* A peer that goes away is reported from write(2), not by dying. */
	signal(SIGPIPE, SIG_IGN);

	if (strncmp(base, "ipctool-", 8) == 0) {
		c = cmd_find(base + 8);
		if (!c) {
			fprintf(stderr, "ipctool: '%s' is not an ipctool command\n", base + 8);
			return EXIT_USAGE;
		}
		return main_close_stdout(cmd_run(c, argc, argv));
	}
	if (argc < 2) {
		main_usage(stderr);
		return EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		main_usage(stdout);
		return main_close_stdout(EXIT_OK);
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("ipctool %s\n", IPCTOOL_VERSION);
		return main_close_stdout(EXIT_OK);
	}
	if (argv[1][0] == '-') {
		fprintf(stderr, "ipctool: '%s' is not an option; the command comes first\n", argv[1]);
		fprintf(stderr, "Try 'ipctool --help' for more information.\n");
		return EXIT_USAGE;
	}
	c = cmd_find(argv[1]);
	if (!c) {
		fprintf(stderr, "ipctool: '%s' is not an ipctool command\n", argv[1]);
		fprintf(stderr, "Try 'ipctool help' for the list of commands.\n");
		return EXIT_USAGE;
	}
	rc = cmd_run(c, argc - 1, argv + 1);
	return main_close_stdout(rc);
}
