/* Paths through a directory descriptor, never followed past a foreign link. */
#include "pathat.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/* Symbolic links followed on the way, as the kernel's MAXSYMLINKS. */
#define PATHAT_MAX_LINKS 40

static int pathat_fail(int err)
{
	errno = err;
	return -1;
}

/* Replace *fd by next (both O_PATH directories). */
static void pathat_step(int *fd, int next)
{
	close(*fd);
	*fd = next;
}

/*
 * The link named comp in dir, read through a descriptor of the link itself
 * so that its owner and its text are of the same inode: 0 with the text in
 * buf when it belongs to root or to us, -1 (ELOOP) when not.
 */
static int pathat_trusted_link(int dir, const char *comp, char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	int fd = openat(dir, comp, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return -1;
	if (fstat(fd, &st) < 0) {
		int err = errno;

		close(fd);
		return pathat_fail(err);
	}
	if (!S_ISLNK(st.st_mode)) {
		close(fd);
		return pathat_fail(ENOTDIR);
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		close(fd);
		return pathat_fail(ELOOP);
	}
	n = readlinkat(fd, "", buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	if ((size_t)n >= len - 1)
		return pathat_fail(ENAMETOOLONG);
	buf[n] = '\0';
	return 0;
}

/* No allocation: async-signal-safe, for removal on SIGINT/SIGTERM. */
int pathat_open(struct pathat *p, const char *path)
{
	/* The rest of the path still to walk, with links spliced in. */
	char rest[2 * PATH_MAX], *comp, *slash, link[PATH_MAX];
	const char *last = strrchr(path, '/');
	size_t plen = strlen(path), nlen;
	int dir = -1, links = 0, saved;

	p->dirfd = -1;
	p->name[0] = '\0';
	last = last ? last + 1 : path;
	if (*last == '\0' || strcmp(last, ".") == 0 || strcmp(last, "..") == 0)
		return pathat_fail(EINVAL);
	if (plen >= PATH_MAX)
		return pathat_fail(ENAMETOOLONG);
	strcpy(rest, path);
	dir = open(path[0] == '/' ? "/" : ".", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dir < 0)
		goto fail;
	comp = rest;
	for (;;) {
		while (*comp == '/')
			comp++;
		slash = strchr(comp, '/');
		if (!slash)
			break;
		*slash = '\0';
		if (*comp) {
			int next = openat(dir, comp, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

			if (next >= 0) {
				pathat_step(&dir, next);
			} else if (errno == ENOTDIR || errno == ELOOP) {
				/* A symbolic link (or not a directory at all). */
				size_t tail = strlen(slash + 1);

				if (++links > PATHAT_MAX_LINKS) {
					errno = ELOOP;
					goto fail;
				}
				if (pathat_trusted_link(dir, comp, link, sizeof(link)) < 0)
					goto fail;
				nlen = strlen(link);
				if (nlen + 1 + tail >= 2 * PATH_MAX) {
					errno = ENAMETOOLONG;
					goto fail;
				}
				/* rest becomes LINK/TAIL; an absolute link starts at /. */
				memmove(rest + nlen + 1, slash + 1, tail + 1);
				memcpy(rest, link, nlen);
				rest[nlen] = '/';
				if (link[0] == '/') {
					next = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
					if (next < 0)
						goto fail;
					pathat_step(&dir, next);
				}
				comp = rest;
				continue;
			} else {
				goto fail;
			}
		}
		comp = slash + 1;
	}
	nlen = strlen(comp);
	if (nlen >= sizeof(p->name)) {
		errno = ENAMETOOLONG;
		goto fail;
	}
	memcpy(p->name, comp, nlen + 1);
	p->dirfd = dir;
	return 0;
fail:
	saved = errno;
	if (dir >= 0)
		close(dir);
	errno = saved;
	return -1;
}

void pathat_close(struct pathat *p)
{
	if (p->dirfd >= 0)
		close(p->dirfd);
	p->dirfd = -1;
}

int pathat_stat(const struct pathat *p, struct stat *st)
{
	return fstatat(p->dirfd, p->name, st, AT_SYMLINK_NOFOLLOW);
}

int pathat_unlink(const struct pathat *p, mode_t type, const struct stat *same)
{
	struct stat st;

	if (pathat_stat(p, &st) < 0)
		return -1;
	if ((st.st_mode & S_IFMT) != type)
		return pathat_fail(S_ISLNK(st.st_mode) ? ELOOP : EINVAL);
	if (same && (st.st_dev != same->st_dev || st.st_ino != same->st_ino))
		return pathat_fail(ESTALE);
	return unlinkat(p->dirfd, p->name, 0);
}

int pathat_mkfifo(const struct pathat *p, mode_t mode)
{
	mode_t old = umask(0);
	int rc = mkfifoat(p->dirfd, p->name, mode & 07777), saved = errno;

	umask(old);
	errno = saved;
	return rc;
}

int pathat_in(const struct pathat *p, int (*fn)(const char *name, void *arg), void *arg)
{
	int here = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC), rc, saved;

	if (here < 0)
		return -1;
	if (fchdir(p->dirfd) < 0) {
		saved = errno;
		close(here);
		errno = saved;
		return -1;
	}
	rc = fn(p->name, arg);
	saved = errno;
	/* Back where we were; our own directory cannot have gone from under
	 * an open descriptor. */
	if (fchdir(here) < 0)
		saved = errno, rc = -1;
	close(here);
	errno = saved;
	return rc;
}
