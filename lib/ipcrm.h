/* Removing IPC objects named by an ipcref, as ipctool rm does. */
#ifndef IPCTOOL_IPCRM_H
#define IPCTOOL_IPCRM_H

#include <stdbool.h>

#include "ipcref.h"

/*
 * Remove the object. -1 with errno on failure, and *why set when errno
 * alone would mislead: ENOENT (no such object), EINVAL (not a FIFO, a
 * socket, or a semaphore's file named as shm:), ELOOP (a symbolic link,
 * never followed), EADDRINUSE (a UNIX socket someone listens on).
 */
int ipcrm_remove(const struct ipcref *ref, const char **why);
/* Whether the object exists, without removing it (for --dry-run). */
int ipcrm_check(const struct ipcref *ref, const char **why);
/* A UNIX socket file nobody listens on: connecting is refused. */
bool ipcrm_unix_is_stale(const char *path);

#endif
