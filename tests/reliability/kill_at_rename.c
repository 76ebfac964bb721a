/*
 * kill_at_rename: preloaded into vbrd (LD_PRELOAD) by the crash suite. The rename that would
 * make a new state file current SIGKILLs the process instead, so the test sees the worst
 * moment of a write: the temp file fsync'd, the old file still in place. Other renames pass.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && strcmp(s + n - m, suffix) == 0;
}

int rename(const char *from, const char *to)
{
	if (to && ends_with(to, "/state.pb"))
		raise(SIGKILL);
	int (*real)(const char *, const char *) =
		(int (*)(const char *, const char *))dlsym(RTLD_NEXT, "rename");
	return real ? real(from, to) : -1;
}
