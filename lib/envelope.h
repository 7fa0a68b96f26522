/*
 * The envelope of call and serve on queues and rings, which have no return
 * address (ipctool-endpoints(7), "Requests and replies"): a request names
 * the caller's private reply object, a reply carries the request's id.
 * Everything parsed here is untrusted input; the trust rule that says
 * whether serve may write into a named reply object lives here too.
 */
#ifndef IPCTOOL_ENVELOPE_H
#define IPCTOOL_ENVELOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "endpoint.h"
#include "msgend.h"

/* magic (8) version (1) flags (1) reply name length (2, big-endian) id (8);
 * the flags of a request are 0, of a reply the signal that cut it short */
#define ENVELOPE_HEADER 20
#define ENVELOPE_VERSION 1
#define ENVELOPE_NAME_MAX 255
/* A POSIX reply object's name: this prefix, then 32 random hex digits. */
#define ENVELOPE_REPLY_PREFIX "/ipctool-reply-"

enum envelope_type {
	ENVELOPE_PLAIN,		/* no envelope: a message from send */
	ENVELOPE_REQUEST,	/* "\0IPCCALL": names a reply object */
	ENVELOPE_REPLY,		/* "\0IPCRPLY": answers the request with its id */
};

struct envelope {
	enum envelope_type type;
	uint64_t id;
	char reply[ENVELOPE_NAME_MAX + 1]; /* a request's reply endpoint ("mq:/ipctool-reply-...") */
	int signal;		/* a reply: the signal that killed the server's command
				 * before it ended (the reply is what it wrote), or 0 */
	const void *payload;	/* into the parsed message */
	size_t len;
};

/*
 * Write the header of a request (reply: its endpoint text) or of a reply
 * (reply NULL) into buf: its length, or -1 with errno EMSGSIZE when it
 * does not fit cap (or the name is too long).
 */
ssize_t envelope_header(void *buf, size_t cap, enum envelope_type type, uint64_t id,
			const char *reply);
/* The highest signal number a reply may carry. */
#define ENVELOPE_SIGNAL_MAX 64
/* Mark a reply header envelope_header wrote as cut short by signal sig. */
void envelope_set_signal(void *buf, int sig);
/*
 * Read a message: ENVELOPE_PLAIN (e->payload is the whole message), a
 * request or a reply in *e; -1 with *why when it starts with a magic but
 * is malformed (bad version, flags, lengths, a name with a NUL byte).
 */
int envelope_parse(const void *msg, size_t len, struct envelope *e, const char **why);

/* An unpredictable 64-bit number (a request id, a reply object's name). */
uint64_t envelope_random(void);
/*
 * The reply object for a caller of req (same transport): a POSIX name with
 * ENVELOPE_REPLY_PREFIX and random digits, or key:private for System V,
 * as endpoint text into buf. 0, or -1 with errno.
 */
int envelope_reply_text(const struct endpoint *req, char *buf, size_t len);

/* Who owns a queue or ring, as the kernel says. */
struct envelope_owner {
	uid_t uid, cuid;	/* POSIX: cuid is uid */
	mode_t mode;		/* permission bits */
	bool sysv;
	key_t key;		/* System V */
};

/* The owner of the open queue or ring me (fstat, IPC_STAT): 0 or -1 with errno. */
int envelope_owner(const struct msgend *me, struct envelope_owner *o);
/*
 * Whether a request read from req may name rep as its reply endpoint,
 * before opening it: the same transport, and a reply object's form (the
 * POSIX prefix, or a System V id). false with *why otherwise.
 */
bool envelope_reply_named(const struct endpoint *req, const struct endpoint *rep,
			  const char **why);
/*
 * The trust rule, once rep is open (without creating): serve may write a
 * reply into rep only when whoever put the request into req could write
 * rep itself. Queues carry no sender credentials, so: req is writable by
 * its owner alone (no group or other write bit), rep is a reply object
 * (mode 0600, System V: a private key, made by its owner) and has the same
 * owner. false with *why otherwise.
 */
bool envelope_reply_allowed(const struct envelope_owner *req, const struct envelope_owner *rep,
			    const char **why);

#endif
