/* The kernel limits of IPC objects and their current use (ls --limits). */
#include "ipcinfo_impl.h"

/* Limits */

static bool ipcinfo_read_u64s(const char *path, uint64_t *v, size_t n)
{
	char buf[128], *p = buf, *end;
	size_t i;
	ssize_t len;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	len = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (len <= 0)
		return false;
	buf[len] = '\0';
	for (i = 0; i < n; i++) {
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (end == p || errno)
			return false;
		p = end;
	}
	return true;
}

/* The bytes RLIMIT_MSGQUEUE charges for a queue (ipc/mqueue.c, 64-bit). */
static uint64_t ipcinfo_mq_charge(const struct ipcinfo_obj *o)
{
	uint64_t tree = o->maxmsg * sizeof(void *) + (o->maxmsg < 32768 ? o->maxmsg : 32768) * 48;

	return tree + o->maxmsg * o->msgsize;
}

struct ipcinfo_limit_src {
	const char *resource, *description, *path;
	int index;	/* in a multi-value file (kernel/sem) */
	bool bytes;
};

size_t ipcinfo_get_limits(const struct ipcinfo_list *list, struct ipcinfo_limit *rows,
			  size_t max)
{
	static const struct ipcinfo_limit_src src[] = {
		{ "MSGMNI", "System V message queues", "/proc/sys/kernel/msgmni", 0, false },
		{ "MSGMAX", "System V message size", "/proc/sys/kernel/msgmax", 0, true },
		{ "MSGMNB", "System V default queue size", "/proc/sys/kernel/msgmnb", 0, true },
		{ "SHMMNI", "System V shared memory segments", "/proc/sys/kernel/shmmni", 0, false },
		{ "SHMMAX", "System V segment size", "/proc/sys/kernel/shmmax", 0, true },
		{ "SHMALL", "System V shared memory in total (pages)", "/proc/sys/kernel/shmall", 0,
		  false },
		{ "SEMMSL", "System V semaphores per set", "/proc/sys/kernel/sem", 0, false },
		{ "SEMMNS", "System V semaphores in total", "/proc/sys/kernel/sem", 1, false },
		{ "SEMOPM", "System V operations per semop call", "/proc/sys/kernel/sem", 2, false },
		{ "SEMMNI", "System V semaphore sets", "/proc/sys/kernel/sem", 3, false },
		{ "QUEUES_MAX", "POSIX message queues", "/proc/sys/fs/mqueue/queues_max", 0, false },
		{ "MSG_MAX", "POSIX messages per queue", "/proc/sys/fs/mqueue/msg_max", 0, false },
		{ "MSGSIZE_MAX", "POSIX message size", "/proc/sys/fs/mqueue/msgsize_max", 0, true },
	};
	uint64_t n_msg = 0, n_shm = 0, n_sem = 0, n_mq = 0, sem_total = 0, shm_pages = 0;
	uint64_t max_shm = 0, max_nsems = 0, max_maxmsg = 0, max_msgsize = 0, mq_bytes = 0;
	uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	struct statvfs sv;
	size_t i, n = 0;

	for (i = 0; i < list->n; i++) {
		const struct ipcinfo_obj *o = &list->v[i];
		bool shm = o->kind == IPCINFO_SHM || o->kind == IPCINFO_RING;

		if (o->api == IPCINFO_SYSV && o->kind == IPCINFO_MQ) {
			n_msg++;
		} else if (o->api == IPCINFO_SYSV && shm) {
			n_shm++;
			shm_pages += (o->size + page - 1) / page;
			if (o->size > max_shm)
				max_shm = o->size;
		} else if (o->api == IPCINFO_SYSV && o->kind == IPCINFO_SEM) {
			n_sem++;
			sem_total += o->nsems;
			if (o->nsems > max_nsems)
				max_nsems = o->nsems;
		} else if (o->api == IPCINFO_POSIX && o->kind == IPCINFO_MQ) {
			n_mq++;
			if (o->maxmsg > max_maxmsg)
				max_maxmsg = o->maxmsg;
			if (o->msgsize > max_msgsize)
				max_msgsize = o->msgsize;
			if (o->uid == getuid())
				mq_bytes += ipcinfo_mq_charge(o);
		}
	}
	for (i = 0; i < sizeof(src) / sizeof(src[0]) && n < max; i++) {
		struct ipcinfo_limit *r = &rows[n++];
		uint64_t v[4];

		memset(r, 0, sizeof(*r));
		r->resource = src[i].resource;
		r->description = src[i].description;
		r->bytes = src[i].bytes;
		if (ipcinfo_read_u64s(src[i].path, v, (size_t)src[i].index + 1)) {
			r->limit = v[src[i].index];
			r->has_limit = true;
		}
		r->has_used = true;
		switch (i) {
		case 0: r->used = n_msg; break;
		case 3: r->used = n_shm; break;
		case 4: r->used = max_shm; break;
		case 5: r->used = shm_pages; break;
		case 6: r->used = max_nsems; break;
		case 7: r->used = sem_total; break;
		case 9: r->used = n_sem; break;
		case 10: r->used = n_mq; break;
		case 11: r->used = max_maxmsg; break;
		case 12: r->used = max_msgsize; break;
		default: r->has_used = false; break;
		}
	}
	if (n < max) {
		struct ipcinfo_limit *r = &rows[n++];

		memset(r, 0, sizeof(*r));
		r->resource = "MSGQUEUE";
		r->description = "POSIX queue bytes of this user (RLIMIT_MSGQUEUE)";
		r->bytes = true;
		r->used = mq_bytes;
		r->has_used = true;
		if (getrlimit(RLIMIT_MSGQUEUE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
			r->limit = rl.rlim_cur;
			r->has_limit = true;
		}
	}
	if (n < max && statvfs(IPCINFO_SHM_DIR, &sv) == 0) {
		struct ipcinfo_limit *r = &rows[n++];

		memset(r, 0, sizeof(*r));
		r->resource = "SHM_SPACE";
		r->description = "space in " IPCINFO_SHM_DIR;
		r->bytes = true;
		r->limit = (uint64_t)sv.f_blocks * sv.f_frsize;
		r->used = (uint64_t)(sv.f_blocks - sv.f_bfree) * sv.f_frsize;
		r->has_limit = r->has_used = true;
	}
	return n;
}
