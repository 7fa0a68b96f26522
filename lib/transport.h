/*
 * The transport table: one row per way ipctool moves data (DESIGN section
 * 3). endpoint_parse picks the row, send/recv/relay ask it what applies
 * (its capabilities), msgend_open takes the row's ops, and `ipctool help
 * --endpoints`, the usage text and the completions list its forms. Adding
 * a transport is one lib file with its ops, one row here, its man page
 * text and its tests (HACKING.md).
 */
#ifndef IPCTOOL_TRANSPORT_H
#define IPCTOOL_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "endpoint.h"

/*
 * Capabilities: which options and behaviours apply to a transport. They
 * give today's usage checks their answers: --create on a stream is for
 * TP_CREATE (fifo:), --reuse and --rm on a stream for TP_REUSE and TP_RM
 * (fifo:, unix:), --listen/--connect for TP_SOCKET, --priority for
 * TP_PRIORITY, --type for TP_TYPE, --capacity for TP_CAPACITY, recv -k on
 * a message endpoint for TP_KEEP (a stream's also needs a FIFO or a
 * listening socket), and "--maxmsg/--msgsize need --create" for TP_MAXMSG
 * (queues). Message endpoints are lenient where these bits are not: a ring
 * ignores --maxmsg and --msgsize, udp: --rm and --reuse, as they always did.
 */
#define TP_MESSAGE  (1u << 0)	/* keeps message boundaries (else a byte stream) */
#define TP_SOCKET   (1u << 1)	/* listen/connect roles: --listen, --connect */
#define TP_CREATE   (1u << 2)	/* --create (with --mode) */
#define TP_REUSE    (1u << 3)	/* --reuse (with --create, or unix: stale socket file) */
#define TP_RM       (1u << 4)	/* --rm: there is an object or file to remove */
#define TP_PRIORITY (1u << 5)	/* --priority (POSIX queues) */
#define TP_TYPE     (1u << 6)	/* --type (System V queues) */
#define TP_MAXMSG   (1u << 7)	/* --maxmsg (queues, with --create) */
#define TP_MSGSIZE  (1u << 8)	/* --msgsize (queues with --create; sockets: the limit) */
#define TP_CAPACITY (1u << 9)	/* --capacity (rings) */
#define TP_KEEP     (1u << 10)	/* recv -k (streams: FIFOs and listening sockets) */
#define TP_EOS      (1u << 11)	/* the transport itself can say end of stream */
#define TP_ABSTRACT (1u << 12)	/* @NAME: no file, no file mode */

struct msgend_ops;

struct transport {
	const char *name;	/* unique: "unix-dgram", "posix-mq", "ring" */
	const char *scheme;	/* before the colon ("-" for stdio, which has none) */
	const char *forms;	/* for help and errors: "unix:PATH, unix:@NAME" */
	const char *summary;	/* one line for `ipctool help --endpoints` */
	enum endpoint_kind kind;
	unsigned caps;		/* TP_* */
	/* Parse the spec after the colon into ep (NULL: the scheme is all). */
	int (*parse)(const char *spec, struct endpoint *ep, const char **why);
	/*
	 * Among adjacent rows sharing a scheme (parsed by the first row's
	 * parse): whether ep is this row's. NULL: always.
	 */
	bool (*match)(const struct endpoint *ep);
	const struct msgend_ops *ops; /* message transports; NULL for streams */
};

extern const struct transport transport_table[];
extern const size_t transport_count;

/* The first row of scheme (len bytes, not NUL-terminated), or NULL. */
const struct transport *transport_find(const char *scheme, size_t len);
/* The first row of kind (never NULL for a valid kind). */
const struct transport *transport_for_kind(enum endpoint_kind kind);
/*
 * Every form into buf, adjacent rows with the same forms once, sep between
 * them and last_sep before the last: ", " and " or " give "-, fifo:PATH,
 * ..., mq:OBJECT or shm:OBJECT". Returns the length it needed, as snprintf.
 */
size_t transport_forms(char *buf, size_t size, const char *sep, const char *last_sep);
/* The transport of a parsed endpoint. */
const struct transport *endpoint_transport(const struct endpoint *ep);
/* Whether ep's transport has every capability in caps (TP_*). */
bool endpoint_can(const struct endpoint *ep, unsigned caps);

#endif
