// conformance.versioning_js: S3 versioning through @aws-sdk/client-s3 v3: the bucket setting,
// version ids, GET by version, delete markers, DeleteObjects with versions, ListObjectVersions
// paging, null versions, preconditions on versions, and the errors (NoSuchVersion, InvalidArgument,
// MethodNotAllowed, BucketNotEmpty) with their HTTP statuses.
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, DeleteBucketCommand, PutBucketVersioningCommand, GetBucketVersioningCommand,
  PutObjectCommand, GetObjectCommand, HeadObjectCommand, DeleteObjectCommand, DeleteObjectsCommand,
  CopyObjectCommand, ListObjectVersionsCommand, GetObjectTaggingCommand,
  PutObjectTaggingCommand,
} from '@aws-sdk/client-s3';
import { startServer, errorOf, assertS3Error, bodyBytes } from './harness.mjs';

const UNKNOWN_VERSION = 'A'.repeat(32);

let srv;
let s3;

const text = async (out) => Buffer.from(await bodyBytes(out)).toString();
const put = async (Bucket, Key, Body) => (await s3.send(new PutObjectCommand({ Bucket, Key, Body }))).VersionId;
const enable = (Bucket, Status = 'Enabled') =>
  s3.send(new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status } }));

// [key, versionId, isLatest, 'V' | 'D'] in the listing's order: by key, newest first.
async function versionsOf(Bucket, extra = {}) {
  const r = await s3.send(new ListObjectVersionsCommand({ Bucket, ...extra }));
  const rows = [
    ...(r.Versions ?? []).map((v) => [v.Key, v.VersionId, v.IsLatest, 'V', v.LastModified]),
    ...(r.DeleteMarkers ?? []).map((d) => [d.Key, d.VersionId, d.IsLatest, 'D', d.LastModified]),
  ];
  // Within a key the newest comes first; a marker and a version written in the same millisecond
  // are told apart by IsLatest, and older entries by time.
  rows.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : (b[2] - a[2]) || (b[4] - a[4])));
  return rows.map((row) => row.slice(0, 4));
}

before(async () => {
  srv = await startServer();
  s3 = srv.client();
});

after(async () => {
  s3?.destroy();
  await srv?.stop();
});

describe('bucket versioning setting', () => {
  it('is absent until enabled, then Enabled or Suspended; a bad Status is MalformedXML', async () => {
    await s3.send(new CreateBucketCommand({ Bucket: 'js-ver-setting' }));
    const never = await s3.send(new GetBucketVersioningCommand({ Bucket: 'js-ver-setting' }));
    assert.equal(never.Status, undefined);
    await enable('js-ver-setting');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'js-ver-setting' }))).Status, 'Enabled');
    await enable('js-ver-setting', 'Suspended');
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'js-ver-setting' }))).Status, 'Suspended');
    const e = await errorOf(() => enable('js-ver-setting', 'Off'));
    assertS3Error(e, 'MalformedXML', 400);
    assert.equal((await s3.send(new GetBucketVersioningCommand({ Bucket: 'js-ver-setting' }))).Status, 'Suspended');
    assertS3Error(await errorOf(() => enable('js-ver-nope')), 'NoSuchBucket', 404);
  });
});

describe('versions of an object', () => {
  const B = 'js-ver-objects';
  before(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await enable(B);
  });

  it('every PutObject and CopyObject returns a new version id; GET and HEAD read any version', async () => {
    const v1 = await put(B, 'k', 'one');
    const v2 = await put(B, 'k', 'two!');
    assert.ok(v1 && v2 && v1 !== v2 && v1 !== 'null');
    const old = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'k', VersionId: v1 }));
    assert.equal(old.VersionId, v1);
    assert.equal(await text(old), 'one');
    const cur = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'k' }));
    assert.equal(cur.VersionId, v2);
    assert.equal(await text(cur), 'two!');
    const head = await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'k', VersionId: v1 }));
    assert.equal(head.ContentLength, 3);
    const copy = await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'k-copy', CopySource: `${B}/k?versionId=${v1}` }));
    assert.equal(copy.CopySourceVersionId, v1);
    assert.ok(copy.VersionId);
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: B, Key: 'k-copy' }))), 'one');
    const tagged = await s3.send(new PutObjectTaggingCommand({
      Bucket: B, Key: 'k', VersionId: v1, Tagging: { TagSet: [{ Key: 'old', Value: 'yes' }] } }));
    assert.equal(tagged.VersionId, v1);
    const tags = await s3.send(new GetObjectTaggingCommand({ Bucket: B, Key: 'k', VersionId: v1 }));
    assert.deepEqual(tags.TagSet, [{ Key: 'old', Value: 'yes' }]);
    assert.deepEqual((await s3.send(new GetObjectTaggingCommand({ Bucket: B, Key: 'k' }))).TagSet, []);
  });

  it('preconditions apply to the version asked for, not the latest', async () => {
    const first = await s3.send(new PutObjectCommand({ Bucket: B, Key: 'cond', Body: 'first' }));
    await put(B, 'cond', 'second');
    const old = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'cond', VersionId: first.VersionId,
      IfMatch: first.ETag }));
    assert.equal(await text(old), 'first');
    let e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'cond', IfMatch: first.ETag })));
    assertS3Error(e, 'PreconditionFailed', 412);
    e = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'cond', VersionId: first.VersionId,
      IfNoneMatch: first.ETag })));
    assert.equal(e.$metadata.httpStatusCode, 304);
    const copied = await s3.send(new CopyObjectCommand({ Bucket: B, Key: 'cond-copy',
      CopySource: `${B}/cond?versionId=${first.VersionId}`, CopySourceIfMatch: first.ETag }));
    assert.equal(copied.CopySourceVersionId, first.VersionId);
    e = await errorOf(() => s3.send(new CopyObjectCommand({ Bucket: B, Key: 'cond-copy2',
      CopySource: `${B}/cond?versionId=${first.VersionId}`, CopySourceIfNoneMatch: first.ETag })));
    assertS3Error(e, 'PreconditionFailed', 412);
  });

  it('answers NoSuchVersion for an unknown id and InvalidArgument for a malformed one', async () => {
    await put(B, 'ids', 'x');
    let e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'ids', VersionId: UNKNOWN_VERSION })));
    assertS3Error(e, 'NoSuchVersion', 404);
    assert.equal(e.message, 'The specified version does not exist.');
    e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'ids', VersionId: 'nope' })));
    assertS3Error(e, 'InvalidArgument', 400);
    assert.equal(e.message, 'Invalid version id specified');
    e = await errorOf(() => s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'ids', VersionId: 'nope' })));
    assertS3Error(e, 'InvalidArgument', 400);
    e = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'ids', VersionId: UNKNOWN_VERSION })));
    assert.equal(e.$metadata.httpStatusCode, 404);
  });

  it('a plain DELETE adds a delete marker: GET is NoSuchKey, GET of the marker MethodNotAllowed', async () => {
    const v1 = await put(B, 'gone', 'was here');
    const del = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'gone' }));
    assert.equal(del.$metadata.httpStatusCode, 204);
    assert.equal(del.DeleteMarker, true);
    const marker = del.VersionId;
    assert.ok(marker && marker !== v1);
    // The SDK keeps the raw response on the error: the marker's headers are there.
    let e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'gone' })));
    assertS3Error(e, 'NoSuchKey', 404);
    assert.equal(e.$response.headers['x-amz-delete-marker'], 'true');
    assert.equal(e.$response.headers['x-amz-version-id'], marker);
    e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'gone', VersionId: marker })));
    assertS3Error(e, 'MethodNotAllowed', 405);
    assert.equal(e.$response.headers['x-amz-delete-marker'], 'true');
    e = await errorOf(() => s3.send(new HeadObjectCommand({ Bucket: B, Key: 'gone', VersionId: marker })));
    assert.equal(e.$metadata.httpStatusCode, 405);
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: B, Key: 'gone', VersionId: v1 }))), 'was here');
    assert.deepEqual(await versionsOf(B, { Prefix: 'gone' }), [['gone', marker, true, 'D'], ['gone', v1, false, 'V']]);
    // Deleting the marker by id brings the object back.
    const undo = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'gone', VersionId: marker }));
    assert.equal(undo.DeleteMarker, true);
    assert.equal(undo.VersionId, marker);
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: B, Key: 'gone' }))), 'was here');
  });

  it('DELETE of the latest version by id is permanent and promotes the previous one', async () => {
    const v1 = await put(B, 'promote', 'first');
    const v2 = await put(B, 'promote', 'second');
    const del = await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'promote', VersionId: v2 }));
    assert.equal(del.VersionId, v2);
    assert.equal(del.DeleteMarker, undefined);
    const cur = await s3.send(new GetObjectCommand({ Bucket: B, Key: 'promote' }));
    assert.equal(cur.VersionId, v1);
    assert.equal(await text(cur), 'first');
    const e = await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'promote', VersionId: v2 })));
    assertS3Error(e, 'NoSuchVersion', 404);
  });

  it('DeleteObjects deletes versions, adds markers and reports both', async () => {
    const a1 = await put(B, 'multi-a', 'a1');
    const a2 = await put(B, 'multi-a', 'a2');
    const b1 = await put(B, 'multi-b', 'b');
    const r = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [
      { Key: 'multi-a', VersionId: a1 }, { Key: 'multi-b' }, { Key: 'multi-a', VersionId: 'malformed' }] } }));
    assert.equal(r.$metadata.httpStatusCode, 200);
    const byKey = Object.fromEntries(r.Deleted.map((d) => [`${d.Key}@${d.VersionId ?? ''}`, d]));
    assert.equal(byKey[`multi-a@${a1}`].DeleteMarker, undefined);
    assert.equal(byKey['multi-b@'].DeleteMarker, true);
    const bMarker = byKey['multi-b@'].DeleteMarkerVersionId;
    assert.ok(bMarker);
    assert.deepEqual(r.Errors.map((x) => [x.Key, x.VersionId, x.Code, x.Message]),
      [['multi-a', 'malformed', 'NoSuchVersion', 'The specified version does not exist.']]);
    assert.deepEqual(await versionsOf(B, { Prefix: 'multi-' }),
      [['multi-a', a2, true, 'V'], ['multi-b', bMarker, true, 'D'], ['multi-b', b1, false, 'V']]);
    const undo = await s3.send(new DeleteObjectsCommand({ Bucket: B, Delete: { Objects: [
      { Key: 'multi-b', VersionId: bMarker }] } }));
    assert.deepEqual(undo.Deleted.map((d) => [d.Key, d.VersionId, d.DeleteMarker, d.DeleteMarkerVersionId]),
      [['multi-b', bMarker, true, bMarker]]);
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: B, Key: 'multi-b' }))), 'b');
  });
});

describe('ListObjectVersions', () => {
  const B = 'js-ver-list';
  const written = [];
  before(async () => {
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await enable(B);
    for (const key of ['a', 'b', 'dir/c', 'dir/d']) {
      for (let i = 0; i < 3; i++) written.push([key, await put(B, key, `${key}${i}`)]);
    }
    written.push(['b', (await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'b' }))).VersionId]);
  });

  it('pages with MaxKeys, KeyMarker and VersionIdMarker through every version', async () => {
    const seen = [];
    let params = {};
    let pages = 0;
    for (;;) {
      const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B, MaxKeys: 5, ...params }));
      pages++;
      assert.equal(r.MaxKeys, 5);
      const entries = [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])];
      assert.ok(entries.length <= 5);
      for (const v of entries) seen.push([v.Key, v.VersionId]);
      if (!r.IsTruncated) break;
      assert.ok(r.NextKeyMarker && r.NextVersionIdMarker);
      params = { KeyMarker: r.NextKeyMarker, VersionIdMarker: r.NextVersionIdMarker };
    }
    assert.equal(pages, 3);  // 13 entries
    assert.deepEqual(seen.map((s) => s.join('@')).sort(), written.map((w) => w.join('@')).sort());
  });

  // The JS SDK has no paginator for ListObjectVersions (two markers): page by hand, one entry a
  // page, so every resume point (inside a key, across keys, after a marker) is exercised.
  it('MaxKeys 1 resumes after each entry, markers included', async () => {
    const seen = [];
    let params = {};
    for (;;) {
      const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B, MaxKeys: 1, ...params }));
      const entries = [...(r.Versions ?? []), ...(r.DeleteMarkers ?? [])];
      assert.equal(entries.length, 1);
      seen.push(`${entries[0].Key}@${entries[0].VersionId}`);
      if (!r.IsTruncated) break;
      assert.equal(`${r.NextKeyMarker}@${r.NextVersionIdMarker}`, seen.at(-1));
      params = { KeyMarker: r.NextKeyMarker, VersionIdMarker: r.NextVersionIdMarker };
    }
    assert.equal(seen.length, written.length);
    assert.deepEqual([...seen].sort(), written.map((w) => w.join('@')).sort());
  });

  it('Prefix and Delimiter group versions under CommonPrefixes; IsLatest marks the newest', async () => {
    const r = await s3.send(new ListObjectVersionsCommand({ Bucket: B, Delimiter: '/' }));
    assert.deepEqual(r.CommonPrefixes.map((p) => p.Prefix), ['dir/']);
    assert.deepEqual([...new Set(r.Versions.map((v) => v.Key))], ['a', 'b']);
    assert.deepEqual(r.DeleteMarkers.map((d) => [d.Key, d.IsLatest]), [['b', true]]);
    assert.equal(r.Versions.filter((v) => v.IsLatest).map((v) => v.Key).join(), 'a');
    const dir = await versionsOf(B, { Prefix: 'dir/' });
    assert.equal(dir.length, 6);
    assert.deepEqual(dir.filter((row) => row[2]).map((row) => row[0]), ['dir/c', 'dir/d']);
    const e = await errorOf(() => s3.send(new ListObjectVersionsCommand({ Bucket: 'js-ver-absent' })));
    assertS3Error(e, 'NoSuchBucket', 404);
  });
});

describe('null versions and emptying a versioned bucket', () => {
  it('objects from before versioning and writes while Suspended are the null version', async () => {
    const B = 'js-ver-null';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await put(B, 'n', 'before');
    await enable(B);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'n' }))).VersionId, 'null');
    const v = await put(B, 'n', 'enabled');
    await enable(B, 'Suspended');
    // The write that makes the null version names none; reads of it say "null".
    assert.equal(await put(B, 'n', 'suspended'), undefined);
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket: B, Key: 'n' }))).VersionId, 'null');
    assert.deepEqual(await versionsOf(B), [['n', 'null', true, 'V'], ['n', v, false, 'V']]);
    assert.equal(await text(await s3.send(new GetObjectCommand({ Bucket: B, Key: 'n', VersionId: 'null' }))), 'suspended');
  });

  it('DeleteBucket is BucketNotEmpty while versions or markers remain', async () => {
    const B = 'js-ver-empty';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await enable(B);
    const v = await put(B, 'x', 'x');
    const m = (await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'x' }))).VersionId;
    let e = await errorOf(() => s3.send(new DeleteBucketCommand({ Bucket: B })));
    assertS3Error(e, 'BucketNotEmpty', 409);
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'x', VersionId: v }));
    e = await errorOf(() => s3.send(new DeleteBucketCommand({ Bucket: B })));
    assertS3Error(e, 'BucketNotEmpty', 409);
    await s3.send(new DeleteObjectCommand({ Bucket: B, Key: 'x', VersionId: m }));
    const gone = await s3.send(new DeleteBucketCommand({ Bucket: B }));
    assert.equal(gone.$metadata.httpStatusCode, 204);
  });
});
