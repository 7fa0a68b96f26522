/*
 * ipcobj: creates the IPC objects the ls and rm suites look at, where no
 * ipctool command or ipcmk does (built by `make unit` as BUILD/tests/ipcobj).
 *   ipcobj mq NAME [READY]     POSIX queue (4 x 64 bytes, mode 0640) holding
 *                              "hello" and "world!"; with READY, keep it open
 *   ipcobj shm|ring NAME [READY]  64 KiB POSIX segment, an empty 32K ring for ring;
 *                              with READY (a FIFO), map it, write "ready" to READY, wait
 *   ipcobj sem NAME VALUE      POSIX semaphore
 *   ipcobj sysvring KEY READY  System V segment holding an empty ring, held attached
 *   ipcobj ftokshm PATH PROJ   System V segment keyed ftok(PATH, PROJ); prints its id
 *   ipcobj sock PATH           a UNIX socket file left behind by a dead listener
 */
#include <fcntl.h>
#include <mqueue.h>
#include <semaphore.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../lib/ring.h"

/* Say "ready" through the FIFO READY (the test reads it), then wait. */
static int hold(const char *ready)
{
	int fd = open(ready, O_WRONLY);

	if (fd < 0 || write(fd, "ready\n", 6) != 6) {
		perror(ready);
		return 1;
	}
	close(fd);
	for (;;)
		pause();
}

int main(int argc, char **argv)
{
	const char *why;

	if (argc < 3)
		return 2;
	if (strcmp(argv[1], "mq") == 0) {
		struct mq_attr a = { .mq_maxmsg = 4, .mq_msgsize = 64 };
		mqd_t q = mq_open(argv[2], O_CREAT | O_EXCL | O_RDWR, 0640, &a);

		if (q == (mqd_t)-1 || mq_send(q, "hello", 5, 0) < 0 || mq_send(q, "world!", 6, 0) < 0) {
			perror(argv[2]);
			return 1;
		}
		return argc > 3 ? hold(argv[3]) : 0;
	}
	if (strcmp(argv[1], "sem") == 0) {
		sem_t *s = sem_open(argv[2], O_CREAT | O_EXCL, 0600, argc > 3 ? atoi(argv[3]) : 0);

		if (s == SEM_FAILED) {
			perror(argv[2]);
			return 1;
		}
		return 0;
	}
	if (strcmp(argv[1], "shm") == 0 || strcmp(argv[1], "ring") == 0) {
		int fd = shm_open(argv[2], O_CREAT | O_EXCL | O_RDWR, 0600);
		char *p;

		if (fd < 0 || ftruncate(fd, 65536) < 0) {
			perror(argv[2]);
			return 1;
		}
		p = mmap(NULL, 65536, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED) {
			perror(argv[2]);
			return 1;
		}
		if (strcmp(argv[1], "ring") != 0)
			memcpy(p, "not ring", 8);
		else if (ring_format(p, 65536, 32768, &why) < 0) {
			fprintf(stderr, "%s: %s\n", argv[2], why);
			return 1;
		}
		return argc > 3 ? hold(argv[3]) : 0;
	}
	if (strcmp(argv[1], "sysvring") == 0 && argc > 3) {
		int id = shmget((key_t)strtol(argv[2], NULL, 0), 65536, IPC_CREAT | IPC_EXCL | 0600);
		char *p = id < 0 ? (char *)-1 : shmat(id, NULL, 0);

		if (p == (char *)-1) {
			perror(argv[2]);
			return 1;
		}
		if (ring_format(p, 65536, 32768, &why) < 0) {
			fprintf(stderr, "%s: %s\n", argv[2], why);
			return 1;
		}
		return hold(argv[3]);
	}
	if (strcmp(argv[1], "ftokshm") == 0 && argc > 3) {
		key_t key = ftok(argv[2], atoi(argv[3]));
		int id = key == -1 ? -1 : shmget(key, 4096, IPC_CREAT | IPC_EXCL | 0600);

		if (id < 0) {
			perror(argv[2]);
			return 1;
		}
		printf("%d\n", id);
		return 0;
	}
	if (strcmp(argv[1], "sock") == 0) {
		struct sockaddr_un sun = { .sun_family = AF_UNIX };
		int fd = socket(AF_UNIX, SOCK_STREAM, 0);

		snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", argv[2]);
		if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 1) < 0) {
			perror(argv[2]);
			return 1;
		}
		return 0; /* the file stays, nobody listens */
	}
	return 2;
}
