// read-warc.mjs - reads a WARC file (plain or gzip) with warcio.js, for
// tests/cli/test_export_warc.sh.
//
//   node tests/warc/read-warc.mjs FILE.warc[.gz] OUTDIR
//
// Prints one JSON object per record, in file order, and writes each
// record's block (its payload: newspack writes no HTTP records) to
// OUTDIR/NNNNNN, NNNNNN being the record's ordinal from 1. Fields:
//   n, offset, type, target_uri, record_id, warcinfo_id, refers_to, date,
//   content_type, content_length (as given), size (block bytes read),
//   block_digest, payload_digest (as given), file,
//   warcio_block_digest, warcio_payload_digest: the SHA-256 digests that
//     warcio's own WARCSerializer computes over the block it read (base32,
//     as warcio writes them; null for a warcinfo record, which warcio
//     does not digest), and digest_ok: both agree with the header (null
//     when warcio computed none).
// Exits 1 when warcio throws (a record it cannot parse).
import fs from "node:fs";
import path from "node:path";
import { SerializerInMemBuffer, WARCParser, WARCSerializer } from "warcio";

const [file, outdir] = process.argv.slice(2);
if (!file || !outdir) {
  console.error("usage: node read-warc.mjs FILE.warc[.gz] OUTDIR");
  process.exit(2);
}
fs.mkdirSync(outdir, { recursive: true });

function concat(chunks) {
  const n = chunks.reduce((a, c) => a + c.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

try {
  // parseHttp: false, so that every block is read as it is
  const parser = new WARCParser(fs.createReadStream(file), { parseHttp: false });
  let n = 0;
  for await (const record of parser) {
    n++;
    const h = record.warcHeaders.headers;
    const given = {
      n,
      offset: parser.offset,
      type: record.warcType,
      target_uri: record.warcTargetURI ?? null,
      record_id: h.get("WARC-Record-ID"),
      warcinfo_id: h.get("WARC-Warcinfo-ID"),
      refers_to: h.get("WARC-Refers-To"),
      date: record.warcDate,
      content_type: record.warcContentType,
      content_length: record.warcContentLength,
      block_digest: record.warcBlockDigest,
      payload_digest: record.warcPayloadDigest,
    };
    // warcio's serializer reads the block, recomputes the digests and sets
    // them (and Content-Length) on the record's headers
    const buf = new SerializerInMemBuffer();
    const ser = new WARCSerializer(
      record,
      { digest: { algo: "sha-256", prefix: "sha256:", base32: true } },
      buf,
    );
    await ser.digestRecord({ recompute: true });
    const block = concat(buf.buffers);
    const name = path.join(outdir, String(n).padStart(6, "0"));
    fs.writeFileSync(name, block);
    const computed = given.type !== "warcinfo";
    const wb = computed ? record.warcBlockDigest : null;
    const wp = computed ? record.warcPayloadDigest : null;
    console.log(
      JSON.stringify({
        ...given,
        size: block.length,
        file: name,
        warcio_block_digest: wb,
        warcio_payload_digest: wp,
        digest_ok: computed
          ? wb === given.block_digest && (given.payload_digest === null || wp === given.payload_digest)
          : null,
      }),
    );
  }
} catch (e) {
  console.error(`read-warc: ${file}: ${e && e.stack ? e.stack : e}`);
  process.exit(1);
}
