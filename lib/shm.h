/*
 * Shared-memory segments, POSIX (/NAME: shm_open, ftruncate, mmap) and
 * System V (key:, key:private, ftok:, id:: shmget, shmat), behind one
 * handle: create, open, map, describe, remove (`shm ls` reads the
 * inventory, lib/ipcinfo*.c).
 */
#ifndef IPCTOOL_SHM_H
#define IPCTOOL_SHM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "objref.h"

struct shm_seg {
	struct objref ref;
	bool sysv;
	int fd;			/* POSIX: the shm_open descriptor, or -1 */
	int id;			/* System V: the identifier, or -1 */
	uint64_t size;
	void *base;		/* once mapped */
	bool writable;
	bool created;
};

struct shm_desc {
	char ref[OBJREF_NAME_MAX + 32];	/* "/name" or "key:0x..."/"id:N" */
	bool sysv;
	key_t key;
	int id;
	uint64_t size;
	mode_t mode;
	uid_t uid, cuid;
	gid_t gid, cgid;
	long nattch;		/* System V: shm_nattch; POSIX: processes mapping it */
	pid_t cpid, lpid;	/* System V only; 0 otherwise */
	time_t atime, dtime, ctime, mtime;
};

/*
 * Create a segment of size bytes with exactly mode (the umask does not
 * apply). Exclusive (EEXIST) unless reuse, which opens an existing one
 * (growing it to size if smaller). key:private always makes a new one; its
 * id is in s->id.
 */
int shm_create(const struct objref *ref, uint64_t size, mode_t mode, bool reuse,
	       struct shm_seg *s);
/*
 * The same, but what reuse finds is opened as it is, never resized nor
 * filled in: for a ring, which checks what it finds and uses it or
 * refuses it untouched.
 */
int shm_create_asis(const struct objref *ref, uint64_t size, mode_t mode, bool reuse,
		    struct shm_seg *s);
/* Open an existing segment for reading or also writing. */
int shm_open_ref(const struct objref *ref, bool writable, struct shm_seg *s);
/*
 * Copy the segment's first len bytes (fewer when it is smaller: *got) to
 * buf without mapping a POSIX segment: a hole in a file of a full
 * /dev/shm reads as zeros here, where a mapping would fault (SIGBUS).
 */
int shm_read_head(struct shm_seg *s, void *buf, size_t len, size_t *got);
/* Map (POSIX) or attach (System V) the whole segment. */
int shm_map(struct shm_seg *s);
/* Unmap or detach, and close. */
void shm_close(struct shm_seg *s);
/*
 * Whether a POSIX name is a segment: a regular file in /dev/shm. A symbolic
 * link, FIFO, directory... there is none (EINVAL, and *why says what it is).
 */
int shm_posix_check(const char *name, const char **why);
/* Remove the object (the memory stays until the last user detaches); a
 * POSIX name only when it is a segment (shm_posix_check). */
int shm_remove(const struct objref *ref, const char **why);
/* Remove by an open handle; async-signal-safe (for --rm on a signal). */
int shm_remove_seg(const struct shm_seg *s);
/* Describe an open segment. */
int shm_stat(const struct shm_seg *s, struct shm_desc *info);

#endif
