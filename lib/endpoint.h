/* ENDPOINTs: where send, recv, relay and bench move data (DESIGN section 3). */
#ifndef IPCTOOL_ENDPOINT_H
#define IPCTOOL_ENDPOINT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/un.h>

#include "objref.h"

enum endpoint_kind {
	EP_STDIO,		/* - */
	EP_FIFO,		/* fifo:PATH */
	EP_UNIX,		/* unix:PATH, unix:@NAME */
	EP_UNIX_DGRAM,		/* unix-dgram:PATH */
	EP_UNIX_SEQPACKET,	/* unix-seqpacket:PATH */
	EP_TCP,			/* tcp:HOST:PORT */
	EP_UDP,			/* udp:HOST:PORT */
	EP_MQ,			/* mq:OBJECT */
	EP_SHM,			/* shm:OBJECT */
};

#define ENDPOINT_HOST_MAX 256
#define ENDPOINT_PORT_MAX 32
/* A socket path must fit sun_path with its NUL (an abstract name, with the
 * leading NUL): 107 bytes. A FIFO path only has to fit PATH_MAX. */
#define ENDPOINT_SUN_PATH_MAX (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

struct transport;

struct endpoint {
	enum endpoint_kind kind;
	const struct transport *tp; /* its row of the transport table (lib/transport.h) */
	const char *text;	/* as the user wrote it, for messages */
	/* fifo and unix*: the path; for the abstract namespace, the name
	 * after '@' and is_abstract set. */
	char path[PATH_MAX];
	bool is_abstract;
	char host[ENDPOINT_HOST_MAX]; /* tcp, udp: without IPv6 brackets */
	char port[ENDPOINT_PORT_MAX];
	struct objref obj;	/* mq, shm */
};

/*
 * Parse an endpoint through the transport table: sets ep->kind and ep->tp.
 * On error return -1 with errno EINVAL and *why set to a phrase saying what
 * was expected. ep->text points at text, which must outlive ep.
 */
int endpoint_parse(const char *text, struct endpoint *ep, const char **why);
/* Message endpoints keep boundaries; stream endpoints are byte streams. */
bool endpoint_is_message(const struct endpoint *ep);
/* Socket endpoints, where listen/connect roles apply. */
bool endpoint_is_socket(const struct endpoint *ep);
/* The scheme ("unix", "mq", ...) of a kind, for messages and tables. */
const char *endpoint_kind_name(enum endpoint_kind kind);

/*
 * The parsers of the transport table's rows: the spec after the colon into
 * ep, -1 with errno EINVAL and *why as endpoint_parse. PATH (a FIFO), PATH
 * or @NAME (a UNIX socket), HOST:PORT or [IPv6]:PORT, OBJECT (objref.h).
 */
int endpoint_parse_path(const char *spec, struct endpoint *ep, const char **why);
int endpoint_parse_sockpath(const char *spec, struct endpoint *ep, const char **why);
int endpoint_parse_inet(const char *spec, struct endpoint *ep, const char **why);
int endpoint_parse_object(const char *spec, struct endpoint *ep, const char **why);

#endif
