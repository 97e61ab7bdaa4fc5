/*
 * bench/floor.c - the architecture floor for make bench: the smallest
 * libfcgi responder (accept, print a fixed JSON, finish), prefork with the
 * same number of workers as imagegen, behind the same nginx.
 * Not here: anything imagegen does per request (that is the point).
 */
#include <signal.h>
#include <sys/prctl.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fcgiapp.h>

static const char answer[] = "Status: 200 OK\r\n"
    "Content-Type: application/json\r\nContent-Length: 15\r\n\r\n"
    "{\"status\":\"ok\"}";

static void
serve(void)
{
	FCGX_Request r;

	prctl(PR_SET_PDEATHSIG, SIGTERM);	/* die with the master */
	FCGX_Init();
	FCGX_InitRequest(&r, 0, 0);
	while (FCGX_Accept_r(&r) >= 0) {
		FCGX_PutStr(answer, (int)sizeof(answer) - 1, r.out);
		FCGX_Finish_r(&r);
	}
	exit(0);
}

int
main(int argc, char *argv[])
{
	int i, n = argc > 1 ? atoi(argv[1]) : 2;

	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < n; i++)
		if (fork() == 0)
			serve();
	while (wait(NULL) > 0)
		continue;
	return 0;
}
