/*
 * The shm: transport: ipctool's ring (lib/ring.h) in a shared memory
 * segment, behind lib/msgend.h with every fast path (batches, receive in
 * place, byte streams straight from and to a descriptor).
 */
#ifndef IPCTOOL_SHMRING_H
#define IPCTOOL_SHMRING_H

#include "msgend.h"

extern const struct msgend_ops msgend_ring_ops;

#endif
