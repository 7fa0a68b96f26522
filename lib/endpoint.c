/* The one endpoint parser: every form of DESIGN section 3, validated. */
#include "endpoint.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>

#include "parse.h"

static const struct {
	const char *scheme;
	enum endpoint_kind kind;
} endpoint_schemes[] = {
	{ "fifo", EP_FIFO },
	{ "unix", EP_UNIX },
	{ "unix-dgram", EP_UNIX_DGRAM },
	{ "unix-seqpacket", EP_UNIX_SEQPACKET },
	{ "tcp", EP_TCP },
	{ "udp", EP_UDP },
	{ "mq", EP_MQ },
	{ "shm", EP_SHM },
};

#define ENDPOINT_FORMS \
	"expected -, fifo:PATH, unix:PATH, unix:@NAME, unix-dgram:PATH, " \
	"unix-seqpacket:PATH, tcp:HOST:PORT, udp:HOST:PORT, mq:OBJECT or shm:OBJECT"

static int endpoint_fail(const char **why, const char *what)
{
	if (why)
		*why = what;
	errno = EINVAL;
	return -1;
}

const char *endpoint_kind_name(enum endpoint_kind kind)
{
	size_t i;

	if (kind == EP_STDIO)
		return "-";
	for (i = 0; i < sizeof(endpoint_schemes) / sizeof(endpoint_schemes[0]); i++)
		if (endpoint_schemes[i].kind == kind)
			return endpoint_schemes[i].scheme;
	return "?";
}

bool endpoint_is_message(const struct endpoint *ep)
{
	switch (ep->kind) {
	case EP_UNIX_DGRAM:
	case EP_UNIX_SEQPACKET:
	case EP_UDP:
	case EP_MQ:
	case EP_SHM:
		return true;
	default:
		return false;
	}
}

bool endpoint_is_socket(const struct endpoint *ep)
{
	switch (ep->kind) {
	case EP_UNIX:
	case EP_UNIX_DGRAM:
	case EP_UNIX_SEQPACKET:
	case EP_TCP:
	case EP_UDP:
		return true;
	default:
		return false;
	}
}

static bool has_nonprinting(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return true;
	return false;
}

static int endpoint_parse_path(const char *spec, struct endpoint *ep,
			       bool socket, const char **why)
{
	if (!*spec)
		return endpoint_fail(why, socket ? "an endpoint without a path (expected unix:PATH or unix:@NAME)"
						 : "an endpoint without a path (expected fifo:PATH)");
	if (has_nonprinting(spec))
		return endpoint_fail(why, "a path with a non-printing byte (expected a printable PATH)");
	if (socket && spec[0] == '@') {
		/* Abstract names are not NUL-terminated on the wire; keep
		 * one byte for the leading NUL of sun_path. */
		if (!spec[1])
			return endpoint_fail(why, "an abstract socket without a name (expected @NAME)");
		if (strlen(spec + 1) > ENDPOINT_SUN_PATH_MAX)
			return endpoint_fail(why, "an abstract socket name longer than 107 bytes (expected @NAME)");
		ep->is_abstract = true;
		strcpy(ep->path, spec + 1);
		return 0;
	}
	if (socket && strlen(spec) > ENDPOINT_SUN_PATH_MAX)
		return endpoint_fail(why, "a socket path longer than 107 bytes (expected a shorter PATH, or @NAME)");
	if (strlen(spec) >= sizeof(ep->path))
		return endpoint_fail(why, "a path longer than PATH_MAX (expected a shorter PATH)");
	strcpy(ep->path, spec);
	return 0;
}

static int endpoint_parse_inet(const char *spec, struct endpoint *ep, const char **why)
{
	const char *host = spec, *port;
	size_t hostlen;
	long long portnum;

	if (spec[0] == '[') {
		const char *close = strchr(spec, ']');

		if (!close || close[1] != ':')
			return endpoint_fail(why, "a bad IPv6 address (expected [ADDRESS]:PORT)");
		host = spec + 1;
		hostlen = (size_t)(close - host);
		port = close + 2;
		if (hostlen == 0)
			return endpoint_fail(why, "an empty IPv6 address (expected [ADDRESS]:PORT)");
	} else {
		const char *colon = strrchr(spec, ':');

		if (!colon)
			return endpoint_fail(why, "missing a port (expected HOST:PORT, [IPv6]:PORT)");
		if (memchr(spec, ':', (size_t)(colon - spec)))
			return endpoint_fail(why, "an IPv6 address without brackets (expected [ADDRESS]:PORT)");
		hostlen = (size_t)(colon - spec);
		port = colon + 1;
	}
	if (hostlen >= sizeof(ep->host))
		return endpoint_fail(why, "a host name that is too long");
	/* parse_number takes "-0"; a port is digits only. */
	if (!isdigit((unsigned char)port[0]) ||
	    parse_number(port, 0, 65535, &portnum, NULL) < 0)
		return endpoint_fail(why, "a bad port (expected a number from 0 to 65535)");
	memcpy(ep->host, host, hostlen);
	ep->host[hostlen] = '\0';
	if (has_nonprinting(ep->host) || strpbrk(ep->host, " /"))
		return endpoint_fail(why, "a bad host name (expected HOST:PORT)");
	/* An empty host means every address (listen) or loopback (connect). */
	strcpy(ep->port, port); /* at most 5 digits, checked above */
	return 0;
}

int endpoint_parse(const char *text, struct endpoint *ep, const char **why)
{
	const char *colon;
	size_t i, schemelen;

	memset(ep, 0, sizeof(*ep));
	ep->text = text;
	if (!text || !*text)
		return endpoint_fail(why, "an empty endpoint (" ENDPOINT_FORMS ")");
	if (strcmp(text, "-") == 0) {
		ep->kind = EP_STDIO;
		return 0;
	}
	colon = strchr(text, ':');
	if (!colon)
		return endpoint_fail(why, "not an endpoint (" ENDPOINT_FORMS ")");
	schemelen = (size_t)(colon - text);
	for (i = 0; i < sizeof(endpoint_schemes) / sizeof(endpoint_schemes[0]); i++)
		if (strlen(endpoint_schemes[i].scheme) == schemelen &&
		    strncmp(endpoint_schemes[i].scheme, text, schemelen) == 0)
			break;
	if (i == sizeof(endpoint_schemes) / sizeof(endpoint_schemes[0]))
		return endpoint_fail(why, "an unknown endpoint type (" ENDPOINT_FORMS ")");
	ep->kind = endpoint_schemes[i].kind;
	switch (ep->kind) {
	case EP_FIFO:
		return endpoint_parse_path(colon + 1, ep, false, why);
	case EP_UNIX:
	case EP_UNIX_DGRAM:
	case EP_UNIX_SEQPACKET:
		return endpoint_parse_path(colon + 1, ep, true, why);
	case EP_TCP:
	case EP_UDP:
		return endpoint_parse_inet(colon + 1, ep, why);
	case EP_MQ:
	case EP_SHM:
		return objref_parse(colon + 1, &ep->obj, why);
	default:
		return endpoint_fail(why, "not an endpoint (" ENDPOINT_FORMS ")");
	}
}
