/*
 * tests/sandbox/image.c - real PNG (libpng) and JPEG (libjpeg) images of
 * any size, a pattern derived from a hash of the prompt and seed, so the
 * same request always gets the same bytes; base64 via OpenSSL.
 * Not here: which protocol serves them.
 */
#include <stdio.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <openssl/evp.h>
#include <png.h>

#include "tests/sandbox/sandbox.h"

uint64_t
sb_hash(const char *s, long long seed)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)seed;

	for (; s && *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* One RGB row of the pattern. */
static void
fill_row(unsigned char *row, int w, int h, int y, uint64_t hash, int n)
{
	int x;
	unsigned r0 = (unsigned)(hash & 0xff), g0 = (unsigned)(hash >> 8 & 0xff),
	    b0 = (unsigned)((hash >> 16) & 0xff) ^ (unsigned)n * 40;

	for (x = 0; x < w; x++) {
		row[3 * x] = (unsigned char)(r0 + x * 255 / (w ? w : 1));
		row[3 * x + 1] = (unsigned char)(g0 + y * 255 / (h ? h : 1));
		row[3 * x + 2] = (unsigned char)(b0 + ((x / 32 + y / 32) & 1) * 60);
	}
}

struct membuf {
	unsigned char	*p;
	size_t		 n, cap;
};

static void
png_mem_write(png_structp png, png_bytep data, png_size_t len)
{
	struct membuf *m = png_get_io_ptr(png);

	if (m->n + len > m->cap) {
		m->cap = (m->n + len) * 2;
		m->p = realloc(m->p, m->cap);
	}
	memcpy(m->p + m->n, data, len);
	m->n += len;
}

static void
png_mem_flush(png_structp png)
{
	(void)png;
}

/* The last images made, by their parameters: a benchmark asks for the
 * same picture a thousand times, and encoding it each time would make
 * the figures measure the sandbox rather than imagegen. */
#define CACHE_SLOTS	16

static struct cached {
	int		 w, h, n, jpeg;
	uint64_t	 hash;
	unsigned char	*p;
	size_t		 len;
} cache[CACHE_SLOTS];
static size_t cache_next;
static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER;

/* A copy of the cached image, or NULL. */
static unsigned char *
cache_get(int w, int h, uint64_t hash, int n, int jpeg, size_t *len)
{
	unsigned char *out = NULL;
	size_t i;

	pthread_mutex_lock(&cache_lock);
	for (i = 0; i < CACHE_SLOTS && out == NULL; i++)
		if (cache[i].p && cache[i].w == w && cache[i].h == h &&
		    cache[i].hash == hash && cache[i].n == n &&
		    cache[i].jpeg == jpeg && (out = malloc(cache[i].len))) {
			memcpy(out, cache[i].p, cache[i].len);
			*len = cache[i].len;
		}
	pthread_mutex_unlock(&cache_lock);
	return out;
}

static void
cache_put(int w, int h, uint64_t hash, int n, int jpeg,
    const unsigned char *p, size_t len)
{
	struct cached *c;

	pthread_mutex_lock(&cache_lock);
	c = &cache[cache_next++ % CACHE_SLOTS];
	free(c->p);
	*c = (struct cached){ w, h, n, jpeg, hash, malloc(len), len };
	if (c->p)
		memcpy(c->p, p, len);
	pthread_mutex_unlock(&cache_lock);
}

static unsigned char	*png_make(int, int, uint64_t, int, size_t *);
static unsigned char	*jpeg_make(int, int, uint64_t, int, size_t *);

unsigned char *
sb_png(int w, int h, uint64_t hash, int n, size_t *len)
{
	unsigned char *p = cache_get(w, h, hash, n, 0, len);

	if (p == NULL && (p = png_make(w, h, hash, n, len)) != NULL)
		cache_put(w, h, hash, n, 0, p, *len);
	return p;
}

unsigned char *
sb_jpeg(int w, int h, uint64_t hash, int n, size_t *len)
{
	unsigned char *p = cache_get(w, h, hash, n, 1, len);

	if (p == NULL && (p = jpeg_make(w, h, hash, n, len)) != NULL)
		cache_put(w, h, hash, n, 1, p, *len);
	return p;
}

static unsigned char *
png_make(int w, int h, uint64_t hash, int n, size_t *len)
{
	struct membuf m = { NULL, 0, 0 };
	png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, NULL,
	    NULL, NULL);
	png_infop info = png_create_info_struct(png);
	unsigned char *row = malloc((size_t)w * 3);
	int y;

	if (setjmp(png_jmpbuf(png))) {
		png_destroy_write_struct(&png, &info);
		free(row);
		free(m.p);
		return NULL;
	}
	png_set_write_fn(png, &m, png_mem_write, png_mem_flush);
	png_set_compression_level(png, 1);
	/* One cheap filter: the pattern is smooth down the columns, and the
	 * adaptive choice among all five filters costs most of the time. */
	png_set_filter(png, 0, PNG_FILTER_UP);
	png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8,
	    PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
	    PNG_FILTER_TYPE_DEFAULT);
	png_write_info(png, info);
	for (y = 0; y < h; y++) {
		fill_row(row, w, h, y, hash, n);
		png_write_row(png, row);
	}
	png_write_end(png, NULL);
	png_destroy_write_struct(&png, &info);
	free(row);
	*len = m.n;
	return m.p;
}

static unsigned char *
jpeg_make(int w, int h, uint64_t hash, int n, size_t *len)
{
	struct jpeg_compress_struct c;
	struct jpeg_error_mgr err;
	unsigned char *out = NULL, *row = malloc((size_t)w * 3);
	unsigned long size = 0;
	JSAMPROW rp[1];
	int y;

	c.err = jpeg_std_error(&err);
	jpeg_create_compress(&c);
	jpeg_mem_dest(&c, &out, &size);
	c.image_width = (JDIMENSION)w;
	c.image_height = (JDIMENSION)h;
	c.input_components = 3;
	c.in_color_space = JCS_RGB;
	jpeg_set_defaults(&c);
	jpeg_set_quality(&c, 80, TRUE);
	jpeg_start_compress(&c, TRUE);
	for (y = 0; y < h; y++) {
		fill_row(row, w, h, y, hash, n);
		rp[0] = row;
		jpeg_write_scanlines(&c, rp, 1);
	}
	jpeg_finish_compress(&c);
	jpeg_destroy_compress(&c);
	free(row);
	*len = size;
	return out;
}

char *
sb_base64(const unsigned char *d, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, d, (int)n);
	return out;
}

/* GET /img/{w}x{h}/{hex}/{n}.{png|jpg} */
bool
sb_image_route(const struct sb_req *rq, const struct sb_faults *f,
    struct sb_resp *rs)
{
	int w, h, n, used = 0;
	unsigned long long hash;
	char ext[8];
	unsigned char *img;
	size_t len;

	if (sscanf(rq->path, "/img/%dx%d/%llx/%d.%4s%n", &w, &h, &hash, &n,
	    ext, &used) != 5 || w < 1 || h < 1 || w > 4096 || h > 4096)
		return false;
	img = strcmp(ext, "jpg") == 0 ? sb_jpeg(w, h, hash, n, &len) :
	    sb_png(w, h, hash, n, &len);
	if (f->oversize_image) {
		size_t big = 40u * 1024 * 1024;

		img = realloc(img, big);
		memset(img + len, 0, big - len);
		len = big;
	}
	if (f->truncate_image)
		len /= 2;
	sb_bytes(rs, 200, strcmp(ext, "jpg") == 0 ? "image/jpeg" :
	    "image/png", img, len);
	return true;
}
