#include "storage/dir_index.h"

#include <algorithm>
#include <optional>

#include "storage/key_codec.h"
#include "storage/record_codec.h"
#include "storage/wire.h"

namespace xs3::storage {

namespace {

constexpr char kKindDir = 1;
constexpr char kKindObject = 2;
constexpr std::string_view kDirIdCounter = "dir_id";

Status Corrupt(std::string_view what) {
  return Status(Code::IoError, "corrupt directory index entry: " + std::string(what));
}

Status Conflict(std::string message) { return Status(Code::InvalidArgument, Detail::PathConflict, std::move(message)); }

auto GroupLowerBound(GroupEntries& g, std::string_view name) {
  return std::lower_bound(g.begin(), g.end(), name, [](const auto& e, std::string_view k) { return e.first < k; });
}

void AppendEncodedName(std::string* out, std::string_view name) {
  if (!IsGroupedName(name)) {
    out->append(name);
  } else {
    out->append(name.substr(0, kDirNameInlineLimit));
    out->push_back('\0');
  }
}

std::string EncodeDirValue(uint64_t id) {
  WireWriter w;
  w.PutByte(static_cast<uint8_t>(kKindDir));
  w.PutFixed64(id);
  return w.Take();
}

bool DecodeDirValue(std::string_view v, uint64_t* id) {
  WireReader r(v);
  uint8_t kind = 0;
  return r.GetByte(&kind) && kind == kKindDir && r.GetFixed64(id) && r.done();
}

std::string EncodeObjectValue(std::string_view record) {
  std::string v;
  v.reserve(record.size() + 1);
  v.push_back(kKindObject);
  v.append(record);
  return v;
}

bool IsDirValue(std::string_view v) { return !v.empty() && v[0] == kKindDir; }
bool IsObjectValue(std::string_view v) { return !v.empty() && v[0] == kKindObject; }

Status LoadGroup(MDB_txn* txn, MDB_dbi dbi, const std::string& lmdb_key, GroupEntries* g) {
  MDB_val k = ToVal(lmdb_key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  g->clear();
  if (rc == MDB_NOTFOUND) return Status::OK();
  if (rc != 0) return LmdbStatus(rc, "mdb_get dirent");
  if (!DecodeGroup(FromVal(v), g)) return Corrupt(lmdb_key);
  return Status::OK();
}

// The entry value (kind + payload) of name in dir. NoSuchKey if absent.
Status LookupEntry(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket, uint64_t dir, std::string_view name,
                   std::string* value) {
  std::string lmdb_key = DirEntryKey(bucket, dir, name);
  if (IsGroupedName(name)) {
    GroupEntries g;
    if (Status s = LoadGroup(txn, dbi, lmdb_key, &g); !s.ok()) return s;
    auto it = GroupLowerBound(g, name);
    if (it == g.end() || it->first != name) return Status(Code::NoSuchKey, "no such key");
    *value = std::move(it->second);
    return Status::OK();
  }
  MDB_val k = ToVal(lmdb_key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return Status(Code::NoSuchKey, "no such key");
  if (rc != 0) return LmdbStatus(rc, "mdb_get dirent");
  value->assign(FromVal(v));
  return Status::OK();
}

Status StoreEntry(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket, uint64_t dir, std::string_view name,
                  std::string_view value) {
  std::string lmdb_key = DirEntryKey(bucket, dir, name);
  std::string group_value;
  std::string_view stored = value;
  if (IsGroupedName(name)) {
    GroupEntries g;
    if (Status s = LoadGroup(txn, dbi, lmdb_key, &g); !s.ok()) return s;
    auto it = GroupLowerBound(g, name);
    if (it != g.end() && it->first == name) {
      it->second.assign(value);
    } else {
      g.emplace(it, std::string(name), std::string(value));
    }
    group_value = EncodeGroup(g);
    stored = group_value;
  }
  MDB_val k = ToVal(lmdb_key), v = ToVal(stored);
  int rc = mdb_put(txn, dbi, &k, &v, 0);
  if (rc != 0) return LmdbStatus(rc, "mdb_put dirent");
  return Status::OK();
}

Status EraseEntry(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket, uint64_t dir, std::string_view name) {
  std::string lmdb_key = DirEntryKey(bucket, dir, name);
  MDB_val k = ToVal(lmdb_key);
  if (IsGroupedName(name)) {
    GroupEntries g;
    if (Status s = LoadGroup(txn, dbi, lmdb_key, &g); !s.ok()) return s;
    auto it = GroupLowerBound(g, name);
    if (it == g.end() || it->first != name) return Status(Code::NoSuchKey, "no such key");
    g.erase(it);
    if (!g.empty()) {
      std::string value = EncodeGroup(g);
      MDB_val v = ToVal(value);
      int rc = mdb_put(txn, dbi, &k, &v, 0);
      return rc == 0 ? Status::OK() : LmdbStatus(rc, "mdb_put dirent");
    }
  }
  int rc = mdb_del(txn, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status(Code::NoSuchKey, "no such key");
  if (rc != 0) return LmdbStatus(rc, "mdb_del dirent");
  return Status::OK();
}

Result<uint64_t> NextDirId(MDB_txn* txn, MDB_dbi counters) {
  MDB_val k = ToVal(kDirIdCounter), v;
  uint64_t next = 1;
  int rc = mdb_get(txn, counters, &k, &v);
  if (rc == 0) {
    WireReader r(FromVal(v));
    if (!r.GetFixed64(&next) || !r.done()) return Corrupt("dir_id counter");
  } else if (rc != MDB_NOTFOUND) {
    return LmdbStatus(rc, "mdb_get counter");
  }
  WireWriter w;
  w.PutFixed64(next + 1);
  std::string value = w.Take();
  MDB_val nv = ToVal(value);
  if ((rc = mdb_put(txn, counters, &k, &nv, 0)) != 0) return LmdbStatus(rc, "mdb_put counter");
  return next;
}

// Positioned lookups inside one directory, in name order, through one cursor.
class DirScanner {
 public:
  DirScanner(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket) : bucket_(bucket) {
    status_ = cursor_.Open(txn, dbi);
  }
  const Status& status() const { return status_; }

  // The first entry of `dir` whose name is >= target: true and *name/*value set, or false.
  Result<bool> First(uint64_t dir, std::string_view target, std::string* name, std::string* value) {
    std::string prefix = DirPrefix(bucket_, dir);
    std::string lmdb_key = prefix;
    AppendEncodedName(&lmdb_key, target);
    MDB_val k = ToVal(lmdb_key), v;
    int rc = mdb_cursor_get(cursor_.get(), &k, &v, MDB_SET_RANGE);
    // A group may hold no name >= target; the entry after it is then entirely above target.
    for (;;) {
      if (rc == MDB_NOTFOUND) return false;
      if (rc != 0) return LmdbStatus(rc, "mdb_cursor_get dirents");
      std::string_view key = FromVal(k);
      if (!key.starts_with(prefix)) return false;
      std::string_view suffix = key.substr(prefix.size());
      if (suffix.size() <= kDirNameInlineLimit) {
        name->assign(suffix);
        value->assign(FromVal(v));
        return true;
      }
      if (suffix.size() != kDirNameInlineLimit + 1 || !DecodeGroup(FromVal(v), &group_)) return Corrupt(key);
      auto it = GroupLowerBound(group_, target);
      if (it != group_.end()) {
        *name = std::move(it->first);
        *value = std::move(it->second);
        return true;
      }
      rc = mdb_cursor_get(cursor_.get(), &k, &v, MDB_NEXT);
      target = {};
    }
  }

 private:
  std::string bucket_;
  Cursor cursor_;
  Status status_;
  GroupEntries group_;
};

}  // namespace

std::string_view LastComponent(std::string_view key) {
  size_t pos = key.rfind('/');
  return pos == std::string_view::npos ? key : key.substr(pos + 1);
}

std::vector<std::string_view> SplitDirKey(std::string_view key) {
  std::vector<std::string_view> out;
  size_t start = 0;
  for (;;) {
    size_t pos = key.find('/', start);
    if (pos == std::string_view::npos) {
      out.push_back(key.substr(start));
      return out;
    }
    out.push_back(key.substr(start, pos - start));
    start = pos + 1;
  }
}

std::string DirPrefix(std::string_view bucket, uint64_t dir_id) {
  std::string out = BucketKeyPrefix(bucket);
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((dir_id >> (8 * i)) & 0xFF));
  return out;
}

std::string DirEntryKey(std::string_view bucket, uint64_t dir_id, std::string_view name) {
  std::string out = DirPrefix(bucket, dir_id);
  AppendEncodedName(&out, name);
  return out;
}

Status DirGet(MDB_txn* txn, const DirIndex& ix, std::string_view bucket, std::string_view key, std::string* record) {
  std::vector<std::string_view> parts = SplitDirKey(key);
  uint64_t dir = kRootDirId;
  std::string value;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (Status s = LookupEntry(txn, ix.dirents, bucket, dir, parts[i], &value); !s.ok()) return s;
    if (i + 1 == parts.size()) {
      if (!IsObjectValue(value)) {
        if (IsDirValue(value)) return Status(Code::NoSuchKey, "no such key (a directory)");
        return Corrupt(key);
      }
      record->assign(std::string_view(value).substr(1));
      return Status::OK();
    }
    if (!IsDirValue(value)) return Status(Code::NoSuchKey, "no such key");
    if (!DecodeDirValue(value, &dir)) return Corrupt(key);
  }
  return Status(Code::NoSuchKey, "no such key");
}

Status DirPut(MDB_txn* txn, const DirIndex& ix, std::string_view bucket, std::string_view key,
              std::string_view record) {
  std::vector<std::string_view> parts = SplitDirKey(key);
  uint64_t dir = kRootDirId;
  std::string value;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    Status s = LookupEntry(txn, ix.dirents, bucket, dir, parts[i], &value);
    if (s.code() == Code::NoSuchKey) {
      auto id = NextDirId(txn, ix.counters);
      if (!id.ok()) return id.status();
      if (s = StoreEntry(txn, ix.dirents, bucket, dir, parts[i], EncodeDirValue(id.value())); !s.ok()) return s;
      dir = id.value();
      continue;
    }
    if (!s.ok()) return s;
    if (IsObjectValue(value)) {
      std::string path(key.substr(0, static_cast<size_t>(parts[i].data() + parts[i].size() - key.data())));
      return Conflict("the key uses \"" + path + "\", an existing object, as a directory");
    }
    if (!DecodeDirValue(value, &dir)) return Corrupt(key);
  }
  Status s = LookupEntry(txn, ix.dirents, bucket, dir, parts.back(), &value);
  if (s.ok() && IsDirValue(value)) return Conflict("the key names an existing directory");
  if (!s.ok() && s.code() != Code::NoSuchKey) return s;
  return StoreEntry(txn, ix.dirents, bucket, dir, parts.back(), EncodeObjectValue(record));
}

Status DirDelete(MDB_txn* txn, const DirIndex& ix, std::string_view bucket, std::string_view key) {
  std::vector<std::string_view> parts = SplitDirKey(key);
  std::vector<uint64_t> dirs{kRootDirId};  // dirs[i] holds parts[i]
  std::string value;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    if (Status s = LookupEntry(txn, ix.dirents, bucket, dirs.back(), parts[i], &value); !s.ok()) return s;
    uint64_t id = 0;
    if (!IsDirValue(value)) return Status(Code::NoSuchKey, "no such key");
    if (!DecodeDirValue(value, &id)) return Corrupt(key);
    dirs.push_back(id);
  }
  if (Status s = LookupEntry(txn, ix.dirents, bucket, dirs.back(), parts.back(), &value); !s.ok()) return s;
  if (!IsObjectValue(value)) return Status(Code::NoSuchKey, "no such key (a directory)");
  if (Status s = EraseEntry(txn, ix.dirents, bucket, dirs.back(), parts.back()); !s.ok()) return s;
  // Remove the directories this left empty, deepest first.
  DirScanner scan(txn, ix.dirents, bucket);
  if (!scan.status().ok()) return scan.status();
  std::string name;
  for (size_t i = dirs.size() - 1; i > 0; --i) {
    auto any = scan.First(dirs[i], {}, &name, &value);
    if (!any.ok()) return any.status();
    if (any.value()) break;
    if (Status s = EraseEntry(txn, ix.dirents, bucket, dirs[i - 1], parts[i - 1]); !s.ok()) return s;
  }
  return Status::OK();
}

Result<bool> DirBucketHasEntries(MDB_txn* txn, const DirIndex& ix, std::string_view bucket) {
  Cursor c;
  if (Status s = c.Open(txn, ix.dirents); !s.ok()) return s;
  std::string prefix = BucketKeyPrefix(bucket);
  MDB_val k = ToVal(prefix), v;
  int rc = mdb_cursor_get(c.get(), &k, &v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return LmdbStatus(rc, "mdb_cursor_get dirents");
  return FromVal(k).starts_with(prefix);
}

Status DirForEachRecord(MDB_txn* txn, const DirIndex& ix, const std::function<void(std::string_view)>& fn) {
  Cursor c;
  if (Status s = c.Open(txn, ix.dirents); !s.ok()) return s;
  MDB_val k, v;
  GroupEntries g;
  auto visit = [&](std::string_view value) {
    if (IsObjectValue(value)) fn(value.substr(1));
    return IsObjectValue(value) || IsDirValue(value);
  };
  for (int rc = mdb_cursor_get(c.get(), &k, &v, MDB_FIRST); rc != MDB_NOTFOUND;
       rc = mdb_cursor_get(c.get(), &k, &v, MDB_NEXT)) {
    if (rc != 0) return LmdbStatus(rc, "mdb_cursor_get dirents");
    std::string_view key = FromVal(k);
    size_t zero = key.find('\0');
    if (zero == std::string_view::npos || key.size() < zero + 1 + 8) return Corrupt(key);
    size_t suffix = key.size() - (zero + 1 + 8);
    if (suffix <= kDirNameInlineLimit) {
      if (!visit(FromVal(v))) return Corrupt(key);
      continue;
    }
    if (suffix != kDirNameInlineLimit + 1 || !DecodeGroup(FromVal(v), &g)) return Corrupt(key);
    for (const auto& e : g) {
      if (!visit(e.second)) return Corrupt(key);
    }
  }
  return Status::OK();
}

namespace {

struct Frame {
  uint64_t dir = kRootDirId;
  std::string path;  // the directory's key prefix, "" or ending in '/'
  std::string seek;  // continue at the first name >= seek (> seek when strict)
  bool strict = false;
};

}  // namespace

Status ListDirectoryBucket(MDB_txn* txn, const DirIndex& ix, std::string_view bucket, const ListOptions& o,
                           ListResult* out) {
  *out = ListResult{};
  if (!o.delimiter.empty() && o.delimiter != "/") {
    return Status(Code::InvalidArgument, "directory buckets support only the delimiter \"/\"");
  }
  const bool group = !o.delimiter.empty();
  if (o.max_keys == 0) return Status::OK();
  size_t slash = o.prefix.rfind('/');
  std::string dir_path = slash == std::string::npos ? std::string() : o.prefix.substr(0, slash + 1);
  std::string filter = slash == std::string::npos ? o.prefix : o.prefix.substr(slash + 1);

  DirScanner scan(txn, ix.dirents, bucket);
  if (!scan.status().ok()) return scan.status();

  // The directory named by the prefix; absent means an empty listing.
  std::vector<std::string_view> base;
  if (!dir_path.empty()) base = SplitDirKey(std::string_view(dir_path).substr(0, dir_path.size() - 1));
  uint64_t dir = kRootDirId;
  std::string value, name;
  for (std::string_view c : base) {
    Status s = LookupEntry(txn, ix.dirents, bucket, dir, c, &value);
    if (s.code() == Code::NoSuchKey) return Status::OK();
    if (!s.ok()) return s;
    if (!IsDirValue(value)) return Status::OK();
    if (!DecodeDirValue(value, &dir)) return Corrupt(c);
  }
  std::vector<Frame> frames{Frame{dir, dir_path, filter, false}};

  // Resume after the position token start_after (see ListOptions), read as the key of an
  // object: its components are compared with the listed directory's, then each level of the
  // walk resumes after the token's component there. A common prefix "p/d/" reads as the object
  // "" inside d, so a delimiter listing (which never descends) resumes after d itself.
  if (!o.start_after.empty()) {
    std::vector<std::string_view> t = SplitDirKey(o.start_after);
    bool fresh = false;
    for (size_t i = 0; i < base.size() && !fresh; ++i) {
      if (i == t.size() || t[i] < base[i]) {
        fresh = true;  // the token sits before the listed directory's contents
      } else if (t[i] > base[i]) {
        return Status::OK();  // after all of them
      }
    }
    if (!fresh && t.size() == base.size()) fresh = true;  // the directory's own position
    if (!fresh && !t[base.size()].starts_with(filter)) {
      if (t[base.size()] > filter) return Status::OK();
      fresh = true;
    }
    if (!fresh) {
      for (size_t j = base.size(); j < t.size(); ++j) {
        frames.back().seek = t[j];
        frames.back().strict = true;
        // The token's path continues into t[j] if that is a directory (for the last component:
        // everything inside comes after the key t, which sorts before its extensions).
        if (group) break;
        Status s = LookupEntry(txn, ix.dirents, bucket, frames.back().dir, t[j], &value);
        if (s.code() == Code::NoSuchKey || (s.ok() && !IsDirValue(value))) break;
        if (!s.ok()) return s;
        uint64_t child = 0;
        if (!DecodeDirValue(value, &child)) return Corrupt(t[j]);
        std::string path = frames.back().path;
        path.append(t[j]).push_back('/');
        frames.push_back(Frame{child, std::move(path), std::string(), false});
      }
    }
  }

  size_t count = 0;
  std::string target;
  while (!frames.empty()) {
    Frame& f = frames.back();
    target = f.seek;
    if (f.strict) target.push_back('\0');  // the smallest name > seek
    auto found = scan.First(f.dir, target, &name, &value);
    if (!found.ok()) return found.status();
    if (!found.value() || (frames.size() == 1 && !name.starts_with(filter))) {
      frames.pop_back();
      continue;
    }
    // Every directory holds an object, so any entry found means more results: exact truncation.
    if (count == o.max_keys) {
      out->is_truncated = true;
      break;
    }
    f.seek = name;
    f.strict = true;
    if (IsDirValue(value)) {
      uint64_t child = 0;
      if (!DecodeDirValue(value, &child)) return Corrupt(name);
      std::string path = f.path + name + "/";
      if (group) {
        out->next_marker = path;
        out->common_prefixes.push_back(std::move(path));
        ++count;
      } else {
        frames.push_back(Frame{child, std::move(path), std::string(), false});  // invalidates f
      }
      continue;
    }
    if (!IsObjectValue(value)) return Corrupt(name);
    ObjectRecord record;
    if (!DecodeRecord(std::string_view(value).substr(1), &record, /*with_body=*/false)) {
      return Status(Code::IoError, "corrupt object record for key " + f.path + name);
    }
    std::string key = f.path + name;
    out->next_marker = key;
    out->objects.push_back(ListEntry{std::move(key), std::move(record.meta)});
    ++count;
  }
  return Status::OK();
}

}  // namespace xs3::storage
