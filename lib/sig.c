/* Signal names and waits. */
#include "sig.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "parse.h"

static const char *const sig_expected =
	"not a signal (expected a name like USR1 or SIGUSR1, a number, or RTMIN+N)";

static int sig_fail(const char **why, const char *what)
{
	if (why)
		*why = what;
	errno = EINVAL;
	return -1;
}

int sig_max(void)
{
	return SIGRTMAX;
}

static bool sig_usable(int sig)
{
	return sig == 0 || (sig > 0 && sig < SIGRTMIN && sigabbrev_np(sig)) ||
	       (sig >= SIGRTMIN && sig <= SIGRTMAX);
}

/* "RTMIN", "RTMIN+N", "RTMAX", "RTMAX-N" (prefix already stripped). */
static int sig_parse_rt(const char *text, int *sig, const char **why)
{
	int base = strncasecmp(text, "RTMIN", 5) == 0 ? SIGRTMIN : SIGRTMAX;
	int dir = base == SIGRTMIN ? 1 : -1;
	const char *p = text + 5;
	long long n = 0;

	if (*p) {
		if (*p != (dir > 0 ? '+' : '-'))
			return sig_fail(why, dir > 0 ? "not a signal (expected RTMIN+N)" :
						       "not a signal (expected RTMAX-N)");
		if (parse_number(p + 1, 0, SIGRTMAX - SIGRTMIN, &n, NULL) < 0)
			return sig_fail(why, "a real-time signal out of range");
	}
	*sig = base + dir * (int)n;
	return 0;
}

int sig_parse(const char *text, int *sig, const char **why)
{
	long long n;
	int i;

	if (!text || !*text)
		return sig_fail(why, sig_expected);
	if (isdigit((unsigned char)text[0])) {
		if (parse_number(text, 0, SIGRTMAX, &n, NULL) < 0 || !sig_usable((int)n))
			return sig_fail(why, "not a usable signal number (see 'ipctool signal list')");
		*sig = (int)n;
		return 0;
	}
	if (strncasecmp(text, "SIG", 3) == 0)
		text += 3;
	if (strncasecmp(text, "RTMIN", 5) == 0 || strncasecmp(text, "RTMAX", 5) == 0)
		return sig_parse_rt(text, sig, why);
	for (i = 1; i < SIGRTMIN; i++) {
		const char *abbrev = sigabbrev_np(i);

		if (abbrev && strcasecmp(abbrev, text) == 0) {
			*sig = i;
			return 0;
		}
	}
	return sig_fail(why, sig_expected);
}

void sig_name(int sig, char *buf, size_t len)
{
	if (sig == 0)
		snprintf(buf, len, "0");
	else if (sig >= SIGRTMIN && sig <= SIGRTMAX) {
		if (sig == SIGRTMAX)
			snprintf(buf, len, "SIGRTMAX");
		else if (sig == SIGRTMIN)
			snprintf(buf, len, "SIGRTMIN");
		else
			snprintf(buf, len, "SIGRTMIN+%d", sig - SIGRTMIN);
	} else if (sigabbrev_np(sig))
		snprintf(buf, len, "SIG%s", sigabbrev_np(sig));
	else
		snprintf(buf, len, "%d", sig);
}

const char *sig_default_action(int sig)
{
	switch (sig) {
	case SIGQUIT: case SIGILL: case SIGTRAP: case SIGABRT: case SIGBUS:
	case SIGFPE: case SIGSEGV: case SIGXCPU: case SIGXFSZ: case SIGSYS:
		return "core";
	case SIGCHLD: case SIGURG: case SIGWINCH:
		return "ignore";
	case SIGSTOP: case SIGTSTP: case SIGTTIN: case SIGTTOU:
		return "stop";
	case SIGCONT:
		return "continue";
	default:
		return "term";
	}
}

int sig_wait(const sigset_t *set, const struct deadline *d, siginfo_t *si)
{
	struct timespec ts;
	int ms, sig;

	for (;;) {
		ms = deadline_poll_ms(d);
		ts.tv_sec = ms / 1000;
		ts.tv_nsec = (long)(ms % 1000) * 1000000L;
		sig = ms < 0 ? sigwaitinfo(set, si) : sigtimedwait(set, si, &ts);
		if (sig > 0)
			return sig;
		if (errno == EINTR)
			continue;
		if (errno == EAGAIN && ms > 0) {
			if (!deadline_passed(d))
				continue;
			errno = ETIMEDOUT;
		}
		return -1;
	}
}

const char *sig_code_name(const siginfo_t *si)
{
	switch (si->si_code) {
	case SI_USER: return "user";
	case SI_QUEUE: return "queue";
	case SI_TKILL: return "tkill";
	case SI_TIMER: return "timer";
	case SI_MESGQ: return "mesgq";
	case SI_ASYNCIO: return "asyncio";
	case SI_SIGIO: return "sigio";
	default: return "kernel";
	}
}
