/*
 * Message endpoints: one message at a time, with its metadata, whatever
 * carries it (POSIX and System V queues, datagram and seqpacket sockets,
 * UDP, the shared-memory ring). send, recv, relay and bench use only this
 * interface; a transport plugs in as one more struct msgend_ops, named by
 * its row of the transport table (lib/transport.c).
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
#include <sys/uio.h>
#include <time.h>

#include "clock.h"
#include "endpoint.h"
#include "sock.h"
#include "transport.h"

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
	const struct sock_allow *allow; /* unix sockets: which peers (copied), or NULL */
	bool sequenced;		/* udp: -F chunk's sequence header (lib/msgsock.c) */
	bool counted;		/* rings: the receiver waits for a count (recv -c): a close
				 * with no writer left waits for the next writer */
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
	/*
	 * Fast paths, all optional (NULL: absent; the msgend_* wrappers below
	 * then fail with ENOTSUP). A NULL deadline waits as long as it takes.
	 * Send several messages under one publication (rings).
	 */
	int (*batch_begin)(struct msgend *me, const struct deadline *d);
	int (*batch_put)(struct msgend *me, const void *buf, size_t len, const struct deadline *d);
	void (*batch_end)(struct msgend *me);
	/*
	 * Receive in place: up to max messages (and, after the first,
	 * maxbytes bytes) without taking them; flags MSGEND_STOP_EMPTY.
	 * 1 (*n messages in iov), MSGEND_EOS, -1 with errno as msgend_recv.
	 * peek_commit takes all of them, peek_abort leaves all of them for
	 * the next receive. These are the "taken from the source" hand-over.
	 */
	int (*peekv)(struct msgend *me, struct iovec *iov, size_t max, size_t maxbytes,
		     unsigned flags, size_t *n, const struct deadline *d);
	/* The metadata msgend_recv would give the peeked messages (optional). */
	void (*peek_meta)(struct msgend *me, struct msg_meta *meta);
	void (*peek_commit)(struct msgend *me);
	void (*peek_abort)(struct msgend *me);
	/*
	 * Put a received message back (queues, which cannot peek): never
	 * blocks, async-signal-safe (a signal handler puts back the message
	 * in flight). NULL: the transport cannot.
	 */
	int (*unrecv)(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta);
	/* Wait until a send would not block (POSIX queues: poll(2)); NULL: unknown. */
	int (*wait_room)(struct msgend *me, const struct deadline *d);
	/* A byte stream straight between fd and the transport (--framing chunk). */
	int (*send_from_fd)(struct msgend *me, int fd, const struct deadline *d, size_t *moved,
			    bool *input_failed);
	int (*recv_to_fd)(struct msgend *me, int fd, size_t max, const struct deadline *d,
			  size_t *moved, size_t *records, bool *output_failed);
};

struct msgend {
	const struct msgend_ops *ops;
	const struct endpoint *ep;
	enum msgend_role role;
	size_t msgsize;		/* largest message, set by open */
	bool created;		/* open created the object */
	bool closed;		/* msgend_close ran */
	bool writable;		/* a receiver may also send (to put back): POSIX queues */
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
	uint64_t lost;		/* messages the transport knows were lost (udp -F chunk) */
	uint64_t lost_of;	/* ...out of this many sent */
	bool lost_tail;		/* ...and whether some at the end may be (no end marker yet) */
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

/*
 * Fast paths. Each fails with -1 and errno ENOTSUP when the transport lacks
 * it (msgend_can tells beforehand); the void ones then do nothing.
 *
 * Batches: msgend_batch_put sends like msgend_send (EMSGSIZE, ETIMEDOUT,
 * EPIPE), but the messages are published together by msgend_batch_end, with
 * at most one wake-up of the receiver. After a failed put the batch stays
 * open: end it in any case.
 */
int msgend_batch_begin(struct msgend *me, const struct deadline *d);
int msgend_batch_put(struct msgend *me, const void *buf, size_t len, const struct deadline *d);
void msgend_batch_end(struct msgend *me);
/*
 * Receive in place: the next message as msgend_recv would (waiting until
 * the deadline), then those already there, up to max messages and (after
 * the first) maxbytes bytes; with MSGEND_STOP_EMPTY none after an empty
 * message. Returns 1 with *n messages in iov (they point into the
 * transport: valid until msgend_peek_commit or msgend_peek_abort, which
 * must follow), MSGEND_EOS, or -1 with errno as msgend_recv.
 * msgend_peek_commit takes them all; msgend_peek_abort leaves them all for
 * the next receive (by this or another receiver).
 */
#define MSGEND_STOP_EMPTY 1u
int msgend_peekv(struct msgend *me, struct iovec *iov, size_t max, size_t maxbytes,
		 unsigned flags, size_t *n, const struct deadline *d);
void msgend_peek_commit(struct msgend *me);
void msgend_peek_abort(struct msgend *me);
/* The metadata msgend_recv would have given them (time, sender), into meta. */
void msgend_peek_meta(struct msgend *me, struct msg_meta *meta);
/*
 * A byte stream without a copy in between. msgend_send_from_fd reads once
 * from fd straight into the transport as one message of at most
 * me->msgsize bytes: 1 (*moved bytes sent), 0 at the end of the input, or
 * -1 with errno; *input_failed tells a read error from a transport error.
 * msgend_recv_to_fd writes the next messages, as many as are there (at most
 * max), to fd at once: 1 (*records messages of *moved bytes), MSGEND_EOS, or
 * -1 with errno; *output_failed tells a write error apart (the messages
 * then stay for the next receive).
 */
int msgend_send_from_fd(struct msgend *me, int fd, const struct deadline *d, size_t *moved,
			bool *input_failed);
int msgend_recv_to_fd(struct msgend *me, int fd, size_t max, const struct deadline *d,
		      size_t *moved, size_t *records, bool *output_failed);

/*
 * Put back a message msgend_recv returned (with its metadata: a POSIX
 * priority, a System V type) when it could not be delivered. It goes to
 * the back of the queue (of its priority class). Never blocks: -1 with
 * errno EAGAIN when the queue filled up meanwhile, ENOTSUP when the
 * transport cannot (msgend_can_unrecv tells beforehand). Async-signal-safe.
 */
int msgend_unrecv(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta);
bool msgend_can_unrecv(const struct msgend *me);
/*
 * Wait until d (NULL: no limit) for room for one message: 0, or -1 with
 * errno ETIMEDOUT. 0 at once where the transport cannot tell (a send may
 * still block: this only makes taking before sending rarely wasted).
 */
int msgend_wait_room(struct msgend *me, const struct deadline *d);

enum msgend_fast {
	MSGEND_FAST_BATCH,	/* msgend_batch_* */
	MSGEND_FAST_PEEK,	/* msgend_peekv, _peek_commit, _peek_abort */
	MSGEND_FAST_FD,		/* msgend_send_from_fd (sender), msgend_recv_to_fd (receiver) */
};
/* Whether the open endpoint me has the fast path what (for its role). */
bool msgend_can(const struct msgend *me, enum msgend_fast what);

/* Whether role opens a socket endpoint by listening (bind) or connecting. */
bool msgend_listens(const struct endpoint *ep, enum msgend_role role,
		    const struct msgend_opts *o);

#endif
