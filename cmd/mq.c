/*
 * ipctool mq: POSIX (/NAME) and System V (key:, id:, ftok:) message queues:
 * create, info, send, recv, rm, ls.
 */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../lib/mq.h"
#include "../lib/msgend.h"
#include "../lib/table.h"
#include "cmd.h"
#include "xfer.h"

static const char *mq_dir(void)
{
	const char *dir = getenv("IPCTOOL_MQUEUE_DIR");

	return dir && *dir ? dir : MQ_DIR_DEFAULT;
}

/* Parse an OBJECT argument, reporting a malformed one. */
static int mq_parse(const char *text, struct objref *ref)
{
	const char *why;

	if (objref_parse(text, ref, &why) == 0)
		return 0;
	cmd_warnx("'%s' is %s", text, why);
	return -1;
}

/* The verb's own popt context, with its synopsis in --help. */
static poptContext mq_popt(int argc, const char **argv, const struct poptOption *table,
			   const char *usage)
{
	poptContext pc = cmd_popt(argc, argv, table);

	poptSetOtherOptionHelp(pc, usage);
	return pc;
}

/* create */

enum { MQ_MAXMSG = 1, MQ_MSGSIZE, MQ_MODE, MQ_REUSE };

static struct poptOption mq_create_options[] = {
	{ "maxmsg", '\0', POPT_ARG_STRING, NULL, MQ_MAXMSG,
	  "queue depth (POSIX; System V: with --msgsize, the byte limit)", "N" },
	{ "msgsize", '\0', POPT_ARG_STRING, NULL, MQ_MSGSIZE, "largest message", "SIZE" },
	{ "mode", '\0', POPT_ARG_STRING, NULL, MQ_MODE, "permissions (default 0600)", "MODE" },
	{ "reuse", '\0', POPT_ARG_NONE, NULL, MQ_REUSE, "an existing queue is fine", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

static int mq_create(int argc, const char **argv)
{
	poptContext pc = mq_popt(argc, argv, mq_create_options,
				 "OBJECT... [--maxmsg N] [--msgsize SIZE] [--mode MODE] [--reuse]");
	struct xfer_opts o;
	const char **args;
	int opt, nargs, i, rc = EXIT_OK;

	xfer_opts_init(&o);
	o.create = true;
	o.scheme = "mq";
	while ((opt = cmd_popt_next(pc)) > 0) {
		const char *arg = poptGetOptArg(pc);

		if (opt == MQ_MAXMSG && cmd_opt_size("--maxmsg", arg, 1, INT32_MAX, &o.maxmsg) < 0)
			o.error = true;
		else if (opt == MQ_MSGSIZE &&
			 cmd_opt_size("--msgsize", arg, 1, INT32_MAX, &o.msgsize) < 0)
			o.error = true;
		else if (opt == MQ_MODE && cmd_opt_mode("--mode", arg, &o.mode) < 0)
			o.error = true;
		else if (opt == MQ_REUSE)
			o.reuse = true;
		free((void *)arg);
	}
	args = cmd_popt_args(pc, &nargs);
	if (opt < 0 || xfer_check(&o) != EXIT_OK) {
		poptFreeContext(pc);
		return EXIT_USAGE;
	}
	if (nargs == 0) {
		poptFreeContext(pc);
		return cmd_usage_error("missing OBJECT");
	}
	for (i = 0; i < nargs && rc != EXIT_USAGE; i++) {
		struct endpoint ep;
		struct msgend me;
		int r;

		if (xfer_parse_endpoint(&o, args[i], &ep) < 0 || xfer_check_msg(&o, &ep, XFER_RECEIVER)) {
			rc = EXIT_USAGE;
			break;
		}
		r = xfer_open_msg(&me, &o, &ep, XFER_RECEIVER);
		if (r == EXIT_OK)
			msgend_close(&me);
		else
			rc = r;
	}
	poptFreeContext(pc);
	return rc;
}

/* info and ls: one table for both. */

enum {
	COL_NAME, COL_TYPE, COL_KEY, COL_ID, COL_MSGS, COL_BYTES, COL_MAXMSG, COL_MSGSIZE,
	COL_QBYTES, COL_OWNER, COL_GROUP, COL_PERMS, COL_LSPID, COL_LRPID, COL_STIME,
	COL_RTIME, COL_CTIME,
};

static const struct table_column mq_columns[] = {
	[COL_NAME] = { "NAME", "the reference: /NAME, or key:KEY (id:ID for a private key)", 0.2, TABLE_STRING },
	[COL_TYPE] = { "TYPE", "posix or sysv", 5, TABLE_STRING },
	[COL_KEY] = { "KEY", "System V key", 10, TABLE_STRING },
	[COL_ID] = { "ID", "System V identifier", 5, TABLE_NUMBER },
	[COL_MSGS] = { "MSGS", "messages queued", 5, TABLE_NUMBER },
	[COL_BYTES] = { "BYTES", "bytes queued", 6, TABLE_SIZE },
	[COL_MAXMSG] = { "MAXMSG", "most messages (POSIX)", 6, TABLE_NUMBER },
	[COL_MSGSIZE] = { "MSGSIZE", "largest message", 7, TABLE_SIZE },
	[COL_QBYTES] = { "QBYTES", "most bytes queued (System V)", 6, TABLE_SIZE },
	[COL_OWNER] = { "OWNER", "owner", 8, TABLE_STRING },
	[COL_GROUP] = { "GROUP", "group", 8, TABLE_STRING },
	[COL_PERMS] = { "PERMS", "permissions (octal)", 5, TABLE_STRING },
	[COL_LSPID] = { "LSPID", "last sender's pid (System V)", 6, TABLE_NUMBER },
	[COL_LRPID] = { "LRPID", "last receiver's pid (System V)", 6, TABLE_NUMBER },
	[COL_STIME] = { "STIME", "last send (System V)", 19, TABLE_STRING },
	[COL_RTIME] = { "RTIME", "last receive (System V)", 19, TABLE_STRING },
	[COL_CTIME] = { "CTIME", "last change (System V)", 19, TABLE_STRING },
};

#define MQ_NCOLUMNS (sizeof(mq_columns) / sizeof(mq_columns[0]))
#define MQ_LS_COLUMNS "NAME,TYPE,ID,MSGS,BYTES,MAXMSG,MSGSIZE,OWNER,PERMS"
#define MQ_INFO_COLUMNS \
	"NAME,TYPE,KEY,ID,MSGS,BYTES,MAXMSG,MSGSIZE,QBYTES,OWNER,GROUP,PERMS,LSPID,LRPID,STIME,RTIME,CTIME"

static struct table_opts mq_topts;

enum { MQ_OPT_JSON = 1, MQ_OPT_RAW, MQ_OPT_NOHEADINGS, MQ_OPT_COLUMNS, MQ_OPT_BYTES,
       MQ_OPT_LIST_COLUMNS };

static struct poptOption mq_table_options[] = {
	{ "json", 'J', POPT_ARG_NONE, NULL, MQ_OPT_JSON, "JSON output", NULL },
	{ "raw", 'r', POPT_ARG_NONE, NULL, MQ_OPT_RAW, "raw output, no alignment", NULL },
	{ "noheadings", 'n', POPT_ARG_NONE, NULL, MQ_OPT_NOHEADINGS, "no heading line", NULL },
	{ "output", 'o', POPT_ARG_STRING, NULL, MQ_OPT_COLUMNS,
	  "columns to show (+COL,... adds to the default; --list-columns)", "COLUMNS" },
	{ "bytes", '\0', POPT_ARG_NONE, NULL, MQ_OPT_BYTES, "sizes in bytes, not 8K", NULL },
	{ "list-columns", '\0', POPT_ARG_NONE, NULL, MQ_OPT_LIST_COLUMNS, "list the columns", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

static void mq_time(char *buf, size_t len, time_t t)
{
	struct tm tm;

	if (t == 0 || !localtime_r(&t, &tm))
		snprintf(buf, len, "-");
	else
		strftime(buf, len, "%Y-%m-%d %H:%M:%S", &tm);
}

static int mq_row(const struct mq_info *info, void *arg)
{
	struct table *t = arg;
	struct passwd *pw;
	struct group *gr;
	char buf[64];

	table_row(t);
	if (info->sysv) {
		if (info->key == 0)
			snprintf(buf, sizeof(buf), "id:%d", info->id);
		else
			snprintf(buf, sizeof(buf), "key:0x%08x", (unsigned)info->key);
		table_set(t, COL_NAME, buf);
		snprintf(buf, sizeof(buf), "0x%08x", (unsigned)info->key);
		table_set(t, COL_KEY, buf);
		table_set_i64(t, COL_ID, info->id);
		table_set_u64(t, COL_QBYTES, info->qbytes);
		table_set_i64(t, COL_LSPID, info->lspid);
		table_set_i64(t, COL_LRPID, info->lrpid);
		mq_time(buf, sizeof(buf), info->stime);
		table_set(t, COL_STIME, buf);
		mq_time(buf, sizeof(buf), info->rtime);
		table_set(t, COL_RTIME, buf);
		mq_time(buf, sizeof(buf), info->ctime);
		table_set(t, COL_CTIME, buf);
	} else {
		table_set(t, COL_NAME, info->name);
		if (info->msgsize == 0)
			return 0; /* could not be opened: the name only */
		table_set_u64(t, COL_MAXMSG, info->maxmsg);
	}
	table_set(t, COL_TYPE, info->sysv ? "sysv" : "posix");
	table_set_u64(t, COL_MSGS, info->curmsgs);
	table_set_u64(t, COL_BYTES, info->bytes);
	table_set_u64(t, COL_MSGSIZE, info->msgsize);
	pw = getpwuid(info->uid);
	if (pw) {
		table_set(t, COL_OWNER, pw->pw_name);
	} else {
		snprintf(buf, sizeof(buf), "%u", (unsigned)info->uid);
		table_set(t, COL_OWNER, buf);
	}
	gr = getgrgid(info->gid);
	if (gr) {
		table_set(t, COL_GROUP, gr->gr_name);
	} else {
		snprintf(buf, sizeof(buf), "%u", (unsigned)info->gid);
		table_set(t, COL_GROUP, buf);
	}
	snprintf(buf, sizeof(buf), "%04o", (unsigned)info->mode);
	table_set(t, COL_PERMS, buf);
	return 0;
}

static struct table *mq_table(const char *dflt)
{
	const char *bad;
	struct table *t;

	mq_topts.name = "queues";
	t = table_new(mq_columns, MQ_NCOLUMNS, dflt, &mq_topts, &bad);
	if (!t && errno == EINVAL)
		cmd_usage_error("--output: '%s' is not a column (see --list-columns)", bad);
	else if (!t)
		cmd_warn("cannot make a table");
	return t;
}

static int mq_print(struct table *t)
{
	int rc = table_print(t, stdout);

	table_free(t);
	if (rc < 0) {
		cmd_warn("cannot write the table");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Parse a table verb's options; returns -1 (usage), 1 (--list-columns done) or 0. */
static int mq_table_args(poptContext pc)
{
	static char columns[256];
	const char *arg;
	int opt;

	while ((opt = cmd_popt_next(pc)) > 0) {
		switch (opt) {
		case MQ_OPT_JSON:
			mq_topts.json = true;
			break;
		case MQ_OPT_RAW:
			mq_topts.raw = true;
			break;
		case MQ_OPT_NOHEADINGS:
			mq_topts.noheadings = true;
			break;
		case MQ_OPT_BYTES:
			mq_topts.bytes = true;
			break;
		case MQ_OPT_COLUMNS:
			arg = poptGetOptArg(pc);
			snprintf(columns, sizeof(columns), "%s", arg ? arg : "");
			free((void *)arg);
			mq_topts.columns = columns;
			break;
		case MQ_OPT_LIST_COLUMNS:
			table_columns_help(mq_columns, MQ_NCOLUMNS, stdout);
			return 1;
		}
	}
	return opt < 0 ? -1 : 0;
}

static void mq_report(const char *what, const char *text)
{
	if (errno == ENOENT)
		cmd_warnx("cannot %s '%s': %s", what, text, strerror(errno));
	else if (errno == EACCES || errno == EPERM)
		cmd_warnx("cannot %s '%s': %s (owned by someone else?)", what, text, strerror(errno));
	else
		cmd_warn("cannot %s '%s'", what, text);
}

static int mq_info(int argc, const char **argv)
{
	poptContext pc = mq_popt(argc, argv, mq_table_options, "OBJECT... [-J|-r] [-n] [-o COLUMNS] [--bytes]");
	struct table *t = NULL;
	struct mq_info info;
	struct objref ref;
	const char **args;
	int nargs, i, rc = EXIT_OK, r;

	r = mq_table_args(pc);
	args = cmd_popt_args(pc, &nargs);
	if (r != 0) {
		poptFreeContext(pc);
		return r < 0 ? EXIT_USAGE : EXIT_OK;
	}
	if (nargs == 0)
		rc = cmd_usage_error("missing OBJECT");
	for (i = 0; i < nargs && rc == EXIT_OK; i++)
		if (mq_parse(args[i], &ref) < 0)
			rc = EXIT_USAGE;
	if (rc == EXIT_OK && !(t = mq_table(MQ_INFO_COLUMNS)))
		rc = errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
	for (i = 0; i < nargs && t; i++) {
		mq_parse(args[i], &ref);
		if (mq_info_get(&ref, &info) < 0) {
			mq_report("read", args[i]);
			rc = EXIT_FAIL;
			continue;
		}
		mq_row(&info, t);
	}
	if (t && mq_print(t) != EXIT_OK)
		rc = EXIT_FAIL;
	poptFreeContext(pc);
	return rc;
}

static int mq_ls(int argc, const char **argv)
{
	poptContext pc = mq_popt(argc, argv, mq_table_options, "[-J|-r] [-n] [-o COLUMNS] [--bytes]");
	struct table *t;
	const char **args;
	int nargs, r, posix_err, rc = EXIT_OK;

	r = mq_table_args(pc);
	args = cmd_popt_args(pc, &nargs);
	if (r != 0 || nargs > 0) {
		poptFreeContext(pc);
		if (r > 0)
			return EXIT_OK;
		return r < 0 ? EXIT_USAGE : cmd_usage_error("'%s': ls takes no OBJECT", args[0]);
	}
	t = mq_table(MQ_LS_COLUMNS);
	if (!t) {
		poptFreeContext(pc);
		return errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	if (mq_list(mq_dir(), &posix_err, mq_row, t) < 0) {
		cmd_warn("cannot list System V queues");
		rc = EXIT_FAIL;
	}
	if (posix_err == ENODEV)
		cmd_warnx("POSIX queues cannot be listed: no mqueue file system on '%s' "
			  "(mount -t mqueue none %s)", mq_dir(), mq_dir());
	else if (posix_err)
		cmd_warnx("POSIX queues cannot be listed: '%s': %s", mq_dir(), strerror(posix_err));
	if (mq_print(t) != EXIT_OK)
		rc = EXIT_FAIL;
	poptFreeContext(pc);
	return rc;
}

/* rm */

static int mq_rm(int argc, const char **argv)
{
	static struct poptOption table[] = { CMD_HELP_OPTIONS, POPT_TABLEEND };
	poptContext pc = mq_popt(argc, argv, table, "OBJECT...");
	struct objref ref;
	const char **args;
	int opt, nargs, i, rc = EXIT_OK;

	while ((opt = cmd_popt_next(pc)) > 0)
		;
	args = cmd_popt_args(pc, &nargs);
	if (opt < 0)
		rc = EXIT_USAGE;
	else if (nargs == 0)
		rc = cmd_usage_error("missing OBJECT");
	for (i = 0; i < nargs && rc == EXIT_OK; i++)
		if (mq_parse(args[i], &ref) < 0)
			rc = EXIT_USAGE;
	for (i = 0; i < nargs && rc != EXIT_USAGE; i++) {
		mq_parse(args[i], &ref);
		if (ref.is_private) {
			cmd_warnx("cannot remove '%s': key:private names no queue (use id:ID)", args[i]);
			rc = EXIT_FAIL;
		} else if (mq_remove(&ref) < 0) {
			mq_report("remove", args[i]);
			rc = EXIT_FAIL;
		}
	}
	poptFreeContext(pc);
	return rc;
}

/* send and recv: the same as on the endpoint mq:OBJECT. */

static int mq_xfer(int argc, const char **argv, bool send)
{
	static const struct cmd mq_send_cmd = { "mq send", NULL, "[OPTIONS] OBJECT [MESSAGE...]",
						NULL, NULL };
	static const struct cmd mq_recv_cmd = { "mq recv", NULL, "[OPTIONS] OBJECT", NULL,
						NULL };
	const struct cmd *saved = cmd_current;
	int rc;

	cmd_current = send ? &mq_send_cmd : &mq_recv_cmd;
	rc = send ? send_main(argc, argv, "mq") : recv_main(argc, argv, "mq");
	cmd_current = saved;
	return rc;
}

int cmd_mq(int argc, const char **argv)
{
	static const struct {
		const char *verb;
		int (*fn)(int, const char **);
	} verbs[] = {
		{ "create", mq_create },
		{ "info", mq_info },
		{ "rm", mq_rm },
		{ "ls", mq_ls },
	};
	static char prog[64];
	size_t i;

	if (argc < 2)
		return cmd_usage_error("missing verb (create, info, send, recv, rm or ls)");
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0) {
		printf("usage: ipctool mq %s\n\n"
		       "  create OBJECT... [--maxmsg N] [--msgsize SIZE] [--mode MODE] [--reuse]\n"
		       "  info OBJECT... [-J|-r] [-n] [-o COLUMNS] [--bytes]\n"
		       "  send [OPTIONS] OBJECT [MESSAGE...]\n"
		       "  recv [OPTIONS] OBJECT\n"
		       "  rm OBJECT...\n"
		       "  ls [-J|-r] [-n] [-o COLUMNS] [--bytes]\n\n"
		       "OBJECT: /NAME (POSIX), key:KEY, id:ID, ftok:PATH[:PROJ] (System V).\n"
		       "Run 'ipctool mq VERB --help' for a verb's options; see ipctool-mq(1).\n",
		       cmd_current->usage);
		return EXIT_OK;
	}
	snprintf(prog, sizeof(prog), "ipctool mq %s", argv[1]);
	if (strcmp(argv[1], "send") == 0 || strcmp(argv[1], "recv") == 0) {
		bool send = argv[1][0] == 's';

		cmd_prog = prog;
		argv[1] = prog;
		return mq_xfer(argc - 1, argv + 1, send);
	}
	for (i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (strcmp(argv[1], verbs[i].verb) == 0) {
			cmd_prog = prog;
			argv[1] = prog;
			return verbs[i].fn(argc - 1, argv + 1);
		}
	return cmd_usage_error("'%s' is not a verb of mq (expected create, info, send, recv, rm "
			       "or ls)", argv[1]);
}
