/*
 * lib/storage/sweep.h - removes the temp files (NAME.PID.tmp) a killed
 * writer left behind (lib/storage/write.c, lib/db/spool.c), once that
 * writer is gone. The runner sweeps STORAGE_DIR and SPOOL_DIR at start;
 * nginx never serves them meanwhile (a 404 rule for *.tmp).
 * Not here: writing (write.c, spool.c).
 */
#ifndef STORAGE_SWEEP_H
#define STORAGE_SWEEP_H

#include "lib/core/err.h"

/*
 * Walks root and removes every NAME.PID.tmp file whose PID no longer
 * runs; a live writer's file stays. *removed counts them. ERR_STORAGE
 * when root cannot be walked (a missing root is empty: ERR_OK).
 */
enum err	store_sweep_tmp(const char *root, long *removed);

#endif
