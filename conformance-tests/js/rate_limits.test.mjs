// conformance.rate_limits_js: a directory bucket past its configured write rate answers
// 503 SlowDown, and the JS SDK's standard retry strategy (through its own S3 Express sessions)
// gets every request through.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { CreateBucketCommand, PutObjectCommand, ListObjectsV2Command } from '@aws-sdk/client-s3';
import { startServer } from './harness.mjs';

const B = 'jsthrottle--use1-az4--x-s3';
let srv;

before(async () => {
  srv = await startServer({ config: { directory_writes_per_s: 20 } });
});

after(async () => {
  await srv?.stop();
});

describe('SlowDown', () => {
  it('40 concurrent PutObject calls at a 20/s limit: some throttled, all retried to success', async () => {
    const s3 = srv.client({ extra: { maxAttempts: 10, retryMode: 'standard' } });
    await s3.send(new CreateBucketCommand({ Bucket: B, CreateBucketConfiguration: {
      Location: { Type: 'AvailabilityZone', Name: 'use1-az4' }, Bucket: { DataRedundancy: 'SingleAvailabilityZone', Type: 'Directory' } } }));
    const outs = await Promise.all(Array.from({ length: 40 }, (_, i) =>
      s3.send(new PutObjectCommand({ Bucket: B, Key: `hot/${i}`, Body: `v${i}` }))));
    const attempts = outs.reduce((n, o) => n + o.$metadata.attempts, 0);
    assert.ok(attempts > 40, `no request was retried (attempts ${attempts})`);
    const listed = await s3.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'hot/' }));
    assert.equal(listed.KeyCount, 40);
    s3.destroy();
  });

  it('without retries the SDK surfaces SlowDown as a 503', async () => {
    const s3 = srv.client({ extra: { maxAttempts: 1 } });
    const results = await Promise.allSettled(Array.from({ length: 60 }, (_, i) =>
      s3.send(new PutObjectCommand({ Bucket: B, Key: `burst/${i}`, Body: 'x' }))));
    const refused = results.filter((r) => r.status === 'rejected');
    assert.ok(refused.length > 0);
    for (const r of refused) {
      assert.equal(r.reason.name, 'SlowDown');
      assert.equal(r.reason.$metadata.httpStatusCode, 503);
    }
    s3.destroy();
  });
});
