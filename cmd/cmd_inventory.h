/*
 * The one inventory the object commands read: ls, rm (--all, --stale),
 * mq ls and shm ls gather IPC objects through cmd_inventory_gather, which
 * calls the lib/ipcinfo*.c gatherers of the kinds asked for and reports
 * a source that cannot be read.
 */
#ifndef IPCTOOL_CMD_INVENTORY_H
#define IPCTOOL_CMD_INVENTORY_H

#include "../lib/ipcinfo.h"

enum {
	INVENTORY_MQ = 1 << 0,
	INVENTORY_SHM = 1 << 1,
	INVENTORY_SEM = 1 << 2,
	INVENTORY_RING = 1 << 3,	/* segments holding an ipctool ring */
	INVENTORY_SOCKET = 1 << 4,
	INVENTORY_POSIX = 1 << 8,
	INVENTORY_SYSV = 1 << 9,
	INVENTORY_PROCS = 1 << 12,	/* who uses each object: one walk of /proc */
	INVENTORY_QUIET = 1 << 13,	/* no mqueue file system: say nothing */
};

/*
 * Append the selected kinds (of the selected APIs) to list. EXIT_OK, or
 * EXIT_FAIL after reporting a source that could not be read; the rest is
 * gathered all the same. No mqueue file system is reported, not a failure.
 */
int cmd_inventory_gather(struct ipcinfo_list *list, unsigned sel);
/* Where POSIX queues are listed from: $IPCTOOL_MQUEUE_DIR, else /dev/mqueue. */
const char *cmd_inventory_mqueue_dir(void);

#endif
