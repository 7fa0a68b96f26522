/*
 * Benchmarks of the IPC mechanisms (see bench.h): the harness. The table of
 * backends; the ping-pong and streaming loops that drive a backend in two
 * processes, with their timing; pinning; the child process and its end.
 * The backends themselves are in bench_stream.c, bench_msg.c, bench_ring.c,
 * bench_sync.c and bench_endpoint.c.
 */
#include "bench_mech.h"

#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Largest sample buffer: 8M round trips (64 MiB). */
#define BENCH_SAMPLES_MAX (1u << 23)

/* Every mechanism, in the order of the default run. */
const struct bench_mech *const bench_mechs[] = {
	&bench_mech_pipe, &bench_mech_fifo, &bench_mech_unix, &bench_mech_unix_dgram,
	&bench_mech_unix_seqpacket, &bench_mech_tcp, &bench_mech_udp, &bench_mech_mq,
	&bench_mech_sysvmq, &bench_mech_shm, &bench_mech_shm_spin, &bench_mech_eventfd,
	&bench_mech_signal, &bench_mech_sem, &bench_mech_sysvsem, &bench_mech_floor,
	NULL,
};

const struct bench_mech *bench_find(const char *name)
{
	size_t i;

	for (i = 0; bench_mechs[i]; i++)
		if (strcmp(bench_mechs[i]->name, name) == 0)
			return bench_mechs[i];
	return NULL;
}

bool bench_available(const struct bench_mech *m, const char **why)
{
	if (!m->send) {
		*why = "not in this build (the shared-memory ring, lib/ring, is missing)";
		return false;
	}
	return true;
}

/* The run in progress, for bench_abort. */
static struct bench_chan *volatile bench_current;
static volatile pid_t bench_child;
volatile sig_atomic_t bench_child_gone;
/*
 * Where *why points when the reason was composed here or came from the
 * child: the child's text lives in the shared page, which is unmapped
 * before the caller reads it.
 */
static char bench_why[sizeof(((struct bench_ctl *)0)->why)];

/* Running a benchmark in two processes. */

static void bench_on_sigchld(int sig)
{
	(void)sig;
	/* Only noted: blocking calls see EINTR, the run's waitpid reaps. */
	bench_child_gone = 1;
}

void bench_abort(void)
{
	struct bench_chan *c = bench_current;

	if (bench_child > 0)
		kill(bench_child, SIGKILL);
	if (c && c->m && c->m->abort)
		c->m->abort(c);
}

static void bench_close(struct bench_chan *c)
{
	if (c->m->close)
		c->m->close(c);
}

static int bench_pin(int cpu)
{
	cpu_set_t set;

	if (cpu < 0)
		return 0;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set);
}

int bench_pin_check(int cpu)
{
	cpu_set_t old;
	int rc, err;

	if (cpu < 0)
		return 0;
	if (sched_getaffinity(0, sizeof(old), &old) < 0)
		return -1;
	rc = bench_pin(cpu);
	err = errno;
	sched_setaffinity(0, sizeof(old), &old);
	errno = err;
	return rc;
}

static void bench_chan_init(struct bench_chan *c, const struct bench_mech *m,
			    const struct bench_params *p, struct bench_ctl *ctl)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->size = (m->flags & BENCH_PAYLOAD) ? p->size : 0;
	c->ctl = ctl;
	c->tx[0] = c->tx[1] = c->rx[0] = c->rx[1] = -1;
	c->mq[0] = c->mq[1] = (mqd_t)-1;
	c->sysv_id = -1;
	c->ep = p->ep;
	c->lossy = (m->flags & BENCH_LOSSY) || (p->ep && p->ep->kind == EP_UDP);
}

/* The child's side of a run: attach, report ready on sync, then play. */
typedef int (*bench_child_fn)(struct bench_chan *c, const struct bench_params *p, void *buf);

static void bench_child_main(struct bench_chan *c, const struct bench_params *p, int sync,
			     void *buf, bench_child_fn play)
{
	const char *why = NULL;
	char ok = 'R';
	int rc;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != c->ctl->parent)
		_exit(1);
	signal(SIGINT, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	c->child = true;
	c->peer = getppid();
	if (bench_pin(p->cpu[1]) < 0) {
		int err = errno;

		snprintf(c->ctl->why, sizeof(c->ctl->why), "cannot pin to CPU %d", p->cpu[1]);
		errno = err;
		goto fail;
	}
	/* A FIFO's reader (fifo_open_read) returns only once data arrives:
	 * say ready first, and let a failure show as the parent's EPIPE. */
	if (c->ep && c->ep->kind == EP_FIFO) {
		if (write(sync, &ok, 1) != 1)
			_exit(1);
		close(sync);
		sync = -1;
	}
	if (c->m->attach && c->m->attach(c, &why) < 0)
		goto fail;
	if (sync >= 0) {
		if (write(sync, &ok, 1) != 1)
			_exit(1);
		close(sync);
		sync = -1;
	}
	rc = play(c, p, buf);
	if (rc < 0)
		goto fail;
	bench_close(c);
	_exit(0);
fail:
	c->ctl->err = errno ? errno : EIO;
	if (why)
		snprintf(c->ctl->why, sizeof(c->ctl->why), "%s", why);
	if (sync >= 0) {
		ok = 'E';
		(void)!write(sync, &ok, 1);
	}
	_exit(1);
}

struct bench_run {
	struct bench_chan chan;
	struct bench_ctl *ctl;
	void *buf;
	size_t bufsize;
	pid_t pid;
	struct sigaction old_chld;
	cpu_set_t old_cpus;
	bool pinned;
};

static int bench_finish(struct bench_run *r, int rc, const char **why);

/* The child's reason, if it gave one, copied out of the shared page. */
static void bench_child_why(const struct bench_run *r, const char **why)
{
	if (!why || !r->ctl->why[0])
		return;
	memcpy(bench_why, r->ctl->why, sizeof(bench_why));
	bench_why[sizeof(bench_why) - 1] = '\0';
	*why = bench_why;
}

/* Open the mechanism, fork the child that plays the other side, attach. */
static int bench_start(struct bench_run *r, const struct bench_mech *m,
		       const struct bench_params *p, bench_child_fn play, bool stream,
		       const char **why)
{
	struct sigaction sa;
	int sync[2], err;
	char ok = 0;

	memset(r, 0, sizeof(*r));
	r->pid = -1;
	r->bufsize = p->size > 64 ? p->size : 64;
	r->buf = malloc(r->bufsize);
	r->ctl = mmap(NULL, sizeof(*r->ctl), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
		      -1, 0);
	if (!r->buf || r->ctl == MAP_FAILED) {
		free(r->buf);
		r->buf = NULL;
		if (r->ctl != MAP_FAILED)
			munmap(r->ctl, sizeof(*r->ctl));
		r->ctl = NULL;
		errno = ENOMEM;
		return -1;
	}
	memset(r->buf, 'x', r->bufsize);
	atomic_store(&r->ctl->total, UINT64_MAX);
	atomic_store(&r->ctl->warm, UINT64_MAX);
	r->ctl->parent = getpid();
	bench_chan_init(&r->chan, m, p, r->ctl);
	r->chan.stream = stream;
	bench_current = &r->chan;
	if (m->open(&r->chan, r->chan.size, why) < 0)
		goto fail_early;
	if (pipe2(sync, O_CLOEXEC) < 0)
		goto fail_open;
	bench_child_gone = 0;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = bench_on_sigchld;
	sa.sa_flags = SA_NOCLDSTOP; /* no SA_RESTART: waits see EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGCHLD, &sa, &r->old_chld);
	fflush(NULL);
	r->pid = fork();
	if (r->pid < 0) {
		err = errno;
		close(sync[0]);
		close(sync[1]);
		sigaction(SIGCHLD, &r->old_chld, NULL);
		errno = err;
		goto fail_open;
	}
	if (r->pid == 0) {
		close(sync[0]);
		bench_child_main(&r->chan, p, sync[1], r->buf, play);
	}
	bench_child = r->pid;
	close(sync[1]);
	r->chan.peer = r->pid;
	if (p->cpu[0] >= 0) {
		sched_getaffinity(0, sizeof(r->old_cpus), &r->old_cpus);
		r->pinned = true;
		if (bench_pin(p->cpu[0]) < 0) {
			err = errno;
			close(sync[0]);
			snprintf(bench_why, sizeof(bench_why), "cannot pin to CPU %d", p->cpu[0]);
			bench_fail(why, bench_why, err);
			return bench_finish(r, -1, why);
		}
	}
	if (m->attach && m->attach(&r->chan, why) < 0) {
		close(sync[0]);
		return bench_finish(r, -1, why);
	}
	while (read(sync[0], &ok, 1) < 0 && errno == EINTR)
		;
	close(sync[0]);
	if (ok != 'R') {
		bench_child_why(r, why);
		errno = r->ctl->err ? r->ctl->err : ECHILD;
		return bench_finish(r, -1, NULL);
	}
	return 0;
fail_open:
	err = errno;
	bench_close(&r->chan);
	errno = err;
fail_early:
	err = errno;
	bench_current = NULL;
	munmap(r->ctl, sizeof(*r->ctl));
	free(r->buf);
	r->ctl = NULL;
	r->buf = NULL;
	errno = err;
	return -1;
}

/*
 * Wait for the child, release everything. With rc < 0 (the parent failed),
 * the child is killed; a child that failed turns success into failure.
 */
static int bench_finish(struct bench_run *r, int rc, const char **why)
{
	int status = 0, err = errno;

	if (r->pid > 0) {
		if (rc < 0)
			kill(r->pid, SIGKILL);
		while (waitpid(r->pid, &status, 0) < 0 && errno == EINTR)
			;
		if (rc == 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0)) {
			rc = -1;
			err = r->ctl->err ? r->ctl->err : ECHILD;
			bench_child_why(r, why);
		} else if (rc < 0 && (err == EINTR || err == ECHILD || err == ECONNRESET ||
				      err == EPIPE) && r->ctl->err) {
			/* The child's failure explains the parent's. */
			err = r->ctl->err;
			bench_child_why(r, why);
		}
	}
	bench_child = 0;
	sigaction(SIGCHLD, &r->old_chld, NULL);
	if (r->pinned)
		sched_setaffinity(0, sizeof(r->old_cpus), &r->old_cpus);
	r->chan.child = false;
	bench_close(&r->chan);
	bench_current = NULL;
	munmap(r->ctl, sizeof(*r->ctl));
	free(r->buf);
	errno = err;
	return rc;
}

/* Ping-pong, child side: echo until the parent marks the last round. */
static int bench_latency_child(struct bench_chan *c, const struct bench_params *p, void *buf)
{
	const struct bench_mech *m = c->m;

	(void)p;
	for (;;) {
		if (m->recv(c, buf, c->size) < 0)
			return -1;
		if (atomic_load_explicit(&c->ctl->stop, memory_order_acquire))
			return 0;
		if (m->send(c, buf, c->size) < 0)
			return -1;
	}
}

static int bench_round(struct bench_run *r)
{
	struct bench_chan *c = &r->chan;

	if (c->m->send(c, r->buf, c->size) < 0)
		return -1;
	return c->m->recv(c, r->buf, c->size);
}

int bench_latency(const struct bench_mech *m, const struct bench_params *p, uint64_t **samples,
		  size_t *n, const char **why)
{
	struct bench_run r;
	uint64_t *s = NULL, t0, t1, end = 0, warm = 0, warm_ns, i, cap;
	int rc = -1;

	*samples = NULL;
	*n = 0;
	if (!bench_available(m, why)) {
		errno = ENOTSUP;
		return -1;
	}
	if (bench_start(&r, m, p, bench_latency_child, false, why) < 0)
		return -1;
	/* Warm-up; in duration mode at least 8 rounds, to size the buffer. */
	t0 = clock_now_ns();
	for (i = 0; i < p->warmup || (!p->count && i < 8); i++) {
		if (bench_round(&r) < 0)
			goto out;
		warm++;
		if (p->warmup_ms && i >= 8 && clock_now_ns() - t0 > p->warmup_ms * 1000000u)
			break;
	}
	warm_ns = clock_now_ns() - t0;
	if (p->count) {
		cap = p->count;
	} else {
		/* Twice the rounds the warm-up rate predicts, plus slack. */
		uint64_t per = warm ? warm_ns / warm : 1000;

		cap = p->duration_ms * 1000000u / (per ? per : 1) * 2 + 1024;
	}
	if (cap > BENCH_SAMPLES_MAX)
		cap = BENCH_SAMPLES_MAX;
	s = malloc(cap * sizeof(*s));
	if (!s)
		goto out;
	/* Touch every page now, not in the timed loop. */
	memset(s, 0, cap * sizeof(*s));
	if (!p->count)
		end = clock_now_ns() + p->duration_ms * 1000000u;
	for (i = 0; i < cap; i++) {
		t0 = clock_now_ns();
		if (bench_round(&r) < 0)
			goto out;
		t1 = clock_now_ns();
		s[i] = t1 - t0;
		if (end && t1 >= end) {
			i++;
			break;
		}
	}
	*n = i;
	/* The last message: the child stops without answering. */
	atomic_store_explicit(&r.ctl->stop, 1, memory_order_release);
	if (m->send(&r.chan, r.buf, r.chan.size) < 0)
		goto out;
	rc = 0;
out:
	rc = bench_finish(&r, rc, why);
	if (rc < 0) {
		int err = errno;

		free(s);
		*n = 0;
		errno = err;
		return -1;
	}
	*samples = s;
	return 0;
}

/* Streaming, child side: receive the warm-up, acknowledge, then the run. */
static int bench_throughput_child(struct bench_chan *c, const struct bench_params *p, void *buf)
{
	const struct bench_mech *m = c->m;
	bool lossy = c->lossy;
	uint64_t i, got = 0, last = 0;

	for (i = 0; i < p->warmup; i++) {
		if (m->recv(c, buf, c->size) < 0) {
			if (lossy && errno == EAGAIN)
				break;
			return -1;
		}
		/* The parent may cut the warm-up short: it says how long it was. */
		if (i + 1 == atomic_load_explicit(&c->ctl->warm, memory_order_acquire))
			break;
	}
	atomic_store_explicit(&c->ctl->warmed, 1, memory_order_release);
	while (got < atomic_load_explicit(&c->ctl->total, memory_order_acquire)) {
		if (m->recv(c, buf, c->size) < 0) {
			if (lossy && errno == EAGAIN)
				break;
			return -1;
		}
		got++;
		if (lossy)
			last = clock_now_ns();
	}
	c->ctl->t_end = lossy ? last : clock_now_ns();
	c->ctl->received = got;
	return 0;
}

static int bench_throughput_run(struct bench_run *r, const struct bench_params *p,
			    struct bench_rate *out)
{
	struct bench_chan *c = &r->chan;
	const struct bench_mech *m = c->m;
	uint64_t i, t0, end = 0, mask, warm = p->warmup;

	/* Warm-up, then the child's acknowledgement: nothing left in flight. */
	t0 = clock_now_ns();
	for (i = 0; i < warm; i++) {
		if (p->warmup_ms && i + 1 < warm && clock_now_ns() - t0 > p->warmup_ms * 1000000u) {
			atomic_store_explicit(&r->ctl->warm, i + 1, memory_order_release);
			warm = i + 1;
		}
		if (m->send(c, r->buf, c->size) < 0)
			return -1;
	}
	if (m->flush)
		m->flush(c);
	/* The receiver says (in the shared page: an endpoint is one-way) when
	 * it has drained the warm-up; a lossy one only after a quiet spell. */
	while (!atomic_load_explicit(&r->ctl->warmed, memory_order_acquire)) {
		struct timespec ts = { 0, 20000 };

		if (bench_child_gone) {
			errno = ECHILD;
			return -1;
		}
		nanosleep(&ts, NULL);
	}
	atomic_store_explicit(&r->ctl->total, p->count ? p->count : UINT64_MAX,
			      memory_order_release);
	/* Look at the clock every message for large ones, less for small. */
	mask = c->size >= 65536 ? 0 : c->size >= 4096 ? 15 : 255;
	t0 = clock_now_ns();
	if (!p->count)
		end = t0 + p->duration_ms * 1000000u;
	for (i = 0;; i++) {
		if (p->count && i + 1 >= p->count) {
			/* total is already set */
		} else if (!p->count && (i & mask) == 0 && clock_now_ns() >= end) {
			/* Publish the total before the last message leaves. */
			atomic_store_explicit(&r->ctl->total, i + 1, memory_order_release);
		}
		if (m->send(c, r->buf, c->size) < 0)
			return -1;
		if (i + 1 == atomic_load_explicit(&r->ctl->total, memory_order_relaxed))
			break;
	}
	if (m->flush)
		m->flush(c);
	out->sent = i + 1;
	out->ns = t0; /* the child's end time is subtracted once it is known */
	return 0;
}

static int bench_throughput_common(const struct bench_mech *m, const struct bench_params *p,
			       struct bench_rate *out, const char **why)
{
	struct bench_run r;
	struct bench_params q = *p;
	int rc;

	memset(out, 0, sizeof(*out));
	if (bench_start(&r, m, &q, bench_throughput_child, true, why) < 0)
		return -1;
	rc = bench_throughput_run(&r, &q, out);
	if (rc == 0) {
		uint64_t t0 = out->ns;
		siginfo_t si;

		/* Wait for the child's figures (bench_finish reaps it). */
		while (waitid(P_PID, (id_t)r.pid, &si, WEXITED | WNOWAIT) < 0 && errno == EINTR)
			;
		out->messages = r.ctl->received;
		out->bytes = out->messages * r.chan.size;
		out->ns = r.ctl->t_end > t0 ? r.ctl->t_end - t0 : 1;
	}
	return bench_finish(&r, rc, why);
}

int bench_throughput(const struct bench_mech *m, const struct bench_params *p,
		     struct bench_rate *out, const char **why)
{
	if (!bench_available(m, why)) {
		errno = ENOTSUP;
		return -1;
	}
	if (!(m->flags & BENCH_PAYLOAD))
		return bench_fail(why, "a notification carries no data to stream", EINVAL);
	return bench_throughput_common(m, p, out, why);
}

int bench_endpoint(const struct bench_params *p, struct bench_rate *out, const char **why)
{
	return bench_throughput_common(&bench_mech_endpoint, p, out, why);
}
