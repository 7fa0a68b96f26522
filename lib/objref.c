/* Object references, one parser for every command that names an IPC object. */
#include "objref.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>

#include "parse.h"

static const char *const objref_expected =
	"not an object reference (expected /NAME, key:KEY, id:ID or ftok:PATH[:PROJ])";

static int objref_fail(const char **why, const char *what)
{
	if (why)
		*why = what;
	errno = EINVAL;
	return -1;
}

int objref_check_posix_name(const char *name, const char **why)
{
	size_t len;
	const char *p;

	if (name[0] != '/')
		return objref_fail(why, "not a POSIX name (expected /NAME)");
	len = strlen(name + 1);
	if (len == 0)
		return objref_fail(why, "an empty POSIX name (expected /NAME)");
	if (len > OBJREF_NAME_MAX)
		return objref_fail(why, "a POSIX name longer than 255 bytes");
	if (strchr(name + 1, '/'))
		return objref_fail(why, "a POSIX name with a second '/' (expected /NAME)");
	if (strcmp(name, "/.") == 0 || strcmp(name, "/..") == 0)
		return objref_fail(why, "not a usable POSIX name ('.' and '..' are refused)");
	for (p = name + 1; *p; p++)
		if (!isgraph((unsigned char)*p))
			return objref_fail(why, "a POSIX name with a space or non-printing byte");
	return 0;
}

/* Keys are 32-bit; accept decimal, 0x hex and 0 octal like ipcs prints them. */
static int objref_parse_key(const char *text, key_t *key)
{
	char *end;
	unsigned long long v;

	if (!isdigit((unsigned char)text[0]))
		return -1;
	errno = 0;
	v = strtoull(text, &end, 0);
	if (errno || *end || v > 0xffffffffULL)
		return -1;
	*key = (key_t)(unsigned int)v;
	return 0;
}

static int objref_parse_ftok(const char *spec, struct objref *ref, const char **why)
{
	const char *colon = strrchr(spec, ':');
	size_t pathlen = strlen(spec);
	long long proj = 1;

	/* PROJ is optional: "ftok:/tmp/a:b" means proj 'b' unless the part
	 * after the last colon is not a valid PROJ, then it is all path. */
	if (colon) {
		const char *p = colon + 1;

		if (strlen(p) == 1 && !isdigit((unsigned char)p[0])) {
			proj = (unsigned char)p[0];
			pathlen = (size_t)(colon - spec);
		} else if (*p && parse_number(p, 1, 255, &proj, NULL) == 0) {
			pathlen = (size_t)(colon - spec);
		} else if (*p && isdigit((unsigned char)p[0])) {
			return objref_fail(why, "an ftok project out of range (expected 1-255 or one character)");
		}
	}
	if (pathlen == 0)
		return objref_fail(why, "an ftok reference without a path (expected ftok:PATH[:PROJ])");
	if (pathlen >= sizeof(ref->path))
		return objref_fail(why, "an ftok path that is too long");
	memcpy(ref->path, spec, pathlen);
	ref->path[pathlen] = '\0';
	ref->proj = (int)proj;
	return 0;
}

int objref_parse(const char *text, struct objref *ref, const char **why)
{
	memset(ref, 0, sizeof(*ref));
	if (!text || !*text)
		return objref_fail(why, objref_expected);
	if (text[0] == '/') {
		if (objref_check_posix_name(text, why) < 0)
			return -1;
		ref->kind = OBJREF_POSIX;
		strcpy(ref->name, text); /* length checked above */
		return 0;
	}
	if (strncmp(text, "key:", 4) == 0) {
		ref->kind = OBJREF_KEY;
		if (strcmp(text + 4, "private") == 0) {
			ref->key = IPC_PRIVATE;
			ref->is_private = true;
			return 0;
		}
		if (objref_parse_key(text + 4, &ref->key) < 0)
			return objref_fail(why, "not a System V key (expected key:0x1f, key:31 or key:private)");
		if (ref->key == IPC_PRIVATE) {
			ref->is_private = true;
		}
		return 0;
	}
	if (strncmp(text, "id:", 3) == 0) {
		long long id;

		if (parse_number(text + 3, 0, 0x7fffffff, &id, NULL) < 0)
			return objref_fail(why, "not a System V identifier (expected id:N)");
		ref->kind = OBJREF_ID;
		ref->id = (int)id;
		return 0;
	}
	if (strncmp(text, "ftok:", 5) == 0) {
		ref->kind = OBJREF_FTOK;
		return objref_parse_ftok(text + 5, ref, why);
	}
	return objref_fail(why, objref_expected);
}

bool objref_is_sysv(const struct objref *ref)
{
	return ref->kind != OBJREF_POSIX;
}

int objref_key(const struct objref *ref, key_t *key)
{
	switch (ref->kind) {
	case OBJREF_KEY:
		*key = ref->key;
		return 0;
	case OBJREF_FTOK:
		*key = ftok(ref->path, ref->proj);
		return *key == (key_t)-1 ? -1 : 0;
	default:
		errno = EINVAL;
		return -1;
	}
}

int objref_format(const struct objref *ref, char *buf, size_t len)
{
	int n;

	switch (ref->kind) {
	case OBJREF_POSIX:
		n = snprintf(buf, len, "%s", ref->name);
		break;
	case OBJREF_KEY:
		if (ref->is_private)
			n = snprintf(buf, len, "key:private");
		else
			n = snprintf(buf, len, "key:0x%08x", (unsigned int)ref->key);
		break;
	case OBJREF_ID:
		n = snprintf(buf, len, "id:%d", ref->id);
		break;
	default:
		n = snprintf(buf, len, "ftok:%s:%d", ref->path, ref->proj);
		break;
	}
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int objref_format_existing(const char *posix_name, key_t key, int id, char *buf, size_t len)
{
	struct objref ref = { .kind = OBJREF_KEY, .key = key, .id = id };

	if (posix_name && *posix_name) {
		ref.kind = OBJREF_POSIX;
		if (snprintf(ref.name, sizeof(ref.name), "%s", posix_name) >= (int)sizeof(ref.name)) {
			errno = ENAMETOOLONG;
			return -1;
		}
	} else if (key == IPC_PRIVATE) {
		ref.kind = OBJREF_ID;
	}
	return objref_format(&ref, buf, len);
}
