/*
 * caps: vbrd's own capabilities, raised from permitted into effective at start.
 */
#ifndef VBR_CAPS_H
#define VBR_CAPS_H

#include <stdint.h>

/* Capability numbers vbrd uses (linux/capability.h), as bits of a 64-bit set. */
#define VBR_CAP_NET_BIND_SERVICE (UINT64_C(1) << 10) /* listen on TCP 179 */
#define VBR_CAP_NET_ADMIN (UINT64_C(1) << 12)	     /* write the kernel FIB (netlink) */

/* Adds (permitted & wanted) to the calling thread's effective set. Call before any thread is
 * made: capabilities are per thread, and threads inherit them when created. On return
 * *effective holds the effective set (all 64 bits). 0, or -errno from capget/capset. */
int vbr_caps_raise(uint64_t wanted, uint64_t *effective);

/* "net_bind_service,net_admin" for the bits of `set` among those named above; "none". */
const char *vbr_caps_names(uint64_t set, char *buf, unsigned size);

#endif
