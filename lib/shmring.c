/*
 * The shm: transport: ipctool's ring (lib/ring.c) in a POSIX or System V
 * segment (lib/shm.c), behind the message-endpoint interface. A record is a
 * message; the last attached writer's close is end of stream, except for a
 * receiver that waits for a count (it waits for the next writer).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "copy.h"

#include "msgend.h"
#include "ring.h"
#include "shm.h"
#include "shmring.h"

struct shmring {
	struct shm_seg seg;
	struct ring ring;
	int guard;		/* our slot in shmring_guards, or -1 */
};

/*
 * A POSIX segment truncated under us (anyone who may write it can) makes
 * its pages fault with SIGBUS. The handler puts private zero pages in their
 * place and marks the ring truncated: the ring call under way then ends
 * (zeros read as a corrupt ring, and a wait checks the segment's size), and
 * it and every call after it fail with ENXIO, never by the signal.
 */
#define SHMRING_GUARDS 8
static struct {
	void *volatile base;
	volatile size_t size;
	volatile sig_atomic_t truncated;
} shmring_guards[SHMRING_GUARDS];
static struct sigaction shmring_old_sigbus;
static bool shmring_sigbus_set;

static void shmring_sigbus(int sig, siginfo_t *si, void *ctx)
{
	uintptr_t addr = (uintptr_t)si->si_addr;
	int i, err = errno;

	(void)sig;
	(void)ctx;
	for (i = 0; i < SHMRING_GUARDS; i++) {
		uintptr_t base = (uintptr_t)shmring_guards[i].base;

		if (!base || addr - base >= shmring_guards[i].size)
			continue;
		if (mmap((void *)base, shmring_guards[i].size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == MAP_FAILED)
			break;
		shmring_guards[i].truncated = 1;
		errno = err;
		return;
	}
	/* Not a ring's page: what SIGBUS did before us (the fault repeats). */
	sigaction(SIGBUS, &shmring_old_sigbus, NULL);
	errno = err;
}

/* Watch a POSIX ring's mapping for truncation; -1 when no slot is free
 * (the ring then works unguarded). */
static int shmring_guard(void *base, size_t size)
{
	int i;

	if (!shmring_sigbus_set) {
		struct sigaction sa;

		memset(&sa, 0, sizeof(sa));
		sa.sa_sigaction = shmring_sigbus;
		sa.sa_flags = SA_SIGINFO | SA_NODEFER;
		sigemptyset(&sa.sa_mask);
		if (sigaction(SIGBUS, &sa, &shmring_old_sigbus) < 0)
			return -1;
		shmring_sigbus_set = true;
	}
	for (i = 0; i < SHMRING_GUARDS; i++) {
		if (shmring_guards[i].base)
			continue;
		shmring_guards[i].truncated = 0;
		shmring_guards[i].size = size;
		shmring_guards[i].base = base;
		return i;
	}
	return -1;
}

static void shmring_unguard(struct shmring *p)
{
	if (p->guard < 0)
		return;
	shmring_guards[p->guard].base = NULL;
	p->guard = -1;
}

/* Whether the segment was truncated: its pages faulted, or (for a call
 * that failed, where the kernel copied and gave EFAULT) it shrank. */
static bool shmring_truncated(const struct shmring *p, bool failed)
{
	struct stat st;
	int err;
	bool shrunk;

	if (p->guard >= 0 && shmring_guards[p->guard].truncated)
		return true;
	if (!failed || p->seg.sysv)
		return false;
	err = errno;
	shrunk = fstat(p->seg.fd, &st) == 0 && (uint64_t)st.st_size < p->seg.size;
	errno = err;
	return shrunk;
}

/* The result of a ring call: -1 with ENXIO when the segment was truncated,
 * whatever the zeros made of it. Its size is looked at on failures, and a
 * reader's at end of stream (a writer's close may be all that was left). */
static int shmring_result(const struct shmring *p, int rc, bool reader)
{
	if (shmring_truncated(p, rc < 0 || (reader && rc == 0))) {
		errno = ENXIO;
		return -1;
	}
	return rc;
}

/* Before a ring call: ENXIO once the segment is known truncated. */
static bool shmring_gone(const struct shmring *p)
{
	if (!shmring_truncated(p, false))
		return false;
	errno = ENXIO;
	return true;
}

static int shmring_fail(struct shmring *p, int err)
{
	shmring_unguard(p);
	shm_close(&p->seg);
	free(p);
	errno = err;
	return -1;
}

/* Create the segment and lay out an empty ring, unless --reuse finds a segment. */
static int shmring_create(struct msgend *me, struct shmring *p, const struct msgend_opts *o,
			  const char **why)
{
	uint64_t cap = o->capacity ? o->capacity : RING_DEFAULT_CAPACITY;

	if (cap < RING_MIN_CAPACITY || (cap & (cap - 1))) {
		if (why)
			*why = "the ring capacity must be a power of two from 4K (like 64K or 1M)";
		errno = EINVAL;
		return -1;
	}
	if (shm_create_asis(&me->ep->obj, ring_segment_size(cap), o->mode, o->reuse, &p->seg) < 0)
		return -1;
	me->created = p->seg.created;
	if (p->seg.sysv)
		me->id = p->seg.id;
	if (shm_map(&p->seg) < 0)
		goto fail;
	/* What --reuse found is never formatted: ring_attach checks it (and
	 * waits, with --wait, for its creator to finish formatting it). */
	if (!p->seg.created)
		return 0;
	if (ring_format(p->seg.base, (size_t)p->seg.size, ring_capacity_for(p->seg.size), why) < 0)
		goto fail;
	return 0;
fail:
	if (p->seg.created)
		shm_remove_seg(&p->seg);
	return -1;
}

/* Open an existing segment; with --wait, wait for it to appear. */
static int shmring_open_existing(struct msgend *me, struct shmring *p, const struct deadline *d,
				 bool wait)
{
	unsigned step = 0;

	for (;;) {
		if (shm_open_ref(&me->ep->obj, true, &p->seg) == 0) {
			if (p->seg.size >= RING_DATA_OFFSET + RING_MIN_CAPACITY)
				break;
			/* Created, not yet sized: the creator is on its way. */
			shm_close(&p->seg);
			errno = EAGAIN;
		}
		if (!wait || (errno != ENOENT && errno != EAGAIN && errno != EINVAL &&
			      errno != EIDRM))
			return -1;
		if (deadline_retry(d, &step) < 0)
			return -1;
	}
	if (p->seg.sysv)
		me->id = p->seg.id;
	return shm_map(&p->seg);
}

static int shmring_open(struct msgend *me, const struct msgend_opts *o, const char **why)
{
	struct shmring *p = calloc(1, sizeof(*p));
	struct deadline d, lockd;
	unsigned step = 0;
	int rc;

	if (!p)
		return -1;
	p->seg.fd = p->seg.id = -1;
	p->guard = -1;
	me->id = -1;
	if (me->ep->obj.is_private && !o->create) {
		free(p);
		if (why)
			*why = "key:private names a new ring: use it with --create";
		errno = EINVAL;
		return -1;
	}
	deadline_start(&d, o->wait ? o->wait_ms : 0);
	if (o->create)
		rc = shmring_create(me, p, o, why);
	else
		rc = shmring_open_existing(me, p, &d, o->wait);
	if (rc < 0)
		return shmring_fail(p, errno);
	/* Guarded from the first look: a segment another user left with holes
	 * in a full /dev/shm faults (SIGBUS) already on its header. */
	if (!p->seg.sysv)
		p->guard = shmring_guard(p->seg.base, (size_t)p->seg.size);
	/* Another writer may hold the side's lock while it waits for room. */
	deadline_start(&lockd, o->wait_ms);
	for (;;) {
		const char *w = NULL;

		rc = ring_attach(&p->ring, p->seg.base, (size_t)p->seg.size,
				 me->role == MSGEND_SENDER ? RING_WRITER : RING_READER, &lockd, &w);
		if (shmring_truncated(p, false)) {
			if (why)
				*why = "its pages cannot be read (the segment was truncated, or "
				       "/dev/shm is full)";
			if (me->created)
				shm_remove_seg(&p->seg);
			return shmring_fail(p, ENXIO);
		}
		if (rc == 0)
			break;
		if (errno != EAGAIN || !o->wait || deadline_passed(&d)) {
			bool unformatted = errno == EAGAIN && o->wait;
			int err = unformatted ? ETIMEDOUT : errno;

			/* Says what was waited for: a ring in the segment, or a
			 * lock that stayed taken. */
			if (why)
				*why = w;
			if (me->created)
				shm_remove_seg(&p->seg);
			return shmring_fail(p, err);
		}
		deadline_backoff(&d, &step);
	}
	p->ring.keep = o->keep;
	p->ring.counted = o->counted;
	/* A reader that made the ring reads every session since: a writer that
	 * came and closed (even with nothing written) before we attached ended
	 * our stream, not an old one. */
	if (me->created)
		p->ring.stale_close = false;
	if (!p->seg.sysv)
		p->ring.seg_fd = p->seg.fd;
	me->msgsize = ring_max_record(p->ring.capacity);
	me->priv = p;
	if (p->seg.sysv)
		snprintf(me->name, sizeof(me->name), "id:%d", p->seg.id);
	else
		snprintf(me->name, sizeof(me->name), "%s", me->ep->obj.name);
	return 0;
}

static int shmring_send(struct msgend *me, const void *buf, size_t len,
			const struct msg_meta *meta, const struct deadline *d)
{
	struct shmring *p = me->priv;
	struct deadline forever;

	(void)meta;
	if (shmring_gone(p))
		return -1;
	if (!d) {
		deadline_start(&forever, -1);
		d = &forever;
	}
	return shmring_result(p, ring_write(&p->ring, buf, len, d), false);
}

/* The sender: the last writer to attach. */
static void shmring_meta(struct msgend *me, struct msg_meta *meta)
{
	struct shmring *p = me->priv;
	pid_t pid = ring_writer_pid(&p->ring);

	if (pid)
		snprintf(meta->sender, sizeof(meta->sender), "pid %d", (int)pid);
}

static int shmring_recv(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
			const struct deadline *d)
{
	struct shmring *p = me->priv;
	struct deadline forever;
	int rc;

	if (shmring_gone(p))
		return -1;
	if (!d) {
		deadline_start(&forever, -1);
		d = &forever;
	}
	rc = shmring_result(p, ring_read(&p->ring, buf, me->msgsize, len, d), true);
	if (rc > 0 && meta)
		shmring_meta(me, meta);
	return rc;
}

static void shmring_close(struct msgend *me)
{
	struct shmring *p = me->priv;

	if (!p)
		return;
	/* A truncated ring is not closed: its readers must not take the
	 * close for the end of a stream whose records vanished. */
	if (!shmring_truncated(p, true))
		ring_close(&p->ring);
	/* Unwatched before unmapped: the range may be mapped anew. */
	shmring_unguard(p);
	shm_close(&p->seg);
	free(p);
	me->priv = NULL;
}

/* Async-signal-safe: only what open left in me. */
static int shmring_remove(struct msgend *me)
{
	if (me->id >= 0)
		return shmctl(me->id, IPC_RMID, NULL);
	return shm_unlink(me->ep->obj.name);
}

static const struct deadline *shmring_deadline(const struct deadline *d, struct deadline *forever)
{
	if (d)
		return d;
	deadline_start(forever, -1);
	return forever;
}

/* The smallest room a stream record waits for: an eighth of the ring, so
 * that a writer that waits for room is woken to write a big record. */
static size_t shmring_min_chunk(const struct shmring *p, size_t msgsize)
{
	size_t min = (size_t)(p->ring.capacity / 8);

	return min < msgsize ? min : msgsize;
}

/* Wait until fd is ready for events (POLLIN, POLLOUT), as long as it takes. */
static int shmring_wait_fd(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	int rc;

	do
		rc = poll(&pfd, 1, -1);
	while (rc < 0 && errno == EINTR);
	if (rc < 0)
		return -1;
	/* An error or hang-up shows in the read or write that follows. */
	return 0;
}

/* Bytes a write to fd can take without waiting, at most max: a pipe's free
 * space; anything else is taken to have room for max. */
static size_t shmring_fd_room(int fd, size_t max)
{
	int size = fcntl(fd, F_GETPIPE_SZ), queued = 0;
	size_t room;

	if (size <= 0 || ioctl(fd, FIONREAD, &queued) < 0 || queued < 0 || queued > size)
		return max;
	room = (size_t)(size - queued);
	return room < max ? room : max;
}

/*
 * Read once from fd into the ring as one record of at most me->msgsize
 * bytes (as much as is free before the wrap, waiting for an eighth of the
 * ring). 1 (*moved bytes sent), 0 at the end of the input, or -1.
 */
static int shmring_send_fd(struct msgend *me, int fd, const struct deadline *d, size_t *moved,
			   bool *input_failed)
{
	struct shmring *p = me->priv;
	struct deadline forever;
	size_t room;
	void *buf;
	ssize_t n;

	*moved = 0;
	*input_failed = false;
	/* Input first, without the writers' lock: a writer that waits for
	 * its input must not stop the other writers. Then room (a full ring
	 * is a timeout, not a blocked read), and as much as is free before the
	 * wrap, read straight into the ring: the read finds data and does not
	 * block. */
	if (shmring_wait_fd(fd, POLLIN) < 0) {
		*input_failed = true;
		return -1;
	}
	if (shmring_gone(p) ||
	    shmring_result(p, ring_write_begin_some(&p->ring, shmring_min_chunk(p, me->msgsize),
						    me->msgsize, &buf, &room,
						    shmring_deadline(d, &forever)), false) < 0)
		return -1;
	do
		n = read(fd, buf, room);
	while (n < 0 && errno == EINTR);
	if (n <= 0) {
		int err = errno;

		ring_write_abort(&p->ring);
		/* EFAULT: the kernel found the ring's pages gone. */
		if (shmring_truncated(p, true)) {
			errno = ENXIO;
			return -1;
		}
		*input_failed = n < 0;
		errno = err;
		return n < 0 ? -1 : 0;
	}
	ring_write_commit(&p->ring, (size_t)n);
	if (shmring_gone(p))
		return -1;
	*moved = (size_t)n;
	return 1;
}

#define SHMRING_IOV 64

/* writev(2) until all of iov is written. */
static int shmring_writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t w = writev(fd, iov, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		while (n > 0 && (size_t)w >= iov->iov_len) {
			w -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + w;
			iov->iov_len -= (size_t)w;
		}
	}
	return 0;
}

/* Write the next records, as many as are there (at most max), with one writev(2). */
static int shmring_recv_fd(struct msgend *me, int fd, size_t max, const struct deadline *d,
			   size_t *moved, size_t *records, bool *output_failed)
{
	struct shmring *p = me->priv;
	struct deadline forever;
	struct iovec iov[SHMRING_IOV];
	size_t n, i, len = 0;
	int rc;

	*moved = 0;
	*records = 0;
	*output_failed = false;
	/* Room in the output first; then what is there, up to a quarter of
	 * the ring after the first record (the writer fills the rest
	 * meanwhile) and what a pipe has room for: the records stay in the
	 * ring until they are written out (our claim: other readers go on
	 * meanwhile), so small steps give the writer room back sooner. */
	if (shmring_wait_fd(fd, POLLOUT) < 0) {
		*output_failed = true;
		return -1;
	}
	if (shmring_gone(p))
		return -1;
	rc = shmring_result(p, ring_read_beginv(&p->ring, iov, max < SHMRING_IOV ? max : SHMRING_IOV,
						shmring_fd_room(fd, (size_t)(p->ring.capacity / 4)), 0,
						&n, shmring_deadline(d, &forever)), true);
	if (rc <= 0)
		return rc;
	for (i = 0; i < n; i++)
		len += iov[i].iov_len;
	if (shmring_writev_all(fd, iov, (int)n) < 0) {
		int err = errno;

		/* The records stay for another reader. */
		ring_read_abort(&p->ring);
		/* EFAULT: the kernel found the ring's pages gone. */
		if (shmring_truncated(p, true)) {
			errno = ENXIO;
			return -1;
		}
		*output_failed = true;
		errno = err;
		return -1;
	}
	ring_read_end(&p->ring);
	if (shmring_gone(p))
		return -1;
	*moved = len;
	*records = n;
	return 1;
}

/* The fast paths: today's ring calls behind the msgend ops. */
static int shmring_batch_begin(struct msgend *me, const struct deadline *d)
{
	struct shmring *p = me->priv;
	struct deadline forever;

	if (shmring_gone(p))
		return -1;
	return shmring_result(p, ring_batch_begin(&p->ring, shmring_deadline(d, &forever)), false);
}

/* Per record: the guard's flag looked at inline on success, the full
 * checks of shmring_result only when the write failed or the flag is up. */
static int shmring_batch_put(struct msgend *me, const void *buf, size_t len,
			     const struct deadline *d)
{
	struct shmring *p = me->priv;
	struct deadline forever;
	bool guarded = p->guard >= 0;
	int rc;

	if (guarded && shmring_guards[p->guard].truncated) {
		errno = ENXIO;
		return -1;
	}
	rc = ring_batch_write(&p->ring, buf, len, shmring_deadline(d, &forever));
	if (rc == 0 && (!guarded || !shmring_guards[p->guard].truncated))
		return 0;
	return shmring_result(p, rc, false);
}

static void shmring_batch_end(struct msgend *me)
{
	struct shmring *p = me->priv;

	ring_batch_end(&p->ring);
}

static int shmring_peekv(struct msgend *me, struct iovec *iov, size_t max, size_t maxbytes,
			 unsigned flags, size_t *n, const struct deadline *d)
{
	struct shmring *p = me->priv;
	struct deadline forever;

	if (shmring_gone(p))
		return -1;
	return shmring_result(p, ring_read_beginv(&p->ring, iov, max, maxbytes,
						  flags & MSGEND_STOP_EMPTY ? RING_STOP_EMPTY : 0, n,
						  shmring_deadline(d, &forever)), true);
}

static void shmring_peek_commit(struct msgend *me)
{
	struct shmring *p = me->priv;

	ring_read_end(&p->ring);
}

static void shmring_peek_abort(struct msgend *me)
{
	struct shmring *p = me->priv;

	ring_read_abort(&p->ring);
}

const struct msgend_ops msgend_ring_ops = {
	.name = "shm",
	.open = shmring_open,
	.send = shmring_send,
	.recv = shmring_recv,
	.close = shmring_close,
	.remove = shmring_remove,
	.batch_begin = shmring_batch_begin,
	.batch_put = shmring_batch_put,
	.batch_end = shmring_batch_end,
	.peekv = shmring_peekv,
	.peek_meta = shmring_meta,
	.peek_commit = shmring_peek_commit,
	.peek_abort = shmring_peek_abort,
	.send_from_fd = shmring_send_fd,
	.recv_to_fd = shmring_recv_fd,
};
