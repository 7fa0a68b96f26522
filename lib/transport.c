/* The transport table (lib/transport.h): the one list of endpoint kinds. */
#include "transport.h"

#include <stdio.h>
#include <string.h>

#include "msgsock.h"
#include "posixmq.h"
#include "shmring.h"
#include "sysvmsg.h"

/*
 * One row per transport, in the order of help and usage. Rows sharing a
 * scheme are adjacent: the first one's parse reads the spec, then the first
 * whose match takes it wins. The caps say which options apply (transport.h).
 */
const struct transport transport_table[] = {
	{
		.name = "stdio",
		.scheme = "-",
		.forms = "-",
		.summary = "standard input or output",
		.kind = EP_STDIO,
		.caps = TP_EOS,
	},
	{
		.name = "fifo",
		.scheme = "fifo",
		.forms = "fifo:PATH",
		.summary = "a named pipe",
		.kind = EP_FIFO,
		.caps = TP_CREATE | TP_REUSE | TP_RM | TP_KEEP | TP_EOS,
		.parse = endpoint_parse_path,
	},
	{
		.name = "unix",
		.scheme = "unix",
		.forms = "unix:PATH, unix:@NAME",
		.summary = "a UNIX stream socket (@NAME: abstract)",
		.kind = EP_UNIX,
		.caps = TP_SOCKET | TP_REUSE | TP_RM | TP_KEEP | TP_EOS | TP_ABSTRACT,
		.parse = endpoint_parse_sockpath,
	},
	{
		.name = "unix-dgram",
		.scheme = "unix-dgram",
		.forms = "unix-dgram:PATH",
		.summary = "a UNIX datagram socket (or @NAME)",
		.kind = EP_UNIX_DGRAM,
		.caps = TP_MESSAGE | TP_SOCKET | TP_REUSE | TP_RM | TP_MSGSIZE | TP_ABSTRACT,
		.parse = endpoint_parse_sockpath,
		.ops = &msgend_socket_ops,
	},
	{
		.name = "unix-seqpacket",
		.scheme = "unix-seqpacket",
		.forms = "unix-seqpacket:PATH",
		.summary = "a UNIX seqpacket socket (or @NAME)",
		.kind = EP_UNIX_SEQPACKET,
		.caps = TP_MESSAGE | TP_SOCKET | TP_REUSE | TP_RM | TP_MSGSIZE | TP_EOS |
			TP_ABSTRACT,
		.parse = endpoint_parse_sockpath,
		.ops = &msgend_socket_ops,
	},
	{
		.name = "tcp",
		.scheme = "tcp",
		.forms = "tcp:HOST:PORT",
		.summary = "a TCP connection (HOST: name, IPv4 or [IPv6])",
		.kind = EP_TCP,
		.caps = TP_SOCKET | TP_KEEP | TP_EOS,
		.parse = endpoint_parse_inet,
	},
	{
		.name = "udp",
		.scheme = "udp",
		.forms = "udp:HOST:PORT",
		.summary = "UDP datagrams (HOST: name, IPv4 or [IPv6])",
		.kind = EP_UDP,
		.caps = TP_MESSAGE | TP_SOCKET | TP_MSGSIZE,
		.parse = endpoint_parse_inet,
		.ops = &msgend_socket_ops,
	},
	{
		.name = "posix-mq",
		.scheme = "mq",
		.forms = "mq:OBJECT",
		.summary = "a POSIX message queue (OBJECT: /NAME)",
		.kind = EP_MQ,
		.caps = TP_MESSAGE | TP_CREATE | TP_REUSE | TP_RM | TP_PRIORITY | TP_MAXMSG |
			TP_MSGSIZE,
		.parse = endpoint_parse_object,
		.match = posixmq_match,
		.ops = &msgend_posix_mq_ops,
	},
	{
		.name = "sysv-mq",
		.scheme = "mq",
		.forms = "mq:OBJECT",
		.summary = "a System V message queue (key:, id:, ftok:)",
		.kind = EP_MQ,
		.caps = TP_MESSAGE | TP_CREATE | TP_REUSE | TP_RM | TP_TYPE | TP_MAXMSG |
			TP_MSGSIZE,
		.parse = endpoint_parse_object,
		.match = sysvmsg_match,
		.ops = &msgend_sysv_mq_ops,
	},
	{
		.name = "ring",
		.scheme = "shm",
		.forms = "shm:OBJECT",
		.summary = "ipctool's ring in a shared memory segment",
		.kind = EP_SHM,
		.caps = TP_MESSAGE | TP_CREATE | TP_REUSE | TP_RM | TP_CAPACITY | TP_KEEP | TP_EOS,
		.parse = endpoint_parse_object,
		.ops = &msgend_ring_ops,
	},
};

const size_t transport_count = sizeof(transport_table) / sizeof(transport_table[0]);

const struct transport *transport_find(const char *scheme, size_t len)
{
	size_t i;

	for (i = 0; i < transport_count; i++)
		if (strlen(transport_table[i].scheme) == len &&
		    strncmp(transport_table[i].scheme, scheme, len) == 0)
			return &transport_table[i];
	return NULL;
}

const struct transport *transport_for_kind(enum endpoint_kind kind)
{
	size_t i;

	for (i = 0; i < transport_count; i++)
		if (transport_table[i].kind == kind)
			return &transport_table[i];
	return NULL;
}

/* Append s as snprintf would: what does not fit is counted, not written. */
static void transport_append(char *buf, size_t size, size_t *len, const char *s)
{
	if (*len < size)
		snprintf(buf + *len, size - *len, "%s", s);
	*len += strlen(s);
}

static bool transport_same_forms(size_t i)
{
	return i > 0 && i < transport_count &&
	       strcmp(transport_table[i].forms, transport_table[i - 1].forms) == 0;
}

size_t transport_forms(char *buf, size_t size, const char *sep, const char *last_sep)
{
	size_t i, len = 0, left = 0;

	if (size)
		buf[0] = '\0';
	for (i = 0; i < transport_count; i++)
		left += !transport_same_forms(i);
	for (i = 0; i < transport_count; i++) {
		if (transport_same_forms(i))
			continue;
		if (len)
			transport_append(buf, size, &len, left == 1 ? last_sep : sep);
		transport_append(buf, size, &len, transport_table[i].forms);
		left--;
	}
	return len;
}

const struct transport *endpoint_transport(const struct endpoint *ep)
{
	return ep->tp ? ep->tp : transport_for_kind(ep->kind);
}

bool endpoint_can(const struct endpoint *ep, unsigned caps)
{
	const struct transport *tp = endpoint_transport(ep);

	return tp && (tp->caps & caps) == caps;
}
