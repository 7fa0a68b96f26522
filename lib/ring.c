/*
 * The shared-memory ring. Writers and readers move records through a
 * power-of-two area. A writer stores each record's header last (one 64-bit
 * word, release order) after zeroing the slot behind it, so a reader finds
 * new data in the record itself and never reads the writer's head; the
 * reader publishes tail after it is done with the records. A side alone
 * (one writer, or one reader) takes no lock: it raises its busy word for
 * each operation; several of a side take their lock word in turn
 * (lib/lockword.h: plain integers, no process-private pointer in the
 * segment). A side that must wait spins briefly, then raises its wake word
 * (on a cache line of its own) and sleeps on it with futex(2); the other
 * side wakes it only when that word is raised, so the fast path makes no
 * system call.
 */
#include "ring.h"
#include "lockword.h"
#include "procfd.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

struct ring_header {
	char magic[8];
	uint32_t version;
	uint32_t header_size;	/* RING_DATA_OFFSET */
	uint64_t capacity;
	uint32_t flags;
	int32_t creator_pid;
	struct lockword wlock;
	struct lockword rlock;
	/* pid slots: -pid while attaching (it may hold the lock), pid once attached */
	_Atomic int32_t wpids[RING_MAX_PEERS];
	_Atomic int32_t rpids[RING_MAX_PEERS];
	/* Per reader pid slot: the records handed to its process and not
	 * freed yet, [start, end) (empty unless end > start). */
	_Alignas(64) struct ring_claim {
		_Atomic uint64_t start, end;
	} claims[RING_MAX_PEERS];
};

/* One side's cache line: the writer's (head) or the reader's (tail). */
struct ring_line {
	_Atomic uint64_t index;
	_Atomic uint32_t closed;
	_Atomic int32_t pid;
	_Atomic uint32_t session; /* writer: bumped when a first writer attaches */
	_Atomic uint32_t busy;	/* 1 while the side's lone process is in an operation */
	_Atomic uint64_t claimed; /* reader: records before it are handed out (tail <= claimed) */
};

/* Read-mostly: whether more than one process of a side is attached. */
struct ring_shared {
	_Atomic uint32_t writers;
	_Atomic uint32_t readers;
};

struct ring_record {
	uint32_t len;
	uint32_t kind;
};

_Static_assert(sizeof(struct ring_header) <= RING_WRITER_LINE, "header page overflows");
_Static_assert(sizeof(struct ring_line) <= RING_READER_LINE - RING_WRITER_LINE, "line");
_Static_assert(RING_READER_LINE + 128 <= RING_WRITER_WAKE, "reader line overflows");
_Static_assert(RING_READER_WAKE + 128 <= RING_SHARED_LINE, "wake lines overflow");
_Static_assert(RING_SHARED_LINE + 128 <= RING_DATA_OFFSET, "shared line overflows");

#define RING_KNOWN_FLAGS 0u
#define RING_SPINS 2000
#define RING_SLICE_MS 100
#define RING_PID_MAX 4194304
/* A record header as the one word it is stored as: kind 0 is "not yet". */
#define RING_HDR(len, kind) ((uint64_t)(kind) << 32 | (uint32_t)(len))
#define RING_NO_HELD UINT64_MAX
#define RING_LINE 64u
/* How far ahead of head a writer asks for the lines it will write. */
#define RING_PREFETCH 8192u
#define RING_SLEEPERS 0xffffu	/* the wake word's count of sleepers */

static struct ring_header *ring_hdr(const struct ring *r)
{
	return (struct ring_header *)r->base;
}

static struct ring_line *ring_line(const struct ring *r, enum ring_role side)
{
	return (struct ring_line *)(r->base +
				    (side == RING_WRITER ? RING_WRITER_LINE : RING_READER_LINE));
}

static int ring_fail(const char **why, const char *what, int err)
{
	if (why)
		*why = what;
	errno = err;
	return -1;
}

static uint64_t ring_align(uint64_t n)
{
	return (n + 7u) & ~(uint64_t)7u;
}

uint64_t ring_segment_size(uint64_t capacity)
{
	return RING_DATA_OFFSET + capacity;
}

uint64_t ring_capacity_for(uint64_t size)
{
	uint64_t c = RING_MAX_CAPACITY;

	if (size < RING_DATA_OFFSET + RING_MIN_CAPACITY)
		return 0;
	while (c > size - RING_DATA_OFFSET)
		c >>= 1;
	return c;
}

size_t ring_max_record(uint64_t capacity)
{
	/* Pad plus record never exceed the capacity when a record takes at
	 * most half of it; and a record's length is stored in 32 bits. */
	uint64_t max = capacity / 2 - RING_RECORD_HEADER;

	return (size_t)(max < RING_MAX_RECORD ? max : RING_MAX_RECORD);
}

static bool ring_capacity_ok(uint64_t capacity, uint64_t size)
{
	return capacity >= RING_MIN_CAPACITY && capacity <= RING_MAX_CAPACITY &&
	       (capacity & (capacity - 1)) == 0 && size >= RING_DATA_OFFSET &&
	       capacity <= size - RING_DATA_OFFSET;
}

/* RING_MAGIC as the one 64-bit word it is stored and compared as. */
static uint64_t ring_magic_word(void)
{
	uint64_t w;

	memcpy(&w, RING_MAGIC, 8);
	return w;
}

int ring_format(void *base, size_t size, uint64_t capacity, const char **why)
{
	struct ring_header *h = base;

	if (!ring_capacity_ok(capacity, size))
		return ring_fail(why, "a capacity that is not a power of two from 4K that fits the segment",
				 EINVAL);
	memset(base, 0, RING_DATA_OFFSET);
	/* The first record slot reads "nothing yet" (kind 0). */
	memset((unsigned char *)base + RING_DATA_OFFSET, 0, RING_RECORD_HEADER);
	h->version = RING_VERSION;
	h->header_size = RING_DATA_OFFSET;
	h->capacity = capacity;
	h->flags = 0;
	h->creator_pid = (int32_t)getpid();
	/* The magic last, with release order: whoever reads it with acquire
	 * sees the whole header (the locks are zero: free). */
	__atomic_store_n((uint64_t *)(void *)h->magic, ring_magic_word(), __ATOMIC_RELEASE);
	return 0;
}

/* The magic, read with acquire order (it is stored last, with release). */
static uint64_t ring_load_magic(const void *base)
{
	return __atomic_load_n((const uint64_t *)base, __ATOMIC_ACQUIRE);
}

/* Validate the header fields; the segment may change under us, so each
 * field is read once into a local. */
static int ring_check_header(const unsigned char *base, size_t size, uint64_t *capacity,
			     const char **why)
{
	const struct ring_header *h = (const struct ring_header *)base;
	uint32_t version, hsize, flags;
	uint64_t cap, magic;
	static char old[96];

	if (size < RING_DATA_OFFSET + RING_MIN_CAPACITY)
		return ring_fail(why, "too small to hold a ring", EBADMSG);
	magic = ring_load_magic(base);
	if (magic == 0)
		return ring_fail(why, "it holds no ring (a plain segment, or its creator has not "
				 "finished the ring)", EAGAIN);
	if (magic != ring_magic_word())
		return ring_fail(why, "not an ipctool ring (bad magic)", EBADMSG);
	version = __atomic_load_n(&h->version, __ATOMIC_RELAXED);
	if (version != RING_VERSION && version > 0 && version < 100) {
		/* An ipctool ring of another release: say which, not just "bad". */
		snprintf(old, sizeof(old), "a ring of format %u; this ipctool reads format %u "
			 "(remove it and create it again)", version, RING_VERSION);
		return ring_fail(why, old, EBADMSG);
	}
	hsize = __atomic_load_n(&h->header_size, __ATOMIC_RELAXED);
	cap = __atomic_load_n(&h->capacity, __ATOMIC_RELAXED);
	flags = __atomic_load_n(&h->flags, __ATOMIC_RELAXED);
	if (version != RING_VERSION)
		return ring_fail(why, "a ring of an unknown format version", EBADMSG);
	if (hsize != RING_DATA_OFFSET)
		return ring_fail(why, "a ring with a bad header size", EBADMSG);
	if (!ring_capacity_ok(cap, size))
		return ring_fail(why, "a ring with a bad capacity", EBADMSG);
	if (flags & ~RING_KNOWN_FLAGS)
		return ring_fail(why, "a ring with unknown flags", EBADMSG);
	*capacity = cap;
	return 0;
}

/* A pid slot's process: attaching (-pid) or attached (pid); 0 when free or invalid. */
static int32_t ring_slot_pid(int32_t v)
{
	if (v == INT32_MIN)
		return 0;
	return v < 0 ? -v : v;
}

static bool ring_pid_valid(int32_t pid)
{
	return pid > 0 && pid <= RING_PID_MAX;
}

/*
 * Whether pid is a zombie: it exited (killed, say) and its parent has not
 * reaped it yet; kill(2) still finds it, but it holds no ring any more.
 */
static bool ring_pid_zombie(int32_t pid)
{
	char state;

	return procfd_stat(pid, &state, NULL) == 0 && (state == 'Z' || state == 'X');
}

/* Whether pid lives; zombies count as dead only when thorough (it costs a
 * read of /proc, too much for every wake-up of a waiter). */
static bool ring_pid_lives(int32_t pid, bool thorough)
{
	return ring_pid_valid(pid) && (kill(pid, 0) == 0 || errno == EPERM) &&
	       !(thorough && ring_pid_zombie(pid));
}

static bool ring_pid_alive(int32_t pid)
{
	return ring_pid_lives(pid, true);
}

/*
 * Liveness of a side from its pid slots: 1 when some attached process
 * lives, 0 when none is attached, -1 when all attached ones are gone
 * (*dead gets one of them).
 */
static int ring_side_alive(struct ring *r, enum ring_role side, pid_t *dead)
{
	_Atomic int32_t *pids = side == RING_WRITER ? ring_hdr(r)->wpids : ring_hdr(r)->rpids;
	int i, found = 0;

	for (i = 0; i < RING_MAX_PEERS; i++) {
		int32_t pid = ring_slot_pid(atomic_load_explicit(&pids[i], memory_order_relaxed));

		if (pid == 0 || pid == r->pid)
			continue;
		if (ring_pid_lives(pid, r->idle))
			return 1;
		found = -1;
		*dead = pid;
	}
	return found;
}

static int ring_futex_wait(_Atomic uint32_t *word, uint32_t val, int ms)
{
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L };

	return (int)syscall(SYS_futex, word, FUTEX_WAIT, val, &ts, NULL, 0);
}

static void ring_futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, word, FUTEX_WAKE, INT_MAX, NULL, NULL, 0);
}

/*
 * A side's wake word: the number of its processes sleeping on it (low 16
 * bits; several readers, or writers, may), and a generation above, bumped
 * by each wake-up. Each has a cache line of its own, written only around
 * sleeps, so the check after every publish reads a line both sides keep,
 * not the other side's busy index.
 */
static _Atomic uint32_t *ring_wake_word(const struct ring *r, enum ring_role side)
{
	return (_Atomic uint32_t *)(r->base +
				   (side == RING_WRITER ? RING_WRITER_WAKE : RING_READER_WAKE));
}

/* Wake the other side if it sleeps; called after publishing an index. */
static void ring_wake(struct ring *r, enum ring_role other)
{
	_Atomic uint32_t *w = ring_wake_word(r, other);

	atomic_thread_fence(memory_order_seq_cst);
	if (atomic_load_explicit(w, memory_order_relaxed) & RING_SLEEPERS) {
		/* A new generation: a sleeper about to wait on the old value
		 * does not (futex(2) compares), it looks again. */
		atomic_fetch_add(w, RING_SLEEPERS + 1);
		ring_futex_wake(w);
	}
}

static void ring_pause(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static _Atomic int32_t *ring_side_pids(const struct ring *r, enum ring_role side)
{
	return side == RING_WRITER ? ring_hdr(r)->wpids : ring_hdr(r)->rpids;
}

static struct lockword *ring_side_lock(const struct ring *r)
{
	return r->role == RING_WRITER ? &ring_hdr(r)->wlock : &ring_hdr(r)->rlock;
}

/*
 * Our side's shared word: odd while more than one process of the side may
 * be attached, even while one is alone; it only grows (under the side's
 * lock), so a lone process that finds the value of its last operation
 * knows nobody else came in between.
 */
static _Atomic uint32_t *ring_shared_flag(const struct ring *r)
{
	struct ring_shared *s = (struct ring_shared *)(void *)(r->base + RING_SHARED_LINE);

	return r->role == RING_WRITER ? &s->writers : &s->readers;
}

/* Our side's busy word: the pid of its lone process while in an operation. */
static _Atomic uint32_t *ring_busy_word(const struct ring *r)
{
	return &ring_line(r, r->role)->busy;
}

/* A record header slot of the data area (off is taken to a slot inside it). */
static _Atomic uint64_t *ring_slot(const struct ring *r, uint64_t off)
{
	return (_Atomic uint64_t *)(void *)(r->base + RING_DATA_OFFSET + (off & r->mask & ~(uint64_t)7));
}

/* A record header as the one 64-bit word it is stored and loaded as. */
static uint64_t ring_hdr_word(uint32_t len, uint32_t kind)
{
	struct ring_record rec = { len, kind };
	uint64_t w;

	memcpy(&w, &rec, sizeof(w));
	return w;
}

/* The header in the slot at off, with acquire order: kind 0 is "nothing yet". */
static void ring_hdr_load(const struct ring *r, uint64_t off, uint32_t *len, uint32_t *kind)
{
	uint64_t w = atomic_load_explicit(ring_slot(r, off), memory_order_acquire);
	struct ring_record rec;

	memcpy(&rec, &w, sizeof(rec));
	*len = rec.len;
	*kind = rec.kind;
}

/*
 * The record at pos: 0 when its slot reads "nothing yet", else the bytes
 * from pos to the next record (a pad's reach to the wrap), with its *len
 * and *kind; -1 (EBADMSG) when the header is not a valid record there.
 */
static int64_t ring_record_at(const struct ring *r, uint64_t pos, uint32_t *len, uint32_t *kind)
{
	uint64_t off = pos & r->mask, room = r->capacity - off;

	ring_hdr_load(r, off, len, kind);
	if (*kind == 0)
		return 0;
	if (*kind == RING_REC_PAD && (uint64_t)*len + RING_RECORD_HEADER == room)
		return (int64_t)room;
	if (*kind == RING_REC_DATA && *len <= ring_max_record(r->capacity) &&
	    RING_RECORD_HEADER + ring_align(*len) <= room)
		return (int64_t)(RING_RECORD_HEADER + ring_align(*len));
	errno = EBADMSG;
	return -1;
}

/*
 * Only a process in the side's pid slots may hold its lock; a dead holder
 * (whose slot a newcomer may have taken) is taken over. A live holder that
 * is not attached (an unrelated pid written by a co-tenant) is corrupt.
 */
static bool ring_lock_holder_ok(pid_t holder, void *arg)
{
	const struct ring *r = arg;
	_Atomic int32_t *pids = ring_side_pids(r, r->role);
	int i;

	for (i = 0; i < RING_MAX_PEERS; i++)
		if (ring_slot_pid(atomic_load_explicit(&pids[i], memory_order_relaxed)) == holder)
			return true;
	return !ring_pid_alive(holder);
}

/*
 * Take our side's lock by the deadline. A holder that died is taken over:
 * the indices are published in single stores, and a writer's head is
 * moved past what a dead writer committed (ring_writer_head), so the ring
 * is consistent. 1 when taken over.
 */
static int ring_lock(struct ring *r, const struct deadline *d)
{
	int rc = lockword_lock(ring_side_lock(r), r->self, d, ring_lock_holder_ok, r);

	if (rc < 0)
		return -1;
	if (rc == 1)
		r->recovered = true;
	return rc;
}

static void ring_unlock(struct ring *r)
{
	lockword_unlock(ring_side_lock(r));
}

/* Live processes of our side in pid slots other than ours (attaching,
 * attached or leaving). */
static int ring_side_others(const struct ring *r)
{
	_Atomic int32_t *pids = ring_side_pids(r, r->role);
	int i, n = 0;

	for (i = 0; i < RING_MAX_PEERS; i++) {
		int32_t pid = ring_slot_pid(atomic_load(&pids[i]));

		if (i != r->slot && pid != 0 && ring_pid_alive(pid))
			n++;
	}
	return n;
}

/*
 * With the side's lock held: alone (or the one that stays), the side goes
 * back to the fast path. Release: what this process and those before it
 * did under the lock is seen by the one that next enters without it.
 */
static void ring_side_recount(struct ring *r, int alone)
{
	_Atomic uint32_t *shared = ring_shared_flag(r);
	uint32_t v = atomic_load_explicit(shared, memory_order_relaxed);

	if ((v & 1) && ring_side_others(r) <= alone)
		atomic_store_explicit(shared, v + 1, memory_order_release);
}

/*
 * With the side's lock held, as the second process of the side: set the
 * shared flag, then wait until the side's lone process is out of its
 * operation (it enters no other without the lock). A busy word naming a
 * dead process is cleared; one naming a live process that is not attached
 * is corrupt (EBADMSG), as for a lock word; ETIMEDOUT at the deadline
 * (*busy_pid the process waited for).
 */
static int ring_side_share(struct ring *r, const struct deadline *d, pid_t *busy_pid)
{
	_Atomic uint32_t *busy = ring_busy_word(r);
	struct timespec ms = { 0, 1000000L };
	uint32_t v;
	int spins = 0;

	v = atomic_load_explicit(ring_shared_flag(r), memory_order_relaxed);
	if (!(v & 1))
		atomic_store_explicit(ring_shared_flag(r), v + 1, memory_order_relaxed);
	/* Against ring_side_enter's busy store, fence, flag check (Dekker):
	 * either it sees the flag, or we see it busy. */
	atomic_thread_fence(memory_order_seq_cst);
	while ((v = atomic_load_explicit(busy, memory_order_acquire)) != 0) {
		if (v == (uint32_t)r->pid)
			break;	/* this process: it is not in an operation now */
		if (spins < RING_SPINS) {
			spins++;
			ring_pause();
			continue;
		}
		if (v > RING_PID_MAX || !ring_lock_holder_ok((pid_t)v, r)) {
			errno = EBADMSG;
			return -1;
		}
		if (!ring_pid_alive((int32_t)v)) {
			/* Died in its operation: a writer's half record is not
			 * seen (its header is not there), a reader's records
			 * stay for the next one (tail did not move). */
			atomic_compare_exchange_strong(busy, &v, 0);
			continue;
		}
		if (deadline_passed(d)) {
			*busy_pid = (pid_t)v;
			errno = ETIMEDOUT;
			return -1;
		}
		nanosleep(&ms, NULL);
	}
	return 0;
}

/*
 * Begin an operation of our side: without the lock while the side's shared
 * flag is clear (we are its only process), else under the lock. The busy
 * word is raised before the flag is checked again, behind a full fence, so
 * a second process that sets the flag either is seen here or sees us busy.
 */
static int ring_side_enter(struct ring *r, const struct deadline *d)
{
	_Atomic uint32_t *shared = ring_shared_flag(r);
	uint32_t v = atomic_load_explicit(shared, memory_order_relaxed);

	if (!(v & 1)) {
		_Atomic uint32_t *busy = ring_busy_word(r);

		atomic_store_explicit(busy, (uint32_t)r->pid, memory_order_relaxed);
		atomic_thread_fence(memory_order_seq_cst);
		if (atomic_load_explicit(shared, memory_order_acquire) == v) {
			/* Another process came and went since our last
			 * operation: what we know of our side's index is old. */
			if (v != r->alone)
				r->pos_ok = false;
			r->alone = v;
			r->fast = true;
			return 0;
		}
		atomic_store_explicit(busy, 0, memory_order_release);
	}
	switch (ring_lock(r, d)) {
	case -1:
		return -1;
	case 1:
		ring_side_recount(r, 0);
		break;
	default:
		/* Now and then: the others may have died without closing. */
		if (++r->ops % 256 == 0)
			ring_side_recount(r, 0);
	}
	r->locked = true;
	return 0;
}

/* End the operation: lower the busy word (release: what we did is seen by
 * whoever sees it low), or release the lock. */
static void ring_side_leave(struct ring *r)
{
	r->pos_ok = false;
	if (r->fast) {
		r->fast = false;
		atomic_store_explicit(ring_busy_word(r), 0, memory_order_release);
	}
	if (r->locked) {
		r->locked = false;
		ring_unlock(r);
	}
}

/* Claim a free slot (or a dead process's) as -pid, before taking the lock. */
static int ring_claim_slot(struct ring *r)
{
	_Atomic int32_t *pids = ring_side_pids(r, r->role);
	int i;

	for (i = 0; i < RING_MAX_PEERS; i++) {
		int32_t v = atomic_load(&pids[i]);
		int32_t pid = ring_slot_pid(v);

		if ((v == 0 || !ring_pid_alive(pid)) &&
		    atomic_compare_exchange_strong(&pids[i], &v, -(int32_t)r->pid))
			return i;
	}
	return -1;
}

static void ring_reader_attach(struct ring *r);
static int ring_reader_orphan(struct ring *r, uint64_t *start, uint64_t *end);

/* ring_attach's failure with the side's lock held: why, from what was waited for. */
static int ring_attach_fail(struct ring *r, bool locked, pid_t busy, const char **why)
{
	static char held[96];
	const char *side = r->role == RING_WRITER ? "writers" : "readers";
	int err = errno;

	if (locked)
		ring_unlock(r);
	atomic_store(&ring_side_pids(r, r->role)[r->slot], 0);
	r->slot = -1;
	if (err != ETIMEDOUT)
		return ring_fail(why, "a ring with a corrupt lock", err);
	/* Say what we waited for: the ring is there, its side was not free. */
	if (busy)
		snprintf(held, sizeof(held), "the %s' lone process, pid %d, stayed busy", side,
			 (int)busy);
	else
		snprintf(held, sizeof(held), "the %s' lock stayed taken by pid %d", side,
			 (int)lockword_holder(ring_side_lock(r)));
	return ring_fail(why, held, err);
}

/*
 * Whether this CPU takes a prefetch for writing (PREFETCHW, CPUID
 * 0x80000001 ECX bit 8). Without it, x86 gets the read prefetch, which
 * brings a line shared, not owned: no gain.
 */
static bool ring_prefetchw_ok(void)
{
#if defined(__x86_64__) || defined(__i386__)
	unsigned a, b, c, d;

	return __get_cpuid(0x80000001u, &a, &b, &c, &d) && (c & (1u << 8));
#else
	return true;
#endif
}

int ring_attach(struct ring *r, void *base, size_t size, enum ring_role role,
		const struct deadline *d, const char **why)
{
	_Atomic int32_t *pids;
	struct ring_line *mine;
	bool others = false;
	pid_t busy = 0;
	uint64_t cap;
	int i;

	memset(r, 0, sizeof(*r));
	r->slot = -1;
	r->seg_fd = -1;
	r->held_at = RING_NO_HELD;
	if (ring_check_header(base, size, &cap, why) < 0)
		return -1;
	r->base = base;
	r->size = size;
	r->capacity = cap;
	r->mask = cap - 1;
	r->role = role;
	r->prefetchw = role == RING_WRITER && ring_prefetchw_ok();
	r->pid = getpid();
	r->self = lockword_self();
	pids = ring_side_pids(r, role);
	r->slot = ring_claim_slot(r);
	if (r->slot < 0)
		return ring_fail(why, "too many processes attached to the ring", EUSERS);
	if (ring_lock(r, d) < 0)
		return ring_attach_fail(r, false, 0, why);
	if (ring_side_others(r) == 0) {
		/* Alone: what a dead process left in the words is stale. */
		uint32_t v = atomic_load(ring_shared_flag(r));

		atomic_store(ring_busy_word(r), 0);
		if (v & 1)
			atomic_store(ring_shared_flag(r), v + 1);
	} else if (ring_side_share(r, d, &busy) < 0) {
		ring_side_recount(r, 0);
		return ring_attach_fail(r, true, busy, why);
	}
	/* Others attached (not merely attaching) and alive: a session goes on. */
	for (i = 0; i < RING_MAX_PEERS; i++) {
		int32_t v = atomic_load(&pids[i]);

		if (i != r->slot && v > 0 && ring_pid_alive(v))
			others = true;
	}
	atomic_store(&pids[r->slot], (int32_t)r->pid);
	mine = ring_line(r, role);
	atomic_store(&mine->pid, (int32_t)r->pid);
	if (role == RING_WRITER && !others) {
		/* A new writers' session: end of stream belongs to it, not to
		 * the segment, so a persistent ring is used again. */
		atomic_fetch_add(&mine->session, 1);
	}
	if (role == RING_READER) {
		struct ring_line *wl = ring_line(r, RING_WRITER);

		/* A close with nothing left to read, of a session that ended
		 * before we came: not our end of stream; wait for a writer. */
		r->session = atomic_load_explicit(&wl->session, memory_order_acquire);
		r->stale_close = atomic_load_explicit(&wl->closed, memory_order_acquire) &&
				 atomic_load_explicit(&wl->index, memory_order_acquire) ==
					 atomic_load_explicit(&mine->index, memory_order_relaxed);
	}
	if (role == RING_READER)
		ring_reader_attach(r);
	atomic_store(&mine->closed, 0);
	r->cached = atomic_load_explicit(&ring_line(r, role == RING_WRITER ? RING_READER : RING_WRITER)->index,
					 memory_order_acquire);
	ring_unlock(r);
	return 0;
}

void ring_close(struct ring *r)
{
	struct deadline d;
	_Atomic int32_t *pids;
	bool others = false;
	int i;

	if (!r->base || r->slot < 0)
		return;
	if (r->batch)
		ring_batch_end(r);
	/* Records still out stay our claim, for another reader to take. */
	ring_read_abort(r);
	ring_side_leave(r);
	deadline_start(&d, 1000);
	if (ring_lock(r, &d) < 0)
		return;
	pids = ring_side_pids(r, r->role);
	/* Leaving (-pid) while we hold the lock, so that a waiter still finds
	 * the holder in the slots; free once the lock is released. */
	if (atomic_load(&pids[r->slot]) == (int32_t)r->pid)
		atomic_store(&pids[r->slot], -(int32_t)r->pid);
	for (i = 0; i < RING_MAX_PEERS; i++) {
		int32_t v = atomic_load(&pids[i]);

		if (v > 0 && ring_pid_alive(v))
			others = true;
	}
	/* One left: it goes on without the lock. */
	ring_side_recount(r, 1);
	if (!others) {
		atomic_store(&ring_line(r, r->role)->closed, 1);
		ring_wake(r, r->role == RING_WRITER ? RING_READER : RING_WRITER);
	}
	ring_unlock(r);
	{
		int32_t leaving = -(int32_t)r->pid;

		atomic_compare_exchange_strong(&pids[r->slot], &leaving, 0);
	}
	r->slot = -1;
}

/*
 * Whether r->seg_fd's segment shrank below the mapping (ENXIO): its pages
 * are gone. Checked once per sleep, so a waiter never waits on a segment
 * someone truncated, even where it touches no vanished page.
 */
static bool ring_seg_truncated(const struct ring *r)
{
	struct stat st;

	if (r->seg_fd < 0 || fstat(r->seg_fd, &st) < 0 || (uint64_t)st.st_size >= r->size)
		return false;
	errno = ENXIO;
	return true;
}

/*
 * Wait until ready(r, full) holds: spin, then sleep on our wake word in
 * slices, checking in between that the other side is still there.
 * peer_check returns 0 to go on waiting, or -1 with errno set to stop.
 * While spinning, ready looks only at what the other side writes for us
 * (full false: for a reader, the record, not the writer's own line, which
 * a look would take from the writer while it works); after the spin it is
 * asked for the whole truth. The operation is left before the first
 * sleep (the busy word lowered, or the lock released: a waiter holds
 * nothing, so another process of its side may join, close or take a turn);
 * the caller enters again when r->fast and r->locked are both clear.
 */
static int ring_wait(struct ring *r, bool (*ready)(struct ring *, bool),
		     int (*peer_check)(struct ring *), const struct deadline *d)
{
	_Atomic uint32_t *wake = ring_wake_word(r, r->role);
	uint32_t seen;
	int i;

	for (i = 0; i < RING_SPINS; i++) {
		ring_pause();
		if (ready(r, false))
			return 0;
	}
	r->idle = false;
	for (;;) {
		int left, slice;

		if (ready(r, true))
			return 0;
		if (ring_seg_truncated(r) || peer_check(r) < 0)
			return -1;
		left = deadline_poll_ms(d);
		if (left == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		/* Nothing held while we sleep: another of our side may join,
		 * close, or take its turn. */
		ring_side_leave(r);
		slice = left < 0 || left > RING_SLICE_MS ? RING_SLICE_MS : left;
		/* "I sleep" (a read-modify-write: a full fence) before the
		 * re-check, against the other side's publish-then-check in
		 * ring_wake: else the re-check may be ordered before it, and a
		 * wake-up is lost until the next slice. */
		seen = atomic_fetch_add(wake, 1) + 1;
		if (ready(r, true)) {
			atomic_fetch_sub(wake, 1);
			return 0;
		}
		r->idle = ring_futex_wait(wake, seen, slice) < 0 && errno == ETIMEDOUT;
		atomic_fetch_sub(wake, 1);
		if (ready(r, true))
			return 0;
	}
}

/* Writer side. */

/* Out of our operation (a lone side sleeping): others of our side may have
 * joined and moved our index meanwhile; wait from where it is now. */
static void ring_wait_refresh(struct ring *r)
{
	if (!r->fast && !r->locked) {
		if (r->role == RING_WRITER)
			r->pos = atomic_load_explicit(&ring_line(r, RING_WRITER)->index,
						      memory_order_acquire);
		else
			r->next = atomic_load_explicit(&ring_line(r, RING_READER)->claimed,
						       memory_order_acquire);
	}
}

static bool ring_writer_ready(struct ring *r, bool full)
{
	(void)full;
	ring_wait_refresh(r);
	r->cached = atomic_load_explicit(&ring_line(r, RING_READER)->index, memory_order_acquire);
	return r->pos - r->cached <= r->capacity - r->reserved ||
	       atomic_load_explicit(&ring_line(r, RING_READER)->closed, memory_order_relaxed);
}

static int ring_writer_peer(struct ring *r)
{
	struct ring_line *rl = ring_line(r, RING_READER);
	uint64_t tail;

	ring_wait_refresh(r);
	tail = atomic_load_explicit(&rl->index, memory_order_acquire);
	/* Out of our operation, head (another writer's) may lag tail a little. */
	if ((tail & 7u) || (r->pos - tail > r->capacity && tail - r->pos > r->capacity) ||
	    ((r->fast || r->locked) && r->pos - tail > r->capacity)) {
		errno = EBADMSG;
		return -1;
	}
	if (atomic_load(&rl->closed)) {
		errno = EPIPE;
		return -1;
	}
	if (ring_side_alive(r, RING_READER, &r->dead_pid) < 0) {
		errno = EPIPE;
		return -1;
	}
	return 0;
}

/*
 * Publish the records written since the last publish: the header held
 * back (the first one's: it makes them all visible at once), then head,
 * and wake a sleeping reader.
 */
static void ring_publish(struct ring *r)
{
	if (r->held_at != RING_NO_HELD) {
		/* The slot after the last record reads "nothing yet" (a batch's
		 * records leave it to this store), then the held header makes
		 * the records visible. */
		atomic_store_explicit(ring_slot(r, r->pos), 0, memory_order_relaxed);
		atomic_store_explicit(ring_slot(r, r->held_at), r->held_rec, memory_order_release);
		r->held_at = RING_NO_HELD;
	}
	if (r->pos == r->published)
		return;
	atomic_store_explicit(&ring_line(r, RING_WRITER)->index, r->pos, memory_order_release);
	r->published = r->pos;
	ring_wake(r, RING_READER);
}

/*
 * Our head, in r->pos: the published one, moved past the records a writer
 * that died committed and did not publish (their headers are there; the
 * slot after the last one is zero). EBADMSG when the records or the
 * indices are out of range.
 */
static int ring_writer_head(struct ring *r)
{
	uint64_t start = atomic_load_explicit(&ring_line(r, RING_WRITER)->index, memory_order_relaxed);
	uint64_t pos = start;
	uint32_t len, kind;
	int64_t step;

	r->published = start;
	for (;;) {
		if ((pos & 7u) || pos - start > r->capacity)
			goto corrupt;
		step = ring_record_at(r, pos, &len, &kind);
		if (step < 0)
			goto corrupt;
		if (step == 0)
			break;
		pos += (uint64_t)step;
	}
	r->pos = pos;
	/* Our copy of tail, if it still says where we are (tail only grows):
	 * the reader's line is the reader's to write, read it only when needed. */
	if (pos - r->cached > r->capacity) {
		r->cached = atomic_load_explicit(&ring_line(r, RING_READER)->index,
						 memory_order_acquire);
		if (pos - r->cached > r->capacity || (r->cached & 7u))
			goto corrupt;
	}
	return 0;
corrupt:
	errno = EBADMSG;
	return -1;
}

/*
 * Begin a writer's operation (without the lock when alone) at our head.
 * Alone since our last operation, head is where we left it (r->pos_ok):
 * no look at head, nor at the slot there, which the reader polls.
 */
static int ring_writer_enter(struct ring *r, const struct deadline *d)
{
	if (ring_side_enter(r, d) < 0)
		return -1;
	r->held_at = RING_NO_HELD;
	if (r->fast && r->pos_ok) {
		r->published = r->pos;
		return 0;
	}
	r->pos_ok = false;
	if (ring_writer_head(r) < 0) {
		ring_side_leave(r);
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* Start an operation: not one under way already. */
static int ring_writer_begin(struct ring *r, const struct deadline *d)
{
	if (r->role != RING_WRITER || r->locked || r->fast) {
		errno = EINVAL;
		return -1;
	}
	return ring_writer_enter(r, d);
}

/*
 * A record's header: held back when it is the first since the last
 * publish (ring_publish stores it last), stored at once otherwise (the held
 * one's release store orders it).
 */
static void ring_put_header(struct ring *r, uint64_t off, uint32_t len, uint32_t kind)
{
	uint64_t w = ring_hdr_word(len, kind);

	if (r->held_at == RING_NO_HELD) {
		r->held_at = off;
		r->held_rec = w;
	} else {
		atomic_store_explicit(ring_slot(r, off), w, memory_order_relaxed);
	}
}


/* The instruction itself on x86: the builtin gives it only to a build for
 * CPUs that all have it (-mprfchw), and the read prefetch otherwise. */
static inline void ring_prefetch_line(const void *p)
{
#if defined(__x86_64__) || defined(__i386__)
	__asm__ volatile("prefetchw %0" : : "m"(*(const char *)p));
#else
	__builtin_prefetch(p, 1, 3);
#endif
}

/*
 * Ask for the free lines up to RING_PREFETCH bytes past head, for writing.
 * The readers read them last time round, so each store there would wait for
 * the line to come back from the reader's core, one line at a time: a
 * stream of short records stalls on that (half the writer's time for 64-byte
 * lines, measured). Asked for early, the lines come in parallel. Only lines
 * the readers are done with: tail as we last saw it bounds them.
 */
static void ring_prefetch(struct ring *r)
{
	uint64_t used = r->pos - r->cached, ahead, lead, line = r->pos & ~(uint64_t)(RING_LINE - 1);

	/* Not a tail we can go by (the segment is not trusted): no hint. */
	if (!r->prefetchw || used > r->capacity)
		return;
	/* Whole lines only, from head's line up to tail's: the line that
	 * holds tail (and unread bytes) stays with the readers. */
	ahead = r->capacity - used + (r->pos - line);
	if (ahead > RING_PREFETCH)
		ahead = RING_PREFETCH;
	/* How far past head's line we asked already, in modular arithmetic
	 * (the indices are the segment's, any value); head moved by another
	 * writer, or the first time: from head's line. At most RING_PREFETCH /
	 * RING_LINE lines a call. */
	lead = r->prefetched - line;
	if (lead > RING_PREFETCH) {
		r->prefetched = line;
		lead = 0;
	}
	for (; lead + RING_LINE <= ahead; lead += RING_LINE, r->prefetched += RING_LINE)
		ring_prefetch_line(r->base + RING_DATA_OFFSET + (r->prefetched & r->mask));
}

/*
 * In an operation, r->pos at our head: make room for a record of len bytes
 * after r->pos, and for the zeroed slot after it, waiting for the readers
 * (what this batch wrote so far is published first, so they can make it);
 * write a pad record first when the record would not fit before the wrap.
 * Returns 0 with *data at the payload, or -1 with errno (the operation may
 * have ended: r->fast and r->locked both clear).
 */
static int ring_reserve(struct ring *r, size_t len, void **data, const struct deadline *d)
{
	uint64_t need, off, pad;

	if (len > ring_max_record(r->capacity)) {
		errno = EMSGSIZE;
		return -1;
	}
	need = RING_RECORD_HEADER + ring_align(len);
	for (;;) {
		off = r->pos & r->mask;
		pad = r->capacity - off < need ? r->capacity - off : 0;
		/* Pad, record and the slot after them; reserved holds the
		 * total for the check. */
		r->reserved = (size_t)(pad + need + RING_RECORD_HEADER);
		if (r->pos - r->cached <= r->capacity &&
		    r->pos - r->cached <= r->capacity - r->reserved)
			break;
		ring_publish(r);
		if (!ring_writer_ready(r, true) &&
		    ring_wait(r, ring_writer_ready, ring_writer_peer, d) < 0)
			return -1;
		if (!r->fast && !r->locked) {
			/* Slept out of the operation: another writer may have
			 * joined and moved head. */
			if (ring_writer_enter(r, d) < 0)
				return -1;
			continue;
		}
		if (r->pos - r->cached > r->capacity) {
			errno = EBADMSG;
			return -1;
		}
		if (atomic_load(&ring_line(r, RING_READER)->closed)) {
			errno = EPIPE;
			return -1;
		}
	}
	if (pad) {
		/* The slot at the wrap reads "nothing yet" before the pad
		 * sends the readers there. */
		atomic_store_explicit(ring_slot(r, 0), 0, memory_order_relaxed);
		ring_put_header(r, off, (uint32_t)(pad - RING_RECORD_HEADER), RING_REC_PAD);
		r->pos += pad;
		off = 0;
	}
	/* The slot after the record, zero now: a commit of len bytes then
	 * stores only the header (and this slot's zero again, in
	 * ring_publish, on the same line) to the line the readers poll. */
	r->zeroed = r->pos + need;
	atomic_store_explicit(ring_slot(r, r->zeroed), 0, memory_order_relaxed);
	r->reserved = len;
	*data = r->base + RING_DATA_OFFSET + off + RING_RECORD_HEADER;
	return 0;
}

/*
 * Copy a record's payload in: what lies past the header's cache line
 * first, so the line a reader polls is written in one burst at the end
 * (with the header) and not taken back by the polling reader in between.
 */
static void ring_copy_in(void *data, const void *buf, size_t len)
{
	uintptr_t hdr = (uintptr_t)data - RING_RECORD_HEADER;
	size_t first = (size_t)(((hdr | (RING_LINE - 1)) + 1) - (uintptr_t)data);

	if (first < len) {
		memcpy((char *)data + first, (const char *)buf + first, len - first);
		len = first;
	}
	memcpy(data, buf, len);
}

/* The reserved record (len <= reserved): zero the slot after it (unless
 * ring_reserve did), then its header, and move our head past it,
 * unpublished. */
static void ring_put(struct ring *r, size_t len)
{
	uint64_t total;

	if (len > r->reserved)
		len = r->reserved;
	total = RING_RECORD_HEADER + ring_align(len);
	if (r->pos + total != r->zeroed)
		atomic_store_explicit(ring_slot(r, r->pos + total), 0, memory_order_relaxed);
	ring_put_header(r, r->pos & r->mask, (uint32_t)len, RING_REC_DATA);
	r->pos += total;
	r->reserved = 0;
}

static int ring_fail_unlock(struct ring *r)
{
	int err = errno;

	ring_write_abort(r);
	errno = err;
	return -1;
}

int ring_write_begin(struct ring *r, size_t len, void **data, const struct deadline *d)
{
	if (r->role != RING_WRITER || r->locked || r->fast) {
		errno = EINVAL;
		return -1;
	}
	if (len > ring_max_record(r->capacity)) {
		errno = EMSGSIZE;
		return -1;
	}
	if (ring_writer_begin(r, d) < 0)
		return -1;
	if (ring_reserve(r, len, data, d) < 0)
		return ring_fail_unlock(r);
	return 0;
}

int ring_write_begin_some(struct ring *r, size_t min, size_t max, void **data, size_t *room,
			  const struct deadline *d)
{
	uint64_t tail, used, contiguous, space;

	if (max > ring_max_record(r->capacity))
		max = ring_max_record(r->capacity);
	if (min > max)
		min = max;
	if (ring_writer_begin(r, d) < 0)
		return -1;
	if (ring_reserve(r, min, data, d) < 0)
		return ring_fail_unlock(r);
	/* Grow the reservation to what is free up to the wrap, less the slot
	 * after the record: the readers may have moved tail since we last
	 * looked (it only grows). */
	tail = atomic_load_explicit(&ring_line(r, RING_READER)->index, memory_order_acquire);
	if (r->pos - tail <= r->capacity && !(tail & 7u))
		r->cached = tail;
	used = r->pos - r->cached + RING_RECORD_HEADER;
	contiguous = r->capacity - (r->pos & r->mask);
	space = r->capacity - used < contiguous ? r->capacity - used : contiguous;
	space &= ~(uint64_t)7u;
	if (space > RING_RECORD_HEADER + min)
		r->reserved = space - RING_RECORD_HEADER < max ? (size_t)(space - RING_RECORD_HEADER) : max;
	*room = r->reserved;
	return 0;
}

/* Publish and end the operation. A writer alone goes on where it is next
 * time (unless it slept meanwhile, or an operation failed: another writer
 * may have joined, or a pad went unpublished). */
static void ring_write_done(struct ring *r)
{
	bool fast = r->fast;

	ring_publish(r);
	r->batch = false;
	ring_side_leave(r);
	r->pos_ok = fast;
}

void ring_write_commit(struct ring *r, size_t len)
{
	if (!r->locked && !r->fast)
		return;
	ring_put(r, len);
	ring_write_done(r);
}

void ring_write_abort(struct ring *r)
{
	r->batch = false;
	r->held_at = RING_NO_HELD;
	ring_side_leave(r);
}

int ring_write(struct ring *r, const void *buf, size_t len, const struct deadline *d)
{
	void *p;

	if (ring_write_begin(r, len, &p, d) < 0)
		return -1;
	ring_copy_in(p, buf, len);
	ring_write_commit(r, len);
	return 0;
}

int ring_batch_begin(struct ring *r, const struct deadline *d)
{
	if (ring_writer_begin(r, d) < 0)
		return -1;
	r->batch = true;
	return 0;
}

int ring_batch_write(struct ring *r, const void *buf, size_t len, const struct deadline *d)
{
	uint64_t need, off;
	void *p;

	if (!r->batch || (!r->fast && !r->locked)) {
		errno = EINVAL;
		return -1;
	}
	/* A batch streams: the lines ahead are asked for (ring_write's lone
	 * record, as in a round trip, goes without). */
	ring_prefetch(r);
	need = RING_RECORD_HEADER + ring_align(len);
	off = r->pos & r->mask;
	/*
	 * Most records: room before the wrap and behind tail as we last saw it,
	 * the slot after the record included. No reader looks at them before
	 * ring_publish (the batch's first header is held back), so neither the
	 * order of the stores nor the slot after each record matters here:
	 * ring_publish zeroes the one after the last.
	 */
	if (len <= ring_max_record(r->capacity) && r->capacity - off >= need &&
	    r->pos - r->cached <= r->capacity - need - RING_RECORD_HEADER) {
		memcpy(r->base + RING_DATA_OFFSET + off + RING_RECORD_HEADER, buf, len);
		ring_put_header(r, off, (uint32_t)len, RING_REC_DATA);
		r->pos += need;
		return 0;
	}
	if (ring_reserve(r, len, &p, d) < 0)
		return -1;
	ring_copy_in(p, buf, len);
	ring_put(r, len);
	return 0;
}

void ring_batch_end(struct ring *r)
{
	if (!r->batch)
		return;
	if (r->fast || r->locked)
		ring_write_done(r);
	r->batch = false;
}

/* Reader side. */

/* Whether the writers' session this reader reads has ended. */
static bool ring_writers_closed(const struct ring *r)
{
	struct ring_line *wl = ring_line(r, RING_WRITER);

	/* Acquire: the records published before the flag are seen with it.
	 * A counted reader outlives a close: another writer may be on its way
	 * (writers that start one after another each close the stream). */
	if (r->keep || r->counted || !atomic_load_explicit(&wl->closed, memory_order_acquire))
		return false;
	return !(r->stale_close &&
		 atomic_load_explicit(&wl->session, memory_order_relaxed) == r->session);
}

/* A record at our tail, or (full) the writers' close. While spinning the
 * writer's line is looked at only now and then: it is the writer's to
 * write. */
static bool ring_reader_ready(struct ring *r, bool full)
{
	uint32_t len, kind;

	ring_wait_refresh(r);
	ring_hdr_load(r, r->next, &len, &kind);
	if (kind != 0 || !full)
		return kind != 0;
	/* Records a reader that died left out are there to read, too. */
	if (ring_writers_closed(r))
		return true;
	{
		uint64_t s = 0, e = 0;

		return ring_reader_orphan(r, &s, &e) >= 0;
	}
}

/* Whether head is sane for a reader at r->next: a reader may be a little
 * ahead of it (a record is seen before head moves past it), never a ring's
 * length away from it. Looked at only when there is nothing to read. */
static bool ring_reader_head_ok(const struct ring *r)
{
	uint64_t head = atomic_load_explicit(&ring_line(r, RING_WRITER)->index, memory_order_acquire);

	return !(head & 7u) && (head - r->next <= r->capacity || r->next - head <= r->capacity);
}

static int ring_reader_peer(struct ring *r)
{
	ring_wait_refresh(r);
	if (!ring_reader_head_ok(r)) {
		errno = EBADMSG;
		return -1;
	}
	if (r->keep)
		return 0;
	if (ring_side_alive(r, RING_WRITER, &r->dead_pid) < 0 &&
	    !atomic_load(&ring_line(r, RING_WRITER)->closed)) {
		errno = ECONNRESET;
		return -1;
	}
	return 0;
}

/*
 * In a reader's operation: the next data record after r->next, pads
 * skipped, validated, before r->limit. 1 with *data and *len (r->next moves
 * past it), 0 when none is there (yet), -1 (EBADMSG) for a corrupt ring.
 * No waiting.
 */
static int ring_next(struct ring *r, const void **data, size_t *len)
{
	uint64_t start = r->next, tail = start;
	uint32_t rlen, kind;
	int64_t step;

	for (;;) {
		if (tail == r->limit)
			return 0;
		/* Pads end at the wrap: more than a lap of them is corrupt. */
		if ((tail & 7u) || tail - start > r->capacity)
			goto corrupt;
		step = ring_record_at(r, tail, &rlen, &kind);
		if (step <= 0)
			return (int)step;
		/* Nothing reaches past the claim being handed out again. */
		if (r->limit != UINT64_MAX && (uint64_t)step > r->limit - tail)
			goto corrupt;
		if (kind == RING_REC_PAD) {
			tail += (uint64_t)step;
			r->next = tail;
			continue;
		}
		*data = r->base + RING_DATA_OFFSET + (tail & r->mask) + RING_RECORD_HEADER;
		*len = rlen;
		r->next = tail + (uint64_t)step;
		return 1;
	}
corrupt:
	errno = EBADMSG;
	return -1;
}

static int ring_reader_fail(struct ring *r)
{
	int err = errno;

	ring_side_leave(r);
	errno = err;
	return -1;
}

/*
 * Claims. Records a reader took are handed out past claimed, and stay in
 * the ring (tail does not pass them) until that reader is done with them:
 * no reader holds its side while it writes them out, and the records of a
 * reader that dies (or closes) with some out are handed to another. Each
 * reader pid slot has a claim, [start, end) inside [tail, claimed).
 */
static struct ring_claim *ring_claim_of(const struct ring *r, int slot)
{
	return &ring_hdr(r)->claims[slot];
}

/* Store a new claim (or clear one): end cleared first, so a process that
 * dies half-way leaves an empty one (end not above start), never a range
 * it did not hand out. */
static void ring_claim_store(struct ring_claim *c, uint64_t start, uint64_t end)
{
	atomic_store_explicit(&c->end, 0, memory_order_relaxed);
	atomic_store_explicit(&c->start, start, memory_order_relaxed);
	atomic_store_explicit(&c->end, end, memory_order_relaxed);
}

/* Whether [start, end) is a range of records inside [tail, claimed). */
static bool ring_claim_inside(uint64_t tail, uint64_t claimed, uint64_t start, uint64_t end)
{
	return !((start | end) & 7u) && start - tail < claimed - tail &&
	       end - tail <= claimed - tail && end - tail > start - tail;
}

/* Load a claim: whether it holds records, a range inside [tail, claimed). */
static bool ring_claim_load(struct ring_claim *c, uint64_t tail, uint64_t claimed,
			    uint64_t *start, uint64_t *end)
{
	*end = atomic_load_explicit(&c->end, memory_order_relaxed);
	*start = atomic_load_explicit(&c->start, memory_order_relaxed);
	return ring_claim_inside(tail, claimed, *start, *end);
}

/* In a reader's operation: tail and claimed, checked (EBADMSG). */
static int ring_reader_indices(struct ring *r, uint64_t *tail, uint64_t *claimed)
{
	struct ring_line *rl = ring_line(r, RING_READER);

	*tail = atomic_load_explicit(&rl->index, memory_order_relaxed);
	*claimed = atomic_load_explicit(&rl->claimed, memory_order_relaxed);
	if (((*tail | *claimed) & 7u) || *claimed - *tail > r->capacity) {
		errno = EBADMSG;
		return -1;
	}
	return 0;
}

/* In a reader's operation: tail to new, and the writers woken. Release:
 * we are done with the records before it. */
static void ring_reader_tail(struct ring *r, uint64_t new)
{
	atomic_store_explicit(&ring_line(r, RING_READER)->index, new, memory_order_release);
	ring_wake(r, RING_WRITER);
}

/*
 * In a reader's operation, after a claim was given up or shrunk: tail up to
 * the oldest claim left (a live reader's, or one waiting to be taken over),
 * or to claimed when there is none.
 */
static void ring_reader_free(struct ring *r, uint64_t tail, uint64_t claimed)
{
	uint64_t min = claimed, s, e;
	int i;

	for (i = 0; i < RING_MAX_PEERS; i++)
		if (ring_claim_load(ring_claim_of(r, i), tail, claimed, &s, &e) &&
		    s - tail < min - tail)
			min = s;
	if (min != tail)
		ring_reader_tail(r, min);
}

/*
 * In a reader's operation: the records of our claim up to r->next are done
 * with. What is left of it (after a partial batch) stays ours, to be
 * handed out next; tail moves past what no claim holds.
 */
static void ring_reader_settle(struct ring *r)
{
	uint64_t tail, claimed;

	if (ring_reader_indices(r, &tail, &claimed) < 0)
		return;
	if (r->next == r->ce) {
		ring_claim_store(ring_claim_of(r, r->slot), 0, 0);
		r->pending = false;
		/* The whole of the records out (a lone reader's case): no
		 * other claim can be there. */
		if (r->cs == tail && r->ce == claimed)
			ring_reader_tail(r, claimed);
		else
			ring_reader_free(r, tail, claimed);
		return;
	}
	/* The rest stays ours: its start moved in one store. */
	r->cs = r->next;
	atomic_store_explicit(&ring_claim_of(r, r->slot)->start, r->cs, memory_order_relaxed);
	r->pending = true;
	ring_reader_free(r, tail, claimed);
}

/*
 * The oldest claim of a reader that died or left with records out (its pid
 * slot free, or naming a dead process): its slot, or -1 when there is none.
 */
static int ring_reader_orphan(struct ring *r, uint64_t *start, uint64_t *end)
{
	_Atomic int32_t *pids = ring_side_pids(r, RING_READER);
	uint64_t tail, claimed, s, e;
	int i, best = -1;

	if (ring_reader_indices(r, &tail, &claimed) < 0 || tail == claimed)
		return -1;
	for (i = 0; i < RING_MAX_PEERS; i++) {
		int32_t pid;

		if (i == r->slot || !ring_claim_load(ring_claim_of(r, i), tail, claimed, &s, &e))
			continue;
		pid = ring_slot_pid(atomic_load(&pids[i]));
		if (pid != 0 && ring_pid_alive(pid))
			continue;
		if (best < 0 || s - tail < *start - tail) {
			best = i;
			*start = s;
			*end = e;
		}
	}
	return best;
}

/* In a reader's operation, with no claim of our own: take over the oldest
 * orphaned claim, to hand its records out again. 1 when taken. */
static int ring_reader_adopt(struct ring *r)
{
	uint64_t s = 0, e = 0;
	int slot = ring_reader_orphan(r, &s, &e);

	if (slot < 0)
		return 0;
	ring_claim_store(ring_claim_of(r, r->slot), s, e);
	ring_claim_store(ring_claim_of(r, slot), 0, 0);
	r->cs = s;
	r->ce = e;
	r->pending = true;
	r->next = r->from = s;
	r->limit = e;
	return 1;
}

/*
 * Attaching, in the readers' lock: the claim of a reader that had our slot
 * and died is ours, handed out first; else the oldest a reader left out.
 */
static void ring_reader_attach(struct ring *r)
{
	uint64_t tail, claimed, s, e;

	r->limit = UINT64_MAX;
	if (ring_reader_indices(r, &tail, &claimed) < 0)
		return;	/* told at the first read */
	if (ring_claim_load(ring_claim_of(r, r->slot), tail, claimed, &s, &e)) {
		r->cs = s;
		r->ce = e;
		r->pending = true;
		return;
	}
	ring_claim_store(ring_claim_of(r, r->slot), 0, 0);
	ring_reader_adopt(r);
}

/*
 * Begin a reader's operation (without the lock when alone): the records to
 * take start at our claim when it is to be handed out again, else at
 * claimed.
 */
static int ring_reader_enter(struct ring *r, const struct deadline *d)
{
	uint64_t tail, claimed;

	if (ring_side_enter(r, d) < 0)
		return -1;
	if (ring_reader_indices(r, &tail, &claimed) < 0)
		return ring_reader_fail(r);
	if (r->pending) {
		/* Our claim must still be inside what is out. */
		if (!ring_claim_inside(tail, claimed, r->cs, r->ce)) {
			errno = EBADMSG;
			return ring_reader_fail(r);
		}
		r->next = r->cs;
		/* The last claim out: new records may follow it in a batch. */
		r->limit = r->ce == claimed ? UINT64_MAX : r->ce;
	} else {
		r->next = claimed;
		r->limit = UINT64_MAX;
	}
	r->from = r->next;
	return 0;
}

/*
 * The first record, in a reader's operation: 1 (the operation goes on), 0
 * at end of stream, -1 (out of it).
 */
static int ring_read_first(struct ring *r, const void **data, size_t *len, const struct deadline *d)
{
	bool closed = false;
	int rc;

	if (r->role != RING_READER || r->locked || r->fast || r->out) {
		errno = EINVAL;
		return -1;
	}
	if (ring_reader_enter(r, d) < 0)
		return -1;
	/* The first read looks at head once: a corrupt one is told before
	 * any record is taken. */
	if (!r->head_seen) {
		if (!ring_reader_head_ok(r)) {
			errno = EBADMSG;
			return ring_reader_fail(r);
		}
		r->head_seen = true;
	}
	for (;;) {
		rc = ring_next(r, data, len);
		if (rc > 0)
			return 1;
		if (rc < 0)
			return ring_reader_fail(r);
		if (r->pending) {
			/* A claim with no record in it: the ring was changed
			 * under us. */
			errno = EBADMSG;
			return ring_reader_fail(r);
		}
		/* Before waiting or ending: what a reader that died left out. */
		if (ring_reader_adopt(r))
			continue;
		/* Closed, and looked again after the flag (a last record may
		 * have been published just before it): end of stream. */
		if (closed) {
			if (!ring_reader_head_ok(r)) {
				errno = EBADMSG;
				return ring_reader_fail(r);
			}
			ring_side_leave(r);
			return 0;
		}
		if (ring_wait(r, ring_reader_ready, ring_reader_peer, d) < 0)
			return ring_reader_fail(r);
		/* Slept out of the operation: another reader may have joined. */
		if (!r->fast && !r->locked && ring_reader_enter(r, d) < 0)
			return -1;
		/* The writer's line only when no record woke us. */
		if (!ring_reader_ready(r, false))
			closed = ring_writers_closed(r);
	}
}

/*
 * Hand the records taken (r->from to r->next) to the caller: new ones
 * become our claim and claimed moves past them. The operation ends, so
 * nothing of the side is held while the caller writes them out.
 */
static void ring_reader_hand(struct ring *r)
{
	struct ring_claim *c = ring_claim_of(r, r->slot);

	/* New records, or our claim and new ones after it (its end moved in
	 * one store: a claim is never empty for a moment). */
	if (!r->pending || r->next - r->cs > r->ce - r->cs) {
		if (r->pending) {
			atomic_store_explicit(&c->end, r->next, memory_order_relaxed);
		} else {
			r->cs = r->from;
			ring_claim_store(c, r->cs, r->next);
		}
		r->ce = r->next;
		atomic_store_explicit(&ring_line(r, RING_READER)->claimed, r->ce,
				      memory_order_release);
	}
	r->out = true;
	ring_side_leave(r);
}

int ring_read_begin(struct ring *r, const void **data, size_t *len, const struct deadline *d)
{
	int rc = ring_read_first(r, data, len, d);

	if (rc > 0)
		ring_reader_hand(r);
	return rc;
}

int ring_read_beginv(struct ring *r, struct iovec *iov, size_t maxrec, size_t maxbytes,
		     unsigned flags, size_t *n, const struct deadline *d)
{
	const void *data;
	size_t len, bytes;
	uint64_t before;
	int rc;

	*n = 0;
	if (maxrec == 0) {
		errno = EINVAL;
		return -1;
	}
	rc = ring_read_first(r, &data, &len, d);
	if (rc <= 0)
		return rc;
	iov[0].iov_base = (void *)data;
	iov[0].iov_len = len;
	bytes = len;
	*n = 1;
	while (*n < maxrec && !(len == 0 && (flags & RING_STOP_EMPTY))) {
		before = r->next;
		rc = ring_next(r, &data, &len);
		if (rc < 0)
			return ring_reader_fail(r);
		if (rc == 0)
			break;
		if (len > maxbytes - bytes) {
			/* Left for the next batch. */
			r->next = before;
			break;
		}
		iov[*n].iov_base = (void *)data;
		iov[*n].iov_len = len;
		bytes += len;
		++*n;
	}
	ring_reader_hand(r);
	return 1;
}

void ring_read_end(struct ring *r)
{
	struct deadline forever;

	if (!r->out)
		return;
	r->out = false;
	deadline_start(&forever, -1);
	/* Done with them: free them in an operation of ours (a lock taken
	 * only for the moment). When it cannot be entered (a corrupt lock)
	 * they stay our claim, taken over by another reader once we are gone. */
	if (ring_side_enter(r, &forever) < 0) {
		r->pending = true;
		return;
	}
	ring_reader_settle(r);
	ring_side_leave(r);
}

void ring_read_abort(struct ring *r)
{
	if (r->out) {
		/* They stay our claim, handed out again first. */
		r->out = false;
		r->pending = true;
	}
}

int ring_read(struct ring *r, void *buf, size_t cap, size_t *len, const struct deadline *d)
{
	struct ring_line *rl = ring_line(r, RING_READER);
	const void *p;
	int rc = ring_read_first(r, &p, len, d);

	if (rc <= 0)
		return rc;
	if (*len > cap) {
		/* Left where it is, for a larger buffer. */
		ring_side_leave(r);
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(buf, p, *len);
	/* Copied in the operation: consumed at once, no claim. */
	if (r->pending) {
		ring_reader_settle(r);
	} else {
		uint64_t tail = atomic_load_explicit(&rl->index, memory_order_relaxed);

		atomic_store_explicit(&rl->claimed, r->next, memory_order_release);
		if (tail == r->from)
			ring_reader_tail(r, r->next);
		else	/* up to an older claim; or, none left (its reader
			 * died freeing it), past them all */
			ring_reader_free(r, tail, r->next);
	}
	ring_side_leave(r);
	return 1;
}

pid_t ring_writer_pid(const struct ring *r)
{
	int32_t pid = atomic_load_explicit(&ring_line(r, RING_WRITER)->pid, memory_order_relaxed);

	return ring_pid_valid(pid) ? pid : 0;
}

int ring_info(const void *base, size_t size, struct ring_info *info, const char **why)
{
	const struct ring_header *h = base;
	const struct ring_line *wl = (const void *)((const unsigned char *)base + RING_WRITER_LINE);
	const struct ring_line *rl = (const void *)((const unsigned char *)base + RING_READER_LINE);
	uint64_t cap;
	int i;

	memset(info, 0, sizeof(*info));
	if (ring_check_header(base, size, &cap, why) < 0)
		return -1;
	info->version = RING_VERSION;
	info->capacity = cap;
	info->flags = h->flags;
	info->creator = ring_pid_valid(h->creator_pid) ? h->creator_pid : 0;
	info->head = atomic_load(&wl->index);
	info->tail = atomic_load(&rl->index);
	/* tail may be a little ahead of head: a record is read before head
	 * moves past it. */
	if (info->head - info->tail > cap && info->tail - info->head > cap)
		return ring_fail(why, "a ring with indices out of range", EBADMSG);
	info->used = info->head - info->tail <= cap ? info->head - info->tail : 0;
	info->writer = ring_pid_valid(atomic_load(&wl->pid)) ? atomic_load(&wl->pid) : 0;
	info->reader = ring_pid_valid(atomic_load(&rl->pid)) ? atomic_load(&rl->pid) : 0;
	info->closed = atomic_load(&wl->closed) != 0;
	for (i = 0; i < RING_MAX_PEERS; i++) {
		info->writers += ring_pid_alive(atomic_load(&h->wpids[i]));
		info->readers += ring_pid_alive(atomic_load(&h->rpids[i]));
	}
	return 0;
}
