/*
 * The one endpoint parser: every form of DESIGN section 3, validated. The
 * schemes and their parsers are rows of the transport table (transport.c).
 */
#include "endpoint.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "objref.h"
#include "parse.h"
#include "transport.h"

enum endpoint_why { ENDPOINT_EMPTY, ENDPOINT_NOT, ENDPOINT_UNKNOWN };

/* Why strings name every form the table has: built once, kept for good. */
static const char *endpoint_forms_why(enum endpoint_why which)
{
	static const char *const what[] = { "an empty endpoint", "not an endpoint",
					     "an unknown endpoint type" };
	static char text[3][512];
	char forms[448];

	if (!text[which][0]) {
		transport_forms(forms, sizeof(forms), ", ", " or ");
		snprintf(text[which], sizeof(text[which]), "%s (expected %s)", what[which], forms);
	}
	return text[which];
}

static int endpoint_fail(const char **why, const char *what)
{
	if (why)
		*why = what;
	errno = EINVAL;
	return -1;
}

const char *endpoint_kind_name(enum endpoint_kind kind)
{
	const struct transport *tp = transport_for_kind(kind);

	return tp ? tp->scheme : "?";
}

bool endpoint_is_message(const struct endpoint *ep)
{
	return endpoint_can(ep, TP_MESSAGE);
}

bool endpoint_is_socket(const struct endpoint *ep)
{
	return endpoint_can(ep, TP_SOCKET);
}

static bool has_nonprinting(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return true;
	return false;
}

static int endpoint_parse_file(const char *spec, struct endpoint *ep, bool socket,
			       const char **why)
{
	char decoded[sizeof(ep->path)];

	if (!*spec)
		return endpoint_fail(why, socket ? "an endpoint without a path (expected unix:PATH or unix:@NAME)"
						 : "an endpoint without a path (expected fifo:PATH)");
	if (has_nonprinting(spec))
		return endpoint_fail(why, "a path with a non-printing byte (expected a printable PATH, "
					  "other bytes as \\xHH)");
	if (strlen(spec) >= sizeof(ep->path))
		return endpoint_fail(why, "a path longer than PATH_MAX (expected a shorter PATH)");
	/* The one escaping rule (objref.h): a name as ls prints it is the name. */
	if (strchr(spec, '\\')) {
		if (objref_unescape(spec, decoded, sizeof(decoded), why) < 0)
			return -1;
		spec = decoded;
	}
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

int endpoint_parse_path(const char *spec, struct endpoint *ep, const char **why)
{
	return endpoint_parse_file(spec, ep, false, why);
}

int endpoint_parse_sockpath(const char *spec, struct endpoint *ep, const char **why)
{
	return endpoint_parse_file(spec, ep, true, why);
}

int endpoint_parse_object(const char *spec, struct endpoint *ep, const char **why)
{
	return objref_parse(spec, &ep->obj, why);
}

int endpoint_parse_inet(const char *spec, struct endpoint *ep, const char **why)
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
	const struct transport *tp, *end = transport_table + transport_count;
	const char *colon, *scheme;

	memset(ep, 0, sizeof(*ep));
	ep->text = text;
	if (!text || !*text)
		return endpoint_fail(why, endpoint_forms_why(ENDPOINT_EMPTY));
	/* A scheme without a spec ("-") is the whole endpoint. */
	tp = transport_find(text, strlen(text));
	if (tp && !tp->parse) {
		ep->kind = tp->kind;
		ep->tp = tp;
		return 0;
	}
	colon = strchr(text, ':');
	if (!colon)
		return endpoint_fail(why, endpoint_forms_why(ENDPOINT_NOT));
	tp = transport_find(text, (size_t)(colon - text));
	if (!tp || !tp->parse)
		return endpoint_fail(why, endpoint_forms_why(ENDPOINT_UNKNOWN));
	ep->kind = tp->kind;
	if (tp->parse(colon + 1, ep, why) < 0)
		return -1;
	/* Rows sharing the scheme pick by what was parsed (POSIX or System V). */
	for (scheme = tp->scheme; tp < end && strcmp(tp->scheme, scheme) == 0; tp++) {
		if (!tp->match || tp->match(ep)) {
			ep->kind = tp->kind;
			ep->tp = tp;
			return 0;
		}
	}
	return endpoint_fail(why, endpoint_forms_why(ENDPOINT_NOT));
}
