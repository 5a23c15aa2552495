// `tsw query`: runs one query of the Timestream Query subset (engine/query/README.md) on
// a data directory and prints its answer.
//
// Formats:
//   table  (default) an aligned table like the sqlite3 shell's column mode: the column
//          names, a line of dashes under each, then the rows, columns left-aligned and
//          two spaces apart. NULL prints as NULL (an empty VARCHAR prints as nothing).
//          The whole answer is read before the first line, to size the columns.
//   csv    RFC 4180: a header line of column names, CRLF line ends, a field quoted
//          (with "" for a quote) when it holds a comma, quote, CR or LF. NULL is an
//          empty field; an empty VARCHAR is "" (quoted), so the two stay apart.
//   jsonl  one JSON object per row, column name -> value: BIGINT, INTEGER and DOUBLE as
//          JSON numbers (a non-finite DOUBLE as the string "NaN", "Infinity" or
//          "-Infinity"), BOOLEAN as true/false, NULL as null, everything else
//          (VARCHAR, TIMESTAMP, intervals) as the Query API's text for it.
// Values print as the Query API prints them (TIMESTAMP as 2026-12-05 12:23:22.064000000).
// csv and jsonl stream the answer as it is produced.
#include <cmath>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/common/json_writer.h"
#include "engine/query/query_engine.h"
#include "tools/tsw/commands.h"
#include "tsw/engine.h"

namespace tsw::cli {
namespace {

constexpr char kQueryUsage[] =
    "usage: tsw query --data DIR [--format table|csv|jsonl] \"SELECT ...\"   (or - to read "
    "the query from stdin)\n";

bool IsNull(const QueryColumn& column, size_t row) {
  return !column.present.empty() && column.present[row] == 0;
}

// Characters as a terminal shows them: UTF-8 continuation bytes take no column.
size_t DisplayWidth(const std::string& text) {
  size_t width = 0;
  for (unsigned char c : text) width += (c & 0xC0) != 0x80 ? 1 : 0;
  return width;
}

std::string CsvField(const std::string& value) {
  if (value.empty()) return "\"\"";
  if (value.find_first_of(",\"\r\n") == std::string::npos) return value;
  std::string out = "\"";
  for (char c : value) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

void WriteOut(const std::string& text) { std::fwrite(text.data(), 1, text.size(), stdout); }

void WriteJsonValue(const QueryColumn& column, size_t row, json::JsonWriter* w) {
  if (IsNull(column, row)) return w->Null();
  switch (column.type) {
    case ScalarType::kBigint:
    case ScalarType::kInteger:
      return w->Int(column.ints[row]);
    case ScalarType::kBoolean:
      return w->Bool(column.ints[row] != 0);
    case ScalarType::kDouble: {
      const double v = column.doubles[row];
      if (std::isnan(v)) return w->String("NaN");
      if (std::isinf(v)) return w->String(v > 0 ? "Infinity" : "-Infinity");
      return w->Double(v);
    }
    default:
      return w->String(query::FormatValue(column, row).value_or(""));
  }
}

class TablePrinter {
 public:
  void Add(const QueryBatch& batch) {
    if (names_.empty()) {
      for (const QueryColumn& c : batch.columns) names_.push_back(c.name);
    }
    for (int64_t row = 0; row < batch.num_rows; ++row) {
      std::vector<std::string> cells;
      cells.reserve(batch.columns.size());
      for (const QueryColumn& c : batch.columns) {
        cells.push_back(query::FormatValue(c, static_cast<size_t>(row)).value_or("NULL"));
      }
      rows_.push_back(std::move(cells));
    }
  }

  bool HasNames() const { return !names_.empty(); }

  // `names` for an answer without rows (no batch told them).
  void Print(const std::vector<std::string>& names) {
    if (names_.empty()) names_ = names;
    std::vector<size_t> widths;
    for (const std::string& name : names_) widths.push_back(DisplayWidth(name));
    for (const auto& cells : rows_) {
      for (size_t i = 0; i < cells.size() && i < widths.size(); ++i) {
        widths[i] = std::max(widths[i], DisplayWidth(cells[i]));
      }
    }
    PrintLine(names_, widths);
    std::vector<std::string> dashes;
    for (size_t w : widths) dashes.push_back(std::string(w, '-'));
    PrintLine(dashes, widths);
    for (const auto& cells : rows_) PrintLine(cells, widths);
  }

 private:
  static void PrintLine(const std::vector<std::string>& cells, const std::vector<size_t>& widths) {
    std::string line;
    for (size_t i = 0; i < cells.size(); ++i) {
      if (i > 0) line.append("  ");
      line.append(cells[i]);
      if (i + 1 < cells.size()) line.append(widths[i] - DisplayWidth(cells[i]), ' ');
    }
    line.push_back('\n');
    WriteOut(line);
  }

  std::vector<std::string> names_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace

absl::Status PrintQueryAnswer(Engine& engine, const std::string& sql, const std::string& format) {
  TablePrinter table;
  bool header_done = false;
  absl::Status ran = engine.QueryStream(sql, [&](const QueryBatch& batch) {
    if (format == "table") {
      table.Add(batch);
      return true;
    }
    std::string out;
    if (format == "csv" && !header_done) {
      for (size_t i = 0; i < batch.columns.size(); ++i) {
        if (i > 0) out.push_back(',');
        out.append(CsvField(batch.columns[i].name));
      }
      out.append("\r\n");
      header_done = true;
    }
    for (int64_t row = 0; row < batch.num_rows; ++row) {
      const size_t r = static_cast<size_t>(row);
      if (format == "csv") {
        for (size_t i = 0; i < batch.columns.size(); ++i) {
          if (i > 0) out.push_back(',');
          std::optional<std::string> value = query::FormatValue(batch.columns[i], r);
          if (value.has_value()) out.append(CsvField(*value));
        }
        out.append("\r\n");
      } else {
        json::JsonWriter w(&out);
        w.BeginObject();
        for (const QueryColumn& column : batch.columns) {
          w.Key(column.name);
          WriteJsonValue(column, r, &w);
        }
        w.EndObject();
        out.push_back('\n');
      }
    }
    WriteOut(out);
    return true;
  });
  if (!ran.ok()) return ran;
  // An answer without rows still has columns: the header comes from PrepareQuery.
  std::vector<std::string> names;
  if ((format == "table" && !table.HasNames()) || (format == "csv" && !header_done)) {
    absl::StatusOr<PrepareQueryResponse> prepared = engine.PrepareQuery({.query_string = sql});
    if (!prepared.ok()) return prepared.status();
    for (const SelectColumn& c : prepared->columns) names.push_back(c.name);
  }
  if (format == "table") table.Print(names);
  if (format == "csv" && !header_done) {
    std::string out;
    for (size_t i = 0; i < names.size(); ++i) {
      if (i > 0) out.push_back(',');
      out.append(CsvField(names[i]));
    }
    out.append("\r\n");
    WriteOut(out);
  }
  return absl::OkStatus();
}

int RunQuery(const std::vector<std::string>& args) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, {});
  if (!flags.ok()) return ReportError(flags.status());
  if (absl::Status s = flags->CheckKnown({"data", "format"}); !s.ok()) return ReportError(s);
  if (flags->positional().size() != 1) {
    std::fputs(kQueryUsage, stderr);
    return 2;
  }
  std::string sql = flags->positional()[0];
  if (sql == "-") {
    sql.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  const std::string format = flags->Get("format").value_or("table");
  if (format != "table" && format != "csv" && format != "jsonl") {
    return ReportError(ValidationError("--format wants table, csv or jsonl"));
  }
  absl::StatusOr<std::string> dir = flags->Require("data");
  if (!dir.ok()) return ReportError(dir.status());
  Options options;
  options.background_maintenance = false;
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(*dir, std::move(options));
  if (!engine.ok()) return ReportError(engine.status());
  absl::Status printed = PrintQueryAnswer(**engine, sql, format);
  absl::Status closed = (*engine)->Close();
  if (!printed.ok()) return ReportError(printed);
  if (!closed.ok()) return ReportError(closed);
  return 0;
}

}  // namespace tsw::cli
