/*
 * store_faults: preloaded into vbrd (LD_PRELOAD) by the crash suite to break the state file's
 * atomic replace at its last step, the rename that makes a new file current:
 *   VBR_FAULT_KILL_AT_RENAME=1   SIGKILL there (the temp file fsync'd, the old file in place);
 *   VBR_FAULT_FILE=PATH          while PATH exists, wait VBR_FAULT_DELAY_MS (default 1000) and
 *                                fail with EIO, so calls queue up behind a write that fails.
 * Only renames onto ".../state.pb" are touched. Test code only: vbrd has no such switch.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void sleep_ms(long ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L};
	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

int rename(const char *from, const char *to)
{
	if (to && ends_with(to, "/state.pb")) {
		if (getenv("VBR_FAULT_KILL_AT_RENAME"))
			raise(SIGKILL);
		const char *flag = getenv("VBR_FAULT_FILE");
		if (flag && access(flag, F_OK) == 0) {
			const char *delay = getenv("VBR_FAULT_DELAY_MS");
			sleep_ms(delay ? atol(delay) : 1000);
			errno = EIO;
			return -1;
		}
	}
	int (*real)(const char *, const char *);
	*(void **)(&real) = dlsym(RTLD_NEXT, "rename");
	return real ? real(from, to) : -1;
}
