/* durable: see durable.h. */
#include "durable.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <unistd.h>

static int write_all(int fd, const uint8_t *p, size_t len)
{
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int durable_replace(int dir_fd, const char *tmp, const char *path, const void *buf, size_t len,
		    mode_t mode, int (*before_rename)(void *), void *arg)
{
	/* A leftover temp file could carry another mode: start from a fresh one. */
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
	int err = fd < 0 ? -errno : 0;
	if (!err)
		err = write_all(fd, buf, len);
	if (!err && fdatasync(fd) != 0)
		err = -errno;
	if (fd >= 0 && close(fd) != 0 && !err)
		err = -errno;
	if (!err && before_rename)
		err = before_rename(arg);
	if (!err && rename(tmp, path) != 0)
		err = -errno;
	if (!err && fsync(dir_fd) != 0)
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
