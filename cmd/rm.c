/*
 * ipctool rm: remove IPC objects named by kind (mq:/q, shm:key:0x10,
 * sem:/s, fifo:PATH, unix:PATH) or by ipcrm's options (-q ID, -M KEY, ...),
 * or all of the caller's own with --all. Unlike ipcrm -a, --all never
 * touches another user's objects; a failure on one object is reported and
 * the others are still removed.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/ipcinfo.h"
#include "../lib/ipcref.h"
#include "../lib/ipcrm.h"
#include "cmd.h"
#include "cmd_inventory.h"

enum { RM_ALL = 1 }; /* ipcrm's options return their letter */

/* What --all=KIND selects. */
enum {
	RM_MQ = INVENTORY_MQ, RM_SHM = INVENTORY_SHM | INVENTORY_RING, RM_SEM = INVENTORY_SEM,
	RM_RING = INVENTORY_RING, RM_POSIX = INVENTORY_POSIX, RM_SYSV = INVENTORY_SYSV,
};

static int rm_stale, rm_dry_run, rm_verbose;
static char *rm_all_kinds;
static bool rm_all;

/* ipcrm's options: each names one System V object by id or key, as a reference would. */
static const struct rm_ipcrm_opt {
	char opt;
	const char *scheme;	/* mq, shm, sem */
	bool key;		/* by key, else by id */
} rm_ipcrm_opts[] = {
	{ 'q', "mq", false }, { 'Q', "mq", true }, { 'm', "shm", false },
	{ 'M', "shm", true }, { 's', "sem", false }, { 'S', "sem", true },
};

static struct poptOption rm_options[] = {
	{ "all", 'a', POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL, &rm_all_kinds, RM_ALL,
	  "remove every queue, segment and semaphore you own; KIND: mq, shm, ring (segments "
	  "that are rings), sem, posix, sysv, comma-separated", "KIND" },
	{ "stale", '\0', POPT_ARG_NONE, &rm_stale, 0,
	  "only objects that no live process uses", NULL },
	{ "dry-run", '\0', POPT_ARG_NONE, &rm_dry_run, 0,
	  "print what would be removed, remove nothing", NULL },
	{ "verbose", 'v', POPT_ARG_NONE, &rm_verbose, 0, "print each object removed", NULL },
	{ "queue-id", 'q', POPT_ARG_STRING, NULL, 'q', "System V queue by id (ipcrm -q)",
	  "ID" },
	{ "queue-key", 'Q', POPT_ARG_STRING, NULL, 'Q', "System V queue by key (ipcrm -Q)",
	  "KEY" },
	{ "shmem-id", 'm', POPT_ARG_STRING, NULL, 'm', "System V segment by id (ipcrm -m)",
	  "ID" },
	{ "shmem-key", 'M', POPT_ARG_STRING, NULL, 'M',
	  "System V segment by key (ipcrm -M)", "KEY" },
	{ "semaphore-id", 's', POPT_ARG_STRING, NULL, 's',
	  "System V semaphore set by id (ipcrm -s)", "ID" },
	{ "semaphore-key", 'S', POPT_ARG_STRING, NULL, 'S',
	  "System V semaphore set by key (ipcrm -S)", "KEY" },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

/* What --all=KIND takes; completion offers the same names (rm_kind_name). */
static const struct {
	const char *name;
	unsigned bits;
} rm_kind_names[] = {
	{ "mq", RM_MQ }, { "shm", RM_SHM }, { "ring", RM_RING }, { "sem", RM_SEM },
	{ "posix", RM_POSIX }, { "sysv", RM_SYSV },
	/* ipcrm --all's and lsipc's names. */
	{ "msg", RM_MQ }, { "queues", RM_MQ }, { "shmems", RM_SHM },
	{ "semaphores", RM_SEM },
};
#define RM_NKIND_NAMES (sizeof(rm_kind_names) / sizeof(rm_kind_names[0]))

const char *rm_kind_name(size_t i)
{
	return i < RM_NKIND_NAMES ? rm_kind_names[i].name : NULL;
}

static int rm_parse_kinds(const char *text, unsigned *sel)
{
	const char *p = text, *end;
	size_t i;

	*sel = 0;
	while (text && *p) {
		end = strchrnul(p, ',');
		for (i = 0; i < RM_NKIND_NAMES; i++)
			if (strlen(rm_kind_names[i].name) == (size_t)(end - p) &&
			    strncmp(rm_kind_names[i].name, p, (size_t)(end - p)) == 0)
				break;
		if (i == RM_NKIND_NAMES)
			return cmd_usage_error("--all: '%s' is not a kind (expected mq, shm, ring, sem, "
					       "posix or sysv; or ipcrm's and lsipc's msg, queues, "
					       "shmems, semaphores)",
					       text);
		*sel |= rm_kind_names[i].bits;
		p = *end ? end + 1 : end;
	}
	if (!(*sel & (RM_MQ | RM_SHM | RM_SEM)))
		*sel |= RM_MQ | RM_SHM | RM_SEM;
	if (!(*sel & (RM_POSIX | RM_SYSV)))
		*sel |= RM_POSIX | RM_SYSV;
	return EXIT_OK;
}

/* Queues, segments and semaphores of the selected kinds, with their users. */
static int rm_gather(struct ipcinfo_list *list, unsigned sel, bool procs)
{
	/* Rings without plain segments: a System V ring is known only through
	 * a process that maps it. */
	bool rings = (sel & RM_SHM) == RM_RING;
	int rc = cmd_inventory_gather(list, sel | INVENTORY_QUIET |
					    (procs || rings ? INVENTORY_PROCS : 0));

	/* Sleepers in msgrcv or open() of a FIFO hold nothing ipcinfo_procs sees. */
	if (procs && ipcinfo_get_waits(list) < 0) {
		cmd_warn("cannot read the processes in '/proc'");
		rc = EXIT_FAIL;
	}
	return rc;
}

/* "123(cat),456(sleep)", or "a process" when the users are not known. */
static void rm_users(const struct ipcinfo_list *list, const struct ipcinfo_obj *o, char *buf,
		     size_t len)
{
	size_t i, used = 0;

	snprintf(buf, len, "a live process");
	for (i = 0; i < o->npids && used < len; i++) {
		const char *comm = ipcinfo_comm(list, o->pids[i]);
		int n = snprintf(buf + used, len - used, "%s%d%s%s%s", i ? "," : "",
				 (int)o->pids[i], comm ? "(" : "", comm ? comm : "",
				 comm ? ")" : "");

		if (n < 0)
			break;
		used += (size_t)n;
	}
}

/* Remove one object, or say what would go; 0 or -1 (reported). */
static int rm_one(const struct ipcref *ref, const char *label)
{
	const char *why = NULL;

	if (rm_dry_run) {
		if (ipcrm_check(ref, &why) < 0)
			goto fail;
		printf("would remove %s\n", label);
		return 0;
	}
	if (ipcrm_remove(ref, &why) < 0)
		goto fail;
	if (rm_verbose)
		printf("removed %s\n", label);
	return 0;
fail:
	if (why)
		cmd_warnx("cannot remove '%s': %s", label, why);
	else if (errno == ENOENT)
		cmd_warnx("cannot remove '%s': no such object", label);
	else
		cmd_warn("cannot remove '%s'", label);
	return -1;
}

/* Why an object must stay under --stale: its users, or what was seen. */
static void rm_why_kept(const struct ipcinfo_list *list, const struct ipcinfo_obj *o,
			const char *why, char *buf, size_t len)
{
	char users[256];

	if (why) {
		snprintf(buf, len, "%s", why);
		return;
	}
	rm_users(list, o, users, sizeof(users));
	snprintf(buf, len, "in use by %s", users);
}

/* --stale with named objects: is this one in use? Reported if so. */
static bool rm_kept(const struct ipcref *ref, const struct ipcinfo_list *list)
{
	char reason[300];
	const char *why;
	struct stat st;
	size_t i;

	if (ref->kind == IPCREF_UNIX)
		return false; /* only ever removed when nobody listens */
	if (ref->kind == IPCREF_FIFO) {
		if (lstat(ref->path, &st) == 0 && S_ISFIFO(st.st_mode) &&
		    ipcinfo_fifo_in_use(list, st.st_dev, st.st_ino, &why)) {
			cmd_warnx("kept '%s': %s", ref->text, why);
			return true;
		}
		return false;
	}
	for (i = 0; i < list->n; i++) {
		const struct ipcinfo_obj *o = &list->v[i];

		if (ipcref_matches(ref, o) && ipcinfo_in_use(list, o, &why)) {
			rm_why_kept(list, o, why, reason, sizeof(reason));
			cmd_warnx("kept '%s': %s", ref->text, reason);
			return true;
		}
	}
	return false;
}

/* How a named object is printed: its name escaped as ls shows it. */
static void rm_label(const struct ipcref *ref, const char *text, char *buf, size_t len)
{
	const char *slash = strchr(text, '/');
	int n;

	if (ref->kind != IPCREF_FIFO && ref->kind != IPCREF_UNIX &&
	    ref->obj.kind == OBJREF_POSIX && slash) {
		n = snprintf(buf, len, "%.*s", (int)(slash - text), text);
		if (n >= 0 && (size_t)n < len)
			objref_escape(ref->obj.name, buf + n, len - (size_t)n, false);
		return;
	}
	if ((ref->kind == IPCREF_FIFO || ref->kind == IPCREF_UNIX) && strchr(text, ':')) {
		/* The path as decoded, escaped again: the form ls prints. */
		const char *colon = strchr(text, ':');

		n = snprintf(buf, len, "%.*s", (int)(colon + 1 - text) + (colon[1] == '@'), text);
		if (n >= 0 && (size_t)n < len)
			objref_escape(ref->path, buf + n, len - (size_t)n, false);
		return;
	}
	objref_escape(text, buf, len, false);
}

static int rm_refs(const char **args, int n)
{
	struct ipcinfo_list list = { 0 };
	char label[4 * PATH_MAX];
	struct ipcref *refs;
	const char *why;
	int rc = EXIT_OK, i;

	refs = calloc((size_t)n, sizeof(*refs));
	if (!refs) {
		cmd_warn("cannot remove");
		return EXIT_FAIL;
	}
	/* Every reference is checked before anything is removed. */
	for (i = 0; i < n; i++) {
		if (ipcref_parse(args[i], &refs[i], false, &why) < 0) {
			rc = cmd_usage_error("'%s' is %s", args[i], why);
			goto out;
		}
	}
	if (rm_stale)
		rc = rm_gather(&list, RM_MQ | RM_SHM | RM_SEM | RM_POSIX | RM_SYSV, true);
	for (i = 0; i < n; i++) {
		if (rm_stale && rm_kept(&refs[i], &list))
			continue;
		rm_label(&refs[i], args[i], label, sizeof(label));
		if (rm_one(&refs[i], label) < 0)
			rc = EXIT_FAIL;
	}
out:
	ipcinfo_free(&list);
	free(refs);
	return rc;
}

static int rm_all_objects(unsigned sel)
{
	static const enum ipcref_kind kinds[] = {
		[IPCINFO_MQ] = IPCREF_MQ, [IPCINFO_SHM] = IPCREF_SHM, [IPCINFO_SEM] = IPCREF_SEM,
		[IPCINFO_RING] = IPCREF_SHM,
	};
	struct ipcinfo_list list = { 0 };
	char label[4 * PATH_MAX];
	uid_t me = geteuid();
	size_t i;
	int rc;

	rc = rm_gather(&list, sel, rm_stale);
	for (i = 0; i < list.n; i++) {
		const struct ipcinfo_obj *o = &list.v[i];
		const char *why;
		struct ipcref ref;

		if (o->kind == IPCINFO_SOCKET || !(o->has & IPCINFO_HAS_OWNER) || o->uid != me)
			continue;
		/* --all=ring: a segment that is not a ring stays. */
		if (o->kind == IPCINFO_SHM && !(sel & INVENTORY_SHM))
			continue;
		if (rm_stale && ipcinfo_in_use(&list, o, &why)) {
			if (rm_verbose) {
				char reason[300];

				ipcinfo_ref(o, label, sizeof(label));
				rm_why_kept(&list, o, why, reason, sizeof(reason));
				cmd_warnx("kept '%s': %s", label, reason);
			}
			continue;
		}
		memset(&ref, 0, sizeof(ref));
		ref.kind = kinds[o->kind];
		ipcinfo_ref(o, label, sizeof(label));
		ref.text = label;
		if (o->api == IPCINFO_POSIX) {
			ref.obj.kind = OBJREF_POSIX;
			strcpy(ref.obj.name, o->name);
		} else {
			/* By identifier: a key may have been reused since. */
			ref.obj.kind = OBJREF_ID;
			ref.obj.id = o->id;
		}
		if (rm_one(&ref, label) < 0)
			rc = EXIT_FAIL;
	}
	ipcinfo_free(&list);
	return rc;
}

/*
 * One of ipcrm's options as the reference it stands for ("mq:id:5",
 * "shm:key:0x0000001f"), in a buffer the caller frees; NULL after a usage
 * error. Key 0 is IPC_PRIVATE, which names no object (ipcrm refuses it too).
 */
static char *rm_ipcrm_ref(const struct rm_ipcrm_opt *o, const char *arg)
{
	char opt[3] = { '-', o->opt, '\0' }, *text = NULL;
	struct objref ref;
	long long id;

	if (!o->key) {
		if (cmd_opt_number(opt, arg, 0, INT_MAX, &id) < 0)
			return NULL;
		if (asprintf(&text, "%s:id:%lld", o->scheme, id) < 0)
			text = NULL;
	} else {
		if (asprintf(&text, "key:%s", arg) < 0)
			return NULL;
		if (objref_parse(text, &ref, NULL) < 0 || ref.kind != OBJREF_KEY || ref.is_private) {
			cmd_warnx("%s: '%s' is %s", opt, arg,
				  ref.kind == OBJREF_KEY && ref.is_private
					  ? "IPC_PRIVATE, which names no object (give its id)"
					  : "not a System V key (expected 0x1f or 31)");
			free(text);
			return NULL;
		}
		free(text);
		if (asprintf(&text, "%s:key:0x%08x", o->scheme, (unsigned)ref.key) < 0)
			text = NULL;
	}
	if (!text)
		cmd_warn("cannot remove");
	return text;
}

/* The ipcrm option whose popt val (its letter) is val, or NULL. */
static const struct rm_ipcrm_opt *rm_ipcrm_find(int val)
{
	size_t i;

	for (i = 0; i < sizeof(rm_ipcrm_opts) / sizeof(rm_ipcrm_opts[0]); i++)
		if (rm_ipcrm_opts[i].opt == val)
			return &rm_ipcrm_opts[i];
	return NULL;
}

int cmd_rm(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, rm_options);
	const char **args, **all = NULL;
	char **made = NULL;
	size_t nmade = 0, i;
	unsigned sel = 0;
	int rc, n;

	/* Each ipcrm option adds one reference; at most one per argument. */
	made = calloc((size_t)argc + 1, sizeof(*made));
	if (!made) {
		cmd_warn("cannot remove");
		poptFreeContext(pc);
		return EXIT_FAIL;
	}
	while ((rc = cmd_popt_next(pc)) > 0) {
		if (rc == RM_ALL) {
			rm_all = true;
		} else if (rm_ipcrm_find(rc)) {
			const struct rm_ipcrm_opt *o = rm_ipcrm_find(rc);
			char *arg = poptGetOptArg(pc);

			made[nmade] = o && arg ? rm_ipcrm_ref(o, arg) : NULL;
			free(arg);
			if (!made[nmade++]) {
				rc = -1;
				break;
			}
		}
	}
	if (rc < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	args = cmd_popt_args(pc, &n);
	all = calloc(nmade + (size_t)n + 1, sizeof(*all));
	if (!all) {
		cmd_warn("cannot remove");
		rc = EXIT_FAIL;
		goto out;
	}
	for (i = 0; i < nmade; i++)
		all[i] = made[i];
	for (i = 0; i < (size_t)n; i++)
		all[nmade + i] = args[i];
	n += (int)nmade;
	if (rm_all && n > 0)
		rc = cmd_usage_error("--all takes no REF ('%s')", all[0]);
	else if (!rm_all && n == 0)
		rc = cmd_usage_error("nothing to remove: give a REF or --all");
	else if (rm_all && (rc = rm_parse_kinds(rm_all_kinds, &sel)) == EXIT_OK)
		rc = rm_all_objects(sel);
	else if (!rm_all)
		rc = rm_refs(all, n);
out:
	for (i = 0; i < nmade; i++)
		free(made[i]);
	free(made);
	free(all);
	poptFreeContext(pc);
	return rc;
}
