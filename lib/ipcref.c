/* References to IPC objects by kind (rm, ls). */
#include "ipcref.h"

#include <errno.h>
#include <string.h>
#include <sys/ipc.h>

#define IPCREF_FORMS "expected mq:OBJECT, shm:OBJECT, sem:OBJECT, fifo:PATH or unix:PATH"

static int ipcref_fail(const char **why, const char *what)
{
	if (why)
		*why = what;
	errno = EINVAL;
	return -1;
}

static int ipcref_object(const char *text, struct ipcref *ref, const char **why)
{
	if (objref_parse(text, &ref->obj, why) < 0)
		return -1;
	if (ref->obj.kind == OBJREF_KEY && ref->obj.is_private)
		return ipcref_fail(why, "a private key, which names no object (use id:ID)");
	return 0;
}

int ipcref_parse(const char *text, struct ipcref *ref, bool allow_any, const char **why)
{
	struct endpoint ep;

	memset(ref, 0, sizeof(*ref));
	ref->text = text;
	if (strncmp(text, "sem:", 4) == 0) {
		ref->kind = IPCREF_SEM;
		return ipcref_object(text + 4, ref, why);
	}
	if (text[0] == '/' || strncmp(text, "key:", 4) == 0 || strncmp(text, "id:", 3) == 0 ||
	    strncmp(text, "ftok:", 5) == 0) {
		if (!allow_any)
			return ipcref_fail(why, "an object without its kind (" IPCREF_FORMS ")");
		ref->kind = IPCREF_ANY;
		return ipcref_object(text, ref, why);
	}
	if (strncmp(text, "mq:", 3) != 0 && strncmp(text, "shm:", 4) != 0 &&
	    strncmp(text, "fifo:", 5) != 0 && strncmp(text, "unix:", 5) != 0)
		return ipcref_fail(why, "not an object reference (" IPCREF_FORMS ")");
	if (endpoint_parse(text, &ep, why) < 0)
		return -1;
	switch (ep.kind) {
	case EP_MQ:
	case EP_SHM:
		ref->kind = ep.kind == EP_MQ ? IPCREF_MQ : IPCREF_SHM;
		if (ep.obj.kind == OBJREF_KEY && ep.obj.is_private)
			return ipcref_fail(why, "a private key, which names no object (use id:ID)");
		ref->obj = ep.obj;
		return 0;
	case EP_FIFO:
	case EP_UNIX:
		if (ep.is_abstract)
			return ipcref_fail(why, "an abstract socket, which has no file to remove");
		ref->kind = ep.kind == EP_FIFO ? IPCREF_FIFO : IPCREF_UNIX;
		strcpy(ref->path, ep.path);
		return 0;
	default:
		return ipcref_fail(why, "not an object reference (" IPCREF_FORMS ")");
	}
}

static bool ipcref_kind_matches(enum ipcref_kind kind, enum ipcinfo_kind k)
{
	switch (kind) {
	case IPCREF_ANY:
		return k != IPCINFO_SOCKET;
	case IPCREF_MQ:
		return k == IPCINFO_MQ;
	case IPCREF_SHM:
		return k == IPCINFO_SHM || k == IPCINFO_RING;
	case IPCREF_SEM:
		return k == IPCINFO_SEM;
	case IPCREF_UNIX:
		return k == IPCINFO_SOCKET;
	default:
		return false;
	}
}

bool ipcref_matches(const struct ipcref *ref, const struct ipcinfo_obj *o)
{
	key_t key;

	if (!ipcref_kind_matches(ref->kind, o->kind))
		return false;
	if (ref->kind == IPCREF_UNIX)
		return strcmp(ref->path, o->name) == 0;
	switch (ref->obj.kind) {
	case OBJREF_POSIX:
		return o->api == IPCINFO_POSIX && strcmp(ref->obj.name, o->name) == 0;
	case OBJREF_ID:
		return o->api == IPCINFO_SYSV && o->id == ref->obj.id;
	default:
		return o->api == IPCINFO_SYSV && objref_key(&ref->obj, &key) == 0 &&
		       key != IPC_PRIVATE && o->key == key;
	}
}
