/*
 * md5: TCP_MD5SIG wrapper. The kernel matches the key by the remote address, so one listening
 * socket can hold a different key for each configured peer.
 */
#include "md5.h"

#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>


int bgp_md5_set(int fd, uint32_t peer_ip, const char *key)
{
	struct tcp_md5sig sig;
	memset(&sig, 0, sizeof(sig));
	struct sockaddr_in *sin = (struct sockaddr_in *)&sig.tcpm_addr;
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(peer_ip);
	size_t len = key ? strlen(key) : 0;
	if (len > TCP_MD5SIG_MAXKEYLEN)
		return -EINVAL;
	sig.tcpm_keylen = (uint16_t)len;
	if (len)
		memcpy(sig.tcpm_key, key, len);
	if (setsockopt(fd, IPPROTO_TCP, TCP_MD5SIG, &sig, sizeof(sig)) == 0)
		return 0;
	/* Deleting a key the socket never had: nothing to undo. */
	if (len == 0 && errno == ENOENT)
		return 0;
	return -errno;
}

int bgp_md5_kernel_failures(uint64_t *out)
{
	FILE *f = fopen("/proc/self/net/netstat", "r");
	if (!f)
		return -errno;
	/* Pairs of lines: "TcpExt: Name1 Name2 ..." then "TcpExt: v1 v2 ...". */
	char names[4096], values[4096];
	int rc = -ENOENT;
	while (fgets(names, sizeof(names), f) && fgets(values, sizeof(values), f)) {
		if (strncmp(names, "TcpExt:", 7) != 0)
			continue;
		uint64_t sum = 0;
		char *ns = NULL, *vs = NULL;
		char *n = strtok_r(names + 7, " \n", &ns);
		char *v = strtok_r(values + 7, " \n", &vs);
		for (; n && v; n = strtok_r(NULL, " \n", &ns), v = strtok_r(NULL, " \n", &vs)) {
			if (!strcmp(n, "TCPMD5NotFound") || !strcmp(n, "TCPMD5Unexpected") ||
			    !strcmp(n, "TCPMD5Failure"))
				sum += strtoull(v, NULL, 10);
		}
		*out = sum;
		rc = 0;
		break;
	}
	fclose(f);
	return rc;
}
