// conformance.directory_express_ops: the S3 Express behaviours beyond plain object calls, and the
// tests that found server bugs (kept as regressions):
//   * append (PutObject + x-amz-write-offset-bytes), including two appenders racing at one offset;
//   * RenameObject with its conditional headers and client-token idempotency (x-amz-client-token:
//     a retry with the same token after success must answer 200, not NoSuchKey);
//   * GetObjectAttributes;
//   * listing order = the directory walk: keys compared by their '/'-separated component lists
//     (so "w/a/x" comes before "w/a-b", unlike byte order), children of one directory in name
//     order with objects and common prefixes interleaved; empty directories disappear;
//   * [bug] a data call on a missing directory bucket answers 403 AccessDenied, not 404
//     NoSuchBucket (the SDK's create-only session for the missing bucket is refused instead);
//   * [bug] CopyObject keeps the source ETag: GP -> directory keeps the MD5, directory -> GP
//     gets the opaque ETag instead of the MD5.
// Run by hand: (cd conformance-tests/js && XS3D=../../build/server/xs3d node --test directory_express_ops.test.mjs)
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  CreateBucketCommand, HeadBucketCommand, PutObjectCommand, GetObjectCommand, HeadObjectCommand,
  CopyObjectCommand, DeleteObjectCommand, ListObjectsV2Command, RenameObjectCommand,
  GetObjectAttributesCommand, DeleteBucketCommand,
} from '@aws-sdk/client-s3';
import { startServer, bodyBytes, errorOf, assertS3Error } from './harness.mjs';
import { crc32, md5hex } from './checksums.mjs';

const ZONE = 'use1-az4';
const DIR = `jsops--${ZONE}--x-s3`;
const GP = 'js-ops-gp';

let srv;
let s3;

async function put(Bucket, Key, Body, extra = {}) {
  return s3.send(new PutObjectCommand({ Bucket, Key, Body, ...extra }));
}

async function getBytes(Bucket, Key, extra = {}) {
  return bodyBytes(await s3.send(new GetObjectCommand({ Bucket, Key, ...extra })));
}

// The documented xs3 walk order: compare keys by their '/'-split component lists.
function walkLess(a, b) {
  const x = a.split('/');
  const y = b.split('/');
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (x[i] !== y[i]) return Buffer.compare(Buffer.from(x[i]), Buffer.from(y[i]));
  }
  return x.length - y.length;
}

// Pages through ListObjectsV2 returning items in wire order (objects "O:key", prefixes "P:prefix";
// with MaxKeys 1 every page has one item, so the interleaving is visible).
async function listItems(params) {
  const items = [];
  let token;
  for (;;) {
    const out = await s3.send(new ListObjectsV2Command({ Bucket: DIR, ContinuationToken: token, ...params }));
    const page = [...(out.Contents ?? []).map((c) => `O:${c.Key}`), ...(out.CommonPrefixes ?? []).map((p) => `P:${p.Prefix}`)];
    if (params.MaxKeys === 1) assert.ok(page.length <= 1);
    items.push(...page);
    if (!out.IsTruncated) return items;
    token = out.NextContinuationToken;
  }
}

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
  await s3.send(new CreateBucketCommand({ Bucket: GP }));
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
});

describe('append (x-amz-write-offset-bytes)', () => {
  it('offset 0 creates, offset = size appends, Size reports the new length', async () => {
    const a = Buffer.from('first;');
    const b = crypto.randomBytes(100000);
    const c = Buffer.from(';third');
    const p1 = await put(DIR, 'app/log.txt', a, { WriteOffsetBytes: 0 });
    assert.equal(p1.$metadata.httpStatusCode, 200);
    assert.equal(p1.Size, a.length);
    const p2 = await put(DIR, 'app/log.txt', b, { WriteOffsetBytes: a.length });
    assert.equal(p2.Size, a.length + b.length);
    assert.notEqual(p2.ETag, p1.ETag, 'the ETag changes on append');
    const p3 = await put(DIR, 'app/log.txt', c, { WriteOffsetBytes: a.length + b.length });
    const all = Buffer.concat([a, b, c]);
    assert.equal(p3.Size, all.length);
    const got = await s3.send(new GetObjectCommand({ Bucket: DIR, Key: 'app/log.txt' }));
    assert.ok((await bodyBytes(got)).equals(all));
    assert.equal(got.ETag, p3.ETag);
    assert.equal(got.ContentLength, all.length);
    const r = await getBytes(DIR, 'app/log.txt', { Range: `bytes=${a.length - 2}-${a.length + 1}` });
    assert.ok(r.equals(all.subarray(a.length - 2, a.length + 2)));
  });

  it('wrong offset -> 400 InvalidWriteOffset, object unchanged', async () => {
    await put(DIR, 'app/off.txt', 'abc', { WriteOffsetBytes: 0 });
    for (const off of [0, 2, 4, 1000]) {
      const e = await errorOf(() => put(DIR, 'app/off.txt', 'zz', { WriteOffsetBytes: off }));
      assertS3Error(e, 'InvalidWriteOffset', 400);
    }
    const e2 = await errorOf(() => put(DIR, 'app/missing.txt', 'zz', { WriteOffsetBytes: 5 }));
    assertS3Error(e2, 'InvalidWriteOffset', 400);
    assert.equal((await getBytes(DIR, 'app/off.txt')).toString(), 'abc');
  });

  it('empty body or metadata with an offset on an existing object -> 400 InvalidRequest', async () => {
    await put(DIR, 'app/inv.txt', 'abc', { WriteOffsetBytes: 0 });
    const e1 = await errorOf(() => put(DIR, 'app/inv.txt', '', { WriteOffsetBytes: 3 }));
    assertS3Error(e1, 'InvalidRequest', 400);
    const e2 = await errorOf(() => put(DIR, 'app/inv.txt', 'x', { WriteOffsetBytes: 3, Metadata: { a: 'b' } }));
    assertS3Error(e2, 'InvalidRequest', 400);
    assert.equal((await getBytes(DIR, 'app/inv.txt')).toString(), 'abc');
  });

  it('two appenders at the same offset: exactly one wins, 20 rounds', async () => {
    let expected = Buffer.alloc(0);
    await put(DIR, 'app/race.bin', Buffer.alloc(0), { WriteOffsetBytes: 0 }).catch(() => put(DIR, 'app/race.bin', Buffer.alloc(0)));
    for (let round = 0; round < 20; round++) {
      const x = crypto.randomBytes(1000 + round);
      const y = crypto.randomBytes(2000 + round);
      const res = await Promise.allSettled([
        put(DIR, 'app/race.bin', x, { WriteOffsetBytes: expected.length }),
        put(DIR, 'app/race.bin', y, { WriteOffsetBytes: expected.length }),
      ]);
      const won = res.filter((r) => r.status === 'fulfilled');
      assert.equal(won.length, 1, `round ${round}: ${res.map((r) => r.status + ' ' + (r.reason?.name ?? '')).join(', ')}`);
      const lost = res.find((r) => r.status === 'rejected').reason;
      assert.ok(['InvalidWriteOffset', 'ConditionalRequestConflict'].includes(lost.name), `loser: ${lost.name}`);
      expected = Buffer.concat([expected, res[0].status === 'fulfilled' ? x : y]);
      assert.equal(won[0].value.Size, expected.length);
    }
    assert.ok((await getBytes(DIR, 'app/race.bin')).equals(expected));
  });

  it('CRC32 of an appended object covers the whole body', async () => {
    const a = crypto.randomBytes(5000);
    const b = crypto.randomBytes(7000);
    await put(DIR, 'app/crc.bin', a, { WriteOffsetBytes: 0 });
    await put(DIR, 'app/crc.bin', b, { WriteOffsetBytes: a.length });
    const got = await s3.send(new GetObjectCommand({ Bucket: DIR, Key: 'app/crc.bin', ChecksumMode: 'ENABLED' }));
    const body = await bodyBytes(got);
    assert.ok(body.equals(Buffer.concat([a, b])));
    if (got.ChecksumCRC32 && !got.ChecksumCRC32.includes('-')) assert.equal(got.ChecksumCRC32, crc32(body));
  });
});

describe('RenameObject', () => {
  it('renames atomically: source gone, destination has the bytes', async () => {
    const body = crypto.randomBytes(30000);
    await put(DIR, 'ren/src.bin', body);
    const out = await s3.send(new RenameObjectCommand({ Bucket: DIR, Key: 'ren/deep/er/dst.bin', RenameSource: `${DIR}/ren/src.bin` }));
    assert.equal(out.$metadata.httpStatusCode, 200);
    assert.ok((await getBytes(DIR, 'ren/deep/er/dst.bin')).equals(body));
    const e = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: DIR, Key: 'ren/src.bin' })));
    assert.equal(e.$metadata.httpStatusCode, 404);
  });

  it('missing source -> 404 NoSuchKey', async () => {
    const e = await errorOf(() => s3.send(new RenameObjectCommand({ Bucket: DIR, Key: 'ren/x', RenameSource: `${DIR}/ren/nope` })));
    assertS3Error(e, 'NoSuchKey', 404);
  });

  it('DestinationIfNoneMatch "*" on an existing destination -> 412, nothing moves', async () => {
    await put(DIR, 'ren/s1', 's1');
    await put(DIR, 'ren/d1', 'd1');
    const e = await errorOf(() => s3.send(new RenameObjectCommand({
      Bucket: DIR, Key: 'ren/d1', RenameSource: `${DIR}/ren/s1`, DestinationIfNoneMatch: '*',
    })));
    assertS3Error(e, 'PreconditionFailed', 412);
    assert.equal((await getBytes(DIR, 'ren/s1')).toString(), 's1');
    assert.equal((await getBytes(DIR, 'ren/d1')).toString(), 'd1');
  });

  it('SourceIfMatch: wrong ETag -> 412; right ETag -> renamed over the destination', async () => {
    const p = await put(DIR, 'ren/s2', 's2');
    await put(DIR, 'ren/d2', 'd2');
    const e = await errorOf(() => s3.send(new RenameObjectCommand({
      Bucket: DIR, Key: 'ren/d2', RenameSource: `${DIR}/ren/s2`, SourceIfMatch: '"0123456789abcdef"',
    })));
    assertS3Error(e, 'PreconditionFailed', 412);
    await s3.send(new RenameObjectCommand({ Bucket: DIR, Key: 'ren/d2', RenameSource: `${DIR}/ren/s2`, SourceIfMatch: p.ETag }));
    assert.equal((await getBytes(DIR, 'ren/d2')).toString(), 's2');
  });

  it('ClientToken: a retry with the same token succeeds, same token + other params -> 400 IdempotencyParameterMismatch', async () => {
    await put(DIR, 'ren/s3', 's3');
    const token = crypto.randomUUID();
    await s3.send(new RenameObjectCommand({ Bucket: DIR, Key: 'ren/d3', RenameSource: `${DIR}/ren/s3`, ClientToken: token }));
    const again = await s3.send(new RenameObjectCommand({ Bucket: DIR, Key: 'ren/d3', RenameSource: `${DIR}/ren/s3`, ClientToken: token }));
    assert.equal(again.$metadata.httpStatusCode, 200);
    const e = await errorOf(() => s3.send(new RenameObjectCommand({ Bucket: DIR, Key: 'ren/d4', RenameSource: `${DIR}/ren/s3`, ClientToken: token })));
    assertS3Error(e, 'IdempotencyParameterMismatch', 400);
  });

  it('RenameObject on a GP bucket is refused', async () => {
    await put(GP, 'r/s', 's');
    const e = await errorOf(() => s3.send(new RenameObjectCommand({ Bucket: GP, Key: 'r/d', RenameSource: `${GP}/r/s` })));
    assert.ok([400, 501].includes(e.$metadata.httpStatusCode), `${e.name} ${e.$metadata.httpStatusCode}`);
    assert.equal((await getBytes(GP, 'r/s')).toString(), 's');
  });
});

describe('GetObjectAttributes', () => {
  it('ETag, Checksum, ObjectSize, StorageClass', async () => {
    const body = crypto.randomBytes(12345);
    const p = await put(DIR, 'attr/o.bin', body);
    const out = await s3.send(new GetObjectAttributesCommand({
      Bucket: DIR, Key: 'attr/o.bin', ObjectAttributes: ['ETag', 'Checksum', 'ObjectSize', 'StorageClass'],
    }));
    assert.equal(out.ETag, p.ETag.replace(/"/g, ''));
    assert.equal(out.ObjectSize, body.length);
    assert.equal(out.StorageClass, 'EXPRESS_ONEZONE');
    assert.equal(out.Checksum?.ChecksumCRC32, crc32(body));
    assert.ok(out.LastModified instanceof Date);
  });

  it('missing key -> 404 NoSuchKey', async () => {
    const e = await errorOf(() => s3.send(new GetObjectAttributesCommand({ Bucket: DIR, Key: 'attr/nope', ObjectAttributes: ['ETag'] })));
    assertS3Error(e, 'NoSuchKey', 404);
  });
});

describe('listing order = the directory walk', () => {
  const keys = ['w/a/x', 'w/a/y/z', 'w/a-b', 'w/a.txt', 'w/a0', 'w/b', 'w/b/c', 'w/ab/q', 'w/A', 'w/zz/1/2/3'];
  it('without delimiter: depth-first, every page in walk order', async () => {
    const objs = keys.filter((k) => k !== 'w/b/c'); // "w/b" is an object, so "w/b/c" cannot be one
    await Promise.all(objs.map((k) => put(DIR, k, k)));
    const model = [...objs].sort(walkLess);
    const bytes = [...objs].sort();
    assert.notDeepEqual(model, bytes, 'the fixture tells walk order from byte order');
    for (const MaxKeys of [1, 3, 1000]) {
      const items = await listItems({ Prefix: 'w/', MaxKeys });
      assert.deepEqual(items, model.map((k) => `O:${k}`), `MaxKeys=${MaxKeys}`);
    }
  });

  it('with delimiter: children in name order, objects and prefixes interleaved', async () => {
    const items = await listItems({ Prefix: 'w/', Delimiter: '/', MaxKeys: 1 });
    assert.deepEqual(items, ['O:w/A', 'P:w/a/', 'O:w/a-b', 'O:w/a.txt', 'O:w/a0', 'P:w/ab/', 'O:w/b', 'P:w/zz/']);
  });

  it('empty directories disappear with their last entry', async () => {
    await put(DIR, 'e/only/deep/one', '1');
    await put(DIR, 'e/keep', 'k');
    await s3.send(new DeleteObjectCommand({ Bucket: DIR, Key: 'e/only/deep/one' }));
    const out = await s3.send(new ListObjectsV2Command({ Bucket: DIR, Prefix: 'e/', Delimiter: '/' }));
    assert.deepEqual((out.Contents ?? []).map((c) => c.Key), ['e/keep']);
    assert.equal(out.CommonPrefixes, undefined, JSON.stringify(out.CommonPrefixes));
    const sub = await s3.send(new ListObjectsV2Command({ Bucket: DIR, Prefix: 'e/only/', Delimiter: '/' }));
    assert.equal(sub.KeyCount, 0);
  });
});

describe('[server bugs found by directory.test.mjs]', () => {
  it('HeadBucket on a missing directory bucket -> 404', async () => {
    const e = await errorOf(() => s3.send(new HeadBucketCommand({ Bucket: `nosuch--${ZONE}--x-s3` })));
    assert.equal(e.$metadata.httpStatusCode, 404, `${e.name}: ${e.message}`);
  });

  it('GetObject on a missing directory bucket -> 404 NoSuchBucket', async () => {
    const e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: `nosuch2--${ZONE}--x-s3`, Key: 'k' })));
    assertS3Error(e, 'NoSuchBucket', 404);
  });

  it('PutObject on a missing directory bucket -> 404 NoSuchBucket', async () => {
    const e = await errorOf(() => s3.send(new PutObjectCommand({ Bucket: `nosuch3--${ZONE}--x-s3`, Key: 'k', Body: 'x' })));
    assertS3Error(e, 'NoSuchBucket', 404);
  });

  it('CopyObject GP -> directory gives an opaque (non-MD5) ETag', async () => {
    const body = crypto.randomBytes(1000);
    await put(GP, 'src/gp.bin', body);
    const c = await s3.send(new CopyObjectCommand({ Bucket: DIR, Key: 'copy/from-gp.bin', CopySource: `${GP}/src/gp.bin` }));
    assert.notEqual(c.CopyObjectResult.ETag, `"${md5hex(body)}"`);
    const h = await s3.send(new HeadObjectCommand({ Bucket: DIR, Key: 'copy/from-gp.bin' }));
    assert.notEqual(h.ETag, `"${md5hex(body)}"`, 'a directory-bucket ETag is not the MD5');
  });

  it('CopyObject directory -> GP gives the MD5 ETag', async () => {
    const body = crypto.randomBytes(1000);
    await put(DIR, 'copy/src.bin', body);
    const c = await s3.send(new CopyObjectCommand({ Bucket: GP, Key: 'dst/from-dir.bin', CopySource: `${DIR}/copy/src.bin` }));
    assert.equal(c.CopyObjectResult.ETag, `"${md5hex(body)}"`);
    const h = await s3.send(new HeadObjectCommand({ Bucket: GP, Key: 'dst/from-dir.bin' }));
    assert.equal(h.ETag, `"${md5hex(body)}"`, 'a single-part GP object has the MD5 ETag');
  });
});
