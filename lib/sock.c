/* Socket endpoints: unix (paths and abstract names), tcp and udp. */
#include "sock.h"

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "ipcinfo.h"

int sock_type(const struct endpoint *ep)
{
	switch (ep->kind) {
	case EP_UNIX_DGRAM:
	case EP_UDP:
		return SOCK_DGRAM;
	case EP_UNIX_SEQPACKET:
		return SOCK_SEQPACKET;
	default:
		return SOCK_STREAM;
	}
}

static bool sock_is_unix(const struct endpoint *ep)
{
	return ep->kind == EP_UNIX || ep->kind == EP_UNIX_DGRAM ||
	       ep->kind == EP_UNIX_SEQPACKET;
}

static socklen_t sock_unix_addr(const struct endpoint *ep, struct sockaddr_un *sun)
{
	size_t len = strlen(ep->path);

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (ep->is_abstract) {
		memcpy(sun->sun_path + 1, ep->path, len);
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + len);
	}
	memcpy(sun->sun_path, ep->path, len);
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1);
}

static int sock_resolve(const struct endpoint *ep, bool passive, struct addrinfo **res,
			const char **why)
{
	struct addrinfo hints;
	int rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = sock_type(ep);
	hints.ai_flags = passive ? AI_PASSIVE : 0;
	rc = getaddrinfo(ep->host[0] ? ep->host : NULL, ep->port, &hints, res);
	if (rc != 0) {
		if (why)
			*why = gai_strerror(rc);
		errno = rc == EAI_SYSTEM ? errno : EADDRNOTAVAIL;
		return -1;
	}
	return 0;
}

/* A socket file nobody listens on: connecting is refused. */
/*
 * Whether /proc/net/unix names a socket bound to path: 1 yes, 0 no, -1
 * unknown. A socket bound through a relative path is listed by that path:
 * a tail of ours counts as a yes, so that a live socket is never taken for
 * a stale one.
 */
static int sock_unix_bound_in_proc(const char *path)
{
	struct ipcinfo_obj o;
	size_t plen = strlen(path), cap = 0;
	char *line = NULL;
	int found = 0;
	FILE *f;

	if (strchr(path, '\n'))
		return -1; /* would not survive the line format */
	f = fopen("/proc/net/unix", "re");
	if (!f)
		return -1;
	if (getline(&line, &cap, f) < 0)
		found = -1;
	while (found == 0 && getline(&line, &cap, f) > 0) {
		size_t nlen;

		if (ipcinfo_parse_unix_line(line, &o) < 0 || !o.name[0] || o.name[0] == '@')
			continue;
		nlen = strlen(o.name);
		if (strcmp(o.name, path) == 0 ||
		    (o.name[0] != '/' && nlen < plen && path[plen - nlen - 1] == '/' &&
		     strcmp(path + plen - nlen, o.name) == 0))
			found = 1;
	}
	free(line);
	fclose(f);
	return found;
}

bool sock_unix_stale(const char *path)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
	struct sockaddr_un sun;
	size_t i, len = strlen(path);

	if (len >= sizeof(sun.sun_path))
		return false;
	/* Ask the kernel's table first: a connect(2) probe would hand a live
	 * listener an empty connection, which ends a recv's session. */
	if (sock_unix_bound_in_proc(path) == 1)
		return false;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, len);
	/* A listener of another type answers EPROTOTYPE: try each type. */
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		int fd = socket(AF_UNIX, types[i] | SOCK_CLOEXEC, 0);
		int rc, err;

		if (fd < 0)
			return false;
		rc = connect(fd, (struct sockaddr *)&sun,
			     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + len + 1));
		err = errno;
		close(fd);
		if (rc == 0)
			return false;
		if (err == ECONNREFUSED)
			return true;
		if (err != EPROTOTYPE)
			return false;
	}
	return false;
}

static int sock_listen_unix(const struct endpoint *ep, const struct sock_listen_opts *opts,
			    struct sock_file *file)
{
	struct sockaddr_un sun;
	socklen_t len = sock_unix_addr(ep, &sun);
	int type = sock_type(ep);
	int fd, rc, saved;
	mode_t old;
	struct stat st;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* The socket file gets its mode at bind time from the umask. */
	old = umask((mode_t)(~opts->mode & 0777));
	rc = bind(fd, (struct sockaddr *)&sun, len);
	if (rc < 0 && errno == EADDRINUSE && !ep->is_abstract && opts->reuse &&
	    lstat(ep->path, &st) == 0 && S_ISSOCK(st.st_mode) && sock_unix_stale(ep->path)) {
		/* Only a socket file with nobody behind it is replaced. */
		if (unlink(ep->path) == 0)
			rc = bind(fd, (struct sockaddr *)&sun, len);
	}
	saved = errno;
	umask(old);
	if (rc < 0) {
		close(fd);
		errno = saved;
		return -1;
	}
	if (!ep->is_abstract && lstat(ep->path, &st) == 0) {
		file->bound = true;
		strcpy(file->path, ep->path);
		file->dev = st.st_dev;
		file->ino = st.st_ino;
	}
	if (type != SOCK_DGRAM && listen(fd, opts->backlog > 0 ? opts->backlog : 128) < 0) {
		saved = errno;
		sock_file_remove(file);
		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

static int sock_listen_inet(const struct endpoint *ep, const struct sock_listen_opts *opts,
			    const char **why)
{
	struct addrinfo *res, *ai;
	int fd = -1, one = 1, saved = 0;

	if (sock_resolve(ep, true, &res, why) < 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (bind(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    (ai->ai_socktype == SOCK_DGRAM ||
		     listen(fd, opts->backlog > 0 ? opts->backlog : 128) == 0))
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		errno = saved ? saved : EADDRNOTAVAIL;
	return fd;
}

int sock_listen(const struct endpoint *ep, const struct sock_listen_opts *opts,
		struct sock_file *file, const char **why)
{
	memset(file, 0, sizeof(*file));
	if (sock_is_unix(ep))
		return sock_listen_unix(ep, opts, file);
	return sock_listen_inet(ep, opts, why);
}

int sock_accept(int lfd, const struct deadline *d)
{
	struct pollfd pfd = { .fd = lfd, .events = POLLIN };
	int rc, fd;

	for (;;) {
		rc = poll(&pfd, 1, deadline_poll_ms(d));
		if (rc < 0 && errno == EINTR)
			continue;
		if (rc < 0)
			return -1;
		if (rc == 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			return fd;
		if (errno != EINTR && errno != EAGAIN && errno != ECONNABORTED)
			return -1;
	}
}

static int sock_connect_once(const struct endpoint *ep, const char **why)
{
	struct addrinfo *res, *ai;
	int fd = -1, saved = 0;

	if (sock_is_unix(ep)) {
		struct sockaddr_un sun;
		socklen_t len = sock_unix_addr(ep, &sun);

		fd = socket(AF_UNIX, sock_type(ep) | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sun, len) == 0)
			return fd;
		saved = errno;
		close(fd);
		errno = saved;
		return -1;
	}
	if (sock_resolve(ep, false, &res, why) < 0)
		return -1;
	for (ai = res; ai; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
			break;
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		errno = saved ? saved : ECONNREFUSED;
	return fd;
}

int sock_connect(const struct endpoint *ep, const struct deadline *d, bool wait,
		 const char **why)
{
	unsigned step = 0;
	int fd;

	for (;;) {
		fd = sock_connect_once(ep, why);
		if (fd >= 0)
			return fd;
		/* Nobody there yet: the path is missing or nobody listens. */
		if (!wait || (errno != ENOENT && errno != ECONNREFUSED))
			return -1;
		if (deadline_retry(d, &step) < 0)
			return -1;
	}
}

void sock_file_remove(struct sock_file *file)
{
	struct stat st;

	if (!file->bound)
		return;
	if (lstat(file->path, &st) == 0 && S_ISSOCK(st.st_mode) &&
	    st.st_dev == file->dev && st.st_ino == file->ino)
		unlink(file->path);
	file->bound = false;
}

void sock_peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char host[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, "[%s]:%u", host, ntohs(sin6->sin6_port));
	} else if (ss.ss_family == AF_UNIX) {
		struct ucred cred;
		socklen_t cl = sizeof(cred);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
			snprintf(buf, len, "pid %d", (int)cred.pid);
	}
}
