/*
 * System V message queues: the mq: transport for key:, id: and ftok:
 * (lib/msgend.h), and the attributes `mq info` and `mq ls` show (lib/mq.h).
 */
#ifndef IPCTOOL_SYSVMSG_H
#define IPCTOOL_SYSVMSG_H

#include <stdbool.h>
#include <stdint.h>

#include "endpoint.h"
#include "msgend.h"
#include "objref.h"

struct mq_info;

extern const struct msgend_ops msgend_sysv_mq_ops;
/* Whether an mq: endpoint names a System V queue: its table row's match. */
bool sysvmsg_match(const struct endpoint *ep);
/* Attributes of one queue. */
int sysvmsg_info(int id, struct mq_info *info);
/* The System V identifier of ref (key:, id:, ftok:), without creating it. */
int sysvmsg_lookup(const struct objref *ref);
/* The kernel's largest System V message (msgmax). */
uint64_t sysvmsg_msgmax(void);

#endif
