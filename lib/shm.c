/* Shared-memory segments, POSIX and System V. */
#include "shm.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/*
 * Never through a link, and never blocking: a FIFO planted under /dev/shm
 * would hang open(2) without O_NONBLOCK (shm_posix_size refuses anything
 * but a regular file afterwards).
 */
#define SHM_OPEN_FLAGS (O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)

static void shm_init(struct shm_seg *s, const struct objref *ref)
{
	memset(s, 0, sizeof(*s));
	s->ref = *ref;
	s->sysv = objref_is_sysv(ref);
	s->fd = s->id = -1;
}

/* The System V identifier a reference names (shmget for keys). */
static int shm_sysv_id(const struct objref *ref)
{
	struct shmid_ds ds;
	key_t key;

	if (ref->kind == OBJREF_ID) {
		if (shmctl(ref->id, IPC_STAT, &ds) < 0)
			return -1;
		return ref->id;
	}
	if (ref->is_private) {
		errno = EINVAL;
		return -1;
	}
	if (objref_key(ref, &key) < 0)
		return -1;
	return shmget(key, 0, 0);
}

static int shm_sysv_size(struct shm_seg *s)
{
	struct shmid_ds ds;

	if (shmctl(s->id, IPC_STAT, &ds) < 0)
		return -1;
	s->size = ds.shm_segsz;
	return 0;
}

static int shm_posix_size(struct shm_seg *s)
{
	struct stat st;

	if (fstat(s->fd, &st) < 0)
		return -1;
	if (!S_ISREG(st.st_mode)) {
		errno = EINVAL;
		return -1;
	}
	s->size = (uint64_t)st.st_size;
	return 0;
}

int shm_create(const struct objref *ref, uint64_t size, mode_t mode, bool reuse,
	       struct shm_seg *s)
{
	int err;

	shm_init(s, ref);
	s->writable = true;
	if (s->sysv) {
		key_t key;
		int flags = IPC_CREAT | (int)(mode & 0777);

		if (ref->kind == OBJREF_ID) {
			errno = EINVAL;
			return -1;
		}
		if (objref_key(ref, &key) < 0)
			return -1;
		/* Exclusive first, so created says whether we made it: --reuse
		 * must never format or remove a segment it found. */
		s->id = shmget(key, size, flags | IPC_EXCL);
		if (s->id >= 0)
			s->created = true;
		else if (errno == EEXIST && reuse && !ref->is_private)
			/* Existing, perhaps smaller than size: use it as it is. */
			s->id = shmget(key, 0, 0);
		if (s->id < 0)
			return -1;
		if (shm_sysv_size(s) < 0)
			goto fail;
		return 0;
	}
	{
		/* A segment larger than the whole of /dev/shm could never be
		 * filled; ftruncate would accept it as a sparse file. */
		struct statvfs vfs;

		if (statvfs("/dev/shm", &vfs) == 0 &&
		    size / vfs.f_frsize > (uint64_t)vfs.f_blocks) {
			errno = EFBIG;
			return -1;
		}
	}
	s->fd = shm_open(ref->name, SHM_OPEN_FLAGS | O_RDWR | O_CREAT | O_EXCL, mode & 0777);
	if (s->fd >= 0) {
		s->created = true;
		/* Exactly the mode asked for, whatever the umask. */
		if (fchmod(s->fd, mode & 0777) < 0 || ftruncate(s->fd, (off_t)size) < 0)
			goto fail;
	} else {
		if (errno != EEXIST || !reuse)
			return -1;
		s->fd = shm_open(ref->name, SHM_OPEN_FLAGS | O_RDWR, 0);
		if (s->fd < 0)
			return -1;
	}
	if (shm_posix_size(s) < 0)
		goto fail;
	if (s->size < size) {
		if (ftruncate(s->fd, (off_t)size) < 0)
			goto fail;
		s->size = size;
	}
	/* The pages now, not at first touch: a full /dev/shm is ENOSPC here,
	 * not SIGBUS in whoever writes the segment later. */
	if ((err = posix_fallocate(s->fd, 0, (off_t)s->size)) != 0) {
		errno = err;
		goto fail;
	}
	return 0;
fail:
	err = errno;
	if (s->created)
		shm_remove_seg(s);
	shm_close(s);
	errno = err;
	return -1;
}

int shm_create_asis(const struct objref *ref, uint64_t size, mode_t mode, bool reuse,
		    struct shm_seg *s)
{
	if (shm_create(ref, size, mode, false, s) == 0)
		return 0;
	/* EFBIG: too large for /dev/shm to make; one that exists may do. */
	if ((errno != EEXIST && errno != EFBIG) || !reuse || ref->is_private)
		return -1;
	if (shm_open_ref(ref, true, s) < 0) {
		if (errno == ENOENT)
			errno = EFBIG;
		return -1;
	}
	return 0;
}

int shm_read_head(struct shm_seg *s, void *buf, size_t len, size_t *got)
{
	*got = 0;
	if (len > s->size)
		len = (size_t)s->size;
	if (s->sysv) {
		if (shm_map(s) < 0)
			return -1;
		memcpy(buf, s->base, len);
		*got = len;
		return 0;
	}
	while (*got < len) {
		ssize_t n = pread(s->fd, (char *)buf + *got, len - *got, (off_t)*got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;	/* shrunk meanwhile */
		*got += (size_t)n;
	}
	return 0;
}

int shm_open_ref(const struct objref *ref, bool writable, struct shm_seg *s)
{
	int err;

	shm_init(s, ref);
	s->writable = writable;
	if (s->sysv) {
		s->id = shm_sysv_id(ref);
		if (s->id < 0 || shm_sysv_size(s) < 0)
			return -1;
		return 0;
	}
	s->fd = shm_open(ref->name, SHM_OPEN_FLAGS | (writable ? O_RDWR : O_RDONLY), 0);
	if (s->fd < 0)
		return -1;
	if (shm_posix_size(s) < 0) {
		err = errno;
		shm_close(s);
		errno = err;
		return -1;
	}
	return 0;
}

int shm_map(struct shm_seg *s)
{
	void *p;

	if (s->base)
		return 0;
	if (s->sysv) {
		p = shmat(s->id, NULL, s->writable ? 0 : SHM_RDONLY);
		if (p == (void *)-1)
			return -1;
	} else {
		if (s->size == 0) {
			errno = EINVAL;
			return -1;
		}
		p = mmap(NULL, (size_t)s->size, PROT_READ | (s->writable ? PROT_WRITE : 0),
			 MAP_SHARED, s->fd, 0);
		if (p == MAP_FAILED)
			return -1;
	}
	s->base = p;
	return 0;
}

void shm_close(struct shm_seg *s)
{
	int err = errno;

	if (s->base) {
		if (s->sysv)
			shmdt(s->base);
		else
			munmap(s->base, (size_t)s->size);
		s->base = NULL;
	}
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	errno = err;
}

int shm_posix_check(const char *name, const char **why)
{
	char path[NAME_MAX + 16];
	struct stat st;
	const char *what;

	if (why)
		*why = NULL;
	snprintf(path, sizeof(path), "/dev/shm%s", name);
	if (lstat(path, &st) < 0)
		return -1;
	if (S_ISREG(st.st_mode))
		return 0;
	if (S_ISLNK(st.st_mode))
		what = "a symbolic link, not a segment";
	else if (S_ISDIR(st.st_mode))
		what = "not a segment (a directory)";
	else if (S_ISFIFO(st.st_mode))
		what = "not a segment (a FIFO)";
	else
		what = "not a segment";
	if (why)
		*why = what;
	errno = EINVAL;
	return -1;
}

int shm_remove(const struct objref *ref, const char **why)
{
	int id;

	if (why)
		*why = NULL;
	if (!objref_is_sysv(ref)) {
		if (shm_posix_check(ref->name, why) < 0)
			return -1;
		return shm_unlink(ref->name);
	}
	id = shm_sysv_id(ref);
	if (id < 0)
		return -1;
	return shmctl(id, IPC_RMID, NULL);
}

int shm_remove_seg(const struct shm_seg *s)
{
	if (s->sysv)
		return shmctl(s->id, IPC_RMID, NULL);
	return shm_unlink(s->ref.name);
}

/* Processes mapping the file with this device and inode, from /proc/PID/maps. */
static long shm_posix_users(dev_t dev, ino_t ino)
{
	DIR *d = opendir("/proc");
	struct dirent *e;
	char path[300], line[512];
	long users = 0;

	if (!d)
		return -1;
	while ((e = readdir(d))) {
		FILE *f;

		if (!isdigit((unsigned char)e->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/maps", e->d_name);
		f = fopen(path, "re");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			unsigned int maj, min;
			unsigned long long inode;

			if (sscanf(line, "%*s %*s %*s %x:%x %llu", &maj, &min, &inode) == 3 &&
			    inode == (unsigned long long)ino && makedev(maj, min) == dev) {
				users++;
				break;
			}
		}
		fclose(f);
	}
	closedir(d);
	return users;
}

static void shm_info_from_stat(struct shm_desc *info, const char *name, const struct stat *st)
{
	snprintf(info->ref, sizeof(info->ref), "/%s", name);
	info->sysv = false;
	info->id = -1;
	info->size = (uint64_t)st->st_size;
	info->mode = st->st_mode & 07777;
	info->uid = info->cuid = st->st_uid;
	info->gid = info->cgid = st->st_gid;
	info->atime = st->st_atime;
	info->mtime = st->st_mtime;
	info->ctime = st->st_ctime;
	info->nattch = shm_posix_users(st->st_dev, st->st_ino);
}

static void shm_info_from_ds(struct shm_desc *info, int id, const struct shmid_ds *ds)
{
	info->sysv = true;
	info->id = id;
	info->key = ds->shm_perm.__key;
	objref_format_existing(NULL, info->key, id, info->ref, sizeof(info->ref));
	info->size = ds->shm_segsz;
	info->mode = ds->shm_perm.mode & 0777;
	info->uid = ds->shm_perm.uid;
	info->gid = ds->shm_perm.gid;
	info->cuid = ds->shm_perm.cuid;
	info->cgid = ds->shm_perm.cgid;
	info->nattch = (long)ds->shm_nattch;
	info->cpid = ds->shm_cpid;
	info->lpid = ds->shm_lpid;
	info->atime = ds->shm_atime;
	info->dtime = ds->shm_dtime;
	info->ctime = ds->shm_ctime;
}

int shm_stat(const struct shm_seg *s, struct shm_desc *info)
{
	memset(info, 0, sizeof(*info));
	if (s->sysv) {
		struct shmid_ds ds;

		if (shmctl(s->id, IPC_STAT, &ds) < 0)
			return -1;
		shm_info_from_ds(info, s->id, &ds);
	} else {
		struct stat st;

		if (fstat(s->fd, &st) < 0)
			return -1;
		shm_info_from_stat(info, s->ref.name + 1, &st);
	}
	return 0;
}
