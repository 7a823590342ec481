// conformance.bucket_policy_js: Put/Get/DeleteBucketPolicy and GetBucketPolicyStatus through
// @aws-sdk/client-s3 v3 on a general-purpose bucket, a MalformedPolicy, and calls the policy
// denies (another user outside the granted prefix, the owner under an explicit Deny).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, PutObjectCommand, GetObjectCommand, DeleteObjectCommand,
  PutBucketPolicyCommand, GetBucketPolicyCommand, DeleteBucketPolicyCommand, GetBucketPolicyStatusCommand,
} from '@aws-sdk/client-s3';
import { startServer, errorOf, assertS3Error, bodyBytes } from './harness.mjs';

const BOB = { name: 'bob', access_key: 'JSBOBKEY', secret_key: 'JSBOBSECRET' };
const B = 'js-policy';
let srv;
let s3;
let bob;

const doc = (...Statement) => JSON.stringify({ Version: '2012-10-17', Statement });

before(async () => {
  srv = await startServer({ config: { users: [BOB] } });
  s3 = srv.client();
  bob = srv.client({ accessKeyId: BOB.access_key, secretAccessKey: BOB.secret_key });
  await s3.send(new CreateBucketCommand({ Bucket: B }));
  await s3.send(new PutObjectCommand({ Bucket: B, Key: 'shared/a.txt', Body: 'shared' }));
  await s3.send(new PutObjectCommand({ Bucket: B, Key: 'private/b.txt', Body: 'private' }));
});

after(async () => {
  s3?.destroy();
  bob?.destroy();
  await srv?.stop();
});

describe('bucket policy', () => {
  it('Put/Get/DeleteBucketPolicy round trip, NoSuchBucketPolicy, policy status', async () => {
    assertS3Error(await errorOf(() => s3.send(new GetBucketPolicyCommand({ Bucket: B }))), 'NoSuchBucketPolicy', 404);
    const policy = doc({
      Effect: 'Allow', Principal: { AWS: 'arn:aws:iam::123456789012:user/bob' },
      Action: 's3:GetObject', Resource: `arn:aws:s3:::${B}/shared/*`,
    });
    const put = await s3.send(new PutBucketPolicyCommand({ Bucket: B, Policy: policy }));
    assert.equal(put.$metadata.httpStatusCode, 204);
    const got = await s3.send(new GetBucketPolicyCommand({ Bucket: B }));
    assert.deepEqual(JSON.parse(got.Policy), JSON.parse(policy));
    const status = await s3.send(new GetBucketPolicyStatusCommand({ Bucket: B }));
    assert.equal(status.PolicyStatus.IsPublic, false);

    assert.equal(await (await bodyBytes(await bob.send(new GetObjectCommand({ Bucket: B, Key: 'shared/a.txt' })))).toString(), 'shared');
    assertS3Error(await errorOf(() => bob.send(new GetObjectCommand({ Bucket: B, Key: 'private/b.txt' }))), 'AccessDenied', 403);
    assertS3Error(await errorOf(() => bob.send(new GetBucketPolicyCommand({ Bucket: B }))), 'AccessDenied', 403);

    const del = await s3.send(new DeleteBucketPolicyCommand({ Bucket: B }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    assertS3Error(await errorOf(() => s3.send(new GetBucketPolicyCommand({ Bucket: B }))), 'NoSuchBucketPolicy', 404);
    assertS3Error(await errorOf(() => bob.send(new GetObjectCommand({ Bucket: B, Key: 'shared/a.txt' }))), 'AccessDenied', 403);
  });

  it('MalformedPolicy for an invalid resource, nothing stored', async () => {
    const e = await errorOf(() => s3.send(new PutBucketPolicyCommand({
      Bucket: B,
      Policy: doc({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::elsewhere/*' }),
    })));
    assertS3Error(e, 'MalformedPolicy', 400);
    assert.equal(e.message, 'Policy has invalid resource');
    assertS3Error(await errorOf(() => s3.send(new GetBucketPolicyCommand({ Bucket: B }))), 'NoSuchBucketPolicy', 404);
  });

  it('an explicit Deny refuses the root user an object call', async () => {
    await s3.send(new PutBucketPolicyCommand({
      Bucket: B,
      Policy: doc({ Effect: 'Deny', Principal: '*', Action: 's3:DeleteObject', Resource: `arn:aws:s3:::${B}/private/*` }),
    }));
    assertS3Error(await errorOf(() => s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'private/b.txt' }))), 'AccessDenied', 403);
    const still = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'private/b.txt' }));
    assert.equal((await bodyBytes(still)).toString(), 'private');
    await s3.send(new DeleteBucketPolicyCommand({ Bucket: B }));
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'private/b.txt' }));
  });
});
