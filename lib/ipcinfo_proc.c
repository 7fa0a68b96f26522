/* One walk of /proc: which processes map or hold open each gathered object. */
#include "ipcinfo_impl.h"

#include <sys/syscall.h>

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

/* Processes asleep without a descriptor: msgsnd/msgrcv and open() of a FIFO */

static ssize_t ipcinfo_read_small(int dirfd, const char *path, char *buf, size_t len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/* The NUL-terminated string at addr in the process's memory. */
static bool ipcinfo_read_string(int procfd, const char *pidname, unsigned long addr, char *buf,
				size_t len)
{
	char path[32];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "%s/mem", pidname);
	fd = openat(procfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = pread(fd, buf, len - 1, (off_t)addr);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	return strlen(buf) < (size_t)n;
}

/* The FIFO an open(2) names: path relative to the process's cwd, dirfd or root. */
static bool ipcinfo_open_target(int procfd, const char *pidname, long dirfd, unsigned long addr,
				struct ipcinfo_file *f)
{
	char name[PATH_MAX], path[PATH_MAX + 64];
	struct stat st;

	if (!ipcinfo_read_string(procfd, pidname, addr, name, sizeof(name)))
		return false;
	if (name[0] == '/')
		snprintf(path, sizeof(path), "%s/root%s", pidname, name);
	else if (dirfd == AT_FDCWD)
		snprintf(path, sizeof(path), "%s/cwd/%s", pidname, name);
	else
		snprintf(path, sizeof(path), "%s/fd/%ld/%s", pidname, dirfd, name);
	if (fstatat(procfd, path, &st, 0) < 0)
		return false;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	return true;
}

/* One task ("PID/task/TID") asleep in msgsnd/msgrcv or in open(2) of a FIFO. */
static int ipcinfo_note_wait(struct ipcinfo_list *list, int procfd, const char *pidname,
			     const char *task)
{
	char path[96], sys[256], wchan[64];
	unsigned long a[3] = { 0 };
	struct ipcinfo_file f = { 0 };
	bool known_wchan, msg_wchan, fifo_wchan, opening = false, named = false;
	long nr;

	snprintf(path, sizeof(path), "%s/wchan", task);
	if (ipcinfo_read_small(procfd, path, wchan, sizeof(wchan)) < 0)
		wchan[0] = '\0';
	/* "0" or nothing: the kernel does not say where the task sleeps. */
	known_wchan = wchan[0] && strcmp(wchan, "0") != 0;
	msg_wchan = strstr(wchan, "msgrcv") || strstr(wchan, "msgsnd");
	fifo_wchan = strstr(wchan, "fifo_open") || strstr(wchan, "wait_for_partner");
	snprintf(path, sizeof(path), "%s/syscall", task);
	if (ipcinfo_read_small(procfd, path, sys, sizeof(sys)) < 0 ||
	    sscanf(sys, "%ld %lx %lx %lx", &nr, &a[0], &a[1], &a[2]) < 1)
		nr = -1;
#ifdef SYS_msgrcv
	if (nr == SYS_msgrcv || nr == SYS_msgsnd) {
		int *v = realloc(list->msg_waits, (list->nmsg_waits + 1) * sizeof(*v));

		if (!v)
			return -1;
		list->msg_waits = v;
		v[list->nmsg_waits++] = (int)a[0];
		return 0;
	}
#endif
	if (msg_wchan)
		list->msg_wait_unknown = true;
#ifdef SYS_open
	if (nr == SYS_open) {
		opening = true;
		named = ipcinfo_open_target(procfd, pidname, AT_FDCWD, a[0], &f);
	}
#endif
#ifdef SYS_openat2
	opening = opening || nr == SYS_openat2;
#endif
	if (nr == SYS_openat || opening) {
		opening = true;
		named = named || ipcinfo_open_target(procfd, pidname, (int)a[0], a[1], &f);
	}
	if (named) {
		struct ipcinfo_file *v = realloc(list->fifo_opens,
						 (list->nfifo_opens + 1) * sizeof(*v));

		if (!v)
			return -1;
		list->fifo_opens = v;
		v[list->nfifo_opens++] = f;
	} else if (fifo_wchan || (opening && !known_wchan)) {
		/* Asleep opening something we cannot name: perhaps a FIFO. */
		list->fifo_open_unknown = true;
	}
	return 0;
}

int ipcinfo_get_waits(struct ipcinfo_list *list)
{
	struct dirent *de, *te;
	pid_t self = getpid();
	char task[64];
	int rc = 0, tfd;
	DIR *d, *td;

	d = opendir("/proc");
	if (!d)
		return -1;
	while (rc == 0 && (de = readdir(d))) {
		char *end;
		long pid = strtol(de->d_name, &end, 10);

		if (!isdigit((unsigned char)de->d_name[0]) || *end || pid <= 0 || pid == self)
			continue;
		/* Every thread: one may sleep in msgrcv while another runs. */
		snprintf(task, sizeof(task), "%ld/task", pid);
		tfd = openat(dirfd(d), task, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		td = tfd >= 0 ? fdopendir(tfd) : NULL;
		if (!td) {
			if (tfd >= 0)
				close(tfd);
			continue;
		}
		while (rc == 0 && (te = readdir(td))) {
			if (!isdigit((unsigned char)te->d_name[0]))
				continue;
			snprintf(task, sizeof(task), "%ld/task/%.20s", pid, te->d_name);
			rc = ipcinfo_note_wait(list, dirfd(d), de->d_name, task);
		}
		closedir(td);
	}
	closedir(d);
	if (rc < 0) {
		errno = ENOMEM;
		return -1;
	}
	list->waits_read = true;
	return 0;
}
