// conformance.object_attributes_js: what S3 reports about objects without their bodies and the
// request headers every SDK may send, through @aws-sdk/client-s3: GetObjectAttributes (ETag,
// Checksum, ObjectSize, StorageClass, ObjectParts of multipart objects in both bucket types, with
// part paging in directory buckets), SSE-S3 accepted and reported, default bucket encryption
// (Get/Put/DeleteBucketEncryption), x-amz-expected-bucket-owner
// checked, x-amz-request-payer tolerated.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import {
  CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand, GetObjectAttributesCommand,
  CopyObjectCommand, GetBucketEncryptionCommand, PutBucketEncryptionCommand, DeleteBucketEncryptionCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startServer, errorOf, assertS3Error, assertNotFound, bodyBytes, ROOT_ACCESS_KEY, ROOT_SECRET_KEY } from './harness.mjs';

const B = 'js-attributes';
const DIR = 'jsattrs--use1-az4--x-s3';
const MiB = 1024 * 1024;
let srv;
let s3;
// Directory buckets get a client of their own: @aws-sdk/client-s3 3.1175 with a custom endpoint,
// once it has sent a general-purpose request, signs later session requests for "s3" instead of
// "s3express", which S3 refuses (InvalidAccessKeyId), as xs3 does.
let express;

before(async () => {
  srv = await startServer();
  s3 = srv.client();
  express = srv.client();
  await express.send(new CreateBucketCommand({ Bucket: DIR, CreateBucketConfiguration: {
    Location: { Type: 'AvailabilityZone', Name: 'use1-az4' },
    Bucket: { DataRedundancy: 'SingleAvailabilityZone', Type: 'Directory' } } }));
  await s3.send(new CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  s3?.destroy();
  express?.destroy();
  await srv?.stop();
});

async function multipart(client, Bucket, Key, body, extra = {}) {
  await new Upload({ client, params: { Bucket, Key, Body: body, ...extra }, partSize: 5 * MiB, queueSize: 2 }).done();
}

describe('GetObjectAttributes', () => {
  it('ETag, Checksum, ObjectSize and StorageClass of a single-part object; no ObjectParts', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'one', Body: 'attributes', ChecksumAlgorithm: 'CRC32' }));
    const got = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'one',
      ObjectAttributes: ['ETag', 'Checksum', 'ObjectParts', 'StorageClass', 'ObjectSize'] }));
    assert.equal(got.ETag, crypto.createHash('md5').update('attributes').digest('hex'));
    assert.equal(`"${got.ETag}"`, put.ETag);
    assert.equal(got.Checksum.ChecksumCRC32, put.ChecksumCRC32);
    assert.equal(got.ObjectSize, 10);
    assert.equal(got.StorageClass, 'STANDARD');
    assert.equal(got.ObjectParts, undefined);
    assert.ok(got.LastModified instanceof Date);
  });

  it('ObjectParts of a general-purpose multipart object: the part count', async () => {
    await multipart(s3, B, 'three', Buffer.alloc(11 * MiB, 7));
    const got = await s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'three',
      ObjectAttributes: ['ETag', 'ObjectParts', 'ObjectSize'] }));
    assert.match(got.ETag, /^[0-9a-f]{32}-3$/);
    assert.equal(got.ObjectSize, 11 * MiB);
    assert.equal(got.ObjectParts.TotalPartsCount, 3);
  });

  it('ObjectParts of a directory-bucket multipart object: the parts, paged by MaxParts', async () => {
    await multipart(express, DIR, 'dir/three', Buffer.alloc(11 * MiB, 9));
    const first = await express.send(new GetObjectAttributesCommand({ Bucket: DIR, Key: 'dir/three',
      ObjectAttributes: ['ObjectParts'], MaxParts: 2 }));
    assert.equal(first.ObjectParts.TotalPartsCount, 3);
    assert.equal(first.ObjectParts.IsTruncated, true);
    assert.equal(first.ObjectParts.MaxParts, 2);
    assert.deepEqual(first.ObjectParts.Parts.map((p) => [p.PartNumber, p.Size]), [[1, 5 * MiB], [2, 5 * MiB]]);
    const rest = await express.send(new GetObjectAttributesCommand({ Bucket: DIR, Key: 'dir/three',
      ObjectAttributes: ['ObjectParts'], MaxParts: 2, PartNumberMarker: first.ObjectParts.NextPartNumberMarker }));
    assert.equal(rest.ObjectParts.IsTruncated, false);
    assert.deepEqual(rest.ObjectParts.Parts.map((p) => [p.PartNumber, p.Size]), [[3, MiB]]);
  });

  it('refusals: unknown attribute, missing key', async () => {
    assertS3Error(await errorOf(() => s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'one',
      ObjectAttributes: ['Colour'] }))), 'InvalidArgument', 400);
    assertS3Error(await errorOf(() => s3.send(new GetObjectAttributesCommand({ Bucket: B, Key: 'missing',
      ObjectAttributes: ['ETag'] }))), 'NoSuchKey', 404);
  });
});

describe('server-side encryption headers', () => {
  it('SSE-S3 is accepted and reported on PUT, GET, HEAD and COPY', async () => {
    const put = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'sse', Body: 'x', ServerSideEncryption: 'AES256' }));
    assert.equal(put.ServerSideEncryption, 'AES256');
    const plain = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'plain', Body: 'y' }));
    assert.equal(plain.ServerSideEncryption, 'AES256');  // S3 encrypts every object with SSE-S3
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'sse' }));
    assert.equal(head.ServerSideEncryption, 'AES256');
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'sse' }));
    assert.equal(got.ServerSideEncryption, 'AES256');
    assert.equal((await bodyBytes(got)).toString(), 'x');
    const copy = await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'sse-copy', CopySource: `${B}/sse`,
      ServerSideEncryption: 'AES256' }));
    assert.equal(copy.ServerSideEncryption, 'AES256');
  });

  it('an unknown algorithm is InvalidArgument and stores nothing', async () => {
    assertS3Error(await errorOf(() => s3.send(new PutObjectCommand({ Bucket: B, Key: 'bad-sse', Body: 'x',
      ServerSideEncryption: 'AES128' }))), 'InvalidArgument', 400);
    assertNotFound(await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'bad-sse' }))));
  });
});

describe('default bucket encryption', () => {
  const rule = (BucketKeyEnabled) => [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' }, BucketKeyEnabled }];
  const rules = async (client, Bucket) =>
    (await client.send(new GetBucketEncryptionCommand({ Bucket }))).ServerSideEncryptionConfiguration.Rules;

  it('S3\'s default until put; SSE-S3 with a bucket key round-trips; delete restores the default', async () => {
    assert.deepEqual(await rules(s3, B), rule(false));
    await s3.send(new PutBucketEncryptionCommand({ Bucket: B, ServerSideEncryptionConfiguration: { Rules: rule(true) } }));
    assert.deepEqual(await rules(s3, B), rule(true));
    const del = await s3.send(new DeleteBucketEncryptionCommand({ Bucket: B }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    assert.deepEqual(await rules(s3, B), rule(false));
    assert.deepEqual(await rules(express, DIR), rule(false));
  });

  it('SSE-KMS is NotImplemented; a KMS key with AES256 is InvalidArgument', async () => {
    assertS3Error(await errorOf(() => s3.send(new PutBucketEncryptionCommand({ Bucket: B, ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' } }] } }))), 'NotImplemented', 501);
    assertS3Error(await errorOf(() => s3.send(new PutBucketEncryptionCommand({ Bucket: B, ServerSideEncryptionConfiguration: {
      Rules: [{ ApplyServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256', KMSMasterKeyID: 'k' } }] } }))),
    'InvalidArgument', 400);
    assert.deepEqual(await rules(s3, B), rule(false));
  });
});

describe('request headers', () => {
  it('x-amz-expected-bucket-owner: the owner account passes, another is AccessDenied; request-payer is tolerated', async () => {
    const listed = JSON.parse(execFileSync(process.env.XS3_CLI, ['--endpoint', srv.endpoint, '--access-key', ROOT_ACCESS_KEY,
      '--secret-key', ROOT_SECRET_KEY, '--json', 'user', 'list'], { encoding: 'utf8' })).users;
    const account = listed.find((u) => u.root).account_id;
    assert.match(account, /^\d{12}$/);
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'one', ExpectedBucketOwner: account,
      RequestPayer: 'requester' }));
    assert.equal(head.ContentLength, 10);
    const other = account === '111122223333' ? '444455556666' : '111122223333';
    assertS3Error(await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'one', ExpectedBucketOwner: other }))),
                  'AccessDenied', 403);
    assertS3Error(await errorOf(() => s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copied', CopySource: `${B}/one`,
      ExpectedSourceBucketOwner: other }))), 'AccessDenied', 403);
    assertNotFound(await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'copied' }))));
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'copied', CopySource: `${B}/one`,
      ExpectedBucketOwner: account, ExpectedSourceBucketOwner: account, RequestPayer: 'requester' }));
  });
});
