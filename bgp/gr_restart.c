/*
 * gr_restart: vbrd the restarting speaker, the pure decisions (see gr_restart.h).
 */
#include "gr_restart.h"

bool gr_defer_peer_synced(const struct gr_defer_peer *p, bool end_of_rib)
{
	if (p->synced)
		return true;
	return p->established && end_of_rib;
}

bool gr_defer_over(const struct gr_defer_peer *peers, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!peers[i].admin_down && !peers[i].synced)
			return false;
	return true;
}

bool gr_forwarding_kept(bool fib_enabled, bool expected_leftovers, size_t leftovers,
			bool earlier_session)
{
	if (!fib_enabled)
		return false;
	return earlier_session || leftovers > 0 || !expected_leftovers;
}
