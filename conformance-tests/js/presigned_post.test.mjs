// conformance.presigned_post_js: browser-form uploads signed by @aws-sdk/s3-presigned-post
// (createPresignedPost) and sent as multipart/form-data with fetch, as browser code does:
// success_action_status / _redirect, ${filename}, content-length-range, and the refusals
// (policy conditions, extra fields, tampered signature, expiry) storing nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { CreateBucketCommand, GetObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { startServer, errorOf, assertNotFound, bodyBytes } from './harness.mjs';

let srv;
let s3;
const B = 'js-forms';
const md5 = (b) => crypto.createHash('md5').update(b).digest('hex');

async function post({ url, fields }, body, { filename = 'upload.bin', bucketUrl } = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.append(k, v);
  if (body !== null) form.append('file', new Blob([body]), filename);
  const r = await fetch(bucketUrl ?? url, { method: 'POST', body: form, redirect: 'manual' });
  return { status: r.status, headers: r.headers, text: await r.text() };
}

function assertXmlError(r, status, code, messagePart) {
  assert.equal(r.status, status, r.text);
  assert.match(r.text, new RegExp(`<Code>${code}</Code>`), r.text);
  assert.match(r.text, /<RequestId>[^<]+<\/RequestId>/, r.text);
  if (messagePart) assert.ok(r.text.includes(messagePart), r.text);
}

async function assertNothingStored(Key) {
  assertNotFound(await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key }))));
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

describe('PostObject through createPresignedPost', () => {
  it('uploads with fields and conditions; 204 with ETag and Location by default', async () => {
    const p = await createPresignedPost(s3, {
      Bucket: B, Key: 'up/a.txt',
      Fields: { 'Content-Type': 'text/plain', 'x-amz-meta-origin': 'browser' },
      Conditions: [{ 'Content-Type': 'text/plain' }, { 'x-amz-meta-origin': 'browser' }],
    });
    const r = await post(p, 'hello from a form');
    assert.equal(r.status, 204, r.text);
    assert.equal(r.headers.get('etag'), `"${md5('hello from a form')}"`);
    assert.ok(r.headers.get('location').endsWith(`/${B}/up/a.txt`));
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'up/a.txt' }));
    assert.equal(got.ContentType, 'text/plain');
    assert.deepEqual(got.Metadata, { origin: 'browser' });
    assert.equal((await bodyBytes(got)).toString(), 'hello from a form');
  });

  it('${filename} and success_action_status 201 answer a PostResponse document', async () => {
    const p = await createPresignedPost(s3, {
      Bucket: B, Key: 'uploads/${filename}', Fields: { success_action_status: '201' },
      Conditions: [['starts-with', '$key', 'uploads/'], { success_action_status: '201' }],
    });
    const r = await post(p, 'png bytes', { filename: 'cat.png' });
    assert.equal(r.status, 201, r.text);
    assert.match(r.text, /<PostResponse>/);
    assert.match(r.text, new RegExp(`<Bucket>${B}</Bucket>`));
    assert.match(r.text, /<Key>uploads\/cat\.png<\/Key>/);
    assert.ok(r.text.includes(`<ETag>"${md5('png bytes')}"</ETag>`) ||
              r.text.includes(`<ETag>&quot;${md5('png bytes')}&quot;</ETag>`), r.text);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'uploads/cat.png' }));
    assert.equal((await bodyBytes(got)).toString(), 'png bytes');
  });

  it('success_action_redirect answers 303 to the page with bucket, key and etag', async () => {
    const p = await createPresignedPost(s3, {
      Bucket: B, Key: 'redir.txt', Fields: { success_action_redirect: 'http://app.example/done' },
      Conditions: [{ success_action_redirect: 'http://app.example/done' }],
    });
    const r = await post(p, 'x');
    assert.equal(r.status, 303, r.text);
    assert.match(r.headers.get('location'),
                 new RegExp(`^http://app\\.example/done\\?bucket=${B}&key=redir\\.txt&etag=%22[0-9a-f]{32}%22$`));
  });

  it('content-length-range: EntityTooLarge / EntityTooSmall store nothing', async () => {
    const p = await createPresignedPost(s3, { Bucket: B, Key: 'sized.bin', Conditions: [['content-length-range', 10, 20]] });
    assertXmlError(await post(p, 'x'.repeat(21)), 400, 'EntityTooLarge');
    assertXmlError(await post(p, 'x'.repeat(9)), 400, 'EntityTooSmall');
    await assertNothingStored('sized.bin');
    assert.equal((await post(p, 'x'.repeat(15))).status, 204);
  });

  it('refusals: failed condition, extra field, tampered signature, expired policy, no file', async () => {
    const typed = await createPresignedPost(s3, {
      Bucket: B, Key: 'denied.txt', Conditions: [['starts-with', '$Content-Type', 'image/']],
    });
    assertXmlError(await post({ ...typed, fields: { ...typed.fields, 'Content-Type': 'text/html' } }, 'x'),
                   403, 'AccessDenied', 'Invalid according to Policy: Policy Condition failed');
    const p = await createPresignedPost(s3, { Bucket: B, Key: 'denied.txt' });
    assertXmlError(await post({ ...p, fields: { ...p.fields, 'x-amz-meta-sneaky': '1' } }, 'x'),
                   403, 'AccessDenied', 'Extra input fields: x-amz-meta-sneaky');
    assertXmlError(await post({ ...p, fields: { ...p.fields, key: 'other.txt' } }, 'x'),
                   403, 'AccessDenied', 'Policy Condition failed');
    assertXmlError(await post({ ...p, fields: { ...p.fields, 'X-Amz-Signature': '0'.repeat(64) } }, 'x'),
                   403, 'SignatureDoesNotMatch');
    assertXmlError(await post(p, null), 400, 'IncorrectNumberOfFilesInPostRequest');
    const expiring = await createPresignedPost(s3, { Bucket: B, Key: 'denied.txt', Expires: 1 });
    await new Promise((r) => setTimeout(r, 2100));
    assertXmlError(await post(expiring, 'x'), 403, 'AccessDenied', 'Policy expired');
    await assertNothingStored('denied.txt');
    await assertNothingStored('other.txt');
  });

  it('a form for a missing bucket is NoSuchBucket', async () => {
    const p = await createPresignedPost(s3, { Bucket: 'js-no-such-forms', Key: 'k' });
    assertXmlError(await post(p, 'x'), 404, 'NoSuchBucket');
  });
});
