/*
 * Removing IPC objects named by an ipcref: each kind through its module's
 * one removal (mq_remove, shm_remove, sem_remove, fifo_remove).
 */
#include "ipcrm.h"
#include "sock.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "fifo.h"
#include "mq.h"
#include "sem.h"
#include "shm.h"

union ipcrm_semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static int ipcrm_fail(const char **why, const char *what, int err)
{
	if (why)
		*why = what;
	errno = err;
	return -1;
}

/* The System V identifier a reference names: id:, or the key's object. */
static int ipcrm_sysv_id(const struct ipcref *ref)
{
	key_t key;

	if (ref->obj.kind == OBJREF_ID)
		return ref->obj.id;
	if (objref_key(&ref->obj, &key) < 0)
		return -1;
	switch (ref->kind) {
	case IPCREF_MQ:
		return msgget(key, 0);
	case IPCREF_SHM:
		return shmget(key, 0, 0);
	default:
		return semget(key, 0, 0);
	}
}

bool ipcrm_unix_is_stale(const char *path)
{
	return sock_unix_stale(path);
}

/* lstat checks shared by check and remove; 0 when the path is what ref says. */
static int ipcrm_check_path(const struct ipcref *ref, const char **why)
{
	struct stat st;

	if (lstat(ref->path, &st) < 0)
		return -1;
	if (S_ISLNK(st.st_mode))
		return ipcrm_fail(why, "a symbolic link, which is not followed", ELOOP);
	if (ref->kind == IPCREF_FIFO && !S_ISFIFO(st.st_mode))
		return ipcrm_fail(why, "not a FIFO", EINVAL);
	if (ref->kind == IPCREF_UNIX && !S_ISSOCK(st.st_mode))
		return ipcrm_fail(why, "not a socket", EINVAL);
	if (ref->kind == IPCREF_UNIX && !ipcrm_unix_is_stale(ref->path))
		return ipcrm_fail(why, "in use: a process listens on it", EADDRINUSE);
	return 0;
}

/* shm:/sem.NAME is the file of semaphore /NAME: refuse the wrong kind. */
static int ipcrm_check_shm_name(const struct ipcref *ref, const char **why)
{
	if (ref->kind == IPCREF_SHM && ref->obj.kind == OBJREF_POSIX &&
	    strncmp(ref->obj.name, "/sem.", 5) == 0)
		return ipcrm_fail(why, "a POSIX semaphore's file (name it sem:/NAME)", EINVAL);
	return 0;
}

int ipcrm_check(const struct ipcref *ref, const char **why)
{
	char path[NAME_MAX + 32];
	struct semid_ds sds;
	struct stat st;

	if (ref->kind == IPCREF_FIFO || ref->kind == IPCREF_UNIX)
		return ipcrm_check_path(ref, why);
	if (ipcrm_check_shm_name(ref, why) < 0)
		return -1;
	if (ref->obj.kind != OBJREF_POSIX) {
		int id = ipcrm_sysv_id(ref), rc;

		if (id < 0)
			return -1;
		if (ref->kind == IPCREF_MQ)
			rc = msgctl(id, IPC_STAT, &(struct msqid_ds){ 0 });
		else if (ref->kind == IPCREF_SHM)
			rc = shmctl(id, IPC_STAT, &(struct shmid_ds){ 0 });
		else
			rc = semctl(id, 0, IPC_STAT, (union ipcrm_semun){ .buf = &sds });
		/* A wrong id is EINVAL: say "no such object". */
		if (rc < 0 && errno == EINVAL)
			errno = ENOENT;
		return rc < 0 ? -1 : 0;
	}
	if (ref->kind == IPCREF_MQ)
		snprintf(path, sizeof(path), "/dev/mqueue%s", ref->obj.name);
	else if (ref->kind == IPCREF_SHM)
		return shm_posix_check(ref->obj.name, why);
	else
		snprintf(path, sizeof(path), "/dev/shm/sem.%s", ref->obj.name + 1);
	return lstat(path, &st);
}

int ipcrm_remove(const struct ipcref *ref, const char **why)
{
	int rc;

	if (why)
		*why = NULL;
	switch (ref->kind) {
	case IPCREF_FIFO:
		if (ipcrm_check_path(ref, why) < 0)
			return -1;
		return fifo_remove(ref->path);
	case IPCREF_UNIX:
		if (ipcrm_check_path(ref, why) < 0)
			return -1;
		/* Checked again and removed through the directory: the
		 * check above only words the refusal. */
		return sock_unix_remove_stale(ref->path);
	case IPCREF_MQ:
	case IPCREF_SHM:
	case IPCREF_SEM:
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	if (ipcrm_check_shm_name(ref, why) < 0)
		return -1;
	/* The one removal per kind, as mq rm, shm rm and sem rm do it. */
	if (ref->kind == IPCREF_MQ)
		rc = mq_remove(&ref->obj);
	else if (ref->kind == IPCREF_SHM)
		rc = shm_remove(&ref->obj, why);
	else
		rc = sem_remove(&ref->obj);
	/* A wrong System V id is EINVAL: say "no such object". */
	if (rc < 0 && errno == EINVAL && ref->obj.kind != OBJREF_POSIX)
		errno = ENOENT;
	return rc;
}
