/* Framing names and separators. */
#include "framing.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "copy.h"

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

#define FRAMING_READ_MIN (64u * 1024u)

int framing_reader_init(struct framing_reader *r, int fd, enum framing f, size_t msgsize)
{
	memset(r, 0, sizeof(*r));
	r->framing = f;
	r->fd = fd;
	r->timeout_ms = -1;
	r->msgsize = msgsize;
	/* One more byte than a message, to see that a record is too long. */
	r->cap = msgsize + 1 > FRAMING_READ_MIN ? msgsize + 1 : FRAMING_READ_MIN;
	r->buf = malloc(r->cap);
	return r->buf ? 0 : -1;
}

void framing_reader_free(struct framing_reader *r)
{
	free(r->buf);
	r->buf = NULL;
}

/* Read more input after what is buffered: 1 read, 0 end of input, -1 error. */
static int framing_fill(struct framing_reader *r)
{
	ssize_t n;

	/* Keep room for a whole message after what is buffered. */
	if (r->start > 0 && (r->start == r->end || r->cap - r->end <= r->msgsize)) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->end == r->cap) {
		/* Only a too long record fills the buffer: drop what is counted. */
		r->start = r->end = 0;
	}
	for (;;) {
		if (r->timeout_ms >= 0) {
			struct pollfd pfd = { .fd = r->fd, .events = POLLIN };
			int rc = poll(&pfd, 1, r->timeout_ms);

			if (rc < 0 && errno == EINTR)
				continue;
			if (rc < 0)
				return -1;
			if (rc == 0) {
				errno = ETIMEDOUT;
				return -1;
			}
		}
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
		if (n > 0) {
			r->end += (size_t)n;
			return 1;
		}
		if (n == 0) {
			r->eof = true;
			return 0;
		}
		if (errno != EINTR)
			return -1;
	}
}

/* How far past msgsize an overlong record is read to name its length. */
#define FRAMING_OVERLONG_COUNT (64u << 20)

/*
 * A record longer than msgsize: read on (discarding) to name its length,
 * for at most FRAMING_OVERLONG_COUNT bytes; past that the length is a lower
 * bound (len_minimum) and the rest is left unread, so that an endless record
 * (< /dev/zero) fails in bounded time.
 */
static int framing_overlong(struct framing_reader *r, int sep, size_t *len)
{
	size_t total = 0;
	char *p;

	r->len_minimum = false;
	for (;;) {
		p = sep >= 0 ? memchr(r->buf + r->start, sep, r->end - r->start) : NULL;
		if (p) {
			total += (size_t)(p - (r->buf + r->start));
			r->start = (size_t)(p - r->buf) + 1;
			break;
		}
		total += r->end - r->start;
		r->start = r->end;
		if (r->eof)
			break;
		if (total >= FRAMING_OVERLONG_COUNT) {
			r->len_minimum = true;
			break;
		}
		if (framing_fill(r) < 0)
			return -1;
	}
	*len = total;
	errno = EMSGSIZE;
	return -1;
}

int framing_reader_next(struct framing_reader *r, const char **msg, size_t *len)
{
	int sep = framing_separator(r->framing);
	size_t have;
	char *p;

	for (;;) {
		have = r->end - r->start;
		if (sep >= 0) {
			p = memchr(r->buf + r->start, sep, have);
			if (p)
				have = (size_t)(p - (r->buf + r->start));
			if (have > r->msgsize)
				return framing_overlong(r, sep, len);
			if (p || (r->eof && have > 0)) {
				*msg = r->buf + r->start;
				*len = have;
				r->start += have + (p ? 1 : 0);
				return 1;
			}
		} else if (r->framing == FRAMING_CHUNK) {
			if (have >= r->msgsize || (r->eof && have > 0)) {
				*len = have < r->msgsize ? have : r->msgsize;
				*msg = r->buf + r->start;
				r->start += *len;
				return 1;
			}
		} else {
			if (have > r->msgsize) {
				r->done = true;
				return framing_overlong(r, -1, len);
			}
			if (r->eof && !r->done) {
				r->done = true;
				*msg = r->buf + r->start;
				*len = have;
				r->start = r->end;
				return 1;
			}
		}
		if (r->eof)
			return 0;
		if (framing_fill(r) < 0)
			return -1;
	}
}

bool framing_reader_ready(const struct framing_reader *r)
{
	int sep = framing_separator(r->framing);
	size_t have = r->end - r->start;

	if (have == 0)
		return false;
	if (sep < 0)
		return r->framing == FRAMING_CHUNK && have >= r->msgsize;
	/* A whole record, not an overlong one (that one may read on). */
	return memchr(r->buf + r->start, sep, have < r->msgsize + 1 ? have : r->msgsize + 1) != NULL;
}

int framing_reader_buffered(struct framing_reader *r, const char **msg, size_t *len)
{
	int sep = framing_separator(r->framing);
	size_t have = r->end - r->start;
	char *p;

	if (sep < 0) {
		if (r->framing != FRAMING_CHUNK || have < r->msgsize)
			return 0;
		*msg = r->buf + r->start;
		*len = r->msgsize;
		r->start += r->msgsize;
		return 1;
	}
	/* A whole record, not an overlong one (framing_reader_next reads on
	 * to name its length). */
	p = memchr(r->buf + r->start, sep, have < r->msgsize + 1 ? have : r->msgsize + 1);
	if (!p)
		return 0;
	*msg = r->buf + r->start;
	*len = (size_t)(p - (r->buf + r->start));
	r->start += *len + 1;
	return 1;
}

int framing_writer_init(struct framing_writer *w, int fd, enum framing f, size_t cap)
{
	memset(w, 0, sizeof(*w));
	w->fd = fd;
	w->sep = framing_separator(f);
	w->cap = cap;
	w->buf = malloc(cap);
	return w->buf ? 0 : -1;
}

void framing_writer_free(struct framing_writer *w)
{
	free(w->buf);
	w->buf = NULL;
}

int framing_writer_flush(struct framing_writer *w)
{
	size_t len = w->len;

	w->len = 0;
	return len ? write_all(w->fd, w->buf, len) : 0;
}

int framing_writer_raw(struct framing_writer *w, const void *p, size_t len)
{
	if (w->len + len > w->cap && framing_writer_flush(w) < 0)
		return -1;
	if (len > w->cap)
		return write_all(w->fd, p, len);
	memcpy(w->buf + w->len, p, len);
	w->len += len;
	return 0;
}

int framing_writer_put(struct framing_writer *w, const void *msg, size_t len)
{
	char sep = (char)w->sep;

	/* The common case, a record and its separator with room for both,
	 * in one copy (recv writes millions of short lines). */
	if (w->sep >= 0 && len < w->cap - w->len) {
		memcpy(w->buf + w->len, msg, len);
		w->buf[w->len + len] = sep;
		w->len += len + 1;
		return 0;
	}

	if (framing_writer_raw(w, msg, len) < 0)
		return -1;
	return w->sep >= 0 ? framing_writer_raw(w, &sep, 1) : 0;
}
