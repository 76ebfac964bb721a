/* disk: temp file + fsync + rename + fsync of the folder, timed, the way service/store.c does. */
#include "disk.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "load.h"

static int replace_once(int dir_fd, const char *tmp, const char *live, const char *data,
			size_t len)
{
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int rc = write(fd, data, len) == (ssize_t)len && fsync(fd) == 0 ? 0 : -1;
	if (close(fd) != 0)
		rc = -1;
	if (rc == 0 && rename(tmp, live) != 0)
		rc = -1;
	if (rc == 0 && fsync(dir_fd) != 0)
		rc = -1;
	return rc;
}

long disk_floor_run(const char *dir, size_t bytes, double seconds, struct lat_log *lat)
{
	char tmp[512], live[512];
	snprintf(tmp, sizeof(tmp), "%s/floor.pb.tmp", dir);
	snprintf(live, sizeof(live), "%s/floor.pb", dir);
	char *data = malloc(bytes ? bytes : 1);
	int dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!data || dir_fd < 0) {
		free(data);
		if (dir_fd >= 0)
			close(dir_fd);
		return -1;
	}
	memset(data, 0x5a, bytes);
	long done = 0;
	uint64_t end = load_now_ns() + (uint64_t)(seconds * 1e9);
	for (;;) {
		uint64_t t0 = load_now_ns();
		if (t0 >= end)
			break;
		if (replace_once(dir_fd, tmp, live, data, bytes) != 0) {
			done = -1;
			break;
		}
		lat_add(lat, load_now_ns() - t0);
		done++;
	}
	int saved = errno;
	close(dir_fd);
	free(data);
	errno = saved;
	return done;
}
