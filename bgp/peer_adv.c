/*
 * peer_adv: our routes to a peer (its Adj-RIB-Out is the speaker's network list, the same
 * for every peer): the whole list when the session comes up and when the peer asks again
 * (ROUTE-REFRESH), one prefix at a time as networks are added and removed.
 */
#include "peer_int.h"

#include "speaker_int.h"
#include "update.h"

/* What our announcements to this peer carry: our AS (two or four octets, as negotiated) and
 * the session's local address as NEXT_HOP. */
static struct bgp_announce announce_of(const struct bgp_peer *peer)
{
	return (struct bgp_announce){ .local_asn = bgp_peer_local_asn(peer),
				      .as4 = peer->as4,
				      .next_hop = peer->local_ip,
				      .graceful_shutdown = peer->speaker->drain };
}

static void send_networks(struct bgp_session *sess)
{
	struct bgp_peer *peer = sess->peer;
	struct bgp_speaker *sp = peer->speaker;
	if (!sess->conn || sp->network_count == 0)
		return;
	struct bgp_announce ann = announce_of(peer);
	int n = bgp_update_encode_announce(&sess->conn->out, &ann, sp->networks,
					   sp->network_count);
	if (n > 0)
		peer->messages_out += (uint64_t)n;
}

void bgp_peer_advertise(struct bgp_peer *peer, const struct bgp_prefix *prefix, bool withdraw_it)
{
	struct bgp_session *sess = peer->primary;
	if (!peer->established || !sess || !sess->conn)
		return;
	int n;
	if (withdraw_it) {
		n = bgp_update_encode_withdraw(&sess->conn->out, prefix, 1);
		if (n > 0 && peer->advertised_routes > 0)
			peer->advertised_routes--;
	} else {
		struct bgp_announce ann = announce_of(peer);
		n = bgp_update_encode_announce(&sess->conn->out, &ann, prefix, 1);
		if (n > 0)
			peer->advertised_routes++;
	}
	if (n > 0) {
		peer->messages_out += (uint64_t)n;
		peer_notify_counters(peer); /* advertised_routes moved: ListBgpPeers shows it */
	}
	peer_session_flush(sess);
}

void peer_adv_session_up(struct bgp_session *sess)
{
	struct bgp_peer *peer = sess->peer;
	send_networks(sess);
	if (sess->conn && bgp_update_encode_eor(&sess->conn->out) == 0)
		peer->messages_out++;
	peer->advertised_routes = peer->speaker->network_count;
	peer_session_flush(sess);
}

void bgp_peer_readvertise(struct bgp_peer *peer)
{
	if (peer->established && peer->primary)
		peer_adv_refresh(peer->primary);
}

void bgp_peer_withdraw_networks(struct bgp_peer *peer)
{
	struct bgp_session *sess = peer->primary;
	struct bgp_speaker *sp = peer->speaker;
	if (!peer->established || !sess || !sess->conn || sp->network_count == 0)
		return;
	int n = bgp_update_encode_withdraw(&sess->conn->out, sp->networks, sp->network_count);
	if (n > 0) {
		peer->messages_out += (uint64_t)n;
		peer->advertised_routes = 0;
	}
	peer_session_flush(sess);
}

void peer_adv_refresh(struct bgp_session *sess)
{
	send_networks(sess);
	peer_session_flush(sess);
}
