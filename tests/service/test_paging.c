/* paging: sizes clamp, tokens round-trip, a token is refused by another list or filter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "paging.h"

static void test_sizes(void **state)
{
	(void)state;
	assert_int_equal(page_size(0), VBR_PAGE_DEFAULT);
	assert_int_equal(page_size(1), 1);
	assert_int_equal(page_size(VBR_PAGE_MAX), VBR_PAGE_MAX);
	assert_int_equal(page_size(4000000000u), VBR_PAGE_MAX);
}

static void test_tokens(void **state)
{
	(void)state;
	char token[VBR_TOKEN_MAX], key[64];
	struct vbr_status st;
	page_token_make("groups", "bgpg-0000abcd", token, sizeof(token));
	assert_true(strlen(token) > 0);
	assert_null(strstr(token, "bgpg")); /* opaque, not the id in clear */
	assert_int_equal(page_token_parse(token, "groups", key, sizeof(key), &st), GRPC_STATUS_OK);
	assert_string_equal(key, "bgpg-0000abcd");
	assert_int_equal(page_token_parse(token, "peers:", key, sizeof(key), &st),
			 GRPC_STATUS_INVALID_ARGUMENT);
	assert_non_null(strstr(st.message, "page_token"));
	page_token_make("peers:bgpg-00000001", "bgpp-00000002", token, sizeof(token));
	assert_int_equal(page_token_parse(token, "peers:bgpg-00000002", key, sizeof(key), &st),
			 GRPC_STATUS_INVALID_ARGUMENT);
	assert_int_equal(page_token_parse("", "groups", key, sizeof(key), &st), GRPC_STATUS_OK);
	assert_string_equal(key, "");
	const char *bad[] = {"zz", "abc", "00", "7631", "not a token"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(page_token_parse(bad[i], "groups", key, sizeof(key), &st),
				 GRPC_STATUS_INVALID_ARGUMENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_sizes),
	    cmocka_unit_test(test_tokens),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
