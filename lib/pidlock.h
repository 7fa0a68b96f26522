/*
 * A pid file that says "this process is here" (signal wait --pidfile),
 * made without following a symbolic link and locked with flock(2), so that
 * a second holder is refused while the first lives and a file left by a
 * killed one is taken over. Reached through its directory (lib/pathat.h).
 */
#ifndef IPCTOOL_PIDLOCK_H
#define IPCTOOL_PIDLOCK_H

#include <sys/stat.h>
#include <sys/types.h>

#include "pathat.h"

struct pidlock {
	struct pathat at;
	int fd;			/* the locked file, or -1 */
	struct stat st;		/* its identity, for removal */
};

/*
 * Create or take over the file at path (mode for a new one) and lock it.
 * -1 with errno: EEXIST when a live process holds it (*other its pid, 0 if
 * unreadable), ELOOP for a symbolic link, EINVAL when it is not a regular
 * file, EPERM when it belongs to another user or has other names (links).
 */
int pidlock_open(struct pidlock *pl, const char *path, mode_t mode, pid_t *other);
/* Write our pid (the file is emptied first). */
int pidlock_write(struct pidlock *pl);
/* Remove the file if it is still ours; async-signal-safe. */
void pidlock_remove(struct pidlock *pl);
/* Close (and so unlock) without removing. */
void pidlock_close(struct pidlock *pl);

#endif
