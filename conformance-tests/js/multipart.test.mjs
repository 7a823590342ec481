// conformance.multipart_js: multipart uploads on a general-purpose bucket through
// @aws-sdk/lib-storage: parallel parts from a Buffer and from a stream of unknown length,
// byte-for-byte read back, whole and by ranged GETs in parallel (the checkpoint-restore shape).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { Readable } from 'node:stream';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startServer, bodyBytes } from './harness.mjs';

const B = 'js-multipart';
const MIB = 1024 * 1024;
let srv;
let s3;

before(async () => {
  srv = await startServer();
  s3 = srv.client();
  await s3.send(new CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
});

function sha(b) {
  return crypto.createHash('sha256').update(b).digest('hex');
}

describe('lib-storage Upload', () => {
  it('a 23 MiB Buffer in 5 MiB parts, 4 at a time; parallel ranged GETs restore it', async () => {
    const body = crypto.randomBytes(23 * MIB);
    const up = new Upload({ client: s3, params: { Bucket: B, Key: 'ckpt/buffer.bin', Body: body }, partSize: 5 * MIB, queueSize: 4 });
    const out = await up.done();
    assert.match(out.ETag, /^"[0-9a-f]{32}-5"$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'ckpt/buffer.bin' }));
    assert.equal(head.ContentLength, body.length);
    const chunk = 3 * MIB;
    const ranges = [];
    for (let off = 0; off < body.length; off += chunk) ranges.push([off, Math.min(off + chunk, body.length) - 1]);
    const pieces = await Promise.all(ranges.map(async ([a, b]) =>
      bodyBytes(await s3.send(new GetObjectCommand({ Bucket: B, Key: 'ckpt/buffer.bin', Range: `bytes=${a}-${b}` })))));
    assert.equal(sha(Buffer.concat(pieces)), sha(body));
  });

  it('a stream of unknown length', async () => {
    const parts = [];
    for (let i = 0; i < 13; i++) parts.push(crypto.randomBytes(MIB + 7 * i));
    const whole = Buffer.concat(parts);
    const up = new Upload({ client: s3, params: { Bucket: B, Key: 'ckpt/stream.bin', Body: Readable.from(parts) }, partSize: 5 * MIB, queueSize: 3 });
    await up.done();
    const got = await bodyBytes(await s3.send(new GetObjectCommand({ Bucket: B, Key: 'ckpt/stream.bin' })));
    assert.equal(got.length, whole.length);
    assert.equal(sha(got), sha(whole));
  });
});
