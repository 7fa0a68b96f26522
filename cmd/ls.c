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
#include "../lib/table.h"
#include "cmd.h"
#include "cmd_inventory.h"

enum {
	COL_KIND, COL_API, COL_NAME, COL_KEY, COL_ID, COL_OWNER, COL_GROUP, COL_CREATOR,
	COL_PERMS, COL_MODE, COL_SIZE, COL_USED, COL_MSGS, COL_MAXMSG, COL_MSGSIZE, COL_VALUE,
	COL_NSEMS, COL_ATTACH, COL_CPID, COL_LPID, COL_LSPID, COL_LRPID, COL_NOTIFY, COL_MTIME, COL_CTIME, COL_STATUS,
	COL_PROCS, COL_REF,
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
	[COL_PERMS] = { "PERMS", "permissions, as ls(1) shows them", 1, TABLE_STRING },
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
#define LS_DEFAULT "KIND,NAME,ID,OWNER,PERMS,SIZE,USED,MSGS,VALUE,ATTACH,LPID,MTIME,STATUS,PROCS"

enum { LIM_RESOURCE, LIM_DESCRIPTION, LIM_LIMIT, LIM_USED, LIM_USE };

static const struct table_column ls_limit_columns[] = {
	[LIM_RESOURCE] = { "RESOURCE", "the limit's name", 1, TABLE_STRING },
	[LIM_DESCRIPTION] = { "DESCRIPTION", "what it limits", 0.3, TABLE_STRING },
	[LIM_LIMIT] = { "LIMIT", "the limit (empty: unlimited)", 1, TABLE_NUMBER },
	[LIM_USED] = { "USED", "current use: count, total, or the largest object", 1,
		       TABLE_NUMBER },
	[LIM_USE] = { "USE%", "use in percent of the limit", 1, TABLE_STRING },
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

static int ls_show_limits;
static char *ls_types;

static const struct cmd_columns ls_table = { ls_columns, LS_NCOLUMNS, LS_DEFAULT, "ipc" };
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

static struct poptOption ls_options[] = {
	{ "type", 't', POPT_ARG_STRING, &ls_types, 0,
	  "what to list, comma-separated: mq, shm, sem, ring, socket, posix, sysv, all "
	  "(default: all but socket)", "TYPES" },
	{ "limits", '\0', POPT_ARG_NONE, &ls_show_limits, 0,
	  "show every kernel limit with its current use", NULL },
	CMD_TABLE_OPTIONS,
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, ls_help_options, 0, "Help options:", NULL },
	POPT_TABLEEND
};

static int ls_parse_types(const char *text, unsigned *sel)
{
	static const struct {
		const char *name;
		unsigned bits;
	} types[] = {
		{ "mq", LS_MQ }, { "shm", LS_SHM | LS_RING }, { "sem", LS_SEM },
		{ "ring", LS_RING }, { "socket", LS_SOCKET }, { "unix", LS_SOCKET },
		{ "posix", LS_POSIX }, { "sysv", LS_SYSV }, { "all", LS_KINDS },
	};
	const char *p = text, *end;
	size_t i;

	*sel = 0;
	while (*p) {
		end = strchrnul(p, ',');
		for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
			if (strlen(types[i].name) == (size_t)(end - p) &&
			    strncmp(types[i].name, p, (size_t)(end - p)) == 0)
				break;
		if (i == sizeof(types) / sizeof(types[0])) {
			cmd_warnx("--type: '%.*s' is not a type (expected mq, shm, sem, ring, "
				  "socket, posix, sysv or all)", (int)(end - p), p);
			return -1;
		}
		*sel |= types[i].bits;
		p = *end ? end + 1 : end;
	}
	if (!(*sel & LS_KINDS))
		*sel |= LS_KINDS & ~LS_SOCKET;
	if (!(*sel & LS_APIS))
		*sel |= LS_APIS;
	return 0;
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

static void ls_time(struct table *t, size_t col, time_t when)
{
	struct tm tm;
	char buf[32];

	if (!localtime_r(&when, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm))
		return;
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
		table_set(t, COL_PERMS, buf);
		snprintf(buf, sizeof(buf), "%04o", (unsigned)perm);
		table_set(t, COL_MODE, buf);
	}
	if (o->has & IPCINFO_HAS_CREATOR)
		ls_user(t, COL_CREATOR, o->cuid);
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
			snprintf(pct, sizeof(pct), "%.2f%%", 100.0 * (double)r->used / (double)r->limit);
			table_set(t, LIM_USE, pct);
		}
	}
	if (cmd_table_print(t) != EXIT_OK)
		rc = EXIT_FAIL;
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
	t = cmd_table_new(&ls_table);
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

int cmd_ls(int argc, const char **argv)
{
	poptContext pc;
	const char **names;
	unsigned sel = (LS_KINDS & ~LS_SOCKET) | LS_APIS;
	int rc, n;

	cmd_table_columns = &ls_table;
	pc = cmd_popt(argc, argv, ls_options);
	rc = cmd_popt_next(pc);
	if (rc < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	names = cmd_popt_args(pc, &n);
	if (ls_types && ls_parse_types(ls_types, &sel) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (cmd_table_opts.json && cmd_table_opts.raw) {
		rc = cmd_usage_error("--json and --raw exclude each other");
		goto out;
	}
	if (ls_show_limits) {
		if (n > 0 || ls_types) {
			rc = cmd_usage_error("--limits takes no NAME and no --type");
			goto out;
		}
		rc = ls_limits();
	} else {
		rc = ls_objects(names, n, sel);
	}
out:
	poptFreeContext(pc);
	return rc;
}
