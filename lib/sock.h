/* UNIX and internet sockets: listen, accept, connect, and their clean-up. */
#ifndef IPCTOOL_SOCK_H
#define IPCTOOL_SOCK_H

#include <stdbool.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "clock.h"
#include "endpoint.h"
#include "pathat.h"

/*
 * The socket file a listener bound, so that only that file is removed, and
 * only from the directory it was bound in (at.dirfd open while bound).
 */
struct sock_file {
	bool bound;
	struct pathat at;
	char path[108];
	dev_t dev;
	ino_t ino;
};

struct sock_listen_opts {
	mode_t mode;	/* of a UNIX socket file */
	bool reuse;	/* replace a stale socket file (nobody listening) */
	int backlog;
};

/*
 * Which peers a UNIX socket listener takes, by the credentials the kernel
 * gives (SO_PEERCRED on accept, SCM_CREDENTIALS per datagram): with check,
 * only our own effective uid, root, and the uids and gids listed (a gid is
 * the peer's effective group). A refused peer is handed to refused (when
 * set) and dropped.
 */
#define SOCK_ALLOW_MAX 32
struct sock_allow {
	bool check;
	size_t nuids, ngids;
	uid_t uids[SOCK_ALLOW_MAX];
	gid_t gids[SOCK_ALLOW_MAX];
	void (*refused)(uid_t uid, gid_t gid, pid_t pid, void *arg);
	void *arg;
};

/* Whether a peer of uid and gid may come in (a NULL or unchecking a: yes). */
bool sock_allow_peer(const struct sock_allow *a, uid_t uid, gid_t gid);

/* SOCK_STREAM, SOCK_DGRAM or SOCK_SEQPACKET for a socket endpoint. */
int sock_type(const struct endpoint *ep);

/*
 * Bind (and for connection types, listen). Returns the fd, or -1 with errno
 * set; *why is set when the failure is not an errno one (address lookup).
 * A stale UNIX socket file is EADDRINUSE unless opts->reuse.
 */
int sock_listen(const struct endpoint *ep, const struct sock_listen_opts *opts,
		struct sock_file *file, const char **why);
/* Accept one connection by the deadline (ETIMEDOUT when it passes). */
int sock_accept(int lfd, const struct deadline *d);
/* The same, closing (and handing to a->refused) every peer a does not allow. */
int sock_accept_allowed(int lfd, const struct deadline *d, const struct sock_allow *a);
/*
 * Connect. With wait, a missing or refusing peer is retried until the
 * deadline (ETIMEDOUT); without it, it fails at once.
 */
int sock_connect(const struct endpoint *ep, const struct deadline *d, bool wait,
		 const char **why);
/* Remove the socket file if it is still the one we bound. Async-signal-safe. */
void sock_file_remove(struct sock_file *file);
/*
 * Whether the socket file at path has nobody behind it (its listener died):
 * the only kind --reuse replaces and rm removes. Never disturbs a live
 * listener that the kernel's socket table names.
 */
bool sock_unix_stale(const char *path);
/*
 * Remove the socket file at path if nobody listens on it, checking and
 * removing through its directory (lib/pathat.h): EADDRINUSE when somebody
 * listens, EINVAL when it is not a socket, ELOOP for a symbolic link.
 */
int sock_unix_remove_stale(const char *path);
/*
 * Name a socket address: "127.0.0.1:4000", "[::1]:4000" (an IPv4 peer of
 * a dual-stack socket as IPv4), a path, "@name". Empty for sl 0.
 */
void sock_addr_name(const struct sockaddr_storage *ss, socklen_t sl, char *buf, size_t len);
/* Describe the peer of a connected socket ("127.0.0.1:4000", "pid 12"). */
void sock_peer_name(int fd, char *buf, size_t len);

#endif
