#include "storage/object_list.h"

#include <algorithm>

#include "storage/record_codec.h"

namespace xs3::storage {

namespace {

// The common prefix `key` rolls up into, or empty if none.
std::string_view CommonPrefixOf(std::string_view key, const ListOptions& o) {
  if (o.delimiter.empty()) return {};
  size_t pos = key.find(o.delimiter, o.prefix.size());
  if (pos == std::string_view::npos) return {};
  return key.substr(0, pos + o.delimiter.size());
}

}  // namespace

Status ListFlat(FlatCursor& cursor, const ListOptions& options, ListResult* out) {
  *out = ListResult{};
  if (options.max_keys == 0) return cursor.status();

  // Start at the first key > start_after (start_after + '\0' is its successor) and >= prefix.
  std::string start = options.prefix;
  if (!options.start_after.empty()) {
    std::string after = options.start_after + '\0';
    // Keys inside start_after's own common prefix were already covered by that prefix.
    if (options.start_after.starts_with(options.prefix)) {
      std::string_view cp = CommonPrefixOf(options.start_after, options);
      if (!cp.empty()) {
        auto succ = PrefixSuccessor(cp);
        if (!succ) return cursor.status();
        after = *succ;
      }
    }
    start = std::max(start, after);
  }

  size_t count = 0;
  cursor.Seek(start);
  while (cursor.Valid()) {
    const std::string& key = cursor.key();
    if (!key.starts_with(options.prefix)) break;
    if (count == options.max_keys) {
      out->is_truncated = true;
      break;
    }
    std::string_view cp = CommonPrefixOf(key, options);
    if (!cp.empty()) {
      out->common_prefixes.emplace_back(cp);
      out->next_marker.assign(cp);
      ++count;
      auto succ = PrefixSuccessor(cp);
      if (!succ) break;
      cursor.Seek(*succ);
      continue;
    }
    ObjectRecord record;
    if (!DecodeRecord(cursor.record(), &record, /*with_body=*/false)) {
      return Status(Code::IoError, "corrupt object record for key " + key);
    }
    out->objects.push_back(ListEntry{key, std::move(record.meta)});
    out->next_marker = key;
    ++count;
    cursor.Next();
  }
  return cursor.status();
}

}  // namespace xs3::storage
