/* Named pipes: create, open for reading or writing with deadlines, remove. */
#ifndef IPCTOOL_FIFO_H
#define IPCTOOL_FIFO_H

#include <stdbool.h>
#include <sys/types.h>

#include "clock.h"

/*
 * Create a FIFO with exactly this mode (the umask does not apply).
 * Exclusive: EEXIST if the path exists, unless reuse and it is a FIFO
 * already (then *created is false). Never follows a symlink.
 */
int fifo_create(const char *path, mode_t mode, bool reuse, bool *created);
/*
 * Open for reading and wait, until the deadline, for a writer to appear
 * (ETIMEDOUT). A path that is not a FIFO is refused: EINVAL, or ELOOP for
 * a symlink, which is never followed.
 */
int fifo_open_read(const char *path, const struct deadline *d);
/*
 * Open for writing, waiting until the deadline for a reader (ETIMEDOUT).
 * With wait, a missing path is waited for too; otherwise ENOENT at once.
 */
int fifo_open_write(const char *path, const struct deadline *d, bool wait);
/* Remove the path only if it is a FIFO itself (EINVAL otherwise). */
int fifo_remove(const char *path);
/* Best effort: grow a pipe's buffer towards size bytes. */
void fifo_grow(int fd, size_t size);

#endif
