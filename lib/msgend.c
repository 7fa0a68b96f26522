/* Message endpoints: dispatch to the ops of the endpoint's transport. */
#include "msgend.h"

#include <errno.h>
#include <string.h>

bool msgend_listens(const struct endpoint *ep, enum msgend_role role,
		    const struct msgend_opts *o)
{
	if (!endpoint_is_socket(ep))
		return false;
	if (role == MSGEND_RECEIVER)
		return !o->connect;
	return o->listen;
}

int msgend_open(struct msgend *me, const struct endpoint *ep, enum msgend_role role,
		const struct msgend_opts *o, const char **why)
{
	const struct transport *tp;

	memset(me, 0, sizeof(*me));
	me->ep = ep;
	me->role = role;
	me->fd = me->lfd = me->id = -1;
	tp = endpoint_transport(ep);
	me->ops = tp ? tp->ops : NULL;
	if (!me->ops) {
		if (why)
			*why = "not a message endpoint";
		errno = EINVAL;
		return -1;
	}
	if (why)
		*why = NULL;
	if (me->ops->open(me, o, why) < 0) {
		me->ops = NULL;
		return -1;
	}
	return 0;
}

int msgend_send(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta,
		const struct deadline *d)
{
	if (len > me->msgsize) {
		errno = EMSGSIZE;
		return -1;
	}
	return me->ops->send(me, buf, len, meta, d);
}

int msgend_recv(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
		const struct deadline *d)
{
	int rc;

	if (meta)
		memset(meta, 0, sizeof(*meta));
	rc = me->ops->recv(me, buf, len, meta, d);
	if (rc > 0 && meta)
		clock_gettime(CLOCK_REALTIME, &meta->time);
	return rc;
}

void msgend_close(struct msgend *me)
{
	/* ops stay set: msgend_remove may still run after close (--rm). */
	if (me->ops && !me->closed)
		me->ops->close(me);
	me->closed = true;
}

int msgend_remove(struct msgend *me)
{
	if (!me->ops || !me->ops->remove) {
		errno = ENOTSUP;
		return -1;
	}
	return me->ops->remove(me);
}

/* The fast paths: absent ops are ENOTSUP, so callers can fall back. */
static int msgend_absent(void)
{
	errno = ENOTSUP;
	return -1;
}

bool msgend_can(const struct msgend *me, enum msgend_fast what)
{
	const struct msgend_ops *ops = me->ops;

	if (!ops || me->closed)
		return false;
	switch (what) {
	case MSGEND_FAST_BATCH:
		return ops->batch_begin && ops->batch_put && ops->batch_end;
	case MSGEND_FAST_PEEK:
		return ops->peekv && ops->peek_commit && ops->peek_abort;
	case MSGEND_FAST_FD:
		return me->role == MSGEND_SENDER ? ops->send_from_fd != NULL
						 : ops->recv_to_fd != NULL;
	}
	return false;
}

int msgend_batch_begin(struct msgend *me, const struct deadline *d)
{
	if (!me->ops || !me->ops->batch_begin)
		return msgend_absent();
	return me->ops->batch_begin(me, d);
}

int msgend_batch_put(struct msgend *me, const void *buf, size_t len, const struct deadline *d)
{
	if (!me->ops || !me->ops->batch_put)
		return msgend_absent();
	if (len > me->msgsize) {
		errno = EMSGSIZE;
		return -1;
	}
	return me->ops->batch_put(me, buf, len, d);
}

void msgend_batch_end(struct msgend *me)
{
	if (me->ops && me->ops->batch_end)
		me->ops->batch_end(me);
}

int msgend_peekv(struct msgend *me, struct iovec *iov, size_t max, size_t maxbytes,
		 unsigned flags, size_t *n, const struct deadline *d)
{
	*n = 0;
	if (!me->ops || !me->ops->peekv)
		return msgend_absent();
	return me->ops->peekv(me, iov, max, maxbytes, flags, n, d);
}

void msgend_peek_commit(struct msgend *me)
{
	if (me->ops && me->ops->peek_commit)
		me->ops->peek_commit(me);
}

void msgend_peek_abort(struct msgend *me)
{
	if (me->ops && me->ops->peek_abort)
		me->ops->peek_abort(me);
}

int msgend_send_from_fd(struct msgend *me, int fd, const struct deadline *d, size_t *moved,
			bool *input_failed)
{
	*moved = 0;
	*input_failed = false;
	if (!me->ops || !me->ops->send_from_fd)
		return msgend_absent();
	return me->ops->send_from_fd(me, fd, d, moved, input_failed);
}

int msgend_recv_to_fd(struct msgend *me, int fd, size_t max, const struct deadline *d,
		      size_t *moved, size_t *records, bool *output_failed)
{
	*moved = 0;
	*records = 0;
	*output_failed = false;
	if (!me->ops || !me->ops->recv_to_fd)
		return msgend_absent();
	return me->ops->recv_to_fd(me, fd, max, d, moved, records, output_failed);
}

bool msgend_can_unrecv(const struct msgend *me)
{
	return me->ops && !me->closed && me->ops->unrecv && me->role == MSGEND_RECEIVER;
}

int msgend_unrecv(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta)
{
	if (!msgend_can_unrecv(me))
		return msgend_absent();
	return me->ops->unrecv(me, buf, len, meta);
}

int msgend_wait_room(struct msgend *me, const struct deadline *d)
{
	if (!me->ops || !me->ops->wait_room || me->closed)
		return 0;
	return me->ops->wait_room(me, d);
}

void msgend_peek_meta(struct msgend *me, struct msg_meta *meta)
{
	memset(meta, 0, sizeof(*meta));
	if (me->ops && me->ops->peek_meta)
		me->ops->peek_meta(me, meta);
	clock_gettime(CLOCK_REALTIME, &meta->time);
}
