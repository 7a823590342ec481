#include "auth/bucket_policy.h"

#include <doctest/doctest.h>

using namespace xs3::auth;

namespace {
const std::set<std::string> kUsers = {"root", "bob", "carol"};

BucketPolicy Parse(const char* text) {
  auto r = ParseDirectoryBucketPolicy(text, kUsers);
  REQUIRE(std::holds_alternative<BucketPolicy>(r));
  return std::get<BucketPolicy>(r);
}

xs3::ErrorCode Refused(const char* text) {
  auto r = ParseDirectoryBucketPolicy(text, kUsers);
  REQUIRE(std::holds_alternative<xs3::S3Error>(r));
  return std::get<xs3::S3Error>(r).code;
}
}  // namespace

TEST_CASE("a CreateSession grant narrowed by session mode") {
  auto p = Parse(R"({"Version":"2012-10-17","Statement":[
      {"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:user/bob"},"Action":"s3express:CreateSession",
       "Resource":"arn:aws:s3express:us-east-1:111122223333:bucket/b--use1-az4--x-s3",
       "Condition":{"StringEquals":{"s3express:SessionMode":"ReadOnly"}}},
      {"Effect":"Allow","Principal":{"AWS":["carol"]},"Action":["s3express:CreateSession"]}]})");
  CHECK(PolicyAllowsSession(p, "bob", "ReadOnly"));
  CHECK_FALSE(PolicyAllowsSession(p, "bob", "ReadWrite"));
  CHECK(PolicyAllowsSession(p, "carol", "ReadWrite"));
  CHECK_FALSE(PolicyAllowsSession(p, "root", "ReadOnly"));  // the owner's rights come from elsewhere
}

TEST_CASE("an explicit Deny wins over an Allow") {
  auto p = Parse(R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3express:CreateSession"},
      {"Effect":"Deny","Principal":{"AWS":"bob"},"Action":"s3express:CreateSession",
       "Condition":{"StringEquals":{"s3express:SessionMode":"ReadWrite"}}}]})");
  CHECK(PolicyAllowsSession(p, "bob", "ReadOnly"));
  CHECK_FALSE(PolicyAllowsSession(p, "bob", "ReadWrite"));
}

TEST_CASE("policies AWS refuses for directory buckets are refused") {
  CHECK(Refused("not json") == xs3::ErrorCode::MalformedPolicy);
  CHECK(Refused(R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:GetObject"}]})") ==
        xs3::ErrorCode::MalformedPolicy);
  CHECK(Refused(R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"mallory"},"Action":"s3express:CreateSession"}]})") ==
        xs3::ErrorCode::MalformedPolicy);
  CHECK(Refused(R"({"Statement":[{"Effect":"Allow","Principal":"*","Action":"s3express:CreateSession"}]})") ==
        xs3::ErrorCode::AccessDenied);
  CHECK(Refused(R"({"Statement":[{"Effect":"Maybe","Principal":{"AWS":"bob"},"Action":"s3express:CreateSession"}]})") ==
        xs3::ErrorCode::MalformedPolicy);
  // Found by the long fuzz run: a non-string Effect threw out of the parser (and out of xs3d).
  CHECK(Refused(R"({"Version": "2012-10-17", "Statement": [{"Effect": {"StringEquals": {"s3ssionMode": "ReadOnly"}}}]})") ==
        xs3::ErrorCode::MalformedPolicy);
  CHECK(Refused(R"({"Statement":[{"Effect":7,"Principal":{"AWS":"bob"},"Action":"s3express:CreateSession"}]})") ==
        xs3::ErrorCode::MalformedPolicy);
  CHECK(Refused(R"({"Statement":[{"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3express:CreateSession",
      "Condition":{"StringLike":{"s3express:SessionMode":"Read*"}}}]})") == xs3::ErrorCode::MalformedPolicy);
}
