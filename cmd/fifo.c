/* ipctool fifo: create, inspect and remove named pipes. */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "../lib/fifo.h"
#include "../lib/table.h"
#include "cmd.h"

/* What lstat says a path is, for "is not a FIFO" messages. */
static const char *fifo_kind(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return "missing";
	switch (st.st_mode & S_IFMT) {
	case S_IFREG: return "a regular file";
	case S_IFDIR: return "a directory";
	case S_IFLNK: return "a symlink, which is never followed";
	case S_IFSOCK: return "a socket";
	case S_IFCHR: return "a character device";
	case S_IFBLK: return "a block device";
	default: return "not a FIFO";
	}
}

static bool fifo_is_symlink(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0 && S_ISLNK(st.st_mode);
}

/* Report a per-path failure of fifo_info_get / fifo_remove. */
static void fifo_report(const char *what, const char *path)
{
	if (errno == EINVAL || errno == ELOOP)
		cmd_warnx("cannot %s '%s': not a FIFO (%s)", what, path, fifo_kind(path));
	else
		cmd_warn("cannot %s '%s'", what, path);
}

enum { FIFO_MODE = 1, FIFO_REUSE };

static int fifo_create_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		{ "mode", 'm', POPT_ARG_STRING, NULL, FIFO_MODE, "permissions (default 0600; the umask does not apply)", "MODE" },
		{ "reuse", '\0', POPT_ARG_NONE, NULL, FIFO_REUSE, "accept a FIFO that exists already", NULL },
		CMD_HELP_OPTIONS,
		POPT_TABLEEND
	};
	poptContext pc = cmd_popt(argc, argv, options);
	const char **paths;
	mode_t mode = 0600;
	bool reuse = false, created;
	int rc, n, i, status = EXIT_OK;

	while ((rc = cmd_popt_next(pc)) > 0) {
		char *arg = poptGetOptArg(pc);

		if (rc == FIFO_MODE && cmd_opt_mode("--mode", arg, &mode) < 0)
			rc = -1;
		if (rc == FIFO_REUSE)
			reuse = true;
		free(arg);
		if (rc < 0)
			break;
	}
	if (rc < 0) {
		poptFreeContext(pc);
		return EXIT_USAGE;
	}
	paths = cmd_popt_args(pc, &n);
	if (n == 0) {
		poptFreeContext(pc);
		return cmd_usage_error("a PATH is needed");
	}
	for (i = 0; i < n; i++) {
		if (fifo_create(paths[i], mode, reuse, &created) == 0)
			continue;
		if (errno == EEXIST && !reuse && !fifo_is_symlink(paths[i]))
			cmd_warnx("cannot create '%s': %s (--reuse accepts an existing FIFO)",
				  paths[i], strerror(EEXIST));
		else if (errno == EEXIST)
			cmd_warnx("cannot create '%s': %s (%s)", paths[i], strerror(EEXIST),
				  fifo_kind(paths[i]));
		else
			cmd_warn("cannot create '%s'", paths[i]);
		status = EXIT_FAIL;
	}
	poptFreeContext(pc);
	return status;
}

enum {
	COL_PATH,
	COL_OWNER,
	COL_MODE,
	COL_BUFFERED,
	COL_CAPACITY,
	COL_READERS,
	COL_WRITERS,
	COL_PROCS,
};

static const struct table_column fifo_columns[] = {
	[COL_PATH] = { "PATH", "the FIFO's path", 0.3, TABLE_STRING },
	[COL_OWNER] = { "OWNER", "owner's user name", 0.1, TABLE_STRING },
	[COL_MODE] = { "MODE", "permissions, octal", 0.05, TABLE_STRING },
	[COL_BUFFERED] = { "BUFFERED", "bytes written and not read yet", 0.1, TABLE_SIZE },
	[COL_CAPACITY] = { "CAPACITY", "pipe buffer size", 0.1, TABLE_SIZE },
	[COL_READERS] = { "READERS", "processes holding it open for reading", 0.05, TABLE_NUMBER },
	[COL_WRITERS] = { "WRITERS", "processes holding it open for writing", 0.05, TABLE_NUMBER },
	[COL_PROCS] = { "PROCS", "holders as PID:COMMAND:ACCESS (r, w or rw)", 0.4, TABLE_STRING },
};

#define FIFO_DEFAULT_COLUMNS "PATH,BUFFERED,CAPACITY,READERS,WRITERS,PROCS"

static const struct cmd_columns fifo_table = {
	fifo_columns, sizeof(fifo_columns) / sizeof(fifo_columns[0]), FIFO_DEFAULT_COLUMNS, "fifos",
};

static int fifo_info_row(struct table *t, const char *path)
{
	struct fifo_info info;
	struct stat st;
	char buf[4096];

	if (lstat(path, &st) < 0 || fifo_info_get(path, &info) < 0) {
		fifo_report("inspect", path);
		return EXIT_FAIL;
	}
	table_row(t);
	table_set(t, COL_PATH, path);
	if (table_has(t, COL_OWNER)) {
		snprintf(buf, sizeof(buf), "%s", user_from_uid(st.st_uid, 0));
		table_set(t, COL_OWNER, buf);
	}
	snprintf(buf, sizeof(buf), "%04o", (unsigned)(st.st_mode & 07777));
	table_set(t, COL_MODE, buf);
	if (info.live || info.idle) {
		table_set_u64(t, COL_BUFFERED, info.buffered);
		table_set_u64(t, COL_CAPACITY, info.capacity);
	} else {
		cmd_warnx("cannot read the buffer of '%s': no access to a holder's descriptor "
			  "(run as the holders' user or root)", path);
	}
	table_set_u64(t, COL_READERS, info.readers);
	table_set_u64(t, COL_WRITERS, info.writers);
	procfd_format(info.holders, info.nholders, buf, sizeof(buf));
	table_set(t, COL_PROCS, buf);
	fifo_info_free(&info);
	return EXIT_OK;
}

static int fifo_info_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		CMD_TABLE_OPTIONS,
		CMD_HELP_OPTIONS,
		POPT_TABLEEND
	};
	poptContext pc = cmd_popt(argc, argv, options);
	const char **paths;
	struct table *t;
	int rc, n, i, status = EXIT_OK;

	while ((rc = cmd_popt_next(pc)) > 0)
		;
	paths = cmd_popt_args(pc, &n);
	if (rc < 0 || n == 0) {
		if (rc == 0)
			cmd_usage_error("a PATH is needed");
		poptFreeContext(pc);
		return EXIT_USAGE;
	}
	t = cmd_table_new(&fifo_table);
	if (!t) {
		poptFreeContext(pc);
		return errno == EINVAL ? EXIT_USAGE : EXIT_FAIL;
	}
	for (i = 0; i < n; i++)
		if (fifo_info_row(t, paths[i]) != EXIT_OK)
			status = EXIT_FAIL;
	if (cmd_table_print(t) != EXIT_OK)
		status = EXIT_FAIL;
	poptFreeContext(pc);
	return status;
}

static int fifo_rm_exec(int argc, const char **argv)
{
	static struct poptOption options[] = {
		CMD_HELP_OPTIONS,
		POPT_TABLEEND
	};
	poptContext pc = cmd_popt(argc, argv, options);
	const char **paths;
	int rc, n, i, status = EXIT_OK;

	while ((rc = cmd_popt_next(pc)) > 0)
		;
	paths = cmd_popt_args(pc, &n);
	if (rc < 0 || n == 0) {
		if (rc == 0)
			cmd_usage_error("a PATH is needed");
		poptFreeContext(pc);
		return EXIT_USAGE;
	}
	for (i = 0; i < n; i++) {
		if (fifo_remove(paths[i]) == 0)
			continue;
		fifo_report("remove", paths[i]);
		status = EXIT_FAIL;
	}
	poptFreeContext(pc);
	return status;
}

const struct cmd_verb cmd_fifo_verbs[] = {
	{ "create", "PATH... [--mode M] [--reuse]", fifo_create_exec, NULL },
	{ "info", "PATH... [-J | -r] [-n] [-o COLUMNS] [--bytes]", fifo_info_exec, &fifo_table },
	{ "rm", "PATH...", fifo_rm_exec, NULL },
	{ NULL, NULL, NULL, NULL },
};

int cmd_fifo(int argc, const char **argv)
{
	return cmd_verb_run(cmd_fifo_verbs, argc, argv);
}
