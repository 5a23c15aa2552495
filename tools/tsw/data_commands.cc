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
#include <optional>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/common/json_writer.h"
#include "engine/wire/api_json.h"
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
  WriteForwardStats(stats, w);
  w.EndObject();
  return w.Release();
}

// What `tsw write` was asked to do.
struct WriteFlags {
  std::string database;
  std::string table;
  std::string input;   // A file name, or "-" for stdin.
  std::string format;  // "csv" or "jsonl".
};

// Reads and checks the flags of `tsw write`; the format defaults by the input's suffix.
absl::StatusOr<WriteFlags> ParseWriteFlags(const Flags& flags) {
  if (absl::Status s = flags.CheckKnown({"data", "database", "table", "format", "input"});
      !s.ok()) {
    return s;
  }
  auto database = flags.Require("database");
  auto table = flags.Require("table");
  if (!database.ok()) return database.status();
  if (!table.ok()) return table.status();
  WriteFlags out{.database = *database, .table = *table};
  out.input = flags.Get("input").value_or("-");
  out.format = flags.Get("format").value_or(
      out.input.size() > 4 && out.input.substr(out.input.size() - 4) == ".csv" ? "csv" : "jsonl");
  if (out.format != "csv" && out.format != "jsonl") {
    return ValidationError("--format wants csv or jsonl");
  }
  return out;
}

// Turns input lines into Records: CSV (the first non-empty line is the header) or JSON
// lines. Next gives each Record with its line number, nullopt at the end of the input.
class InputRecords {
 public:
  InputRecords(std::istream* in, bool csv) : in_(in), csv_(csv) {}

  absl::StatusOr<std::optional<Record>> Next() {
    std::string line;
    while (std::getline(*in_, line)) {
      ++line_no_;
      if (line.empty() || line == "\r") continue;
      if (!csv_) {
        absl::StatusOr<Record> record = ParseRecordLine(line);
        if (!record.ok()) {
          return ValidationError(absl::StrCat("line ", line_no_, ": ", record.status().message()));
        }
        return std::optional<Record>(*std::move(record));
      }
      absl::StatusOr<std::vector<std::string>> cells = SplitCsv(line, line_no_);
      if (!cells.ok()) return cells.status();
      if (!header_done_) {
        if (absl::Status s = reader_.SetHeader(*cells); !s.ok()) return s;
        header_done_ = true;
        continue;
      }
      absl::StatusOr<Record> record = reader_.Read(*cells, line_no_);
      if (!record.ok()) return record.status();
      return std::optional<Record>(*std::move(record));
    }
    return std::optional<Record>();
  }

  // The line the last Record came from (1-based).
  int64_t line_no() const { return line_no_; }

 private:
  std::istream* in_;
  bool csv_;
  CsvRecordReader reader_;
  bool header_done_ = false;
  int64_t line_no_ = 0;
};

// Sends Records to one table in requests of kRecordsPerRequest, prints each rejection
// with its input line and, at most once a second, the progress so far.
class RequestSender {
 public:
  static constexpr size_t kRecordsPerRequest = 100;

  RequestSender(Engine* engine, const WriteFlags& flags)
      : engine_(engine), request_{.database_name = flags.database, .table_name = flags.table} {}

  // Queues `record`, read from input line `line_no`; sends the request once it is full.
  absl::Status Add(Record record, int64_t line_no) {
    request_.records.push_back(std::move(record));
    request_lines_.push_back(line_no);
    ++records_read_;
    if (request_.records.size() == kRecordsPerRequest) return Flush();
    return absl::OkStatus();
  }

  // Sends the queued records, if any. A request-level error stops the load (earlier
  // requests stay written); rejected records are printed and counted, and the load goes on.
  absl::Status Flush() {
    if (request_.records.empty()) return absl::OkStatus();
    absl::StatusOr<WriteRecordsResponse> response = engine_->WriteRecords(request_);
    if (response.ok()) {
      ingested_.total += response->records_ingested.total;
      ingested_.memory_store += response->records_ingested.memory_store;
      ingested_.magnetic_store += response->records_ingested.magnetic_store;
    } else if (KindOf(response.status()) == ErrorKind::kRejectedRecords) {
      ReportRejections(RejectedRecordsOf(response.status()));
    } else if (KindOf(response.status()) == ErrorKind::kValidation) {
      // A request-level error (a Version below 1, say) names records by their index in
      // the request; say which input lines that request held. Earlier requests stay written.
      return ValidationError(absl::StrCat(
          response.status().message(), " (the request of input lines ", request_lines_.front(),
          " to ", request_lines_.back(), "; none of its records was written)"));
    } else {
      return response.status();
    }
    request_.records.clear();
    request_lines_.clear();
    ShowProgress();
    return absl::OkStatus();
  }

  // The summary line; what `tsw write` exits with (1 if any record was rejected).
  int Finish() const {
    double secs = SecondsSince(started_);
    std::fprintf(stderr, "%swrote %lld records in %.2f s (%.0f records/s), %lld rejected\n",
                 records_read_ > 0 && secs > 1 ? "\n" : "", static_cast<long long>(records_read_),
                 secs, secs > 0 ? records_read_ / secs : 0.0, static_cast<long long>(rejected_));
    return rejected_ > 0 ? 1 : 0;
  }

 private:
  using Clock = std::chrono::steady_clock;

  static double SecondsSince(Clock::time_point t) {
    return std::chrono::duration<double>(Clock::now() - t).count();
  }

  void ReportRejections(const std::vector<RejectedRecord>& list) {
    for (const RejectedRecord& r : list) {
      std::string existing =
          r.existing_version ? absl::StrCat(" (existing version ", *r.existing_version, ")") : "";
      std::fprintf(stderr, "rejected: line %lld (record %d of its request): %s%s\n",
                   static_cast<long long>(request_lines_[r.record_index]), r.record_index,
                   r.reason.c_str(), existing.c_str());
    }
    rejected_ += static_cast<int64_t>(list.size());
    ingested_.total += static_cast<int32_t>(request_.records.size() - list.size());
  }

  void ShowProgress() {
    Clock::time_point now = Clock::now();
    if (now - last_progress_ <= std::chrono::seconds(1)) return;
    double secs = std::chrono::duration<double>(now - started_).count();
    std::fprintf(stderr, "\rwritten %lld records, %.0f records/s ...",
                 static_cast<long long>(records_read_), records_read_ / secs);
    last_progress_ = now;
  }

  Engine* engine_;
  WriteRecordsRequest request_;
  std::vector<int64_t> request_lines_;  // Input line of each record in `request_`.
  RecordsIngested ingested_;
  int64_t records_read_ = 0;
  int64_t rejected_ = 0;
  Clock::time_point started_ = Clock::now();
  Clock::time_point last_progress_ = started_;
};

// Reads every Record of `input` and sends it.
absl::Status SendAll(InputRecords* input, RequestSender* sender) {
  while (true) {
    absl::StatusOr<std::optional<Record>> record = input->Next();
    if (!record.ok()) return record.status();
    if (!record->has_value()) return sender->Flush();
    if (absl::Status s = sender->Add(**std::move(record), input->line_no()); !s.ok()) return s;
  }
}

int Write(const std::vector<std::string>& args) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, {});
  if (!flags.ok()) return ReportError(flags.status());
  absl::StatusOr<WriteFlags> write = ParseWriteFlags(*flags);
  if (!write.ok()) return ReportError(write.status());
  std::ifstream file;
  std::istream* in = &std::cin;
  if (write->input != "-") {
    file.open(write->input);
    if (!file) return ReportError(ValidationError(absl::StrCat("cannot read ", write->input)));
    in = &file;
  }
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenForData(*flags);
  if (!engine.ok()) return ReportError(engine.status());

  InputRecords input(in, write->format == "csv");
  RequestSender sender(engine->get(), *write);
  if (absl::Status s = SendAll(&input, &sender); !s.ok()) return ReportError(s);
  // A batch load is done: records that belong in the magnetic tier (older than the memory
  // window) go there now rather than at some later open.
  if (absl::Status s = (*engine)->RunMaintenance(); !s.ok()) return ReportError(s);
  if (absl::Status s = (*engine)->Close(); !s.ok()) return ReportError(s);
  return sender.Finish();
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
  std::set<std::string> known = {"data", "database", "table"};
  known.insert(ForwardFlagNames().begin(), ForwardFlagNames().end());
  if (absl::Status s = flags->CheckKnown(known); !s.ok()) return ReportError(s);
  // With --forward-* flags the rule's state is shown (and forwarding runs meanwhile).
  Options options;
  options.background_maintenance = false;
  if (absl::Status s = AddForwardFlags(*flags, /*short_names=*/false, &options); !s.ok()) {
    return ReportError(s);
  }
  absl::StatusOr<std::string> dir = flags->Require("data");
  if (!dir.ok()) return ReportError(dir.status());
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(*dir, std::move(options));
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
      {"stats", "[--database D] [--table T] [--forward-to URL|REGION --forward-...]",
       "Series, points and bytes per tier of each table, as JSON lines; with the rule of "
       "--forward-* flags, its Forwarding: forwarded, pending (records, bytes, seconds "
       "behind), retried, rejected, dropped, last error",
       Stats},
      {"forward",
       "--to URL|REGION [--credentials FILE] [--database D] [--table T] [--region R] "
       "[--discovery URL] [--connections N] [--nice N] [--timeout-seconds N]",
       "Forwards every table's records not yet sent to a Timestream Write endpoint (the "
       "same cursor as tsw serve --forward-to), printing progress; exits 0 once nothing "
       "is pending",
       RunForward},
      {"verify", "", "Checks every checksum and index of the data directory; exit 1 on a problem",
       Verify},
  };
  return *commands;
}

}  // namespace tsw::cli
