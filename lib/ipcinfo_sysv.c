/* The System V sources of the inventory: /proc/sysvipc/{msg,shm,sem}, and rings in segments. */
#include "ipcinfo_impl.h"
#include "ring.h"

/* System V: /proc/sysvipc/{msg,shm,sem}, one line per object after a header */

static void ipcinfo_sysv_owner(struct ipcinfo_obj *o, int key, int id, unsigned mode,
			       unsigned uid, unsigned gid, unsigned cuid, unsigned cgid)
{
	o->api = IPCINFO_SYSV;
	o->key = (key_t)key;
	o->id = id;
	o->mode = mode & 0777;
	o->uid = uid;
	o->gid = gid;
	o->cuid = cuid;
	o->cgid = cgid;
	o->has |= IPCINFO_HAS_OWNER | IPCINFO_HAS_CREATOR;
}

static int ipcinfo_add_sysv_msg(struct ipcinfo_list *list, const char *line)
{
	int key, id, lspid, lrpid;
	unsigned mode, uid, gid, cuid, cgid;
	unsigned long long cbytes, qnum;
	long long stime, rtime, ctime;
	struct ipcinfo_obj *o;
	struct msqid_ds ds;

	if (sscanf(line, "%d %d %o %llu %llu %d %d %u %u %u %u %lld %lld %lld", &key, &id,
		   &mode, &cbytes, &qnum, &lspid, &lrpid, &uid, &gid, &cuid, &cgid, &stime,
		   &rtime, &ctime) != 14)
		return 0;
	o = ipcinfo_new(list);
	if (!o)
		return -1;
	o->kind = IPCINFO_MQ;
	ipcinfo_sysv_owner(o, key, id, mode, uid, gid, cuid, cgid);
	o->used = cbytes;
	o->msgs = qnum;
	o->lspid = lspid;
	o->lrpid = lrpid;
	o->stime = (time_t)stime;
	o->rtime = (time_t)rtime;
	/*
	 * Times have one-second steps: on a tie, an empty queue was last
	 * received from (a send leaves a message); else the sender is a guess.
	 */
	o->lpid = stime > rtime || (stime == rtime && qnum > 0) ? lspid : lrpid;
	o->recent_alive = ipcinfo_pid_alive(lspid) || ipcinfo_pid_alive(lrpid);
	o->mtime = (time_t)(stime > rtime ? stime : rtime);
	o->ctime = (time_t)ctime;
	o->has |= IPCINFO_HAS_USED | IPCINFO_HAS_MSGS | IPCINFO_HAS_CTIME;
	if (o->lpid)
		o->has |= IPCINFO_HAS_LPID;
	if (o->mtime)
		o->has |= IPCINFO_HAS_MTIME;
	/* The queue's byte limit is only in IPC_STAT (read permission). */
	if (msgctl(id, IPC_STAT, &ds) == 0) {
		o->size = ds.msg_qbytes;
		o->has |= IPCINFO_HAS_SIZE;
	}
	return 0;
}

int ipcinfo_get_sysv_msg(struct ipcinfo_list *list)
{
	return ipcinfo_read_table("/proc/sysvipc/msg", list, ipcinfo_add_sysv_msg);
}

static int ipcinfo_add_sysv_shm(struct ipcinfo_list *list, const char *line)
{
	int key, id, cpid, lpid;
	unsigned mode, uid, gid, cuid, cgid;
	unsigned long long size, nattch, rss = 0, swap = 0;
	long long atime, dtime, ctime;
	struct ipcinfo_obj *o;
	int n;

	n = sscanf(line, "%d %d %o %llu %d %d %llu %u %u %u %u %lld %lld %lld %llu %llu",
		   &key, &id, &mode, &size, &cpid, &lpid, &nattch, &uid, &gid, &cuid,
		   &cgid, &atime, &dtime, &ctime, &rss, &swap);
	if (n < 14)
		return 0;
	o = ipcinfo_new(list);
	if (!o)
		return -1;
	o->kind = IPCINFO_SHM;
	ipcinfo_sysv_owner(o, key, id, mode, uid, gid, cuid, cgid);
	o->size = size;
	o->attach = nattch;
	o->cpid = cpid;
	o->lpid = lpid;
	o->atime = (time_t)atime;
	o->dtime = (time_t)dtime;
	o->ctime = (time_t)ctime;
	o->mtime = (time_t)(atime > dtime ? atime : dtime);
	o->has |= IPCINFO_HAS_SIZE | IPCINFO_HAS_ATTACH | IPCINFO_HAS_CPID |
		  IPCINFO_HAS_CTIME;
	if (lpid)
		o->has |= IPCINFO_HAS_LPID;
	if (o->mtime)
		o->has |= IPCINFO_HAS_MTIME;
	if (n == 16) {
		o->rss = rss;
		o->swap = swap;
		o->used = rss;
		o->has |= IPCINFO_HAS_RSS | IPCINFO_HAS_USED;
	}
	o->mode = mode & (0777 | SHM_DEST | SHM_LOCKED);
	return 0;
}

int ipcinfo_get_sysv_shm(struct ipcinfo_list *list)
{
	return ipcinfo_read_table("/proc/sysvipc/shm", list, ipcinfo_add_sysv_shm);
}

/* "1,0,2" for a set, shortened with "..." when it does not fit. */
static void ipcinfo_sem_values(struct ipcinfo_obj *o)
{
	union ipcinfo_semun arg;
	unsigned short *vals;
	size_t i, len = 0;

	vals = calloc(o->nsems ? o->nsems : 1, sizeof(*vals));
	if (!vals)
		return;
	arg.array = vals;
	if (semctl(o->id, 0, GETALL, arg) == 0) {
		for (i = 0; i < o->nsems; i++) {
			int n = snprintf(o->value + len, sizeof(o->value) - len, "%s%u",
					 i ? "," : "", vals[i]);

			if (n < 0 || (size_t)n >= sizeof(o->value) - len - 4) {
				strcpy(o->value + len, ",...");
				break;
			}
			len += (size_t)n;
		}
		o->has |= IPCINFO_HAS_VALUE;
	}
	free(vals);
	/* Processes asleep in semop use the set, whoever operated on it last. */
	o->has |= IPCINFO_HAS_WAITERS;
	for (i = 0; i < o->nsems; i++) {
		int ncnt = semctl(o->id, (int)i, GETNCNT), zcnt = semctl(o->id, (int)i, GETZCNT);

		if (ncnt < 0 || zcnt < 0) {
			o->has &= ~(unsigned)IPCINFO_HAS_WAITERS;
			break;
		}
		o->waiters += (uint64_t)ncnt + (uint64_t)zcnt;
	}
	/* The last semop of any member; alive means the set is in use. */
	for (i = 0; i < o->nsems; i++) {
		int pid = semctl(o->id, (int)i, GETPID);

		if (pid > 0 && i == 0) {
			o->lpid = pid;
			o->has |= IPCINFO_HAS_LPID;
		}
		if (ipcinfo_pid_alive(pid)) {
			o->recent_alive = true;
			break;
		}
	}
}

int ipcinfo_get_sem_members(int id, struct ipcinfo_semmember *v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		v[i].value = semctl(id, (int)i, GETVAL);
		v[i].ncnt = semctl(id, (int)i, GETNCNT);
		v[i].zcnt = semctl(id, (int)i, GETZCNT);
		v[i].pid = semctl(id, (int)i, GETPID);
		if (v[i].value < 0 || v[i].ncnt < 0 || v[i].zcnt < 0 || v[i].pid < 0)
			return -1;
	}
	return 0;
}

static int ipcinfo_add_sysv_sem(struct ipcinfo_list *list, const char *line)
{
	int key, id;
	unsigned mode, uid, gid, cuid, cgid;
	unsigned long long nsems;
	long long otime, ctime;
	struct ipcinfo_obj *o;

	if (sscanf(line, "%d %d %o %llu %u %u %u %u %lld %lld", &key, &id, &mode, &nsems,
		   &uid, &gid, &cuid, &cgid, &otime, &ctime) != 10)
		return 0;
	o = ipcinfo_new(list);
	if (!o)
		return -1;
	o->kind = IPCINFO_SEM;
	ipcinfo_sysv_owner(o, key, id, mode, uid, gid, cuid, cgid);
	o->nsems = nsems;
	o->mtime = (time_t)otime;
	o->ctime = (time_t)ctime;
	o->has |= IPCINFO_HAS_NSEMS | IPCINFO_HAS_CTIME;
	if (otime)
		o->has |= IPCINFO_HAS_MTIME;
	ipcinfo_sem_values(o);
	return 0;
}

int ipcinfo_get_sysv_sem(struct ipcinfo_list *list)
{
	return ipcinfo_read_table("/proc/sysvipc/sem", list, ipcinfo_add_sysv_sem);
}

/* Rings in System V segments */

static bool ipcinfo_peek_mem(pid_t pid, unsigned long addr, char *buf, size_t len)
{
	char path[32];
	bool ok;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/mem", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	ok = pread(fd, buf, len, (off_t)addr) == (ssize_t)len;
	close(fd);
	return ok;
}

void ipcinfo_find_sysv_rings(struct ipcinfo_list *list)
{
	_Alignas(64) unsigned char head[RING_DATA_OFFSET];
	size_t i;

	for (i = 0; i < list->n; i++) {
		struct ipcinfo_obj *o = &list->v[i];

		if (o->kind != IPCINFO_SHM || o->api != IPCINFO_SYSV || o->size < sizeof(head) ||
		    (o->mode & SHM_DEST) || !o->map_pid)
			continue;
		if (ipcinfo_peek_mem(o->map_pid, o->map_addr, (char *)head, sizeof(head)) &&
		    ipcinfo_ring_head_ok(head, sizeof(head), o->size))
			o->kind = IPCINFO_RING;
	}
}
