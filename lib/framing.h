/* How a byte stream is cut into messages, and how messages are written out. */
#ifndef IPCTOOL_FRAMING_H
#define IPCTOOL_FRAMING_H

enum framing {
	FRAMING_LINE,	/* newline-terminated records */
	FRAMING_NULL,	/* NUL-terminated records */
	FRAMING_CHUNK,	/* fixed pieces of at most the message size */
	FRAMING_WHOLE,	/* the whole input is one message */
};

/* "line", "null", "chunk", "whole"; -1 with errno EINVAL otherwise. */
int framing_parse(const char *text, enum framing *out);
const char *framing_name(enum framing f);
/* The record separator of line and null framing, or -1 for the others. */
int framing_separator(enum framing f);

#endif
