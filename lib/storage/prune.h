/*
 * lib/storage/prune.h - removing the files of images rows already
 * deleted from the database (the rows go first, in one transaction: a
 * crash between the two leaves files without rows, which `imagegen
 * storage orphans` lists, never a row naming a removed file).
 * Not here: choosing and deleting the rows (lib/db/images.c).
 */
#ifndef STORAGE_PRUNE_H
#define STORAGE_PRUNE_H

#include <stdbool.h>

#include <jansson.h>

#include "lib/storage/contain.h"

/*
 * For each row of rows (an array of {"local_path", "bytes"?, ...},
 * borrowed), removes its file beneath r (store_unlink: nothing outside
 * the root, no link followed); with dry_run only looks. Returns (new)
 * {"files_removed", "files_missing", "files_refused", "bytes_removed",
 *  "refused": [local_path...]} ("removed" counts what would go on a dry
 * run); NULL when out of memory.
 */
json_t		*store_prune_files(const struct store_root *r,
		    const json_t *rows, bool dry_run);

#endif
