/* Opening endpoints and reporting progress for send, recv and relay. */
#ifndef IPCTOOL_XFER_H
#define IPCTOOL_XFER_H

#include <stdbool.h>
#include <stdint.h>

#include "../lib/clock.h"
#include "../lib/endpoint.h"
#include "../lib/sock.h"

enum xfer_role { XFER_SENDER, XFER_RECEIVER };

/* A stream endpoint once opened. */
struct xfer_stream {
	const struct endpoint *ep;
	enum xfer_role role;
	int fd;			/* the data: connection, FIFO or stdio */
	int lfd;		/* a listening socket, or -1 */
	int keepfd;		/* recv -k on a FIFO: our own writer, or -1 */
	struct sock_file sockfile;
	bool fifo_created;
};

/*
 * Parse an endpoint argument; on error report it ("'x' is ...") and return
 * -1, for the command to return EXIT_USAGE.
 */
int xfer_parse_endpoint(const char *text, struct endpoint *ep);
/* A scheme put before every endpoint argument ("mq" for `mq send OBJECT`), or NULL. */
extern const char *xfer_scheme;
/*
 * Open a stream endpoint for role (sockets: listen or connect as the role
 * and --listen/--connect say; FIFOs: --create, --wait). A listener accepts
 * its first connection unless defer_accept. Reports failures and returns an
 * exit status: EXIT_OK, EXIT_FAIL or EXIT_TIMEOUT.
 */
int xfer_open_stream(struct xfer_stream *s, const struct endpoint *ep, enum xfer_role role,
		     bool defer_accept);
/* Usage check: options that mean nothing on this stream endpoint. */
int xfer_check_stream(const struct endpoint *ep);
/* Why a socket file path is in use (EADDRINUSE), for a message's hint. */
const char *xfer_addrinuse_hint(const struct endpoint *ep);
/* For a listener: accept the next connection into s->fd. */
int xfer_accept(struct xfer_stream *s, const struct deadline *d);
void xfer_close_stream(struct xfer_stream *s);
/* Whether this role listens on a socket endpoint. */
bool xfer_listens(const struct endpoint *ep, enum xfer_role role);

/*
 * A receive timed out. With an end to wait for (--count, --eof, or the end of
 * a stream), the timeout cut the transfer short: 124. Without one (a queue or
 * ring without --count or --eof, recv -k), a quiet period is how receiving
 * ends: 0 once anything arrived, 124 if nothing did. Reports the 124 cases.
 */
int xfer_recv_timed_out(const struct endpoint *ep, uint64_t received, bool has_end);
/* The same for sending: reports how many went before the timeout; 124. */
int xfer_send_timed_out(const struct endpoint *ep, uint64_t sent);

/*
 * A message or input record too large for ep's message size: refused with
 * both sizes named (len is a lower bound when minimum). Returns EXIT_FAIL.
 */
int xfer_too_large(const struct endpoint *ep, const char *what, size_t len, bool minimum,
		   size_t msgsize);

/*
 * Received output waits in a buffer while more keeps coming, but at most
 * XFER_FLUSH_MS from its oldest byte (*since, set here when 0): how many
 * milliseconds more it may wait (<= 0: flush now), within --timeout.
 */
#define XFER_FLUSH_MS 10
int64_t xfer_flush_wait_ms(uint64_t *since);

/* Progress (-P) and statistics (--stats) on stderr. */
struct xfer_meter {
	uint64_t start_ns, last_ns;
	uint64_t bytes, messages, connections;
	bool live;
};

void meter_start(struct xfer_meter *m);
/* Update the byte count; draws the live line at most four times a second. */
void meter_update(struct xfer_meter *m, uint64_t bytes);
void meter_progress_cb(uint64_t bytes, void *arg);
/* Clear the live line, and print the --stats summary if asked. */
void meter_finish(struct xfer_meter *m);

#endif

/*
 * Message endpoints (cmd/util_msg.c): send, recv and relay on mq:,
 * unix-dgram:, unix-seqpacket:, udp: and shm:, through lib/msgend.h.
 */
struct msgend;
struct msg_meta;
struct framing_writer;

/* Usage check: options that mean nothing on this message endpoint. */
int xfer_check_msg(const struct endpoint *ep, enum xfer_role role);
/*
 * Open a message endpoint as the xfer options say (--create, --rm, --wait,
 * --type...). Reports failures and returns an exit status.
 */
int xfer_open_msg(struct msgend *me, const struct endpoint *ep, enum xfer_role role);
/* shm: rings with --framing chunk: the stream without a copy (cmd/util_ring.c). */
bool xfer_ring_stream(const struct msgend *me, bool json);
int xfer_ring_send(struct msgend *me, struct xfer_meter *m);
int xfer_ring_recv(struct msgend *me, struct xfer_meter *m);
/* Line and null framing on a ring: records in batches (cmd/util_ring.c). */
bool xfer_ring_records(const struct msgend *me, bool json);
int xfer_ring_send_records(struct msgend *me, struct xfer_meter *m);
int xfer_ring_recv_records(struct msgend *me, struct framing_writer *w, struct xfer_meter *m);
/* Send one message, reporting a failure (sizes named for EMSGSIZE): an exit status. */
int xfer_send_msg(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta);
/* Report a failed send of len bytes from errno; returns the exit status. */
int xfer_send_failed(struct msgend *me, size_t len, uint64_t sent);
/* Report a failed receive from errno; returns minus the exit status. */
int xfer_recv_failed(struct msgend *me, uint64_t received);
/*
 * Receive one message, flushing w once nothing arrives for 10 ms: 1 message,
 * 0 end of stream, or -(exit status) after reporting.
 */
int xfer_recv_msg(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
		  struct framing_writer *w);
/* Write a message as one JSON line (recv -J). */
int xfer_write_json(struct framing_writer *w, char *jbuf, const void *msg, size_t len,
		    const struct msg_meta *meta);
/* The JSON line buffer for messages of msgsize bytes. */
size_t xfer_json_bufsize(size_t msgsize);
/* send and recv on a message endpoint. */
int xfer_send_messages(const struct endpoint *ep, const char **msgs, int nmsgs);
int xfer_recv_messages(const struct endpoint *ep, bool json);
