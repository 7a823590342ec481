// conformance.sse_c_js: SSE-C (customer-provided keys) through @aws-sdk/client-s3 v3: round trip
// and ranges, HEAD, missing and wrong keys, copies between keys, a lib-storage multipart upload,
// a presigned GET, and the data dir searched for plaintext (none for SSE-C objects, inline or
// blob size; a plain object's bytes are found, so the search is not blind).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand, CopyObjectCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startServer, bodyBytes, errorOf, assertS3Error } from './harness.mjs';

let srv;
let s3;
const B = 'js-ssec';
const KEY_A = crypto.randomBytes(32);
const KEY_B = crypto.randomBytes(32);
const md5b64 = (buf) => crypto.createHash('md5').update(buf).digest('base64');
const sse = (key) => ({ SSECustomerAlgorithm: 'AES256', SSECustomerKey: key.toString('base64') });
const copySse = (key) => ({
  CopySourceSSECustomerAlgorithm: 'AES256', CopySourceSSECustomerKey: key.toString('base64'),
});
const NEEDS_KEY = 'The object was stored using a form of Server Side Encryption. The correct parameters must be '
  + 'provided to retrieve the object.';

// A body no other test writes: any 64-byte window of it identifies it.
function pattern(tag, size) {
  const unit = Buffer.from(`<<${tag}: plaintext that must never reach the disk>>-------`);
  return Buffer.concat(Array.from({ length: Math.ceil(size / unit.length) }, () => unit)).subarray(0, size);
}

function filesContaining(needle) {
  const hits = [];
  const walk = (dir) => {
    for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, ent.name);
      if (ent.isDirectory()) walk(p);
      else if (ent.isFile() && fs.readFileSync(p).includes(needle)) hits.push(p);
    }
  };
  walk(srv.dataDir);
  return hits;
}

const get = async (Key, key = KEY_A, extra = {}) => s3.send(new GetObjectCommand({ Bucket: B, Key, ...sse(key), ...extra }));

before(async () => {
  srv = await startServer();
  s3 = srv.client();
  await s3.send(new CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
});

describe('SSE-C', () => {
  it('round trips inline- and blob-size objects, stores no plaintext', async () => {
    for (const [name, size] of [['small', 2000], ['large', 200 * 1024]]) {
      const body = pattern(`js-secret-${name}`, size);
      const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: name, Body: body, ...sse(KEY_A) }));
      assert.equal(put.SSECustomerAlgorithm, 'AES256');
      assert.equal(put.SSECustomerKeyMD5, md5b64(KEY_A));
      assert.equal(put.ServerSideEncryption, undefined);
      assert.notEqual(put.ETag, `"${crypto.createHash('md5').update(body).digest('hex')}"`);
      const got = await get(name);
      assert.equal(got.SSECustomerKeyMD5, md5b64(KEY_A));
      assert.deepEqual(await bodyBytes(got), body);
      assert.deepEqual(filesContaining(body.subarray(0, 64)), [], name);

      const plain = pattern(`js-control-${name}`, size);
      await s3.send(new PutObjectCommand({ Bucket: B, Key: `plain-${name}`, Body: plain }));
      assert.notDeepEqual(filesContaining(plain.subarray(0, 64)), [], `control ${name}`);
    }
  });

  it('serves ranges and HEAD with the key; refuses missing and wrong keys', async () => {
    const body = crypto.randomBytes(100 * 1024 + 3);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'r', Body: body, ...sse(KEY_A) }));
    for (const [a, z] of [[0, 0], [5, 40], [16, 16], [65530, 70000], [body.length - 1, body.length - 1]]) {
      const got = await get('r', KEY_A, { Range: `bytes=${a}-${z}` });
      assert.deepEqual(await bodyBytes(got), body.subarray(a, z + 1), `${a}-${z}`);
    }
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'r', ...sse(KEY_A) }));
    assert.equal(head.ContentLength, body.length);
    assert.equal(head.SSECustomerKeyMD5, md5b64(KEY_A));

    let e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'r' })));
    assertS3Error(e, 'InvalidRequest', 400);
    assert.equal(e.message, NEEDS_KEY);
    e = await errorOf(() => get('r', KEY_B));
    assertS3Error(e, 'AccessDenied', 403);
    e = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'r' })));
    assert.equal(e.$metadata.httpStatusCode, 400);
    e = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'r', ...sse(KEY_B) })));
    assert.equal(e.$metadata.httpStatusCode, 403);
    e = await errorOf(() => get('plain-small'));
    assertS3Error(e, 'InvalidRequest', 400);
    assert.equal(e.message, 'The encryption parameters are not applicable to this object.');
  });

  it('copies between keys, to plain and from plain', async () => {
    const body = pattern('js-copy', 90 * 1024);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'c-src', Body: body, ...sse(KEY_A) }));
    const out = await s3.send(new CopyObjectCommand({
      Bucket: B, Key: 'c-b', CopySource: `${B}/c-src`, ...copySse(KEY_A), ...sse(KEY_B) }));
    assert.equal(out.SSECustomerKeyMD5, md5b64(KEY_B));
    assert.deepEqual(await bodyBytes(await get('c-b', KEY_B)), body);
    assertS3Error(await errorOf(() => get('c-b', KEY_A)), 'AccessDenied', 403);

    await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'c-plain', CopySource: `${B}/c-src`, ...copySse(KEY_A) }));
    assert.deepEqual(await bodyBytes(await s3.send(new GetObjectCommand({ Bucket: B, Key: 'c-plain' }))), body);
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'c-again', CopySource: `${B}/c-plain`, ...sse(KEY_B) }));
    assert.deepEqual(await bodyBytes(await get('c-again', KEY_B)), body);

    const e = await errorOf(() => s3.send(new CopyObjectCommand({ Bucket: B, Key: 'c-none', CopySource: `${B}/c-src` })));
    assertS3Error(e, 'InvalidRequest', 400);
    const missing = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'c-none' })));
    assert.equal(missing.$metadata.httpStatusCode, 404);
  });

  it('lib-storage multipart upload with a key; parts stored encrypted', async () => {
    const body = Buffer.concat([pattern('js-mp-one', 5 * 1024 * 1024), pattern('js-mp-two', 5 * 1024 * 1024),
      pattern('js-mp-three', 1024 * 1024 + 11)]);
    const upload = new Upload({
      client: s3, queueSize: 2, partSize: 5 * 1024 * 1024,
      params: { Bucket: B, Key: 'mp', Body: body, ...sse(KEY_A) },
    });
    await upload.done();
    const got = await get('mp');
    assert.deepEqual(await bodyBytes(got), body);
    const mid = 5 * 1024 * 1024;
    assert.deepEqual(await bodyBytes(await get('mp', KEY_A, { Range: `bytes=${mid - 7}-${mid + 9}` })),
      body.subarray(mid - 7, mid + 10));
    assert.deepEqual(await bodyBytes(await get('mp', KEY_A, { PartNumber: 3 })), body.subarray(2 * mid));
    for (const tag of ['js-mp-one', 'js-mp-two', 'js-mp-three']) {
      assert.deepEqual(filesContaining(pattern(tag, 64)), [], tag);
    }
    assertS3Error(await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'mp' }))), 'InvalidRequest', 400);
  });

  it('presigned GET with the SSE-C headers', async () => {
    const body = pattern('js-presigned', 3000);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'p', Body: body, ...sse(KEY_A) }));
    const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: B, Key: 'p', ...sse(KEY_A) }), { expiresIn: 300 });
    const headers = {
      'x-amz-server-side-encryption-customer-algorithm': 'AES256',
      'x-amz-server-side-encryption-customer-key': KEY_A.toString('base64'),
      'x-amz-server-side-encryption-customer-key-MD5': md5b64(KEY_A),
    };
    const r = await fetch(url, { headers });
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(Buffer.from(await r.arrayBuffer()), body);
    const bare = await fetch(url);
    await bare.arrayBuffer();
    assert.ok(bare.status === 400 || bare.status === 403, `status ${bare.status}`);
  });
});
