/*
 * proc: the benchmark's child processes (vbrd, the echo server). Each is started with its
 * output in a log file, dies with the benchmark (PR_SET_PDEATHSIG), and may be put in a new,
 * empty network namespace (loopback up) so the BGP peers vbrd connects to lead nowhere.
 * Also the CPU time a child has used, to price each call on the server side.
 */
#ifndef VBR_BENCH_PROC_H
#define VBR_BENCH_PROC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <unistd.h>

/* Returns the pid or -1 (err says why). */
pid_t proc_spawn(char *const argv[], const char *log_path, bool new_netns, char *err,
		 size_t err_len);
/* Waits until a unix socket accepts connections. -1 if the child exits or time runs out. */
int proc_wait_unix_socket(pid_t pid, const char *path, int timeout_ms);
/* SIGTERM, then SIGKILL after timeout_ms. Returns the exit code, 128+signal, or -1. */
int proc_stop(pid_t pid, int timeout_ms);
/* User + system CPU seconds of a live child (all its threads), -1 on error. */
double proc_cpu_seconds(pid_t pid);
/* Summed over a process's live threads (/proc/PID/task/TID/schedstat): seconds on a CPU and
 * seconds runnable but waiting for one. -1 on error. pid 0: this process. */
int proc_sched_seconds(pid_t pid, double *on_cpu, double *run_wait);
/* This process's own CPU seconds (all threads). */
double proc_self_cpu_seconds(void);
/* Prints the last lines of a log file to stderr (after a child failed). */
void proc_print_log_tail(const char *path, size_t max_bytes);

#endif
