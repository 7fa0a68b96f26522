/* ipctool shm: create, attach, describe, remove and list shared memory. */
#include <errno.h>
#include <inttypes.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/copy.h"
#include "../lib/json.h"
#include "../lib/ring.h"
#include "../lib/shm.h"
#include "../lib/table.h"
#include "cmd.h"
#include "cmd_inventory.h"

/* Shared by the verbs' option tables. */
static struct {
	uint64_t size, capacity, offset, length;
	bool size_set, offset_set, length_set;
	mode_t mode;
	bool reuse, read, write, hold;
	int64_t hold_ms;
	bool error;
} opt = { .mode = 0600, .hold_ms = -1 };

enum {
	OPT_SIZE = 1,
	OPT_MODE,
	OPT_REUSE,
	OPT_CAPACITY,
	OPT_READ,
	OPT_WRITE,
	OPT_OFFSET,
	OPT_LENGTH,
	OPT_HOLD,
};

static void shm_callback(poptContext pc, enum poptCallbackReason reason,
			 const struct poptOption *o, const char *arg, const void *data)
{
	int rc = 0;

	(void)pc;
	(void)data;
	if (reason != POPT_CALLBACK_REASON_OPTION)
		return;
	switch (o->val) {
	case OPT_SIZE:
		rc = cmd_opt_size("--size", arg, 1, INT64_MAX, &opt.size);
		opt.size_set = true;
		break;
	case OPT_MODE:
		rc = cmd_opt_mode("--mode", arg, &opt.mode);
		break;
	case OPT_REUSE:
		opt.reuse = true;
		break;
	case OPT_CAPACITY:
		rc = cmd_opt_capacity(arg, &opt.capacity);
		break;
	case OPT_READ:
		opt.read = true;
		break;
	case OPT_WRITE:
		opt.write = true;
		break;
	case OPT_OFFSET:
		rc = cmd_opt_size("--offset", arg, 0, INT64_MAX, &opt.offset);
		opt.offset_set = true;
		break;
	case OPT_LENGTH:
		rc = cmd_opt_size("--length", arg, 0, INT64_MAX, &opt.length);
		opt.length_set = true;
		break;
	case OPT_HOLD:
		opt.hold = true;
		if (arg)
			rc = cmd_opt_duration("--hold", arg, &opt.hold_ms);
		break;
	}
	if (rc < 0)
		opt.error = true;
}

#define SHM_CALLBACK { NULL, '\0', POPT_ARG_CALLBACK, (void *)shm_callback, 0, NULL, NULL }

static struct poptOption create_options[] = {
	SHM_CALLBACK,
	{ "size", 's', POPT_ARG_STRING, NULL, OPT_SIZE, "size of the segment (like 4K, 1M)", "SIZE" },
	{ "mode", 'm', POPT_ARG_STRING, NULL, OPT_MODE, "permissions (default 0600)", "MODE" },
	{ "reuse", '\0', POPT_ARG_NONE, NULL, OPT_REUSE, "use an existing segment of that name", NULL },
	{ "capacity", '\0', POPT_ARG_STRING, NULL, OPT_CAPACITY,
	  "lay out an ipctool ring of this capacity (a power of two); -s defaults to fit", "SIZE" },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

static struct poptOption attach_options[] = {
	SHM_CALLBACK,
	{ "read", 'r', POPT_ARG_NONE, NULL, OPT_READ, "dump the segment to standard output (default)", NULL },
	{ "write", 'w', POPT_ARG_NONE, NULL, OPT_WRITE, "fill the segment from standard input", NULL },
	{ "offset", '\0', POPT_ARG_STRING, NULL, OPT_OFFSET, "start at this byte (default 0)", "N" },
	{ "length", '\0', POPT_ARG_STRING, NULL, OPT_LENGTH, "at most this many bytes (default: to the end)", "N" },
	/* -o is --output and -l --listen elsewhere; attach still takes them (HACKING.md). */
	{ NULL, 'o', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN, NULL, OPT_OFFSET, NULL, "N" },
	{ NULL, 'l', POPT_ARG_STRING | POPT_ARGFLAG_DOC_HIDDEN, NULL, OPT_LENGTH, NULL, "N" },
	{ "hold", '\0', POPT_ARG_STRING | POPT_ARGFLAG_OPTIONAL, NULL, OPT_HOLD,
	  "stay attached until DURATION passes or a signal arrives", "DURATION" },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

static struct poptOption table_options[] = {
	CMD_TABLE_OPTIONS,
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

static struct poptOption rm_options[] = {
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

/* One column table for info and ls. */
enum {
	COL_NAME,
	COL_TYPE,
	COL_ID,
	COL_SIZE,
	COL_PERMS,
	COL_OWNER,
	COL_NATTCH,
	COL_CPID,
	COL_LPID,
	COL_ATIME,
	COL_DTIME,
	COL_CTIME,
	COL_RING,
	COL_CAPACITY,
	COL_FILL,
	COL_WRITER,
	COL_READER,
};

static const struct table_column shm_cols[] = {
	[COL_NAME] = { "NAME", "object reference (/NAME, key:KEY or id:ID)", 0.2, TABLE_STRING },
	[COL_TYPE] = { "TYPE", "posix or sysv", 5, TABLE_STRING },
	[COL_ID] = { "ID", "System V identifier", 5, TABLE_NUMBER },
	[COL_SIZE] = { "SIZE", "segment size", 6, TABLE_SIZE },
	[COL_PERMS] = { "PERMS", "permissions (octal)", 5, TABLE_STRING },
	[COL_OWNER] = { "OWNER", "owner", 8, TABLE_STRING },
	[COL_NATTCH] = { "NATTCH", "attach count (POSIX: processes mapping it)", 3, TABLE_NUMBER },
	[COL_CPID] = { "CPID", "creator pid (System V; rings: the ring's creator)", 6, TABLE_NUMBER },
	[COL_LPID] = { "LPID", "pid of the last attach or detach (System V)", 6, TABLE_NUMBER },
	[COL_ATIME] = { "ATIME", "last attach (POSIX: access) time", 19, TABLE_STRING },
	[COL_DTIME] = { "DTIME", "last detach time (System V)", 19, TABLE_STRING },
	[COL_CTIME] = { "CTIME", "last change time", 19, TABLE_STRING },
	[COL_RING] = { "RING", "whether it holds an ipctool ring", 4, TABLE_BOOL },
	[COL_CAPACITY] = { "CAPACITY", "ring capacity", 6, TABLE_SIZE },
	[COL_FILL] = { "FILL", "bytes waiting in the ring", 6, TABLE_SIZE },
	[COL_WRITER] = { "WRITER", "last writer pid of the ring", 6, TABLE_NUMBER },
	[COL_READER] = { "READER", "last reader pid of the ring", 6, TABLE_NUMBER },
};

#define NCOLS (sizeof(shm_cols) / sizeof(shm_cols[0]))

static const struct cmd_columns shm_ls_table = {
	shm_cols, NCOLS, "NAME,TYPE,SIZE,PERMS,OWNER,NATTCH,CPID,LPID,RING,FILL", "shm",
};
static const struct cmd_columns shm_info_table = {
	shm_cols, NCOLS,
	"NAME,TYPE,ID,SIZE,PERMS,OWNER,NATTCH,CPID,LPID,ATIME,DTIME,CTIME,RING,CAPACITY,FILL,"
	"WRITER,READER",
	"shm",
};

/* Parse a verb's options; returns EXIT_OK with the arguments, or a status. */
static int shm_parse(poptContext pc, const char ***args, int *nargs)
{
	int o;

	while ((o = cmd_popt_next(pc)) > 0)
		;
	*args = cmd_popt_args(pc, nargs);
	if (o < 0 || opt.error)
		return EXIT_USAGE;
	return EXIT_OK;
}

static const char *shm_open_hint(const struct objref *ref, int err)
{
	if (err == ENOENT || (err == EINVAL && ref->kind == OBJREF_ID))
		return cmd_hint_create(ref->kind == OBJREF_POSIX ? ref->name : "OBJECT");
	if (err == EEXIST)
		return " (--reuse uses the existing one)";
	if (err == EINVAL && objref_is_sysv(ref))
		return " (larger than kernel.shmmax, or smaller than an existing segment?)";
	if (err == ENOSPC && !objref_is_sysv(ref))
		return " (/dev/shm is full: see df /dev/shm)";
	if (err == ENOSPC)
		return " (the system's segment limit is reached: kernel.shmmni, kernel.shmall)";
	if (err == EFBIG && !objref_is_sysv(ref))
		return " (larger than the whole of /dev/shm: see df /dev/shm)";
	return "";
}

static int shm_open_failed(const char *verb, const char *text, const struct objref *ref)
{
	int err = errno;

	cmd_warnx("cannot %s '%s': %s%s", verb, text, strerror(err), shm_open_hint(ref, err));
	return EXIT_FAIL;
}

/*
 * Whether an open segment holds a valid ring (*ri describes it; *why says
 * why not): its header is read, not mapped, so that a segment with holes in
 * a full /dev/shm is no SIGBUS.
 */
static bool shm_ring_check(struct shm_seg *s, struct ring_info *ri, const char **why)
{
	_Alignas(64) unsigned char head[RING_DATA_OFFSET];
	size_t got;

	if (shm_read_head(s, head, sizeof(head), &got) < 0 || got < sizeof(head)) {
		if (why)
			*why = "too small to hold a ring";
		return false;
	}
	return ring_info(head, (size_t)s->size, ri, why) == 0;
}

/* create */

static int shm_verb_create(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, create_options);
	struct objref ref;
	struct shm_seg s;
	const char **args, *why;
	int nargs, rc;

	rc = shm_parse(pc, &args, &nargs);
	if (rc != EXIT_OK)
		goto out;
	if (nargs != 1) {
		rc = nargs ? cmd_usage_error("'%s': too many arguments", args[1])
			   : cmd_usage_error("an OBJECT is needed");
		goto out;
	}
	if (cmd_objref(args[0], &ref) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (ref.kind == OBJREF_ID) {
		rc = cmd_usage_error("'%s': an id: names an existing segment; create by /NAME, "
				     "key:KEY, key:private or ftok:PATH", args[0]);
		goto out;
	}
	if (opt.capacity) {
		uint64_t need = ring_segment_size(opt.capacity);

		if (!opt.size_set)
			opt.size = need;
		else if (opt.size < need) {
			rc = cmd_usage_error("--size %" PRIu64 " is too small for a ring of "
					     "capacity %" PRIu64 " (it needs %" PRIu64 " bytes)",
					     opt.size, opt.capacity, need);
			goto out;
		}
	} else if (!opt.size_set) {
		rc = cmd_usage_error("missing --size");
		goto out;
	}
	/* A ring: what --reuse finds is checked as it is, never resized. */
	if ((opt.capacity ? shm_create_asis : shm_create)(&ref, opt.size, opt.mode, opt.reuse,
							  &s) < 0) {
		rc = shm_open_failed("create", args[0], &ref);
		goto out;
	}
	rc = EXIT_OK;
	if (opt.capacity && !s.created) {
		struct ring_info ri;

		/* --reuse of a ring keeps what it holds; it never lays anything
		 * out over what it did not make. */
		why = NULL;
		if (!shm_ring_check(&s, &ri, &why)) {
			cmd_warnx("cannot use '%s' as a ring: %s (--reuse uses a ring, it never "
				  "formats a segment)", args[0], why ? why : "it holds no ring");
			rc = EXIT_FAIL;
		}
	} else if (opt.capacity) {
		if (shm_map(&s) < 0) {
			cmd_warn("cannot map '%s'", args[0]);
			rc = EXIT_FAIL;
		} else if (ring_format(s.base, (size_t)s.size, opt.capacity, &why) < 0) {
			cmd_warnx("cannot lay out a ring in '%s': %s", args[0], why);
			rc = EXIT_FAIL;
		}
		if (rc != EXIT_OK && s.created)
			shm_remove_seg(&s);
	}
	if (rc == EXIT_OK && ref.is_private)
		cmd_print_private_id(s.id);
	shm_close(&s);
out:
	poptFreeContext(pc);
	return rc;
}

/* attach */

/*
 * The bytes --offset and --length select for verb ("read", "write"): the rest
 * of the segment by default; past the end is refused with both sizes named.
 */
static int shm_range(const struct shm_seg *s, const char *text, const char *verb, uint64_t *len)
{
	if (opt.offset > s->size) {
		cmd_warnx("cannot %s at offset %" PRIu64 ": '%s' is %" PRIu64 " bytes", verb,
			  opt.offset, text, s->size);
		return EXIT_FAIL;
	}
	*len = opt.length_set ? opt.length : s->size - opt.offset;
	if (*len > s->size - opt.offset) {
		cmd_warnx("cannot %s %" PRIu64 " bytes at offset %" PRIu64 ": '%s' is %" PRIu64
			  " bytes", verb, *len, opt.offset, text, s->size);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int shm_dump(const struct shm_seg *s, const char *text)
{
	uint64_t len;

	if (shm_range(s, text, "read", &len) != EXIT_OK)
		return EXIT_FAIL;
	if (write_all(STDOUT_FILENO, (const char *)s->base + opt.offset, (size_t)len) < 0) {
		cmd_warn("cannot write to standard output");
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

static int shm_fill(const struct shm_seg *s, const char *text)
{
	uint64_t room, done = 0;
	char extra;
	ssize_t n;

	if (shm_range(s, text, "write", &room) != EXIT_OK)
		return EXIT_FAIL;
	while (done < room) {
		n = read(STDIN_FILENO, (char *)s->base + opt.offset + done, (size_t)(room - done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			cmd_warn("cannot read standard input");
			return EXIT_FAIL;
		}
		if (n == 0)
			return EXIT_OK;
		done += (uint64_t)n;
	}
	/* The input must end where the room does. */
	do
		n = read(STDIN_FILENO, &extra, 1);
	while (n < 0 && errno == EINTR);
	if (n > 0) {
		cmd_warnx("the input is larger than the %" PRIu64 " bytes from offset %" PRIu64
			  " of '%s' (%" PRIu64 " bytes): only the first %" PRIu64 " were written",
			  room, opt.offset, text, s->size, room);
		return EXIT_FAIL;
	}
	return EXIT_OK;
}

/* Stay attached until the duration passes (EXIT_OK) or a signal comes. */
static int shm_hold(void)
{
	sigset_t set;
	struct timespec ts;
	int sig;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigprocmask(SIG_BLOCK, &set, NULL);
	if (fflush(stdout) != 0)
		return EXIT_FAIL;
	ts.tv_sec = (time_t)(opt.hold_ms / 1000);
	ts.tv_nsec = (long)(opt.hold_ms % 1000) * 1000000L;
	do
		sig = opt.hold_ms < 0 ? sigwaitinfo(&set, NULL) : sigtimedwait(&set, NULL, &ts);
	while (sig < 0 && errno == EINTR);
	if (sig < 0)
		return EXIT_OK;
	return 128 + sig;
}

static int shm_verb_attach(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, attach_options);
	struct objref ref;
	struct shm_seg s;
	const char **args;
	int nargs, rc;

	rc = shm_parse(pc, &args, &nargs);
	if (rc != EXIT_OK)
		goto out;
	if (nargs != 1) {
		rc = nargs ? cmd_usage_error("'%s': too many arguments", args[1])
			   : cmd_usage_error("an OBJECT is needed");
		goto out;
	}
	if (opt.read && opt.write) {
		rc = cmd_usage_error("--read and --write exclude each other");
		goto out;
	}
	if (cmd_objref(args[0], &ref) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	if (ref.is_private) {
		rc = cmd_usage_error("'%s': key:private names a new segment; attach by id:ID", args[0]);
		goto out;
	}
	if (!opt.write && !opt.hold)
		opt.read = true;
	if (shm_open_ref(&ref, opt.write, &s) < 0) {
		rc = shm_open_failed("open", args[0], &ref);
		goto out;
	}
	if (shm_map(&s) < 0) {
		cmd_warn("cannot attach '%s'", args[0]);
		rc = EXIT_FAIL;
	} else if (opt.read) {
		rc = shm_dump(&s, args[0]);
	} else if (opt.write) {
		rc = shm_fill(&s, args[0]);
	}
	if (rc == EXIT_OK && opt.hold)
		rc = shm_hold();
	shm_close(&s);
out:
	poptFreeContext(pc);
	return rc;
}

/* info and ls */

static void shm_set_time(struct table *t, size_t col, time_t when)
{
	char buf[JSON_TIME_MAX];

	/* ISO 8601 with the zone, as every command shows times. */
	if (when != 0 && json_time_iso(buf, sizeof(buf), when, -1) > 0)
		table_set(t, col, buf);
}

static void shm_row(struct table *t, const struct shm_desc *d, const struct ring_info *ri)
{
	struct passwd *pw;
	char buf[32];

	table_row(t);
	table_set_name(t, COL_NAME, d->ref);
	table_set(t, COL_TYPE, d->sysv ? "sysv" : "posix");
	if (d->sysv)
		table_set_i64(t, COL_ID, d->id);
	table_set_u64(t, COL_SIZE, d->size);
	snprintf(buf, sizeof(buf), "%04o", (unsigned int)d->mode);
	table_set(t, COL_PERMS, buf);
	if (table_has(t, COL_OWNER)) {
		pw = getpwuid(d->uid);
		if (pw) {
			table_set(t, COL_OWNER, pw->pw_name);
		} else {
			snprintf(buf, sizeof(buf), "%u", (unsigned int)d->uid);
			table_set(t, COL_OWNER, buf);
		}
	}
	if (d->nattch >= 0)
		table_set_i64(t, COL_NATTCH, d->nattch);
	if (d->cpid)
		table_set_i64(t, COL_CPID, d->cpid);
	else if (ri && ri->creator)
		table_set_i64(t, COL_CPID, ri->creator);
	if (d->lpid)
		table_set_i64(t, COL_LPID, d->lpid);
	shm_set_time(t, COL_ATIME, d->atime);
	shm_set_time(t, COL_DTIME, d->dtime);
	shm_set_time(t, COL_CTIME, d->ctime);
	table_set(t, COL_RING, ri ? "yes" : "no");
	if (ri) {
		table_set_u64(t, COL_CAPACITY, ri->capacity);
		table_set_u64(t, COL_FILL, ri->used);
		if (ri->writer)
			table_set_i64(t, COL_WRITER, ri->writer);
		if (ri->reader)
			table_set_i64(t, COL_READER, ri->reader);
	}
}

/* Describe the ring in a segment, if it holds one. */
static bool shm_ring_info(const struct objref *ref, struct ring_info *ri)
{
	struct shm_seg s;
	bool ok;

	if (shm_open_ref(ref, false, &s) < 0)
		return false;
	ok = shm_ring_check(&s, ri, NULL);
	shm_close(&s);
	return ok;
}

static int shm_verb_info(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, table_options);
	struct objref ref;
	struct shm_seg s;
	struct shm_desc d;
	struct ring_info ri;
	struct table *t = NULL;
	const char **args;
	int nargs, rc;
	bool ring;

	rc = shm_parse(pc, &args, &nargs);
	if (rc != EXIT_OK)
		goto out;
	if (nargs != 1) {
		rc = nargs ? cmd_usage_error("'%s': too many arguments", args[1])
			   : cmd_usage_error("an OBJECT is needed");
		goto out;
	}
	if (cmd_objref(args[0], &ref) < 0) {
		rc = EXIT_USAGE;
		goto out;
	}
	t = cmd_table_new(&shm_info_table);
	if (!t) {
		rc = errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
		goto out;
	}
	if (shm_open_ref(&ref, false, &s) < 0) {
		rc = shm_open_failed("open", args[0], &ref);
		goto out;
	}
	/* Stat first: attaching to look for a ring changes the System V
	 * last pid and times. */
	if (shm_stat(&s, &d) < 0) {
		cmd_warn("cannot read '%s'", args[0]);
		shm_close(&s);
		rc = EXIT_FAIL;
		goto out;
	}
	shm_close(&s);
	ring = shm_ring_info(&ref, &ri);
	shm_row(t, &d, ring ? &ri : NULL);
	rc = cmd_table_print(t);
	t = NULL;
out:
	table_free(t);
	poptFreeContext(pc);
	return rc;
}

/* A segment of the inventory, as shm_stat describes one. */
static void shm_desc_from_obj(const struct ipcinfo_obj *o, struct shm_desc *d)
{
	memset(d, 0, sizeof(*d));
	d->sysv = o->api == IPCINFO_SYSV;
	objref_format_existing(o->name, o->key, o->id, d->ref, sizeof(d->ref));
	d->key = o->key;
	d->id = d->sysv ? o->id : -1;
	d->size = o->size;
	d->mode = o->mode & (d->sysv ? 0777 : 07777);
	d->uid = o->uid;
	d->gid = o->gid;
	d->cuid = d->sysv ? o->cuid : o->uid;
	d->cgid = d->sysv ? o->cgid : o->gid;
	d->nattch = (o->has & IPCINFO_HAS_ATTACH) ? (long)o->attach : -1;
	d->cpid = d->sysv ? o->cpid : 0;
	d->lpid = d->sysv ? o->lpid : 0;
	d->atime = o->atime;
	d->dtime = d->sysv ? o->dtime : 0;
	d->ctime = o->ctime;
	d->mtime = o->mtime;
}

static int shm_verb_ls(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, table_options);
	struct ipcinfo_list list = { 0 };
	struct table *t = NULL;
	const char **args;
	size_t i;
	int nargs, rc;

	rc = shm_parse(pc, &args, &nargs);
	if (rc != EXIT_OK)
		goto out;
	if (nargs) {
		rc = cmd_usage_error("'%s': too many arguments", args[0]);
		goto out;
	}
	t = cmd_table_new(&shm_ls_table);
	if (!t) {
		rc = errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
		goto out;
	}
	rc = cmd_inventory_gather(&list, INVENTORY_SHM | INVENTORY_RING | INVENTORY_POSIX |
					     INVENTORY_SYSV | INVENTORY_PROCS);
	for (i = 0; i < list.n; i++) {
		struct ring_info ri;
		struct shm_desc d;
		struct objref ref;
		bool ring = false;

		shm_desc_from_obj(&list.v[i], &d);
		/* Only POSIX segments are probed for rings: attaching a System
		 * V one would change its last pid and times. */
		if (!d.sysv && objref_parse(d.ref, &ref, NULL) == 0)
			ring = shm_ring_info(&ref, &ri);
		shm_row(t, &d, ring ? &ri : NULL);
	}
	if (cmd_table_print(t) != EXIT_OK)
		rc = EXIT_FAIL;
	t = NULL;
out:
	ipcinfo_free(&list);
	table_free(t);
	poptFreeContext(pc);
	return rc;
}

/* rm */

static int shm_verb_rm(int argc, const char **argv)
{
	poptContext pc = cmd_popt(argc, argv, rm_options);
	const char **args, *why;
	struct objref ref;
	int nargs, rc, i;

	rc = shm_parse(pc, &args, &nargs);
	if (rc != EXIT_OK)
		goto out;
	if (nargs < 1) {
		rc = cmd_usage_error("an OBJECT is needed");
		goto out;
	}
	for (i = 0; i < nargs; i++)
		if (cmd_objref(args[i], &ref) < 0) {
			rc = EXIT_USAGE;
			goto out;
		}
	for (i = 0; i < nargs; i++) {
		objref_parse(args[i], &ref, NULL);
		if (ref.is_private) {
			cmd_warnx("cannot remove '%s': key:private names no segment (use id:ID)",
				  args[i]);
			rc = EXIT_FAIL;
		} else if (shm_remove(&ref, &why) < 0) {
			if (why)
				cmd_warnx("cannot remove '%s': %s", args[i], why);
			else
				cmd_warn("cannot remove '%s'", args[i]);
			rc = EXIT_FAIL;
		}
	}
out:
	poptFreeContext(pc);
	return rc;
}

const struct cmd_verb cmd_shm_verbs[] = {
	{ "create", "OBJECT -s SIZE [--mode MODE] [--reuse] [--capacity SIZE]", shm_verb_create,
	  NULL },
	{ "attach", "OBJECT [--read | --write] [--offset N] [--length N] [--hold[=DURATION]]",
	  shm_verb_attach, NULL },
	{ "info", "OBJECT [-J | -r] [-n] [-o COLUMNS] [--bytes]", shm_verb_info, &shm_info_table },
	{ "rm", "OBJECT...", shm_verb_rm, NULL },
	{ "ls", "[-J | -r] [-n] [-o COLUMNS] [--bytes]", shm_verb_ls, &shm_ls_table },
	{ NULL, NULL, NULL, NULL },
};

int cmd_shm(int argc, const char **argv)
{
	return cmd_verb_run(cmd_shm_verbs, argc, argv);
}
