/* proc: fork/exec with a log file and an optional private network namespace; CPU time. */
#include "proc.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Between fork and exec only async-signal-safe calls: the parent has gRPC threads. */
static void child_fail(int fd, const char *what)
{
	const char *e = strerror(errno);
	if (write(fd, what, strlen(what)) < 0 || write(fd, ": ", 2) < 0 ||
	    write(fd, e, strlen(e)) < 0 || write(fd, "\n", 1) < 0) {
		/* nothing more to say */
	}
	_exit(125);
}

static void loopback_up(int log_fd)
{
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct ifreq ifr;
	memset(&ifr, 0, sizeof(ifr));
	memcpy(ifr.ifr_name, "lo", 3);
	if (s < 0 || ioctl(s, SIOCGIFFLAGS, &ifr) != 0)
		child_fail(log_fd, "bench: loopback flags");
	ifr.ifr_flags |= IFF_UP;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0)
		child_fail(log_fd, "bench: loopback up");
	close(s);
}

pid_t proc_spawn(char *const argv[], const char *log_path, bool new_netns, char *err,
		 size_t err_len)
{
	int log_fd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (log_fd < 0) {
		snprintf(err, err_len, "%s: %s", log_path, strerror(errno));
		return -1;
	}
	pid_t parent = getpid();
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, err_len, "fork: %s", strerror(errno));
		close(log_fd);
		return -1;
	}
	if (pid == 0) {
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) != 0 || getppid() != parent)
			_exit(125); /* the benchmark is already gone */
		if (dup2(log_fd, STDOUT_FILENO) < 0 || dup2(log_fd, STDERR_FILENO) < 0)
			_exit(125);
		/* Not running as root, or no CLONE_NEWNET: refuse rather than let vbrd's peers
		 * send SYNs into the real network. */
		if (new_netns && unshare(CLONE_NEWNET) != 0)
			child_fail(log_fd, "bench: unshare(CLONE_NEWNET) (run as root)");
		if (new_netns)
			loopback_up(log_fd);
		execv(argv[0], argv);
		child_fail(log_fd, argv[0]);
	}
	close(log_fd);
	return pid;
}

static void sleep_ms(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
	nanosleep(&ts, NULL);
}

int proc_wait_unix_socket(pid_t pid, const char *path, int timeout_ms)
{
	struct sockaddr_un addr;
	memset(&addr, 0, sizeof(addr));
	addr.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	for (int waited = 0; waited <= timeout_ms; waited += 20) {
		int status;
		if (waitpid(pid, &status, WNOHANG) == pid)
			return -1;
		int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (s < 0)
			return -1;
		int ok = connect(s, (struct sockaddr *)&addr, sizeof(addr)) == 0;
		close(s);
		if (ok)
			return 0;
		sleep_ms(20);
	}
	return -1;
}

static int decode_status(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return -1;
}

int proc_stop(pid_t pid, int timeout_ms)
{
	int status;
	pid_t r = waitpid(pid, &status, WNOHANG);
	if (r == pid)
		return decode_status(status);
	if (r < 0)
		return -1;
	kill(pid, SIGTERM);
	for (int waited = 0; waited < timeout_ms; waited += 10) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return decode_status(status);
		sleep_ms(10);
	}
	kill(pid, SIGKILL);
	if (waitpid(pid, &status, 0) == pid)
		return decode_status(status);
	return -1;
}

double proc_cpu_seconds(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* The command name (field 2) may hold spaces: fields are counted after its ')'. */
	char *p = strrchr(buf, ')');
	if (!p)
		return -1;
	unsigned long long utime = 0, stime = 0;
	if (sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &utime,
		   &stime) != 2)
		return -1;
	return (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
}

int proc_sched_seconds(pid_t pid, double *on_cpu, double *run_wait)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/task", pid ? (int)pid : (int)getpid());
	DIR *dir = opendir(path);
	if (!dir)
		return -1;
	unsigned long long run = 0, wait = 0;
	struct dirent *e;
	while ((e = readdir(dir)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		char stat_path[128];
		snprintf(stat_path, sizeof(stat_path), "%s/%.20s/schedstat", path, e->d_name);
		FILE *f = fopen(stat_path, "r");
		if (!f)
			continue; /* the thread just ended */
		unsigned long long r, w;
		if (fscanf(f, "%llu %llu", &r, &w) == 2) {
			run += r;
			wait += w;
		}
		fclose(f);
	}
	closedir(dir);
	*on_cpu = (double)run / 1e9;
	*run_wait = (double)wait / 1e9;
	return 0;
}

double proc_self_cpu_seconds(void)
{
	struct rusage ru;
	if (getrusage(RUSAGE_SELF, &ru) != 0)
		return -1;
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void proc_print_log_tail(const char *path, size_t max_bytes)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	if (fseek(f, 0, SEEK_END) == 0) {
		long size = ftell(f);
		if (size > (long)max_bytes)
			fseek(f, size - (long)max_bytes, SEEK_SET);
		else
			fseek(f, 0, SEEK_SET);
	}
	char buf[512];
	size_t n;
	fprintf(stderr, "---- %s (tail) ----\n", path);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fprintf(stderr, "----\n");
	fclose(f);
}
