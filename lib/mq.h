/*
 * Message queues, both families: attributes for `mq info` (`mq ls` reads
 * the inventory, lib/ipcinfo*.c), removal, and the POSIX and System V
 * transports of lib/msgend.h.
 */
#ifndef IPCTOOL_MQ_H
#define IPCTOOL_MQ_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "objref.h"

struct mq_info {
	bool sysv;
	char name[OBJREF_NAME_MAX + 2];	/* POSIX: "/q"; System V: "" */
	key_t key;			/* System V */
	int id;				/* System V; -1 for POSIX */
	uint64_t maxmsg;		/* POSIX: depth; System V: 0 (bytes limit only) */
	uint64_t msgsize;		/* largest message */
	uint64_t curmsgs;		/* messages queued */
	uint64_t bytes;			/* bytes queued (POSIX QSIZE, System V cbytes) */
	uint64_t qbytes;		/* System V: the queue's byte limit */
	uid_t uid;
	gid_t gid;
	mode_t mode;
	pid_t lspid, lrpid;		/* System V: last sender and receiver */
	time_t stime, rtime, ctime;	/* System V: last send, receive, change (0: never) */
};

/* Attributes of a queue named by ref (any form but key:private). */
int mq_info_get(const struct objref *ref, struct mq_info *info);
/* Remove the queue named by ref. */
int mq_remove(const struct objref *ref);
/* System V (lib/sysvmsg.c): attributes of one queue. */
int sysvmsg_info(int id, struct mq_info *info);
/* The System V identifier of ref (key:, id:, ftok:), without creating it. */
int sysvmsg_lookup(const struct objref *ref);
/* The kernel's largest System V message (msgmax). */
uint64_t sysvmsg_msgmax(void);
/* The POSIX defaults for queues created without attributes. */
void mq_posix_defaults(uint64_t *maxmsg, uint64_t *msgsize);

#endif
