/*
 * Paths that ipctool creates, inspects or removes (FIFOs, socket files, pid
 * files), reached through a descriptor of their directory instead of by
 * name (DESIGN section 5, Trust). A name is resolved once, when the
 * directory is opened; checking and acting then happen on the same
 * directory, so another user who swaps a directory for a symbolic link
 * between the check and the act cannot turn the act onto a file elsewhere.
 *
 * A symbolic link on the way to the directory is followed only when it
 * belongs to root or to the caller (like /var/run -> /run); one that
 * belongs to anybody else is refused with ELOOP. The last component is
 * never followed.
 */
#ifndef IPCTOOL_PATHAT_H
#define IPCTOOL_PATHAT_H

#include <limits.h>
#include <stdbool.h>
#include <sys/stat.h>
#include <sys/types.h>

struct pathat {
	int dirfd;		/* the directory holding name (O_PATH), or -1 */
	char name[NAME_MAX + 1];	/* the last component */
};

/*
 * Open the directory that holds path's last component. -1 with errno:
 * ELOOP for a symbolic link on the way that belongs to another user,
 * ENOENT/ENOTDIR/EACCES as open(2), EINVAL for a path without a last
 * component ("", "/", "dir/", ".."), ENAMETOOLONG.
 */
int pathat_open(struct pathat *p, const char *path);
/* Close the directory (async-signal-safe); p->dirfd becomes -1. */
void pathat_close(struct pathat *p);
/* fstatat without following the last component. */
int pathat_stat(const struct pathat *p, struct stat *st);
/*
 * Remove the name only if it is of type (S_IFIFO, S_IFSOCK, S_IFREG) and,
 * when same is given, the same file (st_dev, st_ino). EINVAL for another
 * type, ELOOP for a symbolic link, ESTALE for another file. Async-signal-safe.
 */
int pathat_unlink(const struct pathat *p, mode_t type, const struct stat *same);
/* mkfifoat with exactly this mode (the umask does not apply). */
int pathat_mkfifo(const struct pathat *p, mode_t mode);
/*
 * Run fn(name, arg) with the working directory moved to p's directory
 * (bind(2) and connect(2) take a name, not a directory descriptor), and
 * move it back. Returns what fn returned, errno kept; -1 if the working
 * directory could not be moved.
 */
int pathat_in(const struct pathat *p, int (*fn)(const char *name, void *arg), void *arg);

#endif
