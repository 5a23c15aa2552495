// JSON parsing: parse + convert a 100-record WriteRecords body into a WriteRecordsRequest,
// the HTTP endpoint's hot path, with each candidate library on the same generated body.
//
//   BM_ParseWriteRecords/simdjson   engine/wire (simdjson DOM; what the server uses)
//   BM_ParseWriteRecords/rapidjson  RapidJSON Document (DOM), same checks
//   BM_ParseWriteRecords/nlohmann   nlohmann::json, same checks
//
// Each peer converter performs the checks the production parser does (member types,
// enum spellings, required members) so the comparison is like for like.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "benchmark/benchmark.h"
#include "engine/wire/api_json.h"
#include "nlohmann/json.hpp"
#include "rapidjson/document.h"
#include "tsw/types.h"

namespace tsw {
namespace {

// 100 records as an IoT agent sends them: four common dimensions, then alternately a
// MULTI record with three attributes and a scalar DOUBLE record.
std::string MakeBody() {
  WriteRecordsRequest request;
  request.database_name = "fleet";
  request.table_name = "telemetry";
  Record common;
  common.dimensions = {{"region", "eu-west-1"}, {"site", "site-12"}, {"model", "TH-200"}};
  common.time_unit = TimeUnit::kMilliseconds;
  request.common_attributes = common;
  for (int i = 0; i < 100; ++i) {
    Record r;
    r.dimensions = {{"device_id", absl::StrCat("dev-", 1000 + i)}};
    r.time = absl::StrCat(1700000000000 + i * 1000);
    if (i % 2 == 0) {
      r.measure_name = "environment";
      r.measure_value_type = MeasureValueType::kMulti;
      r.measure_values = {{"temperature", absl::StrCat(20.5 + i * 0.01), MeasureValueType::kDouble},
                          {"humidity", absl::StrCat(40 + i % 7), MeasureValueType::kBigint},
                          {"status", i % 5 ? "ok" : "degraded", MeasureValueType::kVarchar}};
    } else {
      r.measure_name = "rssi";
      r.measure_value = absl::StrCat(-60 - i % 13, ".5");
      r.measure_value_type = MeasureValueType::kDouble;
    }
    request.records.push_back(std::move(r));
  }
  return apijson::ToJson(request);
}

const std::string& Body() {
  static const std::string* body = new std::string(MakeBody());
  return *body;
}

// ------------------------------------------------------------------------ rapidjson

bool RjString(const rapidjson::Value& v, std::string* out) {
  if (!v.IsString()) return false;
  out->assign(v.GetString(), v.GetStringLength());
  return true;
}

bool RjRecord(const rapidjson::Value& v, Record* out) {
  if (!v.IsObject()) return false;
  for (auto m = v.MemberBegin(); m != v.MemberEnd(); ++m) {
    std::string_view key(m->name.GetString(), m->name.GetStringLength());
    const rapidjson::Value& value = m->value;
    if (value.IsNull()) continue;
    if (key == "Dimensions") {
      if (!value.IsArray()) return false;
      for (const rapidjson::Value& d : value.GetArray()) {
        if (!d.IsObject()) return false;
        Dimension& dim = out->dimensions.emplace_back();
        int seen = 0;
        for (auto dm = d.MemberBegin(); dm != d.MemberEnd(); ++dm) {
          std::string_view k(dm->name.GetString(), dm->name.GetStringLength());
          if (k == "Name") {
            if (!RjString(dm->value, &dim.name)) return false;
            seen |= 1;
          } else if (k == "Value") {
            if (!RjString(dm->value, &dim.value)) return false;
            seen |= 2;
          } else if (k == "DimensionValueType") {
            if (!dm->value.IsString() || !ParseDimensionValueType(dm->value.GetString())) {
              return false;
            }
          }
        }
        if (seen != 3) return false;
      }
    } else if (key == "MeasureName") {
      if (!RjString(value, &out->measure_name.emplace())) return false;
    } else if (key == "MeasureValue") {
      if (!RjString(value, &out->measure_value.emplace())) return false;
    } else if (key == "MeasureValueType") {
      if (!value.IsString()) return false;
      out->measure_value_type = ParseMeasureValueType(value.GetString());
      if (!out->measure_value_type) return false;
    } else if (key == "Time") {
      if (!RjString(value, &out->time.emplace())) return false;
    } else if (key == "TimeUnit") {
      if (!value.IsString()) return false;
      out->time_unit = ParseTimeUnit(value.GetString());
      if (!out->time_unit) return false;
    } else if (key == "Version") {
      if (!value.IsInt64()) return false;
      out->version = value.GetInt64();
    } else if (key == "MeasureValues") {
      if (!value.IsArray()) return false;
      for (const rapidjson::Value& mv : value.GetArray()) {
        if (!mv.IsObject()) return false;
        MeasureValue& m2 = out->measure_values.emplace_back();
        int seen = 0;
        for (auto mm = mv.MemberBegin(); mm != mv.MemberEnd(); ++mm) {
          std::string_view k(mm->name.GetString(), mm->name.GetStringLength());
          if (k == "Name") {
            if (!RjString(mm->value, &m2.name)) return false;
            seen |= 1;
          } else if (k == "Value") {
            if (!RjString(mm->value, &m2.value)) return false;
            seen |= 2;
          } else if (k == "Type") {
            if (!mm->value.IsString()) return false;
            auto t = ParseMeasureValueType(mm->value.GetString());
            if (!t) return false;
            m2.type = *t;
            seen |= 4;
          }
        }
        if (seen != 7) return false;
      }
    }
  }
  return true;
}

bool ParseWithRapidJson(const std::string& body, WriteRecordsRequest* out) {
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseValidateEncodingFlag>(body.data(), body.size());
  if (doc.HasParseError() || !doc.IsObject()) return false;
  int seen = 0;
  for (auto m = doc.MemberBegin(); m != doc.MemberEnd(); ++m) {
    std::string_view key(m->name.GetString(), m->name.GetStringLength());
    if (key == "DatabaseName") {
      if (!RjString(m->value, &out->database_name)) return false;
      seen |= 1;
    } else if (key == "TableName") {
      if (!RjString(m->value, &out->table_name)) return false;
      seen |= 2;
    } else if (key == "CommonAttributes") {
      if (!RjRecord(m->value, &out->common_attributes.emplace())) return false;
    } else if (key == "Records") {
      if (!m->value.IsArray()) return false;
      out->records.reserve(m->value.Size());
      for (const rapidjson::Value& r : m->value.GetArray()) {
        if (!RjRecord(r, &out->records.emplace_back())) return false;
      }
      seen |= 4;
    }
  }
  return seen == 7;
}

// ------------------------------------------------------------------------- nlohmann

using nlohmann::json;

bool NlString(const json& v, std::string* out) {
  if (!v.is_string()) return false;
  *out = v.get_ref<const std::string&>();
  return true;
}

bool NlRecord(const json& v, Record* out) {
  if (!v.is_object()) return false;
  for (auto it = v.begin(); it != v.end(); ++it) {
    const std::string& key = it.key();
    const json& value = it.value();
    if (value.is_null()) continue;
    if (key == "Dimensions") {
      if (!value.is_array()) return false;
      for (const json& d : value) {
        if (!d.is_object()) return false;
        Dimension& dim = out->dimensions.emplace_back();
        int seen = 0;
        for (auto dm = d.begin(); dm != d.end(); ++dm) {
          if (dm.key() == "Name") {
            if (!NlString(dm.value(), &dim.name)) return false;
            seen |= 1;
          } else if (dm.key() == "Value") {
            if (!NlString(dm.value(), &dim.value)) return false;
            seen |= 2;
          } else if (dm.key() == "DimensionValueType") {
            if (!dm.value().is_string() ||
                !ParseDimensionValueType(dm.value().get_ref<const std::string&>())) {
              return false;
            }
          }
        }
        if (seen != 3) return false;
      }
    } else if (key == "MeasureName") {
      if (!NlString(value, &out->measure_name.emplace())) return false;
    } else if (key == "MeasureValue") {
      if (!NlString(value, &out->measure_value.emplace())) return false;
    } else if (key == "MeasureValueType") {
      if (!value.is_string()) return false;
      out->measure_value_type = ParseMeasureValueType(value.get_ref<const std::string&>());
      if (!out->measure_value_type) return false;
    } else if (key == "Time") {
      if (!NlString(value, &out->time.emplace())) return false;
    } else if (key == "TimeUnit") {
      if (!value.is_string()) return false;
      out->time_unit = ParseTimeUnit(value.get_ref<const std::string&>());
      if (!out->time_unit) return false;
    } else if (key == "Version") {
      if (!value.is_number_integer()) return false;
      out->version = value.get<int64_t>();
    } else if (key == "MeasureValues") {
      if (!value.is_array()) return false;
      for (const json& mv : value) {
        if (!mv.is_object()) return false;
        MeasureValue& m2 = out->measure_values.emplace_back();
        int seen = 0;
        for (auto mm = mv.begin(); mm != mv.end(); ++mm) {
          if (mm.key() == "Name") {
            if (!NlString(mm.value(), &m2.name)) return false;
            seen |= 1;
          } else if (mm.key() == "Value") {
            if (!NlString(mm.value(), &m2.value)) return false;
            seen |= 2;
          } else if (mm.key() == "Type") {
            if (!mm.value().is_string()) return false;
            auto t = ParseMeasureValueType(mm.value().get_ref<const std::string&>());
            if (!t) return false;
            m2.type = *t;
            seen |= 4;
          }
        }
        if (seen != 7) return false;
      }
    }
  }
  return true;
}

bool ParseWithNlohmann(const std::string& body, WriteRecordsRequest* out) {
  json doc = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() || !doc.is_object()) return false;
  int seen = 0;
  for (auto it = doc.begin(); it != doc.end(); ++it) {
    if (it.key() == "DatabaseName") {
      if (!NlString(it.value(), &out->database_name)) return false;
      seen |= 1;
    } else if (it.key() == "TableName") {
      if (!NlString(it.value(), &out->table_name)) return false;
      seen |= 2;
    } else if (it.key() == "CommonAttributes") {
      if (!NlRecord(it.value(), &out->common_attributes.emplace())) return false;
    } else if (it.key() == "Records") {
      if (!it.value().is_array()) return false;
      out->records.reserve(it.value().size());
      for (const json& r : it.value()) {
        if (!NlRecord(r, &out->records.emplace_back())) return false;
      }
      seen |= 4;
    }
  }
  return seen == 7;
}

// ------------------------------------------------------------------------ benchmarks

void Finish(benchmark::State& state, size_t records) {
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * Body().size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * records));
  state.counters["body_bytes"] = static_cast<double>(Body().size());
}

void BM_ParseWriteRecords_simdjson(benchmark::State& state) {
  const std::string& body = Body();
  size_t records = 0;
  for (auto _ : state) {
    absl::StatusOr<WriteRecordsRequest> request = apijson::ParseWriteRecordsRequest(body);
    if (!request.ok()) {
      state.SkipWithError("parse failed");
      break;
    }
    records = request->records.size();
    benchmark::DoNotOptimize(request);
  }
  Finish(state, records);
}

void BM_ParseWriteRecords_rapidjson(benchmark::State& state) {
  const std::string& body = Body();
  size_t records = 0;
  for (auto _ : state) {
    WriteRecordsRequest request;
    if (!ParseWithRapidJson(body, &request)) {
      state.SkipWithError("parse failed");
      break;
    }
    records = request.records.size();
    benchmark::DoNotOptimize(request);
  }
  Finish(state, records);
}

void BM_ParseWriteRecords_nlohmann(benchmark::State& state) {
  const std::string& body = Body();
  size_t records = 0;
  for (auto _ : state) {
    WriteRecordsRequest request;
    if (!ParseWithNlohmann(body, &request)) {
      state.SkipWithError("parse failed");
      break;
    }
    records = request.records.size();
    benchmark::DoNotOptimize(request);
  }
  Finish(state, records);
}

BENCHMARK(BM_ParseWriteRecords_simdjson)->Name("BM_ParseWriteRecords/simdjson");
BENCHMARK(BM_ParseWriteRecords_rapidjson)->Name("BM_ParseWriteRecords/rapidjson");
BENCHMARK(BM_ParseWriteRecords_nlohmann)->Name("BM_ParseWriteRecords/nlohmann");

}  // namespace
}  // namespace tsw
