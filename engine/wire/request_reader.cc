// Request bodies: JSON -> request structs, with simdjson's DOM parser (bench/RESULTS.md,
// "JSON parsing", says why simdjson).
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "engine/wire/api_json.h"
#include "engine/wire/shape_writers.h"
#include "simdjson.h"
#include "tsw/status.h"

namespace tsw {
namespace apijson {
namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

#define TSW_RETURN_IF_ERROR(expr)      \
  do {                                 \
    absl::Status status_ = (expr);     \
    if (!status_.ok()) return status_; \
  } while (0)

// Where a value sits in the request ("Records[3].Dimensions[0].Name"), for messages.
// A chain of stack frames; turned into text only when there is an error to report.
struct Path {
  const Path* parent = nullptr;
  std::string_view member;  // Empty for an array element or the root.
  int index = -1;           // >= 0 for an array element.

  Path Member(std::string_view name) const { return Path{this, name, -1}; }
  Path Element(int i) const { return Path{this, {}, i}; }

  void AppendTo(std::string* out) const {
    if (parent != nullptr) parent->AppendTo(out);
    if (index >= 0) {
      absl::StrAppend(out, "[", index, "]");
    } else if (!member.empty()) {
      if (!out->empty()) out->push_back('.');
      out->append(member.data(), member.size());
    }
  }
  std::string ToString() const {
    std::string out;
    AppendTo(&out);
    return out.empty() ? "the request body" : out;
  }
};

const char* TypeName(element_type type) {
  switch (type) {
    case element_type::ARRAY:
      return "an array";
    case element_type::OBJECT:
      return "an object";
    case element_type::INT64:
    case element_type::UINT64:
      return "an integer";
    case element_type::DOUBLE:
      return "a number with a fraction or exponent";
    case element_type::STRING:
      return "a string";
    case element_type::BOOL:
      return "a boolean";
    case element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown JSON value";
}

absl::Status WrongType(element value, const Path& path, absl::string_view expected) {
  return ValidationError(
      absl::StrCat(path.ToString(), " must be ", expected, ", not ", TypeName(value.type())));
}

absl::Status ReadString(element value, const Path& path, std::string* out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return WrongType(value, path, "a string");
  }
  out->assign(s.data(), s.size());
  return absl::OkStatus();
}

absl::Status ReadOptionalString(element value, const Path& path, std::optional<std::string>* out) {
  TSW_RETURN_IF_ERROR(ReadString(value, path, &out->emplace()));
  return absl::OkStatus();
}

absl::Status ReadInt64(element value, const Path& path, int64_t* out) {
  const element_type type = value.type();
  if (type == element_type::UINT64) {
    return ValidationError(
        absl::StrCat(path.ToString(), " is out of range for a 64-bit signed integer"));
  }
  if (type != element_type::INT64) return WrongType(value, path, "an integer");
  *out = value.get_int64().value_unsafe();
  return absl::OkStatus();
}

absl::Status ReadInt32(element value, const Path& path, int32_t* out) {
  int64_t v = 0;
  TSW_RETURN_IF_ERROR(ReadInt64(value, path, &v));
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return ValidationError(
        absl::StrCat(path.ToString(), " is out of range for a 32-bit integer: ", v));
  }
  *out = static_cast<int32_t>(v);
  return absl::OkStatus();
}

absl::Status ReadBool(element value, const Path& path, bool* out) {
  if (value.type() != element_type::BOOL) return WrongType(value, path, "a boolean");
  *out = value.get_bool().value_unsafe();
  return absl::OkStatus();
}

// Reads an enum member through `parse` (types.h's ParseX), listing the valid spellings
// when the value is not one of them.
template <typename Enum, typename ParseFn>
absl::Status ReadEnum(element value, const Path& path, ParseFn parse, absl::string_view valid,
                      Enum* out) {
  std::string_view s;
  if (value.get_string().get(s) != simdjson::SUCCESS) {
    return WrongType(value, path, "a string");
  }
  std::optional<Enum> parsed = parse(s);
  if (!parsed.has_value()) {
    return ValidationError(absl::StrCat(path.ToString(), ": unknown value \"", AsAbsl(s),
                                        "\"; expected one of ", valid));
  }
  *out = *parsed;
  return absl::OkStatus();
}

constexpr absl::string_view kMeasureValueTypes =
    "DOUBLE, BIGINT, VARCHAR, BOOLEAN, TIMESTAMP, MULTI";
constexpr absl::string_view kTimeUnits = "MILLISECONDS, SECONDS, MICROSECONDS, NANOSECONDS";

absl::Status ReadMeasureValueType(element value, const Path& path, MeasureValueType* out) {
  return ReadEnum(value, path, ParseMeasureValueType, kMeasureValueTypes, out);
}

// Calls `fn(index, element, element_path)` for each element of a JSON array.
template <typename Fn>
absl::Status ForEachElement(element value, const Path& path, Fn fn) {
  simdjson::dom::array array;
  if (value.get_array().get(array) != simdjson::SUCCESS) {
    return WrongType(value, path, "an array");
  }
  int index = 0;
  for (element item : array) {
    const Path item_path = path.Element(index);
    TSW_RETURN_IF_ERROR(fn(item, item_path));
    ++index;
  }
  return absl::OkStatus();
}

// An object reader: calls `fn(key, value, member_path)` for each member whose value is not
// null, then checks that every name in `required` was seen. `fn` returns the index of the
// member in `required` when it is one of them (so it counts as seen), or -1.
template <typename Fn>
absl::Status ForEachMember(element value, const Path& path,
                           std::initializer_list<absl::string_view> required, Fn fn) {
  simdjson::dom::object object;
  if (value.get_object().get(object) != simdjson::SUCCESS) {
    return WrongType(value, path, "an object");
  }
  uint32_t seen = 0;
  for (simdjson::dom::key_value_pair member : object) {
    if (member.value.type() == element_type::NULL_VALUE) continue;
    const Path member_path = path.Member(member.key);
    int required_index = -1;
    TSW_RETURN_IF_ERROR(fn(member.key, member.value, member_path, &required_index));
    if (required_index >= 0) seen |= uint32_t{1} << required_index;
  }
  int i = 0;
  for (absl::string_view name : required) {
    if ((seen & (uint32_t{1} << i)) == 0) {
      return ValidationError(absl::StrCat(path.ToString(), ": missing required member ", name));
    }
    ++i;
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------- shapes

absl::Status ReadTag(element value, const Path& path, Tag* out) {
  return ForEachMember(value, path, {"Key", "Value"},
                       [&](std::string_view key, element v, const Path& p, int* req) {
                         if (key == "Key") return *req = 0, ReadString(v, p, &out->key);
                         if (key == "Value") return *req = 1, ReadString(v, p, &out->value);
                         return absl::OkStatus();
                       });
}

absl::Status ReadTags(element value, const Path& path, std::vector<Tag>* out) {
  return ForEachElement(value, path, [&](element item, const Path& p) {
    return ReadTag(item, p, &out->emplace_back());
  });
}

absl::Status ReadRetentionProperties(element value, const Path& path, RetentionProperties* out) {
  return ForEachMember(
      value, path, {"MemoryStoreRetentionPeriodInHours", "MagneticStoreRetentionPeriodInDays"},
      [&](std::string_view key, element v, const Path& p, int* req) {
        if (key == "MemoryStoreRetentionPeriodInHours") {
          return *req = 0, ReadInt64(v, p, &out->memory_store_retention_period_in_hours);
        }
        if (key == "MagneticStoreRetentionPeriodInDays") {
          return *req = 1, ReadInt64(v, p, &out->magnetic_store_retention_period_in_days);
        }
        return absl::OkStatus();
      });
}

absl::Status ReadS3Configuration(element value, const Path& path, S3Configuration* out) {
  return ForEachMember(value, path, {}, [&](std::string_view key, element v, const Path& p, int*) {
    if (key == "BucketName") return ReadOptionalString(v, p, &out->bucket_name);
    if (key == "ObjectKeyPrefix") return ReadOptionalString(v, p, &out->object_key_prefix);
    if (key == "KmsKeyId") return ReadOptionalString(v, p, &out->kms_key_id);
    if (key == "EncryptionOption") {
      return ReadEnum(v, p, ParseS3EncryptionOption, "SSE_S3, SSE_KMS",
                      &out->encryption_option.emplace());
    }
    return absl::OkStatus();
  });
}

absl::Status ReadMagneticStoreWriteProperties(element value, const Path& path,
                                              MagneticStoreWriteProperties* out) {
  return ForEachMember(
      value, path, {"EnableMagneticStoreWrites"},
      [&](std::string_view key, element v, const Path& p, int* req) {
        if (key == "EnableMagneticStoreWrites") {
          return *req = 0, ReadBool(v, p, &out->enable_magnetic_store_writes);
        }
        if (key == "MagneticStoreRejectedDataLocation") {
          MagneticStoreRejectedDataLocation& location =
              out->magnetic_store_rejected_data_location.emplace();
          return ForEachMember(v, p, {}, [&](std::string_view k, element lv, const Path& lp, int*) {
            if (k == "S3Configuration") {
              return ReadS3Configuration(lv, lp, &location.s3_configuration.emplace());
            }
            return absl::OkStatus();
          });
        }
        return absl::OkStatus();
      });
}

absl::Status ReadDimension(element value, const Path& path, Dimension* out) {
  return ForEachMember(value, path, {"Name", "Value"},
                       [&](std::string_view key, element v, const Path& p, int* req) {
                         if (key == "Name") return *req = 0, ReadString(v, p, &out->name);
                         if (key == "Value") return *req = 1, ReadString(v, p, &out->value);
                         if (key == "DimensionValueType") {
                           return ReadEnum(v, p, ParseDimensionValueType, "VARCHAR",
                                           &out->dimension_value_type);
                         }
                         return absl::OkStatus();
                       });
}

absl::Status ReadMeasureValue(element value, const Path& path, MeasureValue* out) {
  return ForEachMember(value, path, {"Name", "Value", "Type"},
                       [&](std::string_view key, element v, const Path& p, int* req) {
                         if (key == "Name") return *req = 0, ReadString(v, p, &out->name);
                         if (key == "Value") return *req = 1, ReadString(v, p, &out->value);
                         if (key == "Type") {
                           return *req = 2, ReadMeasureValueType(v, p, &out->type);
                         }
                         return absl::OkStatus();
                       });
}

absl::Status ReadRecord(element value, const Path& path, Record* out) {
  return ForEachMember(value, path, {}, [&](std::string_view key, element v, const Path& p, int*) {
    if (key == "Dimensions") {
      return ForEachElement(v, p, [&](element item, const Path& ip) {
        return ReadDimension(item, ip, &out->dimensions.emplace_back());
      });
    }
    if (key == "MeasureName") return ReadOptionalString(v, p, &out->measure_name);
    if (key == "MeasureValue") return ReadOptionalString(v, p, &out->measure_value);
    if (key == "MeasureValueType") {
      return ReadMeasureValueType(v, p, &out->measure_value_type.emplace());
    }
    if (key == "Time") return ReadOptionalString(v, p, &out->time);
    if (key == "TimeUnit") {
      return ReadEnum(v, p, ParseTimeUnit, kTimeUnits, &out->time_unit.emplace());
    }
    if (key == "Version") return ReadInt64(v, p, &out->version.emplace());
    if (key == "MeasureValues") {
      return ForEachElement(v, p, [&](element item, const Path& ip) {
        return ReadMeasureValue(item, ip, &out->measure_values.emplace_back());
      });
    }
    return absl::OkStatus();
  });
}

// Parses `json` and hands its root to `read`, which fills a Request. An empty body (or
// one of only whitespace) reads as {}.
template <typename Request, typename ReadFn>
absl::StatusOr<Request> ParseRequest(absl::string_view json, ReadFn read) {
  // One parser per thread: it keeps its buffers (a few times the document's size)
  // between documents, as the hot path parses many bodies of similar size. A rare large
  // body gets a parser of its own, so no thread keeps megabytes for good.
  constexpr size_t kReusedParserMaxBytes = 1 << 20;
  thread_local simdjson::dom::parser reused_parser;
  std::optional<simdjson::dom::parser> large_parser;
  simdjson::dom::parser* parser = &reused_parser;
  if (json.size() > kReusedParserMaxBytes) parser = &large_parser.emplace();

  if (json.find_first_not_of(" \t\r\n") == absl::string_view::npos) json = "{}";
  element root;
  simdjson::error_code error = parser->parse(json.data(), json.size()).get(root);
  if (error != simdjson::SUCCESS) {
    return ValidationError(
        absl::StrCat("the request body is not valid JSON: ", simdjson::error_message(error)));
  }
  Request request;
  const Path path;
  TSW_RETURN_IF_ERROR(read(root, path, &request));
  return request;
}

}  // namespace

absl::StatusOr<CreateDatabaseRequest> ParseCreateDatabaseRequest(absl::string_view json) {
  return ParseRequest<CreateDatabaseRequest>(
      json, [](element root, const Path& path, CreateDatabaseRequest* r) {
        return ForEachMember(root, path, {"DatabaseName"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "DatabaseName")
                                 return *req = 0, ReadString(v, p, &r->database_name);
                               if (key == "KmsKeyId")
                                 return ReadOptionalString(v, p, &r->kms_key_id);
                               if (key == "Tags") return ReadTags(v, p, &r->tags);
                               return absl::OkStatus();
                             });
      });
}

absl::StatusOr<CreateTableRequest> ParseCreateTableRequest(absl::string_view json) {
  return ParseRequest<CreateTableRequest>(
      json, [](element root, const Path& path, CreateTableRequest* r) {
        return ForEachMember(root, path, {"DatabaseName", "TableName"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "DatabaseName")
                                 return *req = 0, ReadString(v, p, &r->database_name);
                               if (key == "TableName")
                                 return *req = 1, ReadString(v, p, &r->table_name);
                               if (key == "RetentionProperties") {
                                 return ReadRetentionProperties(v, p,
                                                                &r->retention_properties.emplace());
                               }
                               if (key == "Tags") return ReadTags(v, p, &r->tags);
                               if (key == "MagneticStoreWriteProperties") {
                                 return ReadMagneticStoreWriteProperties(
                                     v, p, &r->magnetic_store_write_properties.emplace());
                               }
                               return absl::OkStatus();
                             });
      });
}

namespace {

// The requests that name one database (and maybe one table) and nothing else.
template <typename Request>
absl::StatusOr<Request> ParseDatabaseRequest(absl::string_view json) {
  return ParseRequest<Request>(json, [](element root, const Path& path, Request* r) {
    return ForEachMember(root, path, {"DatabaseName"},
                         [&](std::string_view key, element v, const Path& p, int* req) {
                           if (key == "DatabaseName") {
                             return *req = 0, ReadString(v, p, &r->database_name);
                           }
                           return absl::OkStatus();
                         });
  });
}

template <typename Request>
absl::StatusOr<Request> ParseTableRequest(absl::string_view json) {
  return ParseRequest<Request>(json, [](element root, const Path& path, Request* r) {
    return ForEachMember(root, path, {"DatabaseName", "TableName"},
                         [&](std::string_view key, element v, const Path& p, int* req) {
                           if (key == "DatabaseName") {
                             return *req = 0, ReadString(v, p, &r->database_name);
                           }
                           if (key == "TableName") {
                             return *req = 1, ReadString(v, p, &r->table_name);
                           }
                           return absl::OkStatus();
                         });
  });
}

}  // namespace

absl::StatusOr<DeleteDatabaseRequest> ParseDeleteDatabaseRequest(absl::string_view json) {
  return ParseDatabaseRequest<DeleteDatabaseRequest>(json);
}

absl::StatusOr<DeleteTableRequest> ParseDeleteTableRequest(absl::string_view json) {
  return ParseTableRequest<DeleteTableRequest>(json);
}

absl::StatusOr<DescribeDatabaseRequest> ParseDescribeDatabaseRequest(absl::string_view json) {
  return ParseDatabaseRequest<DescribeDatabaseRequest>(json);
}

absl::StatusOr<DescribeEndpointsRequest> ParseDescribeEndpointsRequest(absl::string_view json) {
  return ParseRequest<DescribeEndpointsRequest>(
      json, [](element root, const Path& path, DescribeEndpointsRequest*) {
        return ForEachMember(root, path, {}, [](std::string_view, element, const Path&, int*) {
          return absl::OkStatus();
        });
      });
}

absl::StatusOr<DescribeTableRequest> ParseDescribeTableRequest(absl::string_view json) {
  return ParseTableRequest<DescribeTableRequest>(json);
}

absl::StatusOr<ListDatabasesRequest> ParseListDatabasesRequest(absl::string_view json) {
  return ParseRequest<ListDatabasesRequest>(json, [](element root, const Path& path,
                                                     ListDatabasesRequest* r) {
    return ForEachMember(root, path, {}, [&](std::string_view key, element v, const Path& p, int*) {
      if (key == "NextToken") {
        return ReadOptionalString(v, p, &r->next_token);
      }
      if (key == "MaxResults") {
        return ReadInt32(v, p, &r->max_results.emplace());
      }
      return absl::OkStatus();
    });
  });
}

absl::StatusOr<ListTablesRequest> ParseListTablesRequest(absl::string_view json) {
  return ParseRequest<ListTablesRequest>(json, [](element root, const Path& path,
                                                  ListTablesRequest* r) {
    return ForEachMember(root, path, {}, [&](std::string_view key, element v, const Path& p, int*) {
      if (key == "DatabaseName") {
        return ReadOptionalString(v, p, &r->database_name);
      }
      if (key == "NextToken") {
        return ReadOptionalString(v, p, &r->next_token);
      }
      if (key == "MaxResults") {
        return ReadInt32(v, p, &r->max_results.emplace());
      }
      return absl::OkStatus();
    });
  });
}

absl::StatusOr<ListTagsForResourceRequest> ParseListTagsForResourceRequest(absl::string_view json) {
  return ParseRequest<ListTagsForResourceRequest>(
      json, [](element root, const Path& path, ListTagsForResourceRequest* r) {
        return ForEachMember(root, path, {"ResourceARN"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "ResourceARN") {
                                 return *req = 0, ReadString(v, p, &r->resource_arn);
                               }
                               return absl::OkStatus();
                             });
      });
}

absl::StatusOr<TagResourceRequest> ParseTagResourceRequest(absl::string_view json) {
  return ParseRequest<TagResourceRequest>(
      json, [](element root, const Path& path, TagResourceRequest* r) {
        return ForEachMember(root, path, {"ResourceARN", "Tags"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "ResourceARN") {
                                 return *req = 0, ReadString(v, p, &r->resource_arn);
                               }
                               if (key == "Tags") return *req = 1, ReadTags(v, p, &r->tags);
                               return absl::OkStatus();
                             });
      });
}

absl::StatusOr<UntagResourceRequest> ParseUntagResourceRequest(absl::string_view json) {
  return ParseRequest<UntagResourceRequest>(
      json, [](element root, const Path& path, UntagResourceRequest* r) {
        return ForEachMember(root, path, {"ResourceARN", "TagKeys"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "ResourceARN")
                                 return *req = 0, ReadString(v, p, &r->resource_arn);
                               if (key == "TagKeys") {
                                 *req = 1;
                                 return ForEachElement(v, p, [&](element item, const Path& ip) {
                                   return ReadString(item, ip, &r->tag_keys.emplace_back());
                                 });
                               }
                               return absl::OkStatus();
                             });
      });
}

absl::StatusOr<UpdateDatabaseRequest> ParseUpdateDatabaseRequest(absl::string_view json) {
  return ParseRequest<UpdateDatabaseRequest>(
      json, [](element root, const Path& path, UpdateDatabaseRequest* r) {
        return ForEachMember(root, path, {"DatabaseName", "KmsKeyId"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "DatabaseName")
                                 return *req = 0, ReadString(v, p, &r->database_name);
                               if (key == "KmsKeyId")
                                 return *req = 1, ReadString(v, p, &r->kms_key_id);
                               return absl::OkStatus();
                             });
      });
}

absl::StatusOr<UpdateTableRequest> ParseUpdateTableRequest(absl::string_view json) {
  return ParseRequest<UpdateTableRequest>(
      json, [](element root, const Path& path, UpdateTableRequest* r) {
        return ForEachMember(root, path, {"DatabaseName", "TableName"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "DatabaseName")
                                 return *req = 0, ReadString(v, p, &r->database_name);
                               if (key == "TableName")
                                 return *req = 1, ReadString(v, p, &r->table_name);
                               if (key == "RetentionProperties") {
                                 return ReadRetentionProperties(v, p,
                                                                &r->retention_properties.emplace());
                               }
                               if (key == "MagneticStoreWriteProperties") {
                                 return ReadMagneticStoreWriteProperties(
                                     v, p, &r->magnetic_store_write_properties.emplace());
                               }
                               return absl::OkStatus();
                             });
      });
}

absl::StatusOr<WriteRecordsRequest> ParseWriteRecordsRequest(absl::string_view json) {
  return ParseRequest<WriteRecordsRequest>(
      json, [](element root, const Path& path, WriteRecordsRequest* r) {
        return ForEachMember(root, path, {"DatabaseName", "TableName", "Records"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "DatabaseName")
                                 return *req = 0, ReadString(v, p, &r->database_name);
                               if (key == "TableName")
                                 return *req = 1, ReadString(v, p, &r->table_name);
                               if (key == "CommonAttributes") {
                                 return ReadRecord(v, p, &r->common_attributes.emplace());
                               }
                               if (key == "Records") {
                                 *req = 2;
                                 simdjson::dom::array array;
                                 if (v.get_array().get(array) == simdjson::SUCCESS) {
                                   r->records.reserve(array.size());
                                 }
                                 return ForEachElement(v, p, [&](element item, const Path& ip) {
                                   return ReadRecord(item, ip, &r->records.emplace_back());
                                 });
                               }
                               return absl::OkStatus();
                             });
      });
}

// ------------------------------------------------------------- the Query API's requests

absl::StatusOr<QueryRequest> ParseQueryRequest(absl::string_view json) {
  return ParseRequest<QueryRequest>(json, [](element root, const Path& path, QueryRequest* r) {
    return ForEachMember(root, path, {"QueryString"},
                         [&](std::string_view key, element v, const Path& p, int* req) {
                           if (key == "QueryString") {
                             return *req = 0, ReadString(v, p, &r->query_string);
                           }
                           if (key == "ClientToken") {
                             return ReadOptionalString(v, p, &r->client_token);
                           }
                           if (key == "NextToken") return ReadOptionalString(v, p, &r->next_token);
                           if (key == "MaxRows") return ReadInt32(v, p, &r->max_rows.emplace());
                           return absl::OkStatus();
                         });
  });
}

absl::StatusOr<PrepareQueryRequest> ParsePrepareQueryRequest(absl::string_view json) {
  return ParseRequest<PrepareQueryRequest>(
      json, [](element root, const Path& path, PrepareQueryRequest* r) {
        return ForEachMember(root, path, {"QueryString"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "QueryString") {
                                 return *req = 0, ReadString(v, p, &r->query_string);
                               }
                               if (key == "ValidateOnly") {
                                 return ReadBool(v, p, &r->validate_only.emplace());
                               }
                               return absl::OkStatus();
                             });
      });
}

absl::StatusOr<CancelQueryRequest> ParseCancelQueryRequest(absl::string_view json) {
  return ParseRequest<CancelQueryRequest>(
      json, [](element root, const Path& path, CancelQueryRequest* r) {
        return ForEachMember(root, path, {"QueryId"},
                             [&](std::string_view key, element v, const Path& p, int* req) {
                               if (key == "QueryId")
                                 return *req = 0, ReadString(v, p, &r->query_id);
                               return absl::OkStatus();
                             });
      });
}

}  // namespace apijson
}  // namespace tsw
