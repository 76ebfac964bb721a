/*
 * bfd_packet: the BFD Control packet of RFC 5880 section 4.1, without authentication.
 *
 * The decoder checks what 6.8.6 requires before a packet may touch a session (version,
 * length, detect multiplier, multipoint, my discriminator, your discriminator against the
 * state) and returns its verdict as data. Looking the session up by your discriminator is the
 * driver's job (bfd.c), which counts BFD_PKT_UNKNOWN_DISCRIMINATOR drops itself.
 */
#ifndef VBR_BGP_BFD_PACKET_H
#define VBR_BGP_BFD_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BFD_VERSION 1
#define BFD_PKT_LEN 24 /* mandatory section; authentication would follow it */
#define BFD_PORT_CONTROL 3784 /* RFC 5881 4 */
#define BFD_SRC_PORT_MIN 49152
#define BFD_SRC_PORT_MAX 65535

/* Session states as on the wire (4.1 "Sta"). */
enum bfd_state {
	BFD_STATE_ADMIN_DOWN = 0,
	BFD_STATE_DOWN = 1,
	BFD_STATE_INIT = 2,
	BFD_STATE_UP = 3,
};

/* 4.1 "Diag". */
enum bfd_diag {
	BFD_DIAG_NONE = 0,
	BFD_DIAG_TIME_EXPIRED = 1, /* Control Detection Time Expired */
	BFD_DIAG_ECHO_FAILED = 2,
	BFD_DIAG_NEIGHBOR_DOWN = 3, /* Neighbor Signaled Session Down */
	BFD_DIAG_FWD_RESET = 4,
	BFD_DIAG_PATH_DOWN = 5,
	BFD_DIAG_CONCAT_DOWN = 6,
	BFD_DIAG_ADMIN_DOWN = 7,
	BFD_DIAG_REV_CONCAT_DOWN = 8,
};

struct bfd_packet {
	uint8_t version;
	enum bfd_diag diag;
	enum bfd_state state;
	bool poll, final, cpi, auth, demand, multipoint;
	uint8_t detect_mult;
	uint8_t length;
	uint32_t my_disc, your_disc;
	uint32_t desired_min_tx_us, required_min_rx_us, required_min_echo_rx_us;
};

/* Why a packet was refused (6.8.6 in order), or BFD_PKT_OK. */
enum bfd_pkt_error {
	BFD_PKT_OK = 0,
	BFD_PKT_SHORT = 1,	       /* fewer than 24 bytes received */
	BFD_PKT_BAD_VERSION = 2,       /* version is not 1 */
	BFD_PKT_BAD_LENGTH = 3,	       /* Length < 24 (26 with A), or more than received */
	BFD_PKT_DETECT_MULT_ZERO = 4,
	BFD_PKT_MULTIPOINT = 5,	       /* M bit set */
	BFD_PKT_ZERO_MY_DISC = 6,
	BFD_PKT_ZERO_YOUR_DISC = 7,    /* 0 while the sender is Init or Up */
	BFD_PKT_AUTH = 8,	       /* A bit set: no authentication is configured here */
	BFD_PKT_UNKNOWN_DISCRIMINATOR = 9, /* the driver's: no session has this your-disc */
	BFD_PKT_BAD_TTL = 10,		   /* the driver's: RFC 5881 5, TTL below 255 */
	BFD_PKT_NO_SESSION = 11,	   /* the driver's: your-disc 0 from an unknown address */
};
#define BFD_PKT_ERROR_COUNT 12

/* Decodes buf[0..len). Returns BFD_PKT_OK and fills *out, or the first rule broken (then
 * *out is partly filled and must not be used). */
enum bfd_pkt_error bfd_packet_decode(const uint8_t *buf, size_t len, struct bfd_packet *out);

/* Writes the 24-byte mandatory section (version 1, length 24, no authentication). */
void bfd_packet_encode(const struct bfd_packet *pkt, uint8_t out[BFD_PKT_LEN]);

/* "bad version", "unknown your discriminator", ... ("?" for others). */
const char *bfd_pkt_error_name(enum bfd_pkt_error err);
/* "AdminDown", "Down", "Init", "Up". */
const char *bfd_state_name(enum bfd_state state);
/* "control detection time expired", "neighbor signaled session down", ... */
const char *bfd_diag_name(enum bfd_diag diag);

#endif
