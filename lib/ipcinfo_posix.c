/* The POSIX sources of the inventory: /dev/mqueue and /dev/shm (segments, rings, semaphores). */
#include "ipcinfo_impl.h"
#include "ring.h"

/* POSIX message queues */

int ipcinfo_parse_mq_text(const char *text, uint64_t *qsize, pid_t *notify_pid)
{
	const char *p = strstr(text, "QSIZE:");
	const char *n = strstr(text, "NOTIFY_PID:");
	char *end;

	if (!p) {
		errno = EINVAL;
		return -1;
	}
	*qsize = strtoull(p + 6, &end, 10);
	if (end == p + 6) {
		errno = EINVAL;
		return -1;
	}
	*notify_pid = n ? (pid_t)strtol(n + 11, NULL, 10) : 0;
	return 0;
}

static void ipcinfo_mq_read(struct ipcinfo_obj *o, int dfd, const char *file)
{
	struct stat st;
	struct mq_attr attr;
	char text[128];
	ssize_t len;
	int fd;

	fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0) {
		/* Not ours to read: the owner and times are still known. */
		if (fstatat(dfd, file, &st, AT_SYMLINK_NOFOLLOW) == 0)
			ipcinfo_set_stat(o, &st);
		return;
	}
	if (fstat(fd, &st) == 0)
		ipcinfo_set_stat(o, &st);
	/* Reading QSIZE sets the queue's ctime (so do send and receive):
	 * not a change time worth showing. */
	o->has &= ~(unsigned)IPCINFO_HAS_CTIME;
	len = read(fd, text, sizeof(text) - 1);
	if (len > 0) {
		text[len] = '\0';
		if (ipcinfo_parse_mq_text(text, &o->used, &o->notify_pid) == 0)
			o->has |= IPCINFO_HAS_USED | IPCINFO_HAS_NOTIFY;
	}
	/* The file opened through the mount is a queue descriptor too. */
	if (mq_getattr(fd, &attr) == 0) {
		o->maxmsg = (uint64_t)attr.mq_maxmsg;
		o->msgsize = (uint64_t)attr.mq_msgsize;
		o->msgs = (uint64_t)attr.mq_curmsgs;
		o->size = o->maxmsg * o->msgsize;
		o->has |= IPCINFO_HAS_MSGLIMITS | IPCINFO_HAS_MSGS | IPCINFO_HAS_SIZE;
	}
	close(fd);
}

int ipcinfo_get_posix_mq(struct ipcinfo_list *list, const char *dir)
{
	struct statfs sfs;
	struct dirent *de;
	DIR *d;

	if (statfs(dir, &sfs) < 0)
		return -1;
	if (sfs.f_type != IPCINFO_MQUEUE_MAGIC) {
		errno = ENODEV;
		return -1;
	}
	d = opendir(dir);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct ipcinfo_obj *o;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		o = ipcinfo_new(list);
		if (!o) {
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
		o->kind = IPCINFO_MQ;
		o->api = IPCINFO_POSIX;
		snprintf(o->name, sizeof(o->name), "/%s", de->d_name);
		ipcinfo_mq_read(o, dirfd(d), de->d_name);
	}
	closedir(d);
	return 0;
}

/* POSIX shared memory and semaphores: files in /dev/shm */

/*
 * Open a /dev/shm file to peek at it, only if it is still the regular file
 * stat'ed: anyone may plant a FIFO or a device there, or swap one in after
 * the stat. O_NONBLOCK: opening a FIFO must not wait for a writer.
 */
static int ipcinfo_open_same(int dfd, const char *file, const struct stat *st)
{
	struct stat now;
	int fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW | O_NOCTTY);

	if (fd < 0)
		return -1;
	if (fstat(fd, &now) < 0 || !S_ISREG(now.st_mode) || now.st_dev != st->st_dev ||
	    now.st_ino != st->st_ino) {
		close(fd);
		return -1;
	}
	return fd;
}

bool ipcinfo_ring_head_ok(const void *head, size_t len, uint64_t size)
{
	struct ring_info ri;

	return len >= RING_DATA_OFFSET && ring_info(head, (size_t)size, &ri, NULL) == 0;
}

static void ipcinfo_shm_read(struct ipcinfo_obj *o, int dfd, const char *file,
			     const struct stat *st)
{
	/* Read, not mapped: a hole in a full /dev/shm reads as zeros. */
	_Alignas(64) unsigned char head[RING_DATA_OFFSET];
	ssize_t n;
	int fd;

	o->size = (uint64_t)st->st_size;
	o->used = (uint64_t)st->st_blocks * 512;
	o->has |= IPCINFO_HAS_SIZE | IPCINFO_HAS_USED;
	if (st->st_size < (off_t)sizeof(head))
		return;
	fd = ipcinfo_open_same(dfd, file, st);
	if (fd < 0)
		return;
	n = pread(fd, head, sizeof(head), 0);
	if (n > 0 && ipcinfo_ring_head_ok(head, (size_t)n, o->size))
		o->kind = IPCINFO_RING;
	close(fd);
}

static void ipcinfo_sem_read(struct ipcinfo_obj *o, int dfd, const char *file,
			     const struct stat *st)
{
	sem_t sem;
	int fd, value;

	o->nsems = 1;
	o->has |= IPCINFO_HAS_NSEMS;
	if (st->st_size < (off_t)sizeof(sem))
		return;
	fd = ipcinfo_open_same(dfd, file, st);
	if (fd < 0)
		return;
	/* A copy of the mapped sem_t: sem_getvalue only loads its counter. */
	if (pread(fd, &sem, sizeof(sem), 0) == (ssize_t)sizeof(sem) &&
	    sem_getvalue(&sem, &value) == 0) {
		snprintf(o->value, sizeof(o->value), "%d", value);
		o->has |= IPCINFO_HAS_VALUE;
	}
	close(fd);
}

int ipcinfo_get_posix_shm(struct ipcinfo_list *list, bool want_shm, bool want_sem)
{
	struct dirent *de;
	struct stat st;
	DIR *d;

	d = opendir(IPCINFO_SHM_DIR);
	if (!d)
		return -1;
	while ((de = readdir(d))) {
		struct ipcinfo_obj *o;
		bool is_sem = strncmp(de->d_name, "sem.", 4) == 0 && de->d_name[4];

		if (de->d_type != DT_REG && de->d_type != DT_UNKNOWN)
			continue;
		if (is_sem ? !want_sem : !want_shm)
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		o = ipcinfo_new(list);
		if (!o) {
			closedir(d);
			errno = ENOMEM;
			return -1;
		}
		o->api = IPCINFO_POSIX;
		ipcinfo_set_stat(o, &st);
		if (is_sem) {
			o->kind = IPCINFO_SEM;
			snprintf(o->name, sizeof(o->name), "/%s", de->d_name + 4);
			ipcinfo_sem_read(o, dirfd(d), de->d_name, &st);
		} else {
			o->kind = IPCINFO_SHM;
			snprintf(o->name, sizeof(o->name), "/%s", de->d_name);
			ipcinfo_shm_read(o, dirfd(d), de->d_name, &st);
		}
	}
	closedir(d);
	return 0;
}
