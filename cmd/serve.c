/*
 * ipctool serve: listen on a socket and run COMMAND for each connection
 * (on a message socket, for each message: serve_handler), with the
 * connection as its standard input and output and the peer in UCSPI
 * variables (as s6-ipcserver and tcpserver do). One poll loop
 * over the listener and a signalfd (SIGCHLD reaps, SIGTERM/SIGINT/SIGHUP
 * stop); at the --jobs limit the listener is not polled, so further peers
 * wait in the backlog instead of being refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../lib/envelope.h"
#include "../lib/parse.h"
#include "cmd.h"
#include "xfer.h"

extern char **environ;

enum { SERVE_JOBS = 100, SERVE_VERBOSE, SERVE_GRACE, SERVE_PER_UID };

#define SERVE_JOBS_DEFAULT 40
#define SERVE_JOBS_MAX 10000
#define SERVE_GRACE_DEFAULT_MS 5000

static struct poptOption serve_own_options[] = {
	{ "jobs", 'j', POPT_ARG_STRING, NULL, SERVE_JOBS,
	  "run at most N commands at once; further peers wait (default 40)", "N" },
	{ "per-uid", '\0', POPT_ARG_STRING, NULL, SERVE_PER_UID,
	  "unix sockets: at most N commands at once per peer user; further connections "
	  "of that user are closed", "N" },
	{ "verbose", 'v', POPT_ARG_NONE, NULL, SERVE_VERBOSE,
	  "one line per connection (message sockets: per message) on stderr: peer, "
	  "command pid, exit status, duration", NULL },
	{ "grace", '\0', POPT_ARG_STRING, NULL, SERVE_GRACE,
	  "on SIGTERM, SIGINT or SIGHUP, wait DURATION for running commands before "
	  "terminating them (default 5s)", "DURATION" },
	POPT_TABLEEND
};

static const char *const serve_xfer_names[] = { "mode",   "reuse",   "allow-uid", "allow-gid",
						"create", "rm",	     "maxmsg",	  "msgsize",
						"capacity", NULL };
static struct poptOption serve_xfer_options[16];

static struct poptOption serve_options[] = {
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, serve_own_options, 0, "Serve options:", NULL },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, serve_xfer_options, 0, "Listener options:", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

struct serve_opts {
	long long jobs;
	long long per_uid;	/* --per-uid: 0 none */
	bool verbose;
	int64_t grace_ms;
	const char **command;
};

struct serve_job {
	pid_t pid;
	uid_t uid;		/* the peer's, with --per-uid */
	uint64_t start_ns;
	char peer[160];
};

struct serve {
	const struct serve_opts *so;
	const struct endpoint *ep;
	struct xfer_stream s;
	bool msg;		/* a message endpoint: me, allow; a handler process per job */
	struct msgend me;
	struct sock_allow allow;
	struct serve_job *jobs;
	long long njobs;
};

/* One line on stderr in one write(2): lines of concurrent events never mix. */
static void serve_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void serve_log(const char *fmt, ...)
{
	char msg[448], line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	/* ap is started just above; the analyzer misreads it (as in common.c). */
	n = vsnprintf(msg, sizeof(msg), fmt, ap); // NOLINT(clang-analyzer-valist.Uninitialized)
	va_end(ap);
	if (n < 0)
		return;
	n = snprintf(line, sizeof(line), "%s: %s", cmd_prog, msg);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 2)
		n = (int)sizeof(line) - 2;
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, (size_t)n) < 0)
		return;
}

/* An internet address and port as text; an IPv4 peer of a dual-stack socket as IPv4. */
static void serve_inet(const struct sockaddr_storage *ss, char *ip, size_t iplen, char *port,
		       size_t portlen)
{
	ip[0] = port[0] = '\0';
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)ss;

		inet_ntop(AF_INET, &in->sin_addr, ip, (socklen_t)iplen);
		snprintf(port, portlen, "%u", ntohs(in->sin_port));
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const void *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			inet_ntop(AF_INET, &in6->sin6_addr.s6_addr[12], ip, (socklen_t)iplen);
		else
			inet_ntop(AF_INET6, &in6->sin6_addr, ip, (socklen_t)iplen);
		snprintf(port, portlen, "%u", ntohs(in6->sin6_port));
	}
}

/*
 * The UCSPI variables; PROTO and its prefixes from our own environment are
 * replaced. A datagram's sender comes as from (and its credentials as
 * cred), a connection's from fd.
 */
#define SERVE_ENV_OWN 8
static char **serve_env(const struct serve *sv, int fd, const struct sockaddr_storage *from,
			socklen_t fromlen, const struct ucred *fromcred, char *peer, size_t peerlen)
{
	static const char *const ours[] = { "PROTO=",	"IPCREMOTE", "IPCLOCAL", "TCPREMOTE",
					    "TCPLOCAL", "UDPREMOTE", "UDPLOCAL", NULL };
	struct sockaddr_storage rs, ls;
	socklen_t rl = sizeof(rs), ll = sizeof(ls);
	char vars[SERVE_ENV_OWN][160];
	size_t n = 0, nv = 0, i, k;
	char **env;

	memset(&rs, 0, sizeof(rs));
	memset(&ls, 0, sizeof(ls));
	if (from) {
		rs = *from;
		rl = fromlen;
	} else if (getpeername(fd, (struct sockaddr *)&rs, &rl) < 0) {
		rl = 0;
	}
	if (getsockname(fd, (struct sockaddr *)&ls, &ll) < 0)
		ll = 0;
	if (sv->ep->kind != EP_TCP && sv->ep->kind != EP_UDP) {
		struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		socklen_t cl = sizeof(cred);
		char path[128];

		if (fromcred)
			cred = *fromcred;
		else if (!from)
			getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl);
		snprintf(vars[nv++], sizeof(vars[0]), "PROTO=IPC");
		snprintf(vars[nv++], sizeof(vars[0]), "IPCREMOTEEUID=%u", (unsigned)cred.uid);
		snprintf(vars[nv++], sizeof(vars[0]), "IPCREMOTEEGID=%u", (unsigned)cred.gid);
		snprintf(vars[nv++], sizeof(vars[0]), "IPCREMOTEPID=%d", (int)cred.pid);
		sock_addr_name(&rs, rl > sizeof(sa_family_t) ? rl : 0, path, sizeof(path));
		snprintf(vars[nv++], sizeof(vars[0]), "IPCREMOTEPATH=%s", path);
		sock_addr_name(&ls, ll > sizeof(sa_family_t) ? ll : 0, path, sizeof(path));
		snprintf(vars[nv++], sizeof(vars[0]), "IPCLOCALPATH=%s", path);
		snprintf(peer, peerlen, "uid %u gid %u pid %d", (unsigned)cred.uid,
			 (unsigned)cred.gid, (int)cred.pid);
	} else {
		char rip[64], rport[8], lip[64], lport[8];
		const char *pr = sv->ep->kind == EP_UDP ? "UDP" : "TCP";

		serve_inet(&rs, rip, sizeof(rip), rport, sizeof(rport));
		serve_inet(&ls, lip, sizeof(lip), lport, sizeof(lport));
		snprintf(vars[nv++], sizeof(vars[0]), "PROTO=%s", pr);
		snprintf(vars[nv++], sizeof(vars[0]), "%sREMOTEIP=%s", pr, rip);
		snprintf(vars[nv++], sizeof(vars[0]), "%sREMOTEPORT=%s", pr, rport);
		snprintf(vars[nv++], sizeof(vars[0]), "%sLOCALIP=%s", pr, lip);
		snprintf(vars[nv++], sizeof(vars[0]), "%sLOCALPORT=%s", pr, lport);
		snprintf(peer, peerlen, strchr(rip, ':') ? "[%s]:%s" : "%s:%s", rip, rport);
	}
	for (i = 0; environ[i]; i++)
		;
	env = calloc(i + nv + 1, sizeof(*env));
	if (!env)
		return NULL;
	for (i = 0; environ[i]; i++) {
		for (k = 0; ours[k] && strncmp(environ[i], ours[k], strlen(ours[k])) != 0; k++)
			;
		if (!ours[k])
			env[n++] = environ[i];
	}
	/* The variables are copied: they outlive this frame only until spawn. */
	for (k = 0; k < nv; k++)
		if (!(env[n++] = strdup(vars[k]))) {
			n--;
			break;
		}
	env[n] = NULL;
	return env;
}

static void serve_env_free(char **env)
{
	size_t i;
	bool own = false;

	if (!env)
		return;
	for (i = 0; env[i]; i++) {
		/* Ours come after the inherited ones, from PROTO= on. */
		if (strncmp(env[i], "PROTO=", 6) == 0)
			own = true;
		if (own)
			free(env[i]);
	}
	free(env);
}

/* Spawn COMMAND with the descriptors fa sets up: 0 or an errno value. */
static int serve_posix_spawn(const struct serve *sv, pid_t *pid,
			     const posix_spawn_file_actions_t *fa, char **env)
{
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	int rc;

	sigemptyset(&none);
	sigemptyset(&dfl);
	/* The command gets the dispositions a shell would give it: SIGPIPE
	 * is ignored here (and that would be inherited), the others blocked. */
	sigaddset(&dfl, SIGPIPE);
	sigaddset(&dfl, SIGCHLD);
	sigaddset(&dfl, SIGTERM);
	sigaddset(&dfl, SIGINT);
	sigaddset(&dfl, SIGHUP);
	posix_spawnattr_init(&attr);
	/* Its own process group, so that a stop reaches what it started too
	 * (a shell's children); a terminal's Ctrl-C reaches serve alone, which
	 * gives the commands --grace. */
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF |
					POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	rc = posix_spawnp(pid, sv->so->command[0], fa, &attr, (char *const *)sv->so->command, env);
	posix_spawnattr_destroy(&attr);
	return rc;
}

/*
 * --per-uid: whether the peer of connection fd may have one more command
 * (its uid in *uid); if not, the connection is closed (as s6-ipcserverd -C
 * does), logged with -v.
 */
static bool serve_per_uid_ok(const struct serve *sv, int fd, uid_t *uid)
{
	struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	socklen_t cl = sizeof(cred);
	long long i, n = 0;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) < 0)
		cred.uid = (uid_t)-1;
	*uid = cred.uid;
	if (!sv->so->per_uid)
		return true;
	for (i = 0; i < sv->njobs; i++)
		n += sv->jobs[i].uid == cred.uid;
	if (n < sv->so->per_uid)
		return true;
	if (sv->so->verbose)
		serve_log("uid %u gid %u pid %d: %lld command%s of this user running (--per-uid): "
			  "connection closed", (unsigned)cred.uid, (unsigned)cred.gid,
			  (int)cred.pid, n, n == 1 ? "" : "s");
	close(fd);
	return false;
}

/* Run the command on connection fd. */
static void serve_spawn(struct serve *sv, int fd, uid_t uid)
{
	posix_spawn_file_actions_t fa;
	char peer[160];
	char **env;
	pid_t pid;
	int rc;

	env = serve_env(sv, fd, NULL, 0, NULL, peer, sizeof(peer));
	if (!env) {
		serve_log("%s: cannot allocate memory: connection closed", peer);
		close(fd);
		return;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	cmd_std_spawn_actions(&fa, 1u << STDIN_FILENO | 1u << STDOUT_FILENO);
	rc = serve_posix_spawn(sv, &pid, &fa, env);
	posix_spawn_file_actions_destroy(&fa);
	serve_env_free(env);
	close(fd);
	if (rc != 0) {
		serve_log("%s: cannot run '%s': %s", peer, sv->so->command[0], strerror(rc));
		return;
	}
	sv->jobs[sv->njobs] = (struct serve_job){ .pid = pid, .uid = uid, .start_ns = clock_now_ns() };
	snprintf(sv->jobs[sv->njobs].peer, sizeof(sv->jobs[0].peer), "%s", peer);
	sv->njobs++;
}

/* Collect every command that ended; -v logs each. */
static void serve_reap(struct serve *sv)
{
	pid_t pid;
	int st;
	long long i;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (i = 0; i < sv->njobs && sv->jobs[i].pid != pid; i++)
			;
		if (i == sv->njobs)
			continue;
		if (sv->so->verbose && !sv->msg) {
			uint64_t ns = clock_now_ns() - sv->jobs[i].start_ns;
			char how[64];

			if (WIFEXITED(st))
				snprintf(how, sizeof(how), "exited %d", WEXITSTATUS(st));
			else
				snprintf(how, sizeof(how), "killed by signal %d (%s)", WTERMSIG(st),
					 strsignal(WTERMSIG(st)));
			serve_log("%s: command pid %d %s after %.3fs", sv->jobs[i].peer, (int)pid,
				  how, (double)ns / 1e9);
		}
		sv->jobs[i] = sv->jobs[--sv->njobs];
	}
}

/* Read the signals that came: true when one asks us to stop. */
static bool serve_signals(struct serve *sv, int sfd)
{
	struct signalfd_siginfo si;
	bool stop = false;

	while (read(sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			serve_reap(sv);
		else
			stop = true;
	}
	serve_reap(sv);
	return stop;
}

static void serve_kill_all(struct serve *sv, int sig)
{
	long long i;

	/* Each job leads its process group; a handler just forked may not
	 * have made its own yet. */
	for (i = 0; i < sv->njobs; i++)
		if (kill(-sv->jobs[i].pid, sig) < 0 && errno == ESRCH)
			kill(sv->jobs[i].pid, sig);
}

/*
 * Stopping: running commands get --grace to finish, then SIGTERM, then
 * after another --grace SIGKILL. A second stop signal cuts the wait short.
 */
static void serve_drain(struct serve *sv, int sfd)
{
	int phase = 0;
	struct deadline d;

	deadline_start(&d, sv->so->grace_ms);
	while (sv->njobs > 0) {
		struct pollfd pfd = { .fd = sfd, .events = POLLIN };
		int rc = poll(&pfd, 1, phase < 2 ? deadline_poll_ms(&d) : -1);

		if (rc < 0 && errno != EINTR)
			break;
		if ((rc > 0 && serve_signals(sv, sfd) && phase == 0) || (rc == 0 && phase < 2)) {
			serve_kill_all(sv, phase == 0 ? SIGTERM : SIGKILL);
			if (sv->so->verbose)
				serve_log("%lld command%s still running: %s", sv->njobs,
					  sv->njobs == 1 ? "" : "s",
					  phase == 0 ? "terminated" : "killed");
			phase++;
			deadline_start(&d, sv->so->grace_ms);
		}
	}
}

/*
 * Message endpoints: a handler process per job (a seqpacket connection, or
 * one datagram) runs COMMAND once per message with the message on its
 * standard input, and sends its standard output back as the reply.
 */

/* A handler's running command, which a stop signal to the handler passes on to. */
static volatile pid_t serve_command_pid;

static void serve_handler_stop(int sig)
{
	pid_t pid = serve_command_pid;

	if (pid > 0)
		kill(-pid, sig);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A status as -v tells it. */
static void serve_status(int st, char *how, size_t len)
{
	if (WIFEXITED(st))
		snprintf(how, len, "exited %d", WEXITSTATUS(st));
	else
		snprintf(how, len, "killed by signal %d (%s)", WTERMSIG(st), strsignal(WTERMSIG(st)));
}

/*
 * Run COMMAND with in on its standard input and its standard output into
 * out (cap bytes; *len counts all of it, also what did not fit), writing
 * and reading at once so that neither pipe fills up. 0 with the wait
 * status in *st, or -1 with errno.
 */
static int serve_command(const struct serve *sv, char **env, const char *in, size_t inlen,
			 char *out, size_t cap, size_t *len, int *st, pid_t *pidp)
{
	posix_spawn_file_actions_t fa;
	int ip[2], op[2], rc;
	size_t off = 0;
	char junk[4096];

	if (pipe2(ip, O_CLOEXEC) < 0)
		return -1;
	if (pipe2(op, O_CLOEXEC) < 0) {
		close(ip[0]);
		close(ip[1]);
		return -1;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, ip[0], STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, op[1], STDOUT_FILENO);
	cmd_std_spawn_actions(&fa, 1u << STDIN_FILENO | 1u << STDOUT_FILENO);
	rc = serve_posix_spawn(sv, pidp, &fa, env);
	posix_spawn_file_actions_destroy(&fa);
	if (rc == 0)
		serve_command_pid = *pidp;
	close(ip[0]);
	close(op[1]);
	if (rc != 0) {
		close(ip[1]);
		close(op[0]);
		errno = rc;
		return -1;
	}
	fcntl(ip[1], F_SETFL, O_NONBLOCK);
	if (inlen == 0) {
		close(ip[1]);
		ip[1] = -1;
	}
	*len = 0;
	while (op[0] >= 0) {
		struct pollfd pfd[2] = { { .fd = op[0], .events = POLLIN },
					 { .fd = ip[1], .events = POLLOUT } };
		ssize_t n;

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pfd[1].revents) {
			n = write(ip[1], in + off, inlen - off);
			if (n > 0)
				off += (size_t)n;
			/* Done, or the command will not read it: its end of input. */
			if (off == inlen || (n < 0 && errno != EAGAIN && errno != EINTR)) {
				close(ip[1]);
				ip[1] = -1;
			}
		}
		if (pfd[0].revents) {
			if (*len < cap)
				n = read(op[0], out + *len, cap - *len);
			else
				n = read(op[0], junk, sizeof(junk));
			if (n > 0) {
				*len += (size_t)n;
			} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
				close(op[0]);
				op[0] = -1;
			}
		}
	}
	if (ip[1] >= 0)
		close(ip[1]);
	if (op[0] >= 0)
		close(op[0]);
	while (waitpid(*pidp, st, 0) < 0)
		if (errno != EINTR) {
			serve_command_pid = 0;
			return -1;
		}
	serve_command_pid = 0;
	return 0;
}

/*
 * One request: run COMMAND on it and send the reply on fd (to, when a
 * datagram's sender has an address; a sender without one gets none).
 * false when the connection should close: no reply could be sent.
 */
static bool serve_request(const struct serve *sv, int fd, char **env, const char *peer,
			  const char *in, size_t inlen, const struct sockaddr_storage *to,
			  socklen_t tolen, char *out)
{
	uint64_t start = clock_now_ns();
	size_t len = 0;
	pid_t pid = 0;
	char how[64];
	ssize_t n;
	int st;

	if (serve_command(sv, env, in, inlen, out, sv->me.msgsize + 1, &len, &st, &pid) < 0) {
		serve_log("%s: cannot run '%s': %s", peer, sv->so->command[0], strerror(errno));
		return to != NULL;
	}
	if (sv->so->verbose) {
		serve_status(st, how, sizeof(how));
		serve_log("%s: command pid %d %s after %.3fs", peer, (int)pid, how,
			  (double)(clock_now_ns() - start) / 1e9);
	}
	/* The reply is a line's text: its final newline is the framing's. */
	if (len > 0 && len <= sv->me.msgsize + 1 && out[len - 1] == '\n')
		len--;
	if (len > sv->me.msgsize) {
		serve_log("%s: reply of %s%zu bytes is larger than the message size of '%s' "
			  "(%zu bytes): not sent", peer, len > sv->me.msgsize + 1 ? "over " : "",
			  len > sv->me.msgsize + 1 ? sv->me.msgsize : len, sv->ep->text,
			  sv->me.msgsize);
		/* A connection's caller waits for a reply: it learns by the close. */
		return to != NULL;
	}
	if (to && tolen <= sizeof(sa_family_t)) {
		if (sv->so->verbose)
			serve_log("%s: the sender has no address: no reply", peer);
		return true;
	}
	do
		n = to ? sendto(fd, out, len, MSG_NOSIGNAL, (const struct sockaddr *)to, tolen)
		       : send(fd, out, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (sv->so->verbose || !to)
			serve_log("%s: cannot send the reply: %s", peer, strerror(errno));
		return false;
	}
	return true;
}

/* recvmsg with the sender's address and credentials (cred->pid 0: none came). */
static ssize_t serve_recv(int fd, char *buf, size_t cap, int flags,
			  struct sockaddr_storage *from, socklen_t *fromlen, struct ucred *cred,
			  bool *truncated)
{
	union {
		char buf[CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} ctl;
	struct iovec iov = { .iov_base = buf, .iov_len = cap };
	struct msghdr mh = { .msg_name = from, .msg_namelen = sizeof(*from), .msg_iov = &iov,
			     .msg_iovlen = 1, .msg_control = ctl.buf,
			     .msg_controllen = sizeof(ctl.buf) };
	struct cmsghdr *cm;
	ssize_t n;

	memset(from, 0, sizeof(*from));
	*cred = (struct ucred){ .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	do
		n = recvmsg(fd, &mh, MSG_TRUNC | MSG_CMSG_CLOEXEC | flags);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -1;
	*fromlen = mh.msg_namelen;
	*truncated = (size_t)n > cap || (mh.msg_flags & MSG_TRUNC);
	for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm))
		if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_CREDENTIALS)
			memcpy(cred, CMSG_DATA(cm), sizeof(*cred));
	return n;
}

/* A seqpacket connection's handler: each message until the peer closes. */
static int serve_connection(struct serve *sv, int fd)
{
	char *buf = malloc(sv->me.msgsize + 1), *out = malloc(sv->me.msgsize + 1);
	struct sockaddr_storage from;
	socklen_t fromlen;
	struct ucred cred;
	char peer[160];
	char **env;
	int one = 1, rc = EXIT_OK;

	env = serve_env(sv, fd, NULL, 0, NULL, peer, sizeof(peer));
	if (!env || !buf || !out) {
		serve_log("%s: cannot allocate memory: connection closed", peer);
		rc = EXIT_FAIL;
		goto done;
	}
	/* An empty message comes with credentials, the end of stream without. */
	setsockopt(fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	for (;;) {
		bool trunc;
		ssize_t n = serve_recv(fd, buf, sv->me.msgsize, 0, &from, &fromlen, &cred, &trunc);

		if (n < 0) {
			if (errno != ECONNRESET)
				serve_log("%s: cannot receive: %s", peer, strerror(errno));
			break;
		}
		if (n == 0 && cred.pid == 0)
			break;
		if (trunc) {
			serve_log("%s: a message larger than the message size of '%s' (%zu bytes): "
				  "connection closed", peer, sv->ep->text, sv->me.msgsize);
			break;
		}
		if (!serve_request(sv, fd, env, peer, buf, (size_t)n, NULL, 0, out))
			break;
	}
done:
	if (env)
		serve_env_free(env);
	free(buf);
	free(out);
	return rc;
}

/* Queues and rings: no return address, requests in envelopes. */
static bool serve_is_queue(const struct endpoint *ep)
{
	return ep->kind == EP_MQ || ep->kind == EP_SHM;
}

/* In a handler process: serve's stop signals end it, and its running command. */
static void serve_child_init(int sfd)
{
	struct sigaction sa = { .sa_handler = serve_handler_stop };
	sigset_t stop;

	close(sfd);
	/* A process group of its own, as a command serve starts has. */
	setpgid(0, 0);
	sigemptyset(&stop);
	sigaddset(&stop, SIGTERM);
	sigaddset(&stop, SIGINT);
	sigaddset(&stop, SIGHUP);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigprocmask(SIG_UNBLOCK, &stop, NULL);
}

/* Start a handler process for connection fd, or (fd -1) for the datagram in buf. */
static void serve_handler(struct serve *sv, int sfd, int fd, const char *buf, size_t len,
			  const struct sockaddr_storage *from, socklen_t fromlen,
			  const struct ucred *cred, uid_t uid)
{
	pid_t pid = fork();

	if (pid < 0) {
		serve_log("cannot fork: %s", strerror(errno));
	} else if (pid == 0) {
		char *out = malloc(sv->me.msgsize + 1);
		char peer[160];
		char **env;

		serve_child_init(sfd);
		if (fd >= 0) {
			if (sv->me.lfd >= 0)
				close(sv->me.lfd);
			_exit(serve_connection(sv, fd));
		}
		env = serve_env(sv, sv->me.fd, from, fromlen, cred->pid ? cred : NULL, peer,
				sizeof(peer));
		if (!env || !out) {
			serve_log("%s: cannot allocate memory: datagram dropped", peer);
			_exit(EXIT_FAIL);
		}
		serve_request(sv, sv->me.fd, env, peer, buf, len, from, fromlen, out);
		_exit(EXIT_OK);
	} else {
		sv->jobs[sv->njobs] = (struct serve_job){ .pid = pid, .uid = uid,
							   .start_ns = clock_now_ns() };
		sv->njobs++;
	}
	if (fd >= 0)
		close(fd);
}

/* The next datagram, to a handler. */
static void serve_datagram(struct serve *sv, int sfd, char *buf)
{
	struct sockaddr_storage from;
	socklen_t fromlen = 0;
	struct ucred cred;
	bool trunc;
	ssize_t n = serve_recv(sv->me.fd, buf, sv->me.msgsize, MSG_DONTWAIT, &from, &fromlen,
			       &cred, &trunc);
	char name[MSGEND_SENDER_MAX];

	if (n < 0)
		return;
	if (sv->allow.check && (!cred.pid || !sock_allow_peer(&sv->allow, cred.uid, cred.gid))) {
		if (sv->allow.refused)
			sv->allow.refused(cred.uid, cred.gid, cred.pid, sv->allow.arg);
		return;
	}
	if (trunc) {
		sock_addr_name(&from, fromlen > sizeof(sa_family_t) ? fromlen : 0, name,
			       sizeof(name));
		serve_log("%s: a datagram larger than the message size of '%s' (%zu bytes): dropped",
			  name[0] ? name : "a sender", sv->ep->text, sv->me.msgsize);
		return;
	}
	serve_handler(sv, sfd, -1, buf, (size_t)n, &from, fromlen, &cred, (uid_t)-1);
}

/*
 * Queues and rings have no return address: a request comes in an envelope
 * (lib/envelope.h) naming the caller's reply object. Each is served by a
 * handler process of its own (up to -j), which checks the reply object
 * (envelope_reply_allowed), runs COMMAND and sends its output there; a
 * message without an envelope (from send) is served with no reply.
 */

#define SERVE_REPLY_WAIT_MS 5000

/* In the handler: the reply to request e, the command's output, into its reply object. */
static void serve_queue_reply(const struct serve *sv, const struct envelope *e,
			      const struct endpoint *rep, const char *peer)
{
	/* A ring's previous writer (the handler of the caller's last request)
	 * may still be closing: its lock is waited for, not the object. */
	struct msgend_opts mo = { .mode = 0600, .wait_ms = SERVE_REPLY_WAIT_MS };
	struct envelope_owner qo, ro;
	struct msgend rme;
	struct deadline d;
	const char *why = NULL;
	uint64_t start = clock_now_ns();
	size_t len = 0, room;
	char *out;
	pid_t pid = 0;
	char how[64];
	int st;

	/* Opened without creating: a reply object is the caller's to make. */
	if (msgend_open(&rme, rep, MSGEND_SENDER, &mo, &why) < 0) {
		if (sv->so->verbose)
			serve_log("%s: cannot open the reply object: %s: request skipped", peer,
				  why ? why : strerror(errno));
		return;
	}
	if (envelope_owner(&sv->me, &qo) < 0 || envelope_owner(&rme, &ro) < 0) {
		if (sv->so->verbose)
			serve_log("%s: cannot tell who owns the reply object: %s: request skipped",
				  peer, strerror(errno));
		msgend_close(&rme);
		return;
	}
	if (!envelope_reply_allowed(&qo, &ro, &why)) {
		if (sv->so->verbose)
			serve_log("%s: reply object refused: %s: request skipped", peer, why);
		msgend_close(&rme);
		return;
	}
	room = rme.msgsize > ENVELOPE_HEADER ? rme.msgsize - ENVELOPE_HEADER : 0;
	out = malloc(ENVELOPE_HEADER + room + 1);
	if (!out) {
		serve_log("%s: cannot allocate memory: request skipped", peer);
		msgend_close(&rme);
		return;
	}
	if (serve_command(sv, environ, e->payload, e->len, out + ENVELOPE_HEADER, room + 1, &len,
			  &st, &pid) < 0) {
		serve_log("%s: cannot run '%s': %s", peer, sv->so->command[0], strerror(errno));
		goto done;
	}
	if (sv->so->verbose) {
		serve_status(st, how, sizeof(how));
		serve_log("%s: command pid %d %s after %.3fs", peer, (int)pid, how,
			  (double)(clock_now_ns() - start) / 1e9);
	}
	/* The reply is a line's text: its final newline is the framing's. */
	if (len > 0 && len <= room + 1 && out[ENVELOPE_HEADER + len - 1] == '\n')
		len--;
	if (len > room) {
		serve_log("%s: reply of %s%zu bytes is larger than the reply object's message size "
			  "(%zu bytes with the envelope): not sent", peer,
			  len > room + 1 ? "over " : "", len > room + 1 ? room : len, rme.msgsize);
		goto done;
	}
	envelope_header(out, ENVELOPE_HEADER, ENVELOPE_REPLY, e->id, NULL);
	/* Killed before it ended: the caller learns its reply may be cut short. */
	if (WIFSIGNALED(st))
		envelope_set_signal(out, WTERMSIG(st));
	deadline_start(&d, SERVE_REPLY_WAIT_MS);
	if (msgend_send(&rme, out, ENVELOPE_HEADER + len, NULL, &d) < 0 && sv->so->verbose)
		serve_log("%s: cannot send the reply: %s", peer, strerror(errno));
done:
	free(out);
	msgend_close(&rme);
}

/* The message in buf, read from the queue or ring: to a handler process. */
static void serve_queue_request(struct serve *sv, int sfd, const char *buf, size_t len)
{
	uid_t uid = (uid_t)-1;
	struct envelope e;
	struct endpoint rep;
	const char *why = NULL;
	char peer[ENVELOPE_NAME_MAX + 32];
	int type = envelope_parse(buf, len, &e, &why);
	pid_t pid;

	if (type < 0) {
		if (sv->so->verbose)
			serve_log("'%s': a malformed request envelope (%s): skipped", sv->ep->text,
				  why);
		return;
	}
	if (type == ENVELOPE_REPLY) {
		if (sv->so->verbose)
			serve_log("'%s': a reply envelope where requests come: skipped",
				  sv->ep->text);
		return;
	}
	if (type == ENVELOPE_REQUEST) {
		char shown[ENVELOPE_NAME_MAX * 4 + 1];

		objref_escape(e.reply, shown, sizeof(shown), false);
		snprintf(peer, sizeof(peer), "reply to '%.*s'", ENVELOPE_NAME_MAX, shown);
		if (endpoint_parse(e.reply, &rep, &why) < 0 ||
		    !envelope_reply_named(sv->ep, &rep, &why)) {
			if (sv->so->verbose)
				serve_log("%s: not a reply object: %s: request skipped", peer, why);
			return;
		}
	} else {
		snprintf(peer, sizeof(peer), "a message without an envelope (no reply)");
	}
	pid = fork();
	if (pid < 0) {
		serve_log("cannot fork: %s", strerror(errno));
	} else if (pid == 0) {
		uint64_t start = clock_now_ns();
		pid_t cpid = 0;
		size_t olen = 0;
		char how[64];
		int st;

		serve_child_init(sfd);
		if (type == ENVELOPE_REQUEST) {
			serve_queue_reply(sv, &e, &rep, peer);
			_exit(EXIT_OK);
		}
		/* No reply: the output goes nowhere, as for a datagram with no address. */
		if (serve_command(sv, environ, e.payload, e.len, NULL, 0, &olen, &st, &cpid) < 0)
			serve_log("%s: cannot run '%s': %s", peer, sv->so->command[0],
				  strerror(errno));
		else if (sv->so->verbose) {
			serve_status(st, how, sizeof(how));
			serve_log("%s: command pid %d %s after %.3fs", peer, (int)cpid, how,
				  (double)(clock_now_ns() - start) / 1e9);
		}
		_exit(EXIT_OK);
	} else {
		sv->jobs[sv->njobs] = (struct serve_job){ .pid = pid, .uid = uid,
							   .start_ns = clock_now_ns() };
		sv->njobs++;
	}
}

/*
 * The loop of a queue or ring: a POSIX queue is polled beside the signals;
 * a System V queue or a ring cannot be, so a receive waits at most
 * SERVE_QUEUE_TICK_MS before the signals are looked at. true when the
 * queue failed (reported).
 */
#define SERVE_QUEUE_TICK_MS 100
static bool serve_queue_loop(struct serve *sv, int sfd, char *buf)
{
	bool pollable = sv->ep->kind == EP_MQ && sv->me.id < 0 && sv->me.fd >= 0;

	for (;;) {
		bool room = sv->njobs < sv->so->jobs;
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = room && pollable ? sv->me.fd : -1, .events = POLLIN },
		};
		struct deadline d;
		size_t len = 0;
		int rc;

		if (poll(pfd, 2, room && !pollable ? 0 : -1) < 0 && errno != EINTR) {
			cmd_warn("poll");
			return true;
		}
		if (pfd[0].revents && serve_signals(sv, sfd))
			return false;
		if (!room || (pollable && !(pfd[1].revents & POLLIN)))
			continue;
		deadline_start(&d, pollable ? 0 : SERVE_QUEUE_TICK_MS);
		rc = msgend_recv(&sv->me, buf, &len, NULL, &d);
		if (rc < 0 && (errno == ETIMEDOUT || errno == EAGAIN || errno == EINTR))
			continue;
		if (rc < 0) {
			cmd_warn("cannot receive from '%s'", sv->ep->text);
			return true;
		}
		if (rc == MSGEND_EOS) {
			/* (A ring served keeps going when a caller closes.) */
			poll(NULL, 0, 10);
			continue;
		}
		serve_queue_request(sv, sfd, buf, len);
	}
}

/* Open a message endpoint to serve on: EXIT_OK, or an exit status after reporting. */
static int serve_open_msg(struct serve *sv, const struct xfer_opts *o)
{
	struct xfer_opts ro = *o;
	int one = 1, rc;

	/* A ring served takes callers one after another: a caller's close is no end. */
	ro.keep = true;
	rc = xfer_open_msg(&sv->me, &ro, sv->ep, XFER_RECEIVER);
	if (rc != EXIT_OK)
		return rc;
	if (serve_is_queue(sv->ep))
		return EXIT_OK;
	xfer_allow_init(&sv->allow, o, sv->ep);
	/* A server runs long: refused peers are logged with -v only. */
	if (!sv->so->verbose)
		sv->allow.refused = NULL;
	if (sv->me.fd >= 0 && sv->ep->kind != EP_UDP)
		setsockopt(sv->me.fd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	if (sv->me.lfd >= 0)
		setsockopt(sv->me.lfd, SOL_SOCKET, SO_PASSCRED, &one, sizeof(one));
	return EXIT_OK;
}

static int serve_run(struct serve *sv, const struct xfer_opts *o)
{
	sigset_t set, old;
	int sfd, rc, lfd;
	bool stop = false, failed = false;
	char *buf = NULL;

	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* From here the signals come through sfd, also while listening starts. */
	sigprocmask(SIG_BLOCK, &set, &old);
	sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
	if (sfd < 0) {
		cmd_warn("signalfd");
		sigprocmask(SIG_SETMASK, &old, NULL);
		return EXIT_FAIL;
	}
	if (sv->msg) {
		rc = serve_open_msg(sv, o);
		if (rc == EXIT_OK && !(buf = malloc(sv->me.msgsize + 1))) {
			cmd_warn("cannot allocate memory");
			msgend_close(&sv->me);
			rc = EXIT_FAIL;
		}
		lfd = sv->me.lfd >= 0 ? sv->me.lfd : sv->me.fd;
	} else {
		rc = xfer_open_stream(&sv->s, o, sv->ep, XFER_RECEIVER, true);
		if (rc != EXIT_OK)
			xfer_close_stream(&sv->s);
		lfd = sv->s.lfd;
	}
	if (rc != EXIT_OK) {
		cleanup_run();
		close(sfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return rc;
	}
	/* A server runs long: refused peers are logged with -v only. */
	if (!sv->so->verbose)
		sv->s.allow.refused = NULL;
	if (sv->msg && serve_is_queue(sv->ep)) {
		failed = serve_queue_loop(sv, sfd, buf);
		stop = true;
	}
	while (!stop) {
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = sv->njobs < sv->so->jobs ? lfd : -1, .events = POLLIN },
		};

		if (poll(pfd, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			cmd_warn("poll");
			break;
		}
		if (pfd[0].revents && serve_signals(sv, sfd))
			stop = true;
		if (!stop && (pfd[1].revents & POLLIN)) {
			struct deadline now;
			uid_t uid;
			int fd;

			deadline_start(&now, 0);
			if (sv->msg && sv->me.lfd < 0) {
				serve_datagram(sv, sfd, buf);
				continue;
			}
			fd = sock_accept_allowed(lfd, &now, sv->msg ? &sv->allow : &sv->s.allow);
			if (fd >= 0 && !serve_per_uid_ok(sv, fd, &uid))
				;
			else if (fd >= 0 && sv->msg)
				serve_handler(sv, sfd, fd, NULL, 0, NULL, 0, NULL, uid);
			else if (fd >= 0)
				serve_spawn(sv, fd, uid);
			else if (errno == EMFILE || errno == ENFILE)
				/* Out of descriptors: let running commands end first. */
				poll(NULL, 0, 100);
		}
	}
	/* Stop accepting and remove the socket file before waiting. */
	if (sv->msg)
		msgend_close(&sv->me);
	else
		xfer_close_stream(&sv->s);
	cleanup_run();
	free(buf);
	serve_drain(sv, sfd);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return failed ? EXIT_FAIL : EXIT_OK;
}

/* Which endpoints: sockets, queues and rings. */
static int serve_check(const struct xfer_opts *o, const struct endpoint *ep)
{
	if (ep->kind == EP_STDIO || ep->kind == EP_FIFO)
		return cmd_usage_error("'%s': serve takes sockets, queues and rings: unix:, tcp:, "
				       "unix-seqpacket:, unix-dgram:, udp:, mq:, shm:", ep->text);
	if (endpoint_is_message(ep))
		return xfer_check_msg(o, ep, XFER_RECEIVER);
	if (o->create || o->rm)
		return cmd_usage_error("%s applies to queues and rings, not '%s'",
				       o->create ? "--create" : "--rm", ep->text);
	return xfer_check_stream_socket(o, ep);
}

/*
 * Options go before ENDPOINT (and may follow it); COMMAND starts at the first
 * argument after ENDPOINT that is not an option, or after "--", so that its
 * own options are its own: `serve unix:/s wc -c`.
 */
static poptContext serve_popt(int argc, const char **argv)
{
	poptContext pc;

	if (cmd_popt_hook)
		cmd_popt_hook(serve_options);
	pc = poptGetContext(cmd_prog, argc, argv, serve_options, POPT_CONTEXT_POSIXMEHARDER);
	poptSetOtherOptionHelp(pc, cmd_current->usage);
	return pc;
}

static int serve_parse(poptContext pc, struct xfer_opts *o, struct serve_opts *so)
{
	int opt, bad = 0;

	while ((opt = cmd_popt_next(pc)) > 0) {
		char *arg;

		switch (opt) {
		case SERVE_JOBS:
			arg = poptGetOptArg(pc);
			bad |= cmd_opt_number("--jobs", arg, 1, SERVE_JOBS_MAX, &so->jobs) < 0;
			free(arg);
			break;
		case SERVE_PER_UID:
			arg = poptGetOptArg(pc);
			bad |= cmd_opt_number("--per-uid", arg, 1, SERVE_JOBS_MAX, &so->per_uid) < 0;
			free(arg);
			break;
		case SERVE_GRACE:
			arg = poptGetOptArg(pc);
			bad |= cmd_opt_duration("--grace", arg, &so->grace_ms) < 0;
			free(arg);
			break;
		case SERVE_VERBOSE:
			so->verbose = true;
			break;
		default:
			xfer_opts_parse(o, pc, opt);
		}
	}
	return opt < 0 || bad ? -1 : 0;
}

int cmd_serve(int argc, const char **argv)
{
	struct serve_opts so = { .jobs = SERVE_JOBS_DEFAULT, .grace_ms = SERVE_GRACE_DEFAULT_MS };
	struct serve sv = { .so = &so };
	poptContext pc, pc2 = NULL;
	struct xfer_opts o;
	struct endpoint ep;
	const char **args, **cmdv = NULL, **rest = NULL;
	int nargs, ncmd = 0, rc;
	bool bad;

	xfer_options_pick(serve_xfer_options,
			  sizeof(serve_xfer_options) / sizeof(serve_xfer_options[0]),
			  serve_xfer_names);
	xfer_opts_init(&o);
	pc = serve_popt(argc, argv);
	bad = serve_parse(pc, &o, &so) < 0;
	args = cmd_popt_args(pc, &nargs);
	if (!bad && nargs > 1 && args[1][0] == '-' && strcmp(args[1], "--") != 0) {
		/* Options after ENDPOINT: a second pass over what follows it. */
		rest = calloc((size_t)nargs + 1, sizeof(*rest));
		if (rest) {
			rest[0] = argv[0];
			memcpy(rest + 1, args + 1, (size_t)(nargs - 1) * sizeof(*rest));
			pc2 = serve_popt(nargs, rest);
			bad = serve_parse(pc2, &o, &so) < 0;
			cmdv = cmd_popt_args(pc2, &ncmd);
		}
	} else if (nargs > 1) {
		cmdv = args + 1;
		ncmd = nargs - 1;
	}
	if (ncmd > 0 && strcmp(cmdv[0], "--") == 0) {
		cmdv++;
		ncmd--;
	}
	so.command = cmdv;
	if (bad || xfer_check(&o) != EXIT_OK)
		rc = EXIT_USAGE;
	else if (nargs < 1)
		rc = cmd_usage_error("missing ENDPOINT");
	else if (xfer_parse_endpoint(&o, args[0], &ep) < 0)
		rc = EXIT_USAGE;
	else if ((rc = serve_check(&o, &ep)) != EXIT_OK)
		;
	else if (so.per_uid && ep.kind != EP_UNIX && ep.kind != EP_UNIX_SEQPACKET)
		rc = cmd_usage_error("--per-uid applies to unix: and unix-seqpacket: sockets, "
				     "whose peers have a uid, not '%s'", ep.text);
	else if (ncmd < 1)
		rc = cmd_usage_error("missing COMMAND");
	else {
		sv.ep = &ep;
		sv.msg = endpoint_is_message(&ep);
		sv.jobs = calloc((size_t)so.jobs, sizeof(*sv.jobs));
		if (!sv.jobs) {
			cmd_warn("cannot allocate memory");
			rc = EXIT_FAIL;
		} else {
			rc = serve_run(&sv, &o);
		}
		free(sv.jobs);
	}
	if (pc2)
		poptFreeContext(pc2);
	free(rest);
	poptFreeContext(pc);
	return rc;
}
