/* The one inventory of ls, rm, mq ls and shm ls: see cmd_inventory.h. */
#include "cmd_inventory.h"

#include <errno.h>
#include <stdlib.h>

#include "cmd.h"

const char *cmd_inventory_mqueue_dir(void)
{
	const char *dir = getenv("IPCTOOL_MQUEUE_DIR");

	return dir && *dir ? dir : IPCINFO_MQUEUE_DIR;
}

int cmd_inventory_gather(struct ipcinfo_list *list, unsigned sel)
{
	const char *mqdir = cmd_inventory_mqueue_dir();
	unsigned shm = sel & (INVENTORY_SHM | INVENTORY_RING);
	int rc = EXIT_OK;

	if ((sel & INVENTORY_MQ) && (sel & INVENTORY_POSIX) &&
	    ipcinfo_get_posix_mq(list, mqdir) < 0) {
		if (errno != ENOENT && errno != ENODEV) {
			cmd_warn("cannot list POSIX message queues in '%s'", mqdir);
			rc = EXIT_FAIL;
		} else if (!(sel & INVENTORY_QUIET)) {
			cmd_warnx("POSIX message queues not listed: %s is not mounted "
				  "(mount it with 'mount -t mqueue none %s')", mqdir, mqdir);
		}
	}
	if ((shm || (sel & INVENTORY_SEM)) && (sel & INVENTORY_POSIX) &&
	    ipcinfo_get_posix_shm(list, shm, sel & INVENTORY_SEM) < 0) {
		cmd_warn("cannot list POSIX shared memory in '/dev/shm'");
		rc = EXIT_FAIL;
	}
	if ((sel & INVENTORY_MQ) && (sel & INVENTORY_SYSV) && ipcinfo_get_sysv_msg(list) < 0) {
		cmd_warn("cannot read '/proc/sysvipc/msg'");
		rc = EXIT_FAIL;
	}
	if (shm && (sel & INVENTORY_SYSV) && ipcinfo_get_sysv_shm(list) < 0) {
		cmd_warn("cannot read '/proc/sysvipc/shm'");
		rc = EXIT_FAIL;
	}
	if ((sel & INVENTORY_SEM) && (sel & INVENTORY_SYSV) && ipcinfo_get_sysv_sem(list) < 0) {
		cmd_warn("cannot read '/proc/sysvipc/sem'");
		rc = EXIT_FAIL;
	}
	if ((sel & INVENTORY_SOCKET) && ipcinfo_get_unix(list) < 0) {
		cmd_warn("cannot read '/proc/net/unix'");
		rc = EXIT_FAIL;
	}
	if (!(sel & INVENTORY_PROCS))
		return rc;
	if (ipcinfo_procs(list) < 0) {
		cmd_warn("cannot read the processes in '/proc'");
		rc = EXIT_FAIL;
	}
	if (shm)
		ipcinfo_find_sysv_rings(list);
	return rc;
}
