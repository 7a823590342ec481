#include "storage/key_codec.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

namespace xs3::storage {
namespace {

// What the flat index does to order: the LMDB key of each (bucket, key), groups collapsing.
bool EncodedLessOrGrouped(const std::string& b, const std::string& x, const std::string& y) {
  std::string ex = EncodeObjectKey(b, x), ey = EncodeObjectKey(b, y);
  return ex < ey || (ex == ey && IsGroupedKey(x) && IsGroupedKey(y));
}

TEST_CASE("key codec: short keys are bucket NUL key, long keys share a group entry") {
  CHECK(EncodeObjectKey("b", "k") == std::string("b\0k", 3));
  std::string long1(1024, 'a'), long2 = std::string(kInlineKeyLimit, 'a') + "b";
  CHECK(EncodeObjectKey("b", long1) == EncodeObjectKey("b", long2));
  CHECK(EncodeObjectKey("b", long1).size() == 2 + kInlineKeyLimit + 1);
  CHECK(EncodeObjectKey(std::string(63, 'x'), long1).size() <= 511);
  std::string enc = EncodeObjectKey("bk", long1);
  auto d = DecodeObjectKey(enc);
  REQUIRE(d);
  CHECK(d->bucket == "bk");
  CHECK(d->group);
  std::string enc2 = EncodeObjectKey("bk", std::string(kInlineKeyLimit, 'z'));
  auto d2 = DecodeObjectKey(enc2);
  REQUIRE(d2);
  CHECK_FALSE(d2->group);
}

TEST_CASE("key codec: encoding preserves byte order (randomized, adversarial prefixes)") {
  std::mt19937 rng(42);
  const std::string alphabet = std::string("\0\x01a\xff", 4);
  std::vector<std::string> keys;
  std::string base(kInlineKeyLimit - 2, 'p');
  for (int i = 0; i < 3000; ++i) {
    size_t len = std::uniform_int_distribution<size_t>(0, 6)(rng);
    std::string k = base.substr(0, std::uniform_int_distribution<size_t>(0, base.size())(rng));
    // lengths straddling L: L-2 .. L+4, plus some full-length ones
    if (i % 7 == 0) k = base + std::string(1024 - base.size(), 'q');
    for (size_t j = 0; j < len; ++j) k.push_back(alphabet[rng() % alphabet.size()]);
    if (k.empty()) k.push_back('x');
    if (k.size() > kMaxObjectKeyLen) k.resize(kMaxObjectKeyLen);
    keys.push_back(k);
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    INFO("i=" << i << " len " << keys[i].size() << "," << keys[i + 1].size());
    REQUIRE(EncodedLessOrGrouped("bkt", keys[i], keys[i + 1]));
  }
  // Bucket separation: "a" sorts entirely before "ab" whatever the keys.
  CHECK(EncodeObjectKey("a", std::string(1024, '\xff')) < EncodeObjectKey("ab", std::string(1, '\0')));
}

TEST_CASE("key codec: group value round trip and corruption") {
  GroupEntries g = {{std::string(500, 'a'), "r1"}, {std::string(600, 'a'), std::string("\0r2", 3)}};
  GroupEntries out;
  std::string v = EncodeGroup(g);
  REQUIRE(DecodeGroup(v, &out));
  CHECK(out == g);
  CHECK_FALSE(DecodeGroup(v.substr(0, v.size() - 1), &out));
  CHECK_FALSE(DecodeGroup("", &out));
}

TEST_CASE("key codec: PrefixSuccessor") {
  CHECK(PrefixSuccessor("a/") == std::optional<std::string>("a0"));
  CHECK(PrefixSuccessor(std::string("a\xff\xff", 3)) == std::optional<std::string>("b"));
  CHECK_FALSE(PrefixSuccessor(std::string("\xff", 1)));
  CHECK_FALSE(PrefixSuccessor(""));
}

TEST_CASE("key codec: name validation") {
  CHECK(ValidBucketName("abc"));
  CHECK_FALSE(ValidBucketName(""));
  CHECK_FALSE(ValidBucketName(std::string(64, 'a')));
  CHECK_FALSE(ValidBucketName(std::string("a\0b", 3)));
  CHECK(ValidObjectKey(std::string(1024, 'k')));
  CHECK_FALSE(ValidObjectKey(std::string(1025, 'k')));
  CHECK_FALSE(ValidObjectKey(""));
}

}  // namespace
}  // namespace xs3::storage
