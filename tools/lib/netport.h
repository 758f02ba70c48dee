/* Local TCP ports: is one free to listen on, and which process listens on it. */
#ifndef LT_NETPORT_H
#define LT_NETPORT_H

#include <stddef.h>

/* 1 when 127.0.0.1:port can be bound now (nothing listens there), 0 when it is taken. */
int port_free(int port);
/*
 * Who listens on TCP port (any local address, IPv4 or IPv6), read from /proc: writes
 * "pid 1234 (prometheus)" into buf and returns 0; -1 when no listener is found or its
 * process cannot be seen (another user's, without privileges), with buf "".
 */
int port_holder(int port, char *buf, size_t size);

#endif
