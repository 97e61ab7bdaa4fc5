/*
 * lib/storage/write.c - atomic image files.
 * Not here: choosing the id or the project (callers).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/core/hash.h"
#include "lib/storage/path.h"
#include "lib/storage/write.h"

static enum err
errno_fail(int e, const char *what, const char *path, char *why,
    size_t whylen)
{
	snprintf(why, whylen, "%s %s: %s", what, path, strerror(e));
	return e == ENOSPC || e == EDQUOT ? ERR_STORAGE_FULL : ERR_STORAGE;
}

/* mkdir -p of the directories of path (relative to root). */
static enum err
make_dirs(const char *abs, size_t root_len, char *why, size_t whylen)
{
	char dir[4096];
	size_t i;

	snprintf(dir, sizeof(dir), "%s", abs);
	for (i = root_len + 1; dir[i] != '\0'; i++) {
		if (dir[i] != '/')
			continue;
		dir[i] = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST)
			return errno_fail(errno, "mkdir", dir, why, whylen);
		dir[i] = '/';
	}
	return ERR_OK;
}

static int
write_all(const struct store_opts *o, int fd, const unsigned char *buf,
    size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = o->write_fn ? o->write_fn(fd, buf, len) : write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n == 0 ? (errno = EIO, -1) : -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

static void
fsync_dir(const char *path)
{
	char dir[4096], *slash;
	int fd;

	snprintf(dir, sizeof(dir), "%s", path);
	if ((slash = strrchr(dir, '/')) == NULL)
		return;
	*slash = '\0';
	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
}

/* Writes to a unique temp name beside the target, then renames. */
static enum err
write_atomic(const struct store_opts *o, const char *path,
    const unsigned char *buf, size_t len, char *why, size_t whylen)
{
	char tmp[4200];
	int fd, saved;
	enum err e = ERR_OK;

	snprintf(tmp, sizeof(tmp), "%s.%ld.tmp", path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return errno_fail(errno, "create", tmp, why, whylen);
	if (write_all(o, fd, buf, len) != 0 || fsync(fd) != 0) {
		saved = errno;
		e = errno_fail(saved, "write", tmp, why, whylen);
	}
	if (close(fd) != 0 && e == ERR_OK)
		e = errno_fail(errno, "close", tmp, why, whylen);
	if (e == ERR_OK && rename(tmp, path) != 0)
		e = errno_fail(errno, "rename", tmp, why, whylen);
	if (e != ERR_OK)
		unlink(tmp);
	else
		fsync_dir(path);
	return e;
}

enum err
store_write_image(const struct store_opts *o, const char *project,
    const char *provider, const char *image_id, const unsigned char *buf,
    size_t len, struct store_result *out, char *why, size_t whylen)
{
	enum err e;

	memset(out, 0, sizeof(*out));
	if (o->max_bytes > 0 && len > o->max_bytes) {
		snprintf(why, whylen, "image is %zu bytes; the cap is %zu", len,
		    o->max_bytes);
		return ERR_IMAGE_TOO_LARGE;
	}
	if (store_sniff(buf, len, &out->info) != ERR_OK) {
		snprintf(why, whylen, "the %zu bytes are not a complete PNG, "
		    "JPEG or WebP image", len);
		return ERR_IMAGE_INVALID;
	}
	if ((e = store_path_rel(project, provider, image_id,
	    store_format_ext(out->info.format), out->rel_path,
	    sizeof(out->rel_path), why, whylen)) != ERR_OK)
		return e;
	if ((size_t)snprintf(out->abs_path, sizeof(out->abs_path), "%s/%s",
	    o->root, out->rel_path) >= sizeof(out->abs_path))
		return ERR_STORAGE;
	if ((e = make_dirs(out->abs_path, strlen(o->root), why, whylen)) ||
	    (e = write_atomic(o, out->abs_path, buf, len, why, whylen)))
		return e;
	out->bytes = len;
	hash_sha256_hex(buf, len, out->sha256);
	return ERR_OK;
}
