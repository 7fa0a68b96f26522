/*
 * Which processes hold a file open: a scan of /proc/PID/fd and fdinfo.
 * Processes we may not inspect (other users, without privilege) are skipped.
 */
#ifndef IPCTOOL_PROCFD_H
#define IPCTOOL_PROCFD_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct procfd_holder {
	pid_t pid;
	int fd;
	int flags;		/* open(2) flags from fdinfo: O_ACCMODE, O_NONBLOCK... */
	char comm[17];		/* /proc/PID/comm */
};

/* True if the holder can read / write through its descriptor. */
bool procfd_reads(const struct procfd_holder *h);
bool procfd_writes(const struct procfd_holder *h);

/*
 * Every descriptor of every process that refers to the inode (dev, ino),
 * sorted by pid then fd. The caller frees *out. Returns 0 or -1 (errno).
 */
int procfd_holders(dev_t dev, ino_t ino, struct procfd_holder **out, size_t *n);

/*
 * A process's state letter and start time (clock ticks after boot) from
 * /proc/PID/stat; either pointer may be NULL. 0, or -1 when it cannot be
 * read (gone, or hidden from us).
 */
int procfd_stat(pid_t pid, char *state, unsigned long long *start);

/* "1234:cat:r,5678:sh:w" into buf (truncated to len); one entry per pid. */
void procfd_format(const struct procfd_holder *h, size_t n, char *buf, size_t len);

#endif
