/*
 * tests/unit/lib/auth/test_keys.c - scope names and the rule of scopes,
 * and the per-worker cache of checked keys (used while the database is
 * away): found while young, never after max age, never for another key.
 * Not here: key SQL and HTTP (tests/integration/test_auth.c).
 */
#include <criterion/criterion.h>

#include "lib/auth/keys.h"

Test(keys, scopes_parse)
{
	unsigned s;

	cr_assert(keys_scopes_parse("generate,read", &s));
	cr_assert_eq(s, KEY_SCOPE_GENERATE | KEY_SCOPE_READ);
	cr_assert(keys_scopes_parse("admin", &s));
	cr_assert_eq(s, KEY_SCOPE_ADMIN);
	cr_assert_not(keys_scopes_parse("", &s));
	cr_assert_not(keys_scopes_parse("read,root", &s));
	cr_assert_not(keys_scopes_parse("rea", &s));
}

Test(keys, scope_rules)
{
	cr_assert(keys_scope_has(KEY_SCOPE_READ, KEY_SCOPE_NONE));
	cr_assert(keys_scope_has(KEY_SCOPE_READ, KEY_SCOPE_READ));
	cr_assert_not(keys_scope_has(KEY_SCOPE_READ, KEY_SCOPE_GENERATE));
	cr_assert_not(keys_scope_has(KEY_SCOPE_GENERATE, KEY_SCOPE_READ));
	cr_assert(keys_scope_has(KEY_SCOPE_ADMIN, KEY_SCOPE_GENERATE));
	cr_assert(keys_scope_has(KEY_SCOPE_ADMIN, KEY_SCOPE_READ));
}

Test(keys, cache_serves_young_entries_of_the_same_key_only)
{
	static struct keys_cache c;
	struct key_auth k = { .project = "alpha", .scopes = KEY_SCOPE_READ },
	    got;
	char text[KEY_TEXT_MAX];
	int i;

	keys_cache_put(&c, "igk_00000001_aa", &k, 1000);
	cr_assert(keys_cache_get(&c, "igk_00000001_aa", 1500, 600, &got));
	cr_assert_str_eq(got.project, "alpha");
	cr_assert_not(keys_cache_get(&c, "igk_00000001_aa", 1601, 600, &got),
	    "too old");
	cr_assert_not(keys_cache_get(&c, "igk_00000001_ab", 1500, 600, &got),
	    "another key");
	/* put again: refreshed in place, not a second slot */
	keys_cache_put(&c, "igk_00000001_aa", &k, 2000);
	cr_assert(keys_cache_get(&c, "igk_00000001_aa", 2500, 600, &got));
	/* a full cache reuses its slots in turn */
	for (i = 0; i < KEYS_CACHE_SLOTS; i++) {
		snprintf(text, sizeof(text), "igk_%08x_bb", i);
		keys_cache_put(&c, text, &k, 3000);
	}
	cr_assert_not(keys_cache_get(&c, "igk_00000001_aa", 3000, 5000, &got));
	cr_assert(keys_cache_get(&c, "igk_0000001f_bb", 3000, 600, &got));
}
