/*
 * libFuzzer target for lib/objref.c: every accepted reference obeys the
 * rules of DESIGN section 3 and survives objref_format and a re-parse
 * unchanged.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/objref.h"

static void same(const struct objref *a, const struct objref *b)
{
	if (a->kind != b->kind || strcmp(a->name, b->name) != 0 || a->key != b->key ||
	    a->is_private != b->is_private || a->id != b->id ||
	    strcmp(a->path, b->path) != 0 || a->proj != b->proj)
		abort();
}

static void check_ref(const char *s, const struct objref *ref)
{
	static char buf[PATH_MAX + 32], again[PATH_MAX + 32];
	struct objref back;
	const char *p;

	switch (ref->kind) {
	case OBJREF_POSIX:
		/* The name is s with its escapes (\\, \xHH) decoded: any byte but
		 * NUL and '/'; as typed, s has no space or control byte. */
		if (ref->name[0] != '/' || strlen(ref->name) > OBJREF_NAME_MAX + 1 ||
		    strlen(ref->name) < 2 || strchr(ref->name + 1, '/') ||
		    !strcmp(ref->name, "/.") || !strcmp(ref->name, "/.."))
			abort();
		if (!strchr(s, '\\') && strcmp(ref->name, s) != 0)
			abort();
		for (p = s + 1; *p; p++)
			if ((unsigned char)*p <= 0x20 || *p == 0x7f)
				abort();
		if (objref_is_sysv(ref))
			abort();
		break;
	case OBJREF_KEY:
		if (strncmp(s, "key:", 4) != 0 || ref->is_private != (ref->key == 0))
			abort();
		break;
	case OBJREF_ID:
		if (strncmp(s, "id:", 3) != 0 || ref->id < 0)
			abort();
		break;
	case OBJREF_FTOK:
		if (strncmp(s, "ftok:", 5) != 0 || !ref->path[0] || ref->proj < 1 ||
		    ref->proj > 255 || strlen(ref->path) >= PATH_MAX)
			abort();
		break;
	default:
		abort();
	}
	if (ref->kind != OBJREF_POSIX && !objref_is_sysv(ref))
		abort();
	if (objref_format(ref, buf, sizeof(buf)) != 0)
		abort();
	/* objref_format gives the name as the system knows it; what a user
	 * types is its escaped form (as ls prints it), which parses back. */
	if (ref->kind == OBJREF_POSIX) {
		static char typed[4 * (PATH_MAX + 32)];

		objref_escape(buf, typed, sizeof(typed), false);
		if (objref_parse(typed, &back, NULL) != 0)
			abort();
	} else if (objref_parse(buf, &back, NULL) != 0) {
		abort();
	}
	same(ref, &back);
	if (objref_format(&back, again, sizeof(again)) != 0 || strcmp(buf, again) != 0)
		abort();
	/* A short buffer fails cleanly, never overflows. */
	if (objref_format(ref, buf, strlen(again)) != -1 || errno != ENAMETOOLONG)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct objref ref;
	char *s = malloc(size + 1);
	const char *why = NULL;
	key_t key;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (objref_parse(s, &ref, &why) == 0) {
		check_ref(s, &ref);
		/* Keys of key: references need no file system. */
		if (ref.kind == OBJREF_KEY && (objref_key(&ref, &key) != 0 || key != ref.key))
			abort();
	} else if (errno != EINVAL || !why || !*why) {
		abort();
	}
	if (s[0] == '/') {
		int rc = objref_check_posix_name(s, &why);

		/* What parses passes the as-typed check (not the other way:
		 * parsing also decodes escapes and refuses '.' and '..'). */
		if (objref_parse(s, &ref, NULL) == 0 && rc != 0)
			abort();
	}
	free(s);
	return 0;
}
