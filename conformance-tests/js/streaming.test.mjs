// conformance.streaming_js: aws-chunked uploads as the JS SDK sends them
// (STREAMING-UNSIGNED-PAYLOAD-TRAILER inside HTTP chunked, checksum in the trailer).
import { it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import {
  CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
} from '@aws-sdk/client-s3';
import { startServer, bodyBytes } from './harness.mjs';
import { crc32, crc32c, crc64nvme, md5hex } from './checksums.mjs';

let srv;
let s3;
let tmp;
const B = 'js-stream';

before(async () => {
  srv = await startServer();
  s3 = srv.client();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'xs3-stream-'));
  await s3.send(new CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  s3?.destroy();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
  await srv?.stop();
});

// Captures the request headers the SDK actually sent, to pin the wire form under test.
function captureHeaders(client) {
  const box = {};
  client.middlewareStack.add((next) => async (args) => {
    box.headers = { ...args.request.headers };
    return next(args);
  }, { step: 'deserialize', name: `capture-${Math.random()}` });
  return box;
}

async function roundTrip(key, body, params, expectAlgo = 'crc32') {
  const c = srv.client();
  const box = captureHeaders(c);
  const out = await c.send(new PutObjectCommand({ Bucket: B, Key: key, ...params }));
  const h = Object.fromEntries(Object.entries(box.headers).map(([k, v]) => [k.toLowerCase(), v]));
  assert.equal(h['x-amz-content-sha256'], 'STREAMING-UNSIGNED-PAYLOAD-TRAILER', 'the SDK used aws-chunked');
  assert.equal(h['x-amz-trailer'], `x-amz-checksum-${expectAlgo}`);
  assert.equal(h['x-amz-decoded-content-length'], String(body.length));
  assert.equal(out.ETag, `"${md5hex(body)}"`);
  const g = await c.send(new GetObjectCommand({ Bucket: B, Key: key, ChecksumMode: 'ENABLED' }));
  assert.equal(g.ContentLength, body.length);
  const got = await bodyBytes(g);
  assert.equal(got.length, body.length);
  assert.ok(got.equals(body), 'bytes differ');
  c.destroy();
  return { out, g };
}

it('Readable of three pieces with ContentLength: CRC32 trailer verified and stored', async () => {
  const pieces = [Buffer.from('hello '), Buffer.from('aws-chunked '), Buffer.from('world\n')];
  const body = Buffer.concat(pieces);
  const { out, g } = await roundTrip('pieces.txt', body, { Body: Readable.from(pieces), ContentLength: body.length });
  assert.equal(out.ChecksumCRC32, 'rwA4Jw==');
  assert.equal(g.ChecksumCRC32, crc32(body));
});

it('300 KiB fs.ReadStream (65536-byte chunks + remainder)', async () => {
  const body = crypto.randomBytes(300 * 1024);
  const f = path.join(tmp, 'r300k.bin');
  fs.writeFileSync(f, body);
  const { g } = await roundTrip('r300k.bin', body, { Body: fs.createReadStream(f), ContentLength: body.length });
  assert.equal(g.ChecksumCRC32, crc32(body));
});

it('3 MiB fs.ReadStream (Expect: 100-continue) completes without the 6 s stall', async () => {
  const body = crypto.randomBytes(3 * 1024 * 1024);
  const f = path.join(tmp, 'r3m.bin');
  fs.writeFileSync(f, body);
  const t0 = Date.now();
  await roundTrip('r3m.bin', body, { Body: fs.createReadStream(f), ContentLength: body.length });
  const ms = Date.now() - t0;
  assert.ok(ms < 5000, `3 MiB streamed PutObject + GET took ${ms} ms`);
});

it('CRC32C trailer on a stream', async () => {
  const body = crypto.randomBytes(100 * 1024 + 7);
  const { out, g } = await roundTrip('crc32c.bin', body,
    { Body: Readable.from([body.subarray(0, 5000), body.subarray(5000)]), ContentLength: body.length, ChecksumAlgorithm: 'CRC32C' },
    'crc32c');
  assert.equal(out.ChecksumCRC32C, crc32c(body));
  assert.equal(g.ChecksumCRC32C, crc32c(body));
});

it('empty stream with ContentLength 0', async () => {
  const c = srv.client();
  await c.send(new PutObjectCommand({ Bucket: B, Key: 'empty-stream', Body: Readable.from([]), ContentLength: 0 }));
  const h = await c.send(new HeadObjectCommand({ Bucket: B, Key: 'empty-stream' }));
  assert.equal(h.ContentLength, 0);
  assert.equal(h.ETag, '"d41d8cd98f00b204e9800998ecf8427e"');
  c.destroy();
});

it('many tiny pieces (1,000 chunks of 1..64 bytes)', async () => {
  const pieces = [];
  for (let i = 0; i < 1000; i++) pieces.push(crypto.randomBytes(1 + (i % 64)));
  const body = Buffer.concat(pieces);
  const { g } = await roundTrip('tiny-pieces.bin', body, { Body: Readable.from(pieces), ContentLength: body.length });
  assert.equal(g.ChecksumCRC32, crc32(body));
});

it('requestChecksumCalculation WHEN_REQUIRED: a stream goes as UNSIGNED-PAYLOAD with Content-Length', async () => {
  const c = srv.client({ extra: { requestChecksumCalculation: 'WHEN_REQUIRED' } });
  const box = captureHeaders(c);
  const body = crypto.randomBytes(80 * 1024);
  const out = await c.send(new PutObjectCommand({ Bucket: B, Key: 'unsigned-payload.bin', Body: Readable.from([body]), ContentLength: body.length }));
  const h = Object.fromEntries(Object.entries(box.headers).map(([k, v]) => [k.toLowerCase(), v]));
  assert.equal(h['x-amz-content-sha256'], 'UNSIGNED-PAYLOAD');
  assert.equal(out.ETag, `"${md5hex(body)}"`);
  const g = await c.send(new GetObjectCommand({ Bucket: B, Key: 'unsigned-payload.bin' }));
  assert.ok((await bodyBytes(g)).equals(body));
  c.destroy();
});

it('SHA1 and CRC64NVME trailers on streams', async () => {
  for (const [algo, field, fn] of [['SHA1', 'ChecksumSHA1', (b) => crypto.createHash('sha1').update(b).digest('base64')],
    ['CRC64NVME', 'ChecksumCRC64NVME', crc64nvme]]) {
    const body = crypto.randomBytes(70 * 1024 + 3);
    const { out, g } = await roundTrip(`trailer-${algo}.bin`, body,
      { Body: Readable.from([body.subarray(0, 1000), body.subarray(1000)]), ContentLength: body.length, ChecksumAlgorithm: algo },
      algo.toLowerCase());
    assert.equal(out[field], fn(body), `PutObject ${field}`);
    assert.equal(g[field], fn(body), `GetObject ${field}`);
  }
});

it('ContentEncoding gzip on a stream: aws-chunked is stripped, gzip is stored', async () => {
  // The SDK sends "content-encoding: gzip,aws-chunked"; S3 stores only the user's encoding.
  const body = Buffer.from('not really gzip, the server must not care');
  const c = srv.client();
  await c.send(new PutObjectCommand({ Bucket: B, Key: 'gzip-stream', Body: Readable.from([body]), ContentLength: body.length, ContentEncoding: 'gzip' }));
  const h = await c.send(new HeadObjectCommand({ Bucket: B, Key: 'gzip-stream' }));
  assert.equal(h.ContentEncoding, 'gzip');
  assert.equal(h.ContentLength, body.length);
  await c.send(new PutObjectCommand({ Bucket: B, Key: 'plain-stream', Body: Readable.from([body]), ContentLength: body.length }));
  const h2 = await c.send(new HeadObjectCommand({ Bucket: B, Key: 'plain-stream' }));
  assert.equal(h2.ContentEncoding, undefined, 'no Content-Encoding stored for a plain aws-chunked upload');
  c.destroy();
});
