/*
 * lib/storage/prune.c - the files of deleted rows, removed beneath the
 * storage root only.
 * Not here: the rows (lib/db/images.c), the path checks (contain.c).
 */
#include "lib/storage/prune.h"

json_t *
store_prune_files(const struct store_root *r, const json_t *rows,
    bool dry_run)
{
	json_int_t n[STORE_WHERE__MAX] = { 0 }, bytes = 0;
	json_t *refused = json_array(), *row;
	const char *rel;
	enum store_where w;
	off_t size;
	size_t i;

	json_array_foreach(rows, i, row) {
		rel = json_string_value(json_object_get(row, "local_path"));
		size = 0;
		w = dry_run ? store_stat(r, rel, &size) : store_unlink(r, rel,
		    &size);
		n[w]++;
		if (w == STORE_FILE)
			bytes += (json_int_t)size;
		else if (w == STORE_REFUSED)
			json_array_append_new(refused, json_string(rel ? rel :
			    ""));
	}
	return json_pack("{s:I,s:I,s:I,s:I,s:o}", "files_removed",
	    n[STORE_FILE], "files_missing", n[STORE_MISSING], "files_refused",
	    n[STORE_REFUSED], "bytes_removed", bytes, "refused", refused);
}
