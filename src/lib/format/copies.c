/*
 * copies.c - the survival copies of an archive (spec/format.md 15.9): a
 * tail section (type 2) holding the header, the tables and the manifest,
 * signature block and signed trailer a second time, byte for byte, so
 * that no single damaged region of the file loses them. The copies are
 * never trusted: the reader (reader.c) checks what it takes from them
 * exactly as it checks the originals.
 */
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "format/format.h"

/* 15.9: CRC-32 (ISO-HDLC, zlib's) of the section header. */
static uint32_t head_crc(const uint8_t *p, size_t len)
{
	return (uint32_t)crc32(crc32(0L, Z_NULL, 0), p, (uInt)len);
}

/* The extent of the directory's first section of type, from the manifest
 * at mf_off; *len 0 when there is none. */
static int section_extent(int fd, uint64_t mf_off, uint32_t mf_len, unsigned type_wanted,
                          uint64_t *off, uint64_t *len, npk_error *err)
{
	*off = *len = 0;
	NPK_FAIL_IF(mf_len < NPK_MANIFEST_FIXED + 2 || mf_len > (1u << 20), err, NPK_E_FORMAT,
	            "archive: no manifest to find its sections in");
	uint8_t *m = malloc(mf_len);
	NPK_FAIL_IF(m == NULL, err, NPK_E_NOMEM, "out of memory");
	int rc = npk__pread_full(fd, m, mf_len, mf_off, "archive", err);
	npk_cur c;
	npk__cur_init(&c, m, mf_len);
	c.off = NPK_MANIFEST_FIXED - 2;
	npk__cur_take(&c, npk__cur_u16(&c));        /* the metadata */
	unsigned n = npk__cur_u16(&c);
	for (unsigned i = 0; rc == NPK_OK && !c.bad && i < n && *len == 0; i++) {
		uint16_t type = npk__cur_u16(&c);
		npk__cur_u16(&c);
		uint32_t elen = npk__cur_u32(&c);
		const uint8_t *d = npk__cur_take(&c, elen);
		if (type != NPK_EXT_DIRECTORY || d == NULL || elen < 4)
			continue;
		uint32_t count = npk__ld32(d);
		for (uint32_t k = 0; k < count && 4 + (uint64_t)(k + 1) * NPK_SECTION_RECORD <= elen; k++) {
			const uint8_t *rec = d + 4 + (size_t)k * NPK_SECTION_RECORD;
			if (npk__ld16(rec) == type_wanted && *len == 0) {
				*off = npk__ld64(rec + 8);
				*len = npk__ld64(rec + 16);
			}
		}
	}
	free(m);
	return rc;
}

/* 15.17.8: a sealed archive's seal (section type 8), which newspack
 * writes just before the tables; *len 0 when the header is not sealed's. */
static int seal_extent(int fd, uint64_t mf_off, uint32_t mf_len, uint64_t pt_off, uint64_t *off,
                       uint64_t *len, npk_error *err)
{
	uint8_t h[NPK_HEADER_SIZE];
	*off = *len = 0;
	NPK_FORWARD(npk__pread_full(fd, h, sizeof h, 0, "archive", err));
	if (!(npk__ld32(h + 12) & NPK_REQ_SEALED))
		return NPK_OK;
	NPK_FORWARD(section_extent(fd, mf_off, mf_len, NPK_SECTION_SEAL, off, len, err));
	NPK_FAIL_IF(*len == 0 || *off + *len != pt_off, err, NPK_E_FORMAT,
	            "archive: a sealed archive whose seal is not just before its tables");
	return NPK_OK;
}

/* The extents newspack copies, found from the signed trailer and the
 * manifest of the signed part on fd (read, not trusted: a writer copies
 * what it has just written). */
static int copy_extents(int fd, uint64_t signed_size, npk__copies *c, npk_error *err)
{
	uint8_t t[NPK_TRAILER_SIZE], m[72];
	NPK_FAIL_IF(signed_size < NPK_HEADER_SIZE + NPK_TRAILER_SIZE, err, NPK_E_FORMAT,
	            "archive: too short to copy");
	NPK_FORWARD(npk__pread_full(fd, t, sizeof t, signed_size - NPK_TRAILER_SIZE, "archive", err));
	uint64_t mf_off = npk__ld64(t), end;
	NPK_FAIL_IF(memcmp(t + 24, NPK_TRAILER_MAGIC, 8) != 0 || mf_off < NPK_HEADER_SIZE ||
	            mf_off >= signed_size, err, NPK_E_FORMAT, "archive: no signed trailer to copy");
	NPK_FORWARD(npk__pread_full(fd, m, sizeof m, mf_off, "archive", err));
	uint64_t pt_off = npk__ld64(m + 56);
	NPK_FAIL_IF(memcmp(m, NPK_MANIFEST_MAGIC, 4) != 0 || pt_off < NPK_HEADER_SIZE ||
	            !npk__add64(pt_off, (uint64_t)npk__ld32(m + 64) + npk__ld32(m + 68), &end) ||
	            end != mf_off, err, NPK_E_FORMAT, "archive: the tables do not end at the manifest");
	c->count = 0;
	c->ext[c->count++] = (npk__copy_extent){0, NPK_HEADER_SIZE, 0};
	/* 15.18: the compression dictionary, in the body before the seal */
	uint64_t dict_off = 0, dict_len = 0;
	if (npk__ld32(t + 8) >= NPK_MANIFEST_FIXED + 2)
		NPK_FORWARD(section_extent(fd, mf_off, npk__ld32(t + 8), NPK_SECTION_DICT, &dict_off,
		                           &dict_len, err));
	NPK_FAIL_IF(dict_len > 0 && (dict_off < NPK_HEADER_SIZE || dict_off + dict_len > pt_off),
	            err, NPK_E_FORMAT, "archive: a compression dictionary outside the body");
	if (dict_len > 0)
		c->ext[c->count++] = (npk__copy_extent){dict_off, dict_len, 0};
	uint64_t seal_off, seal_len;
	NPK_FORWARD(seal_extent(fd, mf_off, npk__ld32(t + 8), pt_off, &seal_off, &seal_len, err));
	if (seal_len > 0)
		c->ext[c->count++] = (npk__copy_extent){seal_off, seal_len, 0};
	if (mf_off > pt_off)
		c->ext[c->count++] = (npk__copy_extent){pt_off, mf_off - pt_off, 0};
	c->ext[c->count++] = (npk__copy_extent){mf_off, signed_size - mf_off, 0};
	c->signed_size = signed_size;
	return NPK_OK;
}

/* Copies len bytes at off of fd into the open section. */
static int copy_bytes(npk__tail *t, int fd, uint64_t off, uint64_t len, npk_error *err)
{
	uint8_t buf[1 << 16];
	for (uint64_t at = 0; at < len;) {
		size_t n = len - at < sizeof buf ? (size_t)(len - at) : sizeof buf;
		NPK_FORWARD(npk__pread_full(fd, buf, n, off + at, "archive", err));
		NPK_FORWARD(npk__tail_write(t, buf, n, err));
		at += n;
	}
	return NPK_OK;
}

int npk__copies_write(npk__tail *t, int fd, uint64_t signed_size, npk_error *err)
{
	npk__copies c = {0};
	NPK_FORWARD(copy_extents(fd, signed_size, &c, err));
	uint8_t h[NPK_COPY_HEAD_MAX];
	size_t hlen = 28 + 16 * (size_t)c.count;
	/* the first copy at least 4096 bytes after the signed part, so that
	 * one damaged sector cannot hit an original and its copy */
	uint64_t first = t->off + hlen, want = signed_size + NPK_COPY_GAP;
	uint32_t pad = first < want ? (uint32_t)(want - first) : 0;
	memcpy(h, NPK_COPY_MAGIC, 8);
	npk__st64(h + 8, signed_size);
	npk__st32(h + 16, c.count);
	npk__st32(h + 20, pad);
	for (uint32_t i = 0; i < c.count; i++) {
		npk__st64(h + 24 + 16 * i, c.ext[i].off);
		npk__st64(h + 32 + 16 * i, c.ext[i].len);
	}
	npk__st32(h + hlen - 4, head_crc(h, hlen - 4));
	NPK_FORWARD(npk__tail_section_begin(t, NPK_SECTION_COPIES, err));
	NPK_FORWARD(npk__tail_write(t, h, hlen, err));
	static const uint8_t zero[NPK_COPY_GAP];
	for (uint32_t left = pad; left > 0;) {
		uint32_t n = left < sizeof zero ? left : (uint32_t)sizeof zero;
		NPK_FORWARD(npk__tail_write(t, zero, n, err));
		left -= n;
	}
	for (uint32_t i = 0; i < c.count; i++)
		NPK_FORWARD(copy_bytes(t, fd, c.ext[i].off, c.ext[i].len, err));
	return npk__tail_section_end(t, err);
}

/* 15.9: why the records of h (count of them) cannot be right, or NULL. */
static const char *records_problem(const uint8_t *h, uint32_t count, uint64_t signed_size,
                                   npk__copies *c)
{
	uint64_t prev_end = 0;
	for (uint32_t i = 0; i < count; i++) {
		uint64_t off = npk__ld64(h + 24 + 16 * i), len = npk__ld64(h + 32 + 16 * i), end;
		if (len == 0 || !npk__add64(off, len, &end) || end > signed_size)
			return "a copy lies outside the signed part";
		if (i > 0 && off < prev_end)
			return "the copies are not in increasing offset";
		c->ext[i] = (npk__copy_extent){off, len, 0};
		prev_end = end;
	}
	return NULL;
}

int npk__copies_parse(const uint8_t *h, size_t avail, uint64_t at, uint64_t file_size,
                      npk__copies *c, npk_error *err)
{
	memset(c, 0, sizeof *c);
	NPK_FAIL_IF(avail < 28 || memcmp(h, NPK_COPY_MAGIC, 8) != 0, err, NPK_E_FORMAT,
	            "no survival copies at offset %llu", (unsigned long long)at);
	uint32_t count = npk__ld32(h + 16), pad = npk__ld32(h + 20);
	NPK_FAIL_IF(count == 0 || count > NPK_COPY_EXTENTS_MAX || pad > NPK_COPY_PAD_MAX, err,
	            NPK_E_FORMAT, "survival copies at offset %llu: %u extents, %u bytes of padding",
	            (unsigned long long)at, count, pad);
	size_t hlen = 28 + 16 * (size_t)count;
	NPK_FAIL_IF(avail < hlen || npk__ld32(h + hlen - 4) != head_crc(h, hlen - 4), err,
	            NPK_E_FORMAT, "survival copies at offset %llu: header checksum mismatch",
	            (unsigned long long)at);
	c->signed_size = npk__ld64(h + 8);
	NPK_FAIL_IF(c->signed_size > at, err, NPK_E_FORMAT,
	            "survival copies at offset %llu: inside the signed part they copy",
	            (unsigned long long)at);
	c->count = count;
	const char *why = records_problem(h, count, c->signed_size, c);
	NPK_FAIL_IF(why != NULL, err, NPK_E_FORMAT, "survival copies at offset %llu: %s",
	            (unsigned long long)at, why);
	/* the copies back to back after the header and padding, inside the file */
	uint64_t pos = at + hlen + pad;
	for (uint32_t i = 0; i < count; i++) {
		c->ext[i].pos = pos;
		NPK_FAIL_IF(pos > file_size || c->ext[i].len > file_size - pos, err, NPK_E_FORMAT,
		            "survival copies at offset %llu: a copy ends past the end of the file",
		            (unsigned long long)at);
		pos += c->ext[i].len;
	}
	c->at = at;
	c->len = pos - at;
	return NPK_OK;
}

/* The header at file offset at, read and parsed. */
static int copies_at(int fd, uint64_t at, uint64_t file_size, const char *name, npk__copies *c,
                     npk_error *err)
{
	uint8_t h[NPK_COPY_HEAD_MAX];
	size_t n = file_size - at < sizeof h ? (size_t)(file_size - at) : sizeof h;
	NPK_FORWARD(npk__pread_full(fd, h, n, at, name, err));
	return npk__copies_parse(h, n, at, file_size, c, err);
}

/* 15.5, 15.9: the tail directory's type-2 record, when the tail trailer
 * and directory can be read; the section must be what the record says. */
static int copies_by_directory(int fd, uint64_t file_size, const char *name, npk__copies *c,
                               npk_error *err)
{
	uint8_t t[NPK_TRAILER_SIZE];
	NPK_FAIL_IF(file_size < 96, err, NPK_E_FORMAT, "%s: no tail", name);
	NPK_FORWARD(npk__pread_full(fd, t, sizeof t, file_size - NPK_TRAILER_SIZE, name, err));
	uint64_t size = npk__ld64(t), off = npk__ld64(t + 8), end;
	uint32_t len = npk__ld32(t + 16);
	NPK_FAIL_IF(memcmp(t + 24, NPK_TAIL_MAGIC, 8) != 0 || size > off || len > 4 +
	            NPK_SECTION_RECORD * NPK_SECTIONS_MAX || !npk__add64(off, len, &end) ||
	            end != file_size - NPK_TRAILER_SIZE, err, NPK_E_FORMAT, "%s: no tail", name);
	uint8_t *dir = malloc(len ? len : 1);
	NPK_FAIL_IF(dir == NULL, err, NPK_E_NOMEM, "out of memory");
	npk_section *S = NULL;
	uint32_t n = 0;
	int rc = npk__pread_full(fd, dir, len, off, name, err);
	if (rc == NPK_OK)
		rc = npk__parse_sections(dir, len, size, off, 1, name, &S, &n, err);
	free(dir);
	uint32_t i = 0;
	while (rc == NPK_OK && i < n && S[i].type != NPK_SECTION_COPIES)
		i++;
	if (rc == NPK_OK && i == n)
		rc = npk__fail(err, NPK_E_FORMAT, "%s: the tail holds no survival copies", name);
	if (rc == NPK_OK)
		rc = copies_at(fd, S[i].off, file_size, name, c, err);
	if (rc == NPK_OK && (c->len != S[i].len || c->signed_size != size))
		rc = npk__fail(err, NPK_E_FORMAT, "%s: the survival copies do not match the tail "
		               "directory", name);
	free(S);
	return rc;
}

/* 15.9: the last offset of the file holding the magic and a valid
 * header, scanning backward in blocks (the magic may cross two). */
static int copies_by_scan(int fd, uint64_t file_size, const char *name, npk__copies *c,
                          npk_error *err)
{
	enum { BLOCK = 1 << 20, M = 8 };
	uint8_t *b = malloc(BLOCK + M);
	NPK_FAIL_IF(b == NULL, err, NPK_E_NOMEM, "out of memory");
	uint64_t hi = file_size;
	int rc = NPK_E_FORMAT;
	while (hi > 0 && rc != NPK_OK) {
		uint64_t lo = hi > BLOCK ? hi - BLOCK : 0;
		size_t n = (size_t)(hi - lo) + (hi + M <= file_size ? M : (size_t)(file_size - hi));
		if ((rc = npk__pread_full(fd, b, n, lo, name, err)) != NPK_OK)
			break;
		rc = NPK_E_FORMAT;
		for (size_t i = hi - lo; i-- > 0 && rc != NPK_OK;)
			if (b[i] == 'N' && i + M <= n && memcmp(b + i, NPK_COPY_MAGIC, M) == 0)
				rc = copies_at(fd, lo + i, file_size, name, c, err);
		hi = lo;
	}
	free(b);
	if (rc == NPK_E_FORMAT)
		return npk__fail(err, NPK_E_FORMAT, "%s: no survival copies found", name);
	return rc;
}

int npk__copies_find(int fd, uint64_t file_size, const char *name, int scan, npk__copies *c,
                     npk_error *err)
{
	int rc = copies_by_directory(fd, file_size, name, c, err);
	if (rc == NPK_OK || rc == NPK_E_NOMEM || rc == NPK_E_IO || !scan)
		return rc;
	rc = copies_by_scan(fd, file_size, name, c, err);
	c->by_scan = 1;
	return rc;
}

const npk__copy_extent *npk__copies_cover(const npk__copies *c, uint64_t off, uint64_t len)
{
	for (uint32_t i = 0; i < c->count; i++)
		if (off >= c->ext[i].off && len <= c->ext[i].len && off - c->ext[i].off <= c->ext[i].len - len)
			return &c->ext[i];
	return NULL;
}
