#pragma once
// Which bucket and key a request names: virtual-host style ("<bucket>.<domain>") when the Host
// ends in a configured domain, path style ("/<bucket>/<key>") otherwise.
#include <string>
#include <string_view>
#include <vector>

namespace xs3::api {

struct Address {
  std::string bucket;  // empty: service-level request (ListBuckets)
  std::string key;     // decoded; empty: bucket-level request
  bool virtual_host = false;
  // A bad percent escape, or a bucket or key that is not valid UTF-8 (S3 answers InvalidURI).
  bool malformed = false;
};

// Strict UTF-8: no overlong forms, surrogates or code points past U+10FFFF.
bool IsValidUtf8(std::string_view s);

Address ResolveAddress(std::string_view host_header, std::string_view raw_path,
                       const std::vector<std::string>& domains);

// Query parameters, decoded, in order. `?a` gives ("a", "") like `?a=`.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query);

}  // namespace xs3::api
