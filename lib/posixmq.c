/* POSIX message queues: the mq: transport for /NAME (lib/msgend.h). */
#include "posixmq.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static uint64_t posixmq_read_proc(const char *path, uint64_t dflt)
{
	char buf[32];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return dflt;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return dflt;
	buf[n] = '\0';
	return strtoull(buf, NULL, 10);
}

void posixmq_defaults(uint64_t *maxmsg, uint64_t *msgsize)
{
	*maxmsg = posixmq_read_proc("/proc/sys/fs/mqueue/msg_default", 10);
	*msgsize = posixmq_read_proc("/proc/sys/fs/mqueue/msgsize_default", 8192);
}

/* An absolute CLOCK_REALTIME time for mq_timed*, d milliseconds from now. */
static void posixmq_abstime(const struct deadline *d, struct timespec *ts)
{
	int ms = deadline_poll_ms(d);

	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

static int posixmq_open(struct msgend *me, const struct msgend_opts *o, const char **why)
{
	const char *name = me->ep->obj.name;
	/* A receiver writes too: it puts back what it could not deliver. */
	int flags = (me->role == MSGEND_SENDER ? O_WRONLY : O_RDWR) | O_CLOEXEC;
	struct mq_attr attr, *ap = NULL;
	struct deadline d;
	unsigned step = 0;
	mqd_t q;

	(void)why;
	if (o->create) {
		flags |= O_CREAT | (o->reuse ? 0 : O_EXCL);
		if (o->maxmsg || o->msgsize) {
			uint64_t dmax, dsize;

			posixmq_defaults(&dmax, &dsize);
			memset(&attr, 0, sizeof(attr));
			attr.mq_maxmsg = (long)(o->maxmsg ? o->maxmsg : dmax);
			attr.mq_msgsize = (long)(o->msgsize ? o->msgsize : dsize);
			ap = &attr;
		}
	}
	deadline_start(&d, o->wait ? o->wait_ms : 0);
	for (;;) {
		mode_t old = umask(0); /* the mode is exactly --mode */

		q = mq_open(name, flags, o->mode, ap);
		umask(old);
		if (q != (mqd_t)-1)
			break;
		if (errno == EACCES && (flags & O_ACCMODE) == O_RDWR) {
			/* Allowed to read only: then nothing can be put back. */
			flags = (flags & ~O_ACCMODE) | O_RDONLY;
			continue;
		}
		if (!(o->wait && errno == ENOENT))
			return -1;
		if (deadline_retry(&d, &step) < 0)
			return -1;
	}
	if (mq_getattr(q, &attr) < 0) {
		int err = errno;

		mq_close(q);
		errno = err;
		return -1;
	}
	/* O_EXCL proves we made it; with --reuse we cannot tell. */
	me->created = o->create && !o->reuse;
	me->fd = (int)q;
	me->msgsize = (size_t)attr.mq_msgsize;
	me->has_priority = true;
	me->writable = me->role == MSGEND_SENDER || (flags & O_ACCMODE) == O_RDWR;
	snprintf(me->name, sizeof(me->name), "%s", name);
	return 0;
}

static int posixmq_send(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta,
			const struct deadline *d)
{
	unsigned prio = meta && meta->has_priority ? meta->priority : 0;
	struct timespec ts;
	int rc;

	do {
		if (!d || d->forever) {
			rc = mq_send((mqd_t)me->fd, buf, len, prio);
		} else {
			posixmq_abstime(d, &ts);
			rc = mq_timedsend((mqd_t)me->fd, buf, len, prio, &ts);
		}
	} while (rc < 0 && errno == EINTR);
	return rc;
}

static int posixmq_recv(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
			const struct deadline *d)
{
	unsigned prio = 0;
	struct timespec ts;
	ssize_t n;

	do {
		if (!d || d->forever) {
			n = mq_receive((mqd_t)me->fd, buf, me->msgsize, &prio);
		} else {
			posixmq_abstime(d, &ts);
			n = mq_timedreceive((mqd_t)me->fd, buf, me->msgsize, &prio, &ts);
		}
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	*len = (size_t)n;
	if (meta) {
		meta->has_priority = true;
		meta->priority = prio;
	}
	return 1;
}

static int posixmq_unrecv(struct msgend *me, const void *buf, size_t len,
			  const struct msg_meta *meta)
{
	/* A time in the past: sent at once, or ETIMEDOUT when full. */
	static const struct timespec past = { 0, 0 };
	unsigned prio = meta && meta->has_priority ? meta->priority : 0;
	int rc;

	if (!me->writable) {
		errno = EACCES;
		return -1;
	}
	do
		rc = mq_timedsend((mqd_t)me->fd, buf, len, prio, &past);
	while (rc < 0 && errno == EINTR);
	if (rc < 0 && errno == ETIMEDOUT)
		errno = EAGAIN;
	return rc;
}

static int posixmq_wait_room(struct msgend *me, const struct deadline *d)
{
	/* Linux: a queue descriptor polls writable while the queue has room. */
	struct pollfd pfd = { .fd = me->fd, .events = POLLOUT };
	int rc;

	do
		rc = poll(&pfd, 1, d ? deadline_poll_ms(d) : -1);
	while (rc < 0 && errno == EINTR);
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 ? 0 : -1;
}

static void posixmq_close(struct msgend *me)
{
	if (me->fd >= 0)
		mq_close((mqd_t)me->fd);
	me->fd = -1;
}

static int posixmq_remove(struct msgend *me)
{
	return mq_unlink(me->ep->obj.name);
}

bool posixmq_match(const struct endpoint *ep)
{
	return !objref_is_sysv(&ep->obj);
}

const struct msgend_ops msgend_posix_mq_ops = {
	.name = "POSIX message queue",
	.open = posixmq_open,
	.send = posixmq_send,
	.recv = posixmq_recv,
	.unrecv = posixmq_unrecv,
	.wait_room = posixmq_wait_room,
	.close = posixmq_close,
	.remove = posixmq_remove,
};
