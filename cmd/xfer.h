/*
 * The transfer engine that send, recv and relay share:
 *   cmd/xfer.c        options (struct xfer_opts), endpoint arguments, usage
 *                     checks, failure reports;
 *   cmd/xfer_open.c   opening stream and message endpoints;
 *   cmd/xfer_pump.c   the message pump: sources, sinks, fast paths;
 *   cmd/xfer_meter.c  progress (-P) and statistics (--stats).
 * Options are values: each command owns a struct xfer_opts, fills it from
 * its popt loop and passes it down as const.
 */
#ifndef IPCTOOL_XFER_H
#define IPCTOOL_XFER_H

#include <popt.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "../lib/clock.h"
#include "../lib/endpoint.h"
#include "../lib/framing.h"
#include "../lib/msgend.h"
#include "../lib/sock.h"

/* Options. */

/* Options shared by send, recv and relay (DESIGN section 4, "Common options"). */
struct xfer_opts {
	int64_t timeout_ms;	/* -1: none */
	char timeout_text[32];	/* as given, for messages */
	bool wait;		/* --wait given */
	int64_t wait_ms;	/* --wait=D; -1: as long as --timeout */
	bool listen, connect;
	uint64_t count;		/* 0: unlimited */
	enum framing framing;
	bool framing_set;
	uint64_t bufsize;
	bool progress, stats;
	bool create, rm, reuse;
	mode_t mode;
	bool mode_set;
	uint64_t maxmsg, msgsize, capacity;
	long long priority;
	bool priority_set;
	long long type;
	bool type_set;
	bool eof;
	bool keep;		/* recv -k */
	bool quiet;		/* recv -q: nothing said when nothing arrived */
	struct sock_allow allow; /* --allow-uid, --allow-gid (check: set per endpoint) */
	char dead_letter[4096];	/* --dead-letter FILE, or "" */
	const char *scheme;	/* before every endpoint argument ("mq": `mq send OBJECT`), or NULL */
	bool caller;		/* call: the peer is a server, and there is no --create */
	bool error;		/* an option value was bad (already reported) */
};

/* The shared popt table: its entries return val codes for xfer_opts_parse. */
extern struct poptOption xfer_options[];
/* Entries a copy of the whole table needs, with its end. */
#define XFER_OPTIONS_MAX 40
/*
 * For a command that takes only some of them (call, serve): copy the
 * entries of xfer_options named (long names, NULL-terminated) into out,
 * which holds max entries with the table end; returns how many.
 */
size_t xfer_options_pick(struct poptOption *out, size_t max, const char *const *names);
/*
 * All of xfer_options into out (max entries with the end), those named
 * (long names, NULL-terminated) hidden from --help and completion: still
 * taken, so that the command's own error says why they do not apply.
 */
size_t xfer_options_hiding(struct poptOption *out, size_t max, const char *const *hidden);
/* The defaults. */
void xfer_opts_init(struct xfer_opts *o);
/*
 * Apply option opt (a val of cmd_popt_next) with its argument from pc:
 * true when it was one of xfer_options, false for the command's own. A bad
 * value is reported and remembered in o->error.
 */
bool xfer_opts_parse(struct xfer_opts *o, poptContext pc, int opt);
/* EXIT_OK, or EXIT_USAGE when an option value was bad or options conflict. */
int xfer_check(const struct xfer_opts *o);

/* Who uses an endpoint: which end of a transfer it is. */
enum xfer_role { XFER_SENDER, XFER_RECEIVER };

/*
 * Parse an endpoint argument (with o->scheme before it); on error report it
 * ("'x' is ...") and return -1, for the command to return EXIT_USAGE.
 */
int xfer_parse_endpoint(const struct xfer_opts *o, const char *text, struct endpoint *ep);
/* Usage checks of send and recv: options that mean nothing on ep for role. */
int xfer_check_stream(const struct xfer_opts *o, const struct endpoint *ep);
int xfer_check_msg(const struct xfer_opts *o, const struct endpoint *ep, enum xfer_role role);
/* call and serve: a socket (the message ones checked by the caller), then xfer_check_stream. */
int xfer_check_stream_socket(const struct xfer_opts *o, const struct endpoint *ep);
/*
 * relay: the options as one side (ep, whose role is role, next to other)
 * takes them: --listen is DEST's, --connect SOURCE's, and an object option
 * (--create, --reuse, --mode, --rm, --capacity, --maxmsg, --msgsize,
 * --allow-uid/gid) that this side does not take but the other does is the
 * other's. One that neither takes stays, for the checks to refuse.
 */
void xfer_relay_side(struct xfer_opts *v, const struct xfer_opts *o, const struct endpoint *ep,
		     const struct endpoint *other, enum xfer_role role);
/* Usage checks of relay, each side with its options: --priority is DEST's,
 * --type SOURCE's. */
int xfer_check_relay(const struct xfer_opts *o, const struct endpoint *src,
		     const struct endpoint *dst);

/* Failure reports. */

/*
 * A receive timed out. With an end to wait for (--count, --eof, or the end of
 * a stream), the timeout cut the transfer short: 124. Without one (a queue or
 * ring without --count or --eof, recv -k), a quiet period is how receiving
 * ends: 0 once anything arrived, 124 if nothing did. Reports the 124 cases.
 */
int xfer_recv_timed_out(const struct xfer_opts *o, const struct endpoint *ep, uint64_t received,
			bool has_end);
/* The same for sending: reports how many went before the timeout; 124. */
int xfer_send_timed_out(const struct xfer_opts *o, const struct endpoint *ep, uint64_t sent);
/*
 * A message or input record too large for ep's message size: refused with
 * both sizes named (len is a lower bound when minimum). Returns EXIT_FAIL.
 */
int xfer_too_large(const struct endpoint *ep, const char *what, size_t len, bool minimum,
		   size_t msgsize);
/* A failed send of len bytes to me from errno: reported; the exit status. */
int xfer_send_failed(const struct xfer_opts *o, struct msgend *me, size_t len, uint64_t sent);
/*
 * A failed receive from me from errno: reported; the exit status. EXIT_OK
 * is a quiet period that ends the transfer (see xfer_recv_timed_out).
 */
int xfer_recv_failed(const struct xfer_opts *o, struct msgend *me, uint64_t received);

/*
 * Received output waits in a buffer while more keeps coming, but at most
 * XFER_FLUSH_MS from its oldest byte (*since, set here when 0): how many
 * milliseconds more it may wait (<= 0: flush now), within --timeout.
 */
#define XFER_FLUSH_MS 10
int64_t xfer_flush_wait_ms(const struct xfer_opts *o, uint64_t *since);
/* A deadline of --timeout from now in *d: d, or NULL without --timeout. */
const struct deadline *xfer_deadline(const struct xfer_opts *o, struct deadline *d);

/* Opening endpoints (cmd/xfer_open.c). */

/* A stream endpoint once opened. */
struct xfer_stream {
	const struct xfer_opts *o;
	const struct endpoint *ep;
	enum xfer_role role;
	int fd;			/* the data: connection, FIFO or stdio */
	int lfd;		/* a listening socket, or -1 */
	int keepfd;		/* recv -k on a FIFO: our own writer, or -1 */
	struct sock_file sockfile;
	bool fifo_created;
	struct sock_allow allow; /* which peers a unix: listener takes */
};

/*
 * Open a stream endpoint for role (sockets: listen or connect as the role
 * and --listen/--connect say; FIFOs: --create, --wait). A listener accepts
 * its first connection unless defer_accept. Reports failures and returns an
 * exit status: EXIT_OK, EXIT_FAIL or EXIT_TIMEOUT.
 */
int xfer_open_stream(struct xfer_stream *s, const struct xfer_opts *o, const struct endpoint *ep,
		     enum xfer_role role, bool defer_accept);
/*
 * Which peers a listener on ep takes (o's --allow-uid/--allow-gid; an
 * abstract unix socket checks them always); refusals are reported.
 */
void xfer_allow_init(struct sock_allow *a, const struct xfer_opts *o, const struct endpoint *ep);
/* For a listener: accept the next connection (an allowed peer) into s->fd. */
int xfer_accept(struct xfer_stream *s, const struct deadline *d);
/*
 * A sender's socket after its last byte (unix:, tcp:): half-close, then
 * wait (within --timeout) until the receiver closes: 0 when it read
 * everything, -1 with errno ECONNRESET when it closed with data unread
 * (it refused the peer, or stopped early), ETIMEDOUT. Others: 0 at once.
 */
int xfer_stream_confirm(struct xfer_stream *s);
void xfer_close_stream(struct xfer_stream *s);
/* Whether this role listens on a socket endpoint. */
bool xfer_listens(const struct xfer_opts *o, const struct endpoint *ep, enum xfer_role role);
/* Why a socket file path is in use (EADDRINUSE), for a message's hint. */
const char *xfer_addrinuse_hint(const struct xfer_opts *o, const struct endpoint *ep);
/* How long to wait for the other side to appear (--wait, else --timeout). */
int64_t xfer_open_ms(const struct xfer_opts *o);

/*
 * Open a message endpoint as the options say (--create, --rm, --wait,
 * --type...). Reports failures and returns an exit status.
 */
int xfer_open_msg(struct msgend *me, const struct xfer_opts *o, const struct endpoint *ep,
		  enum xfer_role role);

/*
 * After receiving from me: report messages the transport knows were lost
 * (udp: -F chunk's sequence numbers); the exit status, EXIT_FAIL instead
 * of EXIT_OK when some were.
 */
int xfer_msg_losses(const struct msgend *me, int status);

/* Progress (-P) and statistics (--stats) on stderr (cmd/xfer_meter.c). */

struct xfer_meter {
	uint64_t start_ns, last_ns;
	/* The active transfer: first and last moment bytes moved, and how
	 * many the first update counted (the rate leaves idle time out). */
	uint64_t first_ns, moved_ns, first_bytes;
	uint64_t bytes, messages, connections;
	bool progress, stats;	/* -P, --stats */
	bool live;		/* a live line is on the terminal */
};

void xfer_meter_start(struct xfer_meter *m, const struct xfer_opts *o);
/* Update the byte count; draws the live line at most four times a second. */
void xfer_meter_update(struct xfer_meter *m, uint64_t bytes);
/* For lib/copy.c's progress callback: arg is the meter. */
void xfer_meter_progress_cb(uint64_t bytes, void *arg);
/* Clear the live line, and print the --stats summary if asked. */
void xfer_meter_finish(struct xfer_meter *m);

/*
 * The message pump (cmd/xfer_pump.c): one loop moves messages from a source
 * to a sink for send (MESSAGE arguments or standard input cut by --framing,
 * into a message endpoint), recv (a message endpoint onto standard output,
 * plain or -J) and relay (any source to any sink where one side is a
 * message endpoint). Byte streams to byte streams do not come here
 * (lib/copy.c), nor does the recv -k socket multiplexer.
 *
 * Ownership, the hand-over points:
 * - source->next offers a message; it stays the source's (its data valid
 *   until take or leave). A source that can peek (a ring) has not taken it
 *   from the transport yet; one that cannot (queues, sockets) has, and
 *   says so in taken_early. A queue puts such a message back (put_back)
 *   when the sink refuses it, also from a signal handler while the sink
 *   blocks; a source that cannot put back (sockets, standard input) loses
 *   it, and the pump says how many were lost.
 * - sink->put accepts the message (0: the sink owns a copy from now on, in
 *   its buffer or in the transport) or refuses it (-1 with errno).
 * - For a descriptor sink, accepted means written: a source that can keep
 *   or put back a message (take or put_back set) has its message flushed
 *   before it is taken (at-least-once: a process killed between the write
 *   and the take leaves it for the next reader).
 * - source->take commits: the message leaves the source for good, only
 *   after the sink accepted it. source->leave gives it back to the source
 *   (a ring keeps it for the next receive) after a refusal.
 * - sink->flush writes out what the sink buffered; output from a source
 *   that cannot keep it waits there at most XFER_FLUSH_MS while messages
 *   keep coming.
 * Fast paths are chosen in xfer_pump alone, from what the endpoints offer
 * (msgend_can): batches of already-buffered records into a ring, peeked
 * batches out of a ring, --framing chunk straight between a descriptor and
 * a ring; the one-at-a-time loop otherwise.
 */

/* A message on its way: its bytes (owned by the source until taken), its metadata. */
struct xfer_msg {
	const void *data;
	size_t len;
	struct msg_meta meta;
};

/* What a source or sink is, for the fast paths (others: tests). */
enum xfer_kind { XFER_KIND_OTHER, XFER_KIND_FD, XFER_KIND_MSGEND };

#define XFER_END 0	/* source->next: no message will come again */
#define XFER_MSG 1	/* source->next: a message is offered */

struct xfer_source {
	/*
	 * Offer the next message in *msg, waiting until d (NULL: no limit):
	 * XFER_MSG, XFER_END, or -1 with errno (nothing reported yet). Sets
	 * data and len; meta only when the source has metadata (the pump
	 * zeroes it once, not per message).
	 */
	int (*next)(struct xfer_source *src, struct xfer_msg *msg, const struct deadline *d);
	/* The sink accepted the message: it leaves the source (NULL: already gone). */
	void (*take)(struct xfer_source *src);
	/* The sink refused it: the source keeps it (NULL: taken_early). */
	void (*leave)(struct xfer_source *src);
	/*
	 * Report a failed next from errno (moved: messages so far): an exit
	 * status; EXIT_OK when the failure is a quiet end (a receive timeout
	 * with nothing to wait for).
	 */
	int (*failed)(struct xfer_source *src, uint64_t moved);
	/*
	 * A message next had taken early could not be delivered: put it back
	 * into the source, 0 or -1 with errno (NULL: it cannot, it is lost).
	 * Never blocks, and is async-signal-safe: a signal handler calls it
	 * for the messages in transit when SIGINT, SIGTERM or SIGHUP ends us.
	 */
	int (*put_back)(struct xfer_source *src, const struct xfer_msg *msg);
	bool taken_early;	/* next has already taken the message from the transport */
	bool with_meta;		/* a peeking source: stamp msg->meta.time (-J) */
	bool empty_ends;	/* --eof: an empty message ends the transfer, unsent */
	/* Kinds (constructors below); priv for others (tests). */
	enum xfer_kind kind;
	const struct xfer_opts *o;
	struct msgend *me;	/* a message endpoint */
	char *buf;		/* me without peeking: the receive buffer */
	struct framing_reader r; /* a descriptor cut by --framing */
	const struct endpoint *ep; /* the reader's endpoint for messages (NULL: standard input) */
	const struct endpoint *size_ep; /* whose message size a too-large record exceeds */
	size_t msgsize;
	size_t bad_len;		/* a record too large: its length */
	const char **args;	/* MESSAGE arguments */
	int nargs, argi;
	void *priv;
};

struct xfer_sink {
	/* Accept msg (0) or refuse it (-1 with errno), waiting until d (NULL: no limit). */
	int (*put)(struct xfer_sink *dst, const struct xfer_msg *msg, const struct deadline *d);
	/* Write out what is buffered: 0 or -1 with errno (NULL: nothing is buffered). */
	int (*flush)(struct xfer_sink *dst);
	/* Whether output waits in the buffer (NULL: never). */
	bool (*pending)(const struct xfer_sink *dst);
	/* Report a refused put of msg, or a failed flush (msg NULL), from errno: exit status. */
	int (*failed)(struct xfer_sink *dst, const struct xfer_msg *msg, uint64_t moved);
	/* --eof: put the end marker (an empty message of the lowest priority), or NULL. */
	int (*end)(struct xfer_sink *dst, const struct deadline *d);
	/* Kinds (constructors below); priv for others (tests). */
	enum xfer_kind kind;
	const struct xfer_opts *o;
	struct msgend *me;	/* a message endpoint */
	unsigned priority;	/* me: --priority for every message when priority_set */
	bool priority_set;
	long type;		/* me: the type of messages that carry none (0: the transport's) */
	struct framing_writer w; /* a descriptor, with the framing's separators */
	const struct endpoint *ep; /* the writer's endpoint for messages (NULL: standard output) */
	bool json;		/* -J: one JSON line per message */
	char *jbuf;		/* its buffer */
	void *priv;
};

/*
 * Sources and sinks. The _init functions return 0, or -1 with errno
 * (ENOMEM) after reporting; xfer_source_free / xfer_sink_free release
 * what they allocated (not the endpoint, nor the descriptor).
 */
void xfer_source_args(struct xfer_source *src, const struct xfer_opts *o, const char **args,
		      int nargs);
/* Messages cut by --framing from fd (ep for messages, NULL: standard input). */
int xfer_source_fd(struct xfer_source *src, const struct xfer_opts *o, int fd,
		   const struct endpoint *ep, size_t msgsize, const struct endpoint *size_ep);
/* A message endpoint; with_meta: the sink wants every message's metadata (-J). */
int xfer_source_msgend(struct xfer_source *src, const struct xfer_opts *o, struct msgend *me,
		       bool with_meta);
void xfer_source_free(struct xfer_source *src);
/*
 * A message endpoint: --priority goes on every message; with type_from_opts
 * (send) --type too (relay: --type selects from SOURCE, types pass through).
 */
void xfer_sink_msgend(struct xfer_sink *dst, const struct xfer_opts *o, struct msgend *me,
		      bool type_from_opts);
/* fd with the framing's separators (ep NULL: standard output); json: -J lines. */
int xfer_sink_fd(struct xfer_sink *dst, const struct xfer_opts *o, int fd,
		 const struct endpoint *ep, bool json, size_t msgsize);
void xfer_sink_free(struct xfer_sink *dst);

/*
 * Move messages from src to dst until the source ends, --count messages
 * moved, or (--eof) an empty message arrived; then, with --eof, put the end
 * marker into a message sink, and flush. Counts into m. Reports failures;
 * returns the exit status.
 */
int xfer_pump(const struct xfer_opts *o, struct xfer_source *src, struct xfer_sink *dst,
	      struct xfer_meter *m);

#endif
