/*
 * log: one line per event on stderr, text or JSON, filtered by level. Safe from any thread
 * (each line is one write(2)). Fields are key/value string pairs ending with NULL:
 *   vbr_log(VBR_LOG_INFO, "peer created", "peer_id", id, "request_id", rid, NULL);
 * Never pass an MD5 key as a value.
 */
#ifndef VBR_SERVICE_LOG_H
#define VBR_SERVICE_LOG_H

#include <stdbool.h>

enum vbr_log_level { VBR_LOG_DEBUG, VBR_LOG_INFO, VBR_LOG_WARN, VBR_LOG_ERROR };

/* Returns -1 for an unknown name. */
int vbr_log_parse_level(const char *name);
void vbr_log_configure(enum vbr_log_level min_level, bool json);
bool vbr_log_enabled(enum vbr_log_level level);
void vbr_log(enum vbr_log_level level, const char *msg, ...) __attribute__((sentinel));

#endif
