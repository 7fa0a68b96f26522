/*
 * ipctool serve: listen on a stream socket and run COMMAND for each
 * connection, with the connection as its standard input and output and the
 * peer in UCSPI variables (as s6-ipcserver and tcpserver do). One poll loop
 * over the listener and a signalfd (SIGCHLD reaps, SIGTERM/SIGINT/SIGHUP
 * stop); at the --jobs limit the listener is not polled, so further peers
 * wait in the backlog instead of being refused.
 */
#include <arpa/inet.h>
#include <errno.h>
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

#include "../lib/parse.h"
#include "cmd.h"
#include "xfer.h"

extern char **environ;

enum { SERVE_JOBS = 100, SERVE_VERBOSE, SERVE_GRACE };

#define SERVE_JOBS_DEFAULT 40
#define SERVE_JOBS_MAX 10000
#define SERVE_GRACE_DEFAULT_MS 5000

static struct poptOption serve_own_options[] = {
	{ "jobs", 'j', POPT_ARG_STRING, NULL, SERVE_JOBS,
	  "run at most N commands at once; further peers wait (default 40)", "N" },
	{ "verbose", 'v', POPT_ARG_NONE, NULL, SERVE_VERBOSE,
	  "one line per connection on stderr: peer, command pid, exit status, duration", NULL },
	{ "grace", '\0', POPT_ARG_STRING, NULL, SERVE_GRACE,
	  "on SIGTERM or SIGINT, wait DURATION for running commands before "
	  "terminating them (default 5s)", "DURATION" },
	POPT_TABLEEND
};

static const char *const serve_xfer_names[] = { "mode", "reuse", "allow-uid", "allow-gid", NULL };
static struct poptOption serve_xfer_options[8];

static struct poptOption serve_options[] = {
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, serve_own_options, 0, "Serve options:", NULL },
	{ NULL, '\0', POPT_ARG_INCLUDE_TABLE, serve_xfer_options, 0, "Listener options:", NULL },
	CMD_HELP_OPTIONS,
	POPT_TABLEEND
};

struct serve_opts {
	long long jobs;
	bool verbose;
	int64_t grace_ms;
	const char **command;
};

struct serve_job {
	pid_t pid;
	uint64_t start_ns;
	char peer[160];
};

struct serve {
	const struct serve_opts *so;
	const struct endpoint *ep;
	struct xfer_stream s;
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

/* The UCSPI variables; PROTO and its prefixes from our own environment are replaced. */
#define SERVE_ENV_OWN 8
static char **serve_env(const struct serve *sv, int fd, char *peer, size_t peerlen)
{
	static const char *const ours[] = { "PROTO=", "IPCREMOTE", "IPCLOCAL", "TCPREMOTE",
					    "TCPLOCAL", NULL };
	struct sockaddr_storage rs, ls;
	socklen_t rl = sizeof(rs), ll = sizeof(ls);
	char vars[SERVE_ENV_OWN][160];
	size_t n = 0, nv = 0, i, k;
	char **env;

	memset(&rs, 0, sizeof(rs));
	memset(&ls, 0, sizeof(ls));
	if (getpeername(fd, (struct sockaddr *)&rs, &rl) < 0)
		rl = 0;
	if (getsockname(fd, (struct sockaddr *)&ls, &ll) < 0)
		ll = 0;
	if (sv->ep->kind == EP_UNIX) {
		struct ucred cred = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		socklen_t cl = sizeof(cred);
		char path[128];

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

		serve_inet(&rs, rip, sizeof(rip), rport, sizeof(rport));
		serve_inet(&ls, lip, sizeof(lip), lport, sizeof(lport));
		snprintf(vars[nv++], sizeof(vars[0]), "PROTO=TCP");
		snprintf(vars[nv++], sizeof(vars[0]), "TCPREMOTEIP=%s", rip);
		snprintf(vars[nv++], sizeof(vars[0]), "TCPREMOTEPORT=%s", rport);
		snprintf(vars[nv++], sizeof(vars[0]), "TCPLOCALIP=%s", lip);
		snprintf(vars[nv++], sizeof(vars[0]), "TCPLOCALPORT=%s", lport);
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

/* Run the command on connection fd. */
static void serve_spawn(struct serve *sv, int fd)
{
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dfl;
	char peer[160];
	char **env;
	pid_t pid;
	int rc;

	env = serve_env(sv, fd, peer, sizeof(peer));
	if (!env) {
		serve_log("%s: cannot allocate memory: connection closed", peer);
		close(fd);
		return;
	}
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
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &dfl);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fd, STDIN_FILENO);
	posix_spawn_file_actions_adddup2(&fa, fd, STDOUT_FILENO);
	rc = posix_spawnp(&pid, sv->so->command[0], &fa, &attr, (char *const *)sv->so->command,
			  env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	serve_env_free(env);
	close(fd);
	if (rc != 0) {
		serve_log("%s: cannot run '%s': %s", peer, sv->so->command[0], strerror(rc));
		return;
	}
	sv->jobs[sv->njobs] = (struct serve_job){ .pid = pid, .start_ns = clock_now_ns() };
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
		if (sv->so->verbose) {
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

	for (i = 0; i < sv->njobs; i++)
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

static int serve_run(struct serve *sv, const struct xfer_opts *o)
{
	sigset_t set, old;
	int sfd, rc;
	bool stop = false;

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
	rc = xfer_open_stream(&sv->s, o, sv->ep, XFER_RECEIVER, true);
	if (rc != EXIT_OK) {
		xfer_close_stream(&sv->s);
		cleanup_run();
		close(sfd);
		sigprocmask(SIG_SETMASK, &old, NULL);
		return rc;
	}
	/* A server runs long: refused peers are logged with -v only. */
	if (!sv->so->verbose)
		sv->s.allow.refused = NULL;
	while (!stop) {
		struct pollfd pfd[2] = {
			{ .fd = sfd, .events = POLLIN },
			{ .fd = sv->njobs < sv->so->jobs ? sv->s.lfd : -1, .events = POLLIN },
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
			int fd;

			deadline_start(&now, 0);
			fd = sock_accept_allowed(sv->s.lfd, &now, &sv->s.allow);
			if (fd >= 0)
				serve_spawn(sv, fd);
			else if (errno == EMFILE || errno == ENFILE)
				/* Out of descriptors: let running commands end first. */
				poll(NULL, 0, 100);
		}
	}
	/* Stop accepting and remove the socket file before waiting. */
	xfer_close_stream(&sv->s);
	cleanup_run();
	serve_drain(sv, sfd);
	close(sfd);
	sigprocmask(SIG_SETMASK, &old, NULL);
	return EXIT_OK;
}

/*
 * Options go before ENDPOINT (and may follow it); COMMAND starts at the first
 * argument after ENDPOINT that is not an option, or after "--", so that its
 * own options are its own: `serve unix:/s wc -c`.
 */
static poptContext serve_popt(int argc, const char **argv)
{
	poptContext pc = poptGetContext(cmd_prog, argc, argv, serve_options,
					POPT_CONTEXT_POSIXMEHARDER);

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
	else if ((rc = xfer_check_stream_socket(&o, &ep)) != EXIT_OK)
		;
	else if (ncmd < 1)
		rc = cmd_usage_error("missing COMMAND");
	else {
		sv.ep = &ep;
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
