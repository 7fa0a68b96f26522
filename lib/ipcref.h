/*
 * References to IPC objects by kind, as rm and ls take them: mq:OBJECT,
 * shm:OBJECT, sem:OBJECT, fifo:PATH, unix:PATH, or a bare OBJECT (/NAME,
 * key:KEY, id:ID, ftok:PATH[:PROJ]) of any kind. Built on endpoint_parse
 * and objref_parse, which own the shared forms.
 */
#ifndef IPCTOOL_IPCREF_H
#define IPCTOOL_IPCREF_H

#include <stdbool.h>

#include "endpoint.h"
#include "ipcinfo.h"
#include "objref.h"

enum ipcref_kind { IPCREF_ANY, IPCREF_MQ, IPCREF_SHM, IPCREF_SEM, IPCREF_FIFO, IPCREF_UNIX };

struct ipcref {
	enum ipcref_kind kind;
	const char *text;	/* as written, for messages */
	struct objref obj;	/* ANY, MQ, SHM, SEM */
	char path[sizeof(((struct endpoint *)0)->path)]; /* FIFO, UNIX */
};

/*
 * Parse text; -1 with errno EINVAL and *why saying what was expected. A
 * bare OBJECT is accepted only with allow_any. key:private is refused: it
 * names no existing object.
 */
int ipcref_parse(const char *text, struct ipcref *ref, bool allow_any, const char **why);
/* Whether a gathered object is the one ref names. */
bool ipcref_matches(const struct ipcref *ref, const struct ipcinfo_obj *o);

#endif
