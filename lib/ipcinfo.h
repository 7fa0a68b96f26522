/*
 * The IPC inventory: what exists on this machine and who uses it. Each
 * gatherer reads one source (/dev/mqueue, /dev/shm, the files in /proc/sysvipc,
 * /proc/net/unix) into a list; ipcinfo_procs then walks /proc once to fill
 * in the processes that have each object mapped or open. The command only
 * formats what is gathered here.
 */
#ifndef IPCTOOL_IPCINFO_H
#define IPCTOOL_IPCINFO_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

enum ipcinfo_kind {
	IPCINFO_MQ,
	IPCINFO_SHM,
	IPCINFO_SEM,
	IPCINFO_RING,	/* a segment holding an ipctool ring ("IPCTRING") */
	IPCINFO_SOCKET,	/* a named UNIX socket */
};

enum ipcinfo_api { IPCINFO_POSIX, IPCINFO_SYSV, IPCINFO_UNIX };

/* Which fields of an object are known: a zero may be a real value. */
enum {
	IPCINFO_HAS_OWNER = 1 << 0,	/* uid, gid, mode */
	IPCINFO_HAS_CREATOR = 1 << 1,	/* cuid, cgid */
	IPCINFO_HAS_SIZE = 1 << 2,
	IPCINFO_HAS_USED = 1 << 3,
	IPCINFO_HAS_MSGS = 1 << 4,
	IPCINFO_HAS_VALUE = 1 << 5,
	IPCINFO_HAS_ATTACH = 1 << 6,
	IPCINFO_HAS_CPID = 1 << 7,
	IPCINFO_HAS_LPID = 1 << 8,
	IPCINFO_HAS_MTIME = 1 << 9,
	IPCINFO_HAS_CTIME = 1 << 10,
	IPCINFO_HAS_MSGLIMITS = 1 << 11, /* maxmsg, msgsize */
	IPCINFO_HAS_NOTIFY = 1 << 12,
	IPCINFO_HAS_NSEMS = 1 << 13,
	IPCINFO_HAS_RSS = 1 << 14,	/* rss, swap (System V shm) */
	IPCINFO_HAS_PROCS = 1 << 15,	/* pids filled by ipcinfo_procs */
	IPCINFO_HAS_WAITERS = 1 << 16,	/* waiters (System V semaphores) */
};

/* The processes found in /proc, for PROCS: pid and command name. */
struct ipcinfo_proc {
	pid_t pid;
	uid_t uid;
	char comm[17];
};

struct ipcinfo_obj {
	enum ipcinfo_kind kind;
	enum ipcinfo_api api;
	unsigned has;
	/* POSIX: "/NAME"; socket: its path or "@abstract"; System V: "". */
	char name[NAME_MAX + 2];
	key_t key;		/* System V */
	int id;			/* System V identifier */
	uid_t uid, cuid;
	gid_t gid, cgid;
	mode_t mode;		/* permission bits */
	uint64_t size;		/* capacity: bytes of a segment or queue */
	uint64_t used;		/* bytes queued, or resident bytes of a segment */
	uint64_t msgs;		/* messages queued */
	uint64_t maxmsg, msgsize;
	uint64_t attach;	/* attached or opening processes */
	uint64_t nsems;
	uint64_t rss, swap;
	uint64_t waiters;	/* System V semaphores: processes asleep in semop */
	char value[64];		/* semaphore value, or a set's values "1,0,2" */
	pid_t cpid, lpid, notify_pid;
	pid_t lspid, lrpid;	/* System V queue: last sender and receiver */
	time_t stime, rtime;	/* System V queue: last send and receive (0: never) */
	/* A pid of the last operations (msg send/receive, semop) is alive. */
	bool recent_alive;
	time_t mtime, ctime, atime, dtime;
	dev_t dev;		/* POSIX objects and socket files: to match /proc */
	ino_t ino;		/* sockets: the socket inode */
	int socktype;		/* SOCK_STREAM, ... */
	int sockstate;		/* 1 unconnected, 3 connected, ... */
	bool listening;
	/* Processes that have it mapped or open (sorted, distinct). */
	pid_t *pids;
	size_t npids, pids_cap;
	/* System V shm: a process mapping it and where, to peek at it. */
	pid_t map_pid;
	unsigned long map_addr;
};

struct ipcinfo_list {
	struct ipcinfo_obj *v;
	size_t n, cap;
	struct ipcinfo_proc *procs; /* sorted by pid */
	size_t nprocs;
	/*
	 * Filled by ipcinfo_get_waits: processes asleep on an object without a
	 * descriptor or mapping of it, so ipcinfo_procs cannot see them.
	 */
	bool waits_read;
	int *msg_waits;		/* System V queue ids a process sleeps in msgsnd/msgrcv on */
	size_t nmsg_waits;
	bool msg_wait_unknown;	/* ... and one whose queue could not be told */
	struct ipcinfo_file *fifo_opens; /* FIFOs a process sleeps opening */
	size_t nfifo_opens;
	bool fifo_open_unknown;	/* ... and one whose FIFO could not be told */
};

struct ipcinfo_file {
	dev_t dev;
	ino_t ino;
};

/* Every gatherer appends to list; -1 with errno on failure (list intact). */

/* Where the mqueue file system is mounted by default. */
#define IPCINFO_MQUEUE_DIR "/dev/mqueue"
/*
 * The queues in the mqueue file system mounted at dir; ENOENT when dir is
 * not there, ENODEV when it is not an mqueue mount.
 */
int ipcinfo_get_posix_mq(struct ipcinfo_list *list, const char *dir);
/* /dev/shm: segments (and rings) with want_shm, sem.NAME files with want_sem. */
int ipcinfo_get_posix_shm(struct ipcinfo_list *list, bool want_shm, bool want_sem);
int ipcinfo_get_sysv_msg(struct ipcinfo_list *list);
int ipcinfo_get_sysv_shm(struct ipcinfo_list *list);
int ipcinfo_get_sysv_sem(struct ipcinfo_list *list);
/* Named UNIX sockets from /proc/net/unix. */
int ipcinfo_get_unix(struct ipcinfo_list *list);
/*
 * Walk /proc once: fill each object's pids (and POSIX attach counts) from
 * /proc/PID/maps and /proc/PID/fd. Processes we may not inspect are skipped.
 */
int ipcinfo_procs(struct ipcinfo_list *list);
/*
 * Mark System V segments that hold an ipctool ring, read through a mapping
 * process's /proc/PID/mem (after ipcinfo_procs). Never by attaching: shmat
 * would change the segment's LPID and times, and ls must change nothing,
 * so a System V ring that nobody has attached is listed as shm.
 */
void ipcinfo_find_sysv_rings(struct ipcinfo_list *list);
/* Whether a process has the file (a FIFO) at dev/ino open: one /proc walk. */
bool ipcinfo_file_in_use(dev_t dev, ino_t ino);
/*
 * Walk /proc for processes asleep in msgrcv/msgsnd (the queue id is their
 * first argument) or in open() of a FIFO (a path in their memory), which
 * hold no descriptor yet. Processes we may not inspect are skipped.
 */
int ipcinfo_get_waits(struct ipcinfo_list *list);
/* The command name of a pid found by ipcinfo_procs, or NULL. */
const char *ipcinfo_comm(const struct ipcinfo_list *list, pid_t pid);
/*
 * Whether the object may be in use: true unless there is positive evidence
 * that nobody uses it. *why says what was seen (NULL when o->pids lists
 * the users). A System V queue or a FIFO is in use unless ipcinfo_get_waits
 * has read who sleeps on them.
 */
bool ipcinfo_in_use(const struct ipcinfo_list *list, const struct ipcinfo_obj *o,
		    const char **why);
/* The same for a FIFO at dev/ino (its openers come from ipcinfo_get_waits). */
bool ipcinfo_fifo_in_use(const struct ipcinfo_list *list, dev_t dev, ino_t ino,
			 const char **why);
void ipcinfo_free(struct ipcinfo_list *list);

/* One member of a System V semaphore set, as semctl(2) reports it (ls -i). */
struct ipcinfo_semmember {
	int value;
	int ncnt, zcnt;		/* processes waiting for an increase, for zero */
	pid_t pid;		/* the last semop's */
};
/*
 * The first n members of System V set id (the caller knows nsems from the
 * inventory). Reading changes nothing. -1 with errno (EIDRM, EACCES, ...).
 */
int ipcinfo_get_sem_members(int id, struct ipcinfo_semmember *v, size_t n);

/* "mq", "shm", "sem", "ring", "socket"; and "posix", "sysv", "unix". */
const char *ipcinfo_kind_name(enum ipcinfo_kind kind);
const char *ipcinfo_api_name(enum ipcinfo_api api);
/*
 * The reference that names the object for rm: "mq:/q", "shm:key:0x0000001f";
 * the name escaped by objref_escape, as references accept it.
 */
void ipcinfo_ref(const struct ipcinfo_obj *o, char *buf, size_t len);

/* Parsers of the kernel's text, exposed for the unit tests. */
/* "QSIZE:129 NOTIFY:2 SIGNO:0 NOTIFY_PID:8260" */
int ipcinfo_parse_mq_text(const char *text, uint64_t *qsize, pid_t *notify_pid);
/* One /proc/net/unix line (not the header) into a socket object. */
int ipcinfo_parse_unix_line(const char *line, struct ipcinfo_obj *o);
/*
 * One /proc/PID/maps line of a shared mapping: its start, device and inode,
 * and whether it is a System V segment (inode = shmid). -1 if not shared.
 */
int ipcinfo_parse_maps_line(const char *line, unsigned long *start, dev_t *dev,
			    ino_t *ino, bool *sysv);

/* Kernel limits with their current use (ls --limits). */
struct ipcinfo_limit {
	const char *resource;	/* "MSGMNI", "QUEUES_MAX", ... */
	const char *description;
	bool has_limit, has_used;
	bool bytes;		/* limit and use are byte counts */
	uint64_t limit, used;
};

/*
 * Fill rows (at most max) with every limit, using list (gathered with every
 * kind but sockets) for the current use. Returns the number of rows.
 */
size_t ipcinfo_get_limits(const struct ipcinfo_list *list, struct ipcinfo_limit *rows,
			  size_t max);
#define IPCINFO_LIMITS_MAX 24

#endif
