/*
 * Message sockets: the unix-dgram:, unix-seqpacket: and udp: transports
 * (lib/msgend.h), over lib/sock.c.
 */
#ifndef IPCTOOL_MSGSOCK_H
#define IPCTOOL_MSGSOCK_H

#include "msgend.h"

extern const struct msgend_ops msgend_socket_ops;

#endif
