/* POSIX message queues: the mq: transport for /NAME, attributes, removal. */
#include "mq.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/msg.h>
#include <sys/stat.h>
#include <unistd.h>

#include "msgend.h"

static uint64_t mq_read_proc(const char *path, uint64_t dflt)
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

void mq_posix_defaults(uint64_t *maxmsg, uint64_t *msgsize)
{
	*maxmsg = mq_read_proc("/proc/sys/fs/mqueue/msg_default", 10);
	*msgsize = mq_read_proc("/proc/sys/fs/mqueue/msgsize_default", 8192);
}

/* An absolute CLOCK_REALTIME time for mq_timed*, d milliseconds from now. */
static void mq_abstime(const struct deadline *d, struct timespec *ts)
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

static int pmq_open(struct msgend *me, const struct msgend_opts *o, const char **why)
{
	const char *name = me->ep->obj.name;
	int flags = (me->role == MSGEND_SENDER ? O_WRONLY : O_RDONLY) | O_CLOEXEC;
	struct mq_attr attr, *ap = NULL;
	struct deadline d;
	unsigned step = 0;
	mqd_t q;

	(void)why;
	if (o->create) {
		flags |= O_CREAT | (o->reuse ? 0 : O_EXCL);
		if (o->maxmsg || o->msgsize) {
			uint64_t dmax, dsize;

			mq_posix_defaults(&dmax, &dsize);
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
	snprintf(me->name, sizeof(me->name), "%s", name);
	return 0;
}

static int pmq_send(struct msgend *me, const void *buf, size_t len, const struct msg_meta *meta,
		    const struct deadline *d)
{
	unsigned prio = meta && meta->has_priority ? meta->priority : 0;
	struct timespec ts;
	int rc;

	do {
		if (!d || d->forever) {
			rc = mq_send((mqd_t)me->fd, buf, len, prio);
		} else {
			mq_abstime(d, &ts);
			rc = mq_timedsend((mqd_t)me->fd, buf, len, prio, &ts);
		}
	} while (rc < 0 && errno == EINTR);
	return rc;
}

static int pmq_recv(struct msgend *me, void *buf, size_t *len, struct msg_meta *meta,
		    const struct deadline *d)
{
	unsigned prio = 0;
	struct timespec ts;
	ssize_t n;

	do {
		if (!d || d->forever) {
			n = mq_receive((mqd_t)me->fd, buf, me->msgsize, &prio);
		} else {
			mq_abstime(d, &ts);
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

static void pmq_close(struct msgend *me)
{
	if (me->fd >= 0)
		mq_close((mqd_t)me->fd);
	me->fd = -1;
}

static int pmq_remove(struct msgend *me)
{
	return mq_unlink(me->ep->obj.name);
}

const struct msgend_ops msgend_posix_mq_ops = {
	.name = "POSIX message queue",
	.open = pmq_open,
	.send = pmq_send,
	.recv = pmq_recv,
	.close = pmq_close,
	.remove = pmq_remove,
};

/* Attributes. */

/* The mqueue fd reads as "QSIZE:5 NOTIFY:0 ...", with or without the mount. */
static uint64_t mq_qsize(int fd)
{
	char buf[160];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);

	if (n <= 0)
		return 0;
	buf[n] = '\0';
	return strncmp(buf, "QSIZE:", 6) == 0 ? strtoull(buf + 6, NULL, 10) : 0;
}

static int mq_info_posix(const char *name, struct mq_info *info)
{
	struct mq_attr attr;
	struct stat st;
	mqd_t q;
	int err;

	memset(info, 0, sizeof(*info));
	info->id = -1;
	q = mq_open(name, O_RDONLY | O_CLOEXEC);
	if (q == (mqd_t)-1)
		return -1;
	if (mq_getattr(q, &attr) < 0 || fstat((int)q, &st) < 0) {
		err = errno;
		mq_close(q);
		errno = err;
		return -1;
	}
	snprintf(info->name, sizeof(info->name), "%s", name);
	info->maxmsg = (uint64_t)attr.mq_maxmsg;
	info->msgsize = (uint64_t)attr.mq_msgsize;
	info->curmsgs = (uint64_t)attr.mq_curmsgs;
	info->bytes = mq_qsize((int)q);
	info->uid = st.st_uid;
	info->gid = st.st_gid;
	info->mode = st.st_mode & 07777;
	mq_close(q);
	return 0;
}

int mq_info_get(const struct objref *ref, struct mq_info *info)
{
	int id;

	if (!objref_is_sysv(ref))
		return mq_info_posix(ref->name, info);
	id = sysvmsg_lookup(ref);
	if (id < 0)
		return -1;
	return sysvmsg_info(id, info);
}

int mq_remove(const struct objref *ref)
{
	int id;

	if (!objref_is_sysv(ref))
		return mq_unlink(ref->name);
	id = sysvmsg_lookup(ref);
	if (id < 0)
		return -1;
	return msgctl(id, IPC_RMID, NULL);
}
