/*
 * tests/fuzz/fuzz_providers.c - libFuzzer driver: arbitrary reply bodies
 * and statuses fed to each provider's state machine at each step.
 * Input: byte 0 picks the provider, byte 1 the status, byte 2 how many
 * good steps come first; the rest is the body.
 * Not here: the network.
 */
#include <stdlib.h>
#include <string.h>

#include "lib/providers/common.h"
#include "lib/providers/registry.h"

int	LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static const long statuses[] = { 200, 200, 200, 400, 401, 404, 429, 500 };

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct config cfg;
	static int ready;
	struct gen_params gp = { .prompt = "a fox", .width = 512,
	    .height = 512, .num_images = 2 };
	struct prov_ctx ctx;
	struct gen_output out;
	struct prov_job job;
	struct prov_reply r;
	const struct provider *p;
	enum prov_next n;
	int steps;

	if (!ready && cfg_defaults(&cfg) == ERR_OK)
		ready = 1;
	if (size < 3)
		return 0;
	p = prov_registry[data[0] % prov_registry_count];
	r = (struct prov_reply){ statuses[data[1] % 8], (const char *)data + 3,
	    size - 3, -1 };
	char *body = malloc(size - 2);
	memcpy(body, data + 3, size - 3);
	body[size - 3] = '\0';
	r.body = body;
	p->ctx_init(&cfg, &ctx);
	gen_output_init(&out);
	prov_job_init(&job, p, &ctx, &gp, &out);
	n = p->begin(&job);
	for (steps = 0; n == PROV_NEXT_REQUEST && steps < 1 + data[2] % 4;
	    steps++)
		n = p->step(&job, &r);
	prov_job_fini(&job);
	gen_output_fini(&out);
	free(body);
	return 0;
}
