// MagneticStore's writers besides AddSegment: ApplyRetention and Compact.
#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "engine/magnetic/compaction_policy.h"
#include "engine/magnetic/magnetic_store.h"
#include "engine/magnetic/magnetic_store_impl.h"
#include "tsw/status.h"

namespace tsw::magnetic {

absl::Status MagneticStore::ApplyRetention(int64_t min_time_nanos) {
  MutexLock write_lock(&impl_->write_mu);
  std::shared_ptr<const State> before = impl_->Snapshot();
  Manifest next = before->manifest;
  next.retention_cutoff = std::max(next.retention_cutoff, min_time_nanos);
  next.segments.clear();
  std::vector<std::shared_ptr<const SegmentReader>> readers;
  std::vector<uint64_t> dropped;
  for (size_t i = 0; i < before->manifest.segments.size(); ++i) {
    const ManifestSegment& segment = before->manifest.segments[i];
    if (segment.summary.max_time < next.retention_cutoff) {
      dropped.push_back(segment.file_id);
      continue;
    }
    next.segments.push_back(segment);
    readers.push_back(before->readers[i]);
  }
  if (dropped.empty() && next.retention_cutoff == before->manifest.retention_cutoff) {
    return absl::OkStatus();
  }
  if (absl::Status s = impl_->Publish(std::move(next), std::move(readers)); !s.ok()) return s;
  return impl_->DeleteFiles(dropped, "older than the retention cutoff");
}

absl::Status MagneticStore::Compact() {
  MutexLock write_lock(&impl_->write_mu);
  const MagneticOptions& options = impl_->options;
  const size_t min_segments = static_cast<size_t>(std::max(options.compaction_min_segments, 2));
  while (true) {
    std::shared_ptr<const State> state = impl_->Snapshot();
    std::optional<std::pair<size_t, size_t>> chosen =
        PickCompactionRun(state->manifest.segments, state->manifest.retention_cutoff,
                          options.target_segment_bytes, min_segments);
    if (!chosen.has_value()) return absl::OkStatus();
    if (absl::Status s = impl_->CompactRun(*state, chosen->first, chosen->second); !s.ok()) {
      return s;
    }
  }
}

namespace {

using Readers = std::vector<std::shared_ptr<const SegmentReader>>;
using StreamGroups = std::map<StreamKey, StreamGroup, StreamKeyLess>;

// Phase 1: the streams of segments [first, last) with rows at or after `cutoff`, grouped
// by (series, measure, type) across the segments, oldest segment first in each group.
StreamGroups GroupRunStreams(const Readers& readers, size_t first, size_t last, int64_t cutoff) {
  StreamGroups groups;
  for (size_t i = first; i < last; ++i) {
    const SegmentReader* reader = readers[i].get();
    const SegmentIndex& index = reader->index();
    for (size_t s = 0; s < index.streams.size(); ++s) {
      const StreamEntry& stream = index.streams[s];
      if (!StreamMerger::Overlaps(stream, cutoff, INT64_MAX)) continue;
      StreamGroup& group =
          groups[StreamKey{&index.series[stream.series], &stream.measure_name, stream.type}];
      group.sources.push_back(StreamSource{reader, s});
      AddColumns(stream.columns, &group.columns);
    }
  }
  return groups;
}

// Phase 2: the segments one compaction writes. Outputs are cut once their blocks reach
// the target size (so every output but the last is not small), between blocks; a stream
// continuing in the next output starts later in time there, so outputs hold disjoint
// keys. Abandon removes whatever was written.
class CompactionOutputs {
 public:
  struct Sink {
    Env* env;
    SegmentWriterOptions writer_options;
    uint64_t target_bytes;
    uint64_t seq_lo, seq_hi;  // Of the run being replaced.
    std::shared_ptr<ReadCounters> counters;
    std::function<std::string(uint64_t)> path_of;
    uint64_t* next_file_id;
  };
  explicit CompactionOutputs(Sink sink) : sink_(std::move(sink)) {}

  // Merges every group into the outputs, at or after `cutoff`, and finishes the last one.
  absl::Status WriteAll(StreamGroups& groups, int64_t cutoff) {
    RowBatch batch;
    const size_t block_rows = static_cast<size_t>(sink_.writer_options.max_rows_per_block);
    for (auto& [key, group] : groups) {
      StreamMerger merger(std::move(group.sources), cutoff, INT64_MAX, group.columns);
      bool begun = false;
      while (true) {
        absl::StatusOr<bool> more = merger.Next(block_rows, &batch);
        if (!more.ok()) return more.status();
        if (!*more) break;
        if (writer_ == nullptr) {
          if (absl::Status s = StartSegment(); !s.ok()) return s;
          begun = false;
        }
        if (!begun) {
          if (absl::Status s =
                  writer_->BeginStream(*key.series, *key.measure_name, key.type, group.columns);
              !s.ok()) {
            return s;
          }
          begun = true;
        }
        if (absl::Status s = writer_->AddRows(batch, 0, batch.time_nanos.size()); !s.ok()) {
          return s;
        }
        if (writer_->bytes_written() >= sink_.target_bytes) {
          if (absl::Status s = FinishSegment(); !s.ok()) return s;
        }
      }
    }
    return writer_ != nullptr ? FinishSegment() : absl::OkStatus();
  }

  // Removes the outputs written so far (and the one being written); returns `s`.
  absl::Status Abandon(absl::Status s) {
    if (writer_ != nullptr) writer_->Abandon();
    for (const ManifestSegment& m : segments_) {
      file::RemoveFile(*sink_.env, sink_.path_of(m.file_id)).IgnoreError();
    }
    return s;
  }

  const std::vector<ManifestSegment>& segments() const { return segments_; }
  const Readers& readers() const { return readers_; }

 private:
  absl::Status StartSegment() {
    writer_id_ = (*sink_.next_file_id)++;
    absl::StatusOr<std::unique_ptr<SegmentWriter>> created =
        SegmentWriter::Create(sink_.path_of(writer_id_), sink_.writer_options);
    if (!created.ok()) return created.status();
    writer_ = *std::move(created);
    return absl::OkStatus();
  }

  absl::Status FinishSegment() {
    absl::StatusOr<SegmentSummary> summary = writer_->Finish();
    if (!summary.ok()) return summary.status();
    ManifestSegment m;
    m.file_id = writer_id_;
    m.seq_lo = sink_.seq_lo;
    m.seq_hi = sink_.seq_hi;
    m.summary = *summary;
    segments_.push_back(m);
    writer_.reset();
    absl::StatusOr<std::shared_ptr<const SegmentReader>> reader =
        SegmentReader::Open(*sink_.env, sink_.path_of(m.file_id), m.summary, sink_.counters);
    if (!reader.ok()) return reader.status();
    readers_.push_back(*std::move(reader));
    return absl::OkStatus();
  }

  const Sink sink_;
  std::vector<ManifestSegment> segments_;
  Readers readers_;
  std::unique_ptr<SegmentWriter> writer_;
  uint64_t writer_id_ = 0;
};

// Phase 3: the manifest with segments [first, last) of `before` replaced by the outputs
// (in their place, so the order by sequence holds), and its readers; `inputs` gets the
// replaced files.
Manifest ReplaceRun(const Manifest& before, const Readers& before_readers, size_t first,
                    size_t last, const CompactionOutputs& outputs, Readers* readers,
                    std::vector<uint64_t>* inputs, int64_t* input_points) {
  const std::vector<ManifestSegment>& segments = before.segments;
  Manifest next = before;
  next.segments.clear();
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i == first) {
      next.segments.insert(next.segments.end(), outputs.segments().begin(),
                           outputs.segments().end());
      readers->insert(readers->end(), outputs.readers().begin(), outputs.readers().end());
    }
    if (i >= first && i < last) {
      inputs->push_back(segments[i].file_id);
      *input_points += segments[i].summary.points;
      continue;
    }
    next.segments.push_back(segments[i]);
    readers->push_back(before_readers[i]);
  }
  return next;
}

}  // namespace

absl::Status MagneticStore::Impl::CompactRun(const State& before, size_t first, size_t last) {
  const std::vector<ManifestSegment>& segments = before.manifest.segments;
  const int64_t cutoff = before.manifest.retention_cutoff;
  StreamGroups groups = GroupRunStreams(before.readers, first, last, cutoff);

  CompactionOutputs outputs(CompactionOutputs::Sink{
      .env = env,
      .writer_options = WriterOptions(),
      .target_bytes = static_cast<uint64_t>(options.target_segment_bytes),
      .seq_lo = segments[first].seq_lo,
      .seq_hi = segments[last - 1].seq_hi,
      .counters = counters,
      .path_of = [this](uint64_t file_id) { return PathOf(file_id); },
      .next_file_id = &next_file_id,
  });
  if (absl::Status s = outputs.WriteAll(groups, cutoff); !s.ok()) return outputs.Abandon(s);
  if (!outputs.segments().empty()) {
    if (absl::Status s = env->SyncDir(dir); !s.ok()) return outputs.Abandon(s);
  }

  Readers readers;
  std::vector<uint64_t> inputs;
  int64_t input_points = 0;
  Manifest next = ReplaceRun(before.manifest, before.readers, first, last, outputs, &readers,
                             &inputs, &input_points);
  int64_t output_points = 0;
  for (const ManifestSegment& m : outputs.segments()) output_points += m.summary.points;
  // On failure the outputs stay: the manifest may name them now; the next Open deletes
  // whichever files it does not name.
  if (absl::Status s = Publish(std::move(next), std::move(readers)); !s.ok()) return s;
  Log(absl::StrCat("magnetic ", dir, ": compacted ", inputs.size(), " segments (", input_points,
                   " points) into ", outputs.segments().size(), " (", output_points, " points)"));
  return DeleteFiles(inputs, "compacted");
}

}  // namespace tsw::magnetic
