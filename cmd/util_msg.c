/* Message endpoints for send, recv and relay: framing, metadata, reporting. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "../lib/json.h"
#include "../lib/mq.h"
#include "../lib/msgend.h"
#include "../lib/parse.h"
#include "cmd.h"
#include "xfer.h"

#define XFER_OUT_BUFSIZE (128u * 1024u)

static bool msg_is_posix_mq(const struct endpoint *ep)
{
	return ep->kind == EP_MQ && !objref_is_sysv(&ep->obj);
}

static bool msg_is_sysv_mq(const struct endpoint *ep)
{
	return ep->kind == EP_MQ && objref_is_sysv(&ep->obj);
}

int xfer_check_msg(const struct endpoint *ep, enum xfer_role role)
{
	if (xfer.priority_set && !msg_is_posix_mq(ep))
		return cmd_usage_error("--priority applies to POSIX queues (mq:/NAME), not '%s'",
				       ep->text);
	if (xfer.type_set && !msg_is_sysv_mq(ep))
		return cmd_usage_error("--type applies to System V queues (mq:key:, mq:id:, "
				       "mq:ftok:), not '%s'", ep->text);
	if (xfer.type_set && role == XFER_SENDER && xfer.type <= 0)
		return cmd_usage_error("--type: '%lld' is not a message type to send "
				       "(expected a number above 0)", xfer.type);
	if (xfer.capacity && ep->kind != EP_SHM)
		return cmd_usage_error("--capacity applies to shm: rings, not '%s'", ep->text);
	if (ep->kind == EP_MQ && (xfer.maxmsg || xfer.msgsize) && !xfer.create)
		return cmd_usage_error("%s applies to queues made with --create",
				       xfer.maxmsg ? "--maxmsg" : "--msgsize");
	if (endpoint_is_socket(ep) && xfer.maxmsg)
		return cmd_usage_error("--maxmsg applies to queues, not '%s'", ep->text);
	if (endpoint_is_socket(ep) && xfer.create)
		return cmd_usage_error("--create applies to fifo:, mq: and shm: endpoints, not '%s'",
				       ep->text);
	if (!endpoint_is_socket(ep) && (xfer.listen || xfer.connect))
		return cmd_usage_error("%s applies to socket endpoints, not '%s'",
				       xfer.listen ? "--listen" : "--connect", ep->text);
	if (ep->kind == EP_MQ && ep->obj.is_private && !xfer.create)
		return cmd_usage_error("'%s': key:private names a new queue: use it with --create",
				       ep->text);
	return EXIT_OK;
}

static void msg_remove(void *arg)
{
	msgend_remove(arg);
}

static const char *msg_open_hint(const struct endpoint *ep, int err)
{
	if (err == ENOENT && ep->kind == EP_MQ)
		return xfer.create ? "" : " (create it with --create)";
	if (err == ENOENT && ep->kind == EP_SHM)
		return " (create it with --create, or wait with --wait)";
	if (err == EEXIST)
		return " (--reuse uses the existing one)";
	if ((err == EINVAL || err == EPERM) && msg_is_posix_mq(ep) && xfer.create &&
	    (xfer.maxmsg || xfer.msgsize))
		return " (limits: /proc/sys/fs/mqueue/msg_max and msgsize_max)";
	if (err == EMFILE && msg_is_posix_mq(ep))
		return " (the queue bytes limit, ulimit -q, is used up)";
	if (err == ENOSPC && ep->kind == EP_MQ)
		return " (the system's queue limit is reached: /proc/sys/fs/mqueue/queues_max, kernel.msgmni)";
	if ((err == ENOENT || err == ECONNREFUSED) && endpoint_is_socket(ep))
		return " (is a receiver listening? --wait waits for one)";
	if (err == EADDRINUSE && ep->kind != EP_UDP && !ep->is_abstract) {
		static char hint[96];

		snprintf(hint, sizeof(hint), " (%s)", xfer_addrinuse_hint(ep));
		return hint;
	}
	return "";
}

int xfer_open_msg(struct msgend *me, const struct endpoint *ep, enum xfer_role role)
{
	struct msgend_opts o = {
		.create = xfer.create,
		.reuse = xfer.reuse,
		.mode = xfer.mode,
		.maxmsg = xfer.maxmsg,
		.msgsize = xfer.msgsize,
		.capacity = xfer.capacity,
		.listen = xfer.listen,
		.connect = xfer.connect,
		.wait = xfer.wait,
		.wait_ms = xfer.wait && xfer.wait_ms >= 0 ? xfer.wait_ms : xfer.timeout_ms,
		.keep = xfer.keep,
	};
	const char *why = NULL;
	int err;

	if (msgend_open(me, ep, role == XFER_SENDER ? MSGEND_SENDER : MSGEND_RECEIVER, &o,
			&why) < 0) {
		err = errno;
		if (err == ETIMEDOUT) {
			cmd_warnx("timed out waiting for '%s' to appear", ep->text);
			return EXIT_TIMEOUT;
		}
		if (why)
			cmd_warnx("cannot open '%s': %s", ep->text, why);
		else if (err == EAGAIN && ep->kind == EP_SHM)
			cmd_warnx("cannot open '%s': not an ipctool ring, or its creator has not "
				  "finished it (--wait waits for it)", ep->text);
		else
			cmd_warnx("cannot %s '%s': %s%s",
				  xfer.create && ep->kind == EP_MQ ? "create" : "open", ep->text,
				  strerror(err), msg_open_hint(ep, err));
		return EXIT_FAIL;
	}
	/* A socket file we bound goes at exit and on SIGINT/SIGTERM, as for
	 * unix: streams; other objects only with --rm. */
	if (xfer.rm || endpoint_is_socket(ep))
		cleanup_push(msg_remove, me);
	if (!xfer.rm && ep->kind == EP_MQ && ep->obj.is_private)
		cmd_warnx("created 'mq:%s'", me->name);
	me->recv_type = xfer.type_set ? xfer.type : 0;
	return EXIT_OK;
}

static void msg_deadline(struct deadline *d, const struct deadline **dp)
{
	if (xfer.timeout_ms < 0) {
		*dp = NULL;
	} else {
		deadline_start(d, xfer.timeout_ms);
		*dp = d;
	}
}

/* Messages moved so far, for what a timeout reports. */
static uint64_t msg_sent, msg_received;
/* When the oldest output still in the writer's buffer was put there. */
static uint64_t msg_pending_since;

int xfer_send_msg(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta)
{
	const struct deadline *dp;
	struct deadline d;

	msg_deadline(&d, &dp);
	if (msgend_send(me, buf, len, meta, dp) == 0) {
		msg_sent++;
		return EXIT_OK;
	}
	return xfer_send_failed(me, len, msg_sent);
}

int xfer_send_failed(struct msgend *me, size_t len, uint64_t sent)
{
	if (errno == EMSGSIZE) {
		return xfer_too_large(me->ep, "message", len, false, me->msgsize);
	}
	if (errno == ETIMEDOUT || errno == EAGAIN)
		return xfer_send_timed_out(me->ep, sent);
	if (errno == EPIPE || errno == ECONNRESET || errno == ECONNREFUSED)
		cmd_warnx("cannot send to '%s': %s (the receiver went away)", me->ep->text,
			  strerror(errno));
	else if (errno == EIDRM || errno == EINVAL)
		cmd_warnx("cannot send to '%s': %s (was the queue removed?)", me->ep->text,
			  strerror(errno));
	else
		cmd_warn("cannot send to '%s'", me->ep->text);
	return EXIT_FAIL;
}

int xfer_recv_msg(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
		  struct framing_writer *w)
{
	const struct deadline *dp;
	struct deadline d, soon;
	int rc;

	msg_deadline(&d, &dp);
	if (w && w->len == 0)
		msg_pending_since = 0;
	if (w && w->len > 0) {
		/* Output waits in the buffer while messages keep coming, but
		 * never longer than XFER_FLUSH_MS: a steady trickle is shown
		 * as promptly as a burst followed by a pause. */
		int64_t ms = xfer_flush_wait_ms(&msg_pending_since);

		if (ms > 0) {
			deadline_start(&soon, ms);
			rc = msgend_recv(me, buf, len, meta, &soon);
			if (rc > 0)
				msg_received++;
			if (rc >= 0)
				return rc;
			if (errno != ETIMEDOUT && errno != EAGAIN)
				goto fail;
		}
		msg_pending_since = 0;
		if (framing_writer_flush(w) < 0) {
			cmd_warn("cannot write to standard output");
			return -EXIT_FAIL;
		}
	}
	rc = msgend_recv(me, buf, len, meta, dp);
	if (rc > 0)
		msg_received++;
	if (rc >= 0)
		return rc;
fail:
	return xfer_recv_failed(me, msg_received);
}

int xfer_recv_failed(struct msgend *me, uint64_t received)
{
	if (errno == ETIMEDOUT || errno == EAGAIN) {
		/* A quiet period ends the stream of messages like its end. */
		if (xfer_recv_timed_out(me->ep, received, xfer.count || xfer.eof) == EXIT_OK)
			return MSGEND_EOS;
		return -EXIT_TIMEOUT;
	}
	if (errno == EBADMSG)
		cmd_warnx("cannot receive from '%s': %s (the ring is corrupt)", me->ep->text,
			  strerror(errno));
	else if (errno == ECONNRESET && me->ep->kind == EP_SHM)
		cmd_warnx("cannot receive from '%s': %s (the sender died without closing)",
			  me->ep->text, strerror(errno));
	else if (errno == EMSGSIZE)
		cmd_warnx("cannot receive from '%s': a message is larger than %zu bytes "
			  "(--msgsize sets the limit)", me->ep->text, me->msgsize);
	else if (errno == EIDRM || errno == EINVAL)
		cmd_warnx("cannot receive from '%s': %s (was the queue removed?)", me->ep->text,
			  strerror(errno));
	else
		cmd_warn("cannot receive from '%s'", me->ep->text);
	return -EXIT_FAIL;
}

size_t xfer_json_bufsize(size_t msgsize)
{
	return json_message_max(msgsize);
}

int xfer_write_json(struct framing_writer *w, char *jbuf, const void *msg, size_t len,
		    const struct msg_meta *meta)
{
	return framing_writer_raw(w, jbuf, json_message(jbuf, msg, len, meta));
}

/* send. */

static void msg_send_meta(const struct msgend *me, struct msg_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	if (me->has_priority) {
		meta->has_priority = true;
		meta->priority = xfer.priority_set ? (unsigned)xfer.priority : 0;
	}
	if (me->has_type) {
		meta->has_type = true;
		meta->type = xfer.type_set ? xfer.type : 1;
	}
}

static int msg_send_arguments(struct msgend *me, const char **msgs, int n,
			      const struct msg_meta *meta, struct xfer_meter *m)
{
	int i, rc;

	if (xfer.count && (uint64_t)n > xfer.count)
		n = (int)xfer.count;
	/* Refuse before sending anything. */
	for (i = 0; i < n; i++)
		if (strlen(msgs[i]) > me->msgsize)
			return xfer_send_msg(me, msgs[i], strlen(msgs[i]), meta);
	for (i = 0; i < n; i++) {
		size_t len = strlen(msgs[i]);

		rc = xfer_send_msg(me, msgs[i], len, meta);
		if (rc != EXIT_OK)
			return rc;
		m->messages++;
		meter_update(m, m->bytes + len);
	}
	return EXIT_OK;
}

static int msg_send_input(struct msgend *me, const struct msg_meta *meta, struct xfer_meter *m)
{
	struct framing_reader r;
	const char *msg;
	size_t len;
	int rc = EXIT_OK, got;

	if (framing_reader_init(&r, STDIN_FILENO, xfer.framing, me->msgsize) < 0) {
		cmd_warn("cannot allocate a buffer of %zu bytes", me->msgsize);
		return EXIT_FAIL;
	}
	while (!xfer.count || m->messages < xfer.count) {
		got = framing_reader_next(&r, &msg, &len);
		if (got == 0)
			break;
		if (got < 0 && errno == EMSGSIZE) {
			rc = xfer_too_large(me->ep,
					    xfer.framing == FRAMING_WHOLE ? "message" : "record", len,
					    r.len_minimum, me->msgsize);
			break;
		}
		if (got < 0) {
			cmd_warn("cannot read standard input");
			rc = EXIT_FAIL;
			break;
		}
		rc = xfer_send_msg(me, msg, len, meta);
		if (rc != EXIT_OK)
			break;
		m->messages++;
		meter_update(m, m->bytes + len);
	}
	framing_reader_free(&r);
	return rc;
}

int xfer_send_messages(const struct endpoint *ep, const char **msgs, int nmsgs)
{
	struct msgend me;
	struct msg_meta meta;
	struct xfer_meter m;
	int rc;

	rc = xfer_open_msg(&me, ep, XFER_SENDER);
	if (rc != EXIT_OK) {
		cleanup_run();
		return rc;
	}
	meter_start(&m);
	msg_send_meta(&me, &meta);
	if (nmsgs > 0)
		rc = msg_send_arguments(&me, msgs, nmsgs, &meta, &m);
	else if (xfer_ring_stream(&me, false))
		rc = xfer_ring_send(&me, &m);
	else if (xfer_ring_records(&me, false))
		rc = xfer_ring_send_records(&me, &m);
	else
		rc = msg_send_input(&me, &meta, &m);
	if (rc == EXIT_OK && xfer.eof) {
		/* Lowest priority, so that it comes after what is queued. */
		meta.priority = 0;
		rc = xfer_send_msg(&me, "", 0, &meta);
	}
	msgend_close(&me);
	cleanup_run();
	meter_finish(&m);
	return rc;
}

/* recv. */

int xfer_recv_messages(const struct endpoint *ep, bool json)
{
	struct framing_writer w;
	struct msgend me;
	struct msg_meta meta;
	struct xfer_meter m;
	char *buf = NULL, *jbuf = NULL;
	size_t len;
	int rc, status = EXIT_OK;
	bool ring_stream;

	rc = xfer_open_msg(&me, ep, XFER_RECEIVER);
	if (rc != EXIT_OK) {
		cleanup_run();
		return rc;
	}
	meter_start(&m);
	buf = malloc(me.msgsize ? me.msgsize : 1);
	if (json)
		jbuf = malloc(xfer_json_bufsize(me.msgsize));
	if (!buf || (json && !jbuf) ||
	    framing_writer_init(&w, STDOUT_FILENO, xfer.framing, XFER_OUT_BUFSIZE) < 0) {
		cmd_warn("cannot allocate buffers for messages of %zu bytes", me.msgsize);
		free(buf);
		free(jbuf);
		msgend_close(&me);
		cleanup_run();
		return EXIT_FAIL;
	}
	ring_stream = xfer_ring_stream(&me, json) || xfer_ring_records(&me, json);
	if (xfer_ring_stream(&me, json))
		status = xfer_ring_recv(&me, &m);
	else if (ring_stream)
		status = xfer_ring_recv_records(&me, &w, &m);
	while (!ring_stream && (!xfer.count || m.messages < xfer.count)) {
		rc = xfer_recv_msg(&me, buf, &len, &meta, &w);
		if (rc < 0) {
			status = -rc;
			break;
		}
		if (rc == MSGEND_EOS || (xfer.eof && len == 0))
			break;
		rc = json ? xfer_write_json(&w, jbuf, buf, len, &meta)
			  : framing_writer_put(&w, buf, len);
		if (rc < 0) {
			cmd_warn("cannot write to standard output");
			status = EXIT_FAIL;
			break;
		}
		m.messages++;
		meter_update(&m, m.bytes + len);
	}
	if (framing_writer_flush(&w) < 0 && status == EXIT_OK) {
		cmd_warn("cannot write to standard output");
		status = EXIT_FAIL;
	}
	framing_writer_free(&w);
	free(buf);
	free(jbuf);
	msgend_close(&me);
	cleanup_run();
	meter_finish(&m);
	return status;
}
