// The catalog subcommands: one per Timestream Write catalog operation. Each opens the
// engine on --data, runs the operation, prints the API response as JSON and closes.
#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "engine/wire/api_json.h"
#include "tools/tsw/commands.h"
#include "tsw/engine.h"

namespace tsw::cli {
namespace {

// Flags shared by every command that opens an engine.
absl::StatusOr<std::unique_ptr<Engine>> OpenEngine(const Flags& flags) {
  absl::StatusOr<std::string> dir = flags.Require("data");
  if (!dir.ok()) return dir.status();
  Options options;
  options.background_maintenance = false;  // One operation and out.
  if (auto region = flags.Get("region")) options.region = *region;
  if (auto account = flags.Get("account-id")) options.account_id = *account;
  return Engine::Open(*dir, std::move(options));
}

absl::StatusOr<std::vector<Tag>> ParseTags(const Flags& flags) {
  std::vector<Tag> tags;
  for (const std::string& word : flags.GetAll("tag")) {
    size_t eq = word.find('=');
    if (eq == std::string::npos) {
      return ValidationError(absl::StrCat("--tag wants KEY=VALUE, not '", word, "'"));
    }
    tags.push_back(Tag{word.substr(0, eq), word.substr(eq + 1)});
  }
  return tags;
}

absl::StatusOr<std::optional<RetentionProperties>> ParseRetention(const Flags& flags) {
  auto hours = flags.GetInt("memory-retention-hours");
  if (!hours.ok()) return hours.status();
  auto days = flags.GetInt("magnetic-retention-days");
  if (!days.ok()) return days.status();
  if (!hours->has_value() && !days->has_value()) return std::optional<RetentionProperties>();
  if (!hours->has_value() || !days->has_value()) {
    // RetentionProperties requires both members, as in the API.
    return ValidationError(
        "give both --memory-retention-hours and --magnetic-retention-days, or neither");
  }
  return std::optional<RetentionProperties>(RetentionProperties{**hours, **days});
}

absl::StatusOr<std::optional<MagneticStoreWriteProperties>> ParseMagneticWrites(
    const Flags& flags) {
  std::optional<std::string> enable = flags.Get("magnetic-store-writes");
  if (!enable) {
    if (flags.Has("rejected-data-bucket") || flags.Has("rejected-data-prefix")) {
      return ValidationError("--rejected-data-* needs --magnetic-store-writes on|off");
    }
    return std::optional<MagneticStoreWriteProperties>();
  }
  if (*enable != "on" && *enable != "off") {
    return ValidationError("--magnetic-store-writes wants on or off");
  }
  MagneticStoreWriteProperties props;
  props.enable_magnetic_store_writes = *enable == "on";
  if (auto bucket = flags.Get("rejected-data-bucket")) {
    S3Configuration s3;
    s3.bucket_name = *bucket;
    s3.object_key_prefix = flags.Get("rejected-data-prefix");
    props.magnetic_store_rejected_data_location = MagneticStoreRejectedDataLocation{s3};
  }
  return std::optional<MagneticStoreWriteProperties>(props);
}

template <typename T>
absl::StatusOr<std::optional<int32_t>> ParseMaxResults(const Flags& flags) {
  auto n = flags.GetInt("max-results");
  if (!n.ok()) return n.status();
  if (!n->has_value()) return std::optional<int32_t>();
  return std::optional<int32_t>(static_cast<int32_t>(**n));
}

// Runs `body` with the parsed flags and an open engine; prints its JSON.
template <typename Body>
int WithEngine(const std::vector<std::string>& args, const std::set<std::string>& known,
               const std::set<std::string>& switches, Body body) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, switches);
  if (!flags.ok()) return ReportError(flags.status());
  std::set<std::string> all = known;
  all.insert({"data", "region", "account-id"});
  if (absl::Status s = flags->CheckKnown(all); !s.ok()) return ReportError(s);
  absl::StatusOr<std::unique_ptr<Engine>> engine = OpenEngine(*flags);
  if (!engine.ok()) return ReportError(engine.status());
  absl::StatusOr<std::string> json = body(**engine, *flags);
  absl::Status closed = (*engine)->Close();
  if (!json.ok()) return ReportError(json.status());
  if (!closed.ok()) return ReportError(closed);
  return PrintJson(*json);
}

template <typename Response>
absl::StatusOr<std::string> Json(const absl::StatusOr<Response>& response) {
  if (!response.ok()) return response.status();
  return apijson::ToJson(*response);
}

absl::StatusOr<std::string> EmptyJson(const absl::Status& status) {
  if (!status.ok()) return status;
  return std::string("{}");
}

#define TSW_ASSIGN(lhs, expr)                   \
  auto lhs##_or = (expr);                       \
  if (!lhs##_or.ok()) return lhs##_or.status(); \
  auto lhs = std::move(*lhs##_or)

int CreateDatabase(const std::vector<std::string>& args) {
  return WithEngine(args, {"name", "kms-key-id", "tag"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(name, f.Require("name"));
                      TSW_ASSIGN(tags, ParseTags(f));
                      return Json(e.CreateDatabase({name, f.Get("kms-key-id"), tags}));
                    });
}

int DescribeDatabase(const std::vector<std::string>& args) {
  return WithEngine(args, {"name"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(name, f.Require("name"));
                      return Json(e.DescribeDatabase({name}));
                    });
}

int UpdateDatabase(const std::vector<std::string>& args) {
  return WithEngine(args, {"name", "kms-key-id"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(name, f.Require("name"));
                      TSW_ASSIGN(key, f.Require("kms-key-id"));
                      return Json(e.UpdateDatabase({name, key}));
                    });
}

int DeleteDatabase(const std::vector<std::string>& args) {
  return WithEngine(args, {"name"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(name, f.Require("name"));
                      return EmptyJson(e.DeleteDatabase({name}));
                    });
}

int ListDatabases(const std::vector<std::string>& args) {
  return WithEngine(args, {"max-results", "next-token"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(max_results, ParseMaxResults<ListDatabasesRequest>(f));
                      return Json(e.ListDatabases({f.Get("next-token"), max_results}));
                    });
}

int CreateTable(const std::vector<std::string>& args) {
  return WithEngine(
      args,
      {"database", "name", "memory-retention-hours", "magnetic-retention-days",
       "magnetic-store-writes", "rejected-data-bucket", "rejected-data-prefix", "tag"},
      {}, [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
        TSW_ASSIGN(database, f.Require("database"));
        TSW_ASSIGN(name, f.Require("name"));
        TSW_ASSIGN(retention, ParseRetention(f));
        TSW_ASSIGN(tags, ParseTags(f));
        TSW_ASSIGN(magnetic, ParseMagneticWrites(f));
        return Json(e.CreateTable({database, name, retention, tags, magnetic}));
      });
}

int DescribeTable(const std::vector<std::string>& args) {
  return WithEngine(args, {"database", "name"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(database, f.Require("database"));
                      TSW_ASSIGN(name, f.Require("name"));
                      return Json(e.DescribeTable({database, name}));
                    });
}

int UpdateTable(const std::vector<std::string>& args) {
  return WithEngine(args,
                    {"database", "name", "memory-retention-hours", "magnetic-retention-days",
                     "magnetic-store-writes", "rejected-data-bucket", "rejected-data-prefix"},
                    {}, [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(database, f.Require("database"));
                      TSW_ASSIGN(name, f.Require("name"));
                      TSW_ASSIGN(retention, ParseRetention(f));
                      TSW_ASSIGN(magnetic, ParseMagneticWrites(f));
                      return Json(e.UpdateTable({database, name, retention, magnetic}));
                    });
}

int DeleteTable(const std::vector<std::string>& args) {
  return WithEngine(args, {"database", "name"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(database, f.Require("database"));
                      TSW_ASSIGN(name, f.Require("name"));
                      return EmptyJson(e.DeleteTable({database, name}));
                    });
}

int ListTables(const std::vector<std::string>& args) {
  return WithEngine(
      args, {"database", "max-results", "next-token"}, {},
      [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
        TSW_ASSIGN(max_results, ParseMaxResults<ListTablesRequest>(f));
        return Json(e.ListTables({f.Get("database"), f.Get("next-token"), max_results}));
      });
}

int ListTagsForResource(const std::vector<std::string>& args) {
  return WithEngine(args, {"arn"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(arn, f.Require("arn"));
                      return Json(e.ListTagsForResource({arn}));
                    });
}

int TagResource(const std::vector<std::string>& args) {
  return WithEngine(args, {"arn", "tag"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(arn, f.Require("arn"));
                      TSW_ASSIGN(tags, ParseTags(f));
                      return Json(e.TagResource({arn, tags}));
                    });
}

int UntagResource(const std::vector<std::string>& args) {
  return WithEngine(args, {"arn", "key"}, {},
                    [](Engine& e, const Flags& f) -> absl::StatusOr<std::string> {
                      TSW_ASSIGN(arn, f.Require("arn"));
                      return Json(e.UntagResource({arn, f.GetAll("key")}));
                    });
}

int DescribeEndpoints(const std::vector<std::string>& args) {
  return WithEngine(args, {}, {}, [](Engine& e, const Flags&) -> absl::StatusOr<std::string> {
    return Json(e.DescribeEndpoints({}));
  });
}

#undef TSW_ASSIGN

}  // namespace

const std::vector<Command>& CatalogCommands() {
  static const std::vector<Command>* commands = new std::vector<Command>{
      {"create-database", "--name N [--kms-key-id K] [--tag KEY=VALUE]...", "CreateDatabase",
       CreateDatabase},
      {"describe-database", "--name N", "DescribeDatabase", DescribeDatabase},
      {"update-database", "--name N --kms-key-id K", "UpdateDatabase", UpdateDatabase},
      {"delete-database", "--name N", "DeleteDatabase", DeleteDatabase},
      {"list-databases", "[--max-results 1-20] [--next-token T]", "ListDatabases", ListDatabases},
      {"create-table",
       "--database D --name N [--memory-retention-hours H --magnetic-retention-days D] "
       "[--magnetic-store-writes on|off [--rejected-data-bucket B "
       "[--rejected-data-prefix P]]] [--tag KEY=VALUE]...",
       "CreateTable", CreateTable},
      {"describe-table", "--database D --name N", "DescribeTable", DescribeTable},
      {"update-table",
       "--database D --name N [--memory-retention-hours H --magnetic-retention-days D] "
       "[--magnetic-store-writes on|off [--rejected-data-bucket B [--rejected-data-prefix P]]]",
       "UpdateTable", UpdateTable},
      {"delete-table", "--database D --name N", "DeleteTable", DeleteTable},
      {"list-tables", "[--database D] [--max-results 1-20] [--next-token T]", "ListTables",
       ListTables},
      {"list-tags-for-resource", "--arn ARN", "ListTagsForResource", ListTagsForResource},
      {"tag-resource", "--arn ARN --tag KEY=VALUE [--tag KEY=VALUE]...", "TagResource",
       TagResource},
      {"untag-resource", "--arn ARN --key KEY [--key KEY]...", "UntagResource", UntagResource},
      {"describe-endpoints", "", "DescribeEndpoints", DescribeEndpoints},
  };
  return *commands;
}

}  // namespace tsw::cli
