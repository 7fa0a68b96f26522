/* Framing names and separators. */
#include "framing.h"

#include <errno.h>
#include <string.h>

static const char *const framing_names[] = {
	[FRAMING_LINE] = "line",
	[FRAMING_NULL] = "null",
	[FRAMING_CHUNK] = "chunk",
	[FRAMING_WHOLE] = "whole",
};

int framing_parse(const char *text, enum framing *out)
{
	size_t i;

	for (i = 0; i < sizeof(framing_names) / sizeof(framing_names[0]); i++)
		if (text && strcmp(text, framing_names[i]) == 0) {
			*out = (enum framing)i;
			return 0;
		}
	errno = EINVAL;
	return -1;
}

const char *framing_name(enum framing f)
{
	return framing_names[f];
}

int framing_separator(enum framing f)
{
	switch (f) {
	case FRAMING_LINE:
		return '\n';
	case FRAMING_NULL:
		return '\0';
	default:
		return -1;
	}
}
