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
#include "pathat.h"

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

		/* A listener, or a bound datagram socket (unconnected); not a
		 * connection a listener accepted, which bears its name and
		 * outlives it. */
		if (ipcinfo_parse_unix_line(line, &o) < 0 || !o.name[0] || o.name[0] == '@' ||
		    (!o.listening && o.sockstate != 1))
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

/*
 * Whether nobody listens on the socket file: the kernel's table is asked by
 * path, then connect(2) probes name (the path itself, or its last component
 * from inside its directory).
 */
static bool sock_unix_stale_at(const char *path, const char *name)
{
	static const int types[] = { SOCK_STREAM, SOCK_SEQPACKET, SOCK_DGRAM };
	struct sockaddr_un sun;
	size_t i, len = strlen(name);

	if (len >= sizeof(sun.sun_path))
		return false;
	/* Ask the kernel's table first: a connect(2) probe would hand a live
	 * listener an empty connection, which ends a recv's session. */
	if (sock_unix_bound_in_proc(path) == 1)
		return false;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, name, len);
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

bool sock_unix_stale(const char *path)
{
	return sock_unix_stale_at(path, path);
}

/* The stale probe by name, from inside the file's directory. */
struct sock_probe_arg {
	const char *path;	/* the whole path, for the kernel's table */
	bool stale;
};

static int sock_probe_name(const char *name, void *arg)
{
	struct sock_probe_arg *a = arg;

	a->stale = sock_unix_stale_at(a->path, name);
	return 0;
}

/*
 * Bind a socket file. bind(2) takes the whole path, so that the kernel's
 * table (ls -t socket, the stale probe) names it as the user did; bind
 * never replaces a file. Everything else goes through the file's directory
 * (lib/pathat.h): the check that a file in the way is a stale socket, its
 * removal, and the identity of the file we bound, which is what removal at
 * exit checks.
 */
static int sock_bind_file(int fd, const struct sockaddr_un *sun, socklen_t len,
			  const struct endpoint *ep, const struct sock_listen_opts *opts,
			  struct sock_file *file)
{
	struct sock_probe_arg a = { .path = ep->path };
	struct stat st;
	int rc, saved;

	if (pathat_open(&file->at, ep->path) < 0)
		return -1;
	rc = bind(fd, (const struct sockaddr *)sun, len);
	if (rc < 0 && errno == EADDRINUSE && opts->reuse && pathat_stat(&file->at, &st) == 0 &&
	    S_ISSOCK(st.st_mode) && pathat_in(&file->at, sock_probe_name, &a) == 0 && a.stale) {
		/* Only a socket file with nobody behind it is replaced. */
		if (pathat_unlink(&file->at, S_IFSOCK, &st) == 0)
			rc = bind(fd, (const struct sockaddr *)sun, len);
		else
			errno = EADDRINUSE;
	}
	if (rc == 0 && pathat_stat(&file->at, &st) == 0 && S_ISSOCK(st.st_mode)) {
		file->bound = true;
		strcpy(file->path, ep->path);
		file->dev = st.st_dev;
		file->ino = st.st_ino;
		return 0;
	}
	/* Bound, but the name in our directory is not a socket: the path
	 * was changed under us; the file we made is not ours to remove. */
	if (rc == 0)
		errno = ELOOP;
	saved = errno;
	pathat_close(&file->at);
	errno = saved;
	return -1;
}

int sock_unix_remove_stale(const char *path)
{
	struct sock_probe_arg a = { .path = path };
	struct pathat at;
	struct stat st;
	int rc = -1, saved;

	if (pathat_open(&at, path) < 0)
		return -1;
	if (pathat_stat(&at, &st) < 0)
		goto out;
	if (!S_ISSOCK(st.st_mode)) {
		errno = S_ISLNK(st.st_mode) ? ELOOP : EINVAL;
		goto out;
	}
	if (pathat_in(&at, sock_probe_name, &a) < 0)
		goto out;
	if (!a.stale) {
		errno = EADDRINUSE;
		goto out;
	}
	rc = pathat_unlink(&at, S_IFSOCK, &st);
out:
	saved = errno;
	pathat_close(&at);
	errno = saved;
	return rc;
}

static int sock_listen_unix(const struct endpoint *ep, const struct sock_listen_opts *opts,
			    struct sock_file *file)
{
	struct sockaddr_un sun;
	socklen_t len = sock_unix_addr(ep, &sun);
	int type = sock_type(ep);
	int fd, rc, saved;
	mode_t old;

	fd = socket(AF_UNIX, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	/* The socket file gets its mode at bind time from the umask. */
	old = umask((mode_t)(~opts->mode & 0777));
	if (ep->is_abstract)
		rc = bind(fd, (struct sockaddr *)&sun, len);
	else
		rc = sock_bind_file(fd, &sun, len, ep, opts, file);
	saved = errno;
	umask(old);
	if (rc < 0) {
		close(fd);
		errno = saved;
		return -1;
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

/* Bind [::] with IPV6_V6ONLY off; EAFNOSUPPORT where IPv6 is missing. */
static int sock_listen_any(const struct endpoint *ep, const struct sock_listen_opts *opts)
{
	struct sockaddr_in6 sin6 = { .sin6_family = AF_INET6, .sin6_addr = IN6ADDR_ANY_INIT };
	int type = sock_type(ep), one = 1, off = 0, fd, saved;

	sin6.sin6_port = htons((uint16_t)atoi(ep->port));
	fd = socket(AF_INET6, type | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0 &&
	    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof(off)) == 0 &&
	    bind(fd, (struct sockaddr *)&sin6, sizeof(sin6)) == 0 &&
	    (type == SOCK_DGRAM || listen(fd, opts->backlog > 0 ? opts->backlog : 128) == 0))
		return fd;
	saved = errno;
	close(fd);
	errno = saved;
	return -1;
}

static int sock_listen_inet(const struct endpoint *ep, const struct sock_listen_opts *opts,
			    const char **why)
{
	struct addrinfo *res, *ai;
	int fd = -1, one = 1, saved = 0;

	if (!ep->host[0]) {
		/* tcp::PORT is every address: IPv6 and IPv4 on one socket. */
		fd = sock_listen_any(ep, opts);
		if (fd >= 0 || (errno != EAFNOSUPPORT && errno != EADDRNOTAVAIL))
			return fd;
	}
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

bool sock_allow_peer(const struct sock_allow *a, uid_t uid, gid_t gid)
{
	size_t i;

	if (!a || !a->check || uid == 0 || uid == geteuid())
		return true;
	for (i = 0; i < a->nuids; i++)
		if (a->uids[i] == uid)
			return true;
	for (i = 0; i < a->ngids; i++)
		if (a->gids[i] == gid)
			return true;
	return false;
}

int sock_accept_allowed(int lfd, const struct deadline *d, const struct sock_allow *a)
{
	struct ucred cred;
	socklen_t cl;
	int fd;

	for (;;) {
		fd = sock_accept(lfd, d);
		if (fd < 0 || !a || !a->check)
			return fd;
		cl = sizeof(cred);
		cred = (struct ucred){ .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0 &&
		    sock_allow_peer(a, cred.uid, cred.gid))
			return fd;
		if (a->refused)
			a->refused(cred.uid, cred.gid, cred.pid, a->arg);
		close(fd);
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
	struct stat same;

	if (!file->bound)
		return;
	/* Only the file we bound, in the directory we bound it in. */
	same.st_dev = file->dev;
	same.st_ino = file->ino;
	pathat_unlink(&file->at, S_IFSOCK, &same);
	pathat_close(&file->at);
	file->bound = false;
}

void sock_addr_name(const struct sockaddr_storage *ss, socklen_t sl, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	buf[0] = '\0';
	if (sl == 0)
		return;
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const void *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, host, sizeof(host));
		snprintf(buf, len, "%s:%u", host, ntohs(sin->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const void *)ss;

		/* An IPv4 peer of a dual-stack listener, named as IPv4. */
		if (IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr))
			inet_ntop(AF_INET, &sin6->sin6_addr.s6_addr[12], host, sizeof(host));
		else
			inet_ntop(AF_INET6, &sin6->sin6_addr, host, sizeof(host));
		snprintf(buf, len, IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr) ? "%s:%u" : "[%s]:%u",
			 host, ntohs(sin6->sin6_port));
	} else if (ss->ss_family == AF_UNIX && sl > sizeof(sa_family_t)) {
		const struct sockaddr_un *sun = (const void *)ss;
		size_t plen = sl - sizeof(sa_family_t);

		if (sun->sun_path[0] == '\0')
			snprintf(buf, len, "@%.*s", (int)(plen - 1), sun->sun_path + 1);
		else
			snprintf(buf, len, "%.*s", (int)strnlen(sun->sun_path, plen), sun->sun_path);
	}
}

void sock_peer_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	buf[0] = '\0';
	memset(&ss, 0, sizeof(ss));
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) < 0)
		return;
	if (ss.ss_family == AF_UNIX) {
		struct ucred cred;
		socklen_t cl = sizeof(cred);

		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) == 0)
			snprintf(buf, len, "pid %d", (int)cred.pid);
		return;
	}
	sock_addr_name(&ss, sl, buf, len);
}
