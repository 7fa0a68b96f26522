/*
 * `ipctool help --complete [--] WORD...`: the candidates for the last WORD
 * of a command line, for the bash, zsh and fish completions (HACKING.md,
 * "Completions"). Everything comes from the binary's own tables: commands
 * and verbs from cmd_table, options from the popt table the command itself
 * hands to cmd_popt (cmd_popt_hook), arguments from the usage synopsis of
 * the command or verb, endpoint schemes from the transport table, objects
 * from the inventory. A new option, verb or transport completes with no
 * edit here.
 *
 * Output: a first line saying what the shell adds itself ("-" nothing,
 * "files" file names, "commands" command names), then one candidate a line,
 * each with an optional TAB and a description. Only candidates that start
 * with WORD are printed; none with a TAB or newline in them.
 */
#include <ctype.h>
#include <dirent.h>
#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../lib/bench.h"
#include "../lib/sig.h"
#include "../lib/transport.h"
#include "cmd.h"
#include "cmd_inventory.h"

/* What the shell should add itself, on the first line. */
enum complete_action { COMPLETE_NOTHING, COMPLETE_FILES, COMPLETE_COMMANDS };

/* What an argument or an option's value is. */
enum complete_class {
	CC_NONE,
	CC_ENDPOINT,
	CC_OBJECT,	/* an object of the command's kind: mq, shm or sem */
	CC_FIFO,	/* an existing FIFO */
	CC_FILE,	/* a file name (the shell's) */
	CC_COMMAND,	/* a program to run (the shell's) */
	CC_REF,		/* rm's and ls's references: mq:/q, fifo:PATH, /NAME */
	CC_PID,
	CC_SIGNAL,
	CC_MECHANISM,
};

/* The one completion this process makes. */
static struct {
	const char *cur;		/* the word completed */
	const struct cmd *cmd;
	const struct cmd_verb *verb;
	const char *const *words;	/* the arguments before cur, after CMD [VERB] */
	int nwords;
	bool started;
} complete;

static void complete_start(enum complete_action action)
{
	static const char *const names[] = { "-", "files", "commands" };

	if (complete.started)
		return;
	complete.started = true;
	puts(names[action]);
}

/* prefix and word, when they start with cur. */
static void complete_put(const char *prefix, const char *word, const char *desc)
{
	size_t np = strlen(prefix), ncur = strlen(complete.cur);

	complete_start(COMPLETE_NOTHING);
	if (strpbrk(prefix, "\t\n") || strpbrk(word, "\t\n"))
		return;
	if (strncmp(prefix, complete.cur, np < ncur ? np : ncur) != 0 ||
	    (ncur > np && strncmp(word, complete.cur + np, ncur - np) != 0))
		return;
	printf("%s%s", prefix, word);
	if (desc && *desc && !strpbrk(desc, "\t\n"))
		printf("\t%s", desc);
	putchar('\n');
}

static void complete_done(void)
{
	complete_start(COMPLETE_NOTHING);
	exit(fflush(stdout) == 0 && !ferror(stdout) ? EXIT_OK : EXIT_FAIL);
}

/* Options. */

static bool complete_takes_arg(const struct poptOption *o)
{
	unsigned type = o->argInfo & POPT_ARG_MASK;

	return type != POPT_ARG_NONE && type != POPT_ARG_VAL;
}

static bool complete_is_option(const struct poptOption *o)
{
	unsigned type = o->argInfo & POPT_ARG_MASK;

	return (o->longName || o->shortName) && type != POPT_ARG_INCLUDE_TABLE &&
	       type != POPT_ARG_CALLBACK && type != POPT_ARG_INTL_DOMAIN;
}

/* The option named long (len bytes) or short, through included tables. */
static const struct poptOption *complete_find(const struct poptOption *t, const char *name,
					      size_t len, char c)
{
	const struct poptOption *o, *found;

	for (; t && (t->longName || t->shortName || t->argInfo || t->arg); t++) {
		if ((t->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			found = complete_find(t->arg, name, len, c);
			if (found)
				return found;
			continue;
		}
		o = t;
		if (!complete_is_option(o))
			continue;
		if (name && o->longName && strlen(o->longName) == len &&
		    strncmp(o->longName, name, len) == 0)
			return o;
		if (!name && c && o->shortName == c)
			return o;
	}
	return NULL;
}

static void complete_options(const struct poptOption *t)
{
	char word[64];

	for (; t && (t->longName || t->shortName || t->argInfo || t->arg); t++) {
		if ((t->argInfo & POPT_ARG_MASK) == POPT_ARG_INCLUDE_TABLE) {
			complete_options(t->arg);
			continue;
		}
		if (!complete_is_option(t) || (t->argInfo & POPT_ARGFLAG_DOC_HIDDEN))
			continue;
		if (t->longName) {
			snprintf(word, sizeof(word), "--%s", t->longName);
			complete_put("", word, t->descrip);
		}
		if (t->shortName) {
			snprintf(word, sizeof(word), "-%c", t->shortName);
			complete_put("", word, t->descrip);
		}
	}
}

/* Values. */

/* A comma-separated list: the items typed so far go into the prefix. */
static const char *complete_list_item(const char *prefix, const char *value, char *buf,
				      size_t size)
{
	const char *comma = strrchr(value, ',');

	snprintf(buf, size, "%s%.*s", prefix, comma ? (int)(comma - value + 1) : 0, value);
	return buf;
}

/* After a number, the units its parser takes: "64" gives 64K, 64M... */
static void complete_units(const char *prefix, const char *value, const char *const *units)
{
	char pre[512];
	const char *p;

	for (p = value; isdigit((unsigned char)*p) || *p == '.'; p++)
		;
	if (p == value || *p)
		return;
	snprintf(pre, sizeof(pre), "%s%s", prefix, value);
	for (; *units; units++)
		complete_put(pre, *units, NULL);
}

static void complete_users(const char *prefix, const char *value, bool groups)
{
	char pre[512];
	struct passwd *pw;
	struct group *gr;

	complete_list_item(prefix, value, pre, sizeof(pre));
	if (groups) {
		while ((gr = getgrent()))
			complete_put(pre, gr->gr_name, NULL);
		endgrent();
	} else {
		while ((pw = getpwent()))
			complete_put(pre, pw->pw_name, NULL);
		endpwent();
	}
}

static void complete_columns(const char *prefix, const char *value)
{
	const struct cmd_columns *spec = cmd_table_columns;
	char pre[512];
	size_t i, n;

	if (!spec)
		return;
	complete_list_item(prefix, value, pre, sizeof(pre));
	n = strlen(pre);
	/* +COL,... adds to the default columns. */
	if (value[0] == '+' && !strchr(value, ',') && n + 1 < sizeof(pre)) {
		pre[n] = '+';
		pre[n + 1] = '\0';
	}
	for (i = 0; i < spec->ncols; i++)
		complete_put(pre, spec->cols[i].name, spec->cols[i].help);
}

static void complete_cpus(const char *prefix, const char *value)
{
	long i, n = sysconf(_SC_NPROCESSORS_ONLN);
	char pre[512], num[24];

	complete_list_item(prefix, value, pre, sizeof(pre));
	for (i = 0; i < n && i < 1024; i++) {
		snprintf(num, sizeof(num), "%ld", i);
		complete_put(pre, num, NULL);
	}
}

/* "a|b|c" in an option's argument description: those words. */
static bool complete_alternatives(const char *prefix, const char *desc)
{
	char word[64];
	const char *p, *end;

	if (!desc || !strchr(desc, '|'))
		return false;
	for (p = desc; *p; p = *end ? end + 1 : end) {
		end = strchrnul(p, '|');
		snprintf(word, sizeof(word), "%.*s", (int)(end - p), p);
		complete_put(prefix, word, NULL);
	}
	return true;
}

/*
 * Value lists that live in a command's parser rather than in its options
 * table: each accessor reads the parser's own table.
 */
static const struct {
	const char *cmd, *option;
	const char *(*name)(size_t i);
} complete_lists[] = {
	{ "ls", "type", ls_type_name },
	{ "ls", "time-format", ls_time_format_name },
	{ "rm", "all", rm_kind_name },
};

static void complete_signals(const char *prefix, const char *value);
static void complete_pids(const char *prefix);

static void complete_value(const struct poptOption *o, const char *prefix, const char *value)
{
	static const char *const sizes[] = { "K", "M", "G", NULL };
	static const char *const durations[] = { "ms", "s", "m", "h", NULL };
	const char *desc = o->argDescrip ? o->argDescrip : "";
	const char *name = o->longName ? o->longName : "";
	char pre[512];
	const char *item;
	size_t i, j;
	int f;

	if (complete_alternatives(prefix, desc))
		return;
	for (i = 0; i < sizeof(complete_lists) / sizeof(complete_lists[0]); i++)
		if (strcmp(complete_lists[i].cmd, complete.cmd->name) == 0 &&
		    strcmp(complete_lists[i].option, name) == 0) {
			complete_list_item(prefix, value, pre, sizeof(pre));
			for (j = 0; (item = complete_lists[i].name(j)); j++)
				complete_put(pre, item, NULL);
			return;
		}
	if (strcmp(desc, "FRAMING") == 0) {
		for (f = FRAMING_LINE; f <= FRAMING_WHOLE; f++)
			complete_put(prefix, framing_name((enum framing)f), NULL);
	} else if (strcmp(name, "allow-uid") == 0 || strcmp(name, "allow-gid") == 0) {
		complete_users(prefix, value, name[6] == 'g');
	} else if (strcmp(desc, "FILE") == 0 || strcmp(desc, "PATH") == 0) {
		complete_start(COMPLETE_FILES);
	} else if (strcmp(desc, "DURATION") == 0 || strcmp(desc, "D") == 0) {
		complete_units(prefix, value, durations);
	} else if (strcmp(desc, "SIZE") == 0 || strcmp(desc, "SIZES") == 0) {
		complete_units(complete_list_item(prefix, value, pre, sizeof(pre)),
			       strrchr(value, ',') ? strrchr(value, ',') + 1 : value, sizes);
	} else if (strcmp(desc, "COLUMNS") == 0) {
		complete_columns(prefix, value);
	} else if (strcmp(desc, "SIGNAL") == 0) {
		complete_signals(prefix, value);
	} else if (strcmp(desc, "PID") == 0) {
		complete_pids(prefix);
	} else if (strcmp(name, "pin") == 0) {
		complete_cpus(prefix, value);
	}
}

/* Arguments. */

static void complete_signals(const char *prefix, const char *value)
{
	bool sig = strncasecmp(value, "sig", 3) == 0;
	bool rt = strncasecmp(value + (sig ? 3 : 0), "rt", 2) == 0;
	bool lower = islower((unsigned char)value[0]);
	char name[32], *p;
	const char *why;
	int s, n;

	for (s = 1; s <= sig_max(); s++) {
		sig_name(s, name, sizeof(name));
		/* SIGRTMIN+1 ... SIGRTMAX-1 only once RT is typed. */
		if (strncmp(name, "SIG", 3) != 0 || sig_parse(name, &n, &why) < 0 ||
		    (!rt && strchr(name, '+')))
			continue;
		if (lower)
			for (p = name; *p; p++)
				*p = (char)tolower((unsigned char)*p);
		complete_put(prefix, sig ? name : name + 3, strsignal(s));
	}
}

/* The caller's own processes, with their command names. */
static void complete_pids(const char *prefix)
{
	char comm[32], path[300];
	struct dirent *e;
	struct stat st;
	DIR *d = opendir("/proc");
	FILE *f;

	if (!d)
		return;
	while ((e = readdir(d))) {
		if (!isdigit((unsigned char)e->d_name[0]) || atoi(e->d_name) == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%s", e->d_name);
		if (stat(path, &st) < 0 || st.st_uid != getuid())
			continue;
		comm[0] = '\0';
		snprintf(path, sizeof(path), "/proc/%s/comm", e->d_name);
		if ((f = fopen(path, "re"))) {
			if (!fgets(comm, sizeof(comm), f))
				comm[0] = '\0';
			comm[strcspn(comm, "\n")] = '\0';
			fclose(f);
		}
		complete_put(prefix, e->d_name, comm);
	}
	closedir(d);
}

/*
 * Existing objects whose rm reference has the given scheme ("mq", "shm",
 * "sem"; NULL: any), as prefix + the reference without its scheme.
 */
static void complete_objects(const char *prefix, const char *scheme)
{
	struct ipcinfo_list list = { 0 };
	char ref[NAME_MAX + 64], desc[32], *colon;
	size_t i;

	cmd_inventory_gather(&list, INVENTORY_MQ | INVENTORY_SHM | INVENTORY_SEM | INVENTORY_RING |
					    INVENTORY_POSIX | INVENTORY_SYSV | INVENTORY_QUIET);
	for (i = 0; i < list.n; i++) {
		ipcinfo_ref(&list.v[i], ref, sizeof(ref));
		colon = strchr(ref, ':');
		if (!colon || (scheme && (strlen(scheme) != (size_t)(colon - ref) ||
					  strncmp(ref, scheme, strlen(scheme)) != 0)))
			continue;
		snprintf(desc, sizeof(desc), "%s %s", ipcinfo_api_name(list.v[i].api),
			 ipcinfo_kind_name(list.v[i].kind));
		complete_put(prefix, colon + 1, desc);
	}
	ipcinfo_free(&list);
}

/* Files of one type (S_IFIFO, S_IFSOCK) and directories, after prefix. */
static void complete_paths(const char *prefix, const char *path, mode_t type)
{
	const char *slash = strrchr(path, '/'), *home = getenv("HOME");
	char dir[4096], pre[4096 + 64], name[512];
	struct dirent *e;
	struct stat st;
	DIR *d;

	snprintf(pre, sizeof(pre), "%s%.*s", prefix, slash ? (int)(slash - path + 1) : 0, path);
	if (!slash)
		snprintf(dir, sizeof(dir), ".");
	else if (strncmp(path, "~/", 2) == 0 && home)
		snprintf(dir, sizeof(dir), "%s%.*s", home, (int)(slash - path), path + 1);
	else
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path + 1), path);
	d = opendir(dir);
	if (!d)
		return;
	while ((e = readdir(d))) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0 ||
		    (e->d_name[0] == '.' && (slash ? slash[1] : path[0]) != '.') ||
		    fstatat(dirfd(d), e->d_name, &st, 0) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			snprintf(name, sizeof(name), "%s/", e->d_name);
			complete_put(pre, name, NULL);
		} else if ((st.st_mode & S_IFMT) == type) {
			complete_put(pre, e->d_name, NULL);
		}
	}
	closedir(d);
}

/* Abstract sockets of a type that someone listens on (or, datagrams, has bound). */
static void complete_abstract(const char *prefix, int socktype)
{
	struct ipcinfo_list list = { 0 };
	size_t i, j;

	if (ipcinfo_get_unix(&list) < 0)
		return;
	for (i = 0; i < list.n; i++) {
		const struct ipcinfo_obj *o = &list.v[i];

		if (o->name[0] != '@' || o->socktype != socktype ||
		    (socktype != SOCK_DGRAM && !o->listening))
			continue;
		for (j = 0; j < i && strcmp(list.v[j].name, o->name) != 0; j++)
			;
		if (j == i)
			complete_put(prefix, o->name, NULL);
	}
	ipcinfo_free(&list);
}

static void complete_endpoint(void)
{
	const char *cur = complete.cur, *colon = strchr(cur, ':');
	const struct transport *tp;
	char pre[64];
	size_t i;

	if (!colon) {
		for (i = 0; i < transport_count; i++) {
			tp = &transport_table[i];
			if (i > 0 && strcmp(tp->scheme, transport_table[i - 1].scheme) == 0)
				continue;
			snprintf(pre, sizeof(pre), "%s%s", tp->scheme,
				 strcmp(tp->scheme, "-") == 0 ? "" : ":");
			complete_put("", pre, tp->summary);
		}
		return;
	}
	tp = transport_find(cur, (size_t)(colon - cur));
	if (!tp || (size_t)(colon - cur) + 1 >= sizeof(pre))
		return;
	snprintf(pre, sizeof(pre), "%.*s", (int)(colon - cur + 1), cur);
	switch (tp->kind) {
	case EP_FIFO:
		complete_paths(pre, colon + 1, S_IFIFO);
		break;
	case EP_UNIX:
	case EP_UNIX_DGRAM:
	case EP_UNIX_SEQPACKET:
		if (colon[1] == '@')
			complete_abstract(pre, tp->kind == EP_UNIX	  ? SOCK_STREAM
					       : tp->kind == EP_UNIX_DGRAM ? SOCK_DGRAM
									: SOCK_SEQPACKET);
		else
			complete_paths(pre, colon + 1, S_IFSOCK);
		break;
	case EP_MQ:
	case EP_SHM:
		complete_objects(pre, tp->scheme);
		break;
	default:
		break;
	}
}

/* rm's and ls's references: mq:/q, shm:key:0x1f, sem:/s, fifo:PATH, unix:PATH, /NAME. */
static void complete_ref(void)
{
	static const char *const schemes[] = { "mq", "shm", "sem", "fifo", "unix" };
	const char *cur = complete.cur, *colon = strchr(cur, ':');
	char pre[16];
	size_t i;

	if (cur[0] == '/' || strncmp(cur, "key:", 4) == 0 || strncmp(cur, "id:", 3) == 0) {
		complete_objects("", NULL);
		return;
	}
	for (i = 0; i < sizeof(schemes) / sizeof(schemes[0]); i++) {
		snprintf(pre, sizeof(pre), "%s:", schemes[i]);
		if (!colon) {
			complete_put("", pre, NULL);
		} else if (strncmp(cur, pre, strlen(pre)) == 0) {
			if (i == 3)
				complete_paths(pre, colon + 1, S_IFIFO);
			else if (i == 4)
				complete_paths(pre, colon + 1, S_IFSOCK);
			else
				complete_objects(pre, schemes[i]);
		}
	}
}

static void complete_mechanisms(void)
{
	size_t i;

	for (i = 0; bench_mechs[i]; i++)
		complete_put("", bench_mechs[i]->name, bench_mechs[i]->summary);
}

/*
 * The arguments of a usage synopsis, in order: its metavariables (SOURCE
 * DEST, OBJECT..., [MECHANISM | ENDPOINT]..., {REF | -q ID}...), not an option's own (-s SIZE,
 * --hold[=D]); "..." repeats the last one. An argument has up to two
 * classes (alternatives); after COMMAND the options are the command's own.
 */
struct complete_slot {
	enum complete_class cls[2];
	bool repeat, command;
};

static const struct {
	const char *metavar;
	enum complete_class cls;
} complete_metavars[] = {
	{ "ENDPOINT", CC_ENDPOINT }, { "SOURCE", CC_ENDPOINT }, { "DEST", CC_ENDPOINT },
	{ "OBJECT", CC_OBJECT }, { "PATH", CC_FIFO }, { "FILE", CC_FILE },
	{ "COMMAND", CC_COMMAND }, { "ARG", CC_FILE }, { "REF", CC_REF }, { "NAME", CC_REF },
	{ "PID", CC_PID }, { "SIGNAL", CC_SIGNAL }, { "MECHANISM", CC_MECHANISM },
};

static size_t complete_slots(const char *usage, struct complete_slot *slots, size_t max)
{
	const char *p = usage, *end;
	bool option = false, alt = false;
	enum complete_class cls;
	size_t n = 0, len, j;

	while (*p) {
		if (*p == ' ' || *p == '[' || *p == ']' || *p == '{' || *p == '}' || *p == '|') {
			/* An option's value is in its brackets: "[-v] REF" is not -v's. */
			option &= *p == ' ';
			alt = *p == '|' || (alt && *p == ' ');
			p++;
			continue;
		}
		end = p + strcspn(p, " []{}|");
		len = (size_t)(end - p);
		if (len >= 3 && strncmp(end - 3, "...", 3) == 0) {
			if (len == 3 && n > 0 && !option)
				slots[n - 1].repeat = true;
			len -= 3;
		}
		if (len == 0) {
			p = end;
			continue;
		}
		if (*p == '-' || *p == '=' || !isupper((unsigned char)*p) || option ||
		    strncmp(p, "OPTIONS", len) == 0) {
			/* An option, or its value; "--" ends the options. */
			option = *p == '-' && !(len == 2 && p[1] == '-') && !memchr(p, '=', len);
			alt = false;
			p = end;
			continue;
		}
		cls = CC_NONE;
		for (j = 0; j < sizeof(complete_metavars) / sizeof(complete_metavars[0]); j++)
			if (strlen(complete_metavars[j].metavar) == len &&
			    strncmp(complete_metavars[j].metavar, p, len) == 0)
				cls = complete_metavars[j].cls;
		if (alt && n > 0 && slots[n - 1].cls[1] == CC_NONE) {
			slots[n - 1].cls[1] = cls;
		} else if (n < max) {
			slots[n].cls[0] = cls;
			slots[n].cls[1] = CC_NONE;
			slots[n].command = cls == CC_COMMAND;
			slots[n].repeat = strncmp(p + len, "...", 3) == 0;
			n++;
		}
		alt = false;
		p = end;
	}
	return n;
}

/* Argument i of the synopsis, or NULL. */
static const struct complete_slot *complete_slot(const struct complete_slot *slots, size_t n,
						 int i)
{
	if ((size_t)i < n)
		return &slots[i];
	if (n > 0 && slots[n - 1].repeat)
		return &slots[n - 1];
	return NULL;
}

static void complete_argument(enum complete_class cls)
{
	switch (cls) {
	case CC_ENDPOINT:
		complete_endpoint();
		break;
	case CC_OBJECT:
		/* create names a new one. */
		if (!complete.verb || strcmp(complete.verb->name, "create") != 0)
			complete_objects("", complete.cmd->name);
		break;
	case CC_FIFO:
		if (complete.verb && strcmp(complete.verb->name, "create") == 0)
			complete_start(COMPLETE_FILES);
		else
			complete_paths("", complete.cur, S_IFIFO);
		break;
	case CC_FILE:
		complete_start(COMPLETE_FILES);
		break;
	case CC_COMMAND:
		complete_start(COMPLETE_COMMANDS);
		break;
	case CC_REF:
		complete_ref();
		break;
	case CC_PID:
		complete_pids("");
		break;
	case CC_SIGNAL:
		complete_signals("", complete.cur);
		break;
	case CC_MECHANISM:
		complete_mechanisms();
		break;
	case CC_NONE:
		break;
	}
}

/*
 * cmd_popt_hook: the command's option table. Walk the words typed (an
 * option's value, "--", arguments) and complete the current one.
 */
static void complete_with_table(const struct poptOption *table)
{
	const char *usage = complete.verb ? complete.verb->usage : complete.cmd->usage;
	const char *cur = complete.cur, *w, *eq;
	const struct poptOption *o, *value_of = NULL;
	const struct complete_slot *slot;
	struct complete_slot slots[8];
	size_t nslots = complete_slots(usage, slots, sizeof(slots) / sizeof(slots[0]));
	bool dashdash = false, stop = false;
	int i, nargs = 0;

	for (i = 0; i < complete.nwords; i++) {
		w = complete.words[i];
		if (value_of) {
			value_of = NULL;
		} else if (dashdash || stop || w[0] != '-' || !w[1]) {
			slot = complete_slot(slots, nslots, nargs++);
			stop |= slot && slot->command;
		} else if (strcmp(w, "--") == 0) {
			dashdash = true;
		} else if (w[1] == '-') {
			eq = strchrnul(w + 2, '=');
			o = complete_find(table, w + 2, (size_t)(eq - w - 2), 0);
			if (o && complete_takes_arg(o) && !*eq &&
			    !(o->argInfo & POPT_ARGFLAG_OPTIONAL))
				value_of = o;
		} else {
			/* A cluster (-Jn), or an option and its value (-Fline). */
			for (w++; *w && (o = complete_find(table, NULL, 0, *w)); w++)
				if (complete_takes_arg(o)) {
					if (!w[1] && !(o->argInfo & POPT_ARGFLAG_OPTIONAL))
						value_of = o;
					break;
				}
		}
	}
	slot = complete_slot(slots, nslots, nargs);
	if (value_of) {
		complete_value(value_of, "", cur);
	} else if (dashdash || stop || cur[0] != '-') {
		if (slot) {
			complete_argument(slot->cls[0]);
			complete_argument(slot->cls[1]);
		}
	} else if (cur[1] == '-' && (eq = strchr(cur, '='))) {
		char pre[128];

		o = complete_find(table, cur + 2, (size_t)(eq - cur - 2), 0);
		snprintf(pre, sizeof(pre), "%.*s", (int)(eq - cur + 1), cur);
		if (o && complete_takes_arg(o))
			complete_value(o, pre, eq + 1);
	} else if (cur[1] && cur[1] != '-' && cur[2] &&
		   (o = complete_find(table, NULL, 0, cur[1])) && complete_takes_arg(o)) {
		char pre[3] = { '-', cur[1], '\0' };

		complete_value(o, pre, cur + 2);
	} else {
		complete_options(table);
		if (slot && (slot->cls[0] == CC_ENDPOINT || slot->cls[1] == CC_ENDPOINT))
			complete_put("", "-", "standard input or output");
	}
	complete_done();
}

/* help takes no popt table: its own few words. */
static void complete_help(void)
{
	static const char *const options[] = { "--commands", "--endpoints", "--verbs", "--help",
					       "-h" };
	const struct cmd *c;
	size_t i;
	bool verbs = complete.nwords == 1 && strcmp(complete.words[0], "--verbs") == 0;

	if (complete.nwords == 0 && complete.cur[0] == '-') {
		for (i = 0; i < sizeof(options) / sizeof(options[0]); i++)
			complete_put("", options[i], NULL);
	} else if (complete.nwords == 0 || verbs) {
		for (c = cmd_table; c->name; c++)
			if (!verbs || c->verbs)
				complete_put("", c->name, c->summary);
	}
	complete_done();
}

int cmd_complete(int argc, const char **argv)
{
	static const char *const top[] = { "-h", "--help", "-V", "--version" };
	const char *base, *args[3];
	const struct cmd_verb *v;
	const struct cmd *c;
	int start = 1, n;
	bool tables = false;
	size_t i;

	if (argc > 0 && strcmp(argv[0], "--") == 0) {
		argc--;
		argv++;
	}
	if (argc < 1)
		return cmd_usage_error("--complete needs the words of a command line");
	complete.cur = argc > 1 ? argv[argc - 1] : "";
	n = argc > 1 ? argc - 1 : 1;
	/* ipctool-send: as `ipctool send`. */
	base = strrchr(argv[0], '/');
	base = base ? base + 1 : argv[0];
	c = strncmp(base, "ipctool-", 8) == 0 ? cmd_find(base + 8) : NULL;
	if (!c) {
		if (n == 1) {
			for (c = cmd_table; c->name; c++)
				complete_put("", c->name, c->summary);
			for (i = 0; complete.cur[0] == '-' && i < sizeof(top) / sizeof(top[0]); i++)
				complete_put("", top[i], NULL);
			complete_done();
		}
		c = cmd_find(argv[1]);
		start = 2;
		if (!c)
			complete_done();
	}
	complete.cmd = c;
	if (c->verbs) {
		if (n == start) {
			for (v = c->verbs; v->name; v++) {
				complete_put("", v->name, v->usage);
				tables |= v->table != NULL;
			}
			if (complete.cur[0] == '-') {
				complete_put("", "-h", NULL);
				complete_put("", "--help", NULL);
				if (tables)
					complete_put("", "--list-columns", NULL);
			}
			complete_done();
		}
		for (v = c->verbs; v->name && strcmp(v->name, argv[start]) != 0; v++)
			;
		if (!v->name)
			complete_done();
		complete.verb = v;
		start++;
	}
	complete.words = argv + start;
	complete.nwords = n - start;
	if (!c->verbs && strcmp(c->name, "help") == 0)
		complete_help();
	/* The command hands its table to cmd_popt, which passes it here. */
	cmd_popt_hook = complete_with_table;
	cmd_current = c;
	cmd_prog = c->name;
	args[0] = c->name;
	args[1] = complete.verb ? complete.verb->name : NULL;
	args[2] = NULL;
	c->exec(complete.verb ? 2 : 1, args);
	/* A command without a popt table. */
	complete_with_table(NULL);
	return EXIT_OK;
}
