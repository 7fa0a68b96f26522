/* Signals by name and number, and waiting for them with a deadline. */
#ifndef IPCTOOL_SIG_H
#define IPCTOOL_SIG_H

#include <signal.h>
#include <stddef.h>

#include "clock.h"

/*
 * "USR1", "SIGUSR1", "usr1", "10", "RTMIN", "SIGRTMIN+3", "RTMAX-1": the
 * signal number, or -1 with errno EINVAL and *why saying what was expected.
 * Numbers the C library keeps for itself (between SIGSYS and SIGRTMIN) are
 * refused; 0 is accepted (it only checks that a process exists).
 */
int sig_parse(const char *text, int *sig, const char **why);
/* "SIGUSR1", "SIGRTMIN+3", "SIGRTMAX"; "0" for 0. */
void sig_name(int sig, char *buf, size_t len);
/* What the signal does by default: "term", "core", "ignore", "stop", "continue". */
const char *sig_default_action(int sig);
/* Largest valid signal number (SIGRTMAX). */
int sig_max(void);
/*
 * Wait for one of the (blocked) signals in set until the deadline: the
 * signal number with *si filled, or -1 with errno ETIMEDOUT (EAGAIN for a
 * deadline of 0).
 */
int sig_wait(const sigset_t *set, const struct deadline *d, siginfo_t *si);
/* The sender's kind from si_code: "user", "queue", "tkill", "kernel"... */
const char *sig_code_name(const siginfo_t *si);

#endif
