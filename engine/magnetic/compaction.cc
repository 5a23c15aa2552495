// MagneticStore's writers besides AddSegment: ApplyRetention and Compact.
#include <algorithm>
#include <map>
#include <optional>
#include <utility>

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

absl::Status MagneticStore::Impl::CompactRun(const State& before, size_t first, size_t last) {
  const std::vector<ManifestSegment>& segments = before.manifest.segments;
  const int64_t cutoff = before.manifest.retention_cutoff;
  std::map<StreamKey, StreamGroup, StreamKeyLess> groups;
  for (size_t i = first; i < last; ++i) {
    const SegmentReader* reader = before.readers[i].get();
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

  // Outputs are cut once their blocks reach target_segment_bytes (so every output but the
  // last is not small), between blocks; a stream continuing in the next output starts
  // later in time there, so outputs hold disjoint keys.
  const SegmentWriterOptions writer_options = WriterOptions();
  std::vector<ManifestSegment> outputs;
  std::vector<std::shared_ptr<const SegmentReader>> output_readers;
  std::unique_ptr<SegmentWriter> writer;
  uint64_t writer_id = 0;
  auto abandon = [&](absl::Status s) {
    if (writer != nullptr) writer->Abandon();
    for (const ManifestSegment& m : outputs)
      file::RemoveFile(*env, PathOf(m.file_id)).IgnoreError();
    return s;
  };
  auto finish = [&]() -> absl::Status {
    absl::StatusOr<SegmentSummary> summary = writer->Finish();
    if (!summary.ok()) return summary.status();
    ManifestSegment m;
    m.file_id = writer_id;
    m.seq_lo = segments[first].seq_lo;
    m.seq_hi = segments[last - 1].seq_hi;
    m.summary = *summary;
    outputs.push_back(m);
    writer.reset();
    absl::StatusOr<std::shared_ptr<const SegmentReader>> reader =
        SegmentReader::Open(*env, PathOf(m.file_id), m.summary, counters);
    if (!reader.ok()) return reader.status();
    output_readers.push_back(*std::move(reader));
    return absl::OkStatus();
  };

  ScanBatch batch;
  const size_t block_rows = static_cast<size_t>(writer_options.max_rows_per_block);
  for (auto& [key, group] : groups) {
    StreamMerger merger(std::move(group.sources), cutoff, INT64_MAX, group.columns);
    bool begun = false;
    while (true) {
      absl::StatusOr<bool> more = merger.Next(block_rows, &batch);
      if (!more.ok()) return abandon(more.status());
      if (!*more) break;
      if (writer == nullptr) {
        writer_id = next_file_id++;
        absl::StatusOr<std::unique_ptr<SegmentWriter>> created =
            SegmentWriter::Create(PathOf(writer_id), writer_options);
        if (!created.ok()) return abandon(created.status());
        writer = *std::move(created);
        begun = false;
      }
      if (!begun) {
        if (absl::Status s =
                writer->BeginStream(*key.series, *key.measure_name, key.type, group.columns);
            !s.ok()) {
          return abandon(s);
        }
        begun = true;
      }
      if (absl::Status s = writer->AddRows(batch, 0, batch.time_nanos.size()); !s.ok()) {
        return abandon(s);
      }
      if (writer->bytes_written() >= static_cast<uint64_t>(options.target_segment_bytes)) {
        if (absl::Status s = finish(); !s.ok()) return abandon(s);
      }
    }
  }
  if (writer != nullptr) {
    if (absl::Status s = finish(); !s.ok()) return abandon(s);
  }
  if (!outputs.empty()) {
    if (absl::Status s = env->SyncDir(dir); !s.ok()) return abandon(s);
  }

  Manifest next = before.manifest;
  next.segments.clear();
  std::vector<std::shared_ptr<const SegmentReader>> readers;
  std::vector<uint64_t> inputs;
  int64_t input_points = 0;
  int64_t output_points = 0;
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i == first) {
      next.segments.insert(next.segments.end(), outputs.begin(), outputs.end());
      readers.insert(readers.end(), output_readers.begin(), output_readers.end());
    }
    if (i >= first && i < last) {
      inputs.push_back(segments[i].file_id);
      input_points += segments[i].summary.points;
      continue;
    }
    next.segments.push_back(segments[i]);
    readers.push_back(before.readers[i]);
  }
  for (const ManifestSegment& m : outputs) output_points += m.summary.points;
  // On failure the outputs stay: the manifest may name them now; the next Open deletes
  // whichever files it does not name.
  if (absl::Status s = Publish(std::move(next), std::move(readers)); !s.ok()) return s;
  Log(absl::StrCat("magnetic ", dir, ": compacted ", inputs.size(), " segments (", input_points,
                   " points) into ", outputs.size(), " (", output_points, " points)"));
  return DeleteFiles(inputs, "compacted");
}

}  // namespace tsw::magnetic
