/*
 * grpc_status_name: the names of the gRPC status codes ("OK", "NOT_FOUND", ...), shared by
 * vbrd's metrics and vbrctl's error lines: part of the protocol both sides speak.
 */
#ifndef VBR_PROTO_GRPC_STATUS_NAME_H
#define VBR_PROTO_GRPC_STATUS_NAME_H

#define VBR_GRPC_STATUS_CODES 17 /* 0 (OK) .. 16 (UNAUTHENTICATED) */

/* The code's name; "UNKNOWN" for a value outside 0..16. */
const char *grpc_status_name(int code);

#endif
