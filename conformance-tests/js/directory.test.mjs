// conformance.directory_js: @aws-sdk/client-s3 v3 against a fresh xs3d, directory buckets
// (S3 Express One Zone). Everything goes through the SDK's own session handling: an IP endpoint
// gives path style with the JS "/bucket//key" form, CreateSession before CreateBucket, session
// keys + x-amz-s3session-token on data calls, static key (scope s3express) on CopyObject.
// ListObjectsV2 order is compared as sets here: AWS lists directories depth-first, not
// lexicographically (the order tests live in directory_express_ops.test.mjs).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import dns from 'node:dns';
import http from 'node:http';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand, HeadBucketCommand, ListBucketsCommand, ListDirectoryBucketsCommand,
  PutObjectCommand, GetObjectCommand, HeadObjectCommand, CopyObjectCommand, DeleteObjectCommand,
  DeleteObjectsCommand, ListObjectsV2Command, ListObjectsCommand, DeleteBucketCommand,
  CreateSessionCommand, S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startServer, bodyBytes, errorOf, REGION, ROOT_ACCESS_KEY, ROOT_SECRET_KEY, assertS3Error } from './harness.mjs';
import { crc32, md5hex } from './checksums.mjs';

const ZONE = 'use1-az4';
const DIR = `jsdir--${ZONE}--x-s3`;
const DIR2 = 'jsdir-two--use1-az5--x-s3';
const DIR3 = 'jsdir-three--use1-az6--x-s3';
const GP = 'js-dir-gp';

let srv;
let s3;

function dirConfig(zone) {
  return {
    Location: { Type: 'AvailabilityZone', Name: zone },
    Bucket: { DataRedundancy: 'SingleAvailabilityZone', Type: 'Directory' },
  };
}

// Sends cmd and records the request exactly as it goes on the wire (after signing).
async function sendCaptured(client, cmd) {
  const seen = {};
  cmd.middlewareStack.add((next) => async (args) => {
    seen.method = args.request.method;
    seen.path = args.request.path;
    seen.query = { ...args.request.query };
    seen.headers = { ...args.request.headers };
    return next(args);
  }, { step: 'deserialize', name: 'xs3Capture', priority: 'low' });
  const out = await client.send(cmd);
  return { out, seen };
}

async function put(Bucket, Key, Body, extra = {}) {
  return s3.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }));
}

async function getBytes(Bucket, Key, extra = {}) {
  return bodyBytes(await s3.send(new GetObjectCommand({ Bucket, Key, ...extra })));
}

async function listAll(Bucket, params) {
  const contents = [];
  const prefixes = [];
  let token;
  let pages = 0;
  for (;;) {
    const out = await s3.send(new ListObjectsV2Command({ Bucket, ContinuationToken: token, ...params }));
    pages++;
    for (const c of out.Contents ?? []) contents.push(c);
    for (const p of out.CommonPrefixes ?? []) prefixes.push(p.Prefix);
    assert.equal(out.KeyCount, (out.Contents?.length ?? 0) + (out.CommonPrefixes?.length ?? 0), 'KeyCount');
    if (!out.IsTruncated) {
      assert.equal(out.NextContinuationToken, undefined, 'no token on the last page');
      break;
    }
    assert.ok(out.NextContinuationToken, 'truncated page has a NextContinuationToken');
    token = out.NextContinuationToken;
    assert.ok(pages < 1000, 'pagination does not end');
  }
  return { contents, prefixes, pages };
}

function sorted(a) {
  return [...a].sort();
}

before(async () => {
  srv = await startServer();
  s3 = srv.client();
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
});

describe('directory buckets through the SDK session handling', () => {
  it('CreateBucket (CreateSession on the not-yet-existing bucket first), signed for s3express', async () => {
    const { out, seen } = await sendCaptured(s3, new CreateBucketCommand({
      Bucket: DIR, CreateBucketConfiguration: dirConfig(ZONE),
    }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(seen.method, 'PUT');
    assert.ok(seen.path.startsWith(`/${DIR}`), `path style on an IP endpoint: ${seen.path}`);
    assert.ok(seen.headers['x-amz-s3session-token'], 'CreateBucket went out under a session token');
    assert.match(seen.headers.authorization, /\/us-east-1\/s3express\/aws4_request/);
    for (const [b, z] of [[DIR2, 'use1-az5'], [DIR3, 'use1-az6']]) {
      const o = await s3.send(new CreateBucketCommand({ Bucket: b, CreateBucketConfiguration: dirConfig(z) }));
      assert.equal(o.$metadata.httpStatusCode, 200);
    }
    await s3.send(new CreateBucketCommand({ Bucket: GP }));
  });

  it('CreateBucket again on an existing directory bucket -> 409', async () => {
    const e = await errorOf(() => s3.send(new CreateBucketCommand({ Bucket: DIR, CreateBucketConfiguration: dirConfig(ZONE) })));
    assert.equal(e.$metadata.httpStatusCode, 409, `${e.name}: ${e.message}`);
    assert.ok(['BucketAlreadyOwnedByYou', 'BucketAlreadyExists'].includes(e.name), e.name);
  });

  it('ListDirectoryBuckets pages with MaxDirectoryBuckets, no GP buckets', async () => {
    const names = [];
    let token;
    let pages = 0;
    for (;;) {
      const { out, seen } = await sendCaptured(s3, new ListDirectoryBucketsCommand({ MaxDirectoryBuckets: 1, ContinuationToken: token }));
      pages++;
      assert.equal(seen.headers['x-amz-s3session-token'], undefined, 'ListDirectoryBuckets uses the static key');
      assert.match(seen.headers.authorization, /\/s3express\/aws4_request/);
      assert.ok((out.Buckets ?? []).length <= 1, `page of ${out.Buckets?.length}`);
      for (const b of out.Buckets ?? []) {
        names.push(b.Name);
        assert.ok(b.CreationDate instanceof Date && !Number.isNaN(b.CreationDate.getTime()), 'CreationDate');
      }
      if (!out.ContinuationToken) break;
      token = out.ContinuationToken;
      assert.ok(pages < 10, 'pagination does not end');
    }
    assert.deepEqual(sorted(names), sorted([DIR, DIR2, DIR3]));
    assert.ok(pages >= 3, `MaxDirectoryBuckets=1 gave ${pages} page(s)`);
    const all = await s3.send(new ListDirectoryBucketsCommand({}));
    assert.deepEqual(sorted(all.Buckets.map((b) => b.Name)), sorted([DIR, DIR2, DIR3]));
    assert.equal(all.ContinuationToken, undefined);
  });

  it('ListBuckets lists the GP bucket only', async () => {
    const out = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(out.Buckets.map((b) => b.Name), [GP]);
  });

  it('HeadBucket reports the location type, zone and ARN', async () => {
    const out = await s3.send(new HeadBucketCommand({ Bucket: DIR }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(out.BucketLocationType, 'AvailabilityZone');
    assert.equal(out.BucketLocationName, ZONE);
    assert.match(out.BucketArn ?? '', new RegExp(`^arn:aws:s3express:${REGION}:[0-9A-Za-z]*:bucket/${DIR}$`));
    const o2 = await s3.send(new HeadBucketCommand({ Bucket: DIR2 }));
    assert.equal(o2.BucketLocationName, 'use1-az5');
  });

  // (HeadBucket/GetObject/PutObject on a missing directory bucket: directory_express_ops.test.mjs)

  it('PutObject (string) under a session; GetObject returns it with CRC32', async () => {
    const body = 'hello, directory bucket\n';
    const { out, seen } = await sendCaptured(s3, new PutObjectCommand({ Bucket: DIR, Key: 'dir/a.txt', Body: body }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok(seen.headers['x-amz-s3session-token'], 'PutObject carries the session token');
    assert.equal(seen.headers['x-amz-checksum-crc32'], crc32(Buffer.from(body)));
    assert.ok(out.ETag && out.ETag !== `"${md5hex(Buffer.from(body))}"`, `ETag is not the MD5: ${out.ETag}`);
    assert.equal(out.ChecksumCRC32, crc32(Buffer.from(body)));
    const got = await s3.send(new GetObjectCommand({ Bucket: DIR, Key: 'dir/a.txt', ChecksumMode: 'ENABLED' }));
    assert.equal((await bodyBytes(got)).toString(), body);
    assert.equal(got.ChecksumCRC32, crc32(Buffer.from(body)));
    assert.equal(got.ETag, out.ETag);
    assert.equal(got.StorageClass, 'EXPRESS_ONEZONE');
  });

  it('PutObject 3 MiB Buffer (Expect: 100-continue answered, no 6 s stall)', async () => {
    const buf = crypto.randomBytes(3 * 1024 * 1024 + 17);
    const t0 = Date.now();
    const { out, seen } = await sendCaptured(s3, new PutObjectCommand({ Bucket: DIR, Key: 'dir/big.bin', Body: buf }));
    const ms = Date.now() - t0;
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(String(seen.headers.Expect ?? seen.headers.expect).toLowerCase(), '100-continue');
    assert.ok(ms < 4000, `3 MiB PUT took ${ms} ms (a missing 100 Continue costs the SDK 6 s)`);
    const got = await s3.send(new GetObjectCommand({ Bucket: DIR, Key: 'dir/big.bin', ChecksumMode: 'ENABLED' }));
    const back = await bodyBytes(got);
    assert.equal(back.length, buf.length);
    assert.ok(back.equals(buf), '3 MiB body read back byte for byte');
    assert.equal(got.ChecksumCRC32, crc32(buf));
    // ranges
    const r = await s3.send(new GetObjectCommand({ Bucket: DIR, Key: 'dir/big.bin', Range: 'bytes=1048570-1048585' }));
    assert.equal(r.$metadata.httpStatusCode, 206);
    assert.equal(r.ContentRange, `bytes 1048570-1048585/${buf.length}`);
    assert.ok((await bodyBytes(r)).equals(buf.subarray(1048570, 1048586)));
    const tail = await getBytes(DIR, 'dir/big.bin', { Range: 'bytes=-10' });
    assert.ok(tail.equals(buf.subarray(buf.length - 10)));
  });

  it('PutObject from a stream goes aws-chunked with a CRC32 trailer', async () => {
    const parts = [crypto.randomBytes(70000), crypto.randomBytes(1), crypto.randomBytes(50000)];
    const all = Buffer.concat(parts);
    const { out, seen } = await sendCaptured(s3, new PutObjectCommand({
      Bucket: DIR, Key: 'dir/stream.bin', Body: Readable.from(parts), ContentLength: all.length,
    }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(seen.headers['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER');
    assert.match(seen.headers['content-encoding'] ?? '', /aws-chunked/);
    assert.equal(seen.headers['x-amz-trailer'], 'x-amz-checksum-crc32');
    assert.ok(seen.headers['x-amz-s3session-token']);
    const got = await s3.send(new GetObjectCommand({ Bucket: DIR, Key: 'dir/stream.bin', ChecksumMode: 'ENABLED' }));
    assert.ok((await bodyBytes(got)).equals(all));
    assert.equal(got.ChecksumCRC32, crc32(all));
    assert.equal(got.ContentLength, all.length);
    assert.ok(!/aws-chunked/.test(got.ContentEncoding ?? ''), `stored Content-Encoding: ${got.ContentEncoding}`);
  });

  it('HeadObject: EXPRESS_ONEZONE, opaque (non-MD5) ETag, size', async () => {
    const body = Buffer.from('head me');
    await put(DIR, 'dir/head.txt', body, { ContentType: 'text/x-xs3', Metadata: { color: 'blue' } });
    const h = await s3.send(new HeadObjectCommand({ Bucket: DIR, Key: 'dir/head.txt' }));
    assert.equal(h.StorageClass, 'EXPRESS_ONEZONE');
    assert.equal(h.ContentLength, body.length);
    assert.equal(h.ContentType, 'text/x-xs3');
    assert.deepEqual(h.Metadata, { color: 'blue' });
    assert.ok(h.ETag, 'ETag present');
    assert.notEqual(h.ETag.replace(/"/g, ''), md5hex(body), 'a directory-bucket ETag is not the MD5');
    assert.ok(h.LastModified instanceof Date);
    const e = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: DIR, Key: 'dir/nope.txt' })));
    assert.equal(e.$metadata.httpStatusCode, 404);
    const g = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: DIR, Key: 'dir/nope.txt' })));
    assertS3Error(g, 'NoSuchKey', 404);
  });

  it('conditional PutObject If-None-Match "*" -> 412 on an existing key, 200 on a new one', async () => {
    const e = await errorOf(() => put(DIR, 'dir/a.txt', 'clobber', { IfNoneMatch: '*' }));
    assertS3Error(e, 'PreconditionFailed', 412);
    assert.equal((await getBytes(DIR, 'dir/a.txt')).toString(), 'hello, directory bucket\n', 'not overwritten');
    const ok = await put(DIR, 'dir/fresh.txt', 'fresh', { IfNoneMatch: '*' });
    assert.equal(ok.$metadata.httpStatusCode, 200);
  });

  it('CopyObject within the bucket (static key, no session token)', async () => {
    const { out, seen } = await sendCaptured(s3, new CopyObjectCommand({
      Bucket: DIR, Key: 'copy/a-copy.txt', CopySource: `${DIR}/dir/a.txt`,
    }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.equal(seen.headers['x-amz-s3session-token'], undefined, 'CopyObject never uses the session');
    assert.match(seen.headers.authorization, /\/s3express\/aws4_request/);
    assert.ok(out.CopyObjectResult?.ETag, 'CopyObjectResult/ETag');
    assert.equal((await getBytes(DIR, 'copy/a-copy.txt')).toString(), 'hello, directory bucket\n');
    const h = await s3.send(new HeadObjectCommand({ Bucket: DIR, Key: 'copy/a-copy.txt' }));
    assert.equal(h.StorageClass, 'EXPRESS_ONEZONE');
    assert.equal(h.ETag, out.CopyObjectResult.ETag);
  });

  it('CopyObject GP -> directory and directory -> GP', async () => {
    const gpBody = crypto.randomBytes(200000);
    await put(GP, 'src/gp.bin', gpBody);
    const c1 = await s3.send(new CopyObjectCommand({ Bucket: DIR, Key: 'copy/from-gp.bin', CopySource: `${GP}/src/gp.bin` }));
    assert.equal(c1.$metadata.httpStatusCode, 200);
    assert.ok((await getBytes(DIR, 'copy/from-gp.bin')).equals(gpBody));
    const h1 = await s3.send(new HeadObjectCommand({ Bucket: DIR, Key: 'copy/from-gp.bin' }));
    assert.equal(h1.StorageClass, 'EXPRESS_ONEZONE');
    assert.equal(h1.ContentLength, gpBody.length);
    // (the ETag of a GP -> directory copy is checked in directory_express_ops.test.mjs: xs3 keeps the MD5)

    const big = await getBytes(DIR, 'dir/big.bin');
    const c2 = await s3.send(new CopyObjectCommand({ Bucket: GP, Key: 'dst/from-dir.bin', CopySource: `${DIR}/dir/big.bin` }));
    assert.equal(c2.$metadata.httpStatusCode, 200);
    assert.ok((await getBytes(GP, 'dst/from-dir.bin')).equals(big));
    const h2 = await s3.send(new HeadObjectCommand({ Bucket: GP, Key: 'dst/from-dir.bin' }));
    assert.notEqual(h2.StorageClass, 'EXPRESS_ONEZONE', 'a GP copy is not EXPRESS_ONEZONE');
    assert.equal(h2.ContentLength, big.length);
    // (the ETags of cross-type copies are checked in directory_express_ops.test.mjs)
  });

  it('CopyObject from a missing source -> 404 NoSuchKey', async () => {
    const e = await errorOf(() => s3.send(new CopyObjectCommand({ Bucket: DIR, Key: 'copy/x', CopySource: `${DIR}/dir/nope` })));
    assertS3Error(e, 'NoSuchKey', 404);
  });

  it('DeleteObject and DeleteObjects (CRC32, no Content-MD5)', async () => {
    for (const k of ['del/1', 'del/2', 'del/sub/3', 'del/odd & <x>.txt']) await put(DIR, k, k);
    const d1 = await s3.send(new DeleteObjectCommand({ Bucket: DIR, Key: 'del/1' }));
    assert.equal(d1.$metadata.httpStatusCode, 204);
    const { out, seen } = await sendCaptured(s3, new DeleteObjectsCommand({
      Bucket: DIR,
      Delete: { Objects: [{ Key: 'del/2' }, { Key: 'del/sub/3' }, { Key: 'del/odd & <x>.txt' }, { Key: 'del/never-existed' }] },
    }));
    assert.ok(seen.headers['x-amz-checksum-crc32'], 'DeleteObjects carries a CRC32');
    assert.equal(seen.headers['content-md5'], undefined);
    assert.deepEqual(sorted(out.Deleted.map((d) => d.Key)), sorted(['del/2', 'del/sub/3', 'del/odd & <x>.txt', 'del/never-existed']));
    assert.equal(out.Errors, undefined);
    const l = await s3.send(new ListObjectsV2Command({ Bucket: DIR, Prefix: 'del/' }));
    assert.equal(l.KeyCount, 0, JSON.stringify(l.Contents));
    const g = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: DIR, Key: 'del/sub/3' })));
    assertS3Error(g, 'NoSuchKey', 404);
  });

  it('ListObjectsV2 with the "/" delimiter: one directory level', async () => {
    const keys = ['list/a.txt', 'list/z.txt', 'list/b/1', 'list/b/2', 'list/c/d/e', 'list/c/f', 'listx/other'];
    await Promise.all(keys.map((k) => put(DIR, k, k)));
    const out = await s3.send(new ListObjectsV2Command({ Bucket: DIR, Prefix: 'list/', Delimiter: '/' }));
    assert.equal(out.Prefix, 'list/');
    assert.equal(out.Delimiter, '/');
    assert.equal(out.IsTruncated, false);
    assert.deepEqual(sorted(out.Contents.map((c) => c.Key)), ['list/a.txt', 'list/z.txt']);
    assert.deepEqual(sorted(out.CommonPrefixes.map((p) => p.Prefix)), ['list/b/', 'list/c/']);
    assert.equal(out.KeyCount, 4);
    for (const c of out.Contents) {
      assert.equal(c.StorageClass, 'EXPRESS_ONEZONE');
      assert.equal(c.Size, c.Key.length);
      assert.ok(c.ETag && c.ETag !== `"${md5hex(Buffer.from(c.Key))}"`, `opaque ETag in the listing: ${c.ETag}`);
    }
    const deep = await s3.send(new ListObjectsV2Command({ Bucket: DIR, Prefix: 'list/c/', Delimiter: '/' }));
    assert.deepEqual((deep.Contents ?? []).map((c) => c.Key), ['list/c/f']);
    assert.deepEqual((deep.CommonPrefixes ?? []).map((p) => p.Prefix), ['list/c/d/']);
    const root = await s3.send(new ListObjectsV2Command({ Bucket: DIR, Delimiter: '/' }));
    assert.equal(root.Contents, undefined, 'no objects at the root');
    assert.deepEqual(sorted(root.CommonPrefixes.map((p) => p.Prefix)), ['copy/', 'dir/', 'list/', 'listx/']);
  });

  it('ListObjectsV2 pagination with ContinuationToken: every key exactly once', async () => {
    const keys = [];
    for (let i = 0; i < 23; i++) keys.push(`page/${String(i).padStart(2, '0')}`);
    for (let i = 0; i < 7; i++) keys.push(`page/sub${i % 3}/k${i}`);
    await Promise.all(keys.map((k) => put(DIR, k, 'x')));
    const flat = await listAll(DIR, { Prefix: 'page/', MaxKeys: 4 });
    assert.equal(flat.prefixes.length, 0);
    assert.equal(flat.contents.length, keys.length, 'no key twice, none missing');
    assert.deepEqual(sorted(flat.contents.map((c) => c.Key)), sorted(keys));
    assert.equal(flat.pages, Math.ceil(keys.length / 4));
    const dl = await listAll(DIR, { Prefix: 'page/', Delimiter: '/', MaxKeys: 5 });
    assert.deepEqual(sorted(dl.contents.map((c) => c.Key)), sorted(keys.filter((k) => !k.slice(5).includes('/'))));
    assert.deepEqual(sorted(dl.prefixes), ['page/sub0/', 'page/sub1/', 'page/sub2/']);
    assert.equal(dl.pages, Math.ceil((23 + 3) / 5));
  });

  it('ListObjectsV2 errors: delimiter other than "/", prefix without "/", StartAfter', async () => {
    const e1 = await errorOf(() => s3.send(new ListObjectsV2Command({ Bucket: DIR, Delimiter: '-' })));
    assertS3Error(e1, 'InvalidArgument', 400);
    const e2 = await errorOf(() => s3.send(new ListObjectsV2Command({ Bucket: DIR, Prefix: 'list', Delimiter: '/' })));
    assertS3Error(e2, 'InvalidArgument', 400);
    const e3 = await errorOf(() => s3.send(new ListObjectsV2Command({ Bucket: DIR, StartAfter: 'list/a.txt' })));
    assertS3Error(e3, 'InvalidArgument', 400);
    // a prefix without "/" and no delimiter is fine
    const ok = await s3.send(new ListObjectsV2Command({ Bucket: DIR, Prefix: 'list/a' }));
    assert.deepEqual((ok.Contents ?? []).map((c) => c.Key), ['list/a.txt']);
  });

  it('ListObjects (v1) -> 501 NotImplemented', async () => {
    const e = await errorOf(() => s3.send(new ListObjectsCommand({ Bucket: DIR })));
    assertS3Error(e, 'NotImplemented', 501);
  });

  it('explicit CreateSessionCommand ReadOnly returns credentials with a 5-minute expiry', async () => {
    const { out, seen } = await sendCaptured(s3, new CreateSessionCommand({ Bucket: DIR, SessionMode: 'ReadOnly' }));
    assert.equal(seen.headers['x-amz-create-session-mode'], 'ReadOnly');
    assert.equal(seen.headers['x-amz-s3session-token'], undefined);
    assert.match(seen.headers.authorization, /\/s3express\/aws4_request/);
    const c = out.Credentials;
    assert.ok(c?.AccessKeyId && c.SecretAccessKey && c.SessionToken, 'all three credential parts');
    assert.notEqual(c.AccessKeyId, ROOT_ACCESS_KEY, 'a session key, not the static one');
    const left = c.Expiration.getTime() - Date.now();
    assert.ok(left > 240000 && left <= 301000, `expires in ${left} ms`);
  });

  it('presigned GET (session key, X-Amz-S3session-Token in the query)', async () => {
    const body = 'presigned directory object';
    await put(DIR, 'dir/presigned.txt', body);
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: DIR, Key: 'dir/presigned.txt' }), { expiresIn: 120 });
    const u = new URL(url);
    assert.ok(u.searchParams.get('X-Amz-S3session-Token'), url);
    assert.match(u.searchParams.get('X-Amz-Credential'), /\/s3express\/aws4_request$/);
    const r = await fetch(url);
    assert.equal(r.status, 200, await r.clone().text());
    assert.equal(await r.text(), body);
    // a tampered signature is refused
    u.searchParams.set('X-Amz-Signature', '0'.repeat(64));
    const bad = await fetch(u.toString());
    const text = await bad.text();
    assert.equal(bad.status, 403, text);
    assert.match(text, /<Code>SignatureDoesNotMatch<\/Code>/);
    assert.match(text, /<RequestId>[^<]+<\/RequestId>/);
  });

  it('mixed GP + directory workload: 200 objects in parallel, every byte read back', async () => {
    const items = [];
    for (let i = 0; i < 200; i++) {
      const bucket = i % 2 ? DIR : GP;
      const size = (i * 7919) % 70000;
      items.push({ bucket, key: `mixed/d${i % 5}/o${i}`, body: crypto.randomBytes(size) });
    }
    await Promise.all(items.map((it) => put(it.bucket, it.key, it.body)));
    const back = await Promise.all(items.map((it) => s3.send(new GetObjectCommand({ Bucket: it.bucket, Key: it.key, ChecksumMode: 'ENABLED' }))
      .then(async (o) => ({ o, bytes: await bodyBytes(o) }))));
    for (let i = 0; i < items.length; i++) {
      assert.ok(back[i].bytes.equals(items[i].body), `${items[i].bucket}/${items[i].key}`);
      if (items[i].bucket === DIR) {
        assert.equal(back[i].o.StorageClass, 'EXPRESS_ONEZONE');
      } else {
        assert.equal(back[i].o.ETag, `"${md5hex(items[i].body)}"`);
      }
    }
    const d = await listAll(DIR, { Prefix: 'mixed/', MaxKeys: 30 });
    assert.deepEqual(sorted(d.contents.map((c) => c.Key)), sorted(items.filter((x) => x.bucket === DIR).map((x) => x.key)));
    const g = await listAll(GP, { Prefix: 'mixed/', MaxKeys: 30 });
    assert.deepEqual(sorted(g.contents.map((c) => c.Key)), sorted(items.filter((x) => x.bucket === GP).map((x) => x.key)));
  });

  it('hostname endpoint (http://localhost:PORT): the SDK virtual-hosts directory buckets even with forcePathStyle', async () => {
    const lookup = (hostname, opts, cb) => {
      if (typeof opts === 'function') cb = opts;
      if (hostname === 'localhost' || hostname.endsWith('.localhost')) {
        if (opts?.all) return cb(null, [{ address: '127.0.0.1', family: 4 }]);
        return cb(null, '127.0.0.1', 4);
      }
      return dns.lookup(hostname, opts, cb);
    };
    const c = new S3Client({
      endpoint: `http://localhost:${srv.port}`, region: REGION, forcePathStyle: true, maxAttempts: 1,
      credentials: { accessKeyId: ROOT_ACCESS_KEY, secretAccessKey: ROOT_SECRET_KEY },
      requestHandler: { httpAgent: new http.Agent({ lookup }) },
    });
    const hosts = new Set();
    c.middlewareStack.add((next) => async (args) => {
      hosts.add(String(args.request.headers.host ?? args.request.hostname));
      return next(args);
    }, { step: 'deserialize', name: 'captureHost', priority: 'low' });
    const VB = 'jsvhost--use1-az5--x-s3';
    try {
      await c.send(new CreateBucketCommand({ Bucket: VB, CreateBucketConfiguration: dirConfig('use1-az5') }));
      const hb = await c.send(new HeadBucketCommand({ Bucket: VB }));
      assert.equal(hb.BucketLocationName, 'use1-az5');
      const big = crypto.randomBytes(2 * 1024 * 1024 + 5);
      await c.send(new PutObjectCommand({ Bucket: VB, Key: 'v/big.bin', Body: big }));
      await c.send(new PutObjectCommand({ Bucket: VB, Key: 'v/s.txt', Body: 'small' }));
      assert.ok((await bodyBytes(await c.send(new GetObjectCommand({ Bucket: VB, Key: 'v/big.bin' })))).equals(big));
      await c.send(new CopyObjectCommand({ Bucket: VB, Key: 'v/copy.txt', CopySource: `${VB}/v/s.txt` }));
      const l = await c.send(new ListObjectsV2Command({ Bucket: VB, Prefix: 'v/', Delimiter: '/' }));
      assert.deepEqual(sorted(l.Contents.map((x) => x.Key)), ['v/big.bin', 'v/copy.txt', 'v/s.txt']);
      const names = (await c.send(new ListDirectoryBucketsCommand({}))).Buckets.map((b) => b.Name);
      assert.ok(names.includes(VB), names.join(','));
      await c.send(new DeleteObjectsCommand({ Bucket: VB, Delete: { Objects: l.Contents.map((x) => ({ Key: x.Key })) } }));
      await c.send(new DeleteBucketCommand({ Bucket: VB }));
    } finally {
      c.destroy();
    }
    assert.ok(hosts.has(`${VB}.localhost:${srv.port}`), [...hosts].join(','));
    assert.ok(hosts.has(`localhost:${srv.port}`), 'ListDirectoryBuckets goes to the endpoint host');
    assert.deepEqual([...hosts].filter((x) => x.includes('x-s3') && !x.startsWith(`${VB}.localhost`)), []);
  });

  it('DeleteBucket: non-empty -> 409 BucketNotEmpty; emptied -> 204 and gone', async () => {
    const e = await errorOf(() => s3.send(new DeleteBucketCommand({ Bucket: DIR })));
    assertS3Error(e, 'BucketNotEmpty', 409);
    const { contents } = await listAll(DIR, { MaxKeys: 1000 });
    assert.ok(contents.length > 100, `${contents.length} objects`);
    for (let i = 0; i < contents.length; i += 1000) {
      const out = await s3.send(new DeleteObjectsCommand({
        Bucket: DIR, Delete: { Objects: contents.slice(i, i + 1000).map((c) => ({ Key: c.Key })), Quiet: true },
      }));
      assert.equal(out.Errors, undefined);
    }
    const empty = await s3.send(new ListObjectsV2Command({ Bucket: DIR }));
    assert.equal(empty.KeyCount, 0);
    const d = await s3.send(new DeleteBucketCommand({ Bucket: DIR }));
    assert.equal(d.$metadata.httpStatusCode, 204);
    for (const b of [DIR2, DIR3]) await s3.send(new DeleteBucketCommand({ Bucket: b }));
    const l = await s3.send(new ListDirectoryBucketsCommand({}));
    assert.deepEqual(l.Buckets ?? [], []);
    const gp = await s3.send(new ListBucketsCommand({}));
    assert.deepEqual(gp.Buckets.map((b) => b.Name), [GP], 'the GP bucket is untouched');
  });
});
