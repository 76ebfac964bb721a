/*
 * store: round trip, mode 0600, a failure injected between write and rename leaves the old
 * state, an unreadable file is an error naming it and is not overwritten, request_id replies
 * survive a reload, a second store on the folder is refused.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "store.h"

static char dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/vbr-store-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void sample(struct vbr_model *m)
{
	model_init(m);
	struct vbr_group g = {.id = "bgpg-0000000a",
			      .name = "dc1",
			      .peer_asn = 65001,
			      .auth_key = "s3cret",
			      .route_limit = 100,
			      .hold_time = 30,
			      .keepalive_time = 10,
			      .create_time_ms = 1234};
	struct vbr_peer p = {.id = "bgpp-000000ff",
			     .num = 0xff,
			     .group_id = "bgpg-0000000a",
			     .ip = 0xc0000201,
			     .description = "edge",
			     .admin_down = true};
	struct vbr_network n = {.prefix = 0xcb007100, .len = 24, .create_time_ms = 99};
	assert_int_equal(model_add_group(m, &g), 0);
	assert_int_equal(model_add_peer(m, &p), 0);
	assert_int_equal(model_add_network(m, &n), 0);
}

static void test_round_trip_and_mode(void **state)
{
	(void)state;
	struct vbr_store *s;
	char err[256];
	struct vbr_model m, back;
	sample(&m);
	assert_int_equal(store_open(dir, &s, err, sizeof(err)), 0);
	const uint8_t reply[] = {1, 2, 3};
	struct vbr_request extra = {.method = "CreateBgpGroup",
				    .request_id = "r-1",
				    .response = (uint8_t *)reply,
				    .response_len = 3};
	assert_int_equal(store_save(s, &m, &extra, 1), 0);
	struct stat sb;
	assert_int_equal(stat(store_path(s), &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	char tmp[128];
	snprintf(tmp, sizeof(tmp), "%s/state.pb.tmp", dir);
	assert_int_not_equal(access(tmp, F_OK), 0);
	store_close(s);

	assert_int_equal(store_open(dir, &s, err, sizeof(err)), 0);
	model_init(&back);
	assert_int_equal(store_load(s, &back, err, sizeof(err)), 0);
	assert_int_equal(back.n_groups, 1);
	assert_string_equal(back.groups[0].auth_key, "s3cret");
	assert_int_equal(back.groups[0].create_time_ms, 1234);
	assert_int_equal(back.n_peers, 1);
	assert_int_equal(back.peers[0].num, 0xff);
	assert_true(back.peers[0].admin_down);
	assert_string_equal(back.peers[0].description, "edge");
	assert_int_equal(back.n_networks, 1);
	assert_int_equal(back.networks[0].len, 24);
	const struct vbr_request *r = model_request(&back, "CreateBgpGroup", "r-1");
	assert_non_null(r);
	assert_int_equal(r->response_len, 3);
	assert_memory_equal(r->response, reply, 3);
	assert_null(model_request(&back, "CreateBgpPeer", "r-1"));
	model_free(&back);
	model_free(&m);
	store_close(s);
}

static int fail_before_rename(void *arg)
{
	int *calls = arg;
	(*calls)++;
	return -EIO;
}

static void test_failure_between_write_and_rename(void **state)
{
	(void)state;
	struct vbr_store *s;
	char err[256];
	struct vbr_model m, bigger, back;
	sample(&m);
	assert_int_equal(store_open(dir, &s, err, sizeof(err)), 0);
	assert_int_equal(store_save(s, &m, NULL, 0), 0);
	assert_int_equal(model_clone(&m, &bigger), 0);
	struct vbr_network n = {.prefix = 0x0a000000, .len = 8};
	assert_int_equal(model_add_network(&bigger, &n), 0);
	int calls = 0;
	store_set_hook(s, fail_before_rename, &calls);
	assert_int_equal(store_save(s, &bigger, NULL, 0), -EIO);
	assert_int_equal(calls, 1);
	store_set_hook(s, NULL, NULL);
	model_init(&back);
	assert_int_equal(store_load(s, &back, err, sizeof(err)), 0);
	assert_int_equal(back.n_networks, 1); /* the old state, intact */
	model_free(&back);
	/* And the next save works. */
	assert_int_equal(store_save(s, &bigger, NULL, 0), 0);
	model_init(&back);
	assert_int_equal(store_load(s, &back, err, sizeof(err)), 0);
	assert_int_equal(back.n_networks, 2);
	model_free(&back);
	model_free_clone(&bigger);
	model_free(&m);
	store_close(s);
}

static void test_unreadable_file(void **state)
{
	(void)state;
	struct vbr_store *s;
	char err[256], path[128];
	struct vbr_model m;
	snprintf(path, sizeof(path), "%s/state.pb", dir);
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs("\xff\xff\xff garbage", f);
	fclose(f);
	assert_int_equal(store_open(dir, &s, err, sizeof(err)), 0);
	model_init(&m);
	assert_int_not_equal(store_load(s, &m, err, sizeof(err)), 0);
	assert_non_null(strstr(err, path));
	store_close(s);
	/* Still the garbage: nothing rewrote it. */
	f = fopen(path, "rb");
	char buf[32] = {0};
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "\xff\xff\xff garbage");
}

static void test_missing_file_is_empty_and_lock(void **state)
{
	(void)state;
	struct vbr_store *s, *s2;
	char err[256];
	struct vbr_model m;
	char sub[128];
	snprintf(sub, sizeof(sub), "%s/new", dir); /* created on open */
	assert_int_equal(store_open(sub, &s, err, sizeof(err)), 0);
	model_init(&m);
	assert_int_equal(store_load(s, &m, err, sizeof(err)), 0);
	assert_int_equal(m.n_groups + m.n_peers + m.n_networks, 0);
	assert_int_not_equal(store_open(sub, &s2, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "another vbrd"));
	struct stat sb;
	assert_int_equal(stat(sub, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0700);
	store_close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_round_trip_and_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_failure_between_write_and_rename, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unreadable_file, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_missing_file_is_empty_and_lock, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
