// FaultEnv: an in-memory Env for tests that can cut the power and fail chosen operations.
//
// The file system lives in memory, so a test can cut the power thousands of times. Every
// file and every directory remembers what has reached stable storage under the durability
// model of tsw/env.h (POSIX's): a file's bytes and size only at a successful File::Sync, a
// directory's entries (creations, renames, removals) only at a successful SyncDir of that
// directory. CutPower() throws away whatever was not yet durable:
//
//   kWorstCase  every file reverts to its content and size at its last Sync (a new file
//               never synced is empty), every directory to its entries at its last
//               SyncDir: a new file vanishes, a removed one comes back, a renamed one is
//               found under its old name with its old content. A directory whose own
//               creation was never made durable vanishes with everything in it.
//   kRandom     (seeded) a random part of what POSIX lets survive does: per file, a prefix
//               of the writes and truncations since its last Sync, the last kept write
//               torn at any byte; per directory, a prefix of its changes since its last
//               SyncDir.
//
// After a cut the machine is off: every operation fails with EIO until PowerOn(). Files,
// mappings and locks obtained before the cut stay dead for good (every operation EIO, a
// mapping's bytes never reach the file, a lock is released), so the destructors of an
// engine that was running at the cut cannot disturb what the next engine finds.
//
// Faults: InjectFault fails chosen operations (the Nth sync, every rename of a path...)
// with any errno, a write possibly after part of its buffer reached the file; SetCapacity
// bounds the bytes all files may hold, beyond which writes fail with ENOSPC after writing
// what fits. Counters tell how many operations of each kind ran.
//
// Paths are '/'-separated; "a/b" and "/a/b" name the same file. The root always exists.
//
// Thread-safe: one mutex guards all state; a MappedRegion's bytes may be stored by any
// thread without it (they are read at Sync and at the region's destruction).
#ifndef TSW_TESTS_COMMON_FAULT_ENV_H_
#define TSW_TESTS_COMMON_FAULT_ENV_H_

#include <cerrno>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "tsw/env.h"

namespace tsw::testing {

// The kinds of operation FaultEnv counts and can fail.
enum class FaultOp {
  kOpen,        // OpenFile, any mode.
  kRead,        // File::Read.
  kWrite,       // File::Write.
  kTruncate,    // File::Truncate.
  kSync,        // File::Sync.
  kSize,        // File::Size.
  kMap,         // File::MapWritable.
  kListDir,     // Env::ListDir.
  kCreateDir,   // Env::CreateDir.
  kRemoveDir,   // Env::RemoveDir.
  kRemoveFile,  // Env::RemoveFile.
  kRename,      // Env::Rename.
  kSyncDir,     // Env::SyncDir.
  kLock,        // Env::LockFile.
};
inline constexpr int kFaultOpCount = 14;

// "write", "sync", ... for messages.
absl::string_view FaultOpName(FaultOp op);

// One injected failure rule. Operations of kind `op` on a path containing `path_contains`
// are counted from the moment the rule is injected: the first `skip` succeed, the next
// `times` fail with `err` (times < 0: every one from then on).
struct Fault {
  FaultOp op = FaultOp::kWrite;
  int64_t skip = 0;
  int64_t times = 1;
  int err = EIO;
  std::string path_contains;  // Empty: every path.
  // kWrite only: how many leading bytes of the buffer reach the file before the error.
  size_t partial_bytes = 0;
};

enum class CutMode { kWorstCase, kRandom };

struct CutOptions {
  CutMode mode = CutMode::kWorstCase;
  uint64_t seed = 0;  // kRandom only.
};

class FaultEnv : public Env {
 public:
  FaultEnv();
  ~FaultEnv() override;
  FaultEnv(const FaultEnv&) = delete;
  FaultEnv& operator=(const FaultEnv&) = delete;

  // --- Env ---
  absl::StatusOr<std::unique_ptr<File>> OpenFile(const std::string& path, OpenMode mode) override;
  bool Exists(const std::string& path) override;
  bool IsDirectory(const std::string& path) override;
  absl::StatusOr<std::vector<std::string>> ListDir(const std::string& path) override;
  absl::Status CreateDir(const std::string& path) override;
  absl::Status RemoveDir(const std::string& path) override;
  absl::Status RemoveFile(const std::string& path) override;
  absl::Status Rename(const std::string& from, const std::string& to) override;
  absl::Status SyncDir(const std::string& path) override;
  absl::StatusOr<std::unique_ptr<FileLock>> LockFile(const std::string& path) override;

  // --- Power ---
  // Cuts the power now: forgets what was not durable (see the file comment) and turns the
  // machine off. Files, mappings and locks from before are dead for good. Does nothing if
  // the power is already off.
  void CutPower(const CutOptions& options = {});
  // Cuts the power when the `n`-th mutating operation from now begins (n >= 1; that
  // operation fails with EIO and has no effect). Mutating: Write, Truncate, Sync,
  // MapWritable, OpenFile with a creating mode, CreateDir, RemoveDir, RemoveFile, Rename,
  // SyncDir, LockFile. Replaces any earlier schedule; n <= 0 cancels.
  void CutPowerAfter(int64_t n, const CutOptions& options = {});
  // Turns the machine back on after a cut.
  void PowerOn();
  bool powered() const;
  // How many times the power was cut.
  int64_t power_cuts() const;
  // Whether File::MapWritable maps (default) or answers Unimplemented, as a kernel
  // without MADV_POPULATE_WRITE does.
  void SetMapSupported(bool supported);

  // --- Faults ---
  void InjectFault(const Fault& fault);
  void ClearFaults();
  // The bytes all files may hold together (their sizes; a sparse extension counts).
  // A Write or Truncate that would grow past it fails with ENOSPC, a Write after storing
  // the bytes that fit. May be lowered below the current use or raised again.
  // Unlimited by default; a negative value restores that.
  void SetCapacity(int64_t bytes);
  int64_t BytesUsed() const;

  // --- Counters ---
  // Operations of kind `op` attempted since construction (failed ones too).
  int64_t Count(FaultOp op) const;
  // Mutating operations attempted so far (the clock of CutPowerAfter).
  int64_t MutatingOps() const;
  // A clock that ticks once per operation of any kind: the value after the latest one.
  int64_t Sequence() const;
  // The Sequence() value of the latest successful File::Sync of a file whose path (as
  // opened) contains `path_contains`, since the power was last turned on (so it can be
  // read between a cut and PowerOn); 0 if none. Every byte written to
  // such a file (by Write or through a mapping) by an operation that finished before that
  // value was taken was durable from then on.
  int64_t LastSyncSequence(absl::string_view path_contains) const;

  // --- Inspection (tests of the tests) ---
  // The current content of file `path` as a reader would see it; NotFound if missing.
  absl::StatusOr<std::string> ReadAll(const std::string& path);
  // The content file `path` would have after a worst-case cut now: only synced directory
  // entries and synced bytes; NotFound if the file would be missing.
  absl::StatusOr<std::string> ReadDurable(const std::string& path);
  // Writes `data` to file `path` (created if missing) and makes it and its directory
  // entry durable, as if done long before the test.
  absl::Status WriteDurably(const std::string& path, absl::string_view data);

 private:
  struct Node;
  struct Region;
  class FaultFile;
  class FaultRegion;
  class FaultLock;
  friend class FaultFile;
  friend class FaultRegion;
  friend class FaultLock;

  // Begins an operation of kind `op` on `path` (under mu_): counts it, cuts the power if
  // scheduled, and returns the error it must fail with (power off, a dead handle, an
  // injected fault), setting *partial to the bytes a failing write keeps.
  absl::Status BeginLocked(FaultOp op, absl::string_view path, uint64_t generation, bool mutating,
                           size_t* partial = nullptr);
  void CutLocked(const CutOptions& options);
  // Walks to the directory holding the last component of `path`.
  std::shared_ptr<Node> ParentLocked(const std::string& path, std::string* name) const;
  std::shared_ptr<Node> LookupLocked(const std::string& path) const;
  int64_t UsedLocked() const;
  // Applies a write / truncate to a file node, keeping its log of unsynced changes.
  void WriteNodeLocked(Node& node, uint64_t offset, absl::string_view data);
  void TruncateNodeLocked(Node& node, uint64_t size);
  void SyncNodeLocked(Node& node);
  void FlushRegionLocked(Region& region);
  void SetEntryLocked(Node& dir, const std::string& name, std::shared_ptr<Node> node);

  mutable std::mutex mu_;
  std::shared_ptr<Node> root_;
  uint64_t generation_ = 1;  // Bumped by every cut; handles of older ones are dead.
  bool powered_ = true;
  int64_t power_cuts_ = 0;
  int64_t cut_after_ = 0;  // Mutating ops left before a scheduled cut; 0: none.
  CutOptions scheduled_cut_;
  bool map_supported_ = true;
  struct ActiveFault {
    Fault fault;
    int64_t seen = 0;
    int64_t failed = 0;
  };
  std::vector<ActiveFault> faults_;
  int64_t capacity_ = -1;
  int64_t counts_[kFaultOpCount] = {};
  int64_t mutating_ops_ = 0;
  int64_t sequence_ = 0;
  std::map<std::string, int64_t> last_sync_;  // Path as opened -> Sequence() at Sync.
  std::map<std::string, uint64_t> locks_;     // Normalized path -> generation holding it.
};

}  // namespace tsw::testing

#endif  // TSW_TESTS_COMMON_FAULT_ENV_H_
