/*
 * bfd_packet: decode and encode BFD Control packets (RFC 5880 4.1), checks of 6.8.6.
 */
#include "bfd_packet.h"

#include <string.h>

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

enum bfd_pkt_error bfd_packet_decode(const uint8_t *buf, size_t len, struct bfd_packet *out)
{
	memset(out, 0, sizeof(*out));
	if (!buf || len < BFD_PKT_LEN)
		return BFD_PKT_SHORT;
	out->version = buf[0] >> 5;
	out->diag = (enum bfd_diag)(buf[0] & 0x1f);
	out->state = (enum bfd_state)(buf[1] >> 6);
	out->poll = buf[1] & 0x20;
	out->final = buf[1] & 0x10;
	out->cpi = buf[1] & 0x08;
	out->auth = buf[1] & 0x04;
	out->demand = buf[1] & 0x02;
	out->multipoint = buf[1] & 0x01;
	out->detect_mult = buf[2];
	out->length = buf[3];
	out->my_disc = get32(buf + 4);
	out->your_disc = get32(buf + 8);
	out->desired_min_tx_us = get32(buf + 12);
	out->required_min_rx_us = get32(buf + 16);
	out->required_min_echo_rx_us = get32(buf + 20);

	/* 6.8.6, in the RFC's order. */
	if (out->version != BFD_VERSION)
		return BFD_PKT_BAD_VERSION;
	if (out->length < (out->auth ? 26 : BFD_PKT_LEN) || out->length > len)
		return BFD_PKT_BAD_LENGTH;
	if (out->detect_mult == 0)
		return BFD_PKT_DETECT_MULT_ZERO;
	if (out->multipoint)
		return BFD_PKT_MULTIPOINT;
	if (out->my_disc == 0)
		return BFD_PKT_ZERO_MY_DISC;
	if (out->your_disc == 0 && out->state != BFD_STATE_DOWN &&
	    out->state != BFD_STATE_ADMIN_DOWN)
		return BFD_PKT_ZERO_YOUR_DISC;
	/* "If the A bit is set and no authentication is in use (bfd.AuthType is zero), the
	 * packet MUST be discarded." */
	if (out->auth)
		return BFD_PKT_AUTH;
	return BFD_PKT_OK;
}

void bfd_packet_encode(const struct bfd_packet *pkt, uint8_t out[BFD_PKT_LEN])
{
	out[0] = (uint8_t)(BFD_VERSION << 5 | (pkt->diag & 0x1f));
	out[1] = (uint8_t)((pkt->state & 3) << 6 | (pkt->poll ? 0x20 : 0) |
			   (pkt->final ? 0x10 : 0) | (pkt->cpi ? 0x08 : 0) |
			   (pkt->demand ? 0x02 : 0));
	out[2] = pkt->detect_mult;
	out[3] = BFD_PKT_LEN;
	put32(out + 4, pkt->my_disc);
	put32(out + 8, pkt->your_disc);
	put32(out + 12, pkt->desired_min_tx_us);
	put32(out + 16, pkt->required_min_rx_us);
	put32(out + 20, pkt->required_min_echo_rx_us);
}

const char *bfd_pkt_error_name(enum bfd_pkt_error err)
{
	static const char *const names[BFD_PKT_ERROR_COUNT] = {
	    [BFD_PKT_OK] = "ok",
	    [BFD_PKT_SHORT] = "short packet",
	    [BFD_PKT_BAD_VERSION] = "bad version",
	    [BFD_PKT_BAD_LENGTH] = "bad length",
	    [BFD_PKT_DETECT_MULT_ZERO] = "detect multiplier 0",
	    [BFD_PKT_MULTIPOINT] = "multipoint bit set",
	    [BFD_PKT_ZERO_MY_DISC] = "my discriminator 0",
	    [BFD_PKT_ZERO_YOUR_DISC] = "your discriminator 0 while not down",
	    [BFD_PKT_AUTH] = "authentication not configured",
	    [BFD_PKT_UNKNOWN_DISCRIMINATOR] = "unknown your discriminator",
	    [BFD_PKT_BAD_TTL] = "TTL below 255",
	    [BFD_PKT_NO_SESSION] = "no session for this address",
	};
	if ((unsigned)err >= BFD_PKT_ERROR_COUNT)
		return "?";
	return names[err];
}

const char *bfd_state_name(enum bfd_state state)
{
	switch (state) {
	case BFD_STATE_ADMIN_DOWN:
		return "AdminDown";
	case BFD_STATE_DOWN:
		return "Down";
	case BFD_STATE_INIT:
		return "Init";
	case BFD_STATE_UP:
		return "Up";
	}
	return "?";
}

const char *bfd_diag_name(enum bfd_diag diag)
{
	switch (diag) {
	case BFD_DIAG_NONE:
		return "no diagnostic";
	case BFD_DIAG_TIME_EXPIRED:
		return "control detection time expired";
	case BFD_DIAG_ECHO_FAILED:
		return "echo function failed";
	case BFD_DIAG_NEIGHBOR_DOWN:
		return "neighbor signaled session down";
	case BFD_DIAG_FWD_RESET:
		return "forwarding plane reset";
	case BFD_DIAG_PATH_DOWN:
		return "path down";
	case BFD_DIAG_CONCAT_DOWN:
		return "concatenated path down";
	case BFD_DIAG_ADMIN_DOWN:
		return "administratively down";
	case BFD_DIAG_REV_CONCAT_DOWN:
		return "reverse concatenated path down";
	}
	return "unknown diagnostic";
}
