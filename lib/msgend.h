/*
 * Message endpoints: one message at a time, with its metadata, whatever
 * carries it (POSIX and System V queues, datagram and seqpacket sockets,
 * UDP, the shared-memory ring). send, recv, relay and bench use only this
 * interface; a transport plugs in as one more struct msgend_ops.
 *
 * End of stream and the empty message are different things:
 * - msgend_recv returns 1 for a message, whose length may be 0 (an empty
 *   message: what `send --eof` sends, and what `recv --eof` stops at);
 * - it returns 0 (MSGEND_EOS) when the transport itself says no message
 *   will ever come again: a seqpacket peer closed the connection, a ring's
 *   writer closed it. Queues and datagram sockets have no end of stream;
 *   an empty message is their only way to say "done".
 */
#ifndef IPCTOOL_MSGEND_H
#define IPCTOOL_MSGEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "clock.h"
#include "endpoint.h"
#include "sock.h"

enum msgend_role { MSGEND_SENDER, MSGEND_RECEIVER };

/* How to open: what --create, --wait, --listen... asked for. */
struct msgend_opts {
	bool create;		/* create the object (exclusively unless reuse) */
	bool reuse;		/* with create: use an existing one; sockets: replace a stale file */
	mode_t mode;		/* of what create makes (0600 by default) */
	uint64_t maxmsg;	/* queue depth for create; 0: the system default */
	uint64_t msgsize;	/* largest message for create (sockets: the limit used); 0: default */
	uint64_t capacity;	/* ring bytes for create; 0: default */
	bool listen, connect;	/* sockets: override the role's default */
	bool wait;		/* wait for the object or the peer to appear */
	int64_t wait_ms;	/* how long (-1: forever) */
	bool keep;		/* rings: a writer's close is not end of stream (recv -k) */
};

#define MSGEND_SENDER_MAX 128

/* What travels with a message. Unset fields are 0 / empty. */
struct msg_meta {
	bool has_priority;	/* POSIX queues */
	unsigned priority;
	bool has_type;		/* System V queues: > 0 */
	long type;
	char sender[MSGEND_SENDER_MAX]; /* sockets: "127.0.0.1:4000", "pid 12", a path */
	struct timespec time;	/* CLOCK_REALTIME when msgend_recv returned it */
};

struct msgend;

/* A transport. Every function follows the msgend_* contract below. */
struct msgend_ops {
	const char *name;
	int (*open)(struct msgend *me, const struct msgend_opts *o, const char **why);
	int (*send)(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta,
		    const struct deadline *d);
	int (*recv)(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
		    const struct deadline *d);
	void (*close)(struct msgend *me);
	/* Remove the object; must be async-signal-safe (called on SIGINT). */
	int (*remove)(struct msgend *me);
};

struct msgend {
	const struct msgend_ops *ops;
	const struct endpoint *ep;
	enum msgend_role role;
	size_t msgsize;		/* largest message, set by open */
	bool created;		/* open created the object */
	bool closed;		/* msgend_close ran */
	bool has_priority;	/* messages carry a POSIX priority */
	bool has_type;		/* messages carry a System V type */
	long recv_type;		/* System V: msgrcv(2)'s msgtyp (0: the first message) */
	/* Backend state. */
	int fd;			/* queue descriptor, socket, or -1 */
	int lfd;		/* listening socket, or -1 */
	int id;			/* System V identifier, or -1 */
	key_t key;
	struct sock_file sockfile;
	void *priv;		/* anything else a backend needs (freed by its close) */
	char name[OBJREF_NAME_MAX + 16]; /* canonical object name, for messages */
};

/*
 * Open ep for role. Returns 0, or -1 with errno set (ENOTSUP for a kind this
 * build lacks; ETIMEDOUT when o->wait ran out) and *why set when the failure
 * is not an errno one. On failure nothing needs closing.
 */
int msgend_open(struct msgend *me, const struct endpoint *ep, enum msgend_role role,
		const struct msgend_opts *o, const char **why);
/*
 * Send one message of len bytes (0 is an empty message). meta may be NULL;
 * fields the transport has no use for are ignored. d NULL: wait as long as
 * it takes. Returns 0, or -1 with errno: EMSGSIZE when len > me->msgsize
 * (nothing sent), ETIMEDOUT when the deadline passed (a passed deadline
 * tries once), EPIPE/ECONNREFUSED when the peer went away.
 */
int msgend_send(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta,
		const struct deadline *d);
/*
 * Receive one message into buf, which holds me->msgsize bytes; *len gets its
 * length. meta may be NULL. Returns 1 for a message, MSGEND_EOS (0) at the
 * end of the stream, -1 with errno: ETIMEDOUT when nothing arrived by the
 * deadline (a passed deadline polls once), EMSGSIZE when a message did not
 * fit (it is lost; only a peer that ignores our size can cause it).
 */
#define MSGEND_EOS 0
int msgend_recv(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
		const struct deadline *d);
/* Release the endpoint; a seqpacket or ring sender's close is end of stream. */
void msgend_close(struct msgend *me);
/* Remove the object (queue, socket file, ring). Async-signal-safe. */
int msgend_remove(struct msgend *me);
/* Whether role opens a socket endpoint by listening (bind) or connecting. */
bool msgend_listens(const struct endpoint *ep, enum msgend_role role,
		    const struct msgend_opts *o);

/* The backends; each lives in its own lib file. */
extern const struct msgend_ops msgend_posix_mq_ops;	/* lib/mq.c */
extern const struct msgend_ops msgend_sysv_mq_ops;	/* lib/sysvmsg.c */
extern const struct msgend_ops msgend_socket_ops;	/* lib/msgsock.c */
extern const struct msgend_ops msgend_ring_ops;		/* lib/shmring.c */

#endif
