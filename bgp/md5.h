/*
 * md5: TCP MD5 signatures (RFC 2385) through the kernel's TCP_MD5SIG socket option. A key is
 * bound to one peer address: set on the listening socket it protects accepted connections
 * from that address, set on a connecting socket it signs that connection.
 */
#ifndef VBR_BGP_MD5_H
#define VBR_BGP_MD5_H

#include <stdint.h>

/* Sets (key non-empty) or removes (key "" or NULL) the key for peer_ip (host byte order) on
 * fd. Returns 0 or a negative errno. Removing a key that was never set is not an error. */
int bgp_md5_set(int fd, uint32_t peer_ip, const char *key);

/*
 * The kernel's count of TCP segments dropped for TCP MD5 reasons in this network namespace
 * (TcpExt TCPMD5NotFound + TCPMD5Unexpected + TCPMD5Failure from /proc/self/net/netstat):
 * a wrong key makes no error anywhere else, so a growing count is the only evidence. Returns
 * 0, or a negative errno when the counters cannot be read.
 */
int bgp_md5_kernel_failures(uint64_t *out);

#endif
