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

/* BEGIN SOLUTION
 * TODO(ex 1): design the list: its lock, its clients, and whatever you
 * need for max_clients and list_wait_empty. A linked list through each
 * client's next (and prev) field is enough; see list.h for the rules.
 * STUB: struct client_list {
 * STUB: 	pthread_mutex_t lock;
 * STUB: 	struct client *head;
 * STUB: 	size_t max_clients;
 * STUB: };
 */

/*
 * Every connection is on one doubly linked list, so removal takes constant
 * time. Registered clients are also in a small hash table keyed by name, so
 * that /msg finds its destination without comparing 10,000 names while the
 * whole server waits on the lock.
 */

/* A power of two; 4096 buckets keep chains short up to tens of thousands. */
#define LIST_BUCKETS 4096

struct client_list {
	pthread_mutex_t lock;
	pthread_cond_t emptied;   /* signalled when live drops to 0 */
	struct client *head;      /* every connection, newest first */
	struct client *index[LIST_BUCKETS]; /* registered clients by name */
	size_t registered;        /* how many are in the index */
	size_t max_clients;
	size_t live;              /* clients made and not yet freed */
};
/* END SOLUTION */

struct client_list *list_create(size_t max_clients)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): allocate an empty list and initialize its lock (and any
	 * condition variable). Return NULL when out of memory.
	 * STUB: struct client_list *l = calloc(1, sizeof(*l));
	 * STUB:
	 * STUB: if (l != NULL)
	 * STUB: 	l->max_clients = max_clients;
	 * STUB: return l;
	 */
	struct client_list *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->emptied, NULL);
	l->max_clients = max_clients;
	return l;
	/* END SOLUTION */
}

void list_destroy(struct client_list *l)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): destroy the lock (and condition variable), free the list.
	 * STUB: free(l);
	 */
	assert(l->live == 0 && l->head == NULL);
	pthread_cond_destroy(&l->emptied);
	pthread_mutex_destroy(&l->lock);
	free(l);
	/* END SOLUTION */
}

/* BEGIN SOLUTION */
/* FNV-1a: a simple hash that spreads short, similar names well. */
static struct client **bucket(struct client_list *l, const char *name,
			      size_t len)
{
	unsigned int h = 2166136261u;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)name[i]) * 16777619u;
	return &l->index[h & (LIST_BUCKETS - 1)];
}

/* The registered client called name, or NULL. Call with the lock held. */
static struct client *lookup(struct client_list *l, const char *name,
			     size_t len)
{
	struct client *c = *bucket(l, name, len);

	while (c != NULL && !(strlen(c->name) == len &&
			      memcmp(c->name, name, len) == 0))
		c = c->hnext;
	return c;
}

/* END SOLUTION */

struct client *list_add(struct client_list *l, int fd, const char *addr,
			int port)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): allocate a client for fd (name still empty), initialize
	 * its send_lock, give it one reference (the caller's), and link it into
	 * the list under the lock. Return NULL when out of memory.
	 * STUB: (void)l;
	 * STUB: (void)fd;
	 * STUB: (void)addr;
	 * STUB: (void)port;
	 * STUB: return NULL;
	 */
	struct client *c = calloc(1, sizeof(*c));

	if (c == NULL)
		return NULL;
	c->fd = fd;
	strncpy(c->addr, addr, sizeof(c->addr) - 1);
	c->port = port;
	pthread_mutex_init(&c->send_lock, NULL);
	c->refs = 1;

	pthread_mutex_lock(&l->lock);
	c->next = l->head;
	if (l->head != NULL)
		l->head->prev = c;
	l->head = c;
	c->on_list = true;
	l->live++;
	pthread_mutex_unlock(&l->lock);
	return c;
	/* END SOLUTION */
}

enum list_status list_register(struct client_list *l, struct client *c,
			       const char *name, size_t len)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): under the lock, in one step: refuse a name another
	 * registered client has (LIST_NAME_TAKEN) or a full list (LIST_FULL);
	 * otherwise copy the name into c->name and mark c registered. Checking
	 * and taking under two separate lockings would let two clients win.
	 * STUB: (void)l;
	 * STUB: (void)c;
	 * STUB: (void)name;
	 * STUB: (void)len;
	 * STUB: return LIST_FULL;
	 */
	enum list_status status = LIST_OK;

	assert(len >= 1 && len <= PROTO_NAME_MAX);
	pthread_mutex_lock(&l->lock);
	assert(c->on_list && !c->registered);
	if (lookup(l, name, len) != NULL) {
		status = LIST_NAME_TAKEN;
	} else if (l->registered >= l->max_clients) {
		status = LIST_FULL;
	} else {
		struct client **head = bucket(l, name, len);

		memcpy(c->name, name, len);
		c->name[len] = '\0';
		c->hnext = *head;
		*head = c;
		c->registered = true;
		l->registered++;
	}
	pthread_mutex_unlock(&l->lock);
	return status;
	/* END SOLUTION */
}

/* BEGIN SOLUTION */
/* Takes c out of the name index. Call with the lock held. */
static void unindex(struct client_list *l, struct client *c)
{
	struct client **p = bucket(l, c->name, strlen(c->name));

	while (*p != c)
		p = &(*p)->hnext;
	*p = c->hnext;
	c->hnext = NULL;
	c->registered = false;
	l->registered--;
}

/* END SOLUTION */

void list_remove(struct client_list *l, struct client *c)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): unlink c under the lock, so that it can no longer be
	 * found or listed. Do not free it: references may still be held.
	 * STUB: (void)l;
	 * STUB: (void)c;
	 */
	pthread_mutex_lock(&l->lock);
	assert(c->on_list);
	if (c->registered)
		unindex(l, c);
	if (c->prev != NULL)
		c->prev->next = c->next;
	else
		l->head = c->next;
	if (c->next != NULL)
		c->next->prev = c->prev;
	c->prev = c->next = NULL;
	c->on_list = false;
	pthread_mutex_unlock(&l->lock);
	/* END SOLUTION */
}

struct client *list_find(struct client_list *l, const char *name, size_t len)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): find the registered client whose name is exactly the len
	 * bytes at name (not a prefix of it) and take a reference (refs++)
	 * before unlocking, so that it cannot be freed while the caller uses it.
	 * STUB: (void)l;
	 * STUB: (void)name;
	 * STUB: (void)len;
	 * STUB: return NULL;
	 */
	struct client *c;

	pthread_mutex_lock(&l->lock);
	c = lookup(l, name, len);
	if (c != NULL)
		c->refs++;
	pthread_mutex_unlock(&l->lock);
	return c;
	/* END SOLUTION */
}

void list_put(struct client_list *l, struct client *c)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): drop one reference under the lock. Whoever drops the last
	 * one (c must be off the list by then) closes c->fd, destroys its
	 * send_lock and frees c, after unlocking, and lets list_wait_empty
	 * know that one client fewer is alive.
	 * STUB: (void)l;
	 * STUB: (void)c;
	 */
	bool last;

	pthread_mutex_lock(&l->lock);
	assert(c->refs > 0);
	last = --c->refs == 0;
	assert(!last || !c->on_list);
	pthread_mutex_unlock(&l->lock);
	if (!last)
		return;

	/* Nobody else can reach c now: free it without holding the lock. */
	close(c->fd);
	pthread_mutex_destroy(&c->send_lock);
	free(c);

	pthread_mutex_lock(&l->lock);
	if (--l->live == 0)
		pthread_cond_broadcast(&l->emptied);
	pthread_mutex_unlock(&l->lock);
	/* END SOLUTION */
}

char **list_names(struct client_list *l, size_t *count)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): copy every registered name under the lock into one
	 * allocation: an array of pointers followed by the strings they point to.
	 * STUB: (void)l;
	 * STUB: *count = 0;
	 * STUB: return NULL;
	 */
	char **names;
	char *text;
	size_t n = 0;

	/*
	 * One allocation holds the pointers and the names after them, sized
	 * for the worst case so that it can be made before the scan.
	 */
	pthread_mutex_lock(&l->lock);
	names = malloc(l->registered * (sizeof(char *) + PROTO_NAME_MAX + 1) + 1);
	if (names != NULL) {
		text = (char *)(names + l->registered);
		for (struct client *c = l->head; c != NULL; c = c->next) {
			if (!c->registered)
				continue;
			names[n++] = text;
			text = stpcpy(text, c->name) + 1;
		}
		assert(n == l->registered);
	}
	pthread_mutex_unlock(&l->lock);
	*count = n;
	return names;
	/* END SOLUTION */
}

void list_shutdown_all(struct client_list *l)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): shutdown(fd, SHUT_RDWR) every client on the list, under
	 * the lock. shutdown() does not block and does not close the descriptor.
	 * STUB: (void)l;
	 */
	pthread_mutex_lock(&l->lock);
	for (struct client *c = l->head; c != NULL; c = c->next)
		shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&l->lock);
	/* END SOLUTION */
}

void list_wait_empty(struct client_list *l)
{
	/* BEGIN SOLUTION
	 * TODO(ex 1): wait on a condition variable until every client made by
	 * list_add has been freed by list_put.
	 * STUB: (void)l;
	 */
	pthread_mutex_lock(&l->lock);
	while (l->live > 0)
		pthread_cond_wait(&l->emptied, &l->lock);
	pthread_mutex_unlock(&l->lock);
	/* END SOLUTION */
}
