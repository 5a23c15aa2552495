// Data subcommands: `tsw write` (CSV or JSON lines in), `tsw scan` (JSON lines or CSV
// out), `tsw stats` and `tsw verify`.
//
// CSV input: the first line names the columns. `time`, `measure_name`, `measure_value`,
// `measure_value_type`, `time_unit` and `version` are the Record members of those names;
// a column named `NAME::TYPE` (say `temperature::DOUBLE`) is an attribute of a MULTI
// record; every other column is a dimension. Empty cells are left unset. Values may be
// double-quoted ("a,b" and "say ""hi""").
// JSON lines input: one Record object per line, in the API's member names.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/json_writer.h"
#include "tools/apijson/api_json.h"
#include "tools/tsw/commands.h"
#include "tsw/engine.h"

namespace tsw::cli {
namespace {

absl::StatusOr<std::unique_ptr<Engine>> OpenForData(const Flags& flags) {
  absl::StatusOr<std::string> dir = flags.Require("data");
  if (!dir.ok()) return dir.status();
  Options options;
  options.background_maintenance = false;
  return Engine::Open(*dir, std::move(options));
}

// Splits one CSV line into cells (RFC 4180 quoting, no embedded newlines).
absl::StatusOr<std::vector<std::string>> SplitCsv(const std::string& line, int64_t line_no) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell.push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell.push_back(c);
      }
    } else if (c == '"' && cell.empty()) {
      quoted = true;
    } else if (c == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
    } else if (c != '\r') {
      cell.push_back(c);
    }
  }
  if (quoted) return ValidationError(absl::StrCat("line ", line_no, ": unterminated quote"));
  cells.push_back(std::move(cell));
  return cells;
}

// Maps CSV cells to a Record by the header.
class CsvRecordReader {
 public:
  absl::Status SetHeader(const std::vector<std::string>& header) {
    header_ = header;
    for (const std::string& name : header_) {
      size_t sep = name.find("::");
      if (sep != std::string::npos && !ParseMeasureValueType(name.substr(sep + 2)).has_value()) {
        return ValidationError(absl::StrCat("column '", name, "': unknown type after ::"));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<Record> Read(const std::vector<std::string>& cells, int64_t line_no) const {
    if (cells.size() != header_.size()) {
      return ValidationError(absl::StrCat("line ", line_no, ": ", cells.size(),
                                          " cells, but the header has ", header_.size()));
    }
    Record record;
    for (size_t i = 0; i < cells.size(); ++i) {
      const std::string& name = header_[i];
      const std::string& value = cells[i];
      if (value.empty()) continue;
      if (name == "time") {
        record.time = value;
      } else if (name == "measure_name") {
        record.measure_name = value;
      } else if (name == "measure_value") {
        record.measure_value = value;
      } else if (name == "measure_value_type") {
        record.measure_value_type = ParseMeasureValueType(value);
        if (!record.measure_value_type) {
          return ValidationError(
              absl::StrCat("line ", line_no, ": unknown measure_value_type '", value, "'"));
        }
      } else if (name == "time_unit") {
        record.time_unit = ParseTimeUnit(value);
        if (!record.time_unit) {
          return ValidationError(
              absl::StrCat("line ", line_no, ": unknown time_unit '", value, "'"));
        }
      } else if (name == "version") {
        int64_t version = 0;
        if (!absl::SimpleAtoi(value, &version)) {
          return ValidationError(
              absl::StrCat("line ", line_no, ": version '", value, "' is not an integer"));
        }
        record.version = version;
      } else if (size_t sep = name.find("::"); sep != std::string::npos) {
        record.measure_values.push_back(
            {name.substr(0, sep), value, *ParseMeasureValueType(name.substr(sep + 2))});
        record.measure_value_type = MeasureValueType::kMulti;
      } else {
        record.dimensions.push_back({name, value});
      }
    }
    return record;
  }

 private:
  std::vector<std::string> header_;
};

// One JSON line: a Record object read as the API reads Records[i].
absl::StatusOr<Record> ParseRecordLine(const std::string& line) {
  std::string body = absl::StrCat(R"({"DatabaseName":"d","TableName":"t","Records":[)", line, "]}");
  absl::StatusOr<WriteRecordsRequest> request = apijson::ParseWriteRecordsRequest(body);
  if (!request.ok()) return request.status();
  if (request->records.size() != 1) return ValidationError("expected one Record object");
  return std::move(request->records[0]);
}

std::string TableStatsToJson(const TableStats& stats) {
  json::JsonWriter w;
  w.BeginObject();
  w.Member("DatabaseName", stats.database_name);
  w.Member("TableName", stats.table_name);
  w.Member("Series", stats.series);
  w.Key("MemoryStore");
  w.BeginObject();
  w.Member("Points", stats.memory_points);
  w.Member("Bytes", stats.memory_bytes);
  w.EndObject();
  w.Key("MagneticStore");
  w.BeginObject();
  w.Member("Points", stats.magnetic_points);
  w.Member("Bytes", stats.magnetic_bytes);
  w.Key("BytesPerPoint");
  if (stats.magnetic_points > 0) {
    w.Double(static_cast<double>(stats.magnetic_bytes) / stats.magnetic_points);
  } else {
    w.Null();
  }
  w.Key("BytesByColumnKind");
  w.BeginObject();
  for (const auto& [kind, bytes] : stats.bytes_by_column_kind) {
    w.Key(kind);
    w.BeginObject();
    w.Member("Bytes", bytes);
    w.Key("BytesPerPoint");
    if (stats.magnetic_points > 0) {
      w.Double(static_cast<double>(bytes) / stats.magnetic_points);
    } else {
      w.Null();
    }
    w.EndObject();
  }
  w.EndObject();
  w.Key("Segments");
  w.BeginArray();
  for (const TableStats::Segment& seg : stats.segments) {
    w.BeginObject();
    w.Member("File", seg.file);
    w.Member("MinTimeNanos", seg.min_time_nanos);
    w.Member("MaxTimeNanos", seg.max_time_nanos);
    w.Member("Points", seg.points);
    w.Member("Bytes", seg.bytes);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  w.Member("WalBytes", stats.wal_bytes);
  w.EndObject();
  return w.Release();
}

int Write(const std::vector<std::string>& args) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, {});
  if (!flags.ok()) return ReportError(flags.status());
  if (absl::Status s = flags->CheckKnown({"data", "database", "table", "format", "input"});
      !s.ok()) {
    return ReportError(s);
  }
  auto database = flags->Require("database");
  auto table = flags->Require("table");
  if (!database.ok()) return ReportError(database.status());
  if (!table.ok()) return ReportError(table.status());
  std::string input = flags->Get("input").value_or("-");
  std::string format = flags->Get("format").value_or(
      input.size() > 4 && input.substr(input.size() - 4) == ".csv" ? "csv" : "jsonl");
  if (format != "csv" && format != "jsonl") {
    return ReportError(ValidationError("--format wants csv or jsonl"));
  }
  std::ifstream file;
  std::istream* in = &std::cin;
  if (input != "-") {
    file.open(input);
    if (!file) return ReportError(ValidationError(absl::StrCat("cannot read ", input)));
    in = &file;
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenForData(*flags);
  if (!engine.ok()) return ReportError(engine.status());

  CsvRecordReader csv;
  WriteRecordsRequest request{.database_name = *database, .table_name = *table};
  std::vector<int64_t> request_lines;  // Input line of each record in `request`.
  RecordsIngested ingested;
  int64_t records_read = 0, rejected = 0, line_no = 0;
  auto started = std::chrono::steady_clock::now();
  auto last_progress = started;
  auto flush = [&]() -> absl::Status {
    if (request.records.empty()) return absl::OkStatus();
    absl::StatusOr<WriteRecordsResponse> response = (*engine)->WriteRecords(request);
    if (response.ok()) {
      ingested.total += response->records_ingested.total;
      ingested.memory_store += response->records_ingested.memory_store;
      ingested.magnetic_store += response->records_ingested.magnetic_store;
    } else if (KindOf(response.status()) == ErrorKind::kRejectedRecords) {
      std::vector<RejectedRecord> list = RejectedRecordsOf(response.status());
      for (const RejectedRecord& r : list) {
        std::string existing =
            r.existing_version ? absl::StrCat(" (existing version ", *r.existing_version, ")") : "";
        std::fprintf(stderr, "rejected: line %lld (record %d of its request): %s%s\n",
                     static_cast<long long>(request_lines[r.record_index]), r.record_index,
                     r.reason.c_str(), existing.c_str());
      }
      rejected += static_cast<int64_t>(list.size());
      ingested.total += static_cast<int32_t>(request.records.size() - list.size());
    } else if (KindOf(response.status()) == ErrorKind::kValidation) {
      // A request-level error (a Version below 1, say) names records by their index in
      // the request; say which input lines that request held. Earlier requests stay written.
      return ValidationError(absl::StrCat(
          response.status().message(), " (the request of input lines ", request_lines.front(),
          " to ", request_lines.back(), "; none of its records was written)"));
    } else {
      return response.status();
    }
    request.records.clear();
    request_lines.clear();
    auto now = std::chrono::steady_clock::now();
    if (now - last_progress > std::chrono::seconds(1)) {
      double secs = std::chrono::duration<double>(now - started).count();
      std::fprintf(stderr, "\rwritten %lld records, %.0f records/s ...",
                   static_cast<long long>(records_read), records_read / secs);
      last_progress = now;
    }
    return absl::OkStatus();
  };
  std::string line;
  bool header_done = false;
  while (std::getline(*in, line)) {
    ++line_no;
    if (line.empty() || line == "\r") continue;
    absl::StatusOr<Record> record;
    if (format == "csv") {
      absl::StatusOr<std::vector<std::string>> cells = SplitCsv(line, line_no);
      if (!cells.ok()) return ReportError(cells.status());
      if (!header_done) {
        if (absl::Status s = csv.SetHeader(*cells); !s.ok()) return ReportError(s);
        header_done = true;
        continue;
      }
      record = csv.Read(*cells, line_no);
    } else {
      record = ParseRecordLine(line);
      if (!record.ok()) {
        record = ValidationError(absl::StrCat("line ", line_no, ": ", record.status().message()));
      }
    }
    if (!record.ok()) return ReportError(record.status());
    request.records.push_back(std::move(*record));
    request_lines.push_back(line_no);
    ++records_read;
    if (request.records.size() == 100) {
      if (absl::Status s = flush(); !s.ok()) return ReportError(s);
    }
  }
  if (absl::Status s = flush(); !s.ok()) return ReportError(s);
  // A batch load is done: records that belong in the magnetic tier (older than the memory
  // window) go there now rather than at some later open.
  if (absl::Status s = (*engine)->RunMaintenance(); !s.ok()) return ReportError(s);
  if (absl::Status s = (*engine)->Close(); !s.ok()) return ReportError(s);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "%swrote %lld records in %.2f s (%.0f records/s), %lld rejected\n",
               records_read > 0 && secs > 1 ? "\n" : "", static_cast<long long>(records_read), secs,
               secs > 0 ? records_read / secs : 0.0, static_cast<long long>(rejected));
  return rejected > 0 ? 1 : 0;
}

std::string CsvCell(const std::string& s) {
  if (s.find_first_of(",\"\n") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

int Scan(const std::vector<std::string>& args) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, {});
  if (!flags.ok()) return ReportError(flags.status());
  if (absl::Status s = flags->CheckKnown(
          {"data", "database", "table", "format", "start", "end", "measure", "dimension"});
      !s.ok()) {
    return ReportError(s);
  }
  auto database = flags->Require("database");
  auto table = flags->Require("table");
  if (!database.ok()) return ReportError(database.status());
  if (!table.ok()) return ReportError(table.status());
  std::string format = flags->Get("format").value_or("jsonl");
  if (format != "csv" && format != "jsonl") {
    return ReportError(ValidationError("--format wants jsonl or csv"));
  }
  ScanRequest scan{.database_name = *database, .table_name = *table};
  auto start = flags->GetInt("start");
  auto end = flags->GetInt("end");
  if (!start.ok()) return ReportError(start.status());
  if (!end.ok()) return ReportError(end.status());
  if (start->has_value()) scan.start_time_nanos = **start;
  if (end->has_value()) scan.end_time_nanos = **end;
  scan.measure_names = flags->GetAll("measure");
  for (const std::string& word : flags->GetAll("dimension")) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      return ReportError(ValidationError("--dimension wants NAME=VALUE"));
    }
    scan.dimension_filters.push_back({word.substr(0, eq), word.substr(eq + 1)});
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenForData(*flags);
  if (!engine.ok()) return ReportError(engine.status());
  if (format == "csv") std::printf("time,dimensions,measure_name,attribute,type,value,version\n");
  absl::Status scanned = (*engine)->Scan(scan, [&](const ScanBatch& batch) {
    if (format == "jsonl") {
      for (size_t row = 0; row < batch.time_nanos.size(); ++row) {
        std::string json = apijson::ScanRowToJson(batch, row);
        std::fwrite(json.data(), 1, json.size(), stdout);
        std::fputc('\n', stdout);
      }
      return true;
    }
    std::vector<std::string> dims;
    for (const Dimension& d : batch.dimensions) dims.push_back(absl::StrCat(d.name, "=", d.value));
    std::string series = CsvCell(absl::StrJoin(dims, ";"));
    for (size_t row = 0; row < batch.time_nanos.size(); ++row) {
      for (const ScanColumn& col : batch.columns) {
        if (!col.present.empty() && !col.present[row]) continue;
        std::string value;
        switch (col.type) {
          case MeasureValueType::kDouble:
            value = json::FormatDouble(col.doubles[row]);
            break;
          case MeasureValueType::kVarchar:
            value = CsvCell(col.strings[row]);
            break;
          case MeasureValueType::kBoolean:
            value = col.ints[row] != 0 ? "true" : "false";
            break;
          default:
            value = absl::StrCat(col.ints[row]);
        }
        std::printf("%lld,%s,%s,%s,%s,%s,%lld\n", static_cast<long long>(batch.time_nanos[row]),
                    series.c_str(), CsvCell(batch.measure_name).c_str(), CsvCell(col.name).c_str(),
                    std::string(ToString(col.type)).c_str(), value.c_str(),
                    static_cast<long long>(batch.versions[row]));
      }
    }
    return true;
  });
  absl::Status closed = (*engine)->Close();
  if (!scanned.ok()) return ReportError(scanned);
  if (!closed.ok()) return ReportError(closed);
  return 0;
}

int Stats(const std::vector<std::string>& args) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, {});
  if (!flags.ok()) return ReportError(flags.status());
  if (absl::Status s = flags->CheckKnown({"data", "database", "table"}); !s.ok()) {
    return ReportError(s);
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenForData(*flags);
  if (!engine.ok()) return ReportError(engine.status());
  std::vector<std::string> lines;
  ListTablesRequest list;
  if (auto db = flags->Get("database")) list.database_name = *db;
  for (const auto& page : (*engine)->ListTablesPages(list)) {
    if (!page.ok()) return ReportError(page.status());
    for (const Table& t : page->tables) {
      if (auto only = flags->Get("table"); only && *only != t.table_name) continue;
      absl::StatusOr<TableStats> stats = (*engine)->GetTableStats(t.database_name, t.table_name);
      if (!stats.ok()) return ReportError(stats.status());
      lines.push_back(TableStatsToJson(*stats));
    }
  }
  absl::Status closed = (*engine)->Close();
  for (const std::string& l : lines) PrintJson(l);
  if (!closed.ok()) return ReportError(closed);
  return 0;
}

// Opens the directory (which checks the catalog and replays every table's log, verifying
// their checksums) and re-reads every segment. Exit 0 when healthy, 1 on any problem.
int Verify(const std::vector<std::string>& args) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, {});
  if (!flags.ok()) return ReportError(flags.status());
  if (absl::Status s = flags->CheckKnown({"data"}); !s.ok()) return ReportError(s);
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenForData(*flags);
  if (!engine.ok()) {
    std::printf("FAILED: the data directory does not open: %s\n",
                std::string(engine.status().message()).c_str());
    return 1;
  }
  absl::StatusOr<std::vector<std::string>> problems = (*engine)->Verify();
  absl::Status closed = (*engine)->Close();
  if (!problems.ok()) return ReportError(problems.status());
  if (!closed.ok()) return ReportError(closed);
  for (const std::string& problem : *problems) std::printf("problem: %s\n", problem.c_str());
  if (!problems->empty()) {
    std::printf("FAILED: %zu problem(s)\n", problems->size());
    return 1;
  }
  std::printf("OK: catalog, write-ahead logs, segments and manifests verified\n");
  return 0;
}

}  // namespace

const std::vector<Command>& DataCommands() {
  static const std::vector<Command>* commands = new std::vector<Command>{
      {"write", "--database D --table T [--input FILE|-] [--format csv|jsonl]",
       "WriteRecords from CSV or JSON lines, 100 records a request; rejections to stderr", Write},
      {"scan",
       "--database D --table T [--start NS] [--end NS] [--measure M]... "
       "[--dimension NAME=VALUE]... [--format jsonl|csv]",
       "Reads rows back, each (series, measure, time) once at its highest Version", Scan},
      {"query", "[--format table|csv|jsonl] \"SELECT ...\" (or - for stdin)",
       "Runs a query of the Timestream Query subset; an aligned table (NULL as NULL), RFC "
       "4180 CSV, or JSON lines of typed values",
       RunQuery},
      {"stats", "[--database D] [--table T]",
       "Series, points and bytes per tier of each table, as JSON lines", Stats},
      {"verify", "", "Checks every checksum and index of the data directory; exit 1 on a problem",
       Verify},
  };
  return *commands;
}

}  // namespace tsw::cli
