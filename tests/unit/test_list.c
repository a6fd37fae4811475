/*
 * Unit tests of the client list: registration, lookup, references,
 * snapshots, shutdown, and a stress test with many threads at once.
 *
 * Clients get one end of a socketpair as their socket, so a test can see
 * what the list does to it (closed when freed, shut down by shutdown_all).
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "list.h"

/* A client on a fresh socketpair; *peer gets the other end. */
static struct client *add(struct client_list *l, int *peer)
{
	int sv[2];
	struct client *c;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	c = list_add(l, sv[0], "127.0.0.1", 4242);
	ck_assert_msg(c != NULL, "list_add returned NULL");
	if (peer != NULL)
		*peer = sv[1];
	else
		close(sv[1]);
	return c;
}

static enum list_status reg(struct client_list *l, struct client *c,
			    const char *name)
{
	return list_register(l, c, name, strlen(name));
}

static struct client *find(struct client_list *l, const char *name)
{
	return list_find(l, name, strlen(name));
}

/* The owner's way out: off the list, then its own reference dropped. */
static void leave(struct client_list *l, struct client *c)
{
	list_remove(l, c);
	list_put(l, c);
}

static int fd_is_open(int fd)
{
	return fcntl(fd, F_GETFD) != -1 || errno != EBADF;
}

/* True when names (count of them) holds exactly the given names. */
static int same_names(char **names, size_t count, const char **want, size_t n)
{
	if (count != n)
		return 0;
	for (size_t i = 0; i < n; i++) {
		size_t j = 0;

		while (j < count && strcmp(names[j], want[i]) != 0)
			j++;
		if (j == count)
			return 0;
	}
	return 1;
}

/* ---- registration ------------------------------------------------------------ */

START_TEST(register_then_find)
{
	struct client_list *l = list_create(10);
	struct client *a = add(l, NULL), *got;
	enum list_status st = reg(l, a, "alice");

	ck_assert_msg(st == LIST_OK, "registering \"alice\" on an empty list: "
		      "expected LIST_OK, got %d", st);
	ck_assert_str_eq(a->name, "alice");
	got = find(l, "alice");
	ck_assert_msg(got == a, "list_find(\"alice\") did not return alice");
	list_put(l, got);
	leave(l, a);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

START_TEST(duplicate_name_is_refused)
{
	struct client_list *l = list_create(10);
	struct client *a = add(l, NULL), *b = add(l, NULL);
	enum list_status st;

	ck_assert_int_eq(reg(l, a, "alice"), LIST_OK);
	st = reg(l, b, "alice");
	ck_assert_msg(st == LIST_NAME_TAKEN, "registering \"alice\" twice: "
		      "expected LIST_NAME_TAKEN, got %d", st);
	ck_assert_msg(reg(l, b, "Alice") == LIST_OK,
		      "names are case sensitive: \"Alice\" is not \"alice\"");
	leave(l, a);
	leave(l, b);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

START_TEST(name_is_free_again_after_remove)
{
	struct client_list *l = list_create(10);
	struct client *a = add(l, NULL), *b = add(l, NULL);

	ck_assert_int_eq(reg(l, a, "alice"), LIST_OK);
	leave(l, a);
	ck_assert_msg(reg(l, b, "alice") == LIST_OK,
		      "\"alice\" left, but her name could not be registered again");
	leave(l, b);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

START_TEST(full_list_refuses_then_has_room_again)
{
	struct client_list *l = list_create(2);
	struct client *a = add(l, NULL), *b = add(l, NULL), *c = add(l, NULL);
	enum list_status st;

	ck_assert_int_eq(reg(l, a, "a"), LIST_OK);
	ck_assert_int_eq(reg(l, b, "b"), LIST_OK);
	st = reg(l, c, "c");
	ck_assert_msg(st == LIST_FULL, "a third client on a list of at most 2: "
		      "expected LIST_FULL, got %d", st);
	leave(l, a);
	ck_assert_msg(reg(l, c, "c") == LIST_OK,
		      "one of 2 clients left, but a new one could not register");
	leave(l, b);
	leave(l, c);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

START_TEST(unregistered_clients_do_not_count)
{
	struct client_list *l = list_create(1);
	struct client *pending = add(l, NULL), *a = add(l, NULL);

	ck_assert_msg(reg(l, a, "alice") == LIST_OK, "a connection that has not "
		      "registered must not count toward the limit");
	leave(l, pending);
	leave(l, a);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

/* ---- lookup ---------------------------------------------------------------------- */

START_TEST(find_matches_whole_names_only)
{
	struct client_list *l = list_create(10);
	struct client *b = add(l, NULL);
	const char *misses[] = { "b", "bo", "bobby", "Bob", "", "bob " };

	ck_assert_int_eq(reg(l, b, "bob"), LIST_OK);
	for (size_t i = 0; i < sizeof(misses) / sizeof(misses[0]); i++) {
		struct client *got = find(l, misses[i]);

		ck_assert_msg(got == NULL, "list_find(\"%s\") found \"%s\": names "
			      "must match exactly, not by prefix", misses[i],
			      got ? got->name : "");
	}
	ck_assert_msg(list_find(l, "bobby", 3) == b,
		      "list_find must use only len bytes of the name");
	list_put(l, b);
	leave(l, b);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

START_TEST(unregistered_clients_cannot_be_found_or_listed)
{
	struct client_list *l = list_create(10);
	struct client *pending = add(l, NULL);
	size_t count = 99;
	char **names;

	ck_assert_msg(find(l, "") == NULL, "found a client that has no name");
	names = list_names(l, &count);
	ck_assert_msg(count == 0, "list_names counted %zu names, expected 0: an "
		      "unregistered connection has no name to list", count);
	free(names);
	leave(l, pending);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

START_TEST(removed_client_is_not_found)
{
	struct client_list *l = list_create(10);
	struct client *a = add(l, NULL);

	ck_assert_int_eq(reg(l, a, "alice"), LIST_OK);
	list_remove(l, a);
	ck_assert_msg(find(l, "alice") == NULL, "list_find found a removed client");
	list_put(l, a);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

START_TEST(found_client_outlives_its_removal)
{
	struct client_list *l = list_create(10);
	int peer;
	struct client *a = add(l, &peer), *got;
	int fd = a->fd;

	ck_assert_int_eq(reg(l, a, "alice"), LIST_OK);
	got = find(l, "alice");
	leave(l, a); /* the owner leaves while we still hold a reference */
	ck_assert_msg(fd_is_open(fd), "the client was freed (socket closed) while "
		      "another thread still held a reference from list_find");
	ck_assert_str_eq(got->name, "alice");
	list_put(l, got);
	ck_assert_msg(!fd_is_open(fd), "the last list_put did not close the "
		      "client's socket");
	close(peer);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

/* Two clients come and go; returns the bytes still allocated afterwards. */
static size_t come_and_go(struct client_list *l)
{
	size_t before = mallinfo2().uordblks;
	struct client *a = add(l, NULL), *b = add(l, NULL);

	reg(l, a, "alice");
	leave(l, a);
	leave(l, b);
	list_wait_empty(l);
	return mallinfo2().uordblks - before;
}

START_TEST(last_reference_frees_the_client)
{
	struct client_list *l = list_create(10);
	size_t kept = 0;

	/*
	 * Freed memory is reused, but a leak grows with every round. (One round
	 * cannot tell: the allocator keeps some freed blocks counted as in use.)
	 */
	come_and_go(l);
	for (int i = 0; i < 1000; i++)
		kept += come_and_go(l);
	ck_assert_msg(kept < 16384, "2,000 clients came and went, and %zu bytes "
		      "stayed allocated: the last list_put must free the client", kept);
	list_destroy(l);
}
END_TEST

/* ---- snapshots, shutdown ------------------------------------------------------- */

START_TEST(names_snapshot)
{
	struct client_list *l = list_create(10);
	struct client *a = add(l, NULL), *b = add(l, NULL), *c = add(l, NULL);
	const char *want[] = { "alice", "bob", "carol" };
	size_t count = 0;
	char **names;

	reg(l, a, "alice");
	reg(l, b, "bob");
	reg(l, c, "carol");
	names = list_names(l, &count);
	ck_assert_ptr_nonnull(names);
	ck_assert_msg(same_names(names, count, want, 3), "list_names gave %zu "
		      "names, expected exactly alice, bob and carol", count);
	leave(l, b);
	ck_assert_str_eq(names[0], names[0]); /* still readable: a snapshot */
	free(names);
	names = list_names(l, &count);
	ck_assert_msg(count == 2, "after bob left, list_names gave %zu names, "
		      "expected 2", count);
	free(names);
	leave(l, a);
	leave(l, c);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

START_TEST(shutdown_all_wakes_every_peer)
{
	struct client_list *l = list_create(10);
	int p1, p2;
	struct client *a = add(l, &p1), *pending = add(l, &p2);
	char byte;

	reg(l, a, "alice");
	list_shutdown_all(l);
	ck_assert_msg(read(p1, &byte, 1) == 0, "after list_shutdown_all, the peer "
		      "of a registered client did not see end of file");
	ck_assert_msg(read(p2, &byte, 1) == 0, "after list_shutdown_all, the peer "
		      "of a client still registering did not see end of file");
	leave(l, a);
	leave(l, pending);
	close(p1);
	close(p2);
	list_wait_empty(l);
	list_destroy(l);
}
END_TEST

struct waiter {
	struct client_list *l;
	atomic_int done;
};

static void *wait_empty(void *arg)
{
	struct waiter *w = arg;

	list_wait_empty(w->l);
	atomic_store(&w->done, 1);
	return NULL;
}

START_TEST(wait_empty_returns_when_the_last_client_is_freed)
{
	struct waiter w = { .l = list_create(10) };
	struct client *a = add(w.l, NULL);
	pthread_t t;

	reg(w.l, a, "alice");
	pthread_create(&t, NULL, wait_empty, &w);
	leave(w.l, a);
	pthread_join(t, NULL); /* bounded by the test's timeout */
	ck_assert(atomic_load(&w.done));
	list_destroy(w.l);
}
END_TEST

/* ---- many threads at once ------------------------------------------------------- */

enum { RACERS = 16 };

struct race {
	struct client_list *l;
	pthread_barrier_t start;
	atomic_int winners;
};

static void *race_for_alice(void *arg)
{
	struct race *r = arg;
	struct client *c = add(r->l, NULL);

	pthread_barrier_wait(&r->start);
	if (reg(r->l, c, "alice") == LIST_OK)
		atomic_fetch_add(&r->winners, 1);
	pthread_barrier_wait(&r->start); /* everyone has tried before anyone leaves */
	leave(r->l, c);
	return NULL;
}

START_TEST(exactly_one_of_many_racers_gets_a_name)
{
	struct race r = { .l = list_create(100) };
	pthread_t t[RACERS];

	pthread_barrier_init(&r.start, NULL, RACERS);
	for (int i = 0; i < RACERS; i++)
		pthread_create(&t[i], NULL, race_for_alice, &r);
	for (int i = 0; i < RACERS; i++)
		pthread_join(t[i], NULL);
	ck_assert_msg(atomic_load(&r.winners) == 1, "%d threads registered "
		      "\"alice\" at the same moment and %d got it; exactly one must: "
		      "check and take the name under one lock", RACERS,
		      atomic_load(&r.winners));
	pthread_barrier_destroy(&r.start);
	list_wait_empty(r.l);
	list_destroy(r.l);
}
END_TEST

enum { WORKERS = 8, ROUNDS = 400, POOL = 6 };

struct stress {
	struct client_list *l;
	atomic_int holders[POOL]; /* how many clients hold each name now */
	atomic_int violations;
	atomic_int registered;
};

/* Each round: join, try a shared name, look others up and use them, leave. */
static void stress_round(struct stress *s, unsigned int *seed)
{
	char name[8], other[8];
	int k = rand_r(seed) % POOL;
	struct client *c = add(s->l, NULL), *f;
	size_t count;
	char **names;
	int mine;

	snprintf(name, sizeof(name), "n%d", k);
	mine = reg(s->l, c, name) == LIST_OK;
	if (mine) {
		if (atomic_fetch_add(&s->holders[k], 1) != 0)
			atomic_fetch_add(&s->violations, 1);
		atomic_fetch_add(&s->registered, 1);
	}
	snprintf(other, sizeof(other), "n%d", rand_r(seed) % POOL);
	f = find(s->l, other);
	if (f != NULL) {
		if (strcmp(f->name, other) != 0 || f->fd < 0)
			atomic_fetch_add(&s->violations, 1);
		list_put(s->l, f);
	}
	names = list_names(s->l, &count);
	if (count > POOL)
		atomic_fetch_add(&s->violations, 1);
	free(names);
	if (mine)
		atomic_fetch_sub(&s->holders[k], 1);
	leave(s->l, c);
}

static void *stress_worker(void *arg)
{
	struct stress *s = arg;
	unsigned int seed = (unsigned int)(uintptr_t)&seed;

	for (int i = 0; i < ROUNDS; i++)
		stress_round(s, &seed);
	return NULL;
}

START_TEST(stress_add_register_find_remove_from_many_threads)
{
	struct stress s = { .l = list_create(1000) };
	pthread_t t[WORKERS];
	size_t count = 99;
	char **names;

	for (int i = 0; i < WORKERS; i++)
		pthread_create(&t[i], NULL, stress_worker, &s);
	for (int i = 0; i < WORKERS; i++)
		pthread_join(t[i], NULL);
	ck_assert_msg(atomic_load(&s.violations) == 0, "%d invariant violations "
		      "while %d threads added, registered, found and removed "
		      "clients at once (a name held twice, a found client with "
		      "the wrong name, or more names listed than exist)",
		      atomic_load(&s.violations), WORKERS);
	ck_assert_msg(atomic_load(&s.registered) > 0, "no registration succeeded");
	names = list_names(s.l, &count);
	ck_assert_msg(count == 0, "every client left, but list_names still gives "
		      "%zu names", count);
	free(names);
	list_wait_empty(s.l);
	list_destroy(s.l);
}
END_TEST

static Suite *list_suite(void)
{
	Suite *s = suite_create("list");
	TCase *registration = tcase_create("registration");
	TCase *lookup = tcase_create("lookup");
	TCase *whole = tcase_create("snapshots and shutdown");
	TCase *threads = tcase_create("threads");

	tcase_set_timeout(whole, 10);
	tcase_set_timeout(threads, 60);
	tcase_add_test(registration, register_then_find);
	tcase_add_test(registration, duplicate_name_is_refused);
	tcase_add_test(registration, name_is_free_again_after_remove);
	tcase_add_test(registration, full_list_refuses_then_has_room_again);
	tcase_add_test(registration, unregistered_clients_do_not_count);
	tcase_add_test(lookup, find_matches_whole_names_only);
	tcase_add_test(lookup, unregistered_clients_cannot_be_found_or_listed);
	tcase_add_test(lookup, removed_client_is_not_found);
	tcase_add_test(lookup, found_client_outlives_its_removal);
	tcase_add_test(lookup, last_reference_frees_the_client);
	tcase_add_test(whole, names_snapshot);
	tcase_add_test(whole, shutdown_all_wakes_every_peer);
	tcase_add_test(whole, wait_empty_returns_when_the_last_client_is_freed);
	tcase_add_test(threads, exactly_one_of_many_racers_gets_a_name);
	tcase_add_test(threads, stress_add_register_find_remove_from_many_threads);
	suite_add_tcase(s, registration);
	suite_add_tcase(s, lookup);
	suite_add_tcase(s, whole);
	suite_add_tcase(s, threads);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(list_suite());
	int failed;

	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
