/* Message queues, both families: attributes and removal (the transports:
 * lib/posixmq.c, lib/sysvmsg.c; the inventory: lib/ipcinfo*.c). */
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

#include "sysvmsg.h"


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
