/*
 * tests/fuzz/fuzz_dotenv.c - libFuzzer driver: .env text through the
 * parser.
 * Not here: config validation (exercised by the unit tests).
 */
#include <stdlib.h>
#include <string.h>

#include "lib/config/dotenv.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct dotenv env;
	char why[256], *s;

	if ((s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (dotenv_parse(s, &env, why, sizeof(why)) == ERR_OK) {
		(void)dotenv_get(&env, "WORKERS");
		dotenv_fini(&env);
	}
	free(s);
	return 0;
}
