/*
 * store: the durable state. One file, <state-dir>/state.pb, a packed vbr.v1.StoredState,
 * replaced atomically on every mutation: write <state.pb.tmp>, fsync it, rename it over
 * state.pb, fsync the folder. A crash at any point leaves the old file or the new one.
 *
 * The file holds MD5 keys: it is created mode 0600 and the folder 0700. A state file that
 * exists but cannot be read or parsed is an error naming the file; it is never overwritten.
 * A second vbrd on the same folder is refused (flock on <state-dir>/lock).
 */
#ifndef VBR_SERVICE_STORE_H
#define VBR_SERVICE_STORE_H

#include <stdbool.h>
#include <stddef.h>

#include "model.h"

struct vbr_store;

/* Creates the folder if missing and locks it. err gets a message naming the path. */
int store_open(const char *dir, struct vbr_store **out, char *err, size_t err_len);
void store_close(struct vbr_store *store);

/* Fills an empty model from the file; a missing file is an empty router (returns 0). */
int store_load(struct vbr_store *store, struct vbr_model *model, char *err, size_t err_len);

/*
 * Writes `model` (its groups, peers, networks and requests) plus `extras` (new request_id
 * replies; n_extras may be 0) durably. Returns 0, or a negative errno with the live file
 * untouched.
 */
int store_save(struct vbr_store *store, const struct vbr_model *model,
	       const struct vbr_request *extras, size_t n_extras);

/* Failure injection for tests: called after the temp file is written and fsync'd, before the
 * rename. A non-zero return (a negative errno) aborts the save with that error. */
typedef int (*store_hook_fn)(void *arg);
void store_set_hook(struct vbr_store *store, store_hook_fn hook, void *arg);

const char *store_path(const struct vbr_store *store);
/* store_load found a state file: this start follows an earlier run of a configured router
 * (graceful restart's Restart State bit). */
bool store_found(const struct vbr_store *store);

#endif
