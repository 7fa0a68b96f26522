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

/* The length of the UTF-8 sequence at p when it is valid and printable (no C1), else 0. */
static size_t objref_utf8_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n, i;

	if (c >= 0xc2 && c <= 0xdf)
		n = 2, lo = c == 0xc2 ? 0xa0 : 0x80;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
	else
		return 0;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (i = 2; i < n; i++)
		if (p[i] < 0x80 || p[i] > 0xbf)
			return 0;
	return n;
}

size_t objref_escape(const char *name, char *out, size_t len, bool keep_space)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)name;
	size_t used = 0, n;
	char piece[8];

	while (*p) {
		if (*p == '\\') {
			memcpy(piece, "\\\\", n = 2);
			p++;
		} else if ((*p > 0x20 && *p < 0x7f) || (*p == ' ' && keep_space)) {
			piece[0] = (char)*p++;
			n = 1;
		} else {
			piece[0] = '\\', piece[1] = 'x', piece[2] = hex[*p >> 4];
			piece[3] = hex[*p++ & 15];
			n = 4;
		}
		if (used + n >= len)
			break;
		memcpy(out + used, piece, n);
		used += n;
	}
	if (len)
		out[used] = '\0';
	return used;
}

static int objref_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int objref_unescape(const char *text, char *out, size_t len, const char **why)
{
	size_t used = 0;
	const char *p;

	for (p = text; *p; used++) {
		char c = *p++;

		if (c == '\\' && *p == '\\') {
			p++;
		} else if (c == '\\' && *p == 'x' && objref_hexval(p[1]) >= 0 &&
			   objref_hexval(p[2]) >= 0) {
			unsigned hi = (unsigned)objref_hexval(p[1]), lo = (unsigned)objref_hexval(p[2]);

			c = (char)(hi << 4 | lo);
			p += 3;
			if (c == '\0')
				return objref_fail(why, "a name with an escaped NUL byte");
		} else if (c == '\\') {
			return objref_fail(why, "a name with a bad escape (expected \\xHH or \\\\)");
		}
		if (used + 1 >= len)
			return objref_fail(why, "a POSIX name longer than 255 bytes");
		out[used] = c;
	}
	out[used] = '\0';
	return 0;
}

int objref_check_posix_name(const char *name, const char **why)
{
	const unsigned char *p;
	size_t len, n;

	if (name[0] != '/')
		return objref_fail(why, "not a POSIX name (expected /NAME)");
	len = strlen(name + 1);
	if (len == 0)
		return objref_fail(why, "an empty POSIX name (expected /NAME)");
	if (strchr(name + 1, '/'))
		return objref_fail(why, "a POSIX name with a second '/' (expected /NAME)");
	/* As typed: printable (UTF-8 too); other bytes are written \xHH. */
	for (p = (const unsigned char *)name + 1; *p; p += n) {
		n = *p > 0x20 && *p < 0x7f ? 1 : objref_utf8_len(p);
		if (!n)
			return objref_fail(why, "a POSIX name with a space or non-printing byte "
						"(write it as \\xHH)");
	}
	return 0;
}

/* A POSIX name as typed, its escapes decoded into ref->name and checked. */
static int objref_parse_posix(const char *text, struct objref *ref, const char **why)
{
	size_t len;

	if (objref_check_posix_name(text, why) < 0)
		return -1;
	if (objref_unescape(text, ref->name, sizeof(ref->name), why) < 0)
		return -1;
	len = strlen(ref->name + 1);
	if (len > OBJREF_NAME_MAX)
		return objref_fail(why, "a POSIX name longer than 255 bytes");
	if (strchr(ref->name + 1, '/'))
		return objref_fail(why, "a POSIX name with a second '/' (expected /NAME)");
	if (len == 0 || strcmp(ref->name, "/.") == 0 || strcmp(ref->name, "/..") == 0)
		return objref_fail(why, "not a usable POSIX name ('.' and '..' are refused)");
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
		if (objref_parse_posix(text, ref, why) < 0)
			return -1;
		ref->kind = OBJREF_POSIX;
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
