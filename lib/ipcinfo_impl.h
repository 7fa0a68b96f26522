/*
 * What the ipcinfo gatherers share (lib/ipcinfo*.c only): the paths they
 * read and the helpers that add and fill an object.
 */
#ifndef IPCTOOL_IPCINFO_IMPL_H
#define IPCTOOL_IPCINFO_IMPL_H

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "ipcinfo.h"
#include "objref.h"

#define IPCINFO_SHM_DIR "/dev/shm"
#define IPCINFO_MQUEUE_MAGIC 0x19800202 /* statfs f_type of an mqueue mount */

/* Linux wants the caller to define this for semctl(2). */
union ipcinfo_semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

/* A new, zeroed object at the end of list; NULL when out of memory. */
struct ipcinfo_obj *ipcinfo_new(struct ipcinfo_list *list);
/* Whether pid names a live process (also one we may not signal). */
bool ipcinfo_pid_alive(pid_t pid);
/* Owner, mode, times, device and inode from a stat. */
void ipcinfo_set_stat(struct ipcinfo_obj *o, const struct stat *st);
/*
 * Give add each line after the header of a /proc table (/proc/sysvipc/msg,
 * /proc/net/unix); add returns -1 when out of memory. An empty table has
 * no objects; -1 with errno when it cannot be read.
 */
int ipcinfo_read_table(const char *path, struct ipcinfo_list *list,
		       int (*add)(struct ipcinfo_list *list, const char *line));

/* Whether a segment of size bytes whose first len bytes are head holds a
 * valid ring (the whole header checked, as shm info and attach check it). */
bool ipcinfo_ring_head_ok(const void *head, size_t len, uint64_t size);

#endif
