#include "engine/table/rejected_data.h"

#include <atomic>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/common/file_util.h"
#include "engine/common/json_writer.h"

namespace tsw::table {
namespace {

using json::AppendJsonString;

// `path` as relative path components, or false if it is empty or has a component that
// could leave the directory ("", ".", "..").
bool SafeComponents(absl::string_view path, bool allow_empty, std::vector<std::string>* out) {
  if (path.empty()) return allow_empty;
  for (absl::string_view part : absl::StrSplit(path, '/', absl::SkipEmpty())) {
    if (part == "." || part == "..") return false;
    out->emplace_back(part);
  }
  return !out->empty() || allow_empty;
}

}  // namespace

std::string RejectedRowsJson(const Table& table, int64_t now_nanos,
                             const std::vector<RejectedRow>& rows) {
  std::string out = "{\n  \"DatabaseName\": ";
  AppendJsonString(table.database_name, &out);
  out += ",\n  \"TableName\": ";
  AppendJsonString(table.table_name, &out);
  absl::StrAppend(&out, ",\n  \"ReportTimeNanos\": ", now_nanos, ",\n  \"RejectedRecords\": [");
  for (size_t i = 0; i < rows.size(); ++i) {
    const RejectedRow& r = rows[i];
    out += i == 0 ? "\n    {\"Dimensions\": [" : ",\n    {\"Dimensions\": [";
    for (size_t d = 0; d < r.dimensions.size(); ++d) {
      out += d == 0 ? "{\"Name\": " : ", {\"Name\": ";
      AppendJsonString(r.dimensions[d].name, &out);
      out += ", \"Value\": ";
      AppendJsonString(r.dimensions[d].value, &out);
      out += "}";
    }
    out += "], \"MeasureName\": ";
    AppendJsonString(r.measure_name, &out);
    absl::StrAppend(&out, ", \"Time\": \"", r.time_nanos,
                    "\", \"TimeUnit\": \"NANOSECONDS\", \"Version\": ", r.version,
                    ", \"Reason\": ");
    AppendJsonString(r.reason, &out);
    out += "}";
  }
  out += rows.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

absl::StatusOr<std::string> ReportRejectedRows(
    Env& env, const std::string& data_dir, const Table& table, int64_t now_nanos,
    const std::vector<RejectedRow>& rows, const std::function<void(absl::string_view)>& report) {
  if (rows.empty()) return std::string();
  const auto& location =
      table.magnetic_store_write_properties.magnetic_store_rejected_data_location;
  std::vector<std::string> components;
  const bool configured = location.has_value() && location->s3_configuration.has_value() &&
                          location->s3_configuration->bucket_name.has_value();
  const bool usable =
      configured && SafeComponents(*location->s3_configuration->bucket_name, false, &components) &&
      SafeComponents(location->s3_configuration->object_key_prefix.value_or(""), true, &components);
  if (!usable) {
    for (const RejectedRow& r : rows) {
      std::string dims;
      for (const Dimension& d : r.dimensions) {
        absl::StrAppend(&dims, dims.empty() ? "" : ",", d.name, "=", d.value);
      }
      report(absl::StrCat("table ", table.database_name, ".", table.table_name,
                          (configured ? " (rejected-data location unusable)" : ""),
                          ": rejected record {", dims, "} measure ", r.measure_name, " time ",
                          r.time_nanos, " ns version ", r.version, ": ", r.reason));
    }
    return std::string();
  }
  std::string dir = file::JoinPath(data_dir, "rejected-data");
  for (const std::string& c : components) dir = file::JoinPath(dir, c);
  if (absl::Status s = file::CreateDirs(env, dir); !s.ok()) return s;
  // Reports of one process never share a name; a name left by an earlier run is skipped.
  static std::atomic<uint64_t> counter{0};
  std::string path;
  do {
    path = file::JoinPath(dir, absl::StrCat("rejected-", now_nanos, "-", counter++, ".json"));
  } while (env.Exists(path));
  if (absl::Status s =
          file::WriteFileAtomically(env, path, RejectedRowsJson(table, now_nanos, rows));
      !s.ok()) {
    return s;
  }
  report(absl::StrCat("table ", table.database_name, ".", table.table_name, ": ", rows.size(),
                      " records rejected from the magnetic store; report ", path));
  return path;
}

}  // namespace tsw::table
