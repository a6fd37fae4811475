/*
 * net: listening and connecting sockets, IPv4 and IPv6. See net.h.
 */
#include "net.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* Pending connections the kernel queues while the server is busy. */
#define NET_BACKLOG 4096

/* Binds and listens on the wildcard address of family on port. */
static int listen_on(int family, int port)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int one = 1, zero = 0;
	int fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_any;
		a->sin6_port = htons((unsigned short)port);
		len = sizeof(*a);
		/* Accept IPv4 clients too, as IPv4-mapped addresses. */
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_ANY);
		a->sin_port = htons((unsigned short)port);
		len = sizeof(*a);
	}
	/* Restarting the server must not wait for old connections to time out. */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, len) < 0 ||
	    listen(fd, NET_BACKLOG) < 0) {
		int saved = errno;

		close(fd);
		errno = saved;
		return -1;
	}
	return fd;
}

/* The port fd is bound to, or -1. */
static int bound_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

int net_listen(int port, int *bound)
{
	int fd = listen_on(AF_INET6, port);

	if (fd < 0 && (errno == EAFNOSUPPORT || errno == EADDRNOTAVAIL))
		fd = listen_on(AF_INET, port);
	if (fd < 0)
		return -1;
	*bound = bound_port(fd);
	return fd;
}

int net_connect(const char *host, const char *port, const char **why)
{
	struct addrinfo hints, *res, *ai;
	int fd = -1, rc;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0) {
		*why = gai_strerror(rc);
		return -1;
	}
	*why = "no address to connect to";
	for (ai = res; ai != NULL && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC,
			    ai->ai_protocol);
		if (fd < 0) {
			*why = strerror(errno);
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			*why = strerror(errno);
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

int net_peer(int fd, char *addr, size_t size, int *port)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	const void *raw;

	if (getpeername(fd, (struct sockaddr *)&ss, &len) < 0)
		return -1;
	if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		*port = ntohs(a->sin6_port);
		raw = &a->sin6_addr;
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
			/* The last four bytes are the IPv4 address. */
			raw = a->sin6_addr.s6_addr + 12;
			return inet_ntop(AF_INET, raw, addr, (socklen_t)size)
				       ? 0 : -1;
		}
		return inet_ntop(AF_INET6, raw, addr, (socklen_t)size) ? 0 : -1;
	}
	*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	raw = &((struct sockaddr_in *)&ss)->sin_addr;
	return inet_ntop(AF_INET, raw, addr, (socklen_t)size) ? 0 : -1;
}
