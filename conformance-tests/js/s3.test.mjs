// conformance.js: @aws-sdk/client-s3 v3 against a fresh xs3d (general-purpose buckets).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import dns from 'node:dns';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, GetBucketLocationCommand,
  PutObjectCommand, GetObjectCommand, HeadObjectCommand, CopyObjectCommand, DeleteObjectCommand,
  DeleteObjectsCommand, ListObjectsV2Command, ListObjectsCommand, DeleteBucketCommand, S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startServer, bodyBytes, errorOf, REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from './harness.mjs';
import { crc32, crc32c, crc64nvme, sha256, md5hex } from './checksums.mjs';

let srv;
let s3;
const B = 'js-main';

function etagOf(buf) {
  return `"${md5hex(buf)}"`;
}

function assertS3Error(e, name, status) {
  assert.equal(e.$metadata?.httpStatusCode, status, `HTTP status of ${e.name}: ${e.message}`);
  assert.equal(e.name, name, `error code (status ${e.$metadata?.httpStatusCode})`);
}

async function put(Key, Body, extra = {}) {
  return s3.send(new PutObjectCommand({ Bucket: B, Key, Body, ...extra }));
}

async function getBytes(Key, extra = {}) {
  return bodyBytes(await s3.send(new GetObjectCommand({ Bucket: B, Key, ...extra })));
}

before(async () => {
  srv = await startServer();
  s3 = srv.client();
  await s3.send(new CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
});

describe('buckets', () => {
  it('CreateBucket + HeadBucket reports the region', async () => {
    const out = await s3.send(new CreateBucketCommand({ Bucket: 'js-bucket-ops' }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    const head = await s3.send(new HeadBucketCommand({ Bucket: 'js-bucket-ops' }));
    assert.equal(head.$metadata.httpStatusCode, 200);
    assert.equal(head.BucketRegion, REGION);
  });

  it('HeadBucket on a missing bucket is 404', async () => {
    const e = await errorOf(() => s3.send(new HeadBucketCommand({ Bucket: 'js-no-such-bucket' })));
    assert.equal(e.$metadata.httpStatusCode, 404);
  });

  it('ListBuckets lists both buckets with creation dates and an owner', async () => {
    const out = await s3.send(new ListBucketsCommand({}));
    const names = out.Buckets.map((b) => b.Name);
    assert.ok(names.includes(B), names.join(','));
    assert.ok(names.includes('js-bucket-ops'), names.join(','));
    assert.deepEqual([...names].sort(), names, 'ListBuckets is sorted by name');
    for (const b of out.Buckets) assert.ok(b.CreationDate instanceof Date && !Number.isNaN(b.CreationDate.getTime()));
    assert.ok(out.Owner?.ID, 'Owner/ID present');
  });

  it('GetBucketLocation is empty (us-east-1) as AWS answers', async () => {
    const out = await s3.send(new GetBucketLocationCommand({ Bucket: B }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(out.LocationConstraint === undefined || out.LocationConstraint === '', `got ${out.LocationConstraint}`);
  });

  it('DeleteBucket non-empty -> 409 BucketNotEmpty, then empty -> 204 and gone', async () => {
    const bk = 'js-delete-me';
    await s3.send(new CreateBucketCommand({ Bucket: bk }));
    await s3.send(new PutObjectCommand({ Bucket: bk, Key: 'x', Body: 'x' }));
    const e = await errorOf(() => s3.send(new DeleteBucketCommand({ Bucket: bk })));
    assertS3Error(e, 'BucketNotEmpty', 409);
    await s3.send(new DeleteObjectCommand({ Bucket: bk, Key: 'x' }));
    const out = await s3.send(new DeleteBucketCommand({ Bucket: bk }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    const e2 = await errorOf(() => s3.send(new HeadBucketCommand({ Bucket: bk })));
    assert.equal(e2.$metadata.httpStatusCode, 404);
  });
});

describe('PutObject / GetObject', () => {
  it('string body: ETag is the MD5 and bytes round-trip', async () => {
    const out = await put('str.txt', 'hello world');
    assert.equal(out.ETag, etagOf(Buffer.from('hello world')));
    assert.equal((await getBytes('str.txt')).toString(), 'hello world');
  });

  it('Buffer body with binary bytes', async () => {
    const buf = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const out = await put('bin.dat', buf);
    assert.equal(out.ETag, etagOf(buf));
    assert.deepEqual(await getBytes('bin.dat'), buf);
  });

  it('empty body', async () => {
    const out = await put('empty', Buffer.alloc(0));
    assert.equal(out.ETag, '"d41d8cd98f00b204e9800998ecf8427e"');
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'empty' }));
    assert.equal(got.ContentLength, 0);
    assert.equal((await bodyBytes(got)).length, 0);
  });

  it('3 MiB Buffer (Expect: 100-continue) completes quickly and round-trips', async () => {
    const buf = Buffer.alloc(3 * 1024 * 1024);
    for (let i = 0; i < buf.length; i += 4) buf.writeUInt32LE((i * 2654435761) >>> 0, i);
    const t0 = Date.now();
    const out = await put('big3m.bin', buf);
    const ms = Date.now() - t0;
    assert.equal(out.ETag, etagOf(buf));
    // Without a "100 Continue" the SDK waits 6 s before sending the body.
    assert.ok(ms < 4000, `3 MiB PutObject took ${ms} ms: server did not answer 100 Continue`);
    const got = await getBytes('big3m.bin');
    assert.equal(got.length, buf.length);
    assert.ok(got.equals(buf), 'bytes differ');
  });

  it('stream of known length arrives as aws-chunked with a CRC32 trailer', async () => {
    const pieces = [Buffer.from('hello '), Buffer.from('aws-chunked '), Buffer.from('world\n')];
    const all = Buffer.concat(pieces);
    const out = await put('stream.txt', Readable.from(pieces), { ContentLength: all.length });
    assert.equal(out.ETag, etagOf(all));
    assert.equal(out.ChecksumCRC32, crc32(all));
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'stream.txt' }));
    assert.equal(got.ContentLength, all.length);
    assert.ok(!got.ContentEncoding || !got.ContentEncoding.includes('aws-chunked'), `Content-Encoding ${got.ContentEncoding}`);
    assert.deepEqual(await bodyBytes(got), all);
  });
});

describe('ranges and conditionals', () => {
  const body = Buffer.from('0123456789X');
  before(async () => {
    await put('range.txt', body, { ContentType: 'text/plain' });
  });

  it('Range bytes=0-4 -> 206 first five bytes', async () => {
    const out = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'range.txt', Range: 'bytes=0-4' }));
    assert.equal(out.$metadata.httpStatusCode, 206);
    assert.equal(out.ContentRange, `bytes 0-4/${body.length}`);
    assert.equal(out.ContentLength, 5);
    assert.equal((await bodyBytes(out)).toString(), '01234');
  });

  it('suffix Range bytes=-3', async () => {
    const out = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'range.txt', Range: 'bytes=-3' }));
    assert.equal(out.$metadata.httpStatusCode, 206);
    assert.equal(out.ContentRange, `bytes 8-10/${body.length}`);
    assert.equal((await bodyBytes(out)).toString(), '89X');
  });

  it('open Range bytes=5-', async () => {
    const out = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'range.txt', Range: 'bytes=5-' }));
    assert.equal(out.$metadata.httpStatusCode, 206);
    assert.equal(out.ContentRange, `bytes 5-10/${body.length}`);
    assert.equal((await bodyBytes(out)).toString(), '56789X');
  });

  it('unsatisfiable Range -> 416 InvalidRange', async () => {
    const e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'range.txt', Range: 'bytes=100-200' })));
    assertS3Error(e, 'InvalidRange', 416);
  });

  it('If-Match mismatch -> 412 PreconditionFailed', async () => {
    const e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'range.txt', IfMatch: '"0000"' })));
    assertS3Error(e, 'PreconditionFailed', 412);
  });

  it('If-Match match -> 200', async () => {
    const out = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'range.txt', IfMatch: etagOf(body) }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    await bodyBytes(out);
  });

  it('If-None-Match match -> 304', async () => {
    const e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'range.txt', IfNoneMatch: etagOf(body) })));
    assert.equal(e.$metadata.httpStatusCode, 304);
  });

  it('If-Modified-Since in the future -> 304; If-Unmodified-Since in the past -> 412', async () => {
    const e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'range.txt', IfModifiedSince: new Date(Date.now() + 86400e3) })));
    assert.equal(e.$metadata.httpStatusCode, 304);
    const e2 = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'range.txt', IfUnmodifiedSince: new Date('2001-01-01T00:00:00Z') })));
    assertS3Error(e2, 'PreconditionFailed', 412);
  });

  it('response-content-type and other response-* overrides', async () => {
    const out = await s3.send(new GetObjectCommand({
      Bucket: B, Key: 'range.txt', ResponseContentType: 'application/x-override',
      ResponseContentDisposition: 'attachment; filename="o.txt"', ResponseCacheControl: 'no-cache',
    }));
    assert.equal(out.ContentType, 'application/x-override');
    assert.equal(out.ContentDisposition, 'attachment; filename="o.txt"');
    assert.equal(out.CacheControl, 'no-cache');
    assert.deepEqual(await bodyBytes(out), body);
  });
});

describe('metadata and checksums', () => {
  it('HeadObject round-trips user metadata and content headers', async () => {
    const expires = new Date('2031-02-03T04:05:06Z');
    const body = Buffer.from('meta body');
    await put('meta.txt', body, {
      ContentType: 'text/x-custom; charset=utf-8',
      ContentDisposition: 'inline; filename="m.txt"',
      ContentLanguage: 'de-CH',
      CacheControl: 'max-age=60',
      ContentEncoding: 'identity',
      Expires: expires,
      Metadata: { color: 'blue', 'multi-word': 'a b c' },
    });
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'meta.txt' }));
    assert.equal(h.ContentLength, body.length);
    assert.equal(h.ETag, etagOf(body));
    assert.equal(h.ContentType, 'text/x-custom; charset=utf-8');
    assert.equal(h.ContentDisposition, 'inline; filename="m.txt"');
    assert.equal(h.ContentLanguage, 'de-CH');
    assert.equal(h.CacheControl, 'max-age=60');
    assert.equal(h.ContentEncoding, 'identity');
    assert.equal(h.Expires?.getTime(), expires.getTime());
    assert.equal(h.Metadata.color, 'blue');
    assert.equal(h.Metadata['multi-word'], 'a b c');
    assert.ok(h.LastModified instanceof Date);
    assert.ok(Math.abs(h.LastModified.getTime() - Date.now()) < 120e3, 'LastModified is about now');
    const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'meta.txt' }));
    assert.equal(g.Metadata.color, 'blue');
    assert.equal(g.ContentType, 'text/x-custom; charset=utf-8');
    await bodyBytes(g);
  });

  const algos = [
    ['CRC32', 'ChecksumCRC32', crc32],
    ['CRC32C', 'ChecksumCRC32C', crc32c],
    ['SHA256', 'ChecksumSHA256', sha256],
    ['CRC64NVME', 'ChecksumCRC64NVME', crc64nvme],
  ];
  for (const [algo, field, fn] of algos) {
    it(`ChecksumMode ENABLED returns the ${algo} given at upload`, async () => {
      const body = Buffer.from(`checksum body for ${algo} `.repeat(50));
      const key = `cks-${algo}`;
      const out = await put(key, body, { ChecksumAlgorithm: algo });
      assert.equal(out[field], fn(body), `PutObject echoes ${field}`);
      const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(h[field], fn(body), `HeadObject ${field}`);
      const g = await s3.send(new GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }));
      assert.equal(g[field], fn(body), `GetObject ${field}`);
      assert.deepEqual(await bodyBytes(g), body);
    });
  }

  it('without ChecksumMode no checksum header is returned', async () => {
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'cks-CRC32C' }));
    assert.equal(h.ChecksumCRC32C, undefined);
  });
});

describe('CopyObject', () => {
  const src = Buffer.from('copy source body');
  before(async () => {
    await put('copy-src', src, { ContentType: 'text/x-src', Metadata: { origin: 'src' } });
  });

  it('COPY directive keeps metadata and content type', async () => {
    const out = await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copy-dst1', CopySource: `${B}/copy-src` }));
    assert.equal(out.CopyObjectResult.ETag, etagOf(src));
    assert.ok(out.CopyObjectResult.LastModified instanceof Date);
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'copy-dst1' }));
    assert.equal(h.ContentType, 'text/x-src');
    assert.equal(h.Metadata.origin, 'src');
    assert.deepEqual(await getBytes('copy-dst1'), src);
  });

  it('REPLACE directive replaces metadata and content type', async () => {
    await s3.send(new CopyObjectCommand({
      Bucket: B, Key: 'copy-dst2', CopySource: `${B}/copy-src`, MetadataDirective: 'REPLACE',
      ContentType: 'text/x-new', Metadata: { origin: 'replaced', extra: '1' },
    }));
    const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'copy-dst2' }));
    assert.equal(h.ContentType, 'text/x-new');
    assert.deepEqual(h.Metadata, { origin: 'replaced', extra: '1' });
    assert.deepEqual(await getBytes('copy-dst2'), src);
  });

  it('copy of a key with odd characters (URL-encoded copy source)', async () => {
    const odd = 'copy src/with space+plus%pct';
    await put(odd, src);
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copy-dst3', CopySource: `${B}/${encodeURIComponent(odd)}` }));
    assert.deepEqual(await getBytes('copy-dst3'), src);
  });

  it('x-amz-copy-source-if-match mismatch -> 412 PreconditionFailed, nothing written', async () => {
    const e = await errorOf(() => s3.send(new CopyObjectCommand({
      Bucket: B, Key: 'copy-dst4', CopySource: `${B}/copy-src`, CopySourceIfMatch: '"deadbeef"',
    })));
    assertS3Error(e, 'PreconditionFailed', 412);
    const e2 = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'copy-dst4' })));
    assert.equal(e2.$metadata.httpStatusCode, 404);
  });

  it('copy onto itself without REPLACE -> 400 InvalidRequest', async () => {
    const e = await errorOf(() => s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copy-src', CopySource: `${B}/copy-src` })));
    assertS3Error(e, 'InvalidRequest', 400);
  });
});

describe('delete', () => {
  it('DeleteObject -> 204, and again on a missing key -> 204', async () => {
    await put('del-me', 'x');
    const out = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'del-me' }));
    assert.equal(out.$metadata.httpStatusCode, 204);
    const e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'del-me' })));
    assertS3Error(e, 'NoSuchKey', 404);
    const again = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'del-me' }));
    assert.equal(again.$metadata.httpStatusCode, 204);
  });

  it('DeleteObjects (not quiet) reports every key, including missing ones', async () => {
    await put('dm/1', '1');
    await put('dm/2 & <odd>', '2');
    const out = await s3.send(new DeleteObjectsCommand({
      Bucket: B, Delete: { Objects: [{ Key: 'dm/1' }, { Key: 'dm/2 & <odd>' }, { Key: 'dm/missing' }], Quiet: false },
    }));
    assert.deepEqual(out.Deleted.map((d) => d.Key).sort(), ['dm/1', 'dm/2 & <odd>', 'dm/missing']);
    assert.equal(out.Errors, undefined);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'dm/' }));
    assert.equal(list.KeyCount, 0);
  });

  it('DeleteObjects quiet returns no Deleted entries', async () => {
    await put('dq/1', '1');
    await put('dq/2', '2');
    const out = await s3.send(new DeleteObjectsCommand({
      Bucket: B, Delete: { Objects: [{ Key: 'dq/1' }, { Key: 'dq/2' }], Quiet: true },
    }));
    assert.equal(out.Deleted, undefined);
    assert.equal(out.Errors, undefined);
    const list = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'dq/' }));
    assert.equal(list.KeyCount, 0);
  });
});

describe('listing', () => {
  const LB = 'js-list';
  const keys = ['a/1', 'a/2', 'a/b/3', 'b/1', 'c', 'd/x/y'];
  before(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: LB }));
    for (const k of keys) await s3.send(new PutObjectCommand({ Bucket: LB, Key: k, Body: k }));
  });

  it('ListObjectsV2 plain lists everything sorted with sizes and ETags', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: LB }));
    assert.deepEqual(out.Contents.map((c) => c.Key), keys);
    assert.equal(out.KeyCount, keys.length);
    assert.equal(out.IsTruncated, false);
    assert.equal(out.Name, LB);
    assert.equal(out.MaxKeys, 1000);
    for (const c of out.Contents) {
      assert.equal(c.Size, Buffer.byteLength(c.Key));
      assert.equal(c.ETag, etagOf(Buffer.from(c.Key)));
      assert.equal(c.StorageClass, 'STANDARD');
      assert.equal(c.Owner, undefined, 'no Owner without fetch-owner');
    }
  });

  it('prefix', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: LB, Prefix: 'a/' }));
    assert.deepEqual(out.Contents.map((c) => c.Key), ['a/1', 'a/2', 'a/b/3']);
    assert.equal(out.Prefix, 'a/');
  });

  it('delimiter gives CommonPrefixes', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: LB, Delimiter: '/' }));
    assert.deepEqual(out.Contents.map((c) => c.Key), ['c']);
    assert.deepEqual(out.CommonPrefixes.map((p) => p.Prefix), ['a/', 'b/', 'd/']);
    assert.equal(out.KeyCount, 4);
    const sub = await s3.send(new ListObjectsV2Command({ Bucket: LB, Delimiter: '/', Prefix: 'a/' }));
    assert.deepEqual(sub.Contents.map((c) => c.Key), ['a/1', 'a/2']);
    assert.deepEqual(sub.CommonPrefixes.map((p) => p.Prefix), ['a/b/']);
  });

  it('max-keys with continuation tokens walks every key once', async () => {
    const seen = [];
    let token;
    let pages = 0;
    do {
      const out = await s3.send(new ListObjectsV2Command({ Bucket: LB, MaxKeys: 2, ContinuationToken: token }));
      pages++;
      assert.ok(out.KeyCount <= 2);
      assert.equal(out.MaxKeys, 2);
      seen.push(...(out.Contents ?? []).map((c) => c.Key));
      if (out.IsTruncated) assert.ok(out.NextContinuationToken, 'truncated page has NextContinuationToken');
      if (token) assert.equal(out.ContinuationToken, token);
      token = out.IsTruncated ? out.NextContinuationToken : undefined;
    } while (token && pages < 20);
    assert.deepEqual(seen, keys);
    assert.equal(pages, 3);
  });

  it('max-keys with delimiter counts common prefixes', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: LB, Delimiter: '/', MaxKeys: 2 }));
    assert.equal(out.IsTruncated, true);
    assert.deepEqual((out.CommonPrefixes ?? []).map((p) => p.Prefix), ['a/', 'b/']);
    const next = await s3.send(new ListObjectsV2Command({ Bucket: LB, Delimiter: '/', MaxKeys: 2, ContinuationToken: out.NextContinuationToken }));
    assert.deepEqual(next.Contents.map((c) => c.Key), ['c']);
    assert.deepEqual(next.CommonPrefixes.map((p) => p.Prefix), ['d/']);
    assert.equal(next.IsTruncated, false);
  });

  it('start-after', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: LB, StartAfter: 'a/b/3' }));
    assert.deepEqual(out.Contents.map((c) => c.Key), ['b/1', 'c', 'd/x/y']);
    assert.equal(out.StartAfter, 'a/b/3');
  });

  it('fetch-owner returns Owner', async () => {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: LB, FetchOwner: true }));
    for (const c of out.Contents) assert.ok(c.Owner?.ID, `Owner for ${c.Key}`);
  });

  it('ListObjects v1 with marker and max-keys', async () => {
    const out = await s3.send(new ListObjectsCommand({ Bucket: LB, Marker: 'a/2' }));
    assert.deepEqual(out.Contents.map((c) => c.Key), ['a/b/3', 'b/1', 'c', 'd/x/y']);
    assert.equal(out.Marker, 'a/2');
    assert.equal(out.IsTruncated, false);
    for (const c of out.Contents) assert.ok(c.Owner?.ID, 'v1 returns Owner');
    const page = await s3.send(new ListObjectsCommand({ Bucket: LB, MaxKeys: 2 }));
    assert.equal(page.IsTruncated, true);
    assert.deepEqual(page.Contents.map((c) => c.Key), ['a/1', 'a/2']);
    const v1d = await s3.send(new ListObjectsCommand({ Bucket: LB, Delimiter: '/', MaxKeys: 1 }));
    assert.equal(v1d.IsTruncated, true);
    assert.equal(v1d.NextMarker, 'a/', 'NextMarker with a delimiter');
  });
});

describe('conditional writes', () => {
  it('IfNoneMatch * creates once, then 412 PreconditionFailed', async () => {
    const out = await put('cond-put', 'first', { IfNoneMatch: '*' });
    assert.equal(out.$metadata.httpStatusCode, 200);
    const e = await errorOf(() => put('cond-put', 'second', { IfNoneMatch: '*' }));
    assertS3Error(e, 'PreconditionFailed', 412);
    assert.equal((await getBytes('cond-put')).toString(), 'first');
  });

  it('IfMatch with a wrong ETag -> 412, with the right one -> 200', async () => {
    const e = await errorOf(() => put('cond-put', 'third', { IfMatch: '"00000000000000000000000000000000"' }));
    assertS3Error(e, 'PreconditionFailed', 412);
    const out = await put('cond-put', 'third', { IfMatch: etagOf(Buffer.from('first')) });
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal((await getBytes('cond-put')).toString(), 'third');
  });
});

describe('lib-storage and presigned URLs', () => {
  it('lib-storage Upload of a small body (single PutObject)', async () => {
    const body = Buffer.alloc(1024 * 1024, 'u');
    const up = new Upload({ client: s3, params: { Bucket: B, Key: 'libstorage-small', Body: body } });
    const out = await up.done();
    assert.equal(out.ETag, etagOf(body));
    assert.deepEqual(await getBytes('libstorage-small'), body);
  });

  it('presigned GET via fetch', async () => {
    await put('presigned/get me.txt', 'presigned content');
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'presigned/get me.txt' }), { expiresIn: 300 });
    assert.match(url, /X-Amz-Signature=/);
    const r = await fetch(url);
    assert.equal(r.status, 200);
    assert.equal(await r.text(), 'presigned content');
  });

  it('presigned PUT via fetch', async () => {
    // WHEN_REQUIRED: otherwise the SDK signs x-amz-checksum-crc32 of an empty body into the URL.
    const c = srv.client({ extra: { requestChecksumCalculation: 'WHEN_REQUIRED' } });
    const url = await getSignedUrl(c, new PutObjectCommand({ Bucket: B, Key: 'presigned/put.txt' }), { expiresIn: 300 });
    const r = await fetch(url, { method: 'PUT', body: 'uploaded via presigned PUT' });
    assert.equal(r.status, 200, await r.text());
    assert.equal(r.headers.get('etag'), etagOf(Buffer.from('uploaded via presigned PUT')));
    assert.equal((await getBytes('presigned/put.txt')).toString(), 'uploaded via presigned PUT');
    c.destroy();
  });

  it('presigned GET with a wrong signature -> 403 SignatureDoesNotMatch', async () => {
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'presigned/get me.txt' }), { expiresIn: 300 });
    const bad = url.replace(/X-Amz-Signature=([0-9a-f])/, (m, c) => `X-Amz-Signature=${c === '0' ? '1' : '0'}`);
    const r = await fetch(bad);
    assert.equal(r.status, 403);
    assert.match(await r.text(), /<Code>SignatureDoesNotMatch<\/Code>/);
  });
});

describe('keys', () => {
  const odd = [
    'with space.txt', 'plus+sign', 'percent%20literal', 'unicode/日本語/ключ', 'emoji 😀/🚀.bin',
    'amp&eq=q?hash#', "quote'\"<>", 'tilde~star*paren()', 'colon:semi;comma,at@dollar$', 'multiple//slashes',
    ' leading space', 'trailing.', 'back\\slash', 'ctl-free-tab\tin-key',
  ];
  it('odd characters: put, head, get, list, delete', async () => {
    for (const k of odd) {
      const out = await put(k, `body:${k}`);
      assert.equal(out.ETag, etagOf(Buffer.from(`body:${k}`)), k);
    }
    for (const k of odd) {
      assert.equal((await getBytes(k)).toString(), `body:${k}`, k);
      const h = await s3.send(new HeadObjectCommand({ Bucket: B, Key: k }));
      assert.equal(h.ContentLength, Buffer.byteLength(`body:${k}`), k);
    }
    const listed = [];
    let token;
    do {
      const l = await s3.send(new ListObjectsV2Command({ Bucket: B, ContinuationToken: token }));
      listed.push(...(l.Contents ?? []).map((c) => c.Key));
      token = l.NextContinuationToken;
    } while (token);
    for (const k of odd) assert.ok(listed.includes(k), `listed ${JSON.stringify(k)}`);
    const sorted = [...listed].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    assert.deepEqual(listed, sorted, 'keys are listed in UTF-8 byte order');
    const del = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: odd.map((Key) => ({ Key })) } }));
    assert.equal(del.Deleted.length, odd.length);
    for (const k of odd) {
      const e = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: k })));
      assert.equal(e.$metadata.httpStatusCode, 404, k);
    }
  });

  it('1,024-byte key round-trips; 1,025 bytes -> KeyTooLongError', async () => {
    const k = 'k/' + 'é'.repeat(400) + 'x'.repeat(1024 - 2 - 800);
    assert.equal(Buffer.byteLength(k), 1024);
    await put(k, 'long key');
    assert.equal((await getBytes(k)).toString(), 'long key');
    const l = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'k/' }));
    assert.deepEqual(l.Contents.map((c) => c.Key), [k]);
    const e = await errorOf(() => put(k + 'y', 'too long'));
    assertS3Error(e, 'KeyTooLongError', 400);
  });
});

describe('virtual-host addressing (bucket.localhost)', () => {
  it('PutObject / GetObject / ListObjectsV2 with Host: js-main.localhost', async () => {
    const lookup = (hostname, opts, cb) => {
      if (typeof opts === 'function') cb = opts;
      if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
        if (opts?.all) return cb(null, [{ address: '127.0.0.1', family: 4 }]);
        return cb(null, '127.0.0.1', 4);
      }
      return dns.lookup(hostname, opts, cb);
    };
    const c = new S3Client({
      endpoint: `http://localhost:${srv.port}`, region: REGION, forcePathStyle: false, maxAttempts: 1,
      credentials: { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY },
      requestHandler: { httpAgent: new http.Agent({ lookup }) },
    });
    let sawHost;
    c.middlewareStack.add((next) => async (args) => {
      sawHost = args.request.headers.host ?? args.request.hostname;
      return next(args);
    }, { step: 'deserialize', name: 'captureHost' });
    await c.send(new PutObjectCommand({ Bucket: B, Key: 'vhost/obj.txt', Body: 'vhost body' }));
    assert.match(String(sawHost), /^js-main\.localhost/);
    const g = await c.send(new GetObjectCommand({ Bucket: B, Key: 'vhost/obj.txt' }));
    assert.equal((await bodyBytes(g)).toString(), 'vhost body');
    const l = await c.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'vhost/' }));
    assert.deepEqual(l.Contents.map((x) => x.Key), ['vhost/obj.txt']);
    c.destroy();
  });
});
