/* A lock of plain integers for shared memory: see lockword.h. */
#include "lockword.h"
#include "procfd.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* A sleeper checks the holder at least this often (a dead one never wakes it). */
#define LOCKWORD_SLICE_MS 100

/* The low 32 bits of a process's start time, or 0 when it cannot be read. */
static uint32_t lockword_start_time(pid_t pid)
{
	unsigned long long start;

	return procfd_stat(pid, NULL, &start) == 0 ? (uint32_t)start : 0;
}

uint64_t lockword_self(void)
{
	static pid_t pid;
	static uint32_t start;
	pid_t now = getpid();

	/* Cached per pid: a forked child is another process. */
	if (now != pid) {
		start = lockword_start_time(now);
		pid = now;
	}
	return (uint64_t)(uint32_t)pid << 32 | start;
}

bool lockword_owner_gone(uint64_t owner)
{
	pid_t pid = (pid_t)(owner >> 32);
	uint32_t start = (uint32_t)owner, now;

	if (pid <= 0 || pid > LOCKWORD_PID_MAX)
		return true;
	if (kill(pid, 0) < 0 && errno == ESRCH)
		return true;
	/* Alive: the holder only if it started when the holder did. */
	now = lockword_start_time(pid);
	return start != 0 && now != 0 && now != start;
}

static void lockword_wait(struct lockword *l, uint32_t val, int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000L };

	syscall(SYS_futex, &l->word, FUTEX_WAIT, val, &ts, NULL, 0);
}

/*
 * One attempt. 0 taken, 1 taken over, -1 with errno; -2 busy (*cur the
 * word seen). A taker that slept marks the word as having sleepers, since
 * it cannot know it was the last (the unlock cleared the mark).
 */
static int lockword_take(struct lockword *l, uint64_t self, uint32_t *cur, bool slept,
			 bool check_alive, lockword_check_fn check, void *arg)
{
	uint32_t me = (uint32_t)(self >> 32);
	uint32_t want = me | (slept ? LOCKWORD_WAITERS : 0);

	*cur = atomic_load_explicit(&l->word, memory_order_relaxed);
	for (;;) {
		uint32_t holder = *cur & ~LOCKWORD_WAITERS;
		uint64_t owner;

		if (*cur == 0) {
			if (!atomic_compare_exchange_weak_explicit(&l->word, cur, want,
								   memory_order_acquire,
								   memory_order_relaxed))
				continue;
			atomic_store_explicit(&l->owner, self, memory_order_relaxed);
			return 0;
		}
		if (holder == 0 || holder > LOCKWORD_PID_MAX) {
			errno = EBADMSG;
			return -1;
		}
		if (check && !check((pid_t)holder, arg)) {
			uint32_t now;

			/* The holder may have released the lock and left
			 * while we looked (a ring process frees its slot
			 * right after its last unlock): only a word that
			 * still names it is corrupt. Acquire: what the check
			 * saw of its leaving comes after its release. */
			atomic_thread_fence(memory_order_acquire);
			now = atomic_load_explicit(&l->word, memory_order_relaxed);
			if (now != *cur) {
				*cur = now;
				continue;
			}
			errno = EBADMSG;
			return -1;
		}
		if (holder == me) {
			/* This process holds it already: a program error, not a wait. */
			errno = EDEADLK;
			return -1;
		}
		if (!check_alive)
			return -2;
		owner = atomic_load_explicit(&l->owner, memory_order_relaxed);
		/* The record lags the word just after a take: then only the pid says. */
		if ((uint32_t)(owner >> 32) != holder)
			owner = (uint64_t)holder << 32;
		if (!lockword_owner_gone(owner))
			return -2;
		if (!atomic_compare_exchange_strong_explicit(&l->word, cur,
							     me | (*cur & LOCKWORD_WAITERS),
							     memory_order_acquire,
							     memory_order_relaxed))
			continue;
		atomic_store_explicit(&l->owner, self, memory_order_relaxed);
		return 1;
	}
}

int lockword_trylock(struct lockword *l, uint64_t self, lockword_check_fn check, void *arg)
{
	uint32_t cur;
	int rc = lockword_take(l, self, &cur, false, true, check, arg);

	if (rc == -2) {
		errno = EBUSY;
		return -1;
	}
	return rc;
}

int lockword_lock(struct lockword *l, uint64_t self, const struct deadline *d,
		  lockword_check_fn check, void *arg)
{
	uint32_t cur;
	bool slept = false;
	int rc;

	/* Uncontended: one compare-and-swap, no clock, no system call. */
	rc = lockword_take(l, self, &cur, false, false, check, arg);
	if (rc != -2)
		return rc;
	for (;;) {
		int left = d ? deadline_poll_ms(d) : -1;
		int slice = left < 0 || left > LOCKWORD_SLICE_MS ? LOCKWORD_SLICE_MS : left;
		uint64_t before = clock_now_ns();

		if (!(cur & LOCKWORD_WAITERS) &&
		    !atomic_compare_exchange_strong_explicit(&l->word, &cur, cur | LOCKWORD_WAITERS,
							     memory_order_relaxed,
							     memory_order_relaxed)) {
			rc = lockword_take(l, self, &cur, slept, false, check, arg);
			if (rc != -2)
				return rc;
			continue;
		}
		if (slice > 0)
			lockword_wait(l, cur | LOCKWORD_WAITERS, slice);
		slept = true;
		/* A whole slice without a wake-up: is the holder still there? */
		rc = lockword_take(l, self, &cur, slept,
				   clock_now_ns() - before >= (uint64_t)slice * 1000000u, check, arg);
		if (rc != -2)
			return rc;
		if (d && deadline_passed(d)) {
			errno = ETIMEDOUT;
			return -1;
		}
	}
}

void lockword_unlock(struct lockword *l)
{
	uint32_t old;

	atomic_store_explicit(&l->owner, 0, memory_order_relaxed);
	old = atomic_exchange_explicit(&l->word, 0, memory_order_release);
	if (old & LOCKWORD_WAITERS)
		syscall(SYS_futex, &l->word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

pid_t lockword_holder(const struct lockword *l)
{
	uint32_t w = atomic_load_explicit(&((struct lockword *)l)->word, memory_order_relaxed);

	return (pid_t)(w & ~LOCKWORD_WAITERS);
}
