/*
 * warc.h - reading WARC files (ISO 28500: WARC/1.0 and WARC/1.1), inside
 * libnewspack; not installed.
 *
 * A file is read as a stream of records, uncompressed or gzip (one member
 * per record, as WARC Annex D recommends, or one member for the whole
 * file: both are handled, whatever the file's name says). Each record's
 * header is parsed and checked; for the records that become documents
 * (response, resource, revisit) the reader gives the document's bytes:
 *
 *   response with Content-Type application/http: the HTTP payload, with
 *     chunked transfer coding and gzip, x-gzip, deflate and br content
 *     coding undone (in the order the header lists them, last first);
 *   any other response, and every resource: the record block as it is;
 *   revisit: the record block as it is (usually the HTTP header of the
 *     capture it repeats; the payload is in the record it refers to).
 *
 * WARC-Block-Digest and WARC-Payload-Digest (sha1, sha256, sha512, md5;
 * base32, hex or base64) are checked where present, when the document is
 * read to its end. A broken chunked framing or content coding, or a
 * decoded body past a bound, does not stop the reading (rec->decoded).
 * Every error names the file, the record's number and
 * its offset: "FILE: record 12 at offset 34567: ...".
 */
#ifndef NPK_WARC_H
#define NPK_WARC_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "newspack.h"

typedef struct npk__warc npk__warc;

typedef struct npk__warc_rec {
	uint64_t number;          /* 1-based position of the record in the file */
	uint64_t offset;          /* file offset of the record's start; in a gzip
	                           * file, of the gzip member holding its start */
	uint64_t stream_offset;   /* offset of the record in the uncompressed stream */
	const char *version;      /* "WARC/1.0", "WARC/1.1" */
	const char *type;         /* WARC-Type as written (lower case expected) */
	int is_doc;               /* 1 for response, resource and revisit */
	/* Header fields, NULL when absent. <...> around URIs is removed. */
	const char *target_uri;   /* WARC-Target-URI */
	const char *date;         /* WARC-Date */
	const char *record_id;    /* WARC-Record-ID, with its <...> */
	const char *content_type; /* the record's Content-Type */
	const char *payload_digest; /* WARC-Payload-Digest, as written */
	const char *block_digest;   /* WARC-Block-Digest, as written */
	const char *refers_to;      /* WARC-Refers-To */
	const char *refers_to_uri;  /* WARC-Refers-To-Target-URI */
	const char *refers_to_date; /* WARC-Refers-To-Date */
	const char *profile;        /* WARC-Profile (revisits) */
	const char *truncated;      /* WARC-Truncated */
	const char *identified_type;/* WARC-Identified-Payload-Type */
	uint64_t block_length;    /* Content-Length */
	uint64_t header_length;   /* bytes of the WARC header as captured, from
	                           * "WARC/" to the blank line that ends it */
	/* HTTP, when the block is an HTTP response (application/http) */
	int http;                 /* 1 when an HTTP response header was parsed */
	int http_status;          /* e.g. 200; 0 when none */
	const char *http_content_type;     /* Content-Type of the HTTP response */
	const char *http_content_encoding; /* Content-Encoding as captured, or NULL */
	int http_chunked;         /* the payload was in chunked framing */
	uint64_t payload_length;  /* the HTTP body as recorded (the block after
	                           * the HTTP header), else the block's length */
	/* Set while the document is read: how it was decoded. */
	int decoded;              /* NPK__WARC_WHOLE, _PARTIAL or _CAPTURED */
	char problem[200];        /* why not whole ("" when whole) */
	/* The document: media type (lower case, no parameters; from the HTTP
	 * or record Content-Type, "application/octet-stream" when none) */
	const char *media_type;
} npk__warc_rec;

/* What npk__warc_read gave of a document (rec->decoded). PARTIAL: a
 * broken framing or coding stopped it, what decoded before was given;
 * CAPTURED: nothing decoded, or the decoded size passed the bound below,
 * so the document is to be read again as captured (npk__warc_captured).
 * The bound on a decoded body: NPK__WARC_DECODE_RATIO times its captured
 * size and NPK__WARC_DECODE_MAX, but always NPK__WARC_DECODE_FLOOR. */
enum { NPK__WARC_WHOLE, NPK__WARC_PARTIAL, NPK__WARC_CAPTURED };
#define NPK__WARC_DECODE_RATIO 100u
#define NPK__WARC_DECODE_MAX ((uint64_t)64 << 20)
#define NPK__WARC_DECODE_FLOOR ((uint64_t)1 << 20)

/* Opens a WARC file. name is used in messages (usually path). */
int npk__warc_open(const char *path, npk__warc **out, npk_error *err);
/* The same over an open descriptor (not closed by npk__warc_close). */
int npk__warc_open_fd(int fd, const char *name, npk__warc **out, npk_error *err);
/* The same over a file in memory, p[0..len), which must outlive the
 * reader; name is used in messages. */
int npk__warc_open_mem(const uint8_t *p, size_t len, const char *name, npk__warc **out,
                       npk_error *err);
void npk__warc_close(npk__warc *w);

/* Makes w check no digest: for readers that want the text of records,
 * not their proof (search/extract.c). Call before the first npk__warc_next. */
void npk__warc_no_digests(npk__warc *w);

/* Reads the header of the next record (skipping what is left of the
 * current one, which is still checked for framing). *rec is valid until
 * the next call; it is NULL at the end of the file. */
int npk__warc_next(npk__warc *w, const npk__warc_rec **rec, npk_error *err);

/* Reads up to cap bytes of the current record's document into buf; *got
 * is 0 at its end, when the digests present have been checked (a mismatch
 * is NPK_E_DIGEST, a broken coding or framing NPK_E_INPUT). Only for a
 * record with is_doc set. */
int npk__warc_read(npk__warc *w, uint8_t *buf, size_t cap, size_t *got, npk_error *err);

/* Makes w a reader of records as captured: npk__warc_read then gives,
 * for every record, its header_length bytes of WARC header and its block,
 * byte for byte; nothing in the block is parsed (no HTTP fields in rec),
 * the block digest is checked, the payload digest is not (a first pass
 * that decodes checks it). Call before the first npk__warc_next. */
void npk__warc_set_raw(npk__warc *w);

/* Before the first read of the current document: give the payload as
 * captured (payload_length bytes: the HTTP body with its chunked framing
 * and content codings left as they are). */
int npk__warc_captured(npk__warc *w, npk_error *err);

/* Records and bytes seen so far, by type, for reports. */
typedef struct npk__warc_stats {
	uint64_t records;
	uint64_t warcinfo, request, response, resource, revisit, metadata, conversion, continuation, other;
} npk__warc_stats;
void npk__warc_get_stats(const npk__warc *w, npk__warc_stats *st);

/* Digests checked so far, and those that could not be, for reports and
 * tests. The digests of a record are also checked when npk__warc_next
 * skips what is left of it. */
typedef struct npk__warc_digests {
	uint64_t block_checked, payload_checked;
	uint64_t payload_dechunked; /* of payload_checked: matched the de-chunked body only */
	uint64_t skipped_revisit;   /* payload digests of revisits (the original's payload) */
	uint64_t skipped_truncated; /* payload digests of records with WARC-Truncated */
	uint64_t skipped_unknown;   /* algorithm or encoding not known: not checked */
} npk__warc_digests;
void npk__warc_get_digests(const npk__warc *w, npk__warc_digests *d);

/* 1 when the file looks like a WARC (its first bytes, inflated if gzip,
 * start with "WARC/"). */
int npk__warc_sniff(const char *path);
/* The same for a file's first len bytes (the first 4096 are looked at). */
int npk__warc_sniff_mem(const uint8_t *p, size_t len);

#endif
