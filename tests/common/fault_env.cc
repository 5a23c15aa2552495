#include "tests/common/fault_env.h"

#include <algorithm>
#include <cstring>
#include <set>
#include <utility>

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace tsw::testing {
namespace {

// EnvError("cannot <what>", path, err), carrying `err` (ErrnoOf).
absl::Status Error(absl::string_view what, absl::string_view path, int err) {
  return EnvError(absl::StrCat("cannot ", what), path, err);
}

std::vector<std::string> Components(absl::string_view path) {
  std::vector<std::string> parts;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part != ".") parts.emplace_back(part);
  }
  return parts;
}

std::string Normalize(absl::string_view path) {
  return absl::StrCat("/", absl::StrJoin(Components(path), "/"));
}

}  // namespace

absl::string_view FaultOpName(FaultOp op) {
  switch (op) {
    case FaultOp::kOpen:
      return "open";
    case FaultOp::kRead:
      return "read";
    case FaultOp::kWrite:
      return "write";
    case FaultOp::kTruncate:
      return "truncate";
    case FaultOp::kSync:
      return "fdatasync";
    case FaultOp::kSize:
      return "stat";
    case FaultOp::kMap:
      return "map";
    case FaultOp::kListDir:
      return "list";
    case FaultOp::kCreateDir:
      return "create directory";
    case FaultOp::kRemoveDir:
      return "remove directory";
    case FaultOp::kRemoveFile:
      return "remove";
    case FaultOp::kRename:
      return "rename";
    case FaultOp::kSyncDir:
      return "fsync directory";
    case FaultOp::kLock:
      return "lock";
  }
  return "?";
}

// A file or a directory: what a reader sees now, and what survives a power cut.
struct FaultEnv::Node {
  explicit Node(bool dir) : is_dir(dir) {}
  const bool is_dir;

  // Files. `data` = `synced` with `unsynced` applied in order.
  struct Change {
    bool truncate = false;
    uint64_t offset = 0;  // The new size, for a truncation.
    std::string bytes;
  };
  std::string data;
  std::string synced;
  std::vector<Change> unsynced;
  std::vector<Region*> regions;  // Live mappings.

  // Directories. `entries` = `synced_entries` with `unsynced_entries` applied in order;
  // each change (a rename within the directory sets one name and removes another) is
  // all-or-nothing. A null node removes the name.
  using EntryChange = std::vector<std::pair<std::string, std::shared_ptr<Node>>>;
  std::map<std::string, std::shared_ptr<Node>> entries;
  std::map<std::string, std::shared_ptr<Node>> synced_entries;
  std::vector<EntryChange> unsynced_entries;
};

struct FaultEnv::Region {
  std::shared_ptr<Node> node;
  uint64_t generation = 0;
  uint64_t offset = 0;
  std::string bytes;  // What the caller stores into.
  std::string base;   // `bytes` as last copied into the file.
};

namespace {

void ApplyChange(std::string& data, bool truncate, uint64_t offset, absl::string_view bytes) {
  if (truncate) {
    data.resize(offset, '\0');
    return;
  }
  if (data.size() < offset + bytes.size()) data.resize(offset + bytes.size(), '\0');
  std::memcpy(data.data() + offset, bytes.data(), bytes.size());
}

}  // namespace

class FaultEnv::FaultFile : public File {
 public:
  FaultFile(FaultEnv* env, std::shared_ptr<Node> node, std::string path, uint64_t generation,
            bool writable)
      : env_(env),
        node_(std::move(node)),
        path_(std::move(path)),
        generation_(generation),
        writable_(writable) {}

  const std::string& path() const override { return path_; }

  absl::StatusOr<size_t> Read(uint64_t offset, size_t n, char* scratch) const override {
    std::lock_guard<std::mutex> lock(env_->mu_);
    if (absl::Status s = env_->BeginLocked(FaultOp::kRead, path_, generation_, false); !s.ok()) {
      return s;
    }
    const std::string& data = node_->data;
    if (offset >= data.size()) return size_t{0};
    const size_t got = std::min<uint64_t>(n, data.size() - offset);
    std::memcpy(scratch, data.data() + offset, got);
    return got;
  }

  absl::Status Write(uint64_t offset, absl::Span<const absl::string_view> pieces) override {
    std::string bytes;
    for (absl::string_view piece : pieces) bytes.append(piece.data(), piece.size());
    std::lock_guard<std::mutex> lock(env_->mu_);
    size_t partial = 0;
    absl::Status s = env_->BeginLocked(FaultOp::kWrite, path_, generation_, true, &partial);
    if (s.ok() && !writable_) s = Error("write", path_, EBADF);
    if (!s.ok()) {
      // Only an injected fault writes a part; a dead handle or the power off writes none.
      if (partial > 0 && env_->powered_ && generation_ == env_->generation_) {
        env_->WriteNodeLocked(*node_, offset,
                              absl::string_view(bytes).substr(0, std::min(partial, bytes.size())));
      }
      return s;
    }
    if (env_->capacity_ >= 0) {
      const uint64_t size = node_->data.size();
      const uint64_t end = offset + bytes.size();
      const int64_t growth = end > size ? static_cast<int64_t>(end - size) : 0;
      const int64_t used = env_->UsedLocked();
      if (used + growth > env_->capacity_) {
        const uint64_t room = static_cast<uint64_t>(std::max<int64_t>(0, env_->capacity_ - used));
        const uint64_t allowed_end = size + room;
        if (allowed_end > offset) {
          env_->WriteNodeLocked(*node_, offset,
                                absl::string_view(bytes).substr(0, allowed_end - offset));
        }
        return Error("write", path_, ENOSPC);
      }
    }
    env_->WriteNodeLocked(*node_, offset, bytes);
    return absl::OkStatus();
  }

  absl::Status Truncate(uint64_t size) override {
    std::lock_guard<std::mutex> lock(env_->mu_);
    absl::Status s = env_->BeginLocked(FaultOp::kTruncate, path_, generation_, true);
    if (s.ok() && !writable_) s = Error("truncate", path_, EBADF);
    if (!s.ok()) return s;
    const uint64_t old_size = node_->data.size();
    if (env_->capacity_ >= 0 && size > old_size &&
        env_->UsedLocked() + static_cast<int64_t>(size - old_size) > env_->capacity_) {
      return Error("truncate", path_, ENOSPC);
    }
    env_->TruncateNodeLocked(*node_, size);
    return absl::OkStatus();
  }

  absl::Status Sync() override {
    std::lock_guard<std::mutex> lock(env_->mu_);
    if (absl::Status s = env_->BeginLocked(FaultOp::kSync, path_, generation_, true); !s.ok()) {
      return s;
    }
    env_->SyncNodeLocked(*node_);
    env_->last_sync_[path_] = env_->sequence_;
    return absl::OkStatus();
  }

  absl::StatusOr<uint64_t> Size() const override {
    std::lock_guard<std::mutex> lock(env_->mu_);
    if (absl::Status s = env_->BeginLocked(FaultOp::kSize, path_, generation_, false); !s.ok()) {
      return s;
    }
    return node_->data.size();
  }

  absl::StatusOr<std::unique_ptr<MappedRegion>> MapWritable(uint64_t offset, size_t n) override;

 private:
  FaultEnv* const env_;
  const std::shared_ptr<Node> node_;
  const std::string path_;
  const uint64_t generation_;
  const bool writable_;
};

class FaultEnv::FaultRegion : public MappedRegion {
 public:
  FaultRegion(FaultEnv* env, std::unique_ptr<Region> region)
      : env_(env), region_(std::move(region)) {}
  ~FaultRegion() override {
    std::lock_guard<std::mutex> lock(env_->mu_);
    Node& node = *region_->node;
    auto it = std::find(node.regions.begin(), node.regions.end(), region_.get());
    if (it == node.regions.end()) return;  // Dead since a power cut.
    node.regions.erase(it);
    if (env_->powered_ && region_->generation == env_->generation_) {
      env_->FlushRegionLocked(*region_);
    }
  }
  char* data() override { return region_->bytes.data(); }
  size_t size() const override { return region_->bytes.size(); }

 private:
  FaultEnv* const env_;
  const std::unique_ptr<Region> region_;
};

absl::StatusOr<std::unique_ptr<MappedRegion>> FaultEnv::FaultFile::MapWritable(uint64_t offset,
                                                                               size_t n) {
  std::lock_guard<std::mutex> lock(env_->mu_);
  absl::Status s = env_->BeginLocked(FaultOp::kMap, path_, generation_, true);
  if (s.ok() && !writable_) s = Error("map", path_, EBADF);
  if (!s.ok()) return s;
  if (!env_->map_supported_) {
    return absl::UnimplementedError(absl::StrCat("cannot map ", path_, ": not supported"));
  }
  if (offset % 4096 != 0 || offset + n > node_->data.size()) {
    return Error("map", path_, EINVAL);
  }
  auto region = std::make_unique<Region>();
  region->node = node_;
  region->generation = generation_;
  region->offset = offset;
  region->bytes = node_->data.substr(offset, n);
  region->base = region->bytes;
  node_->regions.push_back(region.get());
  return std::unique_ptr<MappedRegion>(new FaultRegion(env_, std::move(region)));
}

class FaultEnv::FaultLock : public FileLock {
 public:
  FaultLock(FaultEnv* env, std::string path, uint64_t generation)
      : env_(env), path_(std::move(path)), generation_(generation) {}
  ~FaultLock() override {
    std::lock_guard<std::mutex> lock(env_->mu_);
    auto it = env_->locks_.find(path_);
    if (it != env_->locks_.end() && it->second == generation_) env_->locks_.erase(it);
  }

 private:
  FaultEnv* const env_;
  const std::string path_;
  const uint64_t generation_;
};

FaultEnv::FaultEnv() : root_(std::make_shared<Node>(true)) {}
FaultEnv::~FaultEnv() = default;

absl::Status FaultEnv::BeginLocked(FaultOp op, absl::string_view path, uint64_t generation,
                                   bool mutating, size_t* partial) {
  ++sequence_;
  ++counts_[static_cast<int>(op)];
  const absl::string_view what = FaultOpName(op);
  if (!powered_) return Error(what, path, EIO);
  if (mutating) {
    ++mutating_ops_;
    if (cut_after_ > 0 && --cut_after_ == 0) {
      CutLocked(scheduled_cut_);
      return Error(what, path, EIO);
    }
  }
  if (generation != 0 && generation != generation_) return Error(what, path, EIO);
  for (ActiveFault& active : faults_) {
    const Fault& fault = active.fault;
    if (fault.op != op || !absl::StrContains(path, fault.path_contains)) continue;
    if (++active.seen <= fault.skip) continue;
    if (fault.times >= 0 && active.failed >= fault.times) continue;
    ++active.failed;
    if (partial != nullptr) *partial = fault.partial_bytes;
    return Error(what, path, fault.err);
  }
  return absl::OkStatus();
}

std::shared_ptr<FaultEnv::Node> FaultEnv::ParentLocked(const std::string& path,
                                                       std::string* name) const {
  std::vector<std::string> parts = Components(path);
  if (parts.empty()) return nullptr;
  std::shared_ptr<Node> dir = root_;
  for (size_t i = 0; i + 1 < parts.size(); ++i) {
    auto it = dir->entries.find(parts[i]);
    if (it == dir->entries.end() || !it->second->is_dir) return nullptr;
    dir = it->second;
  }
  *name = parts.back();
  return dir;
}

std::shared_ptr<FaultEnv::Node> FaultEnv::LookupLocked(const std::string& path) const {
  std::string name;
  std::shared_ptr<Node> parent = ParentLocked(path, &name);
  if (parent == nullptr) return Components(path).empty() ? root_ : nullptr;
  auto it = parent->entries.find(name);
  return it == parent->entries.end() ? nullptr : it->second;
}

int64_t FaultEnv::UsedLocked() const {
  int64_t used = 0;
  std::set<const Node*> seen;
  std::vector<const Node*> stack = {root_.get()};
  while (!stack.empty()) {
    const Node* node = stack.back();
    stack.pop_back();
    if (!seen.insert(node).second) continue;
    used += static_cast<int64_t>(node->data.size());
    for (const auto& [name, child] : node->entries) stack.push_back(child.get());
  }
  return used;
}

void FaultEnv::WriteNodeLocked(Node& node, uint64_t offset, absl::string_view data) {
  ApplyChange(node.data, false, offset, data);
  node.unsynced.push_back(Node::Change{false, offset, std::string(data)});
}

void FaultEnv::TruncateNodeLocked(Node& node, uint64_t size) {
  ApplyChange(node.data, true, size, {});
  node.unsynced.push_back(Node::Change{true, size, {}});
}

void FaultEnv::FlushRegionLocked(Region& region) {
  // Another thread may be storing into the region: read each byte once.
  const std::string now = region.bytes;
  Node& node = *region.node;
  const uint64_t size = node.data.size();  // Pages past the end of the file are dropped.
  size_t i = 0;
  while (i < now.size()) {
    if (now[i] == region.base[i]) {
      ++i;
      continue;
    }
    size_t j = i;
    while (j < now.size() && now[j] != region.base[j]) ++j;
    const uint64_t begin = region.offset + i;
    const uint64_t end = std::min<uint64_t>(region.offset + j, size);
    if (begin < end) {
      WriteNodeLocked(node, begin, absl::string_view(now).substr(i, end - begin));
    }
    i = j;
  }
  region.base = now;
}

void FaultEnv::SyncNodeLocked(Node& node) {
  for (Region* region : node.regions) FlushRegionLocked(*region);
  node.synced = node.data;
  node.unsynced.clear();
}

void FaultEnv::SetEntryLocked(Node& dir, const std::string& name, std::shared_ptr<Node> node) {
  if (node == nullptr) {
    dir.entries.erase(name);
  } else {
    dir.entries[name] = node;
  }
  dir.unsynced_entries.push_back({{name, std::move(node)}});
}

void FaultEnv::CutLocked(const CutOptions& options) {
  if (!powered_) return;
  std::mt19937_64 rng(options.seed);
  const bool random = options.mode == CutMode::kRandom;
  auto pick = [&rng](size_t n) {  // Uniform in [0, n].
    return std::uniform_int_distribution<size_t>(0, n)(rng);
  };
  std::set<Node*> seen;
  std::vector<Node*> stack = {root_.get()};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    if (!seen.insert(node).second) continue;
    if (node->is_dir) {
      std::map<std::string, std::shared_ptr<Node>> entries = node->synced_entries;
      const size_t keep = random ? pick(node->unsynced_entries.size()) : 0;
      for (size_t i = 0; i < keep; ++i) {
        for (auto& [name, child] : node->unsynced_entries[i]) {
          if (child == nullptr) {
            entries.erase(name);
          } else {
            entries[name] = child;
          }
        }
      }
      node->entries = entries;
      node->synced_entries = std::move(entries);
      node->unsynced_entries.clear();
      for (auto& [name, child] : node->entries) stack.push_back(child.get());
      continue;
    }
    // The kernel may have written back any dirty page of a live mapping.
    for (Region* region : node->regions) {
      if (random && pick(1) == 1) FlushRegionLocked(*region);
    }
    node->regions.clear();  // Their owners find them dead.
    std::string data = node->synced;
    if (random) {
      const size_t keep = pick(node->unsynced.size());
      for (size_t i = 0; i < keep; ++i) {
        const Node::Change& c = node->unsynced[i];
        ApplyChange(data, c.truncate, c.offset, c.bytes);
      }
      if (keep < node->unsynced.size() && !node->unsynced[keep].truncate) {
        const Node::Change& torn = node->unsynced[keep];
        const size_t bytes = pick(torn.bytes.size());
        if (bytes > 0) {
          ApplyChange(data, false, torn.offset, absl::string_view(torn.bytes).substr(0, bytes));
        }
      }
    }
    node->data = data;
    node->synced = std::move(data);
    node->unsynced.clear();
  }
  // Nodes no longer reachable are gone; handles that still hold them are dead.
  ++generation_;
  powered_ = false;
  ++power_cuts_;
  cut_after_ = 0;
  locks_.clear();
}

void FaultEnv::CutPower(const CutOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  CutLocked(options);
}

void FaultEnv::CutPowerAfter(int64_t n, const CutOptions& options) {
  std::lock_guard<std::mutex> lock(mu_);
  cut_after_ = std::max<int64_t>(n, 0);
  scheduled_cut_ = options;
}

void FaultEnv::PowerOn() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!powered_) last_sync_.clear();
  powered_ = true;
}

bool FaultEnv::powered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return powered_;
}

int64_t FaultEnv::power_cuts() const {
  std::lock_guard<std::mutex> lock(mu_);
  return power_cuts_;
}

void FaultEnv::SetMapSupported(bool supported) {
  std::lock_guard<std::mutex> lock(mu_);
  map_supported_ = supported;
}

void FaultEnv::InjectFault(const Fault& fault) {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.push_back(ActiveFault{fault});
}

void FaultEnv::ClearFaults() {
  std::lock_guard<std::mutex> lock(mu_);
  faults_.clear();
}

void FaultEnv::SetCapacity(int64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  capacity_ = bytes < 0 ? -1 : bytes;
}

int64_t FaultEnv::BytesUsed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return UsedLocked();
}

int64_t FaultEnv::Count(FaultOp op) const {
  std::lock_guard<std::mutex> lock(mu_);
  return counts_[static_cast<int>(op)];
}

int64_t FaultEnv::MutatingOps() const {
  std::lock_guard<std::mutex> lock(mu_);
  return mutating_ops_;
}

int64_t FaultEnv::Sequence() const {
  std::lock_guard<std::mutex> lock(mu_);
  return sequence_;
}

int64_t FaultEnv::LastSyncSequence(absl::string_view path_contains) const {
  std::lock_guard<std::mutex> lock(mu_);
  int64_t last = 0;
  for (const auto& [path, sequence] : last_sync_) {
    if (absl::StrContains(path, path_contains)) last = std::max(last, sequence);
  }
  return last;
}

absl::StatusOr<std::unique_ptr<File>> FaultEnv::OpenFile(const std::string& path, OpenMode mode) {
  std::lock_guard<std::mutex> lock(mu_);
  const bool creating = mode != OpenMode::kRead && mode != OpenMode::kReadWrite;
  if (absl::Status s = BeginLocked(FaultOp::kOpen, path, 0, creating); !s.ok()) return s;
  std::string name;
  std::shared_ptr<Node> parent = ParentLocked(path, &name);
  if (parent == nullptr) return Error("open", path, Components(path).empty() ? EISDIR : ENOENT);
  auto it = parent->entries.find(name);
  std::shared_ptr<Node> node = it == parent->entries.end() ? nullptr : it->second;
  if (node != nullptr && node->is_dir) return Error("open", path, EISDIR);
  switch (mode) {
    case OpenMode::kRead:
    case OpenMode::kReadWrite:
      if (node == nullptr) return Error("open", path, ENOENT);
      break;
    case OpenMode::kCreateExclusive:
      if (node != nullptr) return Error("create", path, EEXIST);
      [[fallthrough]];
    case OpenMode::kCreate:
    case OpenMode::kCreateTruncate:
      if (node == nullptr) {
        node = std::make_shared<Node>(false);
        SetEntryLocked(*parent, name, node);
      } else if (mode == OpenMode::kCreateTruncate && !node->data.empty()) {
        TruncateNodeLocked(*node, 0);
      }
      break;
  }
  return std::unique_ptr<File>(
      new FaultFile(this, std::move(node), path, generation_, mode != OpenMode::kRead));
}

bool FaultEnv::Exists(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  return powered_ && LookupLocked(path) != nullptr;
}

bool FaultEnv::IsDirectory(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!powered_) return false;
  std::shared_ptr<Node> node = LookupLocked(path);
  return node != nullptr && node->is_dir;
}

absl::StatusOr<std::vector<std::string>> FaultEnv::ListDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = BeginLocked(FaultOp::kListDir, path, 0, false); !s.ok()) return s;
  std::shared_ptr<Node> dir = LookupLocked(path);
  if (dir == nullptr) return Error("list", path, ENOENT);
  if (!dir->is_dir) return Error("list", path, ENOTDIR);
  std::vector<std::string> names;
  for (const auto& [name, child] : dir->entries) names.push_back(name);
  return names;
}

absl::Status FaultEnv::CreateDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = BeginLocked(FaultOp::kCreateDir, path, 0, true); !s.ok()) return s;
  std::string name;
  std::shared_ptr<Node> parent = ParentLocked(path, &name);
  if (parent == nullptr) {
    return Components(path).empty() ? absl::OkStatus() : Error("create directory", path, ENOENT);
  }
  auto it = parent->entries.find(name);
  if (it != parent->entries.end()) {
    return it->second->is_dir ? absl::OkStatus() : Error("create directory", path, EEXIST);
  }
  SetEntryLocked(*parent, name, std::make_shared<Node>(true));
  return absl::OkStatus();
}

absl::Status FaultEnv::RemoveDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = BeginLocked(FaultOp::kRemoveDir, path, 0, true); !s.ok()) return s;
  std::string name;
  std::shared_ptr<Node> parent = ParentLocked(path, &name);
  auto it = parent == nullptr ? decltype(parent->entries)::iterator() : parent->entries.find(name);
  if (parent == nullptr || it == parent->entries.end()) {
    return Error("remove directory", path, ENOENT);
  }
  if (!it->second->is_dir) return Error("remove directory", path, ENOTDIR);
  if (!it->second->entries.empty()) return Error("remove directory", path, ENOTEMPTY);
  SetEntryLocked(*parent, name, nullptr);
  return absl::OkStatus();
}

absl::Status FaultEnv::RemoveFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = BeginLocked(FaultOp::kRemoveFile, path, 0, true); !s.ok()) return s;
  std::string name;
  std::shared_ptr<Node> parent = ParentLocked(path, &name);
  if (parent == nullptr || parent->entries.count(name) == 0) {
    return Error("remove", path, ENOENT);
  }
  if (parent->entries[name]->is_dir) return Error("remove", path, EISDIR);
  SetEntryLocked(*parent, name, nullptr);
  return absl::OkStatus();
}

absl::Status FaultEnv::Rename(const std::string& from, const std::string& to) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = BeginLocked(FaultOp::kRename, from, 0, true); !s.ok()) return s;
  std::string from_name, to_name;
  std::shared_ptr<Node> from_dir = ParentLocked(from, &from_name);
  std::shared_ptr<Node> to_dir = ParentLocked(to, &to_name);
  if (from_dir == nullptr || from_dir->entries.count(from_name) == 0) {
    return Error("rename", from, ENOENT);
  }
  if (to_dir == nullptr) return Error("rename", to, ENOENT);
  std::shared_ptr<Node> node = from_dir->entries[from_name];
  auto target = to_dir->entries.find(to_name);
  if (target != to_dir->entries.end()) {
    if (target->second == node) return absl::OkStatus();
    if (target->second->is_dir) return Error("rename", to, EISDIR);
    if (node->is_dir) return Error("rename", to, ENOTDIR);
  }
  if (from_dir == to_dir) {
    // One directory: the new name and the old name's removal are one change.
    from_dir->entries[to_name] = node;
    from_dir->entries.erase(from_name);
    from_dir->unsynced_entries.push_back({{to_name, node}, {from_name, nullptr}});
  } else {
    SetEntryLocked(*to_dir, to_name, node);
    SetEntryLocked(*from_dir, from_name, nullptr);
  }
  return absl::OkStatus();
}

absl::Status FaultEnv::SyncDir(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = BeginLocked(FaultOp::kSyncDir, path, 0, true); !s.ok()) return s;
  std::shared_ptr<Node> dir = LookupLocked(path);
  if (dir == nullptr) return Error("fsync directory", path, ENOENT);
  if (!dir->is_dir) return Error("fsync directory", path, ENOTDIR);
  dir->synced_entries = dir->entries;
  dir->unsynced_entries.clear();
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<FileLock>> FaultEnv::LockFile(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  if (absl::Status s = BeginLocked(FaultOp::kLock, path, 0, true); !s.ok()) return s;
  std::string name;
  std::shared_ptr<Node> parent = ParentLocked(path, &name);
  if (parent == nullptr) return Error("lock", path, ENOENT);
  auto it = parent->entries.find(name);
  if (it == parent->entries.end()) {
    SetEntryLocked(*parent, name, std::make_shared<Node>(false));
  } else if (it->second->is_dir) {
    return Error("lock", path, EISDIR);
  }
  const std::string key = Normalize(path);
  if (locks_.count(key) != 0) {
    return WithErrno(
        absl::UnavailableError(absl::StrCat("cannot lock ", path, ": held by another user")),
        EWOULDBLOCK);
  }
  locks_[key] = generation_;
  return std::unique_ptr<FileLock>(new FaultLock(this, key, generation_));
}

absl::StatusOr<std::string> FaultEnv::ReadAll(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<Node> node = LookupLocked(path);
  if (node == nullptr) return Error("read", path, ENOENT);
  if (node->is_dir) return Error("read", path, EISDIR);
  return node->data;
}

absl::StatusOr<std::string> FaultEnv::ReadDurable(const std::string& path) {
  std::lock_guard<std::mutex> lock(mu_);
  std::shared_ptr<Node> node = root_;
  for (const std::string& part : Components(path)) {
    if (!node->is_dir) return Error("read", path, ENOTDIR);
    auto it = node->synced_entries.find(part);
    if (it == node->synced_entries.end()) return Error("read", path, ENOENT);
    node = it->second;
  }
  if (node->is_dir) return Error("read", path, EISDIR);
  return node->synced;
}

absl::Status FaultEnv::WriteDurably(const std::string& path, absl::string_view data) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string name;
  std::shared_ptr<Node> parent = ParentLocked(path, &name);
  if (parent == nullptr) return Error("create", path, ENOENT);
  auto node = std::make_shared<Node>(false);
  node->data = node->synced = std::string(data);
  parent->entries[name] = node;
  parent->synced_entries[name] = node;
  return absl::OkStatus();
}

}  // namespace tsw::testing
