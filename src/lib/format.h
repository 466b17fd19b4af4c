/*
 * format.h - constants of the .npk format. Section numbers refer to
 * spec/format.md, which is the source of truth.
 */
#ifndef NPK_FORMAT_H
#define NPK_FORMAT_H

#include <stdint.h>

/* 3. Header */
#define NPK_HEADER_SIZE 32u
#define NPK_MAGIC "\x89NPK\r\n\x1a\n"
#define NPK_MAGIC_LEN 8u

/* 4. Objects: clusters and index pages share one 24-byte header. */
#define NPK_OBJ_HEADER_SIZE 24u
#define NPK_CLUSTER_MAGIC "NPKC"
#define NPK_PAGE_MAGIC "NPKP"
#define NPK_CODEC_STORED 0u
#define NPK_CODEC_ZLIB 1u
#define NPK_CODEC_ZSTD 2u

/* 6. Tables */
#define NPK_CLUSTER_ENTRY_SIZE 48u
#define NPK_PAGE_ENTRY_FIXED 62u   /* without the first path */
#define NPK_NO_CLUSTER 0xFFFFFFFFu

/* 7. Manifest */
#define NPK_MANIFEST_MAGIC "NPKM"
#define NPK_MANIFEST_FIXED 210u    /* up to and including meta_len */
#define NPK_EXT_CRITICAL 0x0001u

/* 8. Signature block */
#define NPK_SIG_FIXED 140u         /* without the trusted comment */
#define NPK_COMMENT_MAX 1024u

/* 9. Trailer */
#define NPK_TRAILER_SIZE 32u
#define NPK_TRAILER_MAGIC "\x89NPKEND\n"

/* 10. Limits */
#define NPK_PATH_MAX 4096u
#define NPK_COMPONENT_MAX 255u
#define NPK_MEDIA_MAX 255u
#define NPK_CLUSTER_RAW_MAX (64u << 20)
#define NPK_PAGE_RAW_MAX (4u << 20)
#define NPK_MANIFEST_MAX (1u << 20)
#define NPK_CLUSTERS_MAX (1u << 24)
#define NPK_DOCS_MAX 0xFFFFFFFEu
#define NPK_PAGE_TABLE_MAX (256u << 20)

/* Writer defaults */
#define NPK_CLUSTER_TARGET (1u << 20)
#define NPK_PAGE_TARGET (64u << 10)
#define NPK_ZLIB_LEVEL 7
#define NPK_ZSTD_LEVEL 8

#endif
