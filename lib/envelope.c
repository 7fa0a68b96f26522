/* The envelope of call and serve on queues and rings (lib/envelope.h). */
#include "envelope.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ipc.h>
#include <sys/msg.h>
#include <sys/random.h>
#include <sys/shm.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shm.h"

static const char envelope_magic_request[8] = { '\0', 'I', 'P', 'C', 'C', 'A', 'L', 'L' };
static const char envelope_magic_reply[8] = { '\0', 'I', 'P', 'C', 'R', 'P', 'L', 'Y' };

ssize_t envelope_header(void *buf, size_t cap, enum envelope_type type, uint64_t id,
			const char *reply)
{
	unsigned char *p = buf;
	size_t nlen = type == ENVELOPE_REQUEST && reply ? strlen(reply) : 0;
	int i;

	if (type == ENVELOPE_PLAIN || nlen > ENVELOPE_NAME_MAX || ENVELOPE_HEADER + nlen > cap) {
		errno = EMSGSIZE;
		return -1;
	}
	memcpy(p, type == ENVELOPE_REQUEST ? envelope_magic_request : envelope_magic_reply, 8);
	p[8] = ENVELOPE_VERSION;
	p[9] = 0;
	p[10] = (unsigned char)(nlen >> 8);
	p[11] = (unsigned char)nlen;
	for (i = 0; i < 8; i++)
		p[12 + i] = (unsigned char)(id >> (56 - 8 * i));
	memcpy(p + ENVELOPE_HEADER, reply ? reply : "", nlen);
	return (ssize_t)(ENVELOPE_HEADER + nlen);
}

void envelope_set_signal(void *buf, int sig)
{
	((unsigned char *)buf)[9] = sig > 0 && sig <= ENVELOPE_SIGNAL_MAX ? (unsigned char)sig : 0;
}

int envelope_parse(const void *msg, size_t len, struct envelope *e, const char **why)
{
	const unsigned char *p = msg;
	size_t nlen;
	int i;

	memset(e, 0, sizeof(*e));
	e->payload = msg;
	e->len = len;
	if (len < 8 || (memcmp(p, envelope_magic_request, 8) != 0 &&
			memcmp(p, envelope_magic_reply, 8) != 0))
		return ENVELOPE_PLAIN;
	e->type = p[4] == 'C' ? ENVELOPE_REQUEST : ENVELOPE_REPLY;
	if (len < ENVELOPE_HEADER) {
		*why = "shorter than its header";
		return -1;
	}
	if (p[8] != ENVELOPE_VERSION) {
		*why = "an unknown version";
		return -1;
	}
	if (e->type == ENVELOPE_REQUEST ? p[9] != 0 : p[9] > ENVELOPE_SIGNAL_MAX) {
		*why = "unknown flags";
		return -1;
	}
	if (e->type == ENVELOPE_REPLY)
		e->signal = p[9];
	nlen = (size_t)p[10] << 8 | p[11];
	if (nlen > len - ENVELOPE_HEADER) {
		*why = "a reply name longer than the message";
		return -1;
	}
	if (e->type == ENVELOPE_REQUEST && (nlen == 0 || nlen > ENVELOPE_NAME_MAX)) {
		*why = nlen ? "a reply name too long" : "no reply name";
		return -1;
	}
	if (e->type == ENVELOPE_REPLY && nlen != 0) {
		*why = "a reply with a reply name";
		return -1;
	}
	if (memchr(p + ENVELOPE_HEADER, '\0', nlen)) {
		*why = "a NUL byte in the reply name";
		return -1;
	}
	for (i = 0; i < 8; i++)
		e->id = e->id << 8 | p[12 + i];
	memcpy(e->reply, p + ENVELOPE_HEADER, nlen);
	e->reply[nlen] = '\0';
	e->payload = p + ENVELOPE_HEADER + nlen;
	e->len = len - ENVELOPE_HEADER - nlen;
	return (int)e->type;
}

uint64_t envelope_random(void)
{
	uint64_t v = 0;
	struct timespec ts;

	if (getrandom(&v, sizeof(v), GRND_NONBLOCK) == (ssize_t)sizeof(v))
		return v;
	/* Entropy not ready this early after boot: unique, if not secret. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_nsec * 6364136223846793005u ^ (uint64_t)ts.tv_sec << 32 ^
	       (uint64_t)getpid();
}

int envelope_reply_text(const struct endpoint *req, char *buf, size_t len)
{
	const char *scheme = req->kind == EP_MQ ? "mq" : "shm";
	int n;

	if (req->kind != EP_MQ && req->kind != EP_SHM) {
		errno = EINVAL;
		return -1;
	}
	if (objref_is_sysv(&req->obj))
		n = snprintf(buf, len, "%s:key:private", scheme);
	else
		n = snprintf(buf, len, "%s:%s%016llx%016llx", scheme, ENVELOPE_REPLY_PREFIX,
			     (unsigned long long)envelope_random(),
			     (unsigned long long)envelope_random());
	if (n < 0 || (size_t)n >= len) {
		errno = ENAMETOOLONG;
		return -1;
	}
	return 0;
}

int envelope_owner(const struct msgend *me, struct envelope_owner *o)
{
	memset(o, 0, sizeof(*o));
	if (me->ep->kind == EP_MQ && me->id >= 0) {
		struct msqid_ds ds;

		if (msgctl(me->id, IPC_STAT, &ds) < 0)
			return -1;
		o->sysv = true;
		o->uid = ds.msg_perm.uid;
		o->cuid = ds.msg_perm.cuid;
		o->mode = ds.msg_perm.mode & 07777;
		o->key = ds.msg_perm.__key;
	} else if (me->ep->kind == EP_MQ) {
		struct stat st;

		if (fstat(me->fd, &st) < 0)
			return -1;
		o->uid = o->cuid = st.st_uid;
		o->mode = st.st_mode & 07777;
	} else if (me->ep->kind == EP_SHM && me->id >= 0) {
		struct shmid_ds ds;

		if (shmctl(me->id, IPC_STAT, &ds) < 0)
			return -1;
		o->sysv = true;
		o->uid = ds.shm_perm.uid;
		o->cuid = ds.shm_perm.cuid;
		o->mode = ds.shm_perm.mode & 07777;
		o->key = ds.shm_perm.__key;
	} else if (me->ep->kind == EP_SHM) {
		struct shm_seg s;
		struct stat st;
		int rc;

		/* The segment the ring is in, by name (shm_stat would count its
		 * users through every /proc/PID/maps: far too slow per request). */
		if (shm_open_ref(&me->ep->obj, false, &s) < 0)
			return -1;
		rc = fstat(s.fd, &st);
		shm_close(&s);
		if (rc < 0)
			return -1;
		o->uid = o->cuid = st.st_uid;
		o->mode = st.st_mode & 07777;
	} else {
		errno = EINVAL;
		return -1;
	}
	return 0;
}

bool envelope_reply_named(const struct endpoint *req, const struct endpoint *rep,
			  const char **why)
{
	if (endpoint_transport(req) != endpoint_transport(rep)) {
		*why = "not of the request endpoint's kind";
		return false;
	}
	if (objref_is_sysv(&rep->obj) ? rep->obj.kind != OBJREF_ID
				       : strncmp(rep->obj.name, ENVELOPE_REPLY_PREFIX,
						 strlen(ENVELOPE_REPLY_PREFIX)) != 0) {
		*why = objref_is_sysv(&rep->obj) ? "not a private object named by its id"
						 : "not named " ENVELOPE_REPLY_PREFIX "...";
		return false;
	}
	return true;
}

bool envelope_reply_allowed(const struct envelope_owner *req, const struct envelope_owner *rep,
			    const char **why)
{
	if (req->mode & 022) {
		*why = "the request endpoint is writable by other users, whose requests cannot be "
		       "told apart";
		return false;
	}
	if (req->sysv && req->uid != req->cuid) {
		*why = "the request endpoint's owner did not create it";
		return false;
	}
	if ((rep->mode & 0777) != 0600) {
		*why = "its mode is not 0600";
		return false;
	}
	if (rep->sysv && (rep->key != IPC_PRIVATE || rep->uid != rep->cuid)) {
		*why = "not a private object made by its owner";
		return false;
	}
	if (rep->uid != req->uid) {
		*why = "its owner is not the request endpoint's owner";
		return false;
	}
	return true;
}
