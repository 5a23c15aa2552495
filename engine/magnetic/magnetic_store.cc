#include "engine/magnetic/magnetic_store.h"

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/common/file_util.h"
#include "engine/common/scan_predicate.h"
#include "engine/magnetic/chunk_codec.h"
#include "engine/magnetic/incoming_streams.h"
#include "engine/magnetic/magnetic_store_impl.h"
#include "engine/magnetic/manifest.h"
#include "engine/magnetic/segment_reader.h"
#include "engine/magnetic/segment_writer.h"
#include "engine/magnetic/stream_merger.h"
#include "tsw/status.h"

namespace tsw::magnetic {
absl::Status MagneticStore::Impl::Publish(
    Manifest next, std::vector<std::shared_ptr<const SegmentReader>> readers) {
  next.next_file_id = next_file_id;
  if (absl::Status s = file::WriteFileAtomically(*env, ManifestPath(), EncodeManifest(next));
      !s.ok()) {
    return s;
  }
  auto published = std::make_shared<State>();
  published->manifest = std::move(next);
  published->readers = std::move(readers);
  std::shared_ptr<const State> before;
  {
    MutexLock lock(&mu);
    before = std::move(state);
    state = std::move(published);
  }
  RemoveOrphans(*before);
  return absl::OkStatus();
}

void MagneticStore::Impl::RemoveOrphans(const State& before) {
  absl::StatusOr<std::vector<std::string>> names = env->ListDir(dir);
  if (!names.ok()) return;  // The next pass tries again.
  // Segments the previous manifest named are the caller's to delete (DeleteFiles).
  absl::flat_hash_set<uint64_t> live;
  for (const ManifestSegment& segment : Snapshot()->manifest.segments) {
    live.insert(segment.file_id);
  }
  for (const ManifestSegment& segment : before.manifest.segments) live.insert(segment.file_id);
  for (const std::string& name : *names) {
    uint64_t id;
    const bool orphan =
        (ParseSegmentFileName(name, &id) && !live.contains(id) && id < next_file_id) ||
        name == kManifestTmpName;
    if (!orphan) continue;
    if (env->RemoveFile(file::JoinPath(dir, name)).ok()) {
      Log(absl::StrCat("magnetic ", dir, ": deleted ", name, " (left by a failed write)"));
    }
  }
}

absl::Status MagneticStore::Impl::DeleteFiles(const std::vector<uint64_t>& file_ids,
                                              absl::string_view why) {
  absl::Status result;
  for (uint64_t id : file_ids) {
    absl::Status s = file::RemoveFile(*env, PathOf(id));
    if (s.ok()) {
      Log(absl::StrCat("magnetic ", dir, ": deleted ", SegmentFileName(id), " (", why, ")"));
    } else if (result.ok()) {
      result = s;
    }
  }
  return result;
}

MagneticStore::MagneticStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MagneticStore::~MagneticStore() = default;

absl::StatusOr<std::unique_ptr<MagneticStore>> MagneticStore::Open(const std::string& dir,
                                                                   const MagneticOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->dir = dir;
  impl->options = options;
  impl->env = options.env != nullptr ? options.env : Env::Default();
  Env& env = *impl->env;
  if (absl::Status s = file::CreateDirs(env, dir); !s.ok()) return s;
  const std::string manifest_path = impl->ManifestPath();

  absl::StatusOr<std::vector<std::string>> names = env.ListDir(dir);
  if (!names.ok()) return names.status();
  if (!env.Exists(manifest_path)) {
    // A new store writes its (empty) manifest before any segment, so segment files
    // without a manifest mean it was lost: refuse rather than delete them.
    for (const std::string& name : *names) {
      uint64_t id;
      if (ParseSegmentFileName(name, &id)) {
        return tsw::InternalError(absl::StrCat("magnetic manifest ", manifest_path,
                                               " is missing but segment file ", name, " exists"));
      }
    }
    if (absl::Status s = file::WriteFileAtomically(env, manifest_path, EncodeManifest(Manifest()));
        !s.ok()) {
      return s;
    }
  }

  absl::StatusOr<std::string> bytes = file::ReadFile(env, manifest_path);
  if (!bytes.ok()) return bytes.status();
  Manifest manifest;
  if (absl::Status s = DecodeManifest(*bytes, &manifest); !s.ok()) {
    return tsw::InternalError(absl::StrCat("magnetic manifest ", manifest_path, ": ", s.message()));
  }
  auto state = std::make_shared<State>();
  absl::flat_hash_set<uint64_t> live;
  for (const ManifestSegment& segment : manifest.segments) {
    absl::StatusOr<std::shared_ptr<const SegmentReader>> reader =
        SegmentReader::Open(env, impl->PathOf(segment.file_id), segment.summary, impl->counters);
    if (!reader.ok()) return reader.status();
    state->readers.push_back(*std::move(reader));
    live.insert(segment.file_id);
  }

  bool removed = false;
  for (const std::string& name : *names) {
    uint64_t id;
    bool orphan =
        (ParseSegmentFileName(name, &id) && !live.contains(id)) || name == kManifestTmpName;
    if (!orphan) continue;
    if (absl::Status s = file::RemoveFile(env, file::JoinPath(dir, name)); !s.ok()) return s;
    impl->Log(absl::StrCat("magnetic ", dir, ": deleted orphan file ", name));
    removed = true;
  }
  if (removed) {
    if (absl::Status s = env.SyncDir(dir); !s.ok()) return s;
  }

  state->manifest = std::move(manifest);
  {
    // Not shared yet: the locks, never contended, are for the analysis.
    MutexLock write_lock(&impl->write_mu);
    MutexLock lock(&impl->mu);
    impl->next_file_id = state->manifest.next_file_id;
    impl->state = std::move(state);
  }
  return std::unique_ptr<MagneticStore>(new MagneticStore(std::move(impl)));
}

absl::Status MagneticStore::AddSegment(const std::vector<RowBatch>& batches,
                                       const std::string& manifest_note) {
  absl::StatusOr<std::vector<IncomingStream>> streams = GroupIncomingBatches(batches);
  if (!streams.ok()) return streams.status();

  MutexLock write_lock(&impl_->write_mu);
  std::shared_ptr<const State> before = impl_->Snapshot();
  Manifest next = before->manifest;
  next.note = manifest_note;
  std::vector<std::shared_ptr<const SegmentReader>> readers = before->readers;
  if (streams->empty()) return impl_->Publish(std::move(next), std::move(readers));

  const uint64_t file_id = impl_->next_file_id++;
  const std::string path = impl_->PathOf(file_id);
  absl::StatusOr<std::unique_ptr<SegmentWriter>> writer =
      SegmentWriter::Create(path, impl_->WriterOptions());
  if (!writer.ok()) return writer.status();
  for (const IncomingStream& stream : *streams) {
    if (absl::Status s =
            (*writer)->BeginStream(stream.series, stream.measure_name, stream.type, stream.columns);
        !s.ok()) {
      return s;
    }
    const RowBatch& rows = stream.rows();
    if (absl::Status s = (*writer)->AddRows(rows, 0, rows.time_nanos.size()); !s.ok()) return s;
  }
  absl::StatusOr<SegmentSummary> summary = (*writer)->Finish();
  if (!summary.ok()) return summary.status();
  absl::StatusOr<std::shared_ptr<const SegmentReader>> reader =
      SegmentReader::Open(*impl_->env, path, *summary, impl_->counters);
  if (absl::Status s = reader.ok() ? impl_->env->SyncDir(impl_->dir) : reader.status(); !s.ok()) {
    file::RemoveFile(*impl_->env, path)
        .IgnoreError();  // Unreferenced: the manifest was not written.
    return s;
  }

  ManifestSegment segment;
  segment.file_id = file_id;
  segment.seq_lo = segment.seq_hi = next.next_seq++;
  segment.summary = *summary;
  next.segments.push_back(segment);
  readers.push_back(*std::move(reader));
  // On failure the file stays: the manifest may or may not name it now; the next Open
  // deletes it if it does not.
  return impl_->Publish(std::move(next), std::move(readers));
}

std::string MagneticStore::LastNote() const { return impl_->Snapshot()->manifest.note; }

int64_t MagneticStore::RetentionCutoff() const {
  return impl_->Snapshot()->manifest.retention_cutoff;
}

namespace {

// A scan's projection: MULTI streams keep only the requested attributes (scalar streams
// keep their one column), so StreamMerger decodes nothing else.
void ProjectColumns(const std::vector<std::string>& attributes,
                    std::map<StreamKey, StreamGroup, StreamKeyLess>* groups) {
  const absl::flat_hash_set<absl::string_view> wanted(attributes.begin(), attributes.end());
  for (auto& [key, group] : *groups) {
    if (key.type != MeasureValueType::kMulti) continue;
    std::erase_if(group.columns, [&](const ColumnSpec& c) { return !wanted.contains(c.name); });
  }
}

}  // namespace

MagneticStore::Pinned MagneticStore::Pin() const { return impl_->Snapshot(); }

absl::Status MagneticStore::Scan(const ScanRequest& request, const RowBatchVisitor& visitor,
                                 const Pinned& pinned, const RowFilter* filter,
                                 const HeldElsewhere* held_elsewhere) const {
  absl::StatusOr<ScanPredicate> predicate = ScanPredicate::Make(request);
  if (!predicate.ok()) return predicate.status();
  if (predicate->empty()) return absl::OkStatus();
  std::shared_ptr<const State> state = pinned != nullptr ? pinned : impl_->Snapshot();
  // Times from `first` to `last`, both inclusive (the stream index's convention).
  const int64_t first = std::max(predicate->first_time(), state->manifest.retention_cutoff);
  const int64_t last = predicate->last_time();
  if (first > last) return absl::OkStatus();
  absl::flat_hash_set<std::string> measures(request.measure_names.begin(),
                                            request.measure_names.end());

  std::map<StreamKey, StreamGroup, StreamKeyLess> groups;
  ForEachMatchingStream(
      *state, *predicate, first, last, measures,
      [&](const std::shared_ptr<const SegmentReader>& reader, size_t i) {
        const SegmentIndex& index = reader->index();
        const StreamEntry& stream = index.streams[i];
        if (!StreamMerger::Overlaps(stream, first, last)) return;
        StreamGroup& group =
            groups[StreamKey{&index.series[stream.series], &stream.measure_name, stream.type}];
        group.sources.push_back(StreamSource{reader.get(), i});
        AddColumns(stream.columns, &group.columns);
      });

  if (!request.attributes.empty()) ProjectColumns(request.attributes, &groups);

  const size_t max_rows = predicate->max_rows_per_batch();
  RowBatch batch;
  MergerScratch scratch;  // Every stream's, in turn: its block buffers and batches.
  for (auto& [key, group] : groups) {
    StreamMerger merger(std::move(group.sources), first, last, std::move(group.columns), &scratch);
    if (filter != nullptr && key.type == MeasureValueType::kMulti) {
      int64_t foreign_first = 0, foreign_last = -1;
      if (held_elsewhere != nullptr) {
        (*held_elsewhere)(*key.series, *key.measure_name, key.type, &foreign_first, &foreign_last);
      }
      merger.SetFilter(filter, foreign_first, foreign_last);
    }
    batch.dimensions = *key.series;
    batch.measure_name = *key.measure_name;
    batch.measure_value_type = key.type;
    while (true) {
      absl::StatusOr<bool> more = merger.Next(max_rows, &batch);
      if (!more.ok()) return more.status();
      if (!*more) break;
      if (!visitor(batch)) return absl::OkStatus();
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<RowBatch>> MagneticStore::Lookup(const LookupKey& key) const {
  absl::StatusOr<std::vector<std::optional<RowBatch>>> rows =
      LookupMany(absl::MakeConstSpan(&key, 1));
  if (!rows.ok()) return rows.status();
  return std::move((*rows)[0]);
}

absl::StatusOr<std::vector<std::optional<RowBatch>>> MagneticStore::LookupMany(
    absl::Span<const LookupKey> keys) const {
  std::shared_ptr<const State> state = impl_->Snapshot();
  std::vector<std::optional<RowBatch>> results(keys.size());
  // A block met by one key is searched cheaply (key filter, then its times only); met by
  // a second key, it is decoded whole once and searched in memory after that.
  using BlockId = std::tuple<const SegmentReader*, size_t, size_t>;
  constexpr size_t kMaxDecodedBlocks = 64;
  absl::flat_hash_set<BlockId> visited;
  absl::flat_hash_map<BlockId, std::unique_ptr<RowBatch>> decoded;
  for (size_t k = 0; k < keys.size(); ++k) {
    const LookupKey& key = keys[k];
    const int64_t time = key.time_nanos;
    if (time < state->manifest.retention_cutoff) continue;
    std::vector<Dimension> series = key.dimensions;
    std::sort(series.begin(), series.end(),
              [](const Dimension& a, const Dimension& b) { return a.name < b.name; });
    std::optional<RowBatch>& best = results[k];
    // Oldest segment first, so ">=" gives equal versions to the newer segment.
    for (const std::shared_ptr<const SegmentReader>& reader : state->readers) {
      auto [first, last] = reader->FindStreams(series, key.measure_name);
      for (size_t s = first; s < last; ++s) {
        const StreamEntry& stream = reader->index().streams[s];
        auto block = std::partition_point(stream.blocks.begin(), stream.blocks.end(),
                                          [&](const BlockEntry& b) { return b.max_time < time; });
        if (block == stream.blocks.end() || block->min_time > time) continue;
        const size_t b = static_cast<size_t>(block - stream.blocks.begin());
        const BlockId id{reader.get(), s, b};
        std::optional<RowBatch> row;
        auto cached = decoded.find(id);
        if (cached == decoded.end() && visited.contains(id)) {
          if (decoded.size() >= kMaxDecodedBlocks) decoded.clear();
          auto rows = std::make_unique<RowBatch>();
          if (absl::Status st = reader->DecodeBlock(s, b, rows.get()); !st.ok()) return st;
          cached = decoded.emplace(id, std::move(rows)).first;
        }
        if (cached != decoded.end()) {
          const std::vector<int64_t>& times = cached->second->time_nanos;
          auto it = std::lower_bound(times.begin(), times.end(), time);
          if (it != times.end() && *it == time) {
            row = CopyRow(*cached->second, static_cast<size_t>(it - times.begin()));
          }
        } else {
          visited.insert(id);
          absl::StatusOr<std::optional<RowBatch>> found = reader->FindRow(s, b, time);
          if (!found.ok()) return found.status();
          row = *std::move(found);
        }
        if (!row.has_value()) continue;
        if (best.has_value() && row->versions[0] < best->versions[0]) continue;
        best = std::move(row);
        best->dimensions = reader->series_of(stream);
        best->measure_name = stream.measure_name;
        best->measure_value_type = stream.type;
      }
    }
  }
  return results;
}

std::vector<std::pair<std::string, MeasureValueType>> MagneticStore::MeasureTypes() const {
  std::shared_ptr<const State> state = impl_->Snapshot();
  std::vector<std::pair<std::string, MeasureValueType>> out;
  for (const std::shared_ptr<const SegmentReader>& reader : state->readers) {
    for (const StreamEntry& stream : reader->index().streams) {
      out.emplace_back(stream.measure_name, stream.type);
    }
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    if (a.first != b.first) return a.first < b.first;
    return MeasureTypeCode(a.second) < MeasureTypeCode(b.second);
  });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

MagneticStats MagneticStore::Stats() const {
  std::shared_ptr<const State> state = impl_->Snapshot();
  MagneticStats stats;
  ByteKindCounts kinds{};
  for (size_t i = 0; i < state->readers.size(); ++i) {
    const SegmentReader& reader = *state->readers[i];
    TableStats::Segment segment;
    segment.file = reader.path();
    segment.min_time_nanos = reader.index().min_time;
    segment.max_time_nanos = reader.index().max_time;
    segment.points = reader.index().points;
    segment.bytes = static_cast<int64_t>(reader.file_size());
    stats.points += segment.points;
    stats.bytes += segment.bytes;
    stats.segments.push_back(segment);
    for (size_t k = 0; k < kNumByteKinds; ++k) kinds[k] += reader.index().bytes_by_kind[k];
  }
  for (size_t k = 0; k < kNumByteKinds; ++k) {
    stats.bytes_by_column_kind.emplace_back(std::string(ByteKindName(static_cast<ByteKind>(k))),
                                            kinds[k]);
  }
  stats.retention_cutoff_nanos = state->manifest.retention_cutoff;
  stats.blocks_read = impl_->counters->blocks_read.load();
  stats.blocks_decoded = impl_->counters->blocks_decoded.load();
  stats.blocks_skipped = impl_->counters->blocks_skipped.load();
  return stats;
}

std::vector<std::string> MagneticStore::Verify() const {
  std::shared_ptr<const State> state = impl_->Snapshot();
  std::vector<std::string> problems;
  const std::string manifest_path = impl_->ManifestPath();
  absl::StatusOr<std::string> bytes = file::ReadFile(*impl_->env, manifest_path);
  Manifest on_disk;
  if (!bytes.ok()) {
    problems.push_back(std::string(bytes.status().message()));
  } else if (absl::Status s = DecodeManifest(*bytes, &on_disk); !s.ok()) {
    problems.push_back(absl::StrCat("magnetic manifest ", manifest_path, ": ", s.message()));
  } else {
    // next_file_id may run ahead in memory after a failed write; the rest must agree.
    Manifest a = on_disk;
    Manifest b = state->manifest;
    a.next_file_id = b.next_file_id = 0;
    if (EncodeManifest(a) != EncodeManifest(b)) {
      problems.push_back(
          absl::StrCat("magnetic manifest ", manifest_path, " differs from the open store's"));
    }
  }

  absl::flat_hash_set<std::string> live;
  for (const ManifestSegment& segment : state->manifest.segments) {
    const std::string path = impl_->PathOf(segment.file_id);
    live.insert(SegmentFileName(segment.file_id));
    absl::StatusOr<std::shared_ptr<const SegmentReader>> reader =
        SegmentReader::Open(*impl_->env, path, segment.summary, nullptr);
    if (!reader.ok()) {
      problems.push_back(std::string(reader.status().message()));
      continue;
    }
    const SegmentIndex& index = (*reader)->index();
    RowBatch rows;
    for (size_t s = 0; s < index.streams.size(); ++s) {
      for (size_t b = 0; b < index.streams[s].blocks.size(); ++b) {
        if (absl::Status st = (*reader)->DecodeBlock(s, b, &rows); !st.ok()) {
          problems.push_back(std::string(st.message()));
        } else if (absl::Status st = (*reader)->CheckSummaries(s, b, rows); !st.ok()) {
          problems.push_back(std::string(st.message()));
        }
      }
    }
  }

  absl::StatusOr<std::vector<std::string>> names = impl_->env->ListDir(impl_->dir);
  if (!names.ok()) {
    problems.push_back(std::string(names.status().message()));
  } else {
    for (const std::string& name : *names) {
      if (name == kManifestFileName || live.contains(name)) continue;
      problems.push_back(
          absl::StrCat("magnetic ", impl_->dir, ": file ", name, " is not in the manifest"));
    }
  }
  return problems;
}

}  // namespace tsw::magnetic
