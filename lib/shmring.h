/*
 * The shm: transport: ipctool's ring (lib/ring.h) in a shared memory
 * segment, behind lib/msgend.h with every fast path (batches, receive in
 * place, byte streams straight from and to a descriptor).
 */
#ifndef IPCTOOL_SHMRING_H
#define IPCTOOL_SHMRING_H

#include <stdbool.h>
#include <stddef.h>

#include "clock.h"
#include "msgend.h"

struct ring;

extern const struct msgend_ops msgend_ring_ops;

/* Below: the fast paths' old names, until cmd/ uses msgend_* only. */

/*
 * Read once from fd into the ring as one record of at most me->msgsize
 * bytes (as much as is free before the wrap, waiting for an eighth of the
 * ring). Returns 1 (*moved bytes sent), 0 at the end of the input, or -1
 * with errno; *input_failed tells a read error from a ring error.
 */
int shmring_send_fd(struct msgend *me, int fd, const struct deadline *d, size_t *moved,
		    bool *input_failed);
/*
 * Write the next records, as many as are there (at most max), to fd with
 * one writev(2). Returns 1 (*records records of *moved bytes), 0 at end of
 * stream, or -1 with errno; *output_failed tells a write error apart.
 */
int shmring_recv_fd(struct msgend *me, int fd, size_t max, const struct deadline *d,
		    size_t *moved, size_t *records, bool *output_failed);
/* The ring under a shm: message endpoint, for batches (lib/ring.h). */
struct ring *shmring_ring(struct msgend *me);

#endif
