/* Moving a byte stream from one fd to another: splice(2) where it can. */
#ifndef IPCTOOL_COPY_H
#define IPCTOOL_COPY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COPY_BUFSIZE_MIN (128u * 1024u)
#define COPY_BUFSIZE_DEFAULT (1024u * 1024u)

enum copy_side { COPY_SIDE_NONE, COPY_SIDE_READ, COPY_SIDE_WRITE };

struct copy_ctx {
	/* Set by the caller. */
	size_t bufsize;		/* bytes per splice or read */
	int read_timeout_ms;	/* give up when nothing arrives for this long; -1 never */
	int write_timeout_ms;	/* give up when the output accepts nothing for this long */
	void (*progress)(uint64_t bytes, void *arg);
	void *progress_arg;
	/* Results. */
	uint64_t bytes;		/* moved so far */
	enum copy_side failed;	/* which side an error came from */
	bool spliced;		/* whether splice(2) carried the data */
	/* Internal: the fallback buffer and the splice relay pipe. */
	char *buf;
	int relay[2];
};

void copy_init(struct copy_ctx *c, size_t bufsize);
void copy_free(struct copy_ctx *c);
/*
 * Copy until end of input. Returns 0, or -1 with errno set and c->failed
 * naming the side (ETIMEDOUT when a side's timeout passed).
 */
int copy_stream(int in, int out, struct copy_ctx *c);
/*
 * Copy records ended by sep until count of them have been written or the
 * input ends (*done gets the number). A last record without separator is
 * copied as it is and counted. Bytes read past the last record are
 * dropped, as head(1) drops them.
 */
int copy_records(int in, int out, int sep, uint64_t count, uint64_t *done,
		 struct copy_ctx *c);
/*
 * copy_records for a pipe several writers share: whole records, as many
 * as fit, in single writes of at most atom bytes (PIPE_BUF: the kernel
 * keeps such a write whole), so that they never mix with another writer's.
 * A longer record cannot be atomic and goes out as it comes. count 0: all.
 */
int copy_records_atomic(int in, int out, int sep, size_t atom, uint64_t count, uint64_t *done,
			struct copy_ctx *c);
/* Write all of buf, retrying partial writes and EINTR. */
int write_all(int fd, const void *buf, size_t len);

#endif
