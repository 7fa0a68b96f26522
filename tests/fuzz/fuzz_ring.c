/*
 * libFuzzer target for the ring's validation (make fuzz): the input is laid
 * over a freshly formatted ring's header fields, indices, busy and shared
 * words, claims and data area, and then read (copied, or claimed and freed
 * or given back), described and written to (record by record and in
 * batches), by a lone reader and writer (the lock-free path) and, when the
 * input says so, by a second of each (the switch to the lock). Nothing may crash or read out of
 * bounds; every failure must be a clean -1.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "../../lib/ring.h"

#define CAP 4096u
#define SIZE (RING_DATA_OFFSET + CAP)

static unsigned char *seg;

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *in, size_t n)
{
	struct ring w, r;
	struct ring_info info;
	struct deadline now;
	static unsigned char out[CAP];
	size_t len, k;
	uint8_t sel;
	int i;

	if (!seg) {
		seg = mmap(NULL, SIZE, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (seg == MAP_FAILED)
			abort();
	}
	if (n < 1)
		return 0;
	memset(seg, 0, SIZE);
	if (ring_format(seg, SIZE, CAP, NULL) < 0)
		abort();
	sel = in[0];
	in++;
	n--;
	/* Header fields (magic .. creator pid) when bit 0 says so. */
	if ((sel & 1) && n >= 32) {
		memcpy(seg, in, 32);
		in += 32;
		n -= 32;
	}
	/* head, then tail, when bit 1 says so. */
	if ((sel & 2) && n >= 16) {
		memcpy(seg + RING_WRITER_LINE, in, 8);
		memcpy(seg + RING_READER_LINE, in + 8, 8);
		in += 16;
		n -= 16;
	} else {
		uint64_t head = n > CAP ? CAP : n & ~(size_t)7;

		memcpy(seg + RING_WRITER_LINE, &head, 8);
	}
	/* Closed flag. */
	if (sel & 4)
		seg[RING_WRITER_LINE + 8] = 1;
	/* The busy words (after index, closed, pid, session) and the shared
	 * words of writers and readers. */
	if ((sel & 16) && n >= 16) {
		memcpy(seg + RING_WRITER_LINE + 20, in, 4);
		memcpy(seg + RING_READER_LINE + 20, in + 4, 4);
		memcpy(seg + RING_SHARED_LINE, in + 8, 8);
		in += 16;
		n -= 16;
	}
	/* claimed (after the busy word) and the first two reader claims
	 * (header offset 192: start, end). */
	if ((sel & 128) && n >= 40) {
		memcpy(seg + RING_READER_LINE + 24, in, 8);
		memcpy(seg + 192, in + 8, 32);
		in += 40;
		n -= 40;
	}
	/* The rest is the data area. */
	k = n > CAP ? CAP : n;
	memcpy(seg + RING_DATA_OFFSET, in, k);

	ring_info(seg, SIZE, &info, NULL);
	deadline_start(&now, 0);
	if (ring_attach(&r, seg, SIZE, RING_READER, &now, NULL) == 0) {
		struct ring r2;
		bool second = (sel & 32) && ring_attach(&r2, seg, SIZE, RING_READER, &now, NULL) == 0;

		for (i = 0; i < 64; i++) {
			struct ring *rr = second && (i & 1) ? &r2 : &r;
			struct iovec iov[4];
			size_t got, j;
			int rc;

			if (!(i % 3)) {
				/* Claims: a batch given back (handed out again),
				 * or freed. */
				rc = ring_read_beginv(rr, iov, 4, SIZE_MAX, 0, &got, &now);
				if (rc != 1)
					break;
				for (j = 0; j < got; j++)
					if (iov[j].iov_len > ring_max_record(CAP) ||
					    (unsigned char *)iov[j].iov_base < seg + RING_DATA_OFFSET ||
					    (unsigned char *)iov[j].iov_base + iov[j].iov_len > seg + SIZE)
						abort();
				if (i % 2)
					ring_read_abort(rr);
				else
					ring_read_end(rr);
				continue;
			}
			rc = ring_read(rr, out, sizeof(out), &len, &now);
			if (rc != 1)
				break;
			if (len > ring_max_record(CAP))
				abort();
		}
		if (second)
			ring_close(&r2);
		if (sel & 8) {
			if (ring_attach(&w, seg, SIZE, RING_WRITER, &now, NULL) == 0) {
				struct ring w2;
				bool second = (sel & 64) &&
					      ring_attach(&w2, seg, SIZE, RING_WRITER, &now, NULL) == 0;

				for (i = 0; i < 8; i++)
					if (ring_write(second && (i & 1) ? &w2 : &w, out,
						       (size_t)(sel * 7u + (unsigned)i * 131u) % 2040u,
						       &now) < 0)
						break;
				/* A batch (its records go in without a look at the
				 * segment while the room seen lasts), by the lone
				 * writer or under the lock. */
				if (ring_batch_begin(second ? &w2 : &w, &now) == 0) {
					for (i = 0; i < 24; i++)
						if (ring_batch_write(second ? &w2 : &w, out,
								     (size_t)(sel * 3u + (unsigned)i * 37u) % 300u,
								     &now) < 0)
							break;
					ring_batch_end(second ? &w2 : &w);
				}
				/* And read back what was written, lone or not. */
				for (i = 0; i < 40; i++)
					if (ring_read(&r, out, sizeof(out), &len, &now) != 1)
						break;
				if (second)
					ring_close(&w2);
				ring_close(&w);
			}
		}
		ring_close(&r);
	}
	return 0;
}
