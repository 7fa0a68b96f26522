/*
 * libFuzzer target for lib/framing.c, the reader that cuts send's input
 * into messages and the writer that puts recv's messages out. The input
 * picks a framing, a message size and how the stream is cut into reads;
 * a thread feeds a pipe one piece at a time (each read(2) sees exactly one
 * piece), and every message is checked against a model of the contract in
 * framing.h. The messages then go through a framing_writer with a small
 * buffer into a file, which must hold exactly each message and separator.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../../lib/framing.h"

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

struct feeder {
	int fd;
	const uint8_t *data;
	size_t len;
	const uint8_t *cuts;	/* piece sizes, cycled */
	size_t ncuts;
	atomic_bool stop;
};

static void *feed(void *arg)
{
	struct feeder *f = arg;
	size_t off = 0, i = 0;

	while (off < f->len && !atomic_load(&f->stop)) {
		size_t piece = f->ncuts ? (size_t)f->cuts[i++ % f->ncuts] + 1 : f->len;
		int queued;

		if (piece > f->len - off)
			piece = f->len - off;
		if (write(f->fd, f->data + off, piece) != (ssize_t)piece)
			break;
		off += piece;
		/* The next piece only once this one is read. */
		while (!atomic_load(&f->stop) && ioctl(f->fd, FIONREAD, &queued) == 0 && queued > 0)
			sched_yield();
	}
	close(f->fd);
	return NULL;
}

/* The model: the next message of data[*pos..] as framing.h describes it. */
struct expect {
	int rc;			/* 1, 0, or -1 (EMSGSIZE) */
	size_t off, len;
};

static struct expect model_next(enum framing f, const uint8_t *data, size_t n, size_t msgsize,
				size_t *pos, bool *done)
{
	int sep = framing_separator(f);
	size_t have = n - *pos;
	struct expect e = { 0, *pos, 0 };

	if (sep >= 0) {
		const uint8_t *p = memchr(data + *pos, sep, have);
		size_t rec = p ? (size_t)(p - (data + *pos)) : have;

		if (have == 0)
			return e;
		e.len = rec;
		e.rc = rec > msgsize ? -1 : 1;
		*pos += rec + (p ? 1 : 0);
	} else if (f == FRAMING_CHUNK) {
		if (have == 0)
			return e;
		e.len = have < msgsize ? have : msgsize;
		e.rc = 1;
		*pos += e.len;
	} else {
		if (*done)
			return e;
		*done = true;
		e.len = have;
		e.rc = have > msgsize ? -1 : 1;
		*pos = n;
	}
	return e;
}

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	static const enum framing framings[] = { FRAMING_LINE, FRAMING_NULL, FRAMING_CHUNK,
						 FRAMING_WHOLE };
	static bool init;
	struct framing_reader r;
	struct framing_writer w;
	struct feeder f;
	pthread_t th;
	enum framing fr;
	size_t msgsize, ncuts, pos = 0, wpos = 0;
	bool done = false, expect_out_sep;
	int pfd[2], out, sep;
	uint8_t *want;

	if (!init) {
		signal(SIGPIPE, SIG_IGN);
		init = true;
	}
	if (n < 4)
		return 0;
	fr = framings[in[0] & 3];
	msgsize = ((size_t)in[1] | (size_t)(in[2] & 0x1f) << 8) + 1; /* 1..8192 */
	ncuts = in[3] & 15;
	in += 4;
	n -= 4;
	if (ncuts > n)
		ncuts = n;
	f.cuts = in;
	f.ncuts = ncuts;
	in += ncuts;
	n -= ncuts;

	if (pipe(pfd) < 0)
		abort();
	out = memfd_create("framing-out", 0);
	want = malloc(2 * n + 8);
	if (out < 0 || !want)
		abort();
	f.fd = pfd[1];
	f.data = in;
	f.len = n;
	atomic_init(&f.stop, false);
	if (pthread_create(&th, NULL, feed, &f) != 0)
		abort();

	if (framing_reader_init(&r, pfd[0], fr, msgsize) < 0 ||
	    framing_writer_init(&w, out, fr, 1 + (size_t)(msgsize % 300)) < 0)
		abort();
	sep = framing_separator(fr);
	expect_out_sep = sep >= 0;
	for (;;) {
		struct expect e = model_next(fr, in, n, msgsize, &pos, &done);
		const char *msg = NULL;
		size_t len = 0;
		int rc = framing_reader_next(&r, &msg, &len);

		if (rc != e.rc)
			abort();
		if (rc == 0)
			break;
		if (rc < 0) {
			if (errno != EMSGSIZE || len != e.len)
				abort();
			continue;
		}
		if (len != e.len || len > msgsize || (len && memcmp(msg, in + e.off, len) != 0))
			abort();
		if (framing_writer_put(&w, msg, len) < 0)
			abort();
		memcpy(want + wpos, msg, len);
		wpos += len;
		if (expect_out_sep)
			want[wpos++] = (uint8_t)sep;
	}
	/* After the end, the end again. */
	{
		const char *msg;
		size_t len;

		if (framing_reader_next(&r, &msg, &len) != 0)
			abort();
	}
	if (framing_writer_flush(&w) < 0)
		abort();
	{
		off_t size = lseek(out, 0, SEEK_END);
		uint8_t *got = malloc(wpos + 1);

		if (size != (off_t)wpos || !got || pread(out, got, wpos, 0) != (ssize_t)wpos ||
		    (wpos && memcmp(got, want, wpos) != 0))
			abort();
		free(got);
	}
	atomic_store(&f.stop, true);
	close(pfd[0]);
	pthread_join(th, NULL);
	framing_reader_free(&r);
	framing_writer_free(&w);
	free(want);
	close(out);
	return 0;
}
