#include "storage/record_codec.h"

#include <doctest/doctest.h>

#include "storage/wire.h"

namespace xs3::storage {
namespace {

ObjectRecord Sample() {
  ObjectRecord r;
  r.meta.size = 123456789012;
  r.meta.etag = "d41d8cd98f00b204e9800998ecf8427e";
  r.meta.mtime_ms = 1732500000123;
  r.meta.owner = "alice";
  r.meta.content_type = "text/plain";
  r.meta.content_encoding = "gzip";
  r.meta.content_disposition = "attachment";
  r.meta.content_language = "en";
  r.meta.cache_control = "no-cache";
  r.meta.expires = "Wed, 21 Oct 2015 07:28:00 GMT";
  r.meta.storage_class = "STANDARD_IA";
  r.meta.user_meta = {{"b", "2"}, {"a", std::string("\0x", 2)}};
  r.meta.checksums = {{"CRC32", "AAAAAA=="}, {"SHA256", "xyz"}};
  r.meta.checksum_type = "FULL_OBJECT";
  r.inline_body = std::string("body\0bytes", 10);
  return r;
}

TEST_CASE("record codec: ObjectRecord round trip keeps every field") {
  ObjectRecord in = Sample(), out;
  std::string v = EncodeRecord(in);
  REQUIRE(DecodeRecord(v, &out));
  CHECK(out.meta.size == in.meta.size);
  CHECK(out.meta.etag == in.meta.etag);
  CHECK(out.meta.mtime_ms == in.meta.mtime_ms);
  CHECK(out.meta.owner == in.meta.owner);
  CHECK(out.meta.content_type == in.meta.content_type);
  CHECK(out.meta.content_encoding == in.meta.content_encoding);
  CHECK(out.meta.content_disposition == in.meta.content_disposition);
  CHECK(out.meta.content_language == in.meta.content_language);
  CHECK(out.meta.cache_control == in.meta.cache_control);
  CHECK(out.meta.expires == in.meta.expires);
  CHECK(out.meta.storage_class == in.meta.storage_class);
  CHECK(out.meta.user_meta == in.meta.user_meta);
  CHECK(out.meta.checksums == in.meta.checksums);
  CHECK(out.meta.checksum_type == in.meta.checksum_type);
  CHECK(out.inline_body == in.inline_body);
  CHECK(out.blob_id.empty());

  ObjectRecord meta_only;
  REQUIRE(DecodeRecord(v, &meta_only, /*with_body=*/false));
  CHECK(meta_only.inline_body.empty());
  CHECK(meta_only.meta.etag == in.meta.etag);
}

TEST_CASE("record codec: negative mtime and blob id") {
  ObjectRecord in, out;
  in.meta.mtime_ms = -5;
  in.blob_id = "0123456789abcdef0123456789abcdef";
  REQUIRE(DecodeRecord(EncodeRecord(in), &out));
  CHECK(out.meta.mtime_ms == -5);
  CHECK(out.blob_id == in.blob_id);
}

TEST_CASE("record codec: truncated or trailing bytes are rejected") {
  std::string v = EncodeRecord(Sample());
  ObjectRecord out;
  for (size_t n = 0; n < v.size(); ++n) CHECK_FALSE(DecodeRecord(v.substr(0, n), &out));
  CHECK_FALSE(DecodeRecord(v + "x", &out));
  std::string bad_version = v;
  bad_version[0] = 9;
  CHECK_FALSE(DecodeRecord(bad_version, &out));
}

TEST_CASE("record codec: extents round trip; truncations rejected; meta-only skips inline pieces") {
  ObjectRecord in = Sample(), out;
  in.inline_body.clear();
  in.extents = {Extent{5, "", "hello"}, Extent{1 << 20, "0123456789abcdef0123456789abcdef", ""},
                Extent{3, "", std::string("a\0b", 3)}};
  std::string v = EncodeRecord(in);
  REQUIRE(DecodeRecord(v, &out));
  REQUIRE(out.extents.size() == 3);
  CHECK(out.extents[0].inline_data == "hello");
  CHECK(out.extents[1].blob_id == in.extents[1].blob_id);
  CHECK(out.extents[1].size == (1u << 20));
  CHECK(out.extents[2].inline_data == in.extents[2].inline_data);
  CHECK(out.part_count == 0);
  in.part_count = 9999;
  REQUIRE(DecodeRecord(EncodeRecord(in), &out));
  CHECK(out.part_count == 9999);
  ObjectRecord parts_only = Sample(), parts_out;
  parts_only.part_count = 3;
  REQUIRE(DecodeRecord(EncodeRecord(parts_only), &parts_out));
  CHECK(parts_out.part_count == 3);
  CHECK(parts_out.extents.empty());
  CHECK(parts_out.inline_body == parts_only.inline_body);
  ObjectRecord meta_only;
  REQUIRE(DecodeRecord(v, &meta_only, /*with_body=*/false));
  CHECK(meta_only.extents.size() == 3);
  CHECK(meta_only.extents[0].inline_data.empty());
  CHECK(meta_only.extents[0].size == 5);
  for (size_t n = 0; n < v.size(); ++n) CHECK_FALSE(DecodeRecord(v.substr(0, n), &out));
  CHECK_FALSE(DecodeRecord(v + "x", &out));
  // A record without extents decodes with an empty list even into a reused struct.
  REQUIRE(DecodeRecord(EncodeRecord(Sample()), &out));
  CHECK(out.extents.empty());
  CHECK(out.part_count == 0);
}

TEST_CASE("record codec: BucketInfo round trip") {
  BucketInfo in{"bkt", "us-east-1", "alice", 1732500000000, BucketType::Directory, "use1-az4"}, out;
  REQUIRE(DecodeBucket("bkt", EncodeBucket(in), &out));
  CHECK(out.name == "bkt");
  CHECK(out.region == in.region);
  CHECK(out.owner == in.owner);
  CHECK(out.created_ms == in.created_ms);
  CHECK(out.type == BucketType::Directory);
  CHECK(out.zone == in.zone);
}


// The layout releases before object tagging wrote (version 1 records, buckets and uploads),
// spelled out byte by byte so a codec change cannot silently move it.
void PutV1Meta(WireWriter& w) {
  w.PutVarint(5);
  w.PutFixed64(1732500000123);
  for (const char* s : {"etag", "alice", "text/plain", "", "", "", "", "", "", ""}) w.PutString(s);
  w.PutVarint(1);
  w.PutString("color");
  w.PutString("blue");
  w.PutVarint(0);
}

TEST_CASE("record codec: records, buckets and uploads written without tags still decode") {
  WireWriter r;
  r.PutByte(1);
  PutV1Meta(r);
  r.PutString("");
  r.PutString("hello");
  ObjectRecord rec;
  rec.meta.tags = {{"stale", "x"}};  // a reused struct must come back without tags
  REQUIRE(DecodeRecord(r.Take(), &rec));
  CHECK(rec.meta.etag == "etag");
  CHECK(rec.meta.user_meta == std::vector<std::pair<std::string, std::string>>{{"color", "blue"}});
  CHECK(rec.inline_body == "hello");
  CHECK(rec.meta.tags.empty());

  WireWriter b;
  b.PutByte(1);
  b.PutString("us-east-1");
  b.PutString("alice");
  b.PutFixed64(1732500000000);
  b.PutByte(0);
  b.PutString("");
  b.PutString("{}");
  BucketInfo info;
  REQUIRE(DecodeBucket("bkt", b.Take(), &info));
  CHECK(info.policy == "{}");
  CHECK_FALSE(info.tags.has_value());
  CHECK(info.cors.empty());
  CHECK(info.object_ownership == "BucketOwnerEnforced");
  CHECK_FALSE(info.public_access_block.has_value());

  WireWriter u;
  u.PutByte(1);
  u.PutString("key");
  u.PutFixed64(1732500000000);
  PutV1Meta(u);
  MultipartUpload up;
  REQUIRE(DecodeUpload("bkt", "id", u.Take(), &up));
  CHECK(up.key == "key");
  CHECK(up.meta.tags.empty());
}

TEST_CASE("record codec: tags round trip; untagged values keep the old version byte") {
  ObjectRecord in = Sample(), out;
  CHECK(EncodeRecord(in)[0] == 1);
  in.meta.tags = {{"b", "2"}, {"a", ""}, {"k\xc3\xbc", "v"}};
  std::string v = EncodeRecord(in);
  CHECK(v[0] == 3);
  REQUIRE(DecodeRecord(v, &out));
  CHECK(out.meta.tags == in.meta.tags);
  CHECK(out.inline_body == in.inline_body);
  for (size_t n = 0; n < v.size(); ++n) CHECK_FALSE(DecodeRecord(v.substr(0, n), &out));
  CHECK_FALSE(DecodeRecord(v + "x", &out));

  in.meta.acl = "public-read";
  REQUIRE(DecodeRecord(EncodeRecord(in), &out));
  CHECK(out.meta.acl == "public-read");
  in.meta.tags.clear();  // an ACL alone needs version 3 too
  REQUIRE(DecodeRecord(EncodeRecord(in), &out));
  CHECK(out.meta.acl == "public-read");
  CHECK(out.meta.tags.empty());

  in.meta.tags = {{"t", "1"}};
  MultipartUpload up{"id", "bkt", "key", in.meta, 7}, up_out;
  REQUIRE(DecodeUpload("bkt", "id", EncodeUpload(up), &up_out));
  CHECK(up_out.meta.tags == in.meta.tags);
  CHECK(up_out.meta.acl == "public-read");

  BucketInfo bucket{"bkt", "us-east-1", "alice", 1, BucketType::GeneralPurpose, "", ""}, bucket_out;
  CHECK(EncodeBucket(bucket)[0] == 1);
  bucket.tags.emplace();  // an empty tag set is not the same as none
  REQUIRE(DecodeBucket("bkt", EncodeBucket(bucket), &bucket_out));
  REQUIRE(bucket_out.tags.has_value());
  CHECK(bucket_out.tags->empty());
  bucket.tags = {{{"team", "storage"}}};
  bucket.cors = "<CORSConfiguration/>";
  std::string bv = EncodeBucket(bucket);
  REQUIRE(DecodeBucket("bkt", bv, &bucket_out));
  CHECK(*bucket_out.tags == *bucket.tags);
  CHECK(bucket_out.cors == bucket.cors);
  for (size_t n = 0; n < bv.size(); ++n) CHECK_FALSE(DecodeBucket("bkt", bv.substr(0, n), &bucket_out));

  // Ownership and Block Public Access, including their absence, which version 1 cannot say.
  BucketInfo acls{"acl", "us-east-1", "alice", 1, BucketType::GeneralPurpose, "", ""};
  acls.object_ownership.reset();
  REQUIRE(DecodeBucket("acl", EncodeBucket(acls), &bucket_out));
  CHECK_FALSE(bucket_out.object_ownership.has_value());
  acls.object_ownership = "ObjectWriter";
  acls.acl = "public-read";
  acls.public_access_block = PublicAccessBlock{true, false, true, false};
  REQUIRE(DecodeBucket("acl", EncodeBucket(acls), &bucket_out));
  CHECK(bucket_out.object_ownership == "ObjectWriter");
  CHECK(bucket_out.acl == "public-read");
  CHECK(bucket_out.public_access_block == acls.public_access_block);
  CHECK_FALSE(bucket_out.tags.has_value());
  CHECK(bucket_out.lifecycle.empty());

  // The lifecycle configuration trails version 2; records from before it read as none.
  std::string without = EncodeBucket(acls);
  acls.lifecycle = "<LifecycleConfiguration><Rule/></LifecycleConfiguration>";
  std::string with = EncodeBucket(acls);
  REQUIRE(DecodeBucket("acl", with, &bucket_out));
  CHECK(bucket_out.lifecycle == acls.lifecycle);
  CHECK(bucket_out.public_access_block == acls.public_access_block);
  REQUIRE(DecodeBucket("acl", without, &bucket_out));
  CHECK(bucket_out.lifecycle.empty());
  for (size_t n = without.size() + 1; n < with.size(); ++n) CHECK_FALSE(DecodeBucket("acl", with.substr(0, n), &bucket_out));
}

TEST_CASE("record codec: versioning and default encryption trail the lifecycle; each reads back alone") {
  BucketInfo b{"vb", "us-east-1", "alice", 1, BucketType::GeneralPurpose, "", ""};
  BucketInfo out;
  b.versioning = "Suspended";
  std::string versioned = EncodeBucket(b);
  REQUIRE(DecodeBucket("vb", versioned, &out));
  CHECK(out.versioning == "Suspended");
  CHECK(out.lifecycle.empty());
  CHECK(out.encryption.empty());

  // Encryption alone still writes the (empty) lifecycle and versioning before it.
  b.versioning.clear();
  b.encryption = "<ServerSideEncryptionConfiguration/>";
  std::string encrypted = EncodeBucket(b);
  REQUIRE(DecodeBucket("vb", encrypted, &out));
  CHECK(out.encryption == b.encryption);
  CHECK(out.versioning.empty());
  CHECK(out.lifecycle.empty());

  b.versioning = "Enabled";
  b.lifecycle = "<LifecycleConfiguration/>";
  std::string all = EncodeBucket(b);
  REQUIRE(DecodeBucket("vb", all, &out));
  CHECK(out.versioning == "Enabled");
  CHECK(out.lifecycle == b.lifecycle);
  CHECK(out.encryption == b.encryption);
  // A record from before encryption existed decodes as S3's default.
  REQUIRE(DecodeBucket("vb", versioned, &out));
  CHECK(out.encryption.empty());
  for (size_t n = 0; n < all.size(); ++n) {
    BucketInfo partial;
    if (DecodeBucket("vb", all.substr(0, n), &partial)) {
      // Only a cut exactly between trailing fields can decode, and it loses the later ones.
      CHECK(partial.encryption.empty());
    }
  }
}

TEST_CASE("record codec: SSE-C block round trips on records, uploads and parts; older values still decode") {
  ObjectRecord in = Sample(), out;
  in.meta.version_id = "0123456789abcdef0123456789abcdef";
  std::string v4 = EncodeRecord(in);
  CHECK(v4[0] == 4);
  in.meta.sse_customer = SseCustomer{std::string(16, 's'), std::string(32, 'h'), {std::string(16, 'a'), std::string(16, 'b')}};
  std::string v5 = EncodeRecord(in);
  CHECK(v5[0] == 5);
  REQUIRE(DecodeRecord(v5, &out));
  REQUIRE(out.meta.sse_customer.has_value());
  CHECK(*out.meta.sse_customer == *in.meta.sse_customer);
  CHECK(out.meta.version_id == in.meta.version_id);
  CHECK(out.inline_body == in.inline_body);
  for (size_t n = 0; n < v5.size(); ++n) CHECK_FALSE(DecodeRecord(v5.substr(0, n), &out));
  CHECK_FALSE(DecodeRecord(v5 + "x", &out));
  // A reused struct must not keep the SSE-C block of the record decoded before.
  REQUIRE(DecodeRecord(v4, &out));
  CHECK_FALSE(out.meta.sse_customer.has_value());
  CHECK(out.meta.version_id == in.meta.version_id);

  // SSE-C alone (no version id, no tags) still writes the fields of versions 2 to 4.
  ObjectRecord plain = Sample();
  plain.meta.sse_customer = SseCustomer{"salt", "hmac", {"iv"}};
  REQUIRE(DecodeRecord(EncodeRecord(plain), &out));
  CHECK(out.meta.sse_customer->ivs == std::vector<std::string>{"iv"});
  CHECK(out.meta.version_id.empty());

  MultipartUpload up{"id", "bkt", "key", Sample().meta, 7}, up_out;
  std::string u2 = EncodeUpload(up);
  up.meta.sse_customer = SseCustomer{"salt", "hmac", {}};
  std::string u3 = EncodeUpload(up);
  CHECK(u3[0] == 3);
  REQUIRE(DecodeUpload("bkt", "id", u3, &up_out));
  CHECK(up_out.meta.sse_customer == up.meta.sse_customer);
  for (size_t n = 0; n < u3.size(); ++n) CHECK_FALSE(DecodeUpload("bkt", "id", u3.substr(0, n), &up_out));
  REQUIRE(DecodeUpload("bkt", "id", u2, &up_out));
  CHECK_FALSE(up_out.meta.sse_customer.has_value());

  UploadPart part{3, Extent{5, "", "hello"}, "etag", "crc", 9}, part_out;
  std::string p1 = EncodePart(part);
  CHECK(p1[0] == 1);
  part.sse_iv = std::string(16, 'i');
  std::string p2 = EncodePart(part);
  CHECK(p2[0] == 2);
  REQUIRE(DecodePart(p2, &part_out));
  CHECK(part_out.sse_iv == part.sse_iv);
  CHECK(part_out.extent.inline_data == "hello");
  for (size_t n = 0; n < p2.size(); ++n) CHECK_FALSE(DecodePart(p2.substr(0, n), &part_out));
  REQUIRE(DecodePart(p1, &part_out));
  CHECK(part_out.sse_iv.empty());
}

}  // namespace
}  // namespace xs3::storage
