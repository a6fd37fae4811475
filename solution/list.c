/*
 * list: the thread-safe client list. See list.h for the interface, the
 * locking rules and the lifetime of a client.
 *
 * Every connection is on one doubly linked list, so removal takes constant
 * time. Registered clients are also in a small hash table keyed by name, so
 * that /msg finds its destination without comparing 10,000 names while the
 * whole server waits on the lock.
 */
#include "list.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

struct client_list *list_create(size_t max_clients)
{
	struct client_list *l = calloc(1, sizeof(*l));

	if (l == NULL)
		return NULL;
	pthread_mutex_init(&l->lock, NULL);
	pthread_cond_init(&l->emptied, NULL);
	l->max_clients = max_clients;
	return l;
}

void list_destroy(struct client_list *l)
{
	assert(l->live == 0 && l->head == NULL);
	pthread_cond_destroy(&l->emptied);
	pthread_mutex_destroy(&l->lock);
	free(l);
}

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

struct client *list_add(struct client_list *l, int fd, const char *addr,
			int port)
{
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
}

enum list_status list_register(struct client_list *l, struct client *c,
			       const char *name, size_t len)
{
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
}

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

void list_remove(struct client_list *l, struct client *c)
{
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
}

struct client *list_find(struct client_list *l, const char *name, size_t len)
{
	struct client *c;

	pthread_mutex_lock(&l->lock);
	c = lookup(l, name, len);
	if (c != NULL)
		c->refs++;
	pthread_mutex_unlock(&l->lock);
	return c;
}

void list_put(struct client_list *l, struct client *c)
{
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
}

char **list_names(struct client_list *l, size_t *count)
{
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
}

void list_shutdown_all(struct client_list *l)
{
	pthread_mutex_lock(&l->lock);
	for (struct client *c = l->head; c != NULL; c = c->next)
		shutdown(c->fd, SHUT_RDWR);
	pthread_mutex_unlock(&l->lock);
}

void list_wait_empty(struct client_list *l)
{
	pthread_mutex_lock(&l->lock);
	while (l->live > 0)
		pthread_cond_wait(&l->emptied, &l->lock);
	pthread_mutex_unlock(&l->lock);
}
