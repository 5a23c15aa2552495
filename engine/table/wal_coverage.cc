#include "engine/table/wal_coverage.h"

#include <algorithm>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "tsw/status.h"

namespace tsw::table {
namespace {

constexpr absl::string_view kNoteMagic = "tsw-eviction";
constexpr absl::string_view kNoteVersion = "1";

}  // namespace

void WalCoverage::Add(uint64_t sequence, int64_t max_time) {
  if (!groups_.empty()) {
    Group& g = groups_.back();
    const bool full = sequence - g.first >= kGroupSize;
    // Compared without overflow: INT64_MIN marks a batch without rows.
    const bool spread = max_time > g.first_max_time &&
                        static_cast<uint64_t>(max_time) - static_cast<uint64_t>(g.first_max_time) >
                            static_cast<uint64_t>(kGroupSpanNanos);
    if (!full && !spread) {
      g.last = sequence;
      g.max_time = std::max(g.max_time, max_time);
      next_ = sequence + 1;
      return;
    }
  }
  groups_.push_back(Group{sequence, sequence, max_time, max_time});
  next_ = sequence + 1;
}

uint64_t WalCoverage::TrimPoint(int64_t cutoff, uint64_t covered) {
  while (!groups_.empty() && groups_.front().max_time < cutoff && groups_.front().last <= covered) {
    groups_.pop_front();
  }
  return groups_.empty() ? next_ : groups_.front().first;
}

std::string EvictionNote::Encode() const {
  return absl::StrCat(kNoteMagic, " ", kNoteVersion, " cutoff=", cutoff, " sequence=", sequence);
}

absl::Status EvictionNote::Decode(absl::string_view text, EvictionNote* note) {
  *note = EvictionNote();
  if (text.empty()) return absl::OkStatus();
  std::vector<absl::string_view> parts = absl::StrSplit(text, ' ');
  auto bad = [&] {
    return InternalError(absl::StrCat("the magnetic manifest's note \"", text,
                                      "\" is not an eviction note this build reads"));
  };
  if (parts.size() != 4 || parts[0] != kNoteMagic || parts[1] != kNoteVersion) return bad();
  if (!absl::ConsumePrefix(&parts[2], "cutoff=") || !absl::SimpleAtoi(parts[2], &note->cutoff)) {
    return bad();
  }
  if (!absl::ConsumePrefix(&parts[3], "sequence=") ||
      !absl::SimpleAtoi(parts[3], &note->sequence)) {
    return bad();
  }
  return absl::OkStatus();
}

}  // namespace tsw::table
