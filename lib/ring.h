/*
 * The shared-memory ring (ipctool-shm(1), THE RING): variable-length records
 * from writers to readers through a segment both sides map.
 *
 * Layout, offsets from the start of the segment:
 *   0     header page: magic "IPCTRING", version, header size, capacity,
 *         flags, creator pid, the writers' and readers' lock words
 *         (lib/lockword.h), the pid slots of attached writers and readers,
 *         and per reader slot its claim (at 192)
 *   4096  the writer's cache line: head, closed flag, writer pid, session,
 *         and the writers' busy word
 *   4224  the reader's cache line: tail, closed flag, reader pid, the
 *         readers' busy word, and claimed
 *   4352  the writer's wake word, 4480 the reader's: a cache line each
 *   4608  the shared flags of the writers and of the readers (read-mostly)
 *   8192  the data area, capacity bytes (a power of two)
 * A record is an 8-byte header {uint32 length, uint32 kind} and the payload,
 * padded to 8 bytes. A record never wraps: a pad record fills the end of the
 * area first. head and tail only grow; head - tail bytes are in use.
 *
 * Readers poll the record itself, not head: before a writer makes records
 * visible (by storing the first one's header, as one 64-bit word, with
 * release order) it zeroes the header slot after the last one, so the slot
 * after the last visible record is always zero (kind 0: nothing yet). The
 * 8 bytes after the records stay free for it. A writer streaming a batch
 * asks for the lines ahead of head for writing (prefetch).
 *
 * With one writer, that writer takes no lock (the fast path), and likewise
 * one reader: it raises its side's busy word for each operation and checks
 * the side's shared flag behind a full fence; a second process of the side
 * takes the lock, sets the flag, and waits until the busy word falls (or its
 * process died), after which every process of the side takes the lock.
 *
 * A reader's records are handed out in its operation (claimed moves past
 * them, its claim names them) and freed after it is done with them (tail
 * moves up to the oldest claim left): no reader holds its side while it
 * writes records out, and the claim of a reader that dies or closes with
 * records out is handed to another reader, first (at least once).
 *
 * Everything read from the segment is untrusted and checked before use: a
 * corrupt or hostile segment gives -1 with errno EBADMSG, never a crash.
 */
#ifndef IPCTOOL_RING_H
#define IPCTOOL_RING_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "clock.h"

#define RING_MAGIC "IPCTRING"
#define RING_VERSION 4u
#define RING_WRITER_LINE 4096u
#define RING_READER_LINE 4224u
#define RING_WRITER_WAKE 4352u
#define RING_READER_WAKE 4480u
#define RING_SHARED_LINE 4608u
#define RING_DATA_OFFSET 8192u
#define RING_MIN_CAPACITY 4096u
#define RING_MAX_CAPACITY (1ull << 40)
#define RING_DEFAULT_CAPACITY (1u << 20)
#define RING_RECORD_HEADER 8u
/* The largest record: its length is a 32-bit field (aligned down to 8). */
#define RING_MAX_RECORD ((size_t)UINT32_MAX - 7u)
#define RING_MAX_PEERS 16	/* writers (and readers) attached at once */

/* Record kinds, as stored in the record header. */
#define RING_REC_DATA 0x41544144u	/* "DATA" */
#define RING_REC_PAD 0x44444150u	/* "PADD" */

enum ring_role { RING_WRITER, RING_READER };

/* A process's handle on a ring; the segment stays mapped by the caller. */
struct ring {
	unsigned char *base;
	size_t size;
	uint64_t capacity, mask;
	enum ring_role role;
	int slot;		/* our pid slot, or -1 */
	pid_t pid;
	uint64_t self;		/* lockword_self(): our identity in lock words */
	bool keep;		/* reader: a writer's close is not end of stream */
	int seg_fd;		/* a POSIX segment's descriptor, or -1: a wait checks
				 * that it was not truncated (ENXIO) */
	bool counted;		/* reader: waits for a count, so a close with no writer
				 * left waits for the next writer (dead ones still fail) */
	bool locked;		/* between *_begin and *_end/commit, lock held */
	bool fast;		/* between *_begin and *_end/commit, lock-free (busy raised) */
	uint64_t cached;	/* our copy of the other side's index */
	uint64_t pos;		/* writer: head after the reservation's pad */
	uint64_t published;	/* writer: the head last stored in the segment */
	bool pos_ok;		/* writer: pos is head, as our last lone operation left it */
	uint32_t alone;		/* the side's shared word when we last went without the lock */
	bool batch;		/* writer: between ring_batch_begin and _end */
	uint64_t prefetched;	/* writer: lines up to here were asked for, to write */
	bool prefetchw;		/* writer: the CPU takes a prefetch for writing */
	uint64_t next;		/* reader: where the next record is looked for */
	uint64_t from;		/* reader: where the records being taken start */
	uint64_t limit;		/* reader: the end of the claim handed out again, or
				 * UINT64_MAX when taking new records */
	bool out;		/* reader: records handed out, not yet ended or aborted */
	bool pending;		/* reader: our claim holds records to hand out again */
	uint64_t cs, ce;	/* reader: our claim [cs, ce) as we stored it */
	bool head_seen;		/* reader: head was checked once, at the first read */
	size_t reserved;	/* writer: payload bytes reserved */
	uint64_t zeroed;	/* writer: the slot ring_reserve zeroed after the record */
	uint64_t held_at;	/* writer: the data offset of the header held back
				 * until the next publish (held_rec), or UINT64_MAX */
	uint64_t held_rec;
	pid_t dead_pid;		/* the peer found dead, for messages */
	bool recovered;		/* a lock was taken over from a dead holder */
	unsigned ops;		/* operations under the lock, to recount the side now and then */
	bool idle;		/* a wait slept a whole slice without a wake-up */
	uint32_t session;	/* reader: the writers' session when it attached */
	bool stale_close;	/* reader: that session had closed, nothing left */
};

struct ring_info {
	uint32_t version, flags;
	uint64_t capacity;
	uint64_t used;		/* bytes between tail and head */
	uint64_t head, tail;
	pid_t creator, writer, reader;	/* last attached writer and reader */
	int writers, readers;	/* pid slots in use */
	bool closed;		/* every writer has closed */
};

/* Bytes a segment needs for a ring of capacity bytes. */
uint64_t ring_segment_size(uint64_t capacity);
/* The largest capacity (power of two) that fits in a segment of size bytes. */
uint64_t ring_capacity_for(uint64_t size);
/* Payload bytes of the largest record a ring of this capacity takes. */
size_t ring_max_record(uint64_t capacity);
/*
 * Lay out an empty ring in a mapped, zero-filled region of size bytes. The
 * magic is written last, so a concurrent ring_attach sees no half ring.
 * EINVAL (with *why) when capacity is not a power of two or does not fit.
 */
int ring_format(void *base, size_t size, uint64_t capacity, const char **why);
/*
 * Validate the header and attach as a writer or reader, taking a pid slot
 * (EUSERS when all are taken). Fails with EAGAIN when the segment is still
 * all zero (not formatted yet), EBADMSG (with *why) when it is not a valid
 * ring. The deadline bounds the wait for the side's lock.
 */
int ring_attach(struct ring *r, void *base, size_t size, enum ring_role role,
		const struct deadline *d, const char **why);
/*
 * Detach: free the pid slot; the last writer's close marks end of stream,
 * the last reader's makes writers fail with EPIPE.
 */
void ring_close(struct ring *r);

/*
 * Writing. ring_write_begin reserves room for a record of up to len bytes
 * (at most ring_max_record) and points *data at it, waiting until the
 * deadline (ETIMEDOUT) for the readers to make room; EPIPE when the readers
 * have gone or died (r->dead_pid), EMSGSIZE when len is too large, ENXIO
 * when r->seg_fd's segment was truncated while we waited. The operation
 * (the writers' busy word for a lone writer, else their lock) lasts until
 * ring_write_commit publishes len <= reserved bytes, or ring_write_abort
 * drops the reservation; a wait inside it holds neither.
 */
int ring_write_begin(struct ring *r, size_t len, void **data, const struct deadline *d);
void ring_write_commit(struct ring *r, size_t len);
void ring_write_abort(struct ring *r);
int ring_write(struct ring *r, const void *buf, size_t len, const struct deadline *d);
/*
 * Reserve the largest contiguous room for one record: at least min bytes
 * (waiting for them as ring_write_begin does), more when it is free before
 * the wrap, at most max (and ring_max_record); *room gets the bytes
 * reserved. For input read straight into the ring. Commit or abort as above.
 */
int ring_write_begin_some(struct ring *r, size_t min, size_t max, void **data, size_t *room,
			  const struct deadline *d);
/*
 * Batches: several records in one operation, published together by
 * ring_batch_end with at most one wake-up (and early, before any wait for
 * room, so the readers can make it; other writers may write between). ring_batch_write fails
 * as ring_write does; the batch stays open (end it in any case).
 */
int ring_batch_begin(struct ring *r, const struct deadline *d);
int ring_batch_write(struct ring *r, const void *buf, size_t len, const struct deadline *d);
void ring_batch_end(struct ring *r);

/*
 * Reading. ring_read_begin returns 1 with the next record in *data, *len (in
 * the segment, our claim until ring_read_end frees it or ring_read_abort
 * gives it back; nothing of the readers' side is held meanwhile), 0 at end
 * of stream, or -1: ETIMEDOUT, ECONNRESET when every writer died without
 * closing (r->dead_pid), EBADMSG for a corrupt ring, ENXIO as for writing.
 * Records a reader that died (or closed) left out come first.
 */
int ring_read_begin(struct ring *r, const void **data, size_t *len, const struct deadline *d);
void ring_read_end(struct ring *r);
/*
 * Several records at once: like ring_read_begin for the first one, then
 * those published already, up to maxrec records and (after the first)
 * maxbytes bytes; with RING_STOP_EMPTY, none after an empty record. Returns
 * 1 with *n records in iov (in the segment, our claim), 0 at end of
 * stream, -1 as ring_read_begin; ring_read_end frees them all,
 * ring_read_abort gives them all back (handed out again first; a reader
 * that closes with records out leaves them to the next reader).
 */
#define RING_STOP_EMPTY 1u
int ring_read_beginv(struct ring *r, struct iovec *iov, size_t maxrec, size_t maxbytes,
		     unsigned flags, size_t *n, const struct deadline *d);
void ring_read_abort(struct ring *r);
/* Copy the next record into buf (EMSGSIZE if it is larger than cap), in
 * one operation: no claim. */
int ring_read(struct ring *r, void *buf, size_t cap, size_t *len, const struct deadline *d);

/* The last writer to attach (0 if none or not a valid pid). */
pid_t ring_writer_pid(const struct ring *r);

/* Validate and describe a ring without attaching (for shm info and ls). */
int ring_info(const void *base, size_t size, struct ring_info *info, const char **why);

#endif
