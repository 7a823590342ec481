// conformance.directory_multipart: multipart uploads on a directory bucket: lib-storage through
// the SDK's sessions, consecutive part numbers, in-progress uploads as CommonPrefixes.
// Run by hand: (cd conformance-tests/js && XS3D=../../build/server/xs3d node --test directory_multipart.test.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  CreateBucketCommand, HeadBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  CopyObjectCommand, DeleteObjectCommand, ListObjectsV2Command, RenameObjectCommand,
  GetObjectAttributesCommand, CreateMultipartUploadCommand, UploadPartCommand,
  CompleteMultipartUploadCommand, AbortMultipartUploadCommand, DeleteBucketCommand,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { startServer, bodyBytes, errorOf, assertS3Error } from './harness.mjs';

const ZONE = 'use1-az4';
const DIR = `jsmpu--${ZONE}--x-s3`;

let srv;
let s3;

before(async () => {
  srv = await startServer();
  s3 = srv.client();
  await s3.send(new CreateBucketCommand({
    Bucket: DIR,
    CreateBucketConfiguration: {
      Location: { Type: 'AvailabilityZone', Name: ZONE },
      Bucket: { DataRedundancy: 'SingleAvailabilityZone', Type: 'Directory' },
    },
  }));
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
});

describe('multipart uploads on a directory bucket', () => {
  it('lib-storage Upload (3 parts, CRC32): bytes back, EXPRESS_ONEZONE, ETag not an MD5-N of parts', async () => {
    const body = crypto.randomBytes(11 * 1024 * 1024 + 3);
    const out = await new Upload({ client: s3, params: { Bucket: DIR, Key: 'mpu/lib.bin', Body: body }, partSize: 5 * 1024 * 1024, queueSize: 3 }).done();
    assert.ok(out.ETag);
    const got = await s3.send(new GetObjectCommand({ Bucket: DIR, Key: 'mpu/lib.bin' }));
    assert.ok((await bodyBytes(got)).equals(body));
    assert.equal(got.StorageClass, 'EXPRESS_ONEZONE');
  });

  it('non-consecutive part numbers -> 400 InvalidPartOrder', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: DIR, Key: 'mpu/gap.bin' }));
    const p1 = await s3.send(new UploadPartCommand({ Bucket: DIR, Key: 'mpu/gap.bin', UploadId, PartNumber: 1, Body: crypto.randomBytes(5 * 1024 * 1024) }));
    const p3 = await s3.send(new UploadPartCommand({ Bucket: DIR, Key: 'mpu/gap.bin', UploadId, PartNumber: 3, Body: Buffer.from('tail') }));
    const e = await errorOf(() => s3.send(new CompleteMultipartUploadCommand({
      Bucket: DIR, Key: 'mpu/gap.bin', UploadId,
      MultipartUpload: { Parts: [{ PartNumber: 1, ETag: p1.ETag, ChecksumCRC32: p1.ChecksumCRC32 }, { PartNumber: 3, ETag: p3.ETag, ChecksumCRC32: p3.ChecksumCRC32 }] },
    })));
    assertS3Error(e, 'InvalidPartOrder', 400);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: DIR, Key: 'mpu/gap.bin', UploadId }));
  });

  it('an in-progress upload shows as a CommonPrefix and blocks DeleteBucket', async () => {
    const B2 = `jsops-mpu--${ZONE}--x-s3`;
    await s3.send(new CreateBucketCommand({ Bucket: B2, CreateBucketConfiguration: {
      Location: { Type: 'AvailabilityZone', Name: ZONE }, Bucket: { DataRedundancy: 'SingleAvailabilityZone', Type: 'Directory' } } }));
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B2, Key: 'inprog/deep/x.bin' }));
    const l = await s3.send(new ListObjectsV2Command({ Bucket: B2, Delimiter: '/' }));
    assert.deepEqual((l.CommonPrefixes ?? []).map((p) => p.Prefix), ['inprog/']);
    assert.equal(l.Contents, undefined);
    const e = await errorOf(() => s3.send(new DeleteBucketCommand({ Bucket: B2 })));
    assertS3Error(e, 'BucketNotEmpty', 409);
    await s3.send(new AbortMultipartUploadCommand({ Bucket: B2, Key: 'inprog/deep/x.bin', UploadId }));
    const l2 = await s3.send(new ListObjectsV2Command({ Bucket: B2, Delimiter: '/' }));
    assert.equal(l2.KeyCount, 0);
    await s3.send(new DeleteBucketCommand({ Bucket: B2 }));
  });
});

