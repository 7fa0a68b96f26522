/*
 * libFuzzer target for lib/endpoint.c: an accepted endpoint satisfies
 * DESIGN section 3 (lengths, ports, hosts, objects); a refused one says
 * why.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../lib/endpoint.h"

static bool printable(const char *s)
{
	for (; *s; s++)
		if (iscntrl((unsigned char)*s))
			return false;
	return true;
}

static void check_ep(const char *s, const struct endpoint *ep)
{
	const char *name = endpoint_kind_name(ep->kind);
	size_t len;

	if (ep->text != s || !name || !strcmp(name, "?"))
		abort();
	if (ep->kind != EP_STDIO &&
	    (strncmp(s, name, strlen(name)) != 0 || s[strlen(name)] != ':'))
		abort();
	if (endpoint_is_socket(ep) !=
	    (ep->kind == EP_UNIX || ep->kind == EP_UNIX_DGRAM ||
	     ep->kind == EP_UNIX_SEQPACKET || ep->kind == EP_TCP || ep->kind == EP_UDP))
		abort();
	(void)endpoint_is_message(ep);
	switch (ep->kind) {
	case EP_STDIO:
		if (strcmp(s, "-") != 0)
			abort();
		break;
	case EP_FIFO:
	case EP_UNIX:
	case EP_UNIX_DGRAM:
	case EP_UNIX_SEQPACKET:
	{
		/* As typed: printable; the path is that with its escapes
		 * (\\ and \xHH) decoded, the rule of object names. */
		const char *spec = strchr(s, ':') + 1;
		static char want[PATH_MAX];

		len = strlen(ep->path);
		if (len == 0 || !printable(spec))
			abort();
		if (ep->kind != EP_FIFO && len > ENDPOINT_SUN_PATH_MAX)
			abort();
		if (ep->is_abstract && ep->kind == EP_FIFO)
			abort();
		if (!strchr(spec, '\\'))
			snprintf(want, sizeof(want), "%s", spec);
		else if (objref_unescape(spec, want, sizeof(want), NULL) < 0)
			abort();
		if (strcmp(ep->path, want + ep->is_abstract) != 0)
			abort();
		break;
	}
	case EP_TCP:
	case EP_UDP: {
		char *end;
		long port = strtol(ep->port, &end, 10);

		if (!ep->port[0] || *end || port < 0 || port > 65535 ||
		    !isdigit((unsigned char)ep->port[0]))
			abort();
		if (!printable(ep->host) || strpbrk(ep->host, " /") ||
		    (strchr(ep->host, ':') && !strchr(s, '[')))
			abort();
		break;
	}
	case EP_MQ:
	case EP_SHM: {
		struct objref again;

		if (objref_parse(strchr(s, ':') + 1, &again, NULL) != 0 ||
		    again.kind != ep->obj.kind)
			abort();
		break;
	}
	default:
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct endpoint ep;
	char *s = malloc(size + 1);
	const char *why = NULL;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (endpoint_parse(s, &ep, &why) == 0)
		check_ep(s, &ep);
	else if (errno != EINVAL || !why || !*why || ep.text != s)
		abort();
	free(s);
	return 0;
}
