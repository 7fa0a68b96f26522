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

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Cutting a byte stream into messages (send, relay): one buffer of about
 * the message size, no allocation per message.
 */
struct framing_reader {
	enum framing framing;
	int fd;
	int timeout_ms;		/* nothing read for this long: ETIMEDOUT; -1 never */
	size_t msgsize;		/* largest message */
	char *buf;
	size_t cap, start, end;
	bool eof, done;
	bool len_minimum;	/* after EMSGSIZE: *len is only a lower bound */
};

/* Returns 0, or -1 with errno ENOMEM. */
int framing_reader_init(struct framing_reader *r, int fd, enum framing f, size_t msgsize);
void framing_reader_free(struct framing_reader *r);
/*
 * The next message: 1 with *msg and *len (valid until the next call), 0 at
 * the end of the input, -1 with errno. EMSGSIZE: a record is longer than
 * msgsize; *len gets its length (read on for at most 64 MiB; past that,
 * len_minimum is set and *len is what was read) and nothing of it is returned. line and null: the separator is
 * not part of the message, an unterminated last record is one; an empty
 * line is an empty message. chunk: pieces of msgsize bytes, the last one
 * shorter. whole: exactly one message, even for empty input.
 */
int framing_reader_next(struct framing_reader *r, const char **msg, size_t *len);

/*
 * Whether framing_reader_next would return a message without reading
 * (line, null, chunk): for batching what one read(2) brought in.
 */
bool framing_reader_ready(const struct framing_reader *r);
/*
 * The next message if framing_reader_next would return it without reading
 * (line, null, chunk): 1 with *msg and *len as that would, else 0 and
 * nothing taken. One look for the separator where ready + next take two.
 */
int framing_reader_buffered(struct framing_reader *r, const char **msg, size_t *len);

/* Writing messages to a byte stream (recv, relay): buffered, then flushed. */
struct framing_writer {
	int fd;
	int sep;		/* appended to every message, or -1 */
	char *buf;
	size_t cap, len;
};

int framing_writer_init(struct framing_writer *w, int fd, enum framing f, size_t cap);
void framing_writer_free(struct framing_writer *w);
/* A message and the framing's separator. Returns 0, or -1 with errno. */
int framing_writer_put(struct framing_writer *w, const void *msg, size_t len);
/* Bytes as they are (JSON lines). */
int framing_writer_raw(struct framing_writer *w, const void *p, size_t len);
int framing_writer_flush(struct framing_writer *w);

#endif
