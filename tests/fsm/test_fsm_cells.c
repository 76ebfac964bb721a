/*
 * Every state x event cell of the FSM: each row puts a machine in a state by real events,
 * feeds one event with fixed data and random = 0 (timers at full length), and states the new
 * state, the exact ordered action list and the reason. Seven starting points: the six states
 * plus Idle with an automatic restart pending. All mismatches are listed, then the test fails.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fsm_fmt.h"
#include "notify.h"

enum start {
	S_IDLE,		/* fresh: never started */
	S_IDLE_PENDING, /* after a failure: IdleHoldTimer running */
	S_CONNECT,
	S_ACTIVE, /* after a refused connect */
	S_OPEN_SENT,
	S_OPEN_CONFIRM, /* peer proposed hold 90: negotiated hold 30, keepalive 10 */
	S_ESTABLISHED,
};

static const uint8_t header_err_data[] = {0x00, 0x10}; /* the bad length, 16 */
static const uint8_t open_err_data[] = {0xfd, 0xe8};   /* the peer AS we did not expect */

/* The one event of each type every row uses. */
static struct bgp_fsm_event fixture(enum bgp_fsm_event_type type)
{
	struct bgp_fsm_event ev = {.type = type};
	switch (type) {
	case BGP_FSM_EV_MANUAL_STOP:
		ev.stop.subcode = BGP_SUBERR_CEASE_ADMIN_SHUTDOWN;
		ev.stop.message = "maintenance";
		break;
	case BGP_FSM_EV_AUTOMATIC_STOP:
		ev.stop.subcode = BGP_SUBERR_CEASE_MAX_PREFIXES;
		break;
	case BGP_FSM_EV_TCP_CONNECTION_FAILS:
		ev.tcp_fail.error = 0; /* EOF */
		break;
	case BGP_FSM_EV_BGP_OPEN:
		ev.open.hold_time = 90;
		ev.open.bgp_id = 0x0a000002;
		break;
	case BGP_FSM_EV_BGP_HEADER_ERR:
		ev.notify.code = BGP_ERR_HEADER;
		ev.notify.subcode = BGP_SUBERR_HEADER_BAD_LENGTH;
		ev.notify.data = header_err_data;
		ev.notify.data_len = sizeof(header_err_data);
		break;
	case BGP_FSM_EV_BGP_OPEN_MSG_ERR:
		ev.notify.code = BGP_ERR_OPEN;
		ev.notify.subcode = BGP_SUBERR_OPEN_BAD_PEER_AS;
		ev.notify.data = open_err_data;
		ev.notify.data_len = sizeof(open_err_data);
		break;
	case BGP_FSM_EV_UPDATE_MSG_ERR:
		ev.notify.code = BGP_ERR_UPDATE;
		ev.notify.subcode = BGP_SUBERR_UPDATE_MALFORMED_ATTR_LIST;
		break;
	case BGP_FSM_EV_NOTIF_MSG_VER_ERR:
		ev.notify.code = BGP_ERR_OPEN;
		ev.notify.subcode = BGP_SUBERR_OPEN_UNSUPPORTED_VERSION;
		break;
	case BGP_FSM_EV_NOTIF_MSG:
		ev.notify.code = BGP_ERR_CEASE;
		ev.notify.subcode = BGP_SUBERR_CEASE_ADMIN_SHUTDOWN;
		ev.notify.message = "maintenance";
		break;
	default:
		break;
	}
	return ev;
}

static void feed(struct bgp_fsm *fsm, enum bgp_fsm_event_type type)
{
	struct bgp_fsm_event ev = fixture(type);
	struct bgp_fsm_output out;
	bgp_fsm_step(fsm, &ev, &out);
}

static void setup(struct bgp_fsm *fsm, enum start s)
{
	struct bgp_fsm_config c = fsm_test_config();
	bgp_fsm_init(fsm, &c);
	switch (s) {
	case S_IDLE:
		return;
	case S_IDLE_PENDING:
		feed(fsm, BGP_FSM_EV_MANUAL_START);
		feed(fsm, BGP_FSM_EV_TCP_CR_ACKED);
		feed(fsm, BGP_FSM_EV_BGP_HEADER_ERR);
		return;
	case S_CONNECT:
		feed(fsm, BGP_FSM_EV_MANUAL_START);
		return;
	case S_ACTIVE:
		feed(fsm, BGP_FSM_EV_MANUAL_START);
		feed(fsm, BGP_FSM_EV_TCP_CONNECTION_FAILS);
		return;
	case S_OPEN_SENT:
		feed(fsm, BGP_FSM_EV_MANUAL_START);
		feed(fsm, BGP_FSM_EV_TCP_CR_ACKED);
		return;
	case S_OPEN_CONFIRM:
		setup(fsm, S_OPEN_SENT);
		feed(fsm, BGP_FSM_EV_BGP_OPEN);
		return;
	case S_ESTABLISHED:
		setup(fsm, S_OPEN_CONFIRM);
		feed(fsm, BGP_FSM_EV_KEEPALIVE_MSG);
		return;
	}
}

static const enum bgp_state start_state[] = {
    [S_IDLE] = BGP_STATE_IDLE,
    [S_IDLE_PENDING] = BGP_STATE_IDLE,
    [S_CONNECT] = BGP_STATE_CONNECT,
    [S_ACTIVE] = BGP_STATE_ACTIVE,
    [S_OPEN_SENT] = BGP_STATE_OPEN_SENT,
    [S_OPEN_CONFIRM] = BGP_STATE_OPEN_CONFIRM,
    [S_ESTABLISHED] = BGP_STATE_ESTABLISHED,
};

struct cell {
	enum start from;
	enum bgp_fsm_event_type event;
	enum bgp_state to; /* 0 = unchanged */
	const char *actions;
	const char *reason; /* NULL = "" */
};

#define IDLE BGP_STATE_IDLE
#define CONN BGP_STATE_CONNECT
#define ACTV BGP_STATE_ACTIVE
#define OSNT BGP_STATE_OPEN_SENT
#define OCNF BGP_STATE_OPEN_CONFIRM
#define ESTB BGP_STATE_ESTABLISHED

#define E(x) BGP_FSM_EV_##x

/* Teardown action lists, spelled out once per starting timer set. */
#define OS_STOP "stop(Hold)"
#define OC_STOP "stop(Hold) stop(KA)"
#define ES_STOP "stop(Hold) stop(KA) stop(SendHold) stop(Stable)"
#define RESTART "start(IdleHold,1000)"
#define R_BFD "BFD session down: control detection time expired"

#define R_ADMIN	 "admin down: NOTIFICATION sent: Cease / Administrative Shutdown: \"maintenance\""
#define R_LIMIT	 "route limit reached: NOTIFICATION sent: Cease / Maximum Number of Prefixes Reached"
#define R_HDR	 "NOTIFICATION sent: Message Header Error / Bad Message Length"
#define R_OPEN	 "NOTIFICATION sent: OPEN Message Error / Bad Peer AS"
#define R_UPD	 "NOTIFICATION sent: UPDATE Message Error / Malformed Attribute List"
#define R_DUMP	 "NOTIFICATION sent: Cease / Connection Collision Resolution"
#define R_VER	 "NOTIFICATION received: OPEN Message Error / Unsupported Version Number"
#define R_NOTIF	 "NOTIFICATION received: Cease / Administrative Shutdown: \"maintenance\""
#define R_EOF	 "connection closed by peer"
#define R_FSM(s) "NOTIFICATION sent: Finite State Machine Error / Unexpected Message in " s

static const struct cell cells[] = {
    /* ---- Idle, never started: refuses connections, starts on a start event ---- */
    {S_IDLE, E(MANUAL_START), CONN, "start(CR,5000) connect", "manual start"},
    {S_IDLE, E(MANUAL_STOP), 0, "", NULL},
    {S_IDLE, E(AUTOMATIC_START), CONN, "start(CR,5000) connect", "automatic start"},
    {S_IDLE, E(AUTOMATIC_STOP), 0, "", NULL},
    {S_IDLE, E(CONNECT_RETRY_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE, E(HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE, E(KEEPALIVE_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE, E(IDLE_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE, E(TCP_CR_ACKED), 0, "reject", NULL},
    {S_IDLE, E(TCP_CONNECTION_CONFIRMED), 0, "reject", NULL},
    {S_IDLE, E(TCP_CONNECTION_FAILS), 0, "", NULL},
    {S_IDLE, E(BGP_OPEN), 0, "", NULL},
    {S_IDLE, E(BGP_HEADER_ERR), 0, "", NULL},
    {S_IDLE, E(BGP_OPEN_MSG_ERR), 0, "", NULL},
    {S_IDLE, E(OPEN_COLLISION_DUMP), 0, "", NULL},
    {S_IDLE, E(NOTIF_MSG_VER_ERR), 0, "", NULL},
    {S_IDLE, E(NOTIF_MSG), 0, "", NULL},
    {S_IDLE, E(KEEPALIVE_MSG), 0, "", NULL},
    {S_IDLE, E(UPDATE_MSG), 0, "", NULL},
    {S_IDLE, E(UPDATE_MSG_ERR), 0, "", NULL},
    {S_IDLE, E(SEND_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE, E(SEND_PROGRESS), 0, "", NULL},
    {S_IDLE, E(STABLE_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE, E(BFD_DOWN), 0, "", NULL},

    /* ---- Idle with an automatic restart pending (IdleHoldTimer running) ---- */
    {S_IDLE_PENDING, E(MANUAL_START), CONN, "stop(IdleHold) start(CR,5000) connect",
     "manual start"},
    {S_IDLE_PENDING, E(MANUAL_STOP), 0, "stop(IdleHold)", NULL},
    {S_IDLE_PENDING, E(AUTOMATIC_START), CONN, "stop(IdleHold) start(CR,5000) connect",
     "automatic start"},
    {S_IDLE_PENDING, E(AUTOMATIC_STOP), 0, "", NULL},
    {S_IDLE_PENDING, E(CONNECT_RETRY_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE_PENDING, E(HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE_PENDING, E(KEEPALIVE_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE_PENDING, E(IDLE_HOLD_TIMER_EXPIRES), CONN, "start(CR,5000) connect",
     "restart after idle hold time"},
    {S_IDLE_PENDING, E(TCP_CR_ACKED), 0, "reject", NULL},
    {S_IDLE_PENDING, E(TCP_CONNECTION_CONFIRMED), 0, "reject", NULL},
    {S_IDLE_PENDING, E(TCP_CONNECTION_FAILS), 0, "", NULL},
    {S_IDLE_PENDING, E(BGP_OPEN), 0, "", NULL},
    {S_IDLE_PENDING, E(BGP_HEADER_ERR), 0, "", NULL},
    {S_IDLE_PENDING, E(BGP_OPEN_MSG_ERR), 0, "", NULL},
    {S_IDLE_PENDING, E(OPEN_COLLISION_DUMP), 0, "", NULL},
    {S_IDLE_PENDING, E(NOTIF_MSG_VER_ERR), 0, "", NULL},
    {S_IDLE_PENDING, E(NOTIF_MSG), 0, "", NULL},
    {S_IDLE_PENDING, E(KEEPALIVE_MSG), 0, "", NULL},
    {S_IDLE_PENDING, E(UPDATE_MSG), 0, "", NULL},
    {S_IDLE_PENDING, E(UPDATE_MSG_ERR), 0, "", NULL},
    {S_IDLE_PENDING, E(SEND_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE_PENDING, E(SEND_PROGRESS), 0, "", NULL},
    {S_IDLE_PENDING, E(STABLE_TIMER_EXPIRES), 0, "", NULL},
    {S_IDLE_PENDING, E(BFD_DOWN), 0, "", NULL},

    /* ---- Connect: our connect in progress, ConnectRetryTimer running ---- */
    {S_CONNECT, E(MANUAL_START), 0, "", NULL},
    {S_CONNECT, E(MANUAL_STOP), IDLE, "stop(CR) cancel_connect", "admin down"},
    {S_CONNECT, E(AUTOMATIC_START), 0, "", NULL},
    {S_CONNECT, E(AUTOMATIC_STOP), IDLE, "stop(CR) cancel_connect " RESTART, "route limit reached"},
    {S_CONNECT, E(CONNECT_RETRY_TIMER_EXPIRES), 0, "cancel_connect start(CR,5000) connect", NULL},
    {S_CONNECT, E(HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_CONNECT, E(KEEPALIVE_TIMER_EXPIRES), 0, "", NULL},
    {S_CONNECT, E(IDLE_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_CONNECT, E(TCP_CR_ACKED), OSNT, "stop(CR) send_open start(Hold,240000)",
     "TCP connection established"},
    /* 6.8: the accepted connection goes to a secondary instance; our attempt is kept. */
    {S_CONNECT, E(TCP_CONNECTION_CONFIRMED), 0, "reject", NULL},
    {S_CONNECT, E(TCP_CONNECTION_FAILS), ACTV, "start(CR,5000)", R_EOF},
    {S_CONNECT, E(BGP_OPEN), IDLE, "stop(CR) cancel_connect " RESTART,
     "unexpected BGPOpen in Connect"},
    {S_CONNECT, E(BGP_HEADER_ERR), IDLE, "stop(CR) cancel_connect " RESTART,
     "unexpected BGPHeaderErr in Connect"},
    {S_CONNECT, E(BGP_OPEN_MSG_ERR), IDLE, "stop(CR) cancel_connect " RESTART,
     "unexpected BGPOpenMsgErr in Connect"},
    {S_CONNECT, E(OPEN_COLLISION_DUMP), IDLE, "stop(CR) cancel_connect " RESTART,
     "unexpected OpenCollisionDump in Connect"},
    {S_CONNECT, E(NOTIF_MSG_VER_ERR), IDLE, "stop(CR) cancel_connect " RESTART,
     "unexpected NotifMsgVerErr in Connect"},
    {S_CONNECT, E(NOTIF_MSG), IDLE, "stop(CR) cancel_connect " RESTART,
     "unexpected NotifMsg in Connect"},
    {S_CONNECT, E(KEEPALIVE_MSG), IDLE, "stop(CR) cancel_connect " RESTART,
     "unexpected KeepAliveMsg in Connect"},
    {S_CONNECT, E(UPDATE_MSG), IDLE, "stop(CR) cancel_connect " RESTART,
     "unexpected UpdateMsg in Connect"},
    {S_CONNECT, E(UPDATE_MSG_ERR), IDLE, "stop(CR) cancel_connect " RESTART,
     "unexpected UpdateMsgErr in Connect"},
    {S_CONNECT, E(SEND_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_CONNECT, E(SEND_PROGRESS), 0, "", NULL},
    {S_CONNECT, E(STABLE_TIMER_EXPIRES), 0, "", NULL},
    {S_CONNECT, E(BFD_DOWN), IDLE, "stop(CR) cancel_connect " RESTART, R_BFD},

    /* ---- Active: no connection, ConnectRetryTimer running, listening ---- */
    {S_ACTIVE, E(MANUAL_START), 0, "", NULL},
    {S_ACTIVE, E(MANUAL_STOP), IDLE, "stop(CR)", "admin down"},
    {S_ACTIVE, E(AUTOMATIC_START), 0, "", NULL},
    {S_ACTIVE, E(AUTOMATIC_STOP), IDLE, "stop(CR) " RESTART, "route limit reached"},
    {S_ACTIVE, E(CONNECT_RETRY_TIMER_EXPIRES), CONN, "start(CR,5000) connect",
     "connect retry timer expired"},
    {S_ACTIVE, E(HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_ACTIVE, E(KEEPALIVE_TIMER_EXPIRES), 0, "", NULL},
    {S_ACTIVE, E(IDLE_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_ACTIVE, E(TCP_CR_ACKED), OSNT, "stop(CR) send_open start(Hold,240000)",
     "TCP connection established"},
    {S_ACTIVE, E(TCP_CONNECTION_CONFIRMED), OSNT, "stop(CR) send_open start(Hold,240000)",
     "TCP connection accepted"},
    {S_ACTIVE, E(TCP_CONNECTION_FAILS), 0, "", NULL},
    {S_ACTIVE, E(BGP_OPEN), IDLE, "stop(CR) " RESTART, "unexpected BGPOpen in Active"},
    {S_ACTIVE, E(BGP_HEADER_ERR), IDLE, "stop(CR) " RESTART, "unexpected BGPHeaderErr in Active"},
    {S_ACTIVE, E(BGP_OPEN_MSG_ERR), IDLE, "stop(CR) " RESTART,
     "unexpected BGPOpenMsgErr in Active"},
    {S_ACTIVE, E(OPEN_COLLISION_DUMP), IDLE, "stop(CR) " RESTART,
     "unexpected OpenCollisionDump in Active"},
    {S_ACTIVE, E(NOTIF_MSG_VER_ERR), IDLE, "stop(CR) " RESTART,
     "unexpected NotifMsgVerErr in Active"},
    {S_ACTIVE, E(NOTIF_MSG), IDLE, "stop(CR) " RESTART, "unexpected NotifMsg in Active"},
    {S_ACTIVE, E(KEEPALIVE_MSG), IDLE, "stop(CR) " RESTART, "unexpected KeepAliveMsg in Active"},
    {S_ACTIVE, E(UPDATE_MSG), IDLE, "stop(CR) " RESTART, "unexpected UpdateMsg in Active"},
    {S_ACTIVE, E(UPDATE_MSG_ERR), IDLE, "stop(CR) " RESTART, "unexpected UpdateMsgErr in Active"},
    {S_ACTIVE, E(SEND_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_ACTIVE, E(SEND_PROGRESS), 0, "", NULL},
    {S_ACTIVE, E(STABLE_TIMER_EXPIRES), 0, "", NULL},
    {S_ACTIVE, E(BFD_DOWN), IDLE, "stop(CR) " RESTART, R_BFD},

    /* ---- OpenSent: OPEN sent, HoldTimer at 4 minutes ---- */
    {S_OPEN_SENT, E(MANUAL_START), 0, "", NULL},
    {S_OPEN_SENT, E(MANUAL_STOP), IDLE, OS_STOP " notify(6/2,msg=maintenance) close(flush) release",
     R_ADMIN},
    {S_OPEN_SENT, E(AUTOMATIC_START), 0, "", NULL},
    {S_OPEN_SENT, E(AUTOMATIC_STOP), IDLE, OS_STOP " notify(6/1) close(flush) release " RESTART,
     R_LIMIT},
    {S_OPEN_SENT, E(CONNECT_RETRY_TIMER_EXPIRES), 0, "", NULL},
    {S_OPEN_SENT, E(HOLD_TIMER_EXPIRES), IDLE, "notify(4/0) close(flush) release " RESTART,
     "hold timer expired"},
    {S_OPEN_SENT, E(KEEPALIVE_TIMER_EXPIRES), 0, "", NULL},
    {S_OPEN_SENT, E(IDLE_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_OPEN_SENT, E(TCP_CR_ACKED), 0, "reject", NULL},
    {S_OPEN_SENT, E(TCP_CONNECTION_CONFIRMED), 0, "reject", NULL},
    {S_OPEN_SENT, E(TCP_CONNECTION_FAILS), ACTV, OS_STOP " close release start(CR,5000)", R_EOF},
    {S_OPEN_SENT, E(BGP_OPEN), OCNF, "send_keepalive start(KA,10000) start(Hold,30000)",
     "OPEN received"},
    {S_OPEN_SENT, E(BGP_HEADER_ERR), IDLE,
     OS_STOP " notify(1/2,len=2) close(flush) release " RESTART, R_HDR},
    {S_OPEN_SENT, E(BGP_OPEN_MSG_ERR), IDLE,
     OS_STOP " notify(2/2,len=2) close(flush) release " RESTART, R_OPEN},
    {S_OPEN_SENT, E(OPEN_COLLISION_DUMP), IDLE, OS_STOP " notify(6/7) close(flush) release",
     R_DUMP},
    {S_OPEN_SENT, E(NOTIF_MSG_VER_ERR), IDLE, OS_STOP " close release " RESTART, R_VER},
    {S_OPEN_SENT, E(NOTIF_MSG), IDLE, OS_STOP " close release " RESTART, R_NOTIF},
    {S_OPEN_SENT, E(KEEPALIVE_MSG), IDLE, OS_STOP " notify(5/1) close(flush) release " RESTART,
     R_FSM("OpenSent")},
    {S_OPEN_SENT, E(UPDATE_MSG), IDLE, OS_STOP " notify(5/1) close(flush) release " RESTART,
     R_FSM("OpenSent")},
    {S_OPEN_SENT, E(UPDATE_MSG_ERR), IDLE, OS_STOP " notify(5/1) close(flush) release " RESTART,
     R_FSM("OpenSent")},
    {S_OPEN_SENT, E(SEND_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_OPEN_SENT, E(SEND_PROGRESS), 0, "", NULL},
    {S_OPEN_SENT, E(STABLE_TIMER_EXPIRES), 0, "", NULL},
    {S_OPEN_SENT, E(BFD_DOWN), IDLE, OS_STOP " close release " RESTART, R_BFD},

    /* ---- OpenConfirm: hold 30, keepalive 10 ---- */
    {S_OPEN_CONFIRM, E(MANUAL_START), 0, "", NULL},
    {S_OPEN_CONFIRM, E(MANUAL_STOP), IDLE,
     OC_STOP " notify(6/2,msg=maintenance) close(flush) release", R_ADMIN},
    {S_OPEN_CONFIRM, E(AUTOMATIC_START), 0, "", NULL},
    {S_OPEN_CONFIRM, E(AUTOMATIC_STOP), IDLE, OC_STOP " notify(6/1) close(flush) release " RESTART,
     R_LIMIT},
    {S_OPEN_CONFIRM, E(CONNECT_RETRY_TIMER_EXPIRES), 0, "", NULL},
    {S_OPEN_CONFIRM, E(HOLD_TIMER_EXPIRES), IDLE,
     "stop(KA) notify(4/0) close(flush) release " RESTART, "hold timer expired"},
    {S_OPEN_CONFIRM, E(KEEPALIVE_TIMER_EXPIRES), 0, "send_keepalive start(KA,10000)", NULL},
    {S_OPEN_CONFIRM, E(IDLE_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_OPEN_CONFIRM, E(TCP_CR_ACKED), 0, "reject", NULL},
    {S_OPEN_CONFIRM, E(TCP_CONNECTION_CONFIRMED), 0, "reject", NULL},
    {S_OPEN_CONFIRM, E(TCP_CONNECTION_FAILS), IDLE, OC_STOP " close release " RESTART, R_EOF},
    {S_OPEN_CONFIRM, E(BGP_OPEN), IDLE, OC_STOP " notify(5/2) close(flush) release " RESTART,
     R_FSM("OpenConfirm")},
    {S_OPEN_CONFIRM, E(BGP_HEADER_ERR), IDLE,
     OC_STOP " notify(1/2,len=2) close(flush) release " RESTART, R_HDR},
    {S_OPEN_CONFIRM, E(BGP_OPEN_MSG_ERR), IDLE,
     OC_STOP " notify(2/2,len=2) close(flush) release " RESTART, R_OPEN},
    {S_OPEN_CONFIRM, E(OPEN_COLLISION_DUMP), IDLE, OC_STOP " notify(6/7) close(flush) release",
     R_DUMP},
    {S_OPEN_CONFIRM, E(NOTIF_MSG_VER_ERR), IDLE, OC_STOP " close release " RESTART, R_VER},
    {S_OPEN_CONFIRM, E(NOTIF_MSG), IDLE, OC_STOP " close release " RESTART, R_NOTIF},
    {S_OPEN_CONFIRM, E(KEEPALIVE_MSG), ESTB,
     "start(Hold,30000) start(SendHold,480000) start(Stable,60000) peer_up", "KEEPALIVE received"},
    {S_OPEN_CONFIRM, E(UPDATE_MSG), IDLE, OC_STOP " notify(5/2) close(flush) release " RESTART,
     R_FSM("OpenConfirm")},
    {S_OPEN_CONFIRM, E(UPDATE_MSG_ERR), IDLE, OC_STOP " notify(5/2) close(flush) release " RESTART,
     R_FSM("OpenConfirm")},
    {S_OPEN_CONFIRM, E(SEND_HOLD_TIMER_EXPIRES), 0, "", NULL}, /* RFC 9687: Established only */
    {S_OPEN_CONFIRM, E(SEND_PROGRESS), 0, "", NULL},
    {S_OPEN_CONFIRM, E(STABLE_TIMER_EXPIRES), 0, "", NULL},
    {S_OPEN_CONFIRM, E(BFD_DOWN), IDLE, OC_STOP " close release " RESTART, R_BFD},

    /* ---- Established ---- */
    {S_ESTABLISHED, E(MANUAL_START), 0, "", NULL},
    {S_ESTABLISHED, E(MANUAL_STOP), IDLE,
     ES_STOP " notify(6/2,msg=maintenance) close(flush) peer_down release", R_ADMIN},
    {S_ESTABLISHED, E(AUTOMATIC_START), 0, "", NULL},
    {S_ESTABLISHED, E(AUTOMATIC_STOP), IDLE,
     ES_STOP " notify(6/1) close(flush) peer_down release " RESTART, R_LIMIT},
    {S_ESTABLISHED, E(CONNECT_RETRY_TIMER_EXPIRES), 0, "", NULL},
    {S_ESTABLISHED, E(HOLD_TIMER_EXPIRES), IDLE,
     "stop(KA) stop(SendHold) stop(Stable) notify(4/0) close(flush) peer_down release " RESTART,
     "hold timer expired"},
    {S_ESTABLISHED, E(KEEPALIVE_TIMER_EXPIRES), 0, "send_keepalive start(KA,10000)", NULL},
    {S_ESTABLISHED, E(IDLE_HOLD_TIMER_EXPIRES), 0, "", NULL},
    {S_ESTABLISHED, E(TCP_CR_ACKED), 0, "reject", NULL},
    {S_ESTABLISHED, E(TCP_CONNECTION_CONFIRMED), 0, "reject", NULL},
    {S_ESTABLISHED, E(TCP_CONNECTION_FAILS), IDLE, ES_STOP " close peer_down release " RESTART,
     R_EOF},
    {S_ESTABLISHED, E(BGP_OPEN), IDLE,
     ES_STOP " notify(5/3) close(flush) peer_down release " RESTART, R_FSM("Established")},
    {S_ESTABLISHED, E(BGP_HEADER_ERR), IDLE,
     ES_STOP " notify(1/2,len=2) close(flush) peer_down release " RESTART, R_HDR},
    {S_ESTABLISHED, E(BGP_OPEN_MSG_ERR), IDLE,
     ES_STOP " notify(2/2,len=2) close(flush) peer_down release " RESTART, R_OPEN},
    {S_ESTABLISHED, E(OPEN_COLLISION_DUMP), IDLE,
     ES_STOP " notify(6/7) close(flush) peer_down release", R_DUMP},
    {S_ESTABLISHED, E(NOTIF_MSG_VER_ERR), IDLE, ES_STOP " close peer_down release " RESTART, R_VER},
    {S_ESTABLISHED, E(NOTIF_MSG), IDLE, ES_STOP " close peer_down release " RESTART, R_NOTIF},
    {S_ESTABLISHED, E(KEEPALIVE_MSG), 0, "start(Hold,30000)", NULL},
    {S_ESTABLISHED, E(UPDATE_MSG), 0, "start(Hold,30000)", NULL},
    {S_ESTABLISHED, E(UPDATE_MSG_ERR), IDLE,
     ES_STOP " notify(3/1) close(flush) peer_down release " RESTART, R_UPD},
    {S_ESTABLISHED, E(SEND_HOLD_TIMER_EXPIRES), IDLE,
     "stop(Hold) stop(KA) stop(Stable) notify(8/0) close peer_down release " RESTART,
     "send hold timer expired"},
    {S_ESTABLISHED, E(SEND_PROGRESS), 0, "start(SendHold,480000)", NULL},
    {S_ESTABLISHED, E(STABLE_TIMER_EXPIRES), 0, "", NULL},
    {S_ESTABLISHED, E(BFD_DOWN), IDLE, ES_STOP " close peer_down release " RESTART, R_BFD},
};

static const enum bgp_fsm_event_type all_events[] = {
    E(MANUAL_START),
    E(MANUAL_STOP),
    E(AUTOMATIC_START),
    E(AUTOMATIC_STOP),
    E(CONNECT_RETRY_TIMER_EXPIRES),
    E(HOLD_TIMER_EXPIRES),
    E(KEEPALIVE_TIMER_EXPIRES),
    E(IDLE_HOLD_TIMER_EXPIRES),
    E(TCP_CR_ACKED),
    E(TCP_CONNECTION_CONFIRMED),
    E(TCP_CONNECTION_FAILS),
    E(BGP_OPEN),
    E(BGP_HEADER_ERR),
    E(BGP_OPEN_MSG_ERR),
    E(OPEN_COLLISION_DUMP),
    E(NOTIF_MSG_VER_ERR),
    E(NOTIF_MSG),
    E(KEEPALIVE_MSG),
    E(UPDATE_MSG),
    E(UPDATE_MSG_ERR),
    E(SEND_HOLD_TIMER_EXPIRES),
    E(SEND_PROGRESS),
    E(STABLE_TIMER_EXPIRES),
    E(BFD_DOWN),
};
#define N_EVENTS (sizeof(all_events) / sizeof(all_events[0]))
#define N_STARTS 7
#define N_CELLS	 (sizeof(cells) / sizeof(cells[0]))

/* The table really covers every (start, event) pair exactly once. */
static void test_table_is_complete(void **state)
{
	(void)state;
	assert_int_equal(N_CELLS, N_STARTS * N_EVENTS);
	for (int s = 0; s < N_STARTS; s++)
		for (size_t e = 0; e < N_EVENTS; e++) {
			int found = 0;
			for (size_t i = 0; i < N_CELLS; i++)
				found += cells[i].from == (enum start)s &&
					 cells[i].event == all_events[e];
			if (found != 1)
				fail_msg("start %d event %s appears %d times", s,
					 bgp_fsm_event_name(all_events[e]), found);
		}
}

/* The setups reach the states they claim, with the timers they should have running. */
static void test_setups(void **state)
{
	(void)state;
	struct bgp_fsm f;
	static const uint32_t timers[] = {
	    [S_IDLE] = 0,
	    [S_IDLE_PENDING] = 1u << BGP_FSM_TIMER_IDLE_HOLD,
	    [S_CONNECT] = 1u << BGP_FSM_TIMER_CONNECT_RETRY,
	    [S_ACTIVE] = 1u << BGP_FSM_TIMER_CONNECT_RETRY,
	    [S_OPEN_SENT] = 1u << BGP_FSM_TIMER_HOLD,
	    [S_OPEN_CONFIRM] = (1u << BGP_FSM_TIMER_HOLD) | (1u << BGP_FSM_TIMER_KEEPALIVE),
	    [S_ESTABLISHED] = (1u << BGP_FSM_TIMER_HOLD) | (1u << BGP_FSM_TIMER_KEEPALIVE) |
			      (1u << BGP_FSM_TIMER_SEND_HOLD) | (1u << BGP_FSM_TIMER_STABLE),
	};
	for (int s = 0; s < N_STARTS; s++) {
		setup(&f, (enum start)s);
		assert_int_equal(f.state, start_state[s]);
		assert_int_equal(f.timers_running, timers[s]);
	}
	setup(&f, S_ESTABLISHED);
	assert_int_equal(f.hold_s, 30);
	assert_int_equal(f.keepalive_s, 10);
	assert_int_equal(f.remote_id, 0x0a000002);
}

static void test_every_cell(void **state)
{
	(void)state;
	int failures = 0;
	for (size_t i = 0; i < N_CELLS; i++) {
		const struct cell *c = &cells[i];
		struct bgp_fsm f;
		setup(&f, c->from);
		struct bgp_fsm_event ev = fixture(c->event);
		struct bgp_fsm_output out;
		memset(&out, 0xa5, sizeof(out)); /* garbage: the step must set what it reports */
		bgp_fsm_step(&f, &ev, &out);

		enum bgp_state want_state = c->to ? c->to : start_state[c->from];
		char got[1024];
		fsm_fmt_actions(&out, got, sizeof(got));
		const char *want_reason = c->reason ? c->reason : "";
		bool ok = out.old_state == start_state[c->from] && out.new_state == want_state &&
			  f.state == want_state && strcmp(got, c->actions) == 0 &&
			  strcmp(out.reason, want_reason) == 0 &&
			  out.n_actions < BGP_FSM_MAX_ACTIONS;
		if (!ok) {
			failures++;
			print_error(
			    "cell %s x %s:\n  state  want %s got %s\n  actions want \"%s\"\n"
			    "          got  \"%s\"\n  reason want \"%s\"\n         got  \"%s\"\n",
			    bgp_state_name(start_state[c->from]), bgp_fsm_event_name(c->event),
			    bgp_state_name(want_state), bgp_state_name(out.new_state), c->actions,
			    got, want_reason, out.reason);
		}
	}
	if (failures)
		fail_msg("%d of %zu cells wrong", failures, N_CELLS);
}

/* A NOTIFICATION the FSM sends on a decoder's behalf carries the decoder's data, not a copy
 * that could go stale or be cut short. */
static void test_notification_data_is_the_events(void **state)
{
	(void)state;
	struct bgp_fsm f;
	setup(&f, S_OPEN_SENT);
	struct bgp_fsm_event ev = fixture(E(BGP_OPEN_MSG_ERR));
	struct bgp_fsm_output out;
	bgp_fsm_step(&f, &ev, &out);
	const struct bgp_fsm_action *n = NULL;
	for (size_t i = 0; i < out.n_actions; i++)
		if (out.actions[i].type == BGP_FSM_ACT_SEND_NOTIFICATION)
			n = &out.actions[i];
	assert_non_null(n);
	assert_ptr_equal(n->notify.data, open_err_data);
	assert_int_equal(n->notify.data_len, sizeof(open_err_data));
	assert_null(n->notify.message);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_table_is_complete),
	    cmocka_unit_test(test_setups),
	    cmocka_unit_test(test_every_cell),
	    cmocka_unit_test(test_notification_data_is_the_events),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
