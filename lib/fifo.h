/* Named pipes: create, open for reading or writing with deadlines, remove. */
#ifndef IPCTOOL_FIFO_H
#define IPCTOOL_FIFO_H

#include <stdbool.h>
#include <sys/types.h>

#include "clock.h"
#include "procfd.h"

/*
 * Create a FIFO with exactly this mode (the umask does not apply).
 * Exclusive: EEXIST if the path exists, unless reuse and it is a FIFO
 * already (then *created is false). Never follows a symlink.
 */
int fifo_create(const char *path, mode_t mode, bool reuse, bool *created);
/*
 * Open for reading and wait, until the deadline, for a writer to appear
 * (ETIMEDOUT); with wait, for the FIFO to appear first. A path that is not
 * a FIFO is refused: EINVAL, or ELOOP for a symlink, which is never followed.
 */
int fifo_open_read(const char *path, const struct deadline *d, bool wait);
/*
 * Open for writing, waiting until the deadline for a reader (ETIMEDOUT).
 * With wait, a missing path is waited for too; otherwise ENOENT at once.
 */
int fifo_open_write(const char *path, const struct deadline *d, bool wait);
/*
 * Remove the path only if it is a FIFO itself: EINVAL otherwise, ELOOP for
 * a symlink (never followed).
 */
int fifo_remove(const char *path);
/*
 * What fifo info shows. The buffer figures come from a holder's own
 * descriptor (pidfd_getfd), or from an open for reading while another
 * reader holds the FIFO, so inspecting never wakes a writer blocked in
 * open(2) nor hands anyone an end of file.
 */
struct fifo_info {
	bool live;		/* buffered and capacity were read from the pipe */
	bool idle;		/* nobody holds it open: no buffer exists */
	size_t buffered;	/* bytes waiting to be read (FIONREAD) */
	size_t capacity;	/* pipe buffer size (F_GETPIPE_SZ); a new pipe's if idle */
	size_t readers, writers; /* processes holding it for reading / writing */
	struct procfd_holder *holders;
	size_t nholders;
};

/*
 * Inspect the FIFO at path (never following a symlink: ELOOP; not a FIFO:
 * EINVAL). Release with fifo_info_free.
 */
int fifo_info_get(const char *path, struct fifo_info *info);
void fifo_info_free(struct fifo_info *info);
/* Best effort: grow a pipe's buffer towards size bytes. */
void fifo_grow(int fd, size_t size);

#endif
