/*
 * vectors: a table of wire messages, mostly malformed, each with the reaction RFC 4271 and
 * RFC 7606 assign it: the NOTIFICATION (code, subcode, data) of a framing or OPEN error, or the
 * verdict of an UPDATE (accept, attribute-discard, treat-as-withdraw, session-reset) with the
 * error it reports. Every OPEN and UPDATE vector goes through the framer first, as on a session.
 * The fuzz seed corpus is generated from this table (make_seeds below, run with --seeds DIR).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"
#include "msg.h"
#include "open.h"
#include "update.h"

enum kind { FRAME, OPEN, UPDATE };

struct vector {
	const char *name;
	enum kind kind;
	/* FRAME: the whole message. OPEN: the body. UPDATE: the body, or (when NULL) built from
	 * withdrawn / attrs / nlri with correct length fields. */
	const char *hex;
	const char *withdrawn, *attrs, *nlri;
	bool two_octet, ibgp, first_as; /* UPDATE session context */
	enum bgp_verdict verdict;	/* UPDATE */
	uint8_t code, subcode;		/* expected error; code 0: none */
	const char *data;		/* expected data (hex); NULL: not checked */
	int nlri_count1;		/* UPDATE: expected count + 1; 0 = not checked */
	int withdrawn_count1;
};

#define ACCEPT	BGP_VERDICT_ACCEPT
#define DISCARD BGP_VERDICT_ATTR_DISCARD
#define TAW	BGP_VERDICT_TREAT_AS_WITHDRAW
#define RESET	BGP_VERDICT_SESSION_RESET

/* UPDATE building blocks (4-octet session unless the vector says two_octet). */
#define ORIGIN	 "40010100"
#define AS_PATH	 "4002 06 02 01 0000fde9"
#define AS_PATH2 "4002 04 02 01 fde9"
#define NEXT_HOP "4003 04 0a000001"
#define BASE	 ORIGIN AS_PATH NEXT_HOP
#define NLRI	 "10 0a01"
#define MARKER	 "ffffffffffffffffffffffffffffffff"

/* OPEN building blocks: version 4, My AS 65001, hold 90, identifier 1.2.3.4. */
#define OPEN_FIXED "04 fde9 005a 01020304"
#define CAP_MP	   "01 04 0001 00 01"
#define CAP_AS4	   "41 04 0000fde9"
#define CAP_RR	   "02 00"

#define U(...)		   .kind = UPDATE, __VA_ARGS__
#define NLRI_COUNT(n)	   .nlri_count1 = (n) + 1
#define WITHDRAWN_COUNT(n) .withdrawn_count1 = (n) + 1
#define ERR(c, s, d)	   .code = c, .subcode = s, .data = d

static const struct vector vectors[] = {
    /* ---- framing: RFC 4271 6.1 ---- */
    {"frame: marker not all ones", FRAME, "ffffffffffffffffffffffffffffff00 0013 04",
     ERR(1, 1, "")},
    {"frame: bad marker seen in 3 octets", FRAME, "ffff7f", ERR(1, 1, "")},
    {"frame: length 18", FRAME, MARKER "0012 04", ERR(1, 2, "0012")},
    {"frame: length 0", FRAME, MARKER "0000 04", ERR(1, 2, "0000")},
    {"frame: length 4097", FRAME, MARKER "1001 02", ERR(1, 2, "1001")},
    {"frame: length 65535", FRAME, MARKER "ffff 02", ERR(1, 2, "ffff")},
    {"frame: type 0", FRAME, MARKER "0013 00", ERR(1, 3, "00")},
    {"frame: type 6", FRAME, MARKER "0013 06", ERR(1, 3, "06")},
    {"frame: type 255", FRAME, MARKER "0017 ff 00000000", ERR(1, 3, "ff")},
    {"frame: KEEPALIVE length 20", FRAME, MARKER "0014 04 00", ERR(1, 2, "0014")},
    {"frame: OPEN length 28", FRAME,
     MARKER "001c 01"
	    "04 fde9 005a 01020304",
     ERR(1, 2, "001c")},
    {"frame: UPDATE length 22", FRAME, MARKER "0016 02 000000", ERR(1, 2, "0016")},
    {"frame: NOTIFICATION length 20", FRAME, MARKER "0014 03 06", ERR(1, 2, "0014")},
    {"frame: ROUTE-REFRESH length 22", FRAME, MARKER "0016 05 000100", ERR(1, 2, "0016")},
    {"frame: ROUTE-REFRESH length 24", FRAME, MARKER "0018 05 0001000100", ERR(1, 2, "0018")},
    {"frame: KEEPALIVE ok", FRAME, MARKER "0013 04", ERR(0, 0, NULL)},
    {"frame: NOTIFICATION minimum ok", FRAME, MARKER "0015 03 0602", ERR(0, 0, NULL)},

    /* ---- OPEN: RFC 4271 6.2, RFC 5492, RFC 9072 ---- */
    {"open: ok with capabilities", OPEN, OPEN_FIXED "10 02 0e" CAP_MP CAP_RR CAP_AS4,
     ERR(0, 0, NULL)},
    {"open: ok without optional parameters", OPEN, OPEN_FIXED "00", ERR(0, 0, NULL)},
    {"open: version 3", OPEN, "03 fde9 005a 01020304 00", ERR(2, 1, "0004")},
    {"open: version 5", OPEN, "05 fde9 005a 01020304 00", ERR(2, 1, "0004")},
    {"open: opt len past the message", OPEN, OPEN_FIXED "05 02 02 0200", ERR(2, 0, "")},
    {"open: opt len short of the message", OPEN, OPEN_FIXED "02 02 02 0200", ERR(2, 0, "")},
    {"open: parameter header truncated", OPEN, OPEN_FIXED "01 02", ERR(2, 0, "")},
    {"open: parameter length overrun", OPEN, OPEN_FIXED "04 02 05 0200", ERR(2, 0, "")},
    {"open: unsupported optional parameter 1", OPEN, OPEN_FIXED "04 01 02 0000", ERR(2, 4, "")},
    {"open: unsupported optional parameter 3", OPEN, OPEN_FIXED "02 03 00", ERR(2, 4, "")},
    {"open: capability overruns its parameter", OPEN, OPEN_FIXED "05 02 03 41 04 00",
     ERR(2, 0, "")},
    {"open: capability header truncated", OPEN, OPEN_FIXED "03 02 01 41", ERR(2, 0, "")},
    {"open: MP capability length 3", OPEN, OPEN_FIXED "07 02 05 01 03 000100",
     ERR(2, 0, "0103000100")},
    {"open: 4-octet AS capability length 2", OPEN, OPEN_FIXED "06 02 04 41 02 fde9",
     ERR(2, 0, "4102fde9")},
    {"open: route refresh capability length 1", OPEN, OPEN_FIXED "05 02 03 02 01 00",
     ERR(2, 0, "020100")},
    {"open: unknown capability skipped", OPEN, OPEN_FIXED "08 02 06 49 02 abcd" CAP_RR,
     ERR(0, 0, NULL)},
    {"open: IPv6, graceful restart, enhanced RR, extended message noted", OPEN,
     OPEN_FIXED "16 02 14 01 04 0002 00 01 40 02 0078 46 00 06 00" CAP_AS4, ERR(0, 0, NULL)},
    {"open: enhanced route refresh capability length 1", OPEN, OPEN_FIXED "05 02 03 46 01 00",
     ERR(2, 0, "460100")},
    {"open: extended message capability length 2", OPEN, OPEN_FIXED "06 02 04 06 02 0000",
     ERR(2, 0, "06020000")},
    {"open: empty capabilities parameter", OPEN, OPEN_FIXED "02 02 00", ERR(0, 0, NULL)},
    {"open: RFC 9072 extended form with Non-Ext OP Len 1", OPEN,
     OPEN_FIXED "01 ff 0011 02 000e" CAP_MP CAP_RR CAP_AS4, ERR(0, 0, NULL)},
    {"open: type 255 as a later parameter", OPEN,
     OPEN_FIXED "12 02 0e" CAP_MP CAP_RR CAP_AS4 "ff 00", ERR(2, 4, "")},
    {"open: RFC 9072 extended parameters ok", OPEN,
     OPEN_FIXED "ff ff 0011 02 000e" CAP_MP CAP_RR CAP_AS4, ERR(0, 0, NULL)},
    {"open: RFC 9072 extended length too long", OPEN,
     OPEN_FIXED "ff ff 0020 02 000e" CAP_MP CAP_RR CAP_AS4, ERR(2, 0, "")},
    {"open: RFC 9072 extended length truncated", OPEN, OPEN_FIXED "ff ff 00", ERR(2, 0, "")},
    {"open: RFC 9072 parameter length overrun", OPEN, OPEN_FIXED "ff ff 0003 02 0010",
     ERR(2, 0, "")},
    {"open: opt len 255 not extended is a normal 255-octet list", OPEN,
     OPEN_FIXED "ff 02 fd"
		"49fb000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000000000"
		"0000000000000000000000000000000000000000000000000000000000",
     ERR(0, 0, NULL)},
    {"open: wrong peer AS", OPEN, "04 fdea 005a 01020304 00", ERR(2, 2, "")},
    {"open: AS4 capability with another AS", OPEN, OPEN_FIXED "0a 02 08 41 04 0000fdea 0200",
     ERR(2, 2, "")},
    {"open: AS4 capability AS 0", OPEN, OPEN_FIXED "08 02 06 41 04 00000000", ERR(2, 2, "")},
    {"open: hold time 1", OPEN, "04 fde9 0001 01020304 00", ERR(2, 6, "")},
    {"open: hold time 2", OPEN, "04 fde9 0002 01020304 00", ERR(2, 6, "")},
    {"open: hold time 0 ok", OPEN, "04 fde9 0000 01020304 00", ERR(0, 0, NULL)},
    {"open: hold time 3 ok", OPEN, "04 fde9 0003 01020304 00", ERR(0, 0, NULL)},
    {"open: BGP identifier 0", OPEN, "04 fde9 005a 00000000 00", ERR(2, 3, "")},

    /* ---- UPDATE: structure, RFC 4271 6.3, RFC 7606 4, 5.3 ---- */
    {"update: well-formed", U(.attrs = BASE, .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"update: withdrawn length past the message", U(.hex = "0010 0000", .verdict = RESET),
     ERR(3, 1, "")},
    {"update: attribute length past the message", U(.hex = "0000 0010 40010100", .verdict = RESET),
     ERR(3, 1, "")},
    {"update: withdrawn routes swallow the attribute length",
     U(.hex = "0002 100a", .verdict = RESET), ERR(3, 1, "")},
    {"update: NLRI prefix length 33", U(.attrs = BASE, .nlri = "21 0a000000 00", .verdict = RESET),
     ERR(3, 10, "")},
    {"update: NLRI prefix overruns", U(.attrs = BASE, .nlri = "18 0a01", .verdict = RESET),
     ERR(3, 10, "")},
    {"update: withdrawn prefix length 33", U(.withdrawn = "21 0a000000 00", .verdict = RESET),
     ERR(3, 10, "")},
    {"update: withdrawn prefix overruns", U(.withdrawn = "20 0a0000", .verdict = RESET),
     ERR(3, 10, "")},
    {"update: total attribute length 0 with NLRI", U(.nlri = NLRI, .verdict = TAW),
     ERR(3, 3, "01")},
    {"update: attribute overruns the attribute field",
     U(.attrs = BASE "c008 08 00000001", .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "c0080800000001")},
    {"update: two octets left for an attribute",
     U(.attrs = BASE "c008", .nlri = NLRI, .verdict = TAW), ERR(3, 5, "c008")},
    {"update: extended length header truncated",
     U(.attrs = BASE "d00800", .nlri = NLRI, .verdict = TAW), ERR(3, 5, "d00800")},
    {"update: End-of-RIB", U(.hex = "0000 0000", .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"update: MP End-of-RIB", U(.attrs = "800f 03 0001 01", .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"update: withdrawal only",
     U(.withdrawn = "18 0a0102 10 0a02", .verdict = ACCEPT, WITHDRAWN_COUNT(2)), ERR(0, 0, NULL)},

    /* ---- mandatory attributes: RFC 7606 3.d ---- */
    {"update: ORIGIN missing", U(.attrs = AS_PATH NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 3, "01")},
    {"update: AS_PATH missing", U(.attrs = ORIGIN NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 3, "02")},
    {"update: NEXT_HOP missing", U(.attrs = ORIGIN AS_PATH, .nlri = NLRI, .verdict = TAW),
     ERR(3, 3, "03")},
    {"update: no NLRI, nothing mandatory", U(.attrs = ORIGIN, .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"update: malformed attribute with no NLRI at all (RFC 7606 5.2)",
     U(.attrs = "40010105" AS_PATH NEXT_HOP, .verdict = RESET), ERR(3, 6, "40010105")},
    {"update: malformed attribute with only withdrawals (RFC 7606 5.2)",
     U(.withdrawn = "10 0a09", .attrs = "40010105", .verdict = RESET), ERR(3, 6, "40010105")},
    {"update: malformed attribute with only MP_UNREACH (RFC 7606 5.2)",
     U(.attrs = "800f 06 000101 10 0a03 c008 01 00", .verdict = RESET), ERR(3, 5, "c0080100")},
    {"update: attribute-discard error with no NLRI is not escalated",
     U(.attrs = "4006 01 00", .withdrawn = "10 0a09", .verdict = DISCARD, WITHDRAWN_COUNT(1)),
     ERR(3, 5, "40060100")},
    {"update: malformed MP_REACH-only UPDATE with routes stays treat-as-withdraw",
     U(.attrs = "800e 0c 0001 01 04 0a000002 00 10 0a02"
		"40010109" AS_PATH,
       .verdict = TAW, NLRI_COUNT(1)),
     ERR(3, 6, "40010109")},

    /* ---- ORIGIN: RFC 7606 7.1 ---- */
    {"ORIGIN length 0", U(.attrs = "400100" AS_PATH NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "400100")},
    {"ORIGIN length 2", U(.attrs = "4001020000" AS_PATH NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "4001020000")},
    {"ORIGIN value 3",
     U(.attrs = "40010103" AS_PATH NEXT_HOP, .nlri = NLRI, .verdict = TAW, NLRI_COUNT(1)),
     ERR(3, 6, "40010103")},
    {"ORIGIN flagged optional",
     U(.attrs = "c0010100" AS_PATH NEXT_HOP, .nlri = NLRI, .verdict = TAW), ERR(3, 4, "c0010100")},
    {"ORIGIN flagged non-transitive",
     U(.attrs = "00010100" AS_PATH NEXT_HOP, .nlri = NLRI, .verdict = TAW), ERR(3, 4, "00010100")},
    {"ORIGIN with Partial", U(.attrs = "60010100" AS_PATH NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 4, "60010100")},
    {"ORIGIN extended length ok",
     U(.attrs = "5001000100" AS_PATH NEXT_HOP, .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"ORIGIN low flag bits ignored",
     U(.attrs = "4f010100" AS_PATH NEXT_HOP, .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"ORIGIN twice: second ignored", U(.attrs = BASE "40010102", .nlri = NLRI, .verdict = ACCEPT),
     ERR(0, 0, NULL)},

    /* ---- AS_PATH: RFC 7606 7.2, RFC 7607, RFC 5065 5 ---- */
    {"AS_PATH segment length 0",
     U(.attrs = ORIGIN "4002 02 0200" NEXT_HOP, .nlri = NLRI, .verdict = TAW), ERR(3, 11, "")},
    {"AS_PATH segment overrun",
     U(.attrs = ORIGIN "4002 06 0202 0000fde9" NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH segment type 0",
     U(.attrs = ORIGIN "4002 06 0001 0000fde9" NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH segment type 5",
     U(.attrs = ORIGIN "4002 06 0501 0000fde9" NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH one octet after a segment",
     U(.attrs = ORIGIN "4002 07 0201 0000fde9 02" NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH AS 0",
     U(.attrs = ORIGIN "4002 0a 0202 0000fde9 00000000" NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH confederation from an external peer",
     U(.attrs = ORIGIN "4002 06 0301 0000fde9" NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH confederation set from an external peer",
     U(.attrs = ORIGIN "4002 0c 0201 0000fde9 0401 0000fdea" NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH 2-octet confederation sequence from an external peer",
     U(.attrs = ORIGIN "4002 08 0201 fde9 0301 fdea" NEXT_HOP, .nlri = NLRI, .two_octet = true,
       .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH confederation from an internal peer",
     U(.attrs = ORIGIN "4002 0c 0301 0000fde9 0201 0000fdea" NEXT_HOP "40050400000064",
       .nlri = NLRI, .ibgp = true, .verdict = ACCEPT),
     ERR(0, 0, NULL)},
    {"AS_PATH 2-octet encoding on a 4-octet session",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP, .nlri = NLRI, .verdict = TAW), ERR(3, 11, "")},
    {"AS_PATH 2-octet session ok",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP, .nlri = NLRI, .two_octet = true, .verdict = ACCEPT),
     ERR(0, 0, NULL)},
    {"AS_PATH 2-octet session AS 0",
     U(.attrs = ORIGIN "4002 04 0201 0000" NEXT_HOP, .nlri = NLRI, .two_octet = true,
       .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH flagged optional",
     U(.attrs = ORIGIN "c002 06 0201 0000fde9" NEXT_HOP, .nlri = NLRI, .verdict = TAW),
     ERR(3, 4, "c002060201 0000fde9")},
    {"AS_PATH leftmost AS not the peer's",
     U(.attrs = ORIGIN "4002 06 0201 0000fdea" NEXT_HOP, .nlri = NLRI, .first_as = true,
       .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH empty from an external peer",
     U(.attrs = ORIGIN "400200" NEXT_HOP, .nlri = NLRI, .first_as = true, .verdict = TAW),
     ERR(3, 11, "")},
    {"AS_PATH leftmost AS is the peer's",
     U(.attrs = BASE, .nlri = NLRI, .first_as = true, .verdict = ACCEPT), ERR(0, 0, NULL)},

    /* ---- NEXT_HOP: RFC 7606 7.3 ---- */
    {"NEXT_HOP length 3", U(.attrs = ORIGIN AS_PATH "4003 03 0a0000", .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "4003030a0000")},
    {"NEXT_HOP length 5",
     U(.attrs = ORIGIN AS_PATH "4003 05 0a00000100", .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "4003050a00000100")},
    {"NEXT_HOP 0.0.0.0",
     U(.attrs = ORIGIN AS_PATH "4003 04 00000000", .nlri = NLRI, .verdict = TAW),
     ERR(3, 8, "40030400000000")},
    {"NEXT_HOP 127.0.0.1",
     U(.attrs = ORIGIN AS_PATH "4003 04 7f000001", .nlri = NLRI, .verdict = TAW),
     ERR(3, 8, "4003047f000001")},
    {"NEXT_HOP multicast",
     U(.attrs = ORIGIN AS_PATH "4003 04 e0000001", .nlri = NLRI, .verdict = TAW),
     ERR(3, 8, "400304e0000001")},
    {"NEXT_HOP broadcast",
     U(.attrs = ORIGIN AS_PATH "4003 04 ffffffff", .nlri = NLRI, .verdict = TAW),
     ERR(3, 8, "400304ffffffff")},
    {"NEXT_HOP flagged optional",
     U(.attrs = ORIGIN AS_PATH "c003 04 0a000001", .nlri = NLRI, .verdict = TAW),
     ERR(3, 4, "c003040a000001")},
    {"NEXT_HOP without NLRI is ignored unread (RFC 7606 5.2)",
     U(.attrs = ORIGIN AS_PATH "c003 03 0a0000", .verdict = ACCEPT, NLRI_COUNT(0)),
     ERR(0, 0, NULL)},
    {"NEXT_HOP is our own address",
     U(.attrs = ORIGIN AS_PATH "4003 04 0a000063", .nlri = NLRI, .verdict = TAW),
     ERR(3, 8, "4003040a000063")},

    /* ---- MULTI_EXIT_DISC: RFC 7606 7.4 ---- */
    {"MED length 3", U(.attrs = BASE "8004 03 000001", .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "800403000001")},
    {"MED length 0", U(.attrs = BASE "8004 00", .nlri = NLRI, .verdict = TAW), ERR(3, 5, "800400")},
    {"MED flagged well-known", U(.attrs = BASE "4004 04 00000001", .nlri = NLRI, .verdict = TAW),
     ERR(3, 4, "40040400000001")},
    {"MED flagged transitive", U(.attrs = BASE "c004 04 00000001", .nlri = NLRI, .verdict = TAW),
     ERR(3, 4, "c0040400000001")},
    {"MED with Partial", U(.attrs = BASE "a004 04 00000001", .nlri = NLRI, .verdict = TAW),
     ERR(3, 4, "a0040400000001")},

    /* ---- LOCAL_PREF: RFC 7606 7.5 ---- */
    {"LOCAL_PREF from an external peer",
     U(.attrs = BASE "4005 04 00000064", .nlri = NLRI, .verdict = DISCARD),
     ERR(3, 0, "40050400000064")},
    {"LOCAL_PREF length 2 from an internal peer",
     U(.attrs = BASE "4005 02 0064", .nlri = NLRI, .ibgp = true, .verdict = TAW),
     ERR(3, 5, "4005020064")},
    {"LOCAL_PREF flagged optional from an internal peer",
     U(.attrs = BASE "c005 04 00000064", .nlri = NLRI, .ibgp = true, .verdict = TAW),
     ERR(3, 4, "c0050400000064")},

    /* ---- ATOMIC_AGGREGATE: RFC 7606 7.6 ---- */
    {"ATOMIC_AGGREGATE length 1", U(.attrs = BASE "4006 01 00", .nlri = NLRI, .verdict = DISCARD),
     ERR(3, 5, "40060100")},
    {"ATOMIC_AGGREGATE flagged optional",
     U(.attrs = BASE "c006 00", .nlri = NLRI, .verdict = DISCARD), ERR(3, 4, "c00600")},

    /* ---- AGGREGATOR: RFC 7606 7.7, RFC 7607 ---- */
    {"AGGREGATOR length 6 on a 4-octet session",
     U(.attrs = BASE "c007 06 fde9 0a000001", .nlri = NLRI, .verdict = DISCARD),
     ERR(3, 5, "c00706fde90a000001")},
    {"AGGREGATOR length 8 on a 2-octet session",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP "c007 08 0000fde9 0a000001", .nlri = NLRI,
       .two_octet = true, .verdict = DISCARD),
     ERR(3, 5, "c007080000fde90a000001")},
    {"AGGREGATOR AS 0",
     U(.attrs = BASE "c007 08 00000000 0a000001", .nlri = NLRI, .verdict = DISCARD),
     ERR(3, 9, "c007080000000 00a000001")},
    {"AGGREGATOR flagged well-known",
     U(.attrs = BASE "4007 08 0000fde9 0a000001", .nlri = NLRI, .verdict = DISCARD),
     ERR(3, 4, "400708 0000fde9 0a000001")},

    /* ---- COMMUNITIES: RFC 7606 7.8 ---- */
    {"COMMUNITIES length 0", U(.attrs = BASE "c008 00", .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "c00800")},
    {"COMMUNITIES length 5", U(.attrs = BASE "c008 05 0000000100", .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "c008050000000100")},
    {"COMMUNITIES flagged non-transitive",
     U(.attrs = BASE "8008 04 fde90001", .nlri = NLRI, .verdict = TAW),
     ERR(3, 4, "800804fde90001")},
    {"COMMUNITIES twice: second (bad) ignored",
     U(.attrs = BASE "c008 04 fde90001 c008 01 00", .nlri = NLRI, .verdict = ACCEPT),
     ERR(0, 0, NULL)},

    /* ---- ORIGINATOR_ID, CLUSTER_LIST: RFC 7606 7.9, 7.10 ---- */
    {"ORIGINATOR_ID from an external peer",
     U(.attrs = BASE "8009 04 0a000001", .nlri = NLRI, .verdict = DISCARD),
     ERR(3, 0, "8009040a000001")},
    {"ORIGINATOR_ID length 3 from an internal peer",
     U(.attrs = BASE "8009 03 0a0000", .nlri = NLRI, .ibgp = true, .verdict = TAW),
     ERR(3, 5, "8009030a0000")},
    {"ORIGINATOR_ID and CLUSTER_LIST from an internal peer",
     U(.attrs = BASE "8009 04 0a000001 800a 08 0a000001 0a000002", .nlri = NLRI, .ibgp = true,
       .verdict = ACCEPT),
     ERR(0, 0, NULL)},
    {"CLUSTER_LIST from an external peer",
     U(.attrs = BASE "800a 04 0a000001", .nlri = NLRI, .verdict = DISCARD),
     ERR(3, 0, "800a040a000001")},
    {"CLUSTER_LIST length 6 from an internal peer",
     U(.attrs = BASE "800a 06 0a0000010a00", .nlri = NLRI, .ibgp = true, .verdict = TAW),
     ERR(3, 5, "800a060a0000010a00")},

    /* ---- MP_REACH_NLRI / MP_UNREACH_NLRI: RFC 4760, RFC 7606 7.11, 7.12, 3.g ---- */
    {"MP_REACH IPv4 routes without NEXT_HOP",
     U(.attrs = "800e 0c 0001 01 04 0a000002 00 10 0a02" ORIGIN AS_PATH, .verdict = ACCEPT,
       NLRI_COUNT(1)),
     ERR(0, 0, NULL)},
    {"MP_REACH next hop length 16 for IPv4",
     U(.attrs = "800e 18 0001 01 10 20010db8000000000000000000000001 00 10 0a02" ORIGIN AS_PATH,
       .verdict = RESET),
     ERR(3, 9, NULL)},
    {"MP_REACH next hop length 0",
     U(.attrs = "800e 08 0001 01 00 00 10 0a02" ORIGIN AS_PATH, .verdict = RESET),
     ERR(3, 9, "800e080001010000100a02")},
    {"MP_REACH next hop overruns the attribute",
     U(.attrs = "800e 08 0001 01 08 0a000002" ORIGIN AS_PATH, .verdict = RESET),
     ERR(3, 9, "800e08000101080a000002")},
    {"MP_REACH reserved octet missing",
     U(.attrs = "800e 08 0001 01 04 0a000002" ORIGIN AS_PATH, .verdict = RESET), ERR(3, 9, NULL)},
    {"MP_REACH length 2", U(.attrs = "800e 02 0001" ORIGIN AS_PATH, .verdict = RESET),
     ERR(3, 9, "800e020001")},
    {"MP_REACH NLRI prefix length 33",
     U(.attrs = "800e 0d 0001 01 04 0a000002 00 21 0a02" ORIGIN AS_PATH, .verdict = RESET),
     ERR(3, 9, NULL)},
    {"MP_REACH NLRI overrun",
     U(.attrs = "800e 0c 0001 01 04 0a000002 00 18 0a02" ORIGIN AS_PATH, .verdict = RESET),
     ERR(3, 9, NULL)},
    {"MP_REACH flagged transitive",
     U(.attrs = "c00e 0c 0001 01 04 0a000002 00 10 0a02" ORIGIN AS_PATH, .verdict = RESET),
     ERR(3, 4, NULL)},
    {"MP_REACH twice",
     U(.attrs = "800e 09 0001 01 04 0a000002 00 800e 09 0001 01 04 0a000002 00" ORIGIN AS_PATH,
       .verdict = RESET),
     ERR(3, 1, "")},
    {"MP_UNREACH twice", U(.attrs = "800f 03 000101 800f 03 000101", .verdict = RESET),
     ERR(3, 1, "")},
    {"MP_UNREACH length 2", U(.attrs = "800f 02 0001", .verdict = RESET), ERR(3, 9, "800f020001")},
    {"MP_UNREACH prefix length 33", U(.attrs = "800f 04 000101 21", .verdict = RESET),
     ERR(3, 9, "800f0400010121")},
    {"MP_REACH without ORIGIN",
     U(.attrs = "800e 0c 0001 01 04 0a000002 00 10 0a02" AS_PATH, .verdict = TAW, NLRI_COUNT(1)),
     ERR(3, 3, "01")},
    {"MP_REACH next hop 0.0.0.0",
     U(.attrs = "800e 0c 0001 01 04 00000000 00 10 0a02" ORIGIN AS_PATH, .verdict = TAW,
       NLRI_COUNT(1)),
     ERR(3, 8, NULL)},
    {"MP_REACH IPv6 unicast ignored",
     U(.attrs = "800e 1a 0002 01 10 20010db8000000000000000000000001 00 20 20010db8" ORIGIN AS_PATH,
       .verdict = ACCEPT, NLRI_COUNT(0)),
     ERR(0, 0, NULL)},
    {"MP_UNREACH IPv4 withdrawals",
     U(.attrs = "800f 06 000101 10 0a03", .verdict = ACCEPT, WITHDRAWN_COUNT(1)), ERR(0, 0, NULL)},

    /* ---- EXTENDED_COMMUNITIES (RFC 7606 7.14), LARGE_COMMUNITY (RFC 8092 5) ---- */
    {"EXTENDED_COMMUNITIES length 7",
     U(.attrs = BASE "c010 07 00020000000000", .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "c0100700020000000000")},
    {"LARGE_COMMUNITY length 11",
     U(.attrs = BASE "c020 0b 0000000100000002000000", .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "c0200b0000000100000002000000")},
    {"LARGE_COMMUNITY length 0", U(.attrs = BASE "c020 00", .nlri = NLRI, .verdict = TAW),
     ERR(3, 5, "c02000")},
    {"LARGE_COMMUNITY flagged non-transitive",
     U(.attrs = BASE "8020 0c 000000010000000200000003", .nlri = NLRI, .verdict = TAW),
     ERR(3, 4, NULL)},
    {"LARGE_COMMUNITY two ok",
     U(.attrs = BASE "c020 18 000000010000000200000003 000000040000000500000006", .nlri = NLRI,
       .verdict = ACCEPT),
     ERR(0, 0, NULL)},

    /* ---- AS4_PATH, AS4_AGGREGATOR: RFC 6793 6, RFC 7607 ---- */
    {"AS4_PATH from a 4-octet peer dropped",
     U(.attrs = BASE "c011 06 0201 fa56ea01", .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"AS4_PATH segment overrun",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP "c011 06 0202 fa56ea01", .nlri = NLRI, .two_octet = true,
       .verdict = DISCARD),
     ERR(3, 9, "c0110602 02fa56ea01")},
    {"AS4_PATH AS 0",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP "c011 06 0201 00000000", .nlri = NLRI, .two_octet = true,
       .verdict = TAW),
     ERR(3, 11, "")},
    {"AS4_PATH segment type 0",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP "c011 06 0001 fa56ea01", .nlri = NLRI, .two_octet = true,
       .verdict = DISCARD),
     ERR(3, 9, NULL)},
    {"AS4_PATH flagged well-known",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP "4011 06 0201 fa56ea01", .nlri = NLRI, .two_octet = true,
       .verdict = DISCARD),
     ERR(3, 4, NULL)},
    {"AS4_PATH confederation segment dropped",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP "c011 06 0301 fa56ea01", .nlri = NLRI, .two_octet = true,
       .verdict = ACCEPT),
     ERR(0, 0, NULL)},
    {"AS4_AGGREGATOR length 6",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP "c012 06 fa56 0a000001", .nlri = NLRI, .two_octet = true,
       .verdict = DISCARD),
     ERR(3, 5, "c01206fa560a000001")},
    {"AS4_AGGREGATOR AS 0",
     U(.attrs = ORIGIN AS_PATH2 NEXT_HOP "c012 08 00000000 0a000001", .nlri = NLRI,
       .two_octet = true, .verdict = DISCARD),
     ERR(3, 9, NULL)},

    /* ---- unknown attributes: RFC 4271 5, 6.3 ---- */
    {"unknown well-known attribute",
     U(.attrs = BASE "4063 02 abcd", .nlri = NLRI, .verdict = RESET), ERR(3, 2, "406302abcd")},
    {"unknown optional transitive kept",
     U(.attrs = BASE "c063 02 abcd", .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"unknown optional non-transitive dropped",
     U(.attrs = BASE "8063 02 abcd", .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
    /* RFC 7606 3.c: registered types we do not implement, with flags against their spec. */
    {"Tunnel Encapsulation flagged well-known",
     U(.attrs = BASE "4017 02 abcd", .nlri = NLRI, .verdict = TAW), ERR(3, 4, "401702abcd")},
    {"Tunnel Encapsulation flagged non-transitive",
     U(.attrs = BASE "8017 02 abcd", .nlri = NLRI, .verdict = TAW), ERR(3, 4, "801702abcd")},
    {"Tunnel Encapsulation with its flags kept",
     U(.attrs = BASE "c017 02 abcd", .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"BGP-LS flagged transitive",
     U(.attrs = BASE "c01d 02 abcd", .nlri = NLRI, .verdict = TAW), ERR(3, 4, "c01d02abcd")},
    {"BGP-LS flagged well-known",
     U(.attrs = BASE "401d 02 abcd", .nlri = NLRI, .verdict = TAW), ERR(3, 4, "401d02abcd")},
    {"BGP-LS with its flags dropped",
     U(.attrs = BASE "801d 02 abcd", .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"BGP-LS wrong flags without routes",
     U(.attrs = BASE "401d 02 abcd", .verdict = RESET), ERR(3, 4, "401d02abcd")},
    {"Prefix-SID (unrecognized) malformed is kept opaque",
     U(.attrs = BASE "c028 05 01 0007 0000", .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
    {"attribute type 0 optional transitive kept",
     U(.attrs = BASE "c000 00", .nlri = NLRI, .verdict = ACCEPT), ERR(0, 0, NULL)},
};

#define NVECTORS (sizeof(vectors) / sizeof(vectors[0]))

static uint8_t msg[8192];
static struct bgp_update upd;
static struct bgp_notification err;

/* Builds the full message (header included) for a vector; returns its length. */
static size_t build(const struct vector *v)
{
	long n;
	if (v->kind == FRAME) {
		n = hex_decode(v->hex, msg, sizeof(msg));
		assert_true(n >= 0);
		return (size_t)n;
	}
	uint8_t *body = msg + BGP_HEADER_LEN;
	size_t cap = sizeof(msg) - BGP_HEADER_LEN, len;
	if (v->hex) {
		n = hex_decode(v->hex, body, cap);
		assert_true(n >= 0);
		len = (size_t)n;
	} else {
		long w = hex_decode(v->withdrawn ? v->withdrawn : "", body + 2, cap - 2);
		assert_true(w >= 0);
		bgp_store_u16(body, (uint16_t)w);
		long a = hex_decode(v->attrs ? v->attrs : "", body + 4 + w, cap - 4 - (size_t)w);
		assert_true(a >= 0);
		bgp_store_u16(body + 2 + w, (uint16_t)a);
		long r =
		    hex_decode(v->nlri ? v->nlri : "", body + 4 + w + a, cap - 4 - (size_t)(w + a));
		assert_true(r >= 0);
		len = 4 + (size_t)(w + a + r);
	}
	memset(msg, 0xff, BGP_MARKER_LEN);
	bgp_store_u16(msg + 16, (uint16_t)(BGP_HEADER_LEN + len));
	msg[18] = v->kind == OPEN ? BGP_MSG_OPEN : BGP_MSG_UPDATE;
	return BGP_HEADER_LEN + len;
}

static void expect_error(const struct vector *v, const struct bgp_notification *got)
{
	if (v->code == 0) {
		assert_int_equal(got->code, 0);
		return;
	}
	assert_int_equal(got->code, v->code);
	assert_int_equal(got->subcode, v->subcode);
	if (v->data) {
		uint8_t data[4096];
		long n = hex_decode(v->data, data, sizeof(data));
		assert_true(n >= 0);
		assert_int_equal(got->data_len, n);
		assert_memory_equal(got->data, data, (size_t)n);
	}
}

static void run_vector(void **state)
{
	const struct vector *v = *state;
	size_t len = build(v);
	struct bgp_frame f;
	size_t consumed;
	memset(&err, 0, sizeof(err));
	enum bgp_frame_status fs = bgp_msg_frame(msg, len, &f, &consumed, &err);
	if (v->kind == FRAME) {
		assert_int_equal(fs, v->code ? BGP_FRAME_ERROR : BGP_FRAME_OK);
		expect_error(v, &err);
		return;
	}
	assert_int_equal(fs, BGP_FRAME_OK);
	assert_int_equal(consumed, len);
	if (v->kind == OPEN) {
		struct bgp_open o;
		struct bgp_open_expect expect = {
		    .peer_asn = 65001, .local_asn = 45104, .local_router_id = 0x0a000002};
		int rc = bgp_open_decode(f.body, f.body_len, &o, &err);
		if (rc == 0)
			rc = bgp_open_check(&o, &expect, &err);
		assert_int_equal(rc, v->code ? -1 : 0);
		expect_error(v, &err);
		return;
	}
	struct bgp_attr_ctx ctx = {.as4 = !v->two_octet,
				   .ibgp = v->ibgp,
				   .peer_asn = 65001,
				   .enforce_first_as = v->first_as,
				   .local_addr = 0x0a000063};
	enum bgp_verdict verdict = bgp_update_decode(f.body, f.body_len, &ctx, &upd);
	if (verdict != v->verdict)
		print_error("verdict %s, expected %s (err %u/%u)\n", bgp_verdict_name(verdict),
			    bgp_verdict_name(v->verdict), upd.err.code, upd.err.subcode);
	assert_int_equal(verdict, v->verdict);
	assert_int_equal(upd.verdict, verdict);
	expect_error(v, &upd.err);
	if (v->nlri_count1)
		assert_int_equal(upd.nlri_count, v->nlri_count1 - 1);
	if (v->withdrawn_count1)
		assert_int_equal(upd.withdrawn_count, v->withdrawn_count1 - 1);
	/* Accepted routes always carry the mandatory attributes (NEXT_HOP for routes in the
	 * NLRI field; MP_REACH_NLRI carries its own). */
	if (verdict <= BGP_VERDICT_ATTR_DISCARD && upd.nlri_count > 0) {
		uint32_t need = BGP_ATTR_BIT(BGP_ATTR_ORIGIN) | BGP_ATTR_BIT(BGP_ATTR_AS_PATH);
		if (upd.nlri_mp_start > 0)
			need |= BGP_ATTR_BIT(BGP_ATTR_NEXT_HOP);
		assert_int_equal(upd.attrs.present & need, need);
	}
}

/* Writes each vector's message to DIR/NNN-name (the fuzzers' seed corpus). */
static int make_seeds(const char *dir)
{
	for (size_t i = 0; i < NVECTORS; i++) {
		char path[512];
		size_t len = build(&vectors[i]);
		snprintf(path, sizeof(path), "%s/vector-%03zu", dir, i);
		FILE *fp = fopen(path, "wb");
		if (!fp || fwrite(msg, 1, len, fp) != len) {
			perror(path);
			return 1;
		}
		fclose(fp);
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "--seeds") == 0)
		return make_seeds(argv[2]);
	static struct CMUnitTest tests[NVECTORS];
	for (size_t i = 0; i < NVECTORS; i++) {
		tests[i].name = vectors[i].name;
		tests[i].test_func = run_vector;
		tests[i].setup_func = NULL;
		tests[i].teardown_func = NULL;
		tests[i].initial_state = (void *)&vectors[i];
	}
	printf("%zu vectors\n", NVECTORS);
	return _cmocka_run_group_tests("codec_vectors", tests, NVECTORS, NULL, NULL);
}
