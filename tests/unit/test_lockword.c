/* Unit tests of the shared-memory lock word (lib/lockword.c). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../lib/lockword.h"

struct shared {
	struct lockword lock;
	_Atomic int ready;
	long counter;
};

static struct shared *map_shared(void)
{
	void *p = mmap(NULL, sizeof(struct shared), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	assert_true(p != MAP_FAILED);
	return p;
}

static void unmap(struct shared *s)
{
	munmap(s, sizeof(*s));
}

/* A child that takes the lock, says so, and then sleeps or exits holding it. */
static pid_t child_holding(struct shared *s, bool stay)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		if (lockword_lock(&s->lock, lockword_self(), NULL, NULL, NULL) != 0)
			_exit(1);
		atomic_store(&s->ready, 1);
		if (stay)
			pause();
		_exit(0);
	}
	while (!atomic_load(&s->ready))
		usleep(1000);
	return pid;
}

static void test_uncontended(void **state)
{
	struct shared *s = map_shared();
	struct deadline d;

	(void)state;
	deadline_start(&d, 0);
	assert_int_equal(lockword_lock(&s->lock, lockword_self(), &d, NULL, NULL), 0);
	assert_int_equal(lockword_holder(&s->lock), getpid());
	assert_int_equal(lockword_self() >> 32, (uint64_t)getpid());
	/* Taking it again in the holder is a program error, not a wait forever. */
	assert_int_equal(lockword_lock(&s->lock, lockword_self(), NULL, NULL, NULL), -1);
	assert_int_equal(errno, EDEADLK);
	lockword_unlock(&s->lock);
	assert_int_equal(lockword_holder(&s->lock), 0);
	assert_int_equal(lockword_trylock(&s->lock, lockword_self(), NULL, NULL), 0);
	lockword_unlock(&s->lock);
	unmap(s);
}

static void test_dead_holder_taken_over(void **state)
{
	struct shared *s = map_shared();
	pid_t pid = child_holding(s, false);
	int status;

	(void)state;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(lockword_holder(&s->lock), pid);
	assert_int_equal(lockword_lock(&s->lock, lockword_self(), NULL, NULL, NULL), 1);
	assert_int_equal(lockword_holder(&s->lock), getpid());
	lockword_unlock(&s->lock);
	unmap(s);
}

static void test_live_holder_times_out(void **state)
{
	struct shared *s = map_shared();
	pid_t pid = child_holding(s, true);
	struct deadline d;

	(void)state;
	deadline_start(&d, 250);
	assert_int_equal(lockword_lock(&s->lock, lockword_self(), &d, NULL, NULL), -1);
	assert_int_equal(errno, ETIMEDOUT);
	assert_int_equal(lockword_trylock(&s->lock, lockword_self(), NULL, NULL), -1);
	assert_int_equal(errno, EBUSY);
	/* Once it dies, a waiter without a deadline takes the lock over. */
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_int_equal(lockword_lock(&s->lock, lockword_self(), NULL, NULL, NULL), 1);
	lockword_unlock(&s->lock);
	unmap(s);
}

static void test_corrupt_words(void **state)
{
	static const uint32_t bad[] = { LOCKWORD_WAITERS, LOCKWORD_PID_MAX + 1, 0x7fffffffu,
					0xffffffffu };
	struct shared *s = map_shared();
	struct deadline d;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		atomic_store(&s->lock.word, bad[i]);
		deadline_start(&d, -1);
		assert_int_equal(lockword_lock(&s->lock, lockword_self(), &d, NULL, NULL), -1);
		assert_int_equal(errno, EBADMSG);
	}
	unmap(s);
}

static bool only_pid_2(pid_t holder, void *arg)
{
	(void)arg;
	return holder == 2;
}

static void test_unrelated_live_holder_rejected(void **state)
{
	struct shared *s = map_shared();
	struct deadline d;

	(void)state;
	/* pid 1 is alive and will never unlock: without a check, a timed wait... */
	atomic_store(&s->lock.word, 1);
	deadline_start(&d, 150);
	assert_int_equal(lockword_lock(&s->lock, lockword_self(), &d, NULL, NULL), -1);
	assert_int_equal(errno, ETIMEDOUT);
	/* ...and with the caller's check (not one of its peers), corrupt at once. */
	deadline_start(&d, -1);
	assert_int_equal(lockword_lock(&s->lock, lockword_self(), &d, only_pid_2, NULL), -1);
	assert_int_equal(errno, EBADMSG);
	unmap(s);
}

/*
 * The check sees the holder after it released the lock and left (a ring
 * process frees its pid slot right after its last unlock): the word has
 * changed since it was read, so the holder it named is no evidence of
 * corruption; the lock is taken, not refused.
 */
static bool releases_then_rejects(pid_t holder, void *arg)
{
	struct shared *s = arg;

	(void)holder;
	atomic_store(&s->lock.word, 0);
	return false;
}

static void test_holder_leaves_during_check(void **state)
{
	struct shared *s = map_shared();
	struct deadline d;

	(void)state;
	atomic_store(&s->lock.word, 1);
	deadline_start(&d, 1000);
	assert_int_equal(lockword_lock(&s->lock, lockword_self(), &d, releases_then_rejects, s), 0);
	assert_int_equal(lockword_holder(&s->lock), getpid());
	lockword_unlock(&s->lock);
	atomic_store(&s->lock.word, 1);
	assert_int_equal(lockword_trylock(&s->lock, lockword_self(), releases_then_rejects, s), 0);
	lockword_unlock(&s->lock);
	unmap(s);
}

static void test_recycled_pid(void **state)
{
	struct shared *s = map_shared();
	pid_t pid = child_holding(s, true);
	uint64_t owner = atomic_load(&s->lock.owner);

	(void)state;
	assert_int_equal(owner >> 32, (uint64_t)pid);
	assert_false(lockword_owner_gone(owner));
	/* The same pid with another start time: a process that reused the pid. */
	atomic_store(&s->lock.owner, owner + 1);
	assert_true(lockword_owner_gone(owner + 1));
	assert_int_equal(lockword_trylock(&s->lock, lockword_self(), NULL, NULL), 1);
	lockword_unlock(&s->lock);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	assert_true(lockword_owner_gone(owner));
	unmap(s);
}

static void test_contention_counts(void **state)
{
	enum { PROCS = 3, ROUNDS = 20000 };
	struct shared *s = map_shared();
	pid_t pids[PROCS];
	int i, status;

	(void)state;
	for (i = 0; i < PROCS; i++) {
		pids[i] = fork();
		assert_true(pids[i] >= 0);
		if (pids[i] == 0) {
			uint64_t self = lockword_self();
			int n;

			for (n = 0; n < ROUNDS; n++) {
				if (lockword_lock(&s->lock, self, NULL, NULL, NULL) != 0)
					_exit(1);
				s->counter++;
				lockword_unlock(&s->lock);
			}
			_exit(0);
		}
	}
	for (i = 0; i < PROCS; i++) {
		assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
		assert_true(WIFEXITED(status));
		assert_int_equal(WEXITSTATUS(status), 0);
	}
	assert_int_equal(s->counter, PROCS * ROUNDS);
	assert_int_equal(lockword_holder(&s->lock), 0);
	unmap(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uncontended),
		cmocka_unit_test(test_dead_holder_taken_over),
		cmocka_unit_test(test_live_holder_times_out),
		cmocka_unit_test(test_corrupt_words),
		cmocka_unit_test(test_unrelated_live_holder_rejected),
		cmocka_unit_test(test_holder_leaves_during_check),
		cmocka_unit_test(test_recycled_pid),
		cmocka_unit_test(test_contention_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
