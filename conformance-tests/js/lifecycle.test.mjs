// conformance.lifecycle_js: Put/Get/DeleteBucketLifecycleConfiguration through @aws-sdk/client-s3
// and the sweeper enforcing the rules on a fast clock (a lifecycle day of 1 s, a sweep every
// 200 ms): expiration by date, by days with prefix and tag filters, abort of incomplete uploads,
// and noncurrent versions in a versioned bucket; invalid configurations refused, changing nothing.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, ListObjectVersionsCommand,
  PutBucketLifecycleConfigurationCommand, GetBucketLifecycleConfigurationCommand, DeleteBucketLifecycleCommand,
  PutBucketVersioningCommand, CreateMultipartUploadCommand, ListMultipartUploadsCommand, DeleteObjectCommand,
} from '@aws-sdk/client-s3';
import { startServer, errorOf, assertS3Error, bodyBytes } from './harness.mjs';

const DAY_MS = 1000;
let srv;
let s3;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const rule = (ID, Filter, actions, Status = 'Enabled') => ({ ID, Filter, Status, ...actions });
const keys = async (Bucket) =>
  ((await s3.send(new ListObjectsV2Command({ Bucket }))).Contents ?? []).map((o) => o.Key).sort();
async function until(check, ms) {
  const deadline = Date.now() + ms;
  while (!(await check()) && Date.now() < deadline) await sleep(100);
}

before(async () => {
  srv = await startServer({ args: ['--lifecycle-day-ms', String(DAY_MS), '--lifecycle-sweep-interval-ms', '200'] });
  s3 = srv.client();
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
});

describe('lifecycle configuration', () => {
  it('round trip, NoSuchLifecycleConfiguration, and refusals that change nothing', async () => {
    const B = 'js-lc-config';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    assertS3Error(await errorOf(() => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: B }))),
                  'NoSuchLifecycleConfiguration', 404);
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: B, LifecycleConfiguration: { Rules: [
      rule('logs', { Prefix: 'logs/' }, { Expiration: { Days: 30 } }),
      rule('tmp', { And: { Prefix: 'tmp/', Tags: [{ Key: 'kind', Value: 'scratch' }] } }, { Expiration: { Days: 1 } }, 'Disabled'),
      rule('uploads', {}, { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } }),
    ] } }));
    const got = (await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: B }))).Rules;
    assert.deepEqual(got.map((r) => r.ID), ['logs', 'tmp', 'uploads']);
    assert.deepEqual(got[0].Expiration, { Days: 30 });
    assert.deepEqual(got[0].Filter, { Prefix: 'logs/' });
    assert.equal(got[1].Status, 'Disabled');
    assert.deepEqual(got[1].Filter.And.Tags, [{ Key: 'kind', Value: 'scratch' }]);
    assert.deepEqual(got[2].AbortIncompleteMultipartUpload, { DaysAfterInitiation: 7 });

    const refused = [
      [[rule('a', { Prefix: '' }, { Expiration: { Days: 0 } })], 'InvalidArgument'],
      [[rule('a', { Prefix: '' }, { Expiration: { Date: new Date('2027-01-01T12:00:00Z') } })], 'InvalidArgument'],
      [[rule('a', { Prefix: '' }, { Expiration: { Days: 1 } }), rule('a', { Prefix: 'x' }, { Expiration: { Days: 2 } })],
       'InvalidArgument'],
      [[rule('a', { Tag: { Key: 'k', Value: 'v' } }, { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 } })],
       'InvalidRequest'],
      [[rule('n', { Prefix: '' }, { NoncurrentVersionExpiration: { NoncurrentDays: 0 } })], 'InvalidArgument'],
    ];
    for (const [Rules, code] of refused) {
      const e = await errorOf(() => s3.send(new PutBucketLifecycleConfigurationCommand({
        Bucket: B, LifecycleConfiguration: { Rules } })));
      assertS3Error(e, code, 400);
    }
    assert.equal((await s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: B }))).Rules.length, 3);
    await s3.send(new DeleteBucketLifecycleCommand({ Bucket: B }));
    assertS3Error(await errorOf(() => s3.send(new GetBucketLifecycleConfigurationCommand({ Bucket: B }))),
                  'NoSuchLifecycleConfiguration', 404);
  });
});

describe('lifecycle enforcement', () => {
  it('expires by date, by days with prefix, size and tag filters, and aborts old uploads', async () => {
    const B = 'js-lc-enforced';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    const put = (Key, Body = 'x', extra = {}) => s3.send(new PutObjectCommand({ Bucket: B, Key, Body, ...extra }));
    await put('logs/old.txt');
    await put('logs/big.bin', 'x'.repeat(2000));
    await put('keep/forever.txt');
    await put('tagged/scratch.txt', 'x', { Tagging: 'kind=scratch' });
    await put('tagged/precious.txt', 'x', { Tagging: 'kind=precious' });
    await put('dated/x.txt');
    await put('disabled/y.txt');
    await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'uploads/abandoned.bin' }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: B, LifecycleConfiguration: { Rules: [
      rule('logs-small', { And: { Prefix: 'logs/', ObjectSizeLessThan: 1000 } }, { Expiration: { Days: 2 } }),
      rule('scratch', { Tag: { Key: 'kind', Value: 'scratch' } }, { Expiration: { Days: 2 } }),
      rule('dated', { Prefix: 'dated/' }, { Expiration: { Date: new Date('2020-01-01T00:00:00Z') } }),
      rule('off', { Prefix: 'disabled/' }, { Expiration: { Days: 1 } }, 'Disabled'),
      rule('abort', { Prefix: 'uploads/' }, { AbortIncompleteMultipartUpload: { DaysAfterInitiation: 2 } }),
    ] } }));
    // A past Date applies at the next sweep; the 2-"day" rules not yet.
    await until(async () => !(await keys(B)).includes('dated/x.txt'), 1200);
    const early = await keys(B);
    assert.ok(!early.includes('dated/x.txt'), early.join());
    assert.ok(early.includes('logs/old.txt'), early.join());
    const want = ['disabled/y.txt', 'keep/forever.txt', 'logs/big.bin', 'tagged/precious.txt'];
    const uploads = async () => (await s3.send(new ListMultipartUploadsCommand({ Bucket: B }))).Uploads ?? [];
    await until(async () => (await keys(B)).join() === want.join() && (await uploads()).length === 0, 2 * DAY_MS + 3000);
    assert.deepEqual(await keys(B), want);
    assert.deepEqual(await uploads(), []);
  });

  it('in a versioned bucket: noncurrent versions beyond NewerNoncurrentVersions and lone delete markers go', async () => {
    const B = 'js-lc-versioned';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await s3.send(new PutBucketVersioningCommand({ Bucket: B, VersioningConfiguration: { Status: 'Enabled' } }));
    for (const body of ['1', '2', '3', '4']) await s3.send(new PutObjectCommand({ Bucket: B, Key: 'hist/k', Body: body }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'gone/k', Body: 'x' }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'gone/k' }));
    await s3.send(new PutBucketLifecycleConfigurationCommand({ Bucket: B, LifecycleConfiguration: { Rules: [
      rule('hist', { Prefix: 'hist/' }, { NoncurrentVersionExpiration: { NoncurrentDays: 1, NewerNoncurrentVersions: 1 } }),
      rule('gone', { Prefix: 'gone/' }, { NoncurrentVersionExpiration: { NoncurrentDays: 1 } }),
      rule('markers', { Prefix: 'gone/' }, { Expiration: { ExpiredObjectDeleteMarker: true } }),
    ] } }));
    const versions = async () => {
      const l = await s3.send(new ListObjectVersionsCommand({ Bucket: B }));
      return [...(l.Versions ?? []).map((v) => `${v.Key} V ${v.IsLatest}`),
              ...(l.DeleteMarkers ?? []).map((d) => `${d.Key} D ${d.IsLatest}`)].sort();
    };
    const want = ['hist/k V false', 'hist/k V true'];
    await until(async () => (await versions()).join() === want.join(), 4 * DAY_MS + 3000);
    assert.deepEqual(await versions(), want);
    const current = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'hist/k' }));
    assert.equal((await bodyBytes(current)).toString(), '4');
    const older = (await s3.send(new ListObjectVersionsCommand({ Bucket: B }))).Versions.find((v) => !v.IsLatest);
    const kept = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'hist/k', VersionId: older.VersionId }));
    assert.equal((await bodyBytes(kept)).toString(), '3');
  });
});
