/*
 * ipctool ls: every IPC object on the machine in one table, with the
 * processes that use it; --limits: the kernel limits and their use. The
 * gathering is lib/ipcinfo.c; this file only selects and formats.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <libutil.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <time.h>

#include "../lib/ipcinfo.h"
#include "../lib/ipcref.h"
#include "../lib/json.h"
#include "../lib/table.h"
#include "cmd.h"
#include "cmd_inventory.h"

enum {
	COL_KIND, COL_API, COL_NAME, COL_KEY, COL_ID, COL_OWNER, COL_GROUP, COL_CREATOR,
	COL_CGROUP, COL_PERMS, COL_MODE, COL_SIZE, COL_USED, COL_MSGS, COL_MAXMSG, COL_MSGSIZE,
	COL_VALUE, COL_NSEMS, COL_ATTACH, COL_CPID, COL_LPID, COL_LSPID, COL_LRPID, COL_NOTIFY,
	COL_MTIME, COL_CTIME, COL_STATUS, COL_PROCS, COL_REF,
};

static const struct table_column ls_columns[] = {
	[COL_KIND] = { "KIND", "mq, shm, sem, ring (an ipctool ring) or socket", 1, TABLE_STRING },
	[COL_API] = { "API", "posix, sysv or unix", 1, TABLE_STRING },
	[COL_NAME] = { "NAME", "/NAME, key:KEY or id:ID (System V), or a socket's path", 0.2,
		       TABLE_STRING },
	[COL_KEY] = { "KEY", "System V key", 1, TABLE_STRING },
	[COL_ID] = { "ID", "System V identifier, or a socket's inode", 1, TABLE_NUMBER },
	[COL_OWNER] = { "OWNER", "owner's user name", 1, TABLE_STRING },
	[COL_GROUP] = { "GROUP", "owner's group name", 1, TABLE_STRING },
	[COL_CREATOR] = { "CREATOR", "creator's user name (System V)", 1, TABLE_STRING },
	[COL_CGROUP] = { "CGROUP", "creator's group name (System V)", 1, TABLE_STRING },
	[COL_PERMS] = { "PERMS", "permissions, as ls(1) shows them (octal with -P)", 1,
			TABLE_STRING },
	[COL_MODE] = { "MODE", "permissions in octal", 1, TABLE_STRING },
	[COL_SIZE] = { "SIZE", "bytes a segment or queue can hold", 1, TABLE_SIZE },
	[COL_USED] = { "USED", "bytes queued, or resident bytes of a segment", 1, TABLE_SIZE },
	[COL_MSGS] = { "MSGS", "messages queued", 1, TABLE_NUMBER },
	[COL_MAXMSG] = { "MAXMSG", "POSIX queue: most messages it holds", 1, TABLE_NUMBER },
	[COL_MSGSIZE] = { "MSGSIZE", "POSIX queue: largest message", 1, TABLE_NUMBER },
	[COL_VALUE] = { "VALUE", "semaphore value (a set's values, comma-separated)", 1,
			TABLE_STRING },
	[COL_NSEMS] = { "NSEMS", "semaphores in the set", 1, TABLE_NUMBER },
	[COL_ATTACH] = { "ATTACH", "processes attached (System V nattch) or having it open", 1,
			 TABLE_NUMBER },
	[COL_CPID] = { "CPID", "creator's pid", 1, TABLE_NUMBER },
	[COL_LPID] = { "LPID", "pid of the last attach, detach, send, receive or semop", 1,
		       TABLE_NUMBER },
	[COL_LSPID] = { "LSPID", "System V queue: pid of the last send", 1, TABLE_NUMBER },
	[COL_LRPID] = { "LRPID", "System V queue: pid of the last receive", 1, TABLE_NUMBER },
	[COL_NOTIFY] = { "NOTIFY", "POSIX queue: pid registered with mq_notify", 1,
			 TABLE_NUMBER },
	[COL_MTIME] = { "MTIME", "last use (send, receive, attach, semop, write)", 1,
			TABLE_STRING },
	[COL_CTIME] = { "CTIME", "last change of its attributes", 1, TABLE_STRING },
	[COL_STATUS] = { "STATUS", "dest, locked (System V); a socket's type and state", 1,
			 TABLE_STRING },
	[COL_PROCS] = { "PROCS", "processes that have it mapped or open: PID(COMMAND),...", 0.3,
			TABLE_STRING },
	[COL_REF] = { "REF", "the reference ipctool rm takes", 0.2, TABLE_STRING },
};

#define LS_NCOLUMNS (sizeof(ls_columns) / sizeof(ls_columns[0]))
/* The default fits 80 columns (NAME and PROCS are cut on a terminal); --wide is the rest. */
#define LS_DEFAULT "KIND,NAME,ID,OWNER,PERMS,SIZE,USED,MSGS,VALUE,PROCS"
#define LS_WIDE "KIND,NAME,ID,OWNER,PERMS,SIZE,USED,MSGS,VALUE,ATTACH,LPID,MTIME,STATUS,PROCS"

/* ls -i: every column, and a System V set's members. */
#define LS_ALL                                                                              \
	"KIND,API,NAME,KEY,ID,OWNER,GROUP,CREATOR,CGROUP,PERMS,MODE,SIZE,USED,MSGS,MAXMSG,"  \
	"MSGSIZE,VALUE,NSEMS,ATTACH,CPID,LPID,LSPID,LRPID,NOTIFY,MTIME,CTIME,STATUS,PROCS,REF"

enum { SEM_NUM, SEM_VALUE, SEM_NCNT, SEM_ZCNT, SEM_PID };

static const struct table_column ls_sem_columns[] = {
	[SEM_NUM] = { "SEMNUM", "the member's index in the set", 1, TABLE_NUMBER },
	[SEM_VALUE] = { "VALUE", "its value", 1, TABLE_NUMBER },
	[SEM_NCNT] = { "NCNT", "processes waiting for it to increase", 1, TABLE_NUMBER },
	[SEM_ZCNT] = { "ZCNT", "processes waiting for it to become zero", 1, TABLE_NUMBER },
	[SEM_PID] = { "PID", "pid of its last semop (0: none yet)", 1, TABLE_NUMBER },
};

#define LS_NSEM_COLUMNS (sizeof(ls_sem_columns) / sizeof(ls_sem_columns[0]))
#define LS_SEM_DEFAULT "SEMNUM,VALUE,NCNT,ZCNT,PID"

enum { LIM_RESOURCE, LIM_DESCRIPTION, LIM_LIMIT, LIM_USED, LIM_USE };

static const struct table_column ls_limit_columns[] = {
	[LIM_RESOURCE] = { "RESOURCE", "the limit's name", 1, TABLE_STRING },
	[LIM_DESCRIPTION] = { "DESCRIPTION", "what it limits", 0.3, TABLE_STRING },
	[LIM_LIMIT] = { "LIMIT", "the limit (empty: unlimited)", 1, TABLE_NUMBER },
	[LIM_USED] = { "USED", "current use: count, total, or the largest object", 1,
		       TABLE_NUMBER },
	[LIM_USE] = { "USE%", "use in percent of the limit (JSON: a number)", 1, TABLE_NUMBER },
};

#define LS_NLIMIT_COLUMNS (sizeof(ls_limit_columns) / sizeof(ls_limit_columns[0]))
#define LS_LIMIT_DEFAULT "RESOURCE,DESCRIPTION,LIMIT,USED,USE%"

/* Kinds and APIs selected by -t. */
enum {
	LS_MQ = INVENTORY_MQ, LS_SHM = INVENTORY_SHM, LS_SEM = INVENTORY_SEM,
	LS_RING = INVENTORY_RING, LS_SOCKET = INVENTORY_SOCKET,
	LS_POSIX = INVENTORY_POSIX, LS_SYSV = INVENTORY_SYSV,
};
#define LS_KINDS (LS_MQ | LS_SHM | LS_SEM | LS_RING | LS_SOCKET)
#define LS_APIS (LS_POSIX | LS_SYSV)

static int ls_show_limits, ls_creator, ls_pids, ls_times, ls_numeric_perms, ls_notruncate,
	ls_wide;
static char *ls_types, *ls_time_format, *ls_id;
static unsigned ls_kinds;	/* -q, -m, -s */

/* --time-format; JSON is always iso. */
enum ls_time_format { LS_TIME_ISO, LS_TIME_SHORT, LS_TIME_FULL };
static enum ls_time_format ls_time_fmt;

static const struct cmd_columns ls_table = { ls_columns, LS_NCOLUMNS, LS_DEFAULT, "ipc" };
static const struct cmd_columns ls_wide_table = { ls_columns, LS_NCOLUMNS, LS_WIDE, "ipc" };
static const struct cmd_columns ls_detail_table = { ls_columns, LS_NCOLUMNS, LS_ALL, "ipc" };
static const struct cmd_columns ls_limit_table = {
	ls_limit_columns, LS_NLIMIT_COLUMNS, LS_LIMIT_DEFAULT, "limits",
};

static void ls_help_callback(poptContext pc, enum poptCallbackReason reason,
			     const struct poptOption *opt, const char *arg, const void *data)
{
	(void)reason;
	(void)arg;
	(void)data;
	if (opt->val == 'h') {
		poptPrintHelp(pc, stdout, 0);
		printf("\nColumns (default %s):\n", LS_DEFAULT);
		table_columns_help(ls_columns, LS_NCOLUMNS, stdout);
		printf("\nColumns with --limits:\n");
		table_columns_help(ls_limit_columns, LS_NLIMIT_COLUMNS, stdout);
	} else {
		poptPrintUsage(pc, stdout, 0);
	}
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL);
}

/* Like CMD_HELP_OPTIONS, with the column list after the options. */
static struct poptOption ls_help_options[] = {
	{ NULL, '\0', POPT_ARG_CALLBACK, (void *)ls_help_callback, 0, NULL, NULL },
	{ "help", 'h', POPT_ARG_NONE, NULL, 'h', "show this help and the columns, and exit", NULL },
	{ "usage", '\0', POPT_ARG_NONE, NULL, 'u', "show a short usage line and exit", NULL },
	POPT_TABLEEND
};

enum { LS_OPT_QUEUES = 1, LS_OPT_SHMEMS, LS_OPT_SEMAPHORES, LS_OPT_EXPORT };

/* lsipc's and ipcs's options where they mean something here (see ipctool-ls(1)). */
static struct poptOption ls_options[] = {
	{ "type", 't', POPT_ARG_STRING, &ls_types, 0,
	  "what to list, comma-separated: mq (queues), shm (shmems), sem (semaphores), ring, "
	  "socket, posix, sysv, all (default: all but socket)", "TYPES" },
	{ "queues", 'q', POPT_ARG_NONE, NULL, LS_OPT_QUEUES, "message queues (-t mq)", NULL },
	{ "shmems", 'm', POPT_ARG_NONE, NULL, LS_OPT_SHMEMS, "shared memory and rings (-t shm)",
	  NULL },
	{ "semaphores", 's', POPT_ARG_NONE, NULL, LS_OPT_SEMAPHORES, "semaphores (-t sem)", NULL },
	{ "id", 'i', POPT_ARG_STRING, &ls_id, 0,
	  "details of the System V object ID, with each semaphore of a set", "ID" },
	{ "limits", '\0', POPT_ARG_NONE, &ls_show_limits, 0,
	  "show every kernel limit with its current use", NULL },
	{ "export", 'e', POPT_ARG_NONE, NULL, LS_OPT_EXPORT,
	  "NAME=\"value\" pairs, a line per object, for eval", NULL },
	{ "creator", 'c', POPT_ARG_NONE, &ls_creator, 0,
	  "add the creator's and the owner's user and group (ipcs -c)", NULL },
	{ "pid", 'p', POPT_ARG_NONE, &ls_pids, 0, "add the creator's and the last pid (ipcs -p)",
	  NULL },
	{ "time", '\0', POPT_ARG_NONE, &ls_times, 0, "add the times of last use and change",
	  NULL },
	{ "numeric-perms", 'P', POPT_ARG_NONE, &ls_numeric_perms, 0, "PERMS in octal", NULL },
	{ "time-format", '\0', POPT_ARG_STRING, &ls_time_format, 0,
	  "times as short, full or iso (default iso; JSON: always iso)", "FORMAT" },
	{ "notruncate", '\0', POPT_ARG_NONE, &ls_notruncate, 0,
	  "never cut NAME or PROCS to fit the terminal", NULL },
	{ "wide", '\0', POPT_ARG_NONE, &ls_wide, 0,
	  "the wide default: also ATTACH, LPID, MTIME, STATUS", NULL },
	CMD_TABLE_OPTIONS,
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, ls_help_options, 0, "Help options:", NULL },
	POPT_TABLEEND
};

/* What -t takes; completion offers the same names (ls_type_name). */
static const struct {
	const char *name;
	unsigned bits;
} ls_type_names[] = {
	{ "mq", LS_MQ }, { "shm", LS_SHM | LS_RING }, { "sem", LS_SEM },
	{ "ring", LS_RING }, { "socket", LS_SOCKET }, { "unix", LS_SOCKET },
	{ "posix", LS_POSIX }, { "sysv", LS_SYSV }, { "all", LS_KINDS },
	/* util-linux's names (lsipc --queues, ipcs -q "msg", ...). */
	{ "msg", LS_MQ }, { "queue", LS_MQ }, { "queues", LS_MQ },
	{ "shmem", LS_SHM | LS_RING }, { "shmems", LS_SHM | LS_RING },
	{ "semaphore", LS_SEM }, { "semaphores", LS_SEM },
};
#define LS_NTYPE_NAMES (sizeof(ls_type_names) / sizeof(ls_type_names[0]))

const char *ls_type_name(size_t i)
{
	return i < LS_NTYPE_NAMES ? ls_type_names[i].name : NULL;
}

static int ls_parse_types(const char *text, unsigned *sel)
{
	const char *p = text, *end;
	size_t i;

	*sel = 0;
	while (*p) {
		end = strchrnul(p, ',');
		for (i = 0; i < LS_NTYPE_NAMES; i++)
			if (strlen(ls_type_names[i].name) == (size_t)(end - p) &&
			    strncmp(ls_type_names[i].name, p, (size_t)(end - p)) == 0)
				break;
		if (i == LS_NTYPE_NAMES) {
			cmd_warnx("--type: '%.*s' is not a type (expected mq, shm, sem, ring, "
				  "socket, posix, sysv or all)", (int)(end - p), p);
			return -1;
		}
		*sel |= ls_type_names[i].bits;
		p = *end ? end + 1 : end;
	}
	return 0;
}

/* What -t and -q/-m/-s left unsaid: every kind but sockets, both APIs. */
static unsigned ls_sel_defaults(unsigned sel)
{
	if (!(sel & LS_KINDS))
		sel |= LS_KINDS & ~LS_SOCKET;
	if (!(sel & LS_APIS))
		sel |= LS_APIS;
	return sel;
}

static bool ls_selected(unsigned sel, const struct ipcinfo_obj *o)
{
	static const unsigned kind_bits[] = { LS_MQ, LS_SHM, LS_SEM, LS_RING, LS_SOCKET };

	if (!(sel & kind_bits[o->kind]))
		return false;
	if (o->api == IPCINFO_POSIX)
		return sel & LS_POSIX;
	if (o->api == IPCINFO_SYSV)
		return sel & LS_SYSV;
	return true;
}

static int ls_obj_cmp(const void *a, const void *b)
{
	const struct ipcinfo_obj *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind < y->kind ? -1 : 1;
	if (x->api != y->api)
		return x->api < y->api ? -1 : 1;
	if (x->api == IPCINFO_SYSV)
		return (x->id > y->id) - (x->id < y->id);
	if (x->kind == IPCINFO_SOCKET && strcmp(x->name, y->name) == 0)
		return (x->ino > y->ino) - (x->ino < y->ino);
	return strcmp(x->name, y->name);
}

/* Names of users and groups, looked up once: 10,000 objects share a few. */
struct ls_name {
	unsigned id;
	bool group;
	char name[40];
};

static struct ls_name ls_names[64];
static size_t ls_nnames;

static const char *ls_name_of(unsigned id, bool group)
{
	struct ls_name *n;
	struct passwd *pw;
	struct group *gr;
	size_t i;

	for (i = 0; i < ls_nnames; i++)
		if (ls_names[i].id == id && ls_names[i].group == group)
			return ls_names[i].name;
	n = &ls_names[ls_nnames < sizeof(ls_names) / sizeof(ls_names[0]) ? ls_nnames++ : 0];
	n->id = id;
	n->group = group;
	pw = group ? NULL : getpwuid((uid_t)id);
	gr = group ? getgrgid((gid_t)id) : NULL;
	if (pw || gr)
		snprintf(n->name, sizeof(n->name), "%s", pw ? pw->pw_name : gr->gr_name);
	else
		snprintf(n->name, sizeof(n->name), "%u", id);
	return n->name;
}

static void ls_user(struct table *t, size_t col, uid_t uid)
{
	if (table_has(t, col))
		table_set(t, col, ls_name_of((unsigned)uid, false));
}

static void ls_group(struct table *t, size_t col, gid_t gid)
{
	if (table_has(t, col))
		table_set(t, col, ls_name_of((unsigned)gid, true));
}

/* lsipc's short form: the time today, the day this year, else year and day. */
static size_t ls_time_short(char *buf, size_t len, const struct tm *tm)
{
	time_t now = time(NULL);
	struct tm today;

	if (!localtime_r(&now, &today))
		return 0;
	if (tm->tm_year == today.tm_year && tm->tm_yday == today.tm_yday)
		return strftime(buf, len, "%H:%M", tm);
	if (tm->tm_year == today.tm_year)
		return strftime(buf, len, "%b%d", tm);
	return strftime(buf, len, "%Y-%b%d", tm);
}

static void ls_time(struct table *t, size_t col, time_t when)
{
	struct tm tm;
	char buf[64];
	size_t n;

	if (!table_has(t, col))
		return;
	if (cmd_table_opts.json || ls_time_fmt == LS_TIME_ISO)
		n = json_time_iso(buf, sizeof(buf), when, -1);
	else if (!localtime_r(&when, &tm))
		n = 0;
	else if (ls_time_fmt == LS_TIME_SHORT)
		n = ls_time_short(buf, sizeof(buf), &tm);
	else
		n = strftime(buf, sizeof(buf), "%a %b %e %H:%M:%S %Y", &tm); /* ctime's, as ipcs */
	if (n > 0)
		table_set(t, col, buf);
}

static void ls_status(struct table *t, const struct ipcinfo_obj *o)
{
	static const char *const states[] = { "free", "unconnected", "connecting", "connected",
					      "disconnecting" };
	char buf[64] = "";

	if (o->kind == IPCINFO_SOCKET) {
		const char *type = o->socktype == SOCK_STREAM	 ? "stream"
				   : o->socktype == SOCK_DGRAM	 ? "dgram"
				   : o->socktype == SOCK_SEQPACKET ? "seqpacket"
								   : "socket";
		const char *state = o->listening ? "listening"
				    : (size_t)o->sockstate < sizeof(states) / sizeof(states[0])
					    ? states[o->sockstate]
					    : "?";

		snprintf(buf, sizeof(buf), "%s %s", type, state);
	} else if (o->api == IPCINFO_SYSV && (o->kind == IPCINFO_SHM || o->kind == IPCINFO_RING)) {
		snprintf(buf, sizeof(buf), "%s%s%s", o->mode & SHM_DEST ? "dest" : "",
			 (o->mode & SHM_DEST) && (o->mode & SHM_LOCKED) ? "," : "",
			 o->mode & SHM_LOCKED ? "locked" : "");
	}
	if (buf[0])
		table_set(t, COL_STATUS, buf);
}

static void ls_procs(struct table *t, const struct ipcinfo_list *list,
		     const struct ipcinfo_obj *o)
{
	char *buf = NULL;
	size_t len = 0, i;
	FILE *f;

	if (!o->npids)
		return;
	f = open_memstream(&buf, &len);
	if (!f)
		return;
	for (i = 0; i < o->npids; i++) {
		const char *comm = ipcinfo_comm(list, o->pids[i]);

		fprintf(f, "%s%d", i ? "," : "", (int)o->pids[i]);
		if (comm)
			fprintf(f, "(%s)", comm);
	}
	if (fclose(f) == 0)
		table_set(t, COL_PROCS, buf);
	free(buf);
}

static int ls_row(struct table *t, const struct ipcinfo_list *list, const struct ipcinfo_obj *o)
{
	mode_t perm = o->mode & 0777;
	char buf[4 * NAME_MAX + 64];

	if (table_row(t) < 0)
		return -1;
	table_set(t, COL_KIND, ipcinfo_kind_name(o->kind));
	table_set(t, COL_API, ipcinfo_api_name(o->api));
	ipcinfo_ref(o, buf, sizeof(buf));
	table_set_escaped(t, COL_REF, buf);
	table_set_escaped(t, COL_NAME, strchr(buf, ':') + 1);
	if (o->api == IPCINFO_SYSV) {
		snprintf(buf, sizeof(buf), "0x%08x", (unsigned int)o->key);
		table_set(t, COL_KEY, buf);
		table_set_i64(t, COL_ID, o->id);
	} else if (o->kind == IPCINFO_SOCKET) {
		table_set_u64(t, COL_ID, (uint64_t)o->ino);
	}
	if (o->has & IPCINFO_HAS_OWNER || o->kind == IPCINFO_SOCKET) {
		if (o->has & IPCINFO_HAS_OWNER || o->npids)
			ls_user(t, COL_OWNER, o->uid);
		if (o->has & IPCINFO_HAS_OWNER)
			ls_group(t, COL_GROUP, o->gid);
	}
	if (o->has & IPCINFO_HAS_OWNER) {
		snprintf(buf, sizeof(buf), "%c%c%c%c%c%c%c%c%c", perm & 0400 ? 'r' : '-',
			 perm & 0200 ? 'w' : '-', perm & 0100 ? 'x' : '-', perm & 040 ? 'r' : '-',
			 perm & 020 ? 'w' : '-', perm & 010 ? 'x' : '-', perm & 04 ? 'r' : '-',
			 perm & 02 ? 'w' : '-', perm & 01 ? 'x' : '-');
		snprintf(buf + 16, sizeof(buf) - 16, "%04o", (unsigned)perm);
		table_set(t, COL_PERMS, ls_numeric_perms ? buf + 16 : buf);
		table_set(t, COL_MODE, buf + 16);
	}
	if (o->has & IPCINFO_HAS_CREATOR) {
		ls_user(t, COL_CREATOR, o->cuid);
		ls_group(t, COL_CGROUP, o->cgid);
	}
	if (o->has & IPCINFO_HAS_SIZE)
		table_set_u64(t, COL_SIZE, o->size);
	if (o->has & IPCINFO_HAS_USED)
		table_set_u64(t, COL_USED, o->used);
	if (o->has & IPCINFO_HAS_MSGS)
		table_set_u64(t, COL_MSGS, o->msgs);
	if (o->has & IPCINFO_HAS_MSGLIMITS) {
		table_set_u64(t, COL_MAXMSG, o->maxmsg);
		table_set_u64(t, COL_MSGSIZE, o->msgsize);
	}
	if (o->has & IPCINFO_HAS_VALUE)
		table_set(t, COL_VALUE, o->value);
	if (o->has & IPCINFO_HAS_NSEMS)
		table_set_u64(t, COL_NSEMS, o->nsems);
	if (o->has & IPCINFO_HAS_ATTACH)
		table_set_u64(t, COL_ATTACH, o->attach);
	if (o->has & IPCINFO_HAS_CPID)
		table_set_i64(t, COL_CPID, o->cpid);
	if (o->has & IPCINFO_HAS_LPID)
		table_set_i64(t, COL_LPID, o->lpid);
	if (o->kind == IPCINFO_MQ && o->api == IPCINFO_SYSV) {
		table_set_i64(t, COL_LSPID, o->lspid);
		table_set_i64(t, COL_LRPID, o->lrpid);
	}
	if ((o->has & IPCINFO_HAS_NOTIFY) && o->notify_pid)
		table_set_i64(t, COL_NOTIFY, o->notify_pid);
	if (o->has & IPCINFO_HAS_MTIME)
		ls_time(t, COL_MTIME, o->mtime);
	if (o->has & IPCINFO_HAS_CTIME)
		ls_time(t, COL_CTIME, o->ctime);
	ls_status(t, o);
	if (table_has(t, COL_PROCS))
		ls_procs(t, list, o);
	return 0;
}

/* A limit or its use: exact in JSON and with --bytes, else as SIZE cells (8K, 16E). */
static void ls_limit_value(struct table *t, size_t col, uint64_t v, bool bytes)
{
	char buf[32];

	if (bytes && !cmd_table_opts.bytes && !cmd_table_opts.json)
		table_format_size(v, buf, sizeof(buf));
	else
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
	table_set(t, col, buf);
}

static int ls_limits(void)
{
	struct ipcinfo_limit rows[IPCINFO_LIMITS_MAX];
	struct ipcinfo_list list = { 0 };
	struct table *t;
	size_t n, i;
	int rc;

	t = cmd_table_new(&ls_limit_table);
	rc = t ? EXIT_OK : errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
	if (rc != EXIT_OK)
		return rc;
	/* Use is counted over everything, whatever -t says. */
	rc = cmd_inventory_gather(&list, (LS_KINDS & ~LS_SOCKET) | LS_APIS | INVENTORY_PROCS);
	n = ipcinfo_get_limits(&list, rows, IPCINFO_LIMITS_MAX);
	for (i = 0; i < n; i++) {
		const struct ipcinfo_limit *r = &rows[i];
		char pct[16];

		table_row(t);
		table_set(t, LIM_RESOURCE, r->resource);
		table_set(t, LIM_DESCRIPTION, r->description);
		if (r->has_limit)
			ls_limit_value(t, LIM_LIMIT, r->limit, r->bytes);
		if (r->has_used)
			ls_limit_value(t, LIM_USED, r->used, r->bytes);
		if (r->has_limit && r->has_used && r->limit) {
			snprintf(pct, sizeof(pct), "%.2f%s", 100.0 * (double)r->used / (double)r->limit,
				 cmd_table_opts.json ? "" : "%");
			table_set(t, LIM_USE, pct);
		}
	}
	if (cmd_table_print(t) != EXIT_OK)
		rc = EXIT_FAIL;
	ipcinfo_free(&list);
	return rc;
}

/* The members of a System V set as a table in the format asked for (not JSON). */
static int ls_sem_members(const struct ipcinfo_semmember *m, size_t n)
{
	struct table_opts opts = cmd_table_opts;
	struct table *t;
	const char *bad;
	size_t i;

	opts.columns = NULL;
	opts.name = "semaphores";
	t = table_new(ls_sem_columns, LS_NSEM_COLUMNS, LS_SEM_DEFAULT, &opts, &bad);
	if (!t) {
		cmd_warn("cannot make a table");
		return EXIT_FAIL;
	}
	for (i = 0; i < n; i++) {
		if (table_row(t) < 0) {
			table_free(t);
			cmd_warn("cannot make a table");
			return EXIT_FAIL;
		}
		table_set_u64(t, SEM_NUM, i);
		table_set_i64(t, SEM_VALUE, m[i].value);
		table_set_i64(t, SEM_NCNT, m[i].ncnt);
		table_set_i64(t, SEM_ZCNT, m[i].zcnt);
		table_set_i64(t, SEM_PID, m[i].pid);
	}
	return cmd_table_print(t);
}

/* The members as a JSON array, "[{...},...]", in a buffer the caller frees. */
static char *ls_sem_members_json(const struct ipcinfo_semmember *m, size_t n)
{
	char *arr = NULL, one[256];
	size_t len = 0, i;
	struct json_writer w;
	FILE *f = open_memstream(&arr, &len);

	if (!f)
		return NULL;
	fputc('[', f);
	for (i = 0; i < n; i++) {
		size_t k;

		json_begin(&w, one, sizeof(one));
		json_add_int(&w, "semnum", (long long)i);
		json_add_int(&w, "value", m[i].value);
		json_add_int(&w, "ncnt", m[i].ncnt);
		json_add_int(&w, "zcnt", m[i].zcnt);
		json_add_int(&w, "pid", m[i].pid);
		k = json_end(&w);
		fprintf(f, "%s%.*s", i ? "," : "", k ? (int)k - 1 : 0, one); /* without its newline */
	}
	fputc(']', f);
	if (fclose(f) != 0) {
		free(arr);
		return NULL;
	}
	return arr;
}

/* One object of ls -i as a JSON object (no newline) on out: every column, its members. */
static int ls_detail_json(struct table *t, const struct ipcinfo_semmember *m, size_t n,
			  bool is_set, FILE *out)
{
	struct json_writer w;
	size_t cap = 64 * 1024 + n * 128, i, k;
	char *buf = malloc(cap), *arr = NULL, key[16];

	if (!buf)
		return -1;
	json_begin(&w, buf, cap);
	for (i = 0; i < LS_NCOLUMNS; i++) {
		const char *v = table_get(t, i);

		if (!table_has(t, i))
			continue;
		for (k = 0; k < sizeof(key) - 1 && ls_columns[i].name[k]; k++)
			key[k] = (char)(ls_columns[i].name[k] | 0x20);
		key[k] = '\0';
		if (!v)
			json_add_null(&w, key);
		else if (ls_columns[i].type == TABLE_STRING)
			json_add_string(&w, key, v);
		else
			json_add_raw(&w, key, v);
	}
	if (is_set) {
		arr = ls_sem_members_json(m, n);
		if (!arr) {
			free(buf);
			return -1;
		}
		json_add_raw(&w, "semaphores", arr);
	}
	k = json_end(&w);
	if (k)
		fwrite(buf, 1, k - 1, out);
	free(arr);
	free(buf);
	return k ? 0 : -1;
}

/* ls -i: one object's every column as "NAME: value" lines (or a row), then its members. */
static int ls_detail(const struct ipcinfo_list *list, const struct ipcinfo_obj *o, bool first,
		     FILE *json)
{
	struct ipcinfo_semmember *m = NULL;
	bool is_set = o->kind == IPCINFO_SEM && o->api == IPCINFO_SYSV;
	size_t n = is_set && (o->has & IPCINFO_HAS_NSEMS) ? (size_t)o->nsems : 0, i;
	struct table *t;
	int rc = EXIT_OK;

	t = cmd_table_new(&ls_detail_table);
	if (!t)
		return errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
	if (ls_row(t, list, o) < 0) {
		cmd_warn("cannot make a table");
		table_free(t);
		return EXIT_FAIL;
	}
	m = calloc(n ? n : 1, sizeof(*m));
	if (!m || ipcinfo_get_sem_members(o->id, m, n) < 0) {
		cmd_warn("cannot read the semaphores of 'sem:id:%d'", o->id);
		rc = EXIT_FAIL;
		is_set = false;
		n = 0;
	}
	if (json) {
		fputs(first ? "" : ",", json);
		if (ls_detail_json(t, m, n, is_set, json) < 0) {
			cmd_warn("cannot make JSON");
			rc = EXIT_FAIL;
		}
		table_free(t);
	} else if (cmd_table_opts.raw || cmd_table_opts.export) {
		if (cmd_table_print(t) != EXIT_OK)
			rc = EXIT_FAIL;
	} else {
		if (!first)
			putchar('\n');
		for (i = 0; i < LS_NCOLUMNS; i++) {
			const char *v = table_get(t, i);
			char label[16];

			if (!v)
				continue;
			snprintf(label, sizeof(label), "%s:", ls_columns[i].name);
			printf("%-9s %s\n", label, v);
		}
		table_free(t);
		if (is_set)
			putchar('\n');
	}
	if (!json && is_set && ls_sem_members(m, n) != EXIT_OK)
		rc = EXIT_FAIL;
	free(m);
	return rc;
}

static int ls_by_id(unsigned sel, const char *text)
{
	struct ipcinfo_list list = { 0 };
	char *jbuf = NULL;
	size_t jlen = 0, i, found = 0;
	FILE *json = NULL;
	long long id;
	int rc, r;

	if (cmd_opt_number("--id", text, 0, INT_MAX, &id) < 0)
		return EXIT_USAGE;
	if (cmd_table_opts.json && !(json = open_memstream(&jbuf, &jlen))) {
		cmd_warn("cannot list");
		return EXIT_FAIL;
	}
	/* Only System V objects have identifiers. */
	rc = cmd_inventory_gather(&list, (sel & ~(unsigned)LS_POSIX) | INVENTORY_PROCS);
	if (list.n > 0)
		qsort(list.v, list.n, sizeof(*list.v), ls_obj_cmp);
	for (i = 0; i < list.n; i++) {
		const struct ipcinfo_obj *o = &list.v[i];

		if (o->api != IPCINFO_SYSV || o->id != id || !ls_selected(sel, o))
			continue;
		r = ls_detail(&list, o, found++ == 0, json);
		if (r != EXIT_OK)
			rc = r;
		if (r == EXIT_USAGE)
			break;
	}
	if (json) {
		if (fclose(json) == 0 && rc != EXIT_USAGE)
			printf("{\"ipc\":[%s]}\n", jbuf);
		free(jbuf);
	}
	if (!found && rc != EXIT_USAGE) {
		cmd_warnx("'%s': no such IPC object", text);
		rc = EXIT_FAIL;
	}
	ipcinfo_free(&list);
	return rc;
}

static int ls_objects(const char **names, int nnames, unsigned sel)
{
	struct ipcinfo_list list = { 0 };
	struct ipcref *refs = NULL;
	bool *found = NULL;
	struct table *t = NULL;
	const char *why;
	size_t i;
	int rc, j;

	refs = calloc((size_t)nnames + 1, sizeof(*refs));
	found = calloc((size_t)nnames + 1, sizeof(*found));
	if (!refs || !found) {
		cmd_warn("cannot list");
		rc = EXIT_FAIL;
		goto out;
	}
	for (j = 0; j < nnames; j++) {
		if (ipcref_parse(names[j], &refs[j], true, &why) < 0 ||
		    refs[j].kind == IPCREF_FIFO) {
			rc = cmd_usage_error("'%s' is %s", names[j],
					     refs[j].kind == IPCREF_FIFO
						     ? "a FIFO (see ipctool fifo info)"
						     : why);
			goto out;
		}
		/* A socket asked for by name is listed without -t socket. */
		if (refs[j].kind == IPCREF_UNIX && !ls_types)
			sel |= LS_SOCKET;
	}
	t = cmd_table_new(ls_wide ? &ls_wide_table : &ls_table);
	rc = t ? EXIT_OK : errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
	if (rc != EXIT_OK)
		goto out;
	rc = cmd_inventory_gather(&list, sel | INVENTORY_PROCS);
	/* An empty list has no array at all: qsort(3) must not see NULL. */
	if (list.n > 0)
		qsort(list.v, list.n, sizeof(*list.v), ls_obj_cmp);
	for (i = 0; i < list.n; i++) {
		const struct ipcinfo_obj *o = &list.v[i];
		bool wanted = nnames == 0;

		if (!ls_selected(sel, o))
			continue;
		for (j = 0; j < nnames; j++)
			if (ipcref_matches(&refs[j], o))
				wanted = found[j] = true;
		if (wanted && ls_row(t, &list, o) < 0) {
			cmd_warn("cannot make a table");
			rc = EXIT_FAIL;
			goto out;
		}
	}
	rc = cmd_table_print(t) != EXIT_OK ? EXIT_FAIL : rc;
	t = NULL;
	for (j = 0; j < nnames; j++) {
		if (!found[j]) {
			cmd_warnx("'%s': no such IPC object", names[j]);
			rc = EXIT_FAIL;
		}
	}
out:
	table_free(t);
	ipcinfo_free(&list);
	free(refs);
	free(found);
	return rc;
}

/* -c, -p and --time add their columns to -o's list, or to the default one. */
static void ls_extra_columns(void)
{
	static char list[512];
	const char *base = cmd_table_opts.columns ? cmd_table_opts.columns : "+";

	if (!ls_creator && !ls_pids && !ls_times)
		return;
	snprintf(list, sizeof(list), "%s%s%s%s%s%s%s", base, strcmp(base, "+") ? "," : "",
		 ls_creator ? "CREATOR,CGROUP,OWNER,GROUP" : "",
		 ls_creator && (ls_pids || ls_times) ? "," : "", ls_pids ? "CPID,LPID" : "",
		 ls_pids && ls_times ? "," : "", ls_times ? "MTIME,CTIME" : "");
	cmd_table_opts.columns = list;
}

/* What --time-format takes; completion offers the same names (ls_time_format_name). */
static const struct {
	const char *name;
	enum ls_time_format format;
} ls_time_format_names[] = {
	{ "short", LS_TIME_SHORT }, { "full", LS_TIME_FULL }, { "iso", LS_TIME_ISO },
};
#define LS_NTIME_FORMAT_NAMES (sizeof(ls_time_format_names) / sizeof(ls_time_format_names[0]))

const char *ls_time_format_name(size_t i)
{
	return i < LS_NTIME_FORMAT_NAMES ? ls_time_format_names[i].name : NULL;
}

static int ls_parse_time_format(const char *text)
{
	size_t i;

	for (i = 0; i < LS_NTIME_FORMAT_NAMES; i++)
		if (strcmp(text, ls_time_format_names[i].name) == 0) {
			ls_time_fmt = ls_time_format_names[i].format;
			return EXIT_OK;
		}
	return cmd_usage_error("--time-format: '%s' is not a format (expected short, full or iso)",
			       text);
}

int cmd_ls(int argc, const char **argv)
{
	poptContext pc;
	const char **names;
	unsigned sel = 0;
	int rc, n;

	cmd_table_columns = &ls_table;
	pc = cmd_popt(argc, argv, ls_options);
	while ((rc = cmd_popt_next(pc)) > 0) {
		if (rc == LS_OPT_QUEUES)
			ls_kinds |= LS_MQ;
		else if (rc == LS_OPT_SHMEMS)
			ls_kinds |= LS_SHM | LS_RING;
		else if (rc == LS_OPT_SEMAPHORES)
			ls_kinds |= LS_SEM;
		else if (rc == LS_OPT_EXPORT)
			cmd_table_opts.export = true;
	}
	if (rc < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	names = cmd_popt_args(pc, &n);
	if (ls_types && ls_parse_types(ls_types, &sel) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	sel = ls_sel_defaults(sel | ls_kinds);
	if ((cmd_table_opts.json && cmd_table_opts.raw) ||
	    (cmd_table_opts.export && (cmd_table_opts.json || cmd_table_opts.raw))) {
		rc = cmd_usage_error("--json, --raw and --export exclude each other");
		goto out;
	}
	if (ls_time_format && (rc = ls_parse_time_format(ls_time_format)) != EXIT_OK)
		goto out;
	/* lsipc's habit: on a terminal the long cells give way, never the line. */
	cmd_table_opts.truncate = !ls_notruncate;
	if (ls_show_limits) {
		if (n > 0 || ls_types || ls_kinds || ls_id || ls_creator || ls_pids || ls_times) {
			rc = cmd_usage_error("--limits takes no NAME, --type, --id, --creator, --pid "
					     "or --time");
			goto out;
		}
		rc = ls_limits();
		goto out;
	}
	ls_extra_columns();
	if (ls_id && n > 0)
		rc = cmd_usage_error("--id takes no NAME ('%s')", names[0]);
	else if (ls_id)
		rc = ls_by_id(sel, ls_id);
	else
		rc = ls_objects(names, n, sel);
out:
	poptFreeContext(pc);
	return rc;
}
