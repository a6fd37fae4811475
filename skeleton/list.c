/*
 * list: the thread-safe client list. See list.h for the interface, the
 * locking rules and the lifetime of a client.
 */
#include "list.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/*
 * TODO(ex 1): design the list: its lock, its clients, and whatever you
 * need for max_clients and list_wait_empty. A linked list through each
 * client's next (and prev) field is enough; see list.h for the rules.
 */
struct client_list {
	pthread_mutex_t lock;
	struct client *head;
	size_t max_clients;
};

struct client_list *list_create(size_t max_clients)
{
	/*
	 * TODO(ex 1): allocate an empty list and initialize its lock (and any
	 * condition variable). Return NULL when out of memory.
	 */
	struct client_list *l = calloc(1, sizeof(*l));

	if (l != NULL)
		l->max_clients = max_clients;
	return l;
}

void list_destroy(struct client_list *l)
{
	/* TODO(ex 1): destroy the lock (and condition variable), free the list. */
	free(l);
}

struct client *list_add(struct client_list *l, int fd, const char *addr,
			int port)
{
	/*
	 * TODO(ex 1): allocate a client for fd (name still empty), initialize
	 * its send_lock, give it one reference (the caller's), and link it into
	 * the list under the lock. Return NULL when out of memory.
	 */
	(void)l;
	(void)fd;
	(void)addr;
	(void)port;
	return NULL;
}

enum list_status list_register(struct client_list *l, struct client *c,
			       const char *name, size_t len)
{
	/*
	 * TODO(ex 1): under the lock, in one step: refuse a name another
	 * registered client has (LIST_NAME_TAKEN) or a full list (LIST_FULL);
	 * otherwise copy the name into c->name and mark c registered. Checking
	 * and taking under two separate lockings would let two clients win.
	 */
	(void)l;
	(void)c;
	(void)name;
	(void)len;
	return LIST_FULL;
}

void list_remove(struct client_list *l, struct client *c)
{
	/*
	 * TODO(ex 1): unlink c under the lock, so that it can no longer be
	 * found or listed. Do not free it: references may still be held.
	 */
	(void)l;
	(void)c;
}

struct client *list_find(struct client_list *l, const char *name, size_t len)
{
	/*
	 * TODO(ex 1): find the registered client whose name is exactly the len
	 * bytes at name (not a prefix of it) and take a reference (refs++)
	 * before unlocking, so that it cannot be freed while the caller uses it.
	 */
	(void)l;
	(void)name;
	(void)len;
	return NULL;
}

void list_put(struct client_list *l, struct client *c)
{
	/*
	 * TODO(ex 1): drop one reference under the lock. Whoever drops the last
	 * one (c must be off the list by then) closes c->fd, destroys its
	 * send_lock and frees c, after unlocking, and lets list_wait_empty
	 * know that one client fewer is alive.
	 */
	(void)l;
	(void)c;
}

char **list_names(struct client_list *l, size_t *count)
{
	/*
	 * TODO(ex 1): copy every registered name under the lock into one
	 * allocation: an array of pointers followed by the strings they point to.
	 */
	(void)l;
	*count = 0;
	return NULL;
}

void list_shutdown_all(struct client_list *l)
{
	/*
	 * TODO(ex 1): shutdown(fd, SHUT_RDWR) every client on the list, under
	 * the lock. shutdown() does not block and does not close the descriptor.
	 */
	(void)l;
}

void list_wait_empty(struct client_list *l)
{
	/*
	 * TODO(ex 1): wait on a condition variable until every client made by
	 * list_add has been freed by list_put.
	 */
	(void)l;
}
