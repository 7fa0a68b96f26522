/* Message endpoints: dispatch by endpoint kind to a transport's ops. */
#include "msgend.h"

#include <errno.h>
#include <string.h>

static const struct msgend_ops *msgend_ops_for(const struct endpoint *ep, const char **why)
{
	switch (ep->kind) {
	case EP_MQ:
		return objref_is_sysv(&ep->obj) ? &msgend_sysv_mq_ops : &msgend_posix_mq_ops;
	case EP_UNIX_DGRAM:
	case EP_UNIX_SEQPACKET:
	case EP_UDP:
		return &msgend_socket_ops;
	case EP_SHM:
		return &msgend_ring_ops;
	default:
		if (why)
			*why = "not a message endpoint";
		errno = EINVAL;
		return NULL;
	}
}

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
	memset(me, 0, sizeof(*me));
	me->ep = ep;
	me->role = role;
	me->fd = me->lfd = me->id = -1;
	me->ops = msgend_ops_for(ep, why);
	if (!me->ops)
		return -1;
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
