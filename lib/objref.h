/* OBJECT references: /NAME, key:KEY, id:ID, ftok:PATH[:PROJ]. */
#ifndef IPCTOOL_OBJREF_H
#define IPCTOOL_OBJREF_H

#include <limits.h>
#include <stdbool.h>
#include <sys/types.h>

enum objref_kind {
	OBJREF_POSIX,	/* /NAME */
	OBJREF_KEY,	/* key:KEY or key:private */
	OBJREF_ID,	/* id:ID */
	OBJREF_FTOK,	/* ftok:PATH[:PROJ] */
};

/* POSIX names: the kernel's mqueue limit (NAME_MAX) includes no slash. */
#define OBJREF_NAME_MAX NAME_MAX

struct objref {
	enum objref_kind kind;
	char name[OBJREF_NAME_MAX + 2]; /* POSIX: with the leading '/' */
	key_t key;			/* KEY; IPC_PRIVATE for key:private */
	bool is_private;
	int id;				/* ID */
	char path[PATH_MAX];		/* FTOK */
	int proj;			/* FTOK, 1..255 */
};

/* Parse text; on error return -1, errno EINVAL, *why says what was expected. */
int objref_parse(const char *text, struct objref *ref, const char **why);
/*
 * Validate a POSIX object name ("/NAME") as typed: printable ASCII or UTF-8,
 * other bytes escaped; same error convention.
 */
int objref_check_posix_name(const char *name, const char **why);
/*
 * The one escaping rule for printed names (tables, JSON, messages of rm):
 * a backslash as \\, a byte that is not printable ASCII (space, control,
 * DEL, any byte above 0x7f, UTF-8 too) as \xHH. The result is printable
 * ASCII: valid UTF-8 in JSON, safe on a terminal. Writes at most len bytes with the NUL
 * (truncated at a whole escape); returns the length written. keep_space
 * leaves spaces as they are, for text that is not a name.
 */
size_t objref_escape(const char *name, char *out, size_t len, bool keep_space);
/* The reverse, as references accept it: \xHH and \\ decoded; -1 and *why if bad. */
int objref_unescape(const char *text, char *out, size_t len, const char **why);
/* True for the System V forms (key:, id:, ftok:). */
bool objref_is_sysv(const struct objref *ref);
/* The System V key of a key: or ftok: reference (ftok(3) for the latter). */
int objref_key(const struct objref *ref, key_t *key);
/* Write the canonical form ("/q", "key:0x0000001f", "id:3", "ftok:/p:1"). */
int objref_format(const struct objref *ref, char *buf, size_t len);
/*
 * The one formatter of an existing object's name, as ls, mq ls and shm ls
 * show it: posix_name ("/q") for a POSIX object (non-NULL and not empty),
 * else "key:0x0000001f", or "id:3" for a private key.
 */
int objref_format_existing(const char *posix_name, key_t key, int id, char *buf, size_t len);

#endif
