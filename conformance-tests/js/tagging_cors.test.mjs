// conformance.tagging_cors_js: object and bucket tagging and the bucket CORS configuration through
// @aws-sdk/client-s3 v3, negative cases included (InvalidTag, BadRequest, InvalidArgument,
// invalid CORS rules, NoSuchTagSet, NoSuchCORSConfiguration, a denied preflight).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand, CopyObjectCommand,
  PutObjectTaggingCommand, GetObjectTaggingCommand, DeleteObjectTaggingCommand,
  PutBucketTaggingCommand, GetBucketTaggingCommand, DeleteBucketTaggingCommand,
  PutBucketCorsCommand, GetBucketCorsCommand, DeleteBucketCorsCommand,
  CreateMultipartUploadCommand, UploadPartCommand, CompleteMultipartUploadCommand,
} from '@aws-sdk/client-s3';
import { startServer, errorOf, assertS3Error } from './harness.mjs';

let srv;
let s3;
const B = 'js-tagging';

const tagSet = (pairs) => pairs.map(([Key, Value]) => ({ Key, Value }));
const tagsOf = async (Key) => (await s3.send(new GetObjectTaggingCommand({ Bucket: B, Key }))).TagSet
  .map(({ Key: k, Value: v }) => [k, v]);

before(async () => {
  srv = await startServer();
  s3 = srv.client();
  await s3.send(new CreateBucketCommand({ Bucket: B }));
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
});

describe('object tagging', () => {
  it('PutObject Tagging, TagCount on GET and HEAD, Put/Get/DeleteObjectTagging', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'o', Body: 'hello', Tagging: 'a=1&b=two%20words' }));
    assert.deepEqual(await tagsOf('o'), [['a', '1'], ['b', 'two words']]);
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'o' }));
    assert.equal(head.$metadata.httpStatusCode, 200);
    const got = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'o' }));
    assert.equal(got.TagCount, 2);
    await got.Body.transformToByteArray();

    const ten = Array.from({ length: 10 }, (_, i) => [`k${i}`.padEnd(128, 'k'), 'v'.repeat(256)]);
    await s3.send(new PutObjectTaggingCommand({ Bucket: B, Key: 'o', Tagging: { TagSet: tagSet(ten) } }));
    assert.deepEqual(await tagsOf('o'), ten);
    const del = await s3.send(new DeleteObjectTaggingCommand({ Bucket: B, Key: 'o' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    assert.deepEqual(await tagsOf('o'), []);
    const plain = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'o' }));
    assert.equal(plain.TagCount, undefined);
    assert.equal(Buffer.from(await plain.Body.transformToByteArray()).toString(), 'hello');
  });

  it('CopyObject keeps tags by default and replaces them with TaggingDirective REPLACE', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'src', Body: 'x', Tagging: 'from=src' }));
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'dst', CopySource: `${B}/src` }));
    assert.deepEqual(await tagsOf('dst'), [['from', 'src']]);
    await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'dst', CopySource: `${B}/src`, TaggingDirective: 'REPLACE',
                                          Tagging: 'to=dst' }));
    assert.deepEqual(await tagsOf('dst'), [['to', 'dst']]);
  });

  it('CreateMultipartUpload Tagging lands on the completed object', async () => {
    const { UploadId } = await s3.send(new CreateMultipartUploadCommand({ Bucket: B, Key: 'mp', Tagging: 'mp=yes' }));
    const part = await s3.send(new UploadPartCommand({ Bucket: B, Key: 'mp', UploadId, PartNumber: 1, Body: 'part' }));
    await s3.send(new CompleteMultipartUploadCommand({
      Bucket: B, Key: 'mp', UploadId, MultipartUpload: { Parts: [{ PartNumber: 1, ETag: part.ETag }] },
    }));
    assert.deepEqual(await tagsOf('mp'), [['mp', 'yes']]);
  });

  it('refuses invalid tag sets and changes nothing', async () => {
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'guard', Body: 'g', Tagging: 'keep=1' }));
    const put = (pairs) => errorOf(() => s3.send(new PutObjectTaggingCommand({
      Bucket: B, Key: 'guard', Tagging: { TagSet: tagSet(pairs) } })));
    let e = await put(Array.from({ length: 11 }, (_, i) => [`k${i}`, '']));
    assertS3Error(e, 'BadRequest', 400);
    assert.equal(e.message, 'Object tags cannot be greater than 10');
    e = await put([['a', '1'], ['a', '2']]);
    assertS3Error(e, 'InvalidTag', 400);
    assert.equal(e.message, 'Cannot provide multiple Tags with the same key');
    assertS3Error(await put([['k'.repeat(129), '']]), 'InvalidTag', 400);
    assertS3Error(await put([['k', 'v'.repeat(257)]]), 'InvalidTag', 400);
    assertS3Error(await put([['aws:owner', 'me']]), 'InvalidTag', 400);
    assert.deepEqual(await tagsOf('guard'), [['keep', '1']]);
    e = await errorOf(() => s3.send(new PutObjectCommand({ Bucket: B, Key: 'never', Body: 'n', Tagging: 'a=1&a=2' })));
    assertS3Error(e, 'InvalidArgument', 400);
    assertS3Error(await errorOf(() => s3.send(new GetObjectTaggingCommand({ Bucket: B, Key: 'never' }))),
                  'NoSuchKey', 404);
  });
});

describe('bucket tagging', () => {
  it('NoSuchTagSet until tags are put, and again after DeleteBucketTagging', async () => {
    assertS3Error(await errorOf(() => s3.send(new GetBucketTaggingCommand({ Bucket: B }))), 'NoSuchTagSet', 404);
    const tags = tagSet([['team', 'storage'], ['env', 'test']]);
    await s3.send(new PutBucketTaggingCommand({ Bucket: B, Tagging: { TagSet: tags } }));
    assert.deepEqual((await s3.send(new GetBucketTaggingCommand({ Bucket: B }))).TagSet, tags);
    const e = await errorOf(() => s3.send(new PutBucketTaggingCommand({
      Bucket: B, Tagging: { TagSet: tagSet(Array.from({ length: 51 }, (_, i) => [`k${i}`, ''])) } })));
    assertS3Error(e, 'BadRequest', 400);
    assert.equal(e.message, 'Bucket tag count cannot be greater than 50');
    assert.deepEqual((await s3.send(new GetBucketTaggingCommand({ Bucket: B }))).TagSet, tags);
    await s3.send(new DeleteBucketTaggingCommand({ Bucket: B }));
    assertS3Error(await errorOf(() => s3.send(new GetBucketTaggingCommand({ Bucket: B }))), 'NoSuchTagSet', 404);
  });
});

describe('bucket CORS configuration', () => {
  const rules = [
    { ID: 'browser', AllowedHeaders: ['*'], AllowedMethods: ['GET', 'PUT'], AllowedOrigins: ['https://app.example.com'],
      ExposeHeaders: ['ETag'], MaxAgeSeconds: 600 },
    { AllowedMethods: ['GET'], AllowedOrigins: ['*'] },
  ];

  it('Put/Get/DeleteBucketCors', async () => {
    assertS3Error(await errorOf(() => s3.send(new GetBucketCorsCommand({ Bucket: B }))), 'NoSuchCORSConfiguration', 404);
    await s3.send(new PutBucketCorsCommand({ Bucket: B, CORSConfiguration: { CORSRules: rules } }));
    assert.deepEqual((await s3.send(new GetBucketCorsCommand({ Bucket: B }))).CORSRules, rules);
    const del = await s3.send(new DeleteBucketCorsCommand({ Bucket: B }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    assertS3Error(await errorOf(() => s3.send(new GetBucketCorsCommand({ Bucket: B }))), 'NoSuchCORSConfiguration', 404);
  });

  it('refuses invalid rules and keeps the configuration', async () => {
    await s3.send(new PutBucketCorsCommand({ Bucket: B, CORSConfiguration: { CORSRules: rules } }));
    let e = await errorOf(() => s3.send(new PutBucketCorsCommand({
      Bucket: B, CORSConfiguration: { CORSRules: [{ AllowedMethods: ['PATCH'], AllowedOrigins: ['*'] }] } })));
    assertS3Error(e, 'InvalidRequest', 400);
    assert.equal(e.message, 'Found unsupported HTTP method in CORS config. Unsupported method is PATCH');
    e = await errorOf(() => s3.send(new PutBucketCorsCommand({
      Bucket: B, CORSConfiguration: { CORSRules: [{ AllowedMethods: ['GET'], AllowedOrigins: ['https://*.a.*'] }] } })));
    assertS3Error(e, 'InvalidRequest', 400);
    e = await errorOf(() => s3.send(new PutBucketCorsCommand({ Bucket: B, CORSConfiguration: { CORSRules: [] } })));
    assertS3Error(e, 'MalformedXML', 400);
    assert.deepEqual((await s3.send(new GetBucketCorsCommand({ Bucket: B }))).CORSRules, rules);
  });

  it('a preflight answers from the stored rules', async () => {
    await s3.send(new PutBucketCorsCommand({ Bucket: B, CORSConfiguration: { CORSRules: rules } }));
    const ok = await fetch(`${srv.endpoint}/${B}/upload.txt`, {
      method: 'OPTIONS',
      headers: { Origin: 'https://app.example.com', 'Access-Control-Request-Method': 'PUT',
                 'Access-Control-Request-Headers': 'authorization,content-type' },
    });
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com');
    assert.equal(ok.headers.get('access-control-allow-headers'), 'authorization, content-type');
    assert.equal(ok.headers.get('access-control-expose-headers'), 'ETag');
    const denied = await fetch(`${srv.endpoint}/${B}/upload.txt`, {
      method: 'OPTIONS', headers: { Origin: 'https://other.example.com', 'Access-Control-Request-Method': 'PUT' },
    });
    assert.equal(denied.status, 403);
    assert.match(await denied.text(), /<Code>AccessForbidden<\/Code><Message>CORSResponse: This CORS request is not allowed/);
  });
});
