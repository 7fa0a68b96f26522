/*
 * Semaphores: POSIX named (/NAME) and System V sets (key:, id:, ftok:), one
 * interface. Waits take a deadline: ETIMEDOUT when it passes, EAGAIN at once
 * for a deadline of 0. With undo, System V operations use SEM_UNDO, so the
 * kernel reverts them if the process dies; POSIX semaphores have no such
 * thing.
 */
#ifndef IPCTOOL_SEM_H
#define IPCTOOL_SEM_H

#include <semaphore.h>
#include <stdbool.h>
#include <sys/types.h>

#include "clock.h"
#include "objref.h"

/* The largest value: SEM_VALUE_MAX for POSIX, SEMVMX for System V. */
#define SEM_SYSV_VALUE_MAX 32767

struct sem_handle {
	bool sysv;
	sem_t *psem;		/* POSIX */
	int id;			/* System V: the set */
	int nsems;		/* System V: members in the set */
	unsigned short index;	/* System V: the member operated on */
};

/*
 * Create exclusively with exactly mode (no umask), every member set to
 * value. nsems applies to System V (1 for POSIX). With reuse an existing
 * object is opened instead and left as it is (*created false).
 */
int sem_create(const struct objref *ref, unsigned value, int nsems, mode_t mode, bool reuse,
	       struct sem_handle *h, bool *created);
/* Open an existing semaphore (ENOENT if there is none). */
int sem_attach(const struct objref *ref, struct sem_handle *h);
/* Pick member index of a System V set: ERANGE beyond its size. */
int sem_select(struct sem_handle *h, int index);
/* Decrement by one, waiting until the deadline. */
int sem_acquire(struct sem_handle *h, const struct deadline *d, bool undo);
/* Increment by count (EOVERFLOW/ERANGE past the maximum). */
int sem_release(struct sem_handle *h, unsigned count, bool undo);
int sem_value(const struct sem_handle *h, int *value);
void sem_detach(struct sem_handle *h);
/* Remove the object: sem_unlink(3) or IPC_RMID. */
int sem_remove(const struct objref *ref);

#endif
