/*
 * A lock for memory shared with processes ipctool does not trust: one
 * futex word and one owner record, plain integers only. Unlike a robust
 * pthread mutex it stores no process-private pointer (glibc chains the
 * robust mutexes a thread holds through pointers inside the mutex, and
 * follows them at unlock: a co-tenant who writes the segment could crash
 * the holder), so a hostile value can only make taking the lock fail.
 *
 *   word   0 when free, else the holder's pid, with LOCKWORD_WAITERS set
 *          while someone sleeps on it (futex(2) FUTEX_WAIT/FUTEX_WAKE);
 *   owner  (pid << 32) | the low 32 bits of the holder's start time (field
 *          22 of /proc/PID/stat), stored right after the word is taken: a
 *          pid that was recycled by an unrelated process is told apart
 *          from the holder.
 *
 * A holder is dead when its pid names no process, or names one started at
 * another time; the next taker takes the lock over and is told so (it must
 * make what the lock guards consistent). A word that is not a valid pid,
 * or whose holder the caller's check rejects (for a ring: a process not
 * attached to it), is corrupt: EBADMSG, never a wait forever.
 */
#ifndef IPCTOOL_LOCKWORD_H
#define IPCTOOL_LOCKWORD_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "clock.h"

#define LOCKWORD_WAITERS 0x80000000u
/* The kernel's largest pid (PID_MAX_LIMIT on 64-bit). */
#define LOCKWORD_PID_MAX 4194304

struct lockword {
	_Atomic uint32_t word;
	uint32_t reserved;
	_Atomic uint64_t owner;
};

/* What the caller knows of a holder: whether it may hold this lock. */
typedef bool (*lockword_check_fn)(pid_t holder, void *arg);

/* The calling process's identity for the owner record (pid and start time). */
uint64_t lockword_self(void);
/*
 * Take the lock by the deadline (NULL: as long as it takes), as process
 * self (lockword_self()). 0: taken; 1: taken over from a dead holder;
 * -1 with errno ETIMEDOUT, or EBADMSG when the word is corrupt or check
 * (may be NULL) rejects its holder.
 */
int lockword_lock(struct lockword *l, uint64_t self, const struct deadline *d,
		  lockword_check_fn check, void *arg);
/* Take it only if free (or held by the dead): as lockword_lock, EBUSY when held. */
int lockword_trylock(struct lockword *l, uint64_t self, lockword_check_fn check, void *arg);
/* Release a lock this process holds; wakes one sleeper. */
void lockword_unlock(struct lockword *l);
/* The holder's pid, or 0 when free. */
pid_t lockword_holder(const struct lockword *l);
/*
 * Whether the process in an owner record (as lockword_self makes) is gone:
 * its pid names no process, or one that started at another time.
 */
bool lockword_owner_gone(uint64_t owner);

#endif
