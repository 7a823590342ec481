#include "storage/flat_index.h"

#include <algorithm>

namespace xs3::storage {

namespace {

auto GroupLowerBound(GroupEntries& g, std::string_view key) {
  return std::lower_bound(g.begin(), g.end(), key, [](const auto& e, std::string_view k) { return e.first < k; });
}

Status Corrupt(std::string_view what) {
  return Status(Code::IoError, "corrupt flat index entry: " + std::string(what));
}

// Reads the group stored at lmdb_key into *g (empty if absent).
Status LoadGroup(MDB_txn* txn, MDB_dbi dbi, const std::string& lmdb_key, GroupEntries* g) {
  MDB_val k = ToVal(lmdb_key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  g->clear();
  if (rc == MDB_NOTFOUND) return Status::OK();
  if (rc != 0) return LmdbStatus(rc, "mdb_get");
  if (!DecodeGroup(FromVal(v), g)) return Corrupt(lmdb_key);
  return Status::OK();
}

}  // namespace

Status FlatGet(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket, std::string_view key, std::string* record) {
  std::string lmdb_key = EncodeObjectKey(bucket, key);
  if (IsGroupedKey(key)) {
    GroupEntries g;
    Status s = LoadGroup(txn, dbi, lmdb_key, &g);
    if (!s.ok()) return s;
    auto it = GroupLowerBound(g, key);
    if (it == g.end() || it->first != key) return Status(Code::NoSuchKey, "no such key");
    *record = std::move(it->second);
    return Status::OK();
  }
  MDB_val k = ToVal(lmdb_key), v;
  int rc = mdb_get(txn, dbi, &k, &v);
  if (rc == MDB_NOTFOUND) return Status(Code::NoSuchKey, "no such key");
  if (rc != 0) return LmdbStatus(rc, "mdb_get");
  record->assign(FromVal(v));
  return Status::OK();
}

Status FlatPut(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket, std::string_view key, std::string_view record) {
  std::string lmdb_key = EncodeObjectKey(bucket, key);
  std::string group_value;
  std::string_view value = record;
  if (IsGroupedKey(key)) {
    GroupEntries g;
    Status s = LoadGroup(txn, dbi, lmdb_key, &g);
    if (!s.ok()) return s;
    auto it = GroupLowerBound(g, key);
    if (it != g.end() && it->first == key) {
      it->second.assign(record);
    } else {
      g.emplace(it, std::string(key), std::string(record));
    }
    group_value = EncodeGroup(g);
    value = group_value;
  }
  MDB_val k = ToVal(lmdb_key), v = ToVal(value);
  int rc = mdb_put(txn, dbi, &k, &v, 0);
  if (rc != 0) return LmdbStatus(rc, "mdb_put");
  return Status::OK();
}

Status FlatDelete(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket, std::string_view key) {
  std::string lmdb_key = EncodeObjectKey(bucket, key);
  MDB_val k = ToVal(lmdb_key);
  if (IsGroupedKey(key)) {
    GroupEntries g;
    Status s = LoadGroup(txn, dbi, lmdb_key, &g);
    if (!s.ok()) return s;
    auto it = GroupLowerBound(g, key);
    if (it == g.end() || it->first != key) return Status(Code::NoSuchKey, "no such key");
    g.erase(it);
    if (!g.empty()) {
      std::string value = EncodeGroup(g);
      MDB_val v = ToVal(value);
      int rc = mdb_put(txn, dbi, &k, &v, 0);
      return rc == 0 ? Status::OK() : LmdbStatus(rc, "mdb_put");
    }
  }
  int rc = mdb_del(txn, dbi, &k, nullptr);
  if (rc == MDB_NOTFOUND) return Status(Code::NoSuchKey, "no such key");
  if (rc != 0) return LmdbStatus(rc, "mdb_del");
  return Status::OK();
}

Result<bool> FlatBucketHasKeys(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket) {
  Cursor c;
  Status s = c.Open(txn, dbi);
  if (!s.ok()) return s;
  std::string prefix = BucketKeyPrefix(bucket);
  MDB_val k = ToVal(prefix), v;
  int rc = mdb_cursor_get(c.get(), &k, &v, MDB_SET_RANGE);
  if (rc == MDB_NOTFOUND) return false;
  if (rc != 0) return LmdbStatus(rc, "mdb_cursor_get");
  return FromVal(k).starts_with(prefix);
}

Status FlatForEachRecord(MDB_txn* txn, MDB_dbi dbi, const std::function<void(std::string_view)>& fn) {
  Cursor c;
  Status s = c.Open(txn, dbi);
  if (!s.ok()) return s;
  MDB_val k, v;
  GroupEntries g;
  for (int rc = mdb_cursor_get(c.get(), &k, &v, MDB_FIRST); rc != MDB_NOTFOUND;
       rc = mdb_cursor_get(c.get(), &k, &v, MDB_NEXT)) {
    if (rc != 0) return LmdbStatus(rc, "mdb_cursor_get");
    auto d = DecodeObjectKey(FromVal(k));
    if (!d) return Corrupt(FromVal(k));
    if (!d->group) {
      fn(FromVal(v));
      continue;
    }
    if (!DecodeGroup(FromVal(v), &g)) return Corrupt(FromVal(k));
    for (const auto& e : g) fn(e.second);
  }
  return Status::OK();
}

FlatCursor::FlatCursor(MDB_txn* txn, MDB_dbi dbi, std::string_view bucket) : prefix_(BucketKeyPrefix(bucket)) {
  status_ = cursor_.Open(txn, dbi);
}

void FlatCursor::Fail(Status s) {
  status_ = std::move(s);
  valid_ = false;
}

void FlatCursor::Seek(std::string_view target) {
  if (!status_.ok()) return;
  std::string lmdb_key = prefix_;
  if (!IsGroupedKey(target)) {
    lmdb_key.append(target);
  } else {
    lmdb_key.append(target.substr(0, kInlineKeyLimit));
    lmdb_key.push_back('\0');
  }
  MDB_val k = ToVal(lmdb_key), v;
  int rc = mdb_cursor_get(cursor_.get(), &k, &v, MDB_SET_RANGE);
  Load(rc, k, v, target);
}

void FlatCursor::Next() {
  if (!valid_) return;
  if (in_group_ && group_index_ + 1 < group_.size()) {
    ++group_index_;
    key_ = group_[group_index_].first;
    record_ = group_[group_index_].second;
    return;
  }
  MDB_val k, v;
  int rc = mdb_cursor_get(cursor_.get(), &k, &v, MDB_NEXT);
  Load(rc, k, v, {});
}

void FlatCursor::Load(int rc, MDB_val k, MDB_val v, std::string_view target) {
  // A group may hold no key >= target (all its keys are below it): then move on. This loops at
  // most once, since a following entry is entirely above target.
  for (;;) {
    in_group_ = false;
    valid_ = false;
    if (rc == MDB_NOTFOUND) return;
    if (rc != 0) return Fail(LmdbStatus(rc, "mdb_cursor_get"));
    std::string_view lmdb_key = FromVal(k);
    if (!lmdb_key.starts_with(prefix_)) return;  // past the bucket
    std::string_view suffix = lmdb_key.substr(prefix_.size());
    if (suffix.size() <= kInlineKeyLimit) {
      key_.assign(suffix);
      record_ = FromVal(v);
      valid_ = true;
      return;
    }
    if (suffix.size() != kInlineKeyLimit + 1 || !DecodeGroup(FromVal(v), &group_)) {
      return Fail(Corrupt(lmdb_key));
    }
    auto it = GroupLowerBound(group_, target);
    if (it != group_.end()) {
      in_group_ = true;
      group_index_ = static_cast<size_t>(it - group_.begin());
      key_ = it->first;
      record_ = it->second;
      valid_ = true;
      return;
    }
    rc = mdb_cursor_get(cursor_.get(), &k, &v, MDB_NEXT);
    target = {};
  }
}

}  // namespace xs3::storage
