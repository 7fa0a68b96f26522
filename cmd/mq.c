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

#include "../lib/json.h"
#include "../lib/mq.h"
#include "../lib/msgend.h"
#include "../lib/table.h"
#include "cmd.h"
#include "cmd_inventory.h"
#include "xfer.h"

/* create */

enum { MQ_MAXMSG = 1, MQ_MSGSIZE, MQ_MODE, MQ_REUSE };

static struct poptOption mq_create_options[] = {
	{ "maxmsg", '\0', POPT_ARG_STRING, NULL, MQ_MAXMSG,
	  "queue depth (POSIX; System V: with --msgsize, the byte limit)", "N" },
	{ "msgsize", '\0', POPT_ARG_STRING, NULL, MQ_MSGSIZE, "largest message", "SIZE" },
	{ "mode", 'm', POPT_ARG_STRING, NULL, MQ_MODE, "permissions (default 0600)", "MODE" },
	{ "reuse", '\0', POPT_ARG_NONE, NULL, MQ_REUSE, "an existing queue is fine", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

static int mq_create(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, mq_create_options);
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
		return cmd_usage_error("an OBJECT is needed");
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
		if (r != EXIT_OK) {
			rc = r;
			continue;
		}
		/* Its only name: on standard output, as shm create prints it. */
		if (ep.obj.is_private)
			cmd_print_private_id(me.id);
		msgend_close(&me);
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

static const struct cmd_columns mq_info_table = { mq_columns, MQ_NCOLUMNS, MQ_INFO_COLUMNS, "queues" };
static const struct cmd_columns mq_ls_table = { mq_columns, MQ_NCOLUMNS, MQ_LS_COLUMNS, "queues" };

static struct poptOption mq_table_options[] = {
	CMD_TABLE_OPTIONS,
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

/* ISO 8601 with the zone, as every command shows times; never (0) is an empty cell. */
static void mq_set_time(struct table *t, size_t col, time_t when)
{
	char buf[JSON_TIME_MAX];

	if (when != 0 && json_time_iso(buf, sizeof(buf), when, -1) > 0)
		table_set(t, col, buf);
}

static int mq_row(const struct mq_info *info, struct table *t)
{
	struct passwd *pw;
	struct group *gr;
	char buf[64];

	table_row(t);
	if (info->sysv) {
		objref_format_existing(NULL, info->key, info->id, buf, sizeof(buf));
		table_set(t, COL_NAME, buf);
		snprintf(buf, sizeof(buf), "0x%08x", (unsigned)info->key);
		table_set(t, COL_KEY, buf);
		table_set_i64(t, COL_ID, info->id);
		table_set_u64(t, COL_QBYTES, info->qbytes);
		table_set_i64(t, COL_LSPID, info->lspid);
		table_set_i64(t, COL_LRPID, info->lrpid);
		mq_set_time(t, COL_STIME, info->stime);
		mq_set_time(t, COL_RTIME, info->rtime);
		mq_set_time(t, COL_CTIME, info->ctime);
	} else {
		table_set_name(t, COL_NAME, info->name);
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

static void mq_report(const char *what, const char *text)
{
	if (errno == ENOENT)
		cmd_warnx("cannot %s '%s': %s%s", what, text, strerror(errno),
			  strcmp(what, "read") == 0 ? cmd_hint_create(text) : "");
	else if (errno == EACCES || errno == EPERM)
		cmd_warnx("cannot %s '%s': %s (owned by someone else?)", what, text, strerror(errno));
	else
		cmd_warn("cannot %s '%s'", what, text);
}

static int mq_info(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, mq_table_options);
	struct table *t = NULL;
	struct mq_info info;
	struct objref ref;
	const char **args;
	int nargs, i, rc = EXIT_OK;

	while ((rc = cmd_popt_next(pc)) > 0)
		;
	args = cmd_popt_args(pc, &nargs);
	if (rc < 0) {
		poptFreeContext(pc);
		return EXIT_USAGE;
	}
	if (nargs == 0)
		rc = cmd_usage_error("an OBJECT is needed");
	for (i = 0; i < nargs && rc == EXIT_OK; i++)
		if (cmd_objref(args[i], &ref) < 0)
			rc = EXIT_USAGE;
	if (rc == EXIT_OK && !(t = cmd_table_new(&mq_info_table)))
		rc = errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
	for (i = 0; i < nargs && t; i++) {
		cmd_objref(args[i], &ref);
		if (mq_info_get(&ref, &info) < 0) {
			mq_report("read", args[i]);
			rc = EXIT_FAIL;
			continue;
		}
		mq_row(&info, t);
	}
	if (t && cmd_table_print(t) != EXIT_OK)
		rc = EXIT_FAIL;
	poptFreeContext(pc);
	return rc;
}

/* A queue of the inventory, as mq info describes one. */
static void mq_info_from_obj(const struct ipcinfo_obj *o, struct mq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->sysv = o->api == IPCINFO_SYSV;
	info->id = info->sysv ? o->id : -1;
	info->key = o->key;
	snprintf(info->name, sizeof(info->name), "%s", o->name);
	/* A POSIX queue we may not open is listed by name only. */
	if (!info->sysv && !(o->has & IPCINFO_HAS_MSGLIMITS))
		return;
	info->maxmsg = o->maxmsg;
	info->msgsize = info->sysv ? sysvmsg_msgmax() : o->msgsize;
	info->curmsgs = o->msgs;
	info->bytes = o->used;
	info->qbytes = info->sysv ? o->size : 0;
	info->uid = o->uid;
	info->gid = o->gid;
	info->mode = o->mode;
	info->lspid = o->lspid;
	info->lrpid = o->lrpid;
	info->stime = o->stime;
	info->rtime = o->rtime;
	info->ctime = info->sysv ? o->ctime : 0;
}

static int mq_ls(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, mq_table_options);
	struct ipcinfo_list list = { 0 };
	struct mq_info info;
	struct table *t;
	const char **args;
	int nargs, r, rc;
	size_t i;

	while ((r = cmd_popt_next(pc)) > 0)
		;
	args = cmd_popt_args(pc, &nargs);
	if (r < 0 || nargs > 0) {
		poptFreeContext(pc);
		return r < 0 ? EXIT_USAGE : cmd_usage_error("'%s': too many arguments", args[0]);
	}
	t = cmd_table_new(&mq_ls_table);
	if (!t) {
		poptFreeContext(pc);
		return errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	rc = cmd_inventory_gather(&list, INVENTORY_MQ | INVENTORY_POSIX | INVENTORY_SYSV);
	for (i = 0; i < list.n; i++) {
		mq_info_from_obj(&list.v[i], &info);
		mq_row(&info, t);
	}
	if (cmd_table_print(t) != EXIT_OK)
		rc = EXIT_FAIL;
	ipcinfo_free(&list);
	poptFreeContext(pc);
	return rc;
}

/* rm */

static int mq_rm(int argc, const char **argv)
{
	static struct poptOption table[] = { CMD_HELP_OPTIONS, POPT_TABLEEND };
	poptContext pc = cmd_popt(argc, argv, table);
	struct objref ref;
	const char **args;
	int opt, nargs, i, rc = EXIT_OK;

	while ((opt = cmd_popt_next(pc)) > 0)
		;
	args = cmd_popt_args(pc, &nargs);
	if (opt < 0)
		rc = EXIT_USAGE;
	else if (nargs == 0)
		rc = cmd_usage_error("an OBJECT is needed");
	for (i = 0; i < nargs && rc == EXIT_OK; i++)
		if (cmd_objref(args[i], &ref) < 0)
			rc = EXIT_USAGE;
	for (i = 0; i < nargs && rc != EXIT_USAGE; i++) {
		cmd_objref(args[i], &ref);
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

static int mq_send(int argc, const char **argv)
{
	return send_main(argc, argv, "mq");
}

static int mq_recv(int argc, const char **argv)
{
	return recv_main(argc, argv, "mq");
}

const struct cmd_verb cmd_mq_verbs[] = {
	{ "create", "OBJECT... [--maxmsg N] [--msgsize SIZE] [--mode MODE] [--reuse]", mq_create,
	  NULL },
	{ "info", "OBJECT... [-J | -r] [-n] [-o COLUMNS] [--bytes]", mq_info, &mq_info_table },
	{ "send", "[OPTIONS] OBJECT [MESSAGE...]", mq_send, NULL },
	{ "recv", "[OPTIONS] OBJECT", mq_recv, NULL },
	{ "rm", "OBJECT...", mq_rm, NULL },
	{ "ls", "[-J | -r] [-n] [-o COLUMNS] [--bytes]", mq_ls, &mq_ls_table },
	{ NULL, NULL, NULL, NULL },
};

int cmd_mq(int argc, const char **argv)
{
	return cmd_verb_run(cmd_mq_verbs, argc, argv);
}
