/* System V message queues: the mq: transport for key:, id: and ftok:. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <unistd.h>

#include "sysvmsg.h"

#include "mq.h"

uint64_t sysvmsg_msgmax(void)
{
	struct msginfo mi;

	if (msgctl(0, IPC_INFO, (struct msqid_ds *)(void *)&mi) < 0 || mi.msgmax <= 0)
		return 8192;
	return (uint64_t)mi.msgmax;
}

int sysvmsg_lookup(const struct objref *ref)
{
	struct msqid_ds ds;
	key_t key;

	if (ref->kind == OBJREF_ID) {
		if (msgctl(ref->id, IPC_STAT, &ds) < 0)
			return errno == EINVAL ? (errno = ENOENT, -1) : -1;
		return ref->id;
	}
	if (ref->is_private) {
		errno = EINVAL;
		return -1;
	}
	if (objref_key(ref, &key) < 0)
		return -1;
	return msgget(key, 0);
}

/* The message buffer: msgsnd(2) wants the type right before the text. */
struct sysvmsg_buf {
	long mtype;
	char mtext[];
};

static int svmq_open(struct msgend *me, const struct msgend_opts *o, const char **why)
{
	const struct objref *ref = &me->ep->obj;
	uint64_t msgmax = sysvmsg_msgmax();
	struct deadline d;
	unsigned step = 0;
	key_t key = IPC_PRIVATE;

	if (o->msgsize > msgmax) {
		if (why)
			*why = "--msgsize is larger than the kernel's msgmax (see /proc/sys/kernel/msgmax)";
		errno = EINVAL;
		return -1;
	}
	if (ref->is_private && !o->create) {
		if (why)
			*why = "key:private names a new queue: use it with --create";
		errno = EINVAL;
		return -1;
	}
	if (ref->kind != OBJREF_ID && !ref->is_private && objref_key(ref, &key) < 0)
		return -1;
	deadline_start(&d, o->wait ? o->wait_ms : 0);
	for (;;) {
		if (o->create && ref->kind != OBJREF_ID) {
			me->id = msgget(key, IPC_CREAT | (o->reuse ? 0 : IPC_EXCL) | (int)(o->mode & 0777));
			me->created = me->id >= 0 && !o->reuse;
		} else {
			me->id = sysvmsg_lookup(ref);
		}
		if (me->id >= 0)
			break;
		if (!(o->wait && errno == ENOENT))
			return -1;
		if (deadline_retry(&d, &step) < 0)
			return -1;
	}
	me->key = key;
	me->msgsize = (size_t)(o->msgsize ? o->msgsize : msgmax);
	if (me->created && o->maxmsg) {
		struct msqid_ds ds;

		/* System V limits bytes, not messages: depth x size. Only a
		 * privileged process may go past kernel.msgmnb: refuse rather
		 * than leave a queue smaller than asked for. */
		if (msgctl(me->id, IPC_STAT, &ds) < 0 ||
		    (ds.msg_qbytes = (msglen_t)(o->maxmsg * me->msgsize),
		     msgctl(me->id, IPC_SET, &ds) < 0)) {
			int err = errno;

			msgctl(me->id, IPC_RMID, NULL);
			if (why && err == EPERM)
				*why = "--maxmsg x --msgsize is more bytes than kernel.msgmnb "
				       "lets an unprivileged user queue";
			errno = err;
			return -1;
		}
	}
	me->priv = malloc(sizeof(struct sysvmsg_buf) + me->msgsize);
	if (!me->priv) {
		if (me->created)
			msgctl(me->id, IPC_RMID, NULL);
		errno = ENOMEM;
		return -1;
	}
	me->has_type = true;
	snprintf(me->name, sizeof(me->name), "id:%d", me->id);
	return 0;
}

static int svmq_send(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta,
		     const struct deadline *d)
{
	struct sysvmsg_buf *mb = me->priv;
	bool block = !d || d->forever;
	unsigned step = 0;

	mb->mtype = meta && meta->has_type && meta->type > 0 ? meta->type : 1;
	memcpy(mb->mtext, buf, len);
	for (;;) {
		if (msgsnd(me->id, mb, len, block ? 0 : IPC_NOWAIT) == 0)
			return 0;
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -1;
		/* No timed msgsnd(2): poll until the deadline. */
		if (deadline_retry(d, &step) < 0)
			return -1;
	}
}

static int svmq_recv(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
		     const struct deadline *d)
{
	struct sysvmsg_buf *mb = me->priv;
	bool block = !d || d->forever;
	unsigned step = 0;
	ssize_t n;

	for (;;) {
		n = msgrcv(me->id, mb, me->msgsize, me->recv_type, block ? 0 : IPC_NOWAIT);
		if (n >= 0)
			break;
		if (errno == EINTR)
			continue;
		if (errno == E2BIG) {
			errno = EMSGSIZE;
			return -1;
		}
		if (errno != ENOMSG)
			return -1;
		if (deadline_retry(d, &step) < 0)
			return -1;
	}
	memcpy(buf, mb->mtext, (size_t)n);
	*len = (size_t)n;
	if (meta) {
		meta->has_type = true;
		meta->type = mb->mtype;
	}
	return 1;
}

static int svmq_unrecv(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta)
{
	struct sysvmsg_buf *mb = me->priv;

	mb->mtype = meta && meta->has_type && meta->type > 0 ? meta->type : 1;
	/* buf may be the text of this very buffer. */
	memmove(mb->mtext, buf, len);
	for (;;) {
		if (msgsnd(me->id, mb, len, IPC_NOWAIT) == 0)
			return 0;
		if (errno != EINTR)
			return -1;
	}
}

static void svmq_close(struct msgend *me)
{
	free(me->priv);
	me->priv = NULL;
}

static int svmq_remove(struct msgend *me)
{
	return msgctl(me->id, IPC_RMID, NULL);
}

bool sysvmsg_match(const struct endpoint *ep)
{
	return objref_is_sysv(&ep->obj);
}

const struct msgend_ops msgend_sysv_mq_ops = {
	.name = "System V message queue",
	.open = svmq_open,
	.send = svmq_send,
	.recv = svmq_recv,
	.unrecv = svmq_unrecv,
	.close = svmq_close,
	.remove = svmq_remove,
};

static void sysvmsg_fill(int id, const struct msqid_ds *ds, struct mq_info *info)
{
	memset(info, 0, sizeof(*info));
	info->sysv = true;
	info->id = id;
	info->key = ds->msg_perm.__key;
	info->msgsize = sysvmsg_msgmax();
	info->curmsgs = ds->msg_qnum;
	info->bytes = ds->__msg_cbytes;
	info->qbytes = ds->msg_qbytes;
	info->uid = ds->msg_perm.uid;
	info->gid = ds->msg_perm.gid;
	info->mode = ds->msg_perm.mode & 0777;
	info->lspid = ds->msg_lspid;
	info->lrpid = ds->msg_lrpid;
	info->stime = ds->msg_stime;
	info->rtime = ds->msg_rtime;
	info->ctime = ds->msg_ctime;
}

int sysvmsg_info(int id, struct mq_info *info)
{
	struct msqid_ds ds;

	if (msgctl(id, IPC_STAT, &ds) < 0)
		return -1;
	sysvmsg_fill(id, &ds, info);
	return 0;
}
