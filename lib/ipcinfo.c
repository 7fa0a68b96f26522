/*
 * The IPC inventory: what the gatherers share, the names of kinds and
 * APIs, and freeing. Each source has its own file: ipcinfo_posix.c
 * (/dev/mqueue, /dev/shm), ipcinfo_sysv.c (/proc/sysvipc), ipcinfo_unix.c
 * (/proc/net/unix), ipcinfo_proc.c (the /proc walk), ipcinfo_limits.c.
 */
#include "ipcinfo_impl.h"

struct ipcinfo_obj *ipcinfo_new(struct ipcinfo_list *list)
{
	struct ipcinfo_obj *o;

	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct ipcinfo_obj *v = realloc(list->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		list->v = v;
		list->cap = cap;
	}
	o = &list->v[list->n++];
	memset(o, 0, sizeof(*o));
	return o;
}

bool ipcinfo_pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

void ipcinfo_set_stat(struct ipcinfo_obj *o, const struct stat *st)
{
	o->uid = st->st_uid;
	o->gid = st->st_gid;
	o->mode = st->st_mode & 07777;
	o->atime = st->st_atime;
	o->mtime = st->st_mtime;
	o->ctime = st->st_ctime;
	o->dev = st->st_dev;
	o->ino = st->st_ino;
	o->has |= IPCINFO_HAS_OWNER | IPCINFO_HAS_MTIME | IPCINFO_HAS_CTIME;
}

int ipcinfo_read_table(const char *path, struct ipcinfo_list *list,
		       int (*add)(struct ipcinfo_list *list, const char *line))
{
	char *line = NULL;
	size_t cap = 0;
	int rc = 0;
	FILE *f;

	f = fopen(path, "re");
	if (!f)
		return -1;
	if (getline(&line, &cap, f) > 0) {
		while (rc == 0 && getline(&line, &cap, f) > 0)
			rc = add(list, line);
	}
	free(line);
	fclose(f);
	if (rc < 0)
		errno = ENOMEM;
	return rc;
}

const char *ipcinfo_kind_name(enum ipcinfo_kind kind)
{
	static const char *const names[] = { "mq", "shm", "sem", "ring", "socket" };

	return (size_t)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

const char *ipcinfo_api_name(enum ipcinfo_api api)
{
	static const char *const names[] = { "posix", "sysv", "unix" };

	return (size_t)api < sizeof(names) / sizeof(names[0]) ? names[api] : "?";
}

void ipcinfo_ref(const struct ipcinfo_obj *o, char *buf, size_t len)
{
	static const char *const schemes[] = { "mq", "shm", "sem", "shm", "unix" };
	const char *scheme = schemes[o->kind];

	int n = snprintf(buf, len, "%s:", scheme);

	if (n < 0 || (size_t)n >= len)
		return;
	if (o->api == IPCINFO_SYSV)
		objref_format_existing(NULL, o->key, o->id, buf + n, len - (size_t)n);
	else
		objref_escape(o->name, buf + n, len - (size_t)n, false);
}

bool ipcinfo_in_use(const struct ipcinfo_list *list, const struct ipcinfo_obj *o,
		    const char **why)
{
	size_t i;

	*why = NULL;
	if (o->npids)
		return true;
	if (o->recent_alive) {
		*why = "the last process to operate on it is alive";
		return true;
	}
	if (o->api == IPCINFO_SYSV && (o->kind == IPCINFO_SHM || o->kind == IPCINFO_RING) &&
	    o->attach > 0) {
		*why = "a process has it attached";
		return true;
	}
	if (o->kind == IPCINFO_MQ && o->api == IPCINFO_POSIX &&
	    ipcinfo_pid_alive(o->notify_pid)) {
		*why = "a process is registered for its notification";
		return true;
	}
	if (o->kind == IPCINFO_SEM && o->api == IPCINFO_SYSV) {
		*why = !(o->has & IPCINFO_HAS_WAITERS) ? "its waiters cannot be read"
			: o->waiters ? "a process is waiting on it" : NULL;
		return *why != NULL;
	}
	if (o->kind == IPCINFO_MQ && o->api == IPCINFO_SYSV) {
		if (!list->waits_read) {
			*why = "the processes asleep on queues could not be read";
			return true;
		}
		for (i = 0; i < list->nmsg_waits; i++) {
			if (list->msg_waits[i] == o->id) {
				*why = "a process is blocked sending to or receiving from it";
				return true;
			}
		}
		if (list->msg_wait_unknown) {
			*why = "a process is blocked in msgsnd or msgrcv on a queue that "
			       "cannot be told";
			return true;
		}
	}
	return false;
}

bool ipcinfo_fifo_in_use(const struct ipcinfo_list *list, dev_t dev, ino_t ino,
			 const char **why)
{
	size_t i;

	*why = NULL;
	if (ipcinfo_file_in_use(dev, ino)) {
		*why = "a process has it open";
		return true;
	}
	if (!list->waits_read) {
		*why = "the processes asleep opening FIFOs could not be read";
		return true;
	}
	for (i = 0; i < list->nfifo_opens; i++) {
		if (list->fifo_opens[i].dev == dev && list->fifo_opens[i].ino == ino) {
			*why = "a process is blocked opening it";
			return true;
		}
	}
	if (list->fifo_open_unknown) {
		*why = "a process is blocked opening a FIFO that cannot be told";
		return true;
	}
	return false;
}

void ipcinfo_free(struct ipcinfo_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->v[i].pids);
	free(list->v);
	free(list->procs);
	free(list->msg_waits);
	free(list->fifo_opens);
	memset(list, 0, sizeof(*list));
}
