/*
 * net: opening TCP sockets, IPv4 and IPv6 alike.
 *
 *   net_listen    a listening socket on every local address, dual-stack
 *   net_connect   a socket connected to a host name or address
 *   net_peer      the address and port at the other end of a socket
 *
 * Start-up helpers: they report failures by return value and leave the
 * message to the caller, which knows what the user asked for.
 */
#ifndef CHATLAB_NET_H
#define CHATLAB_NET_H

#include <stddef.h>

/*
 * Listens on port (0: the system picks one) on every local address: IPv6 and
 * IPv4 together where the system allows, IPv4 alone where it has no IPv6.
 * Stores the port actually bound in *bound. Returns the socket, or -1 with
 * errno set.
 */
int net_listen(int port, int *bound);

/*
 * Connects to host (a name, an IPv4 or an IPv6 address) on port, trying each
 * address the name resolves to. Returns the socket, or -1; on failure *why
 * points to a static description of the last error.
 */
int net_connect(const char *host, const char *port, const char **why);

/*
 * Writes the peer address of the connected socket fd, as text, into addr
 * (size bytes; IPv4-mapped IPv6 addresses are shown as IPv4) and its port
 * into *port. Returns 0, or -1 with errno set.
 */
int net_peer(int fd, char *addr, size_t size, int *port);

#endif
