// conformance.user_policies_js: identity (IAM user) policies from the configuration, seen through
// @aws-sdk/client-s3: a user with a policy may do what it Allows on the root user's bucket and
// nothing else (403 AccessDenied with S3's XML body), a Deny beats any Allow, s3:prefix narrows
// ListObjectsV2, DeleteObjects is judged key by key, and ListBuckets needs s3:ListAllMyBuckets.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, DeleteObjectsCommand,
  ListBucketsCommand, HeadObjectCommand,
} from '@aws-sdk/client-s3';
import { startServer, errorOf, assertS3Error, bodyBytes } from './harness.mjs';

const B = 'js-policy-shared';
const statement = (Effect, Action, Resource, extra = {}) => ({ Effect, Action, Resource, ...extra });
const DANA = { name: 'dana', access_key: 'JSDANAKEY', secret_key: 'JSDANASECRET', policy: { Version: '2012-10-17', Statement: [
  statement('Allow', ['s3:GetObject', 's3:PutObject'], `arn:aws:s3:::${B}/*`),
  statement('Deny', 's3:*', `arn:aws:s3:::${B}/secret/*`),
  statement('Allow', 's3:ListBucket', `arn:aws:s3:::${B}`, { Condition: { StringLike: { 's3:prefix': 'public/*' } } }),
  statement('Allow', 's3:DeleteObject', `arn:aws:s3:::${B}/tmp/*`),
] } };
let srv;
let s3;
let dana;

before(async () => {
  srv = await startServer({ config: { users: [DANA] } });
  s3 = srv.client();
  dana = srv.client({ accessKeyId: DANA.access_key, secretAccessKey: DANA.secret_key });
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  for (const Key of ['public/a.txt', 'secret/b.txt', 'tmp/c.txt', 'keep/d.txt']) {
    await s3.send(new PutObjectCommand({ Bucket: B, Key, Body: Key }));
  }
});

after(async () => {
  s3?.destroy();
  dana?.destroy();
  await srv?.stop();
});

describe('identity policies', () => {
  it('allowed reads and writes work; a Deny on secret/ beats the Allow', async () => {
    const got = await dana.send(new GetObjectCommand({ Bucket: B, Key: 'public/a.txt' }));
    assert.equal((await bodyBytes(got)).toString(), 'public/a.txt');
    await dana.send(new PutObjectCommand({ Bucket: B, Key: 'public/new.txt', Body: 'by dana' }));
    assertS3Error(await errorOf(() => dana.send(new GetObjectCommand({ Bucket: B, Key: 'secret/b.txt' }))), 'AccessDenied', 403);
    assertS3Error(await errorOf(() => dana.send(new PutObjectCommand({ Bucket: B, Key: 'secret/x', Body: 'x' }))),
                  'AccessDenied', 403);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'public/new.txt' }))).ContentLength, 7);
    assert.equal(await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'secret/x' })))
      .then((e) => e.$metadata.httpStatusCode), 404);
  });

  it('s3:prefix: listing public/ is allowed, the whole bucket is not', async () => {
    const listed = await dana.send(new ListObjectsV2Command({ Bucket: B, Prefix: 'public/' }));
    assert.deepEqual(listed.Contents.map((o) => o.Key).sort(), ['public/a.txt', 'public/new.txt']);
    assertS3Error(await errorOf(() => dana.send(new ListObjectsV2Command({ Bucket: B }))), 'AccessDenied', 403);
  });

  it('DeleteObjects is judged key by key; ListBuckets needs s3:ListAllMyBuckets', async () => {
    const out = await dana.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [{ Key: 'tmp/c.txt' }, { Key: 'keep/d.txt' }] } }));
    assert.deepEqual((out.Deleted ?? []).map((d) => d.Key), ['tmp/c.txt']);
    assert.deepEqual((out.Errors ?? []).map((e) => [e.Key, e.Code]), [['keep/d.txt', 'AccessDenied']]);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'keep/d.txt' }))).ContentLength, 10);
    assertS3Error(await errorOf(() => dana.send(new ListBucketsCommand({}))), 'AccessDenied', 403);
    assert.ok((await s3.send(new ListBucketsCommand({}))).Buckets.some((b) => b.Name === B));
  });
});
