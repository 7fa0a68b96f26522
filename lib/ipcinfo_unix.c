/* Named UNIX sockets for the inventory, from /proc/net/unix. */
#include "ipcinfo_impl.h"

/* UNIX sockets */

int ipcinfo_parse_unix_line(const char *line, struct ipcinfo_obj *o)
{
	unsigned flags, type, state;
	unsigned long inode;
	size_t len;
	int pos = 0;

	memset(o, 0, sizeof(*o));
	if (sscanf(line, "%*s %*x %*x %x %x %x %lu%n", &flags, &type, &state, &inode, &pos) != 4) {
		errno = EINVAL;
		return -1;
	}
	o->kind = IPCINFO_SOCKET;
	o->api = IPCINFO_UNIX;
	o->ino = (ino_t)inode;
	o->socktype = (int)type;
	o->sockstate = (int)state;
	o->listening = (flags & 0x10000) != 0; /* __SO_ACCEPTCON */
	line += pos;
	if (*line == ' ')
		line++;
	len = strcspn(line, "\n");
	if (len >= sizeof(o->name))
		len = sizeof(o->name) - 1;
	memcpy(o->name, line, len);
	o->name[len] = '\0';
	return 0;
}

static int ipcinfo_add_unix(struct ipcinfo_list *list, const char *line)
{
	struct ipcinfo_obj tmp, *o;
	struct stat st;

	if (ipcinfo_parse_unix_line(line, &tmp) < 0 || !tmp.name[0])
		return 0; /* unnamed: socketpair(2) or a client end */
	o = ipcinfo_new(list);
	if (!o)
		return -1;
	*o = tmp;
	if (o->name[0] == '/' && lstat(o->name, &st) == 0 && S_ISSOCK(st.st_mode)) {
		ino_t ino = o->ino;

		ipcinfo_set_stat(o, &st);
		o->ino = ino; /* keep the socket's inode, not the file's */
	}
	return 0;
}

int ipcinfo_get_unix(struct ipcinfo_list *list)
{
	return ipcinfo_read_table("/proc/net/unix", list, ipcinfo_add_unix);
}
