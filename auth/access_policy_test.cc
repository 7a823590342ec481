#include "auth/access_policy.h"

#include <doctest/doctest.h>

using namespace xs3::auth;

namespace {
const std::set<std::string> kUsers = {"root", "bob", "carol"};
std::optional<std::string> Accounts(std::string_view id) {
  if (id == "000000000001") return "root";
  if (id == "111111111111") return "bob";
  return std::nullopt;
}

AccessPolicy Parse(const std::string& text) {
  auto r = ParseAccessPolicy(text, "b", &kUsers, Accounts);
  if (auto* e = std::get_if<xs3::S3Error>(&r)) FAIL(e->message);
  return std::get<AccessPolicy>(r);
}

std::string Refusal(const std::string& text) {
  auto r = ParseAccessPolicy(text, "b", &kUsers, Accounts);
  REQUIRE(std::holds_alternative<xs3::S3Error>(r));
  CHECK(std::get<xs3::S3Error>(r).code == xs3::ErrorCode::MalformedPolicy);
  return std::get<xs3::S3Error>(r).message;
}

std::string Statement(const std::string& body) { return R"({"Version":"2012-10-17","Statement":[)" + body + "]}"; }

PolicyDecision Decide(const AccessPolicy& p, const std::string& user, const std::string& action,
                      const std::string& resource, std::map<std::string, std::string> context = {}) {
  return Evaluate(p, AccessRequest{user, action, resource, std::move(context)});
}
}  // namespace

TEST_CASE("wildcards: * spans any run, ? one character") {
  CHECK(WildcardMatch("arn:aws:s3:::b/*", "arn:aws:s3:::b/x/y"));
  CHECK(WildcardMatch("arn:aws:s3:::b/*", "arn:aws:s3:::b/"));
  CHECK_FALSE(WildcardMatch("arn:aws:s3:::b/*", "arn:aws:s3:::b"));
  CHECK(WildcardMatch("a*b*c", "aXXbYYc"));
  CHECK_FALSE(WildcardMatch("a*b*c", "aXXbYY"));
  CHECK(WildcardMatch("k?y", "key"));
  CHECK_FALSE(WildcardMatch("k?y", "kxxy"));
}

TEST_CASE("malformed policies get S3's messages") {
  CHECK(Refusal("not json") == "Policies must be valid JSON and the first byte must be '{'");
  CHECK(Refusal(R"({"Version":"2011-01-01","Statement":[]})") == "The policy must contain a valid version string");
  CHECK(Refusal(R"({"Version":"2012-10-17"})") == "Missing required field Statement");
  std::string ok = R"("Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*")";
  CHECK(Refusal(Statement(R"({"Effect":"Maybe",)" + ok + "}")) == "Invalid effect: Maybe");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:Fly","Resource":"arn:aws:s3:::b/*"})")) ==
        "Policy has invalid action");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"ec2:*","Resource":"arn:aws:s3:::b/*"})")) ==
        "Policy has invalid action");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::other/*"})")) ==
        "Policy has invalid resource");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::bb"})")) ==
        "Policy has invalid resource");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":["s3:GetObject","s3:ListBucket"],"Resource":"arn:aws:s3:::b/*"})")) ==
        "Action does not apply to any resource(s) in statement");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b"})")) ==
        "Action does not apply to any resource(s) in statement");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetBucketObjectLockConfiguration","Resource":"arn:aws:s3:::b/*"})")) ==
        "Action does not apply to any resource(s) in statement");
  CHECK(Parse(Statement(R"({"Effect":"Allow","Principal":"*","Action":["s3:*","s3:Get*"],"Resource":"arn:aws:s3:::b"})")).statements.size() == 1);
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":{"AWS":"mallory"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})")) ==
        "Invalid principal in policy");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})")) ==
        "Invalid principal in policy");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})")) ==
        "Missing required field Principal");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"StringEquals":{"s3:nonsense":"x"}}})")) ==
        "Policy has an invalid condition key");
}

TEST_CASE("a policy without Version is 2008-10-17 and accepted") {
  auto p = Parse(R"({"Statement":{"Effect":"Allow","Principal":"*","Action":"s3:Get*","Resource":"arn:aws:s3:::b/*"}})");
  CHECK(p.statements.size() == 1);
}

TEST_CASE("principals: names, user ARNs, accounts, everyone") {
  auto p = Parse(Statement(
      R"({"Effect":"Allow","Principal":{"AWS":["bob","arn:aws:iam::123456789012:user/carol","arn:aws:iam::000000000001:root"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})"));
  CHECK(p.statements[0].principals == std::set<std::string>{"bob", "carol", "root"});
  auto account = Parse(Statement(R"({"Effect":"Allow","Principal":{"AWS":"111111111111"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})"));
  CHECK(account.statements[0].principals == std::set<std::string>{"bob"});
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::222222222222:root"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})")) ==
        "Invalid principal in policy");
  // Stored policies (no user list) keep unknown accounts as principals that match nobody.
  auto stored = ParseAccessPolicy(
      Statement(R"({"Effect":"Deny","Principal":{"AWS":["222222222222","gone"]},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"})"),
      "b", nullptr, Accounts);
  REQUIRE(std::holds_alternative<AccessPolicy>(stored));
  CHECK(Decide(std::get<AccessPolicy>(stored), "bob", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyDecision::NotApplicable);
  CHECK(Decide(p, "bob", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyDecision::Allow);
  CHECK(Decide(p, "", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyDecision::NotApplicable);
  auto everyone = Parse(Statement(R"({"Effect":"Allow","Principal":{"AWS":"*"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})"));
  CHECK(Decide(everyone, "", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyDecision::Allow);
  auto not_bob = Parse(Statement(R"({"Effect":"Deny","NotPrincipal":{"AWS":"bob"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"})"));
  CHECK(Decide(not_bob, "bob", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyDecision::NotApplicable);
  CHECK(Decide(not_bob, "carol", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyDecision::Deny);
}

TEST_CASE("an explicit Deny wins; actions match case-insensitively with wildcards") {
  auto p = Parse(Statement(
      R"({"Effect":"Allow","Principal":{"AWS":"bob"},"Action":["s3:Get*","s3:ListBucket"],"Resource":["arn:aws:s3:::b","arn:aws:s3:::b/*"]},)"
      R"({"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/secret/*"})"));
  CHECK(Decide(p, "bob", "s3:GetObject", "arn:aws:s3:::b/public/x") == PolicyDecision::Allow);
  CHECK(Decide(p, "bob", "s3:getobjecttagging", "arn:aws:s3:::b/public/x") == PolicyDecision::Allow);
  CHECK(Decide(p, "bob", "s3:PutObject", "arn:aws:s3:::b/public/x") == PolicyDecision::NotApplicable);
  CHECK(Decide(p, "bob", "s3:GetObject", "arn:aws:s3:::b/secret/x") == PolicyDecision::Deny);
  CHECK(Decide(p, "carol", "s3:PutObject", "arn:aws:s3:::b/secret/x") == PolicyDecision::Deny);
  CHECK(Decide(p, "bob", "s3:ListBucket", "arn:aws:s3:::b") == PolicyDecision::Allow);
}

TEST_CASE("NotAction and NotResource invert their lists") {
  auto p = Parse(Statement(R"({"Effect":"Deny","Principal":{"AWS":"bob"},"NotAction":"s3:GetObject","NotResource":"arn:aws:s3:::b/mine/*"})"));
  CHECK(Decide(p, "bob", "s3:PutObject", "arn:aws:s3:::b/x") == PolicyDecision::Deny);
  CHECK(Decide(p, "bob", "s3:GetObject", "arn:aws:s3:::b/x") == PolicyDecision::NotApplicable);
  CHECK(Decide(p, "bob", "s3:PutObject", "arn:aws:s3:::b/mine/x") == PolicyDecision::NotApplicable);
}

TEST_CASE("conditions: SecureTransport, SourceIp, s3:prefix, negated operators on absent keys") {
  auto tls = Parse(Statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"false"}}})"));
  CHECK(Decide(tls, "bob", "s3:GetObject", "arn:aws:s3:::b/k", {{"aws:securetransport", "false"}}) == PolicyDecision::Deny);
  CHECK(Decide(tls, "bob", "s3:GetObject", "arn:aws:s3:::b/k", {{"aws:securetransport", "true"}}) ==
        PolicyDecision::NotApplicable);

  auto ip = Parse(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":["10.0.0.0/8","::1"]}}})"));
  CHECK(Decide(ip, "", "s3:GetObject", "arn:aws:s3:::b/k", {{"aws:sourceip", "10.2.3.4"}}) == PolicyDecision::Allow);
  CHECK(Decide(ip, "", "s3:GetObject", "arn:aws:s3:::b/k", {{"aws:sourceip", "11.2.3.4"}}) == PolicyDecision::NotApplicable);
  CHECK(Decide(ip, "", "s3:GetObject", "arn:aws:s3:::b/k", {{"aws:sourceip", "::1"}}) == PolicyDecision::Allow);
  CHECK(Decide(ip, "", "s3:GetObject", "arn:aws:s3:::b/k") == PolicyDecision::NotApplicable);
  auto not_ip = Parse(Statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:*","Resource":"arn:aws:s3:::b/*","Condition":{"NotIpAddress":{"aws:SourceIp":"127.0.0.1/32"}}})"));
  CHECK(Decide(not_ip, "bob", "s3:GetObject", "arn:aws:s3:::b/k", {{"aws:sourceip", "127.0.0.1"}}) ==
        PolicyDecision::NotApplicable);
  CHECK(Decide(not_ip, "bob", "s3:GetObject", "arn:aws:s3:::b/k", {{"aws:sourceip", "192.168.1.1"}}) == PolicyDecision::Deny);
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"300.1.1.1/8"}}})"))
            .starts_with("Invalid IP address"));

  auto prefix = Parse(Statement(R"({"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringLike":{"s3:prefix":["home/bob/*",""]}}})"));
  CHECK(Decide(prefix, "bob", "s3:ListBucket", "arn:aws:s3:::b", {{"s3:prefix", "home/bob/docs"}}) == PolicyDecision::Allow);
  CHECK(Decide(prefix, "bob", "s3:ListBucket", "arn:aws:s3:::b", {{"s3:prefix", ""}}) == PolicyDecision::Allow);
  CHECK(Decide(prefix, "bob", "s3:ListBucket", "arn:aws:s3:::b", {{"s3:prefix", "home/carol/"}}) ==
        PolicyDecision::NotApplicable);
  auto not_equals = Parse(Statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:ListBucket","Resource":"arn:aws:s3:::b","Condition":{"StringNotEquals":{"s3:prefix":"pub/"}}})"));
  CHECK(Decide(not_equals, "bob", "s3:ListBucket", "arn:aws:s3:::b") == PolicyDecision::Deny);  // absent key
  CHECK(Decide(not_equals, "bob", "s3:ListBucket", "arn:aws:s3:::b", {{"s3:prefix", "pub/"}}) ==
        PolicyDecision::NotApplicable);
}

TEST_CASE("IsPublic: Allow to everyone unless pinned to an address range") {
  CHECK(IsPublic(Parse(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})"))));
  CHECK_FALSE(IsPublic(Parse(Statement(R"({"Effect":"Deny","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})"))));
  CHECK_FALSE(IsPublic(Parse(Statement(R"({"Effect":"Allow","Principal":{"AWS":"bob"},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"})"))));
  CHECK_FALSE(IsPublic(Parse(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"127.0.0.1/32"}}})"))));
  CHECK(IsPublic(Parse(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"IpAddress":{"aws:SourceIp":"0.0.0.0/1"}}})"))));
  CHECK(IsPublic(Parse(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*","Condition":{"Bool":{"aws:SecureTransport":"true"}}})"))));
}

namespace {
AccessPolicy Identity(const std::string& text) {
  auto r = ParseIdentityPolicy(text);
  if (auto* e = std::get_if<xs3::S3Error>(&r)) FAIL(e->message);
  return std::get<AccessPolicy>(r);
}

std::string IdentityRefusal(const std::string& text) {
  auto r = ParseIdentityPolicy(text);
  REQUIRE(std::holds_alternative<xs3::S3Error>(r));
  CHECK(std::get<xs3::S3Error>(r).code == xs3::ErrorCode::MalformedPolicy);
  return std::get<xs3::S3Error>(r).message;
}
}  // namespace

TEST_CASE("identity policies: no principal, any S3 resource, ListAllMyBuckets") {
  CHECK(IdentityRefusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"*"})")) ==
        "Policy document should not specify a principal.");
  CHECK(IdentityRefusal(Statement(R"({"Effect":"Allow","NotPrincipal":{"AWS":"bob"},"Action":"s3:*","Resource":"*"})")) ==
        "Policy document should not specify a principal.");
  CHECK(IdentityRefusal(Statement(R"({"Effect":"Allow","Action":"s3:Fly","Resource":"*"})")) == "Policy has invalid action");
  CHECK(IdentityRefusal(Statement(R"({"Effect":"Allow","Action":"ec2:*","Resource":"*"})")) == "Policy has invalid action");
  CHECK(IdentityRefusal(Statement(R"({"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:ec2:::x"})")) ==
        "Policy has invalid resource");
  CHECK(IdentityRefusal(Statement(R"({"Effect":"Maybe","Action":"s3:*","Resource":"*"})")) == "Invalid effect: Maybe");
  CHECK(IdentityRefusal("not json") == "Policies must be valid JSON and the first byte must be '{'");
  CHECK(IdentityRefusal(Statement(
            R"({"Effect":"Allow","Action":"s3:ListBucket","Resource":"*","Condition":{"StringEquals":{"s3:color":"x"}}})")) ==
        "Policy has an invalid condition key");
  // A bucket policy has no place for ListAllMyBuckets; an identity policy does.
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:ListAllMyBuckets","Resource":"arn:aws:s3:::b"})")) ==
        "Policy has invalid action");
  auto p = Identity(Statement(R"({"Effect":"Allow","Action":"s3:ListAllMyBuckets","Resource":"*"})"));
  CHECK(Decide(p, "alice", "s3:ListAllMyBuckets", "arn:aws:s3:::*") == PolicyDecision::Allow);
  // Object actions on a bucket ARN are not refused: IAM does not tie them together.
  Identity(Statement(R"({"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::other"})"));
}

TEST_CASE("identity policies apply to their holder: Deny wins, wildcards, conditions") {
  auto p = Identity(Statement(R"({"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::data*/*"},
      {"Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::data/secret/*"},
      {"Effect":"Allow","Action":"s3:ListBucket","Resource":"arn:aws:s3:::data",
       "Condition":{"StringLike":{"s3:prefix":"public/*"}}})"));
  CHECK(Decide(p, "alice", "s3:GetObject", "arn:aws:s3:::data/a") == PolicyDecision::Allow);
  CHECK(Decide(p, "alice", "s3:GetObjectTagging", "arn:aws:s3:::data2/a") == PolicyDecision::Allow);
  CHECK(Decide(p, "alice", "s3:PutObject", "arn:aws:s3:::data/a") == PolicyDecision::NotApplicable);
  CHECK(Decide(p, "alice", "s3:GetObject", "arn:aws:s3:::data/secret/k") == PolicyDecision::Deny);
  CHECK(Decide(p, "alice", "s3:ListBucket", "arn:aws:s3:::data", {{"s3:prefix", "public/x"}}) == PolicyDecision::Allow);
  CHECK(Decide(p, "alice", "s3:ListBucket", "arn:aws:s3:::data", {{"s3:prefix", "private/"}}) ==
        PolicyDecision::NotApplicable);
  CHECK(Decide(p, "alice", "s3:ListBucket", "arn:aws:s3:::data") == PolicyDecision::NotApplicable);
  auto ip = Identity(Statement(
      R"({"Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"10.0.0.0/8"}}})"));
  CHECK(Decide(ip, "alice", "s3:GetObject", "arn:aws:s3:::x/y", {{"aws:sourceip", "127.0.0.1"}}) == PolicyDecision::Deny);
  CHECK(Decide(ip, "alice", "s3:GetObject", "arn:aws:s3:::x/y", {{"aws:sourceip", "10.1.2.3"}}) ==
        PolicyDecision::NotApplicable);
}

TEST_CASE("identity policies: s3express:CreateSession with s3express:SessionMode") {
  auto p = Identity(Statement(R"({"Effect":"Allow","Action":"s3express:CreateSession",
      "Resource":"arn:aws:s3express:us-east-1:*:bucket/fast--use1-az4--x-s3",
      "Condition":{"StringEquals":{"s3express:SessionMode":"ReadOnly"}}})"));
  const std::string arn = "arn:aws:s3express:us-east-1:123456789012:bucket/fast--use1-az4--x-s3";
  CHECK(Decide(p, "alice", "s3express:CreateSession", arn, {{"s3express:sessionmode", "ReadOnly"}}) ==
        PolicyDecision::Allow);
  CHECK(Decide(p, "alice", "s3express:CreateSession", arn, {{"s3express:sessionmode", "ReadWrite"}}) ==
        PolicyDecision::NotApplicable);
  // s3:* does not reach s3express actions; * does.
  auto s3_only = Identity(Statement(R"({"Effect":"Allow","Action":"s3:*","Resource":"*"})"));
  CHECK(Decide(s3_only, "alice", "s3express:CreateSession", arn) == PolicyDecision::NotApplicable);
  auto all = Identity(Statement(R"({"Effect":"Deny","Action":"*","Resource":"*"})"));
  CHECK(Decide(all, "alice", "s3express:CreateSession", arn) == PolicyDecision::Deny);
  Identity(Statement(R"({"Effect":"Allow","Action":"s3express:*","Resource":"*"})"));
  CHECK(IdentityRefusal(Statement(R"({"Effect":"Allow","Action":"s3express:PutObject","Resource":"*"})")) ==
        "Policy has invalid action");
  // Neither the action nor the key belongs in a general-purpose bucket policy.
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3express:CreateSession","Resource":"arn:aws:s3:::b"})")) ==
        "Policy has invalid action");
  CHECK(Refusal(Statement(R"({"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*",
      "Condition":{"StringEquals":{"s3express:SessionMode":"ReadOnly"}}})")) == "Policy has an invalid condition key");
}
