/*
 * list: the server's thread-safe list of connected clients.
 *
 *   list_create / list_destroy   make and free the list
 *   list_add          a new connection joins the list, still without a name
 *   list_register     claim a name: check that it is free and take it, atomically
 *   list_remove       take a client off the list (its thread is leaving)
 *   list_find         look a registered client up by name, taking a reference
 *   list_put          drop a reference; the last one frees the client
 *   list_names        a snapshot of every registered name, for /list
 *   list_shutdown_all shut every connection down, so every client thread ends
 *   list_wait_empty   wait until every client has been freed
 *
 * Every connection is on the list from accept() until its thread leaves, so
 * that shutdown can reach threads still waiting for a name. Only registered
 * clients can be found or listed.
 *
 * Locking. One mutex guards the list, the name index, and every client's
 * refs, registered and link fields; every use of it is inside list.c, and it is
 * held only to scan or change the list, never across a read, a write or an
 * accept. Each client also has a send_lock, which serializes the writes to its
 * socket so that two lines never interleave. Lock order: send_lock, then the
 * list lock. A registering thread holds its own send_lock while it calls
 * list_register, so that its welcome goes out before anyone's message; no
 * thread takes a send_lock while holding the list lock, or holds two
 * send_locks at once.
 *
 * Lifetime. A client is counted by references: its own thread holds one from
 * list_add on, and list_find hands out more. The client is freed, and its
 * socket closed, only when it is off the list and the last reference is put,
 * so a thread that found a client may keep using it while that client leaves.
 */
#ifndef CHATLAB_LIST_H
#define CHATLAB_LIST_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "protocol.h"

/* The longest peer address text, an IPv6 one (INET6_ADDRSTRLEN). */
#define LIST_ADDR_MAX 46

struct client {
	/* Set by list_add, then read-only. */
	int fd;                     /* the connection; closed when freed */
	char addr[LIST_ADDR_MAX];   /* the peer's address, as text */
	int port;                   /* the peer's port */

	/* Set once by list_register under the list lock, then read-only. */
	char name[PROTO_NAME_MAX + 1]; /* "" until registered */

	/* Held while writing to fd. */
	pthread_mutex_t send_lock;

	/* Guarded by the list lock. */
	int refs;                   /* references held; freed at 0 */
	bool on_list;
	bool registered;            /* name taken and in the name index */
	struct client *prev, *next; /* every connection */
	struct client *hnext;       /* next in the same name-index bucket */
};

enum list_status {
	LIST_OK,         /* the name is now this client's */
	LIST_NAME_TAKEN, /* another registered client has this name */
	LIST_FULL,       /* max_clients clients are registered already */
};

struct client_list;

/*
 * Creates an empty list that registers at most max_clients clients.
 * Returns NULL when out of memory. Free it with list_destroy.
 */
struct client_list *list_create(size_t max_clients);

/* Frees the list, which must be empty (after list_wait_empty). */
void list_destroy(struct client_list *l);

/*
 * Creates a client for the connected socket fd whose peer is addr, port,
 * and puts it on the list, unregistered. The caller holds the one reference
 * and owns the client from now on; the socket belongs to the client and is
 * closed when the client is freed. Returns NULL when out of memory (fd is
 * left open).
 */
struct client *list_add(struct client_list *l, int fd, const char *addr,
			int port);

/*
 * Registers c, which is on the list, under the len-byte name (valid by
 * proto_name_valid): checks that the name is free and that there is room,
 * and takes the name, in one atomic step, so that when several clients ask
 * for one name at once exactly one gets it. Returns LIST_OK, LIST_NAME_TAKEN
 * or LIST_FULL; c is unchanged unless LIST_OK.
 */
enum list_status list_register(struct client_list *l, struct client *c,
			       const char *name, size_t len);

/*
 * Takes c off the list (and frees its name for others). Once it returns,
 * list_find and list_names no longer see c. c stays valid until its last
 * reference is put.
 */
void list_remove(struct client_list *l, struct client *c);

/*
 * Finds the registered client called name (len bytes, compared exactly).
 * Returns it with a new reference, which the caller must drop with list_put,
 * or NULL when no such client is registered.
 */
struct client *list_find(struct client_list *l, const char *name, size_t len);

/*
 * Drops one reference to c. The last reference, once c is off the list,
 * closes c's socket and frees c.
 */
void list_put(struct client_list *l, struct client *c);

/*
 * Returns a snapshot of the names of all registered clients, in no particular
 * order, and sets *count to how many there are: an array of *count C strings
 * in one allocation, which the caller frees with a single free(). Returns
 * NULL when out of memory.
 */
char **list_names(struct client_list *l, size_t *count);

/*
 * Shuts down (shutdown(2), SHUT_RDWR) the socket of every client on the list,
 * so that each client's thread sees end of file and leaves. Does not block.
 */
void list_shutdown_all(struct client_list *l);

/* Blocks until every client made by list_add has been freed. */
void list_wait_empty(struct client_list *l);

#endif
