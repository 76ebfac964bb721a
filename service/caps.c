/*
 * caps: raise the capabilities vbrd was granted into its effective set.
 *
 * Why vbrd does this itself: the image gives /usr/local/bin/vbrd the file capabilities
 * cap_net_bind_service and cap_net_admin as permitted only, without the effective bit. With the
 * effective bit, exec fails (EPERM) whenever the bounding set lacks one of them (the kernel
 * refuses a "capability-dumb" binary it cannot give everything), and container runtimes leave
 * NET_ADMIN out of the bounding set by default. Without it, the kernel silently grants only
 * what the bounding set allows (P'perm = Fperm & bounding) and sets nothing effective; vbrd then
 * raises what it got, and a container without NET_ADMIN still starts (routes are listed with
 * installed=false). No libcap: two syscalls on a two-word structure.
 */
#include "caps.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

int vbr_caps_raise(uint64_t wanted, uint64_t *effective)
{
	struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) != 0)
		return -errno;
	uint64_t perm = data[0].permitted | (uint64_t)data[1].permitted << 32;
	uint64_t eff = data[0].effective | (uint64_t)data[1].effective << 32;
	uint64_t want = eff | (perm & wanted);
	if (want != eff) {
		data[0].effective = (uint32_t)want;
		data[1].effective = (uint32_t)(want >> 32);
		if (syscall(SYS_capset, &hdr, data) != 0)
			return -errno;
		eff = want;
	}
	*effective = eff;
	return 0;
}

const char *vbr_caps_names(uint64_t set, char *buf, unsigned size)
{
	static const struct {
		uint64_t bit;
		const char *name;
	} names[] = {{VBR_CAP_NET_BIND_SERVICE, "net_bind_service"},
		     {VBR_CAP_NET_ADMIN, "net_admin"}};
	size_t len = 0;
	if (size == 0)
		return buf;
	buf[0] = '\0';
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(set & names[i].bit))
			continue;
		int n = snprintf(buf + len, size - len, "%s%s", len ? "," : "", names[i].name);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
	}
	if (len == 0)
		snprintf(buf, size, "none");
	return buf;
}
