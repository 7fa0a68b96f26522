/* POSIX message queues: the mq: transport for /NAME (lib/msgend.h). */
#ifndef IPCTOOL_POSIXMQ_H
#define IPCTOOL_POSIXMQ_H

#include <stdbool.h>
#include <stdint.h>

#include "endpoint.h"
#include "msgend.h"

extern const struct msgend_ops msgend_posix_mq_ops;
/* Whether an mq: endpoint names a POSIX queue (/NAME): its table row's match. */
bool posixmq_match(const struct endpoint *ep);
/* The defaults for queues created without attributes (/proc/sys/fs/mqueue). */
void posixmq_defaults(uint64_t *maxmsg, uint64_t *msgsize);

#endif
