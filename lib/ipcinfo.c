/* The IPC inventory: gather every object and the processes using it. */
#include "ipcinfo.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/resource.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "objref.h"

#define IPCINFO_MQUEUE_DIR "/dev/mqueue"
#define IPCINFO_SHM_DIR "/dev/shm"
#define IPCINFO_RING_MAGIC "IPCTRING"
#define IPCINFO_MQUEUE_MAGIC 0x19800202 /* statfs f_type of an mqueue mount */

/* Linux wants the caller to define this for semctl(2). */
union ipcinfo_semun {
	int val;
	struct semid_ds *buf;
	unsigned short *array;
};

static struct ipcinfo_obj *ipcinfo_new(struct ipcinfo_list *list)
{
	struct ipcinfo_obj *o;

	if (list->n == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 64;
		struct ipcinfo_obj *v = realloc(list->v, cap * sizeof(*v));

		if (!v)
			return NULL;
		list->v = v;
		list->cap = cap;
	}
	o = &list->v[list->n++];
	memset(o, 0, sizeof(*o));
	return o;
}

static bool ipcinfo_pid_alive(pid_t pid)
{
	return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

static void ipcinfo_set_stat(struct ipcinfo_obj *o, const struct stat *st)
{
	o->uid = st->st_uid;
	o->gid = st->st_gid;
	o->mode = st->st_mode & 07777;
	o->mtime = st->st_mtime;
	o->ctime = st->st_ctime;
	o->dev = st->st_dev;
	o->ino = st->st_ino;
	o->has |= IPCINFO_HAS_OWNER | IPCINFO_HAS_MTIME | IPCINFO_HAS_CTIME;
}

const char *ipcinfo_kind_name(enum ipcinfo_kind kind)
{
	static const char *const names[] = { "mq", "shm", "sem", "ring", "socket" };

	return (size_t)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

const char *ipcinfo_api_name(enum ipcinfo_api api)
{
	static const char *const names[] = { "posix", "sysv", "unix" };

	return (size_t)api < sizeof(names) / sizeof(names[0]) ? names[api] : "?";
}

void ipcinfo_ref(const struct ipcinfo_obj *o, char *buf, size_t len)
{
	static const char *const schemes[] = { "mq", "shm", "sem", "shm", "unix" };
	const char *scheme = schemes[o->kind];

	int n = snprintf(buf, len, "%s:", scheme);

	if (n < 0 || (size_t)n >= len)
		return;
	if (o->api == IPCINFO_SYSV)
		objref_format_existing(NULL, o->key, o->id, buf + n, len - (size_t)n);
	else
		snprintf(buf + n, len - (size_t)n, "%s", o->name);
}

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

int ipcinfo_get_posix_mq(struct ipcinfo_list *list)
{
	struct statfs sfs;
	struct dirent *de;
	DIR *d;

	if (statfs(IPCINFO_MQUEUE_DIR, &sfs) < 0)
		return -1;
	if (sfs.f_type != IPCINFO_MQUEUE_MAGIC) {
		errno = ENODEV;
		return -1;
	}
	d = opendir(IPCINFO_MQUEUE_DIR);
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

static void ipcinfo_shm_read(struct ipcinfo_obj *o, int dfd, const char *file,
			     const struct stat *st)
{
	char magic[8];
	int fd;

	o->size = (uint64_t)st->st_size;
	o->used = (uint64_t)st->st_blocks * 512;
	o->has |= IPCINFO_HAS_SIZE | IPCINFO_HAS_USED;
	if (st->st_size < (off_t)sizeof(magic))
		return;
	fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (fd < 0)
		return;
	if (pread(fd, magic, sizeof(magic), 0) == (ssize_t)sizeof(magic) &&
	    memcmp(magic, IPCINFO_RING_MAGIC, sizeof(magic)) == 0)
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
	fd = openat(dfd, file, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
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

/* System V: /proc/sysvipc/{msg,shm,sem}, one line per object after a header */

static FILE *ipcinfo_open_sysvipc(const char *what, char **line, size_t *cap)
{
	char path[64];
	FILE *f;

	snprintf(path, sizeof(path), "/proc/sysvipc/%s", what);
	f = fopen(path, "re");
	if (!f)
		return NULL;
	/* Skip the header. */
	if (getline(line, cap, f) < 0) {
		fclose(f);
		errno = EIO;
		return NULL;
	}
	return f;
}

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

int ipcinfo_get_sysv_msg(struct ipcinfo_list *list)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = ipcinfo_open_sysvipc("msg", &line, &cap);

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		int key, id, lspid, lrpid;
		unsigned mode, uid, gid, cuid, cgid;
		unsigned long long cbytes, qnum;
		long long stime, rtime, ctime;
		struct ipcinfo_obj *o;
		struct msqid_ds ds;

		if (sscanf(line, "%d %d %o %llu %llu %d %d %u %u %u %u %lld %lld %lld", &key, &id,
			   &mode, &cbytes, &qnum, &lspid, &lrpid, &uid, &gid, &cuid, &cgid, &stime,
			   &rtime, &ctime) != 14)
			continue;
		o = ipcinfo_new(list);
		if (!o)
			goto nomem;
		o->kind = IPCINFO_MQ;
		ipcinfo_sysv_owner(o, key, id, mode, uid, gid, cuid, cgid);
		o->used = cbytes;
		o->msgs = qnum;
		o->lpid = stime >= rtime ? lspid : lrpid;
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
	}
	free(line);
	fclose(f);
	return 0;
nomem:
	free(line);
	fclose(f);
	errno = ENOMEM;
	return -1;
}

int ipcinfo_get_sysv_shm(struct ipcinfo_list *list)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = ipcinfo_open_sysvipc("shm", &line, &cap);

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
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
			continue;
		o = ipcinfo_new(list);
		if (!o) {
			free(line);
			fclose(f);
			errno = ENOMEM;
			return -1;
		}
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
	}
	free(line);
	fclose(f);
	return 0;
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

int ipcinfo_get_sysv_sem(struct ipcinfo_list *list)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f = ipcinfo_open_sysvipc("sem", &line, &cap);

	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		int key, id;
		unsigned mode, uid, gid, cuid, cgid;
		unsigned long long nsems;
		long long otime, ctime;
		struct ipcinfo_obj *o;

		if (sscanf(line, "%d %d %o %llu %u %u %u %u %lld %lld", &key, &id, &mode, &nsems,
			   &uid, &gid, &cuid, &cgid, &otime, &ctime) != 10)
			continue;
		o = ipcinfo_new(list);
		if (!o) {
			free(line);
			fclose(f);
			errno = ENOMEM;
			return -1;
		}
		o->kind = IPCINFO_SEM;
		ipcinfo_sysv_owner(o, key, id, mode, uid, gid, cuid, cgid);
		o->nsems = nsems;
		o->mtime = (time_t)otime;
		o->ctime = (time_t)ctime;
		o->has |= IPCINFO_HAS_NSEMS | IPCINFO_HAS_CTIME;
		if (otime)
			o->has |= IPCINFO_HAS_MTIME;
		ipcinfo_sem_values(o);
	}
	free(line);
	fclose(f);
	return 0;
}

/* UNIX sockets */

int ipcinfo_parse_unix_line(const char *line, struct ipcinfo_obj *o)
{
	unsigned flags, type, state;
	unsigned long inode;
	size_t len;
	int pos = 0;

	memset(o, 0, sizeof(*o));
	if (sscanf(line, "%*s %*x %*x %x %x %x %lu%n", &flags, &type, &state, &inode, &pos) != 4) {
		errno = EINVAL;
		return -1;
	}
	o->kind = IPCINFO_SOCKET;
	o->api = IPCINFO_UNIX;
	o->ino = (ino_t)inode;
	o->socktype = (int)type;
	o->sockstate = (int)state;
	o->listening = (flags & 0x10000) != 0; /* __SO_ACCEPTCON */
	line += pos;
	if (*line == ' ')
		line++;
	len = strcspn(line, "\n");
	if (len >= sizeof(o->name))
		len = sizeof(o->name) - 1;
	memcpy(o->name, line, len);
	o->name[len] = '\0';
	return 0;
}

int ipcinfo_get_unix(struct ipcinfo_list *list)
{
	char *line = NULL;
	size_t cap = 0;
	struct ipcinfo_obj tmp, *o;
	struct stat st;
	FILE *f;

	f = fopen("/proc/net/unix", "re");
	if (!f)
		return -1;
	if (getline(&line, &cap, f) < 0)
		goto out;
	while (getline(&line, &cap, f) > 0) {
		if (ipcinfo_parse_unix_line(line, &tmp) < 0 || !tmp.name[0])
			continue; /* unnamed: socketpair(2) or a client end */
		o = ipcinfo_new(list);
		if (!o) {
			free(line);
			fclose(f);
			errno = ENOMEM;
			return -1;
		}
		*o = tmp;
		if (o->name[0] == '/' && lstat(o->name, &st) == 0 && S_ISSOCK(st.st_mode)) {
			ino_t ino = o->ino;

			ipcinfo_set_stat(o, &st);
			o->ino = ino; /* keep the socket's inode, not the file's */
		}
	}
out:
	free(line);
	fclose(f);
	return 0;
}

/* Processes: one walk of /proc */

/* What a /proc entry can point at: a file (dev, ino), a shmid or a socket. */
enum { IPCINFO_SPACE_FILE, IPCINFO_SPACE_SYSV_SHM, IPCINFO_SPACE_SOCKET };

struct ipcinfo_hash {
	size_t mask;
	size_t *slot;	/* object index + 1; 0 is empty */
};

static size_t ipcinfo_hash_of(int space, dev_t dev, uint64_t ino)
{
	uint64_t h = ino * 0x9e3779b97f4a7c15ull ^ ((uint64_t)dev << 7) ^ (uint64_t)space;

	return (size_t)(h ^ (h >> 29));
}

static int ipcinfo_space(const struct ipcinfo_obj *o)
{
	if (o->kind == IPCINFO_SOCKET)
		return IPCINFO_SPACE_SOCKET;
	if (o->api == IPCINFO_SYSV)
		return (o->kind == IPCINFO_SHM || o->kind == IPCINFO_RING) ? IPCINFO_SPACE_SYSV_SHM
									  : -1;
	return IPCINFO_SPACE_FILE;
}

static uint64_t ipcinfo_obj_ino(const struct ipcinfo_obj *o)
{
	return o->api == IPCINFO_SYSV ? (uint64_t)o->id : (uint64_t)o->ino;
}

static dev_t ipcinfo_obj_dev(const struct ipcinfo_obj *o)
{
	return o->api == IPCINFO_POSIX ? o->dev : 0;
}

static int ipcinfo_hash_build(struct ipcinfo_hash *h, const struct ipcinfo_list *list)
{
	size_t size = 64, i;

	while (size < list->n * 2)
		size *= 2;
	h->slot = calloc(size, sizeof(*h->slot));
	if (!h->slot)
		return -1;
	h->mask = size - 1;
	for (i = 0; i < list->n; i++) {
		const struct ipcinfo_obj *o = &list->v[i];
		int space = ipcinfo_space(o);
		size_t s;

		if (space < 0 || (space == IPCINFO_SPACE_FILE && !(o->has & IPCINFO_HAS_OWNER)))
			continue;
		s = ipcinfo_hash_of(space, ipcinfo_obj_dev(o), ipcinfo_obj_ino(o)) & h->mask;
		while (h->slot[s])
			s = (s + 1) & h->mask;
		h->slot[s] = i + 1;
	}
	return 0;
}

static struct ipcinfo_obj *ipcinfo_hash_find(const struct ipcinfo_hash *h,
					     struct ipcinfo_list *list, int space, dev_t dev,
					     uint64_t ino)
{
	size_t s = ipcinfo_hash_of(space, dev, ino) & h->mask;

	for (; h->slot[s]; s = (s + 1) & h->mask) {
		struct ipcinfo_obj *o = &list->v[h->slot[s] - 1];

		if (ipcinfo_space(o) == space && ipcinfo_obj_ino(o) == ino &&
		    ipcinfo_obj_dev(o) == dev)
			return o;
	}
	return NULL;
}

static int ipcinfo_add_pid(struct ipcinfo_obj *o, pid_t pid)
{
	if (o->npids && o->pids[o->npids - 1] == pid)
		return 0;
	if (o->npids == o->pids_cap) {
		size_t cap = o->pids_cap ? o->pids_cap * 2 : 4;
		pid_t *p = realloc(o->pids, cap * sizeof(*p));

		if (!p)
			return -1;
		o->pids = p;
		o->pids_cap = cap;
	}
	o->pids[o->npids++] = pid;
	return 0;
}

int ipcinfo_parse_maps_line(const char *line, unsigned long *start, dev_t *dev, ino_t *ino,
			    bool *sysv)
{
	unsigned long end, off, inode;
	unsigned maj, min;
	char perms[8];
	int pos = 0;

	if (sscanf(line, "%lx-%lx %7s %lx %x:%x %lu%n", start, &end, perms, &off, &maj, &min,
		   &inode, &pos) != 7 ||
	    strlen(perms) < 4 || perms[3] != 's' || inode == 0)
		return -1;
	line += pos;
	while (*line == ' ')
		line++;
	*sysv = strncmp(line, "/SYSV", 5) == 0;
	*dev = makedev(maj, min);
	*ino = (ino_t)inode;
	return 0;
}

/* Remember a process that uses something: its name and owner, once. */
static int ipcinfo_proc_note(struct ipcinfo_list *list, int procfd, pid_t pid,
			     const char *pidname, bool *noted)
{
	struct ipcinfo_proc *p, *v;
	struct stat st;
	char path[32];
	ssize_t len;
	int fd;

	if (*noted)
		return 0;
	*noted = true;
	v = realloc(list->procs, (list->nprocs + 1) * sizeof(*v));
	if (!v)
		return -1;
	list->procs = v;
	p = &v[list->nprocs++];
	memset(p, 0, sizeof(*p));
	p->pid = pid;
	if (fstatat(procfd, pidname, &st, 0) == 0)
		p->uid = st.st_uid;
	snprintf(path, sizeof(path), "%d/comm", (int)pid);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		len = read(fd, p->comm, sizeof(p->comm) - 1);
		if (len > 0) {
			p->comm[len] = '\0';
			p->comm[strcspn(p->comm, "\n")] = '\0';
		}
		close(fd);
	}
	return 0;
}

struct ipcinfo_scan {
	struct ipcinfo_list *list;
	struct ipcinfo_hash hash;
	int procfd;
	char *buf;
	size_t cap;
	bool want_maps, want_fds, want_sockets;
};

static int ipcinfo_use(struct ipcinfo_scan *sc, struct ipcinfo_obj *o, pid_t pid,
		       const char *pidname, bool *noted)
{
	if (ipcinfo_add_pid(o, pid) < 0)
		return -1;
	return ipcinfo_proc_note(sc->list, sc->procfd, pid, pidname, noted);
}

/* Read a whole /proc file into sc->buf. */
static ssize_t ipcinfo_slurp(struct ipcinfo_scan *sc, const char *path)
{
	size_t len = 0;
	ssize_t n;
	int fd = openat(sc->procfd, path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		if (sc->cap - len < 4096) {
			size_t cap = sc->cap ? sc->cap * 2 : 65536;
			char *b = realloc(sc->buf, cap);

			if (!b) {
				close(fd);
				return -1;
			}
			sc->buf = b;
			sc->cap = cap;
		}
		n = read(fd, sc->buf + len, sc->cap - len - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	sc->buf[len] = '\0';
	return (ssize_t)len;
}

static int ipcinfo_scan_maps(struct ipcinfo_scan *sc, pid_t pid, const char *pidname,
			     bool *noted)
{
	char path[32];
	char *line, *next;

	snprintf(path, sizeof(path), "%d/maps", (int)pid);
	if (ipcinfo_slurp(sc, path) < 0)
		return 0;
	for (line = sc->buf; *line; line = next) {
		unsigned long start;
		struct ipcinfo_obj *o;
		dev_t dev;
		ino_t ino;
		bool sysv;

		next = strchr(line, '\n');
		next = next ? next + 1 : line + strlen(line);
		if (ipcinfo_parse_maps_line(line, &start, &dev, &ino, &sysv) < 0)
			continue;
		if (sysv)
			o = ipcinfo_hash_find(&sc->hash, sc->list, IPCINFO_SPACE_SYSV_SHM, 0, ino);
		else
			o = ipcinfo_hash_find(&sc->hash, sc->list, IPCINFO_SPACE_FILE, dev, ino);
		if (!o)
			continue;
		if (sysv && !o->map_pid) {
			o->map_pid = pid;
			o->map_addr = start;
		}
		if (ipcinfo_use(sc, o, pid, pidname, noted) < 0)
			return -1;
	}
	return 0;
}

static int ipcinfo_scan_fds(struct ipcinfo_scan *sc, pid_t pid, const char *pidname,
			    bool *noted)
{
	char path[32], link[PATH_MAX];
	struct dirent *de;
	int dfd;
	DIR *d;

	snprintf(path, sizeof(path), "%d/fd", (int)pid);
	dfd = openat(sc->procfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return 0;
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return 0;
	}
	while ((de = readdir(d))) {
		struct ipcinfo_obj *o = NULL;
		struct stat st;
		ssize_t len;

		if (de->d_name[0] == '.')
			continue;
		len = readlinkat(dfd, de->d_name, link, sizeof(link) - 1);
		if (len <= 0)
			continue;
		link[len] = '\0';
		if (sc->want_sockets && strncmp(link, "socket:[", 8) == 0) {
			o = ipcinfo_hash_find(&sc->hash, sc->list, IPCINFO_SPACE_SOCKET, 0,
					      strtoull(link + 8, NULL, 10));
		} else if (link[0] == '/' &&
			   (strncmp(link, "/dev/shm/", 9) == 0 || !strchr(link + 1, '/'))) {
			/* /dev/shm files, and queues, whose links read "/NAME". */
			if (fstatat(dfd, de->d_name, &st, 0) == 0)
				o = ipcinfo_hash_find(&sc->hash, sc->list, IPCINFO_SPACE_FILE,
						      st.st_dev, st.st_ino);
		}
		if (o && ipcinfo_use(sc, o, pid, pidname, noted) < 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

static int ipcinfo_pid_cmp(const void *a, const void *b)
{
	pid_t x = *(const pid_t *)a, y = *(const pid_t *)b;

	return (x > y) - (x < y);
}

static int ipcinfo_proc_cmp(const void *a, const void *b)
{
	return ipcinfo_pid_cmp(&((const struct ipcinfo_proc *)a)->pid,
			       &((const struct ipcinfo_proc *)b)->pid);
}

static const struct ipcinfo_proc *ipcinfo_proc_find(const struct ipcinfo_list *list, pid_t pid)
{
	const struct ipcinfo_proc key = { .pid = pid };

	if (!list->nprocs)
		return NULL;
	return bsearch(&key, list->procs, list->nprocs, sizeof(key), ipcinfo_proc_cmp);
}

int ipcinfo_procs(struct ipcinfo_list *list)
{
	struct ipcinfo_scan sc;
	struct dirent *de;
	size_t i;
	DIR *d;
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	sc.list = list;
	for (i = 0; i < list->n; i++) {
		const struct ipcinfo_obj *o = &list->v[i];

		if (o->kind == IPCINFO_SOCKET)
			sc.want_sockets = sc.want_fds = true;
		else if (o->kind == IPCINFO_MQ && o->api == IPCINFO_POSIX)
			sc.want_fds = true;
		else if (o->api == IPCINFO_POSIX || o->kind == IPCINFO_SHM ||
			 o->kind == IPCINFO_RING)
			sc.want_maps = sc.want_fds = true;
	}
	if (ipcinfo_hash_build(&sc.hash, list) < 0)
		return -1;
	/* System V queues and semaphores leave no trace in /proc. */
	d = sc.want_maps || sc.want_fds ? opendir("/proc") : NULL;
	if (!d && !sc.want_maps && !sc.want_fds)
		goto done;
	if (!d) {
		free(sc.hash.slot);
		return -1;
	}
	sc.procfd = dirfd(d);
	while (rc == 0 && (de = readdir(d))) {
		bool noted = false;
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end || pid <= 0)
			continue;
		if (sc.want_maps)
			rc = ipcinfo_scan_maps(&sc, (pid_t)pid, de->d_name, &noted);
		if (rc == 0 && sc.want_fds)
			rc = ipcinfo_scan_fds(&sc, (pid_t)pid, de->d_name, &noted);
	}
	closedir(d);
done:
	free(sc.hash.slot);
	free(sc.buf);
	if (rc < 0) {
		errno = ENOMEM;
		return -1;
	}
	if (list->nprocs > 1)
		qsort(list->procs, list->nprocs, sizeof(*list->procs), ipcinfo_proc_cmp);
	for (i = 0; i < list->n; i++) {
		struct ipcinfo_obj *o = &list->v[i];

		if (o->npids > 1)
			qsort(o->pids, o->npids, sizeof(*o->pids), ipcinfo_pid_cmp);
		o->has |= IPCINFO_HAS_PROCS;
		if (o->api != IPCINFO_SYSV) {
			o->attach = o->npids;
			o->has |= IPCINFO_HAS_ATTACH;
		}
		if (o->kind == IPCINFO_SOCKET && !(o->has & IPCINFO_HAS_OWNER) && o->npids) {
			/* An abstract socket has no file: its owner is its process's. */
			const struct ipcinfo_proc *p = ipcinfo_proc_find(list, o->pids[0]);

			if (p)
				o->uid = p->uid;
		}
	}
	return 0;
}

bool ipcinfo_file_in_use(dev_t dev, ino_t ino)
{
	struct dirent *de, *fde;
	struct stat st;
	bool used = false;
	char path[32];
	DIR *d, *fd;

	d = opendir("/proc");
	if (!d)
		return false;
	while (!used && (de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%.16s/fd", de->d_name);
		fd = opendir(path);
		if (!fd)
			continue;
		while (!used && (fde = readdir(fd)))
			used = fde->d_name[0] != '.' &&
			       fstatat(dirfd(fd), fde->d_name, &st, 0) == 0 && st.st_dev == dev &&
			       st.st_ino == ino;
		closedir(fd);
	}
	closedir(d);
	return used;
}

const char *ipcinfo_comm(const struct ipcinfo_list *list, pid_t pid)
{
	const struct ipcinfo_proc *p = ipcinfo_proc_find(list, pid);

	return p && p->comm[0] ? p->comm : NULL;
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
	char magic[8];
	size_t i;

	for (i = 0; i < list->n; i++) {
		struct ipcinfo_obj *o = &list->v[i];
		bool ok = false;

		if (o->kind != IPCINFO_SHM || o->api != IPCINFO_SYSV || o->size < sizeof(magic) ||
		    (o->mode & SHM_DEST))
			continue;
		if (o->map_pid)
			ok = ipcinfo_peek_mem(o->map_pid, o->map_addr, magic, sizeof(magic));
		if (ok && memcmp(magic, IPCINFO_RING_MAGIC, sizeof(magic)) == 0)
			o->kind = IPCINFO_RING;
	}
}

bool ipcinfo_in_use(const struct ipcinfo_obj *o)
{
	if (o->npids || o->recent_alive)
		return true;
	if (o->api == IPCINFO_SYSV && (o->kind == IPCINFO_SHM || o->kind == IPCINFO_RING))
		return o->attach > 0;
	if (o->kind == IPCINFO_MQ && o->api == IPCINFO_POSIX)
		return ipcinfo_pid_alive(o->notify_pid);
	return false;
}

void ipcinfo_free(struct ipcinfo_list *list)
{
	size_t i;

	for (i = 0; i < list->n; i++)
		free(list->v[i].pids);
	free(list->v);
	free(list->procs);
	memset(list, 0, sizeof(*list));
}

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
