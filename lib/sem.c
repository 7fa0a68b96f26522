/* POSIX and System V semaphores behind one interface. */
#include "sem.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/sem.h>
#include <sys/stat.h>
#include <time.h>

/* semctl(2): the caller defines it. */
union sem_semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int sem_sysv_nsems(int id)
{
	struct semid_ds ds = { 0 };
	union sem_semun arg = { .buf = &ds };

	if (semctl(id, 0, IPC_STAT, arg) < 0) {
		/* An identifier that names nothing: say so plainly. */
		if (errno == EINVAL || errno == EIDRM)
			errno = ENOENT;
		return -1;
	}
	return (int)ds.sem_nsems;
}

/* The set's identifier for a System V reference. */
static int sem_sysv_id(const struct objref *ref)
{
	key_t key;

	if (ref->kind == OBJREF_ID)
		return ref->id;
	if (ref->is_private) {
		errno = EINVAL;
		return -1;
	}
	if (objref_key(ref, &key) < 0)
		return -1;
	return semget(key, 0, 0);
}

static void sem_init_handle(struct sem_handle *h)
{
	memset(h, 0, sizeof(*h));
	h->id = -1;
}

/*
 * System V sets are made (semget) and given their values (SETALL) in two
 * steps: one that attaches in between sees every value 0. semop(2) is what
 * sets sem_otime, so the creator ends with a semop that changes nothing,
 * and an attacher waits for sem_otime (Stevens' handshake).
 */
static int sem_sysv_mark_ready(int id, unsigned value)
{
	struct sembuf zero = { .sem_num = 0, .sem_op = 0, .sem_flg = IPC_NOWAIT };
	struct sembuf down_up[2] = {
		{ .sem_num = 0, .sem_op = -1, .sem_flg = IPC_NOWAIT },
		{ .sem_num = 0, .sem_op = 1, .sem_flg = IPC_NOWAIT },
	};

	return value == 0 ? semop(id, &zero, 1) : semop(id, down_up, 2);
}

/* How long an attacher waits for a set just made to get its values. */
#define SEM_READY_WAIT_MS 1000

static void sem_sysv_wait_ready(int id)
{
	struct timespec pause = { 0, 5 * 1000 * 1000 };
	struct semid_ds ds = { 0 };
	union sem_semun arg = { .buf = &ds };
	int waited;

	for (waited = 0; waited < SEM_READY_WAIT_MS; waited += 5) {
		if (semctl(id, 0, IPC_STAT, arg) < 0 || ds.sem_otime != 0)
			return;
		/* Never operated on, and not made just now: a set made by
		 * another tool (ipcmk -S), used as it is. */
		if (time(NULL) - ds.sem_ctime > 2)
			return;
		nanosleep(&pause, NULL);
	}
}

int sem_create(const struct objref *ref, unsigned value, int nsems, mode_t mode, bool reuse,
	       struct sem_handle *h, bool *created)
{
	sem_init_handle(h);
	*created = false;
	if (!objref_is_sysv(ref)) {
		mode_t old = umask(0);
		int saved;

		h->psem = sem_open(ref->name, O_CREAT | O_EXCL, mode & 0777, value);
		saved = errno;
		umask(old);
		if (h->psem != SEM_FAILED) {
			*created = true;
			return 0;
		}
		if (saved == EEXIST && reuse)
			return sem_attach(ref, h);
		h->psem = NULL;
		errno = saved;
		return -1;
	} else {
		unsigned short *vals;
		union sem_semun arg;
		key_t key;
		int i, saved;

		if (ref->kind == OBJREF_ID) {
			errno = EINVAL; /* an identifier only names what exists */
			return -1;
		}
		if (value > SEM_SYSV_VALUE_MAX) {
			errno = ERANGE;
			return -1;
		}
		if (objref_key(ref, &key) < 0)
			return -1;
		h->sysv = true;
		h->id = semget(key, nsems, IPC_CREAT | IPC_EXCL | (int)(mode & 0777));
		if (h->id < 0) {
			if (errno == EEXIST && reuse)
				return sem_attach(ref, h);
			return -1;
		}
		h->nsems = nsems;
		vals = calloc((size_t)nsems, sizeof(*vals));
		if (!vals)
			goto fail;
		for (i = 0; i < nsems; i++)
			vals[i] = (unsigned short)value;
		arg.array = vals;
		i = semctl(h->id, 0, SETALL, arg);
		free(vals);
		if (i < 0 || sem_sysv_mark_ready(h->id, value) < 0)
			goto fail;
		*created = true;
		return 0;
fail:
		saved = errno;
		semctl(h->id, 0, IPC_RMID);
		errno = saved;
		return -1;
	}
}

int sem_attach(const struct objref *ref, struct sem_handle *h)
{
	sem_init_handle(h);
	if (!objref_is_sysv(ref)) {
		h->psem = sem_open(ref->name, 0);
		if (h->psem == SEM_FAILED) {
			h->psem = NULL;
			return -1;
		}
		return 0;
	}
	h->sysv = true;
	h->id = sem_sysv_id(ref);
	if (h->id < 0)
		return -1;
	sem_sysv_wait_ready(h->id);
	h->nsems = sem_sysv_nsems(h->id);
	return h->nsems < 0 ? -1 : 0;
}

int sem_select(struct sem_handle *h, int index)
{
	if (index < 0 || (h->sysv ? index >= h->nsems : index > 0)) {
		errno = ERANGE;
		return -1;
	}
	h->index = (unsigned short)index;
	return 0;
}

static int sem_sysv_op(struct sem_handle *h, int delta, const struct deadline *d, bool undo)
{
	struct sembuf op = { .sem_num = h->index, .sem_op = (short)delta, .sem_flg = 0 };
	struct timespec ts;
	int ms;

	if (undo)
		op.sem_flg |= SEM_UNDO;
	for (;;) {
		ms = d ? deadline_poll_ms(d) : -1;
		if (ms == 0)
			op.sem_flg |= IPC_NOWAIT;
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		if (semtimedop(h->id, &op, 1, ms > 0 ? &ts : NULL) == 0)
			return 0;
		/* EAGAIN without IPC_NOWAIT: the kernel's timeout passed. */
		if (errno == EAGAIN && ms > 0) {
			if (deadline_passed(d)) {
				errno = ETIMEDOUT;
				return -1;
			}
			continue;
		}
		/* EAGAIN for a deadline of 0, EINTR for the caller, or failure. */
		return -1;
	}
}

int sem_acquire(struct sem_handle *h, const struct deadline *d, bool undo)
{
	struct timespec ts;

	if (h->sysv)
		return sem_sysv_op(h, -1, d, undo);
	if (deadline_poll_ms(d) == 0)
		return sem_trywait(h->psem);
	if (d->forever)
		return sem_wait(h->psem);
	ts.tv_sec = (time_t)(d->at_ns / 1000000000u);
	ts.tv_nsec = (long)(d->at_ns % 1000000000u);
	return sem_clockwait(h->psem, CLOCK_MONOTONIC, &ts);
}

int sem_release(struct sem_handle *h, unsigned count, bool undo)
{
	unsigned i;

	if (h->sysv) {
		if (count > SEM_SYSV_VALUE_MAX) {
			errno = ERANGE;
			return -1;
		}
		return sem_sysv_op(h, (int)count, NULL, undo);
	}
	for (i = 0; i < count; i++)
		if (sem_post(h->psem) < 0)
			return -1;
	return 0;
}

int sem_value(const struct sem_handle *h, int *value)
{
	if (h->sysv) {
		*value = semctl(h->id, h->index, GETVAL);
		return *value < 0 ? -1 : 0;
	}
	return sem_getvalue(h->psem, value);
}

void sem_detach(struct sem_handle *h)
{
	if (h->psem)
		sem_close(h->psem);
	sem_init_handle(h);
}

int sem_remove(const struct objref *ref)
{
	int id;

	if (!objref_is_sysv(ref))
		return sem_unlink(ref->name);
	id = sem_sysv_id(ref);
	if (id < 0)
		return -1;
	if (semctl(id, 0, IPC_RMID) < 0) {
		if (errno == EINVAL || errno == EIDRM)
			errno = ENOENT;
		return -1;
	}
	return 0;
}
