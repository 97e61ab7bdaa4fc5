/*
 * tests/sandbox/main.c - imagegen-sandbox: one loopback port per protocol.
 * Usage: imagegen-sandbox [--leonardo P] [--runware P] [--gemini P]
 *        [--comfyui P] [--ollama P] [--key KEY]
 * Not here: the protocols, the HTTP plumbing (server.c).
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <microhttpd.h>

#include "tests/sandbox/sandbox.h"

void	*sb_start(struct sb_port *p);

/* Command-line flag of each protocol. */
static const char *const flags[SB__MAX] = {
	[SB_LEONARDO] = "--leonardo", [SB_RUNWARE] = "--runware",
	[SB_GEMINI] = "--gemini", [SB_COMFYUI] = "--comfyui",
	[SB_OLLAMA] = "--ollama",
};

int
main(int argc, char *argv[])
{
	static struct sb_port ports[SB__MAX];
	void *daemons[SB__MAX] = { NULL };
	const char *key = "sandbox-key", *leo_key = SB_LEONARDO_KEY;
	sigset_t set;
	int i, k, sig, started = 0;

	for (i = 1; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--key") == 0) {
			key = argv[i + 1];
			continue;
		}
		if (strcmp(argv[i], "--leonardo-key") == 0) {
			leo_key = argv[i + 1];
			continue;
		}
		for (k = 0; k < SB__MAX; k++)
			if (strcmp(argv[i], flags[k]) == 0)
				ports[k].port = atoi(argv[i + 1]);
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);
	for (k = 0; k < SB__MAX; k++) {
		if (ports[k].port <= 0)
			continue;
		ports[k].kind = (enum sb_kind)k;
		ports[k].key = k == SB_LEONARDO ? leo_key : key;
		ports[k].log = json_array();
		ports[k].faults.pending_polls = 1;
		pthread_mutex_init(&ports[k].lock, NULL);
		if ((daemons[k] = sb_start(&ports[k])) == NULL) {
			fprintf(stderr, "sandbox: cannot listen on %d\n",
			    ports[k].port);
			return 1;
		}
		fprintf(stderr, "sandbox: %s on 127.0.0.1:%d\n", flags[k] + 2,
		    ports[k].port);
		started++;
	}
	if (started == 0) {
		fprintf(stderr, "usage: imagegen-sandbox --leonardo P "
		    "--runware P --gemini P --comfyui P --ollama P [--key K]\n"
		    "    [--leonardo-key UUID]\n");
		return 64;
	}
	sigwait(&set, &sig);
	/* Not MHD_stop_daemon(): it would wait for hanging connections. */
	fprintf(stderr, "sandbox: stopping (signal %d)\n", sig);
	_exit(0);
}
