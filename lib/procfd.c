/* Holders of an open file, from /proc. */
#include "procfd.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool procfd_reads(const struct procfd_holder *h)
{
	return (h->flags & O_ACCMODE) != O_WRONLY;
}

bool procfd_writes(const struct procfd_holder *h)
{
	return (h->flags & O_ACCMODE) != O_RDONLY;
}

/* The "flags:" line of /proc/PID/fdinfo/FD (octal), or -1. */
static int procfd_flags(int fdinfo_dir, const char *fd)
{
	char buf[512];
	char *p;
	ssize_t r;
	int f = openat(fdinfo_dir, fd, O_RDONLY | O_CLOEXEC);

	if (f < 0)
		return -1;
	r = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (r <= 0)
		return -1;
	buf[r] = '\0';
	p = strstr(buf, "flags:");
	if (!p)
		return -1;
	return (int)strtol(p + 6, NULL, 8);
}

static void procfd_comm(int piddir, char *comm, size_t len)
{
	ssize_t r;
	int f = openat(piddir, "comm", O_RDONLY | O_CLOEXEC);

	comm[0] = '\0';
	if (f < 0)
		return;
	r = read(f, comm, len - 1);
	close(f);
	if (r <= 0)
		return;
	comm[r] = '\0';
	comm[strcspn(comm, "\n")] = '\0';
}

static int procfd_push(struct procfd_holder **v, size_t *n, size_t *cap,
		       const struct procfd_holder *h)
{
	if (*n == *cap) {
		size_t ncap = *cap ? *cap * 2 : 8;
		struct procfd_holder *nv = realloc(*v, ncap * sizeof(**v));

		if (!nv)
			return -1;
		*v = nv;
		*cap = ncap;
	}
	(*v)[(*n)++] = *h;
	return 0;
}

/* Scan one process; skips what it may not see. */
static int procfd_scan_pid(int proc, const char *pid, dev_t dev, ino_t ino,
			   struct procfd_holder **v, size_t *n, size_t *cap)
{
	struct procfd_holder h;
	struct dirent *de;
	struct stat st;
	int piddir, fddir, infodir;
	DIR *d;
	int rc = 0;

	piddir = openat(proc, pid, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (piddir < 0)
		return 0;
	fddir = openat(piddir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fddir < 0 || !(d = fdopendir(fddir))) {
		if (fddir >= 0)
			close(fddir);
		close(piddir);
		return 0;
	}
	infodir = openat(piddir, "fdinfo", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	memset(&h, 0, sizeof(h));
	h.pid = (pid_t)atoi(pid);
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		/* stat follows the magic link to the open file without opening it. */
		if (fstatat(dirfd(d), de->d_name, &st, 0) < 0 || st.st_dev != dev || st.st_ino != ino)
			continue;
		h.fd = atoi(de->d_name);
		h.flags = infodir >= 0 ? procfd_flags(infodir, de->d_name) : -1;
		if (h.flags < 0)
			h.flags = O_RDWR; /* unknown: assume both */
		if (!h.comm[0])
			procfd_comm(piddir, h.comm, sizeof(h.comm));
		if (procfd_push(v, n, cap, &h) < 0) {
			rc = -1;
			break;
		}
	}
	if (infodir >= 0)
		close(infodir);
	closedir(d);
	close(piddir);
	return rc;
}

static int procfd_cmp(const void *a, const void *b)
{
	const struct procfd_holder *x = a, *y = b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return (x->fd > y->fd) - (x->fd < y->fd);
}

int procfd_holders(dev_t dev, ino_t ino, struct procfd_holder **out, size_t *n)
{
	struct procfd_holder *v = NULL;
	size_t cap = 0;
	struct dirent *de;
	DIR *d;
	int proc;

	*out = NULL;
	*n = 0;
	proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0)
		return -1;
	d = fdopendir(proc);
	if (!d) {
		close(proc);
		return -1;
	}
	while ((de = readdir(d))) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		if (procfd_scan_pid(dirfd(d), de->d_name, dev, ino, &v, n, &cap) < 0) {
			closedir(d);
			free(v);
			*n = 0;
			errno = ENOMEM;
			return -1;
		}
	}
	closedir(d);
	if (*n > 1)
		qsort(v, *n, sizeof(*v), procfd_cmp);
	*out = v;
	return 0;
}

void procfd_format(const struct procfd_holder *h, size_t n, char *buf, size_t len)
{
	size_t i, used = 0;

	if (len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < n; i++) {
		bool r = procfd_reads(&h[i]), w = procfd_writes(&h[i]);
		size_t j;
		int k;

		/* One entry per pid: merge its descriptors' access. */
		if (i > 0 && h[i - 1].pid == h[i].pid)
			continue;
		for (j = i + 1; j < n && h[j].pid == h[i].pid; j++) {
			r |= procfd_reads(&h[j]);
			w |= procfd_writes(&h[j]);
		}
		k = snprintf(buf + used, len - used, "%s%d:%s:%s%s", used ? "," : "",
			     (int)h[i].pid, h[i].comm, r ? "r" : "", w ? "w" : "");
		if (k < 0 || (size_t)k >= len - used) {
			buf[used] = '\0';
			return;
		}
		used += (size_t)k;
	}
}

int procfd_stat(pid_t pid, char *state, unsigned long long *start)
{
	char path[32], buf[1024], *p;
	unsigned long long ticks;
	ssize_t n;
	int fd, field;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	/* The command name may hold spaces and parentheses: fields follow the
	 * last ')'. Field 3 is the state, field 22 the start time. */
	p = strrchr(buf, ')');
	if (!p || p[1] != ' ' || !p[2])
		return -1;
	if (state)
		*state = p[2];
	if (!start)
		return 0;
	for (field = 2; field < 22 && p; field++)
		p = strchr(p + 1, ' ');
	if (!p || sscanf(p + 1, "%llu", &ticks) != 1)
		return -1;
	*start = ticks;
	return 0;
}
