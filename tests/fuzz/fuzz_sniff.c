/*
 * tests/fuzz/fuzz_sniff.c - libFuzzer driver: arbitrary bytes through the
 * image sniffer (type, dimensions, completeness).
 * Not here: writing files.
 */
#include <stdlib.h>

#include "lib/storage/sniff.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct store_image_info i;

	if (store_sniff(data, size, &i) == ERR_OK &&
	    (i.width == 0 || i.height == 0 || i.format == STORE_FMT_UNKNOWN))
		abort();
	return 0;
}
