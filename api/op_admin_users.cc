// /_xs3/users: users and their access keys, managed at runtime (auth/user_directory.h).
//   GET    /_xs3/users                      list (access keys, never secrets)
//   PUT    /_xs3/users/NAME                 create, answers the new key pair
//   DELETE /_xs3/users/NAME                 delete (DeleteConflict while the user owns buckets)
//   PUT    /_xs3/users/NAME/keys            another key pair (at most 2, as IAM)
//   DELETE /_xs3/users/NAME/keys/ACCESSKEY  revoke one key
//   PUT|GET|DELETE /_xs3/users/NAME/policy  the user's identity policy (body: the JSON document)
#include "api/admin_response.h"
#include "api/expected_bucket_owner.h"

namespace xs3::api {
namespace {

int StatusOf(auth::UserDirectoryError::Kind kind) {
  using K = auth::UserDirectoryError::Kind;
  switch (kind) {
    case K::EntityAlreadyExists: return 409;
    case K::NoSuchEntity: return 404;
    case K::LimitExceeded: return 409;
    case K::InvalidInput: return 400;
    case K::MalformedPolicy: return 400;
    case K::Immutable: return 400;
    case K::Io: return 500;
  }
  return 500;
}

const char* CodeOf(auth::UserDirectoryError::Kind kind) {
  using K = auth::UserDirectoryError::Kind;
  switch (kind) {
    case K::EntityAlreadyExists: return "EntityAlreadyExists";
    case K::NoSuchEntity: return "NoSuchEntity";
    case K::LimitExceeded: return "LimitExceeded";
    case K::InvalidInput: return "InvalidInput";
    case K::MalformedPolicy: return "MalformedPolicyDocument";
    case K::Immutable: return "UnmodifiableEntity";
    case K::Io: return "InternalError";
  }
  return "InternalError";
}

Outcome UserError(const OperationContext& ctx, const auth::UserDirectoryError& e) {
  return AdminError(ctx, StatusOf(e.kind), CodeOf(e.kind), e.message);
}

nlohmann::json NewKeyJson(const std::string& user, const auth::AccessKey& k) {
  return {{"user", user}, {"access_key", k.access_key}, {"secret_key", k.secret_key}, {"created_ms", k.created_ms}};
}

// IAM's PutUserPolicy/GetUserPolicy/DeleteUserPolicy, one (inline) policy per user.
Outcome UserPolicy(OperationContext& ctx, const std::string& name) {
  const std::string& m = ctx.request.method;
  if (m == "GET") {
    auto stored = ctx.users.GetUserPolicy(name);
    if (auto* e = std::get_if<auth::UserDirectoryError>(&stored)) return UserError(ctx, *e);
    return AdminJson(200, {{"user", name}, {"policy", nlohmann::json::parse(std::get<std::string>(stored))}});
  }
  if (m == "DELETE") {
    if (auto e = ctx.users.DeleteUserPolicy(name)) return UserError(ctx, *e);
    return AdminJson(200, {{"deleted", name + "/policy"}});
  }
  if (m != "PUT") return AdminError(ctx, 405, "MethodNotAllowed", "PUT, GET or DELETE a user's policy");
  // The parser refuses documents over 20 KB with its own message; this only bounds the buffer.
  return BufferedBody(ctx, 64 * 1024, [ctx, name](std::string body) mutable {
    if (auto e = ctx.users.PutUserPolicy(name, body)) return UserError(ctx, *e).response;
    return AdminJson(200, {{"user", name}, {"policy", nlohmann::json::parse(body)}}).response;
  });
}

}  // namespace

Outcome AdminUsers(OperationContext& ctx) {
  if (auto denied = RequireRoot(ctx)) return std::move(*denied);
  const std::string& m = ctx.request.method;
  // key is "users", "users/NAME", "users/NAME/keys" or "users/NAME/keys/AK"
  std::vector<std::string> parts;
  for (size_t start = 0;;) {
    size_t slash = ctx.address.key.find('/', start);
    parts.push_back(ctx.address.key.substr(start, slash == std::string::npos ? std::string::npos : slash - start));
    if (slash == std::string::npos) break;
    start = slash + 1;
  }
  if (parts.size() == 1) {
    if (m != "GET") return AdminError(ctx, 405, "MethodNotAllowed", "GET lists users");
    nlohmann::json users = nlohmann::json::array();
    for (auto& u : ctx.users.List()) {
      nlohmann::json keys = nlohmann::json::array();
      for (auto& k : u.keys) keys.push_back({{"access_key", k.access_key}, {"created_ms", k.created_ms}});
      users.push_back({{"name", u.name},
                       {"account_id", AccountId(u.name)},
                       {"root", u.name == ctx.users.root()},
                       {"source", u.from_config ? "config" : "admin"},
                       {"has_policy", !u.policy.empty()},
                       {"access_keys", keys}});
    }
    return AdminJson(200, {{"users", users}});
  }
  const std::string& name = parts[1];
  if (parts.size() == 2) {
    if (m == "PUT") {
      auto created = ctx.users.CreateUser(name);
      if (auto* e = std::get_if<auth::UserDirectoryError>(&created)) return UserError(ctx, *e);
      return AdminJson(201, NewKeyJson(name, std::get<auth::AccessKey>(created)));
    }
    if (m == "DELETE") {
      // IAM refuses to delete a user that still owns resources; deleting would orphan buckets
      // only root could reach.
      auto buckets = ctx.engine.ListBuckets();
      if (!buckets.ok()) return AdminStorageError(ctx, buckets.status());
      for (auto& b : buckets.value()) {
        if (b.owner == name && ctx.users.Exists(name)) {
          return AdminError(ctx, 409, "DeleteConflict", "user '" + name + "' owns bucket " + b.name);
        }
      }
      if (auto e = ctx.users.DeleteUser(name)) return UserError(ctx, *e);
      return AdminJson(200, {{"deleted", name}});
    }
    return AdminError(ctx, 405, "MethodNotAllowed", "PUT creates a user, DELETE deletes one");
  }
  if (parts[2] == "keys" && parts.size() == 3 && m == "PUT") {
    auto created = ctx.users.CreateAccessKey(name);
    if (auto* e = std::get_if<auth::UserDirectoryError>(&created)) return UserError(ctx, *e);
    return AdminJson(201, NewKeyJson(name, std::get<auth::AccessKey>(created)));
  }
  if (parts[2] == "policy" && parts.size() == 3) return UserPolicy(ctx, name);
  if (parts[2] == "keys" && parts.size() == 4 && m == "DELETE") {
    if (auto e = ctx.users.DeleteAccessKey(name, parts[3])) return UserError(ctx, *e);
    return AdminJson(200, {{"deleted", parts[3]}});
  }
  return AdminError(ctx, 404, "NoSuchAdminResource", "unknown admin path /_xs3/" + ctx.address.key);
}

}  // namespace xs3::api
