// conformance.access_control_js: canned ACLs and grants, Object Ownership and Block Public Access through
// @aws-sdk/client-s3, with anonymous (unsigned fetch) and other-user callers: who may read and
// list, and the exact refusals (AccessControlListNotSupported, InvalidBucketAclWithObjectOwnership,
// AccessDenied under BlockPublicAcls, MalformedXML, NoSuch... for missing configurations).
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateBucketCommand, HeadBucketCommand, PutObjectCommand, GetObjectCommand, ListObjectsV2Command, CopyObjectCommand,
  GetBucketAclCommand, PutBucketAclCommand, GetObjectAclCommand, PutObjectAclCommand,
  GetBucketOwnershipControlsCommand, PutBucketOwnershipControlsCommand, DeleteBucketOwnershipControlsCommand,
  GetPublicAccessBlockCommand, PutPublicAccessBlockCommand, DeletePublicAccessBlockCommand,
} from '@aws-sdk/client-s3';
import { startServer, errorOf, assertS3Error, assertNotFound, bodyBytes } from './harness.mjs';

const BOB = { name: 'bob', access_key: 'JSBOBKEY', secret_key: 'JSBOBSECRET' };
const ALL_USERS = 'http://acs.amazonaws.com/groups/global/AllUsers';
const AUTH_USERS = 'http://acs.amazonaws.com/groups/global/AuthenticatedUsers';
let srv;
let s3;
let bob;

const grants = (acl) => acl.Grants.map((g) => [g.Grantee.Type, g.Grantee.DisplayName ?? g.Grantee.URI, g.Permission]);
const anonymous = (path, method = 'GET') => fetch(`${srv.endpoint}${path}`, { method }).then(async (r) => ({
  status: r.status, text: await r.text() }));

async function openBucket(Bucket) {
  await s3.send(new CreateBucketCommand({ Bucket, ObjectOwnership: 'ObjectWriter' }));
  await s3.send(new DeletePublicAccessBlockCommand({ Bucket }));
}

before(async () => {
  srv = await startServer({ config: { users: [BOB] } });
  s3 = srv.client();
  bob = srv.client({ accessKeyId: BOB.access_key, secretAccessKey: BOB.secret_key });
});

after(async () => {
  s3?.destroy();
  bob?.destroy();
  await srv?.stop();
});

describe('defaults: ACLs off, Block Public Access on', () => {
  it('a new bucket is BucketOwnerEnforced with every public access block set', async () => {
    const B = 'js-acl-defaults';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    const oc = await s3.send(new GetBucketOwnershipControlsCommand({ Bucket: B }));
    assert.deepEqual(oc.OwnershipControls, { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] });
    const pab = await s3.send(new GetPublicAccessBlockCommand({ Bucket: B }));
    assert.deepEqual(pab.PublicAccessBlockConfiguration,
                     { BlockPublicAcls: true, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: true });
    const acl = await s3.send(new GetBucketAclCommand({ Bucket: B }));
    assert.equal(acl.Owner.ID.length, 64);
    assert.deepEqual(grants(acl), [['CanonicalUser', acl.Owner.DisplayName, 'FULL_CONTROL']]);
  });

  it('ACLs that grant more than the owner are AccessControlListNotSupported', async () => {
    const B = 'js-acl-enforced';
    await s3.send(new CreateBucketCommand({ Bucket: B }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'private', Body: 'x', ACL: 'bucket-owner-full-control' }));
    for (const call of [
      () => s3.send(new PutObjectCommand({ Bucket: B, Key: 'pub', Body: 'x', ACL: 'public-read' })),
      () => s3.send(new PutObjectAclCommand({ Bucket: B, Key: 'private', ACL: 'public-read' })),
      () => s3.send(new PutBucketAclCommand({ Bucket: B, ACL: 'public-read' })),
      () => s3.send(new CopyObjectCommand({ Bucket: B, Key: 'cp', CopySource: `${B}/private`, ACL: 'public-read' })),
    ]) {
      const e = await errorOf(call);
      assertS3Error(e, 'AccessControlListNotSupported', 400);
      assert.equal(e.message, 'The bucket does not allow ACLs');
    }
    assert.equal((await anonymous(`/${B}/private`)).status, 403);
  });

  it('CreateBucket with a public ACL needs ObjectWriter and no public access block', async () => {
    assertS3Error(await errorOf(() => s3.send(new CreateBucketCommand({ Bucket: 'js-acl-refused', ACL: 'public-read' }))),
                  'InvalidBucketAclWithObjectOwnership', 400);
    assertS3Error(await errorOf(() => s3.send(new CreateBucketCommand({
      Bucket: 'js-acl-refused', ACL: 'public-read', ObjectOwnership: 'ObjectWriter' }))),
    'InvalidBucketAclWithBlockPublicAccessError', 400);
    assertNotFound(await errorOf(() => s3.send(new HeadBucketCommand({ Bucket: 'js-acl-refused' }))));
  });
});

describe('canned ACLs with ACLs on', () => {
  it('public-read objects and bucket listings are open to anonymous callers; private ones are not', async () => {
    const B = 'js-acl-open';
    await openBucket(B);
    assertS3Error(await errorOf(() => s3.send(new GetPublicAccessBlockCommand({ Bucket: B }))),
                  'NoSuchPublicAccessBlockConfiguration', 404);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'public.txt', Body: 'for everyone', ACL: 'public-read' }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'private.txt', Body: 'secret' }));
    assert.deepEqual(await anonymous(`/${B}/public.txt`), { status: 200, text: 'for everyone' });
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'public.txt' }));
    assert.deepEqual(grants(acl).map(([t, , p]) => [t, p]), [['CanonicalUser', 'FULL_CONTROL'], ['Group', 'READ']]);
    assert.equal(acl.Grants[1].Grantee.URI, ALL_USERS);
    for (const key of ['private.txt', 'missing.txt']) {
      const r = await anonymous(`/${B}/${key}`);
      assert.equal(r.status, 403);
      assert.match(r.text, /<Code>AccessDenied<\/Code>/);
    }
    assert.equal((await anonymous(`/${B}?list-type=2`)).status, 403);
    await s3.send(new PutBucketAclCommand({ Bucket: B, ACL: 'public-read' }));
    const listing = await anonymous(`/${B}?list-type=2`);
    assert.equal(listing.status, 200);
    assert.deepEqual([...listing.text.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]), ['private.txt', 'public.txt']);
    const bobs = await bob.send(new ListObjectsV2Command({ Bucket: B }));
    assert.deepEqual(bobs.Contents.map((o) => o.Key), ['private.txt', 'public.txt']);
    await s3.send(new PutBucketAclCommand({ Bucket: B, ACL: 'private' }));
    assertS3Error(await errorOf(() => bob.send(new ListObjectsV2Command({ Bucket: B }))), 'AccessDenied', 403);
    assert.equal((await anonymous(`/${B}/anon.txt`, 'PUT')).status, 403);
    await s3.send(new PutObjectAclCommand({ Bucket: B, Key: 'public.txt', ACL: 'private' }));
    assert.equal((await anonymous(`/${B}/public.txt`)).status, 403);
  });

  it('authenticated-read is for signed-in users only', async () => {
    const B = 'js-acl-auth';
    await openBucket(B);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'members.txt', Body: 'members', ACL: 'authenticated-read' }));
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'mine.txt', Body: 'mine' }));
    const got = await bob.send(new GetObjectCommand({ Bucket: B, Key: 'members.txt' }));
    assert.equal((await bodyBytes(got)).toString(), 'members');
    assertS3Error(await errorOf(() => bob.send(new GetObjectCommand({ Bucket: B, Key: 'mine.txt' }))), 'AccessDenied', 403);
    assert.equal((await anonymous(`/${B}/members.txt`)).status, 403);
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'members.txt' }));
    assert.equal(acl.Grants[1].Grantee.URI, AUTH_USERS);
  });

  it('an AccessControlPolicy document grants; a bad grantee or ACL name is refused', async () => {
    const B = 'js-acl-doc';
    await openBucket(B);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'k', Body: 'k' }));
    const { Owner } = await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'k' }));
    await s3.send(new PutObjectAclCommand({ Bucket: B, Key: 'k', AccessControlPolicy: { Owner, Grants: [
      { Grantee: { Type: 'CanonicalUser', ID: Owner.ID }, Permission: 'FULL_CONTROL' },
      { Grantee: { Type: 'Group', URI: ALL_USERS }, Permission: 'READ' }] } }));
    assert.equal((await anonymous(`/${B}/k`)).status, 200);
    assertS3Error(await errorOf(() => s3.send(new PutObjectAclCommand({ Bucket: B, Key: 'k', AccessControlPolicy: {
      Owner, Grants: [{ Grantee: { Type: 'CanonicalUser', ID: '0'.repeat(64) }, Permission: 'FULL_CONTROL' }] } }))),
    'InvalidArgument', 400);
    assertS3Error(await errorOf(() => s3.send(new PutObjectCommand({ Bucket: B, Key: 'k2', Body: 'x', ACL: 'public-ready' }))),
                  'InvalidArgument', 400);
    assertS3Error(await errorOf(() => s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'missing' }))), 'NoSuchKey', 404);
    assert.equal((await anonymous(`/${B}/k`)).status, 200);  // the refusals changed nothing
  });

  it('x-amz-grant-read on PutObject is the whole ACL and lets that user read', async () => {
    const B = 'js-acl-grants';
    await openBucket(B);
    await bob.send(new CreateBucketCommand({ Bucket: 'js-acl-grants-bob' }));
    const bobId = (await bob.send(new GetBucketAclCommand({ Bucket: 'js-acl-grants-bob' }))).Owner.ID;
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'shared', Body: 'for bob', GrantRead: `id="${bobId}"` }));
    const acl = await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'shared' }));
    assert.deepEqual(grants(acl), [['CanonicalUser', 'bob', 'READ']]);
    assert.equal(acl.Grants[0].Grantee.ID, bobId);
    assert.equal((await bodyBytes(await bob.send(new GetObjectCommand({ Bucket: B, Key: 'shared' })))).toString(), 'for bob');
    assertS3Error(await errorOf(() => bob.send(new GetObjectAclCommand({ Bucket: B, Key: 'shared' }))), 'AccessDenied', 403);
    assertS3Error(await errorOf(() => s3.send(new PutObjectCommand({ Bucket: B, Key: 'both', Body: 'x', ACL: 'private',
      GrantRead: `id="${bobId}"` }))), 'InvalidRequest', 400);
    assertS3Error(await errorOf(() => s3.send(new PutObjectCommand({ Bucket: B, Key: 'bad', Body: 'x',
      GrantRead: `id="${'0'.repeat(64)}"` }))), 'InvalidArgument', 400);
    assertS3Error(await errorOf(() => s3.send(new GetObjectCommand({ Bucket: B, Key: 'both' }))), 'NoSuchKey', 404);
  });
});

describe('Block Public Access and Object Ownership', () => {
  it('IgnorePublicAcls hides stored grants; BlockPublicAcls refuses new ones', async () => {
    const B = 'js-acl-block';
    await openBucket(B);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'p', Body: 'p', ACL: 'public-read' }));
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: B, PublicAccessBlockConfiguration: { IgnorePublicAcls: true } }));
    const got = await s3.send(new GetPublicAccessBlockCommand({ Bucket: B }));
    assert.deepEqual(got.PublicAccessBlockConfiguration,
                     { BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: false, RestrictPublicBuckets: false });
    assert.equal((await anonymous(`/${B}/p`)).status, 403);
    await s3.send(new PutPublicAccessBlockCommand({ Bucket: B, PublicAccessBlockConfiguration: { BlockPublicAcls: true } }));
    assert.equal((await anonymous(`/${B}/p`)).status, 200);
    assertS3Error(await errorOf(() => s3.send(new PutObjectCommand({ Bucket: B, Key: 'q', Body: 'q', ACL: 'public-read' }))),
                  'AccessDenied', 403);
    assertS3Error(await errorOf(() => s3.send(new PutObjectAclCommand({ Bucket: B, Key: 'p', ACL: 'public-read-write' }))),
                  'AccessDenied', 403);
  });

  it('BucketOwnerEnforced turns stored grants off; a public bucket ACL must go first', async () => {
    const B = 'js-acl-own';
    await openBucket(B);
    await s3.send(new PutObjectCommand({ Bucket: B, Key: 'p', Body: 'p', ACL: 'public-read' }));
    assert.equal((await anonymous(`/${B}/p`)).status, 200);
    await s3.send(new PutBucketOwnershipControlsCommand({ Bucket: B,
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }));
    assert.equal((await anonymous(`/${B}/p`)).status, 403);
    assert.equal((await s3.send(new GetObjectAclCommand({ Bucket: B, Key: 'p' }))).Grants.length, 1);
    await s3.send(new DeleteBucketOwnershipControlsCommand({ Bucket: B }));
    assertS3Error(await errorOf(() => s3.send(new GetBucketOwnershipControlsCommand({ Bucket: B }))),
                  'OwnershipControlsNotFoundError', 404);
    await s3.send(new PutBucketAclCommand({ Bucket: B, ACL: 'public-read' }));
    assertS3Error(await errorOf(() => s3.send(new PutBucketOwnershipControlsCommand({ Bucket: B,
      OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] } }))),
    'InvalidBucketAclWithObjectOwnership', 400);
  });
});
