#include "tools/bench/bench_command.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/wire/api_json.h"
#include "engine/wire/aws_credentials.h"
#include "tools/bench/report.h"
#include "tools/bench/runner.h"
#include "tools/bench/target.h"
#include "tools/tsw/flags.h"
#include "tsw/status.h"

namespace tsw::bench {
namespace {

using cli::Flags;

int Fail(const absl::Status& status) {
  std::fprintf(stderr, "%s\n", apijson::ErrorToJson(status).c_str());
  return KindOf(status) == ErrorKind::kValidation ? 2 : 1;
}

absl::Status GetDouble(const Flags& flags, const std::string& name, double* value) {
  std::optional<std::string> text = flags.Get(name);
  if (text && !absl::SimpleAtod(*text, value)) {
    return ValidationError(absl::StrCat("--", name, " must be a number, not '", *text, "'"));
  }
  return absl::OkStatus();
}

absl::Status GetInt(const Flags& flags, const std::string& name, int64_t min, int64_t max,
                    int64_t* value) {
  absl::StatusOr<std::optional<int64_t>> v = flags.GetInt(name);
  if (!v.ok()) return v.status();
  if (!v->has_value()) return absl::OkStatus();
  if (**v < min || **v > max) {
    return ValidationError(absl::StrCat("--", name, " must be in [", min, ", ", max, "]"));
  }
  *value = **v;
  return absl::OkStatus();
}

absl::Status ParseWorkloadFlags(const Flags& flags, RunOptions* o) {
  absl::StatusOr<WorkloadKind> kind = ParseWorkloadKind(flags.Get("workload").value_or("devops"));
  if (!kind.ok()) return kind.status();
  WorkloadOptions& w = o->workload;
  w.kind = *kind;
  w.multi = flags.Has("multi");
  // TSBS's iot data always has some points out of order and late.
  w.out_of_order = w.kind == WorkloadKind::kIot ? 0.05 : 0;
  int64_t seed = 1, rpr = 100, clients = 1;
  absl::Status s = GetInt(flags, "series", 1, 10000000, &w.series);
  if (s.ok()) s = GetDouble(flags, "out-of-order", &w.out_of_order);
  if (s.ok()) s = GetDouble(flags, "upserts", &w.upserts);
  if (s.ok()) s = GetInt(flags, "seed", 0, std::numeric_limits<int64_t>::max(), &seed);
  if (s.ok()) s = GetInt(flags, "records-per-request", 1, 100, &rpr);
  if (s.ok()) s = GetInt(flags, "clients", 1, 1024, &clients);
  if (s.ok())
    s = GetInt(flags, "records", 1, std::numeric_limits<int64_t>::max(), &o->total_records);
  if (s.ok()) s = GetDouble(flags, "duration", &o->duration_seconds);
  if (!s.ok()) return s;
  w.seed = static_cast<uint64_t>(seed);
  o->records_per_request = static_cast<int>(rpr);
  o->clients = static_cast<int>(clients);
  if (flags.Has("records") && flags.Has("duration")) {
    return ValidationError("give --records or --duration, not both");
  }
  if (!flags.Has("records") && !flags.Has("duration")) o->duration_seconds = 10;
  if (o->total_records == 0 && !(o->duration_seconds > 0)) {
    return ValidationError("--duration must be a positive number of seconds");
  }
  o->database = flags.Get("database").value_or("bench");
  o->table = flags.Get("table").value_or(WorkloadKindName(w.kind));
  return ValidateWorkload(w);
}

absl::StatusOr<std::unique_ptr<Target>> OpenTarget(const Flags& flags) {
  if (flags.Has("data") == flags.Has("endpoint")) {
    return ValidationError("give exactly one target: --data DIR or --endpoint URL");
  }
  if (flags.Has("data")) return OpenEngineTarget(*flags.Get("data"));
  absl::StatusOr<server::SigningCredentials> credentials =
      flags.Has("credentials") ? LoadCredentialsFileFirst(*flags.Get("credentials"))
                               : DefaultCredentials();
  if (!credentials.ok()) return credentials.status();
  const char* env_region = std::getenv("AWS_REGION");
  std::string region = flags.Get("region").value_or(env_region ? env_region : "us-east-1");
  return OpenEndpointTarget(*flags.Get("endpoint"), std::move(*credentials), region);
}

absl::Status WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text << '\n';
  out.close();
  if (!out) return InternalError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

// Writes --json and --plot, if asked for.
absl::Status WriteOutputs(const Flags& flags, const std::string& gnuplot, const Report& report) {
  if (std::optional<std::string> path = flags.Get("json")) {
    if (absl::Status s = WriteFile(*path, ReportToJson(report)); !s.ok()) return s;
  }
  if (std::optional<std::string> path = flags.Get("plot")) {
    return PlotReport(gnuplot, report, *path);
  }
  return absl::OkStatus();
}

}  // namespace

const char* BenchUsage() {
  return "(--data DIR | --endpoint URL [--credentials FILE] [--region R])\n"
         "      [--workload devops|iot] [--series N] [--multi] [--records-per-request N]\n"
         "      [--out-of-order FRACTION] [--upserts FRACTION] [--records N | --duration S]\n"
         "      [--seed N] [--start EPOCH_MS] [--clients N] [--database D] [--table T]\n"
         "      [--json FILE] [--plot FILE.png]\n"
         "      Load generator modelled on TSBS: devops (cpu: 10 tags, 10 usage fields per\n"
         "      host) or iot (trucks: readings and diagnostics, 5% out of order and late by\n"
         "      default), one point per series every 10 s; scalar records (one per field) or\n"
         "      --multi. The same --seed gives the same records for every target. Writes in\n"
         "      process (creating the database and table) or to any Timestream Write\n"
         "      endpoint, SigV4-signed with --credentials FILE (as tsw serve's) or the AWS\n"
         "      environment/~/.aws/credentials, --clients concurrent writers on keep-alive\n"
         "      connections. Default: --duration 10. Prints records/s, latency\n"
         "      p50/p99/p99.9/max, rejections by reason and bytes per point per tier;\n"
         "      --json FILE writes it all with a per-second series, --plot draws it (gnuplot).";
}

int RunBenchCommand(const std::vector<std::string>& args) {
  absl::StatusOr<Flags> flags = Flags::Parse(args, {"multi"});
  if (!flags.ok()) return Fail(flags.status());
  absl::Status s =
      flags->CheckKnown({"data", "endpoint", "credentials", "region", "workload", "series", "multi",
                         "records-per-request", "out-of-order", "upserts", "records", "duration",
                         "seed", "start", "clients", "database", "table", "json", "plot"});
  RunOptions options;
  if (s.ok()) s = ParseWorkloadFlags(*flags, &options);
  absl::StatusOr<std::optional<int64_t>> start = flags->GetInt("start");
  if (s.ok()) s = start.status();
  std::string gnuplot;
  if (s.ok() && flags->Has("plot")) {
    absl::StatusOr<std::string> found = FindGnuplot();
    if (!found.ok()) {
      std::fprintf(stderr, "tsw bench: %s\n", std::string(found.status().message()).c_str());
      return 1;
    }
    gnuplot = *found;
  }
  if (!s.ok()) return Fail(s);
  absl::StatusOr<std::unique_ptr<Target>> target = OpenTarget(*flags);
  if (!target.ok()) return Fail(target.status());
  const RunPlan plan = PlanRun(options, *start, absl::ToUnixMillis(absl::Now()));
  options.workload.start_millis = plan.start_millis;
  options.workload.end_millis = plan.end_millis;
  if (s = (*target)->Prepare(plan.table); !s.ok()) return Fail(s);
  options.progress = isatty(STDERR_FILENO) != 0;
  Report report{.options = &options, .plan = &plan, .target = (*target)->Describe()};
  report.summary = RunLoad(options, target->get());
  if (std::optional<absl::StatusOr<TableStats>> stats = (*target)->Stats(plan.table)) {
    if (!stats->ok()) return Fail(stats->status());
    report.storage = **stats;
  }
  std::fputs(FormatReport(report).c_str(), stdout);
  std::fflush(stdout);
  if (s = WriteOutputs(*flags, gnuplot, report); !s.ok()) return Fail(s);
  return report.summary.failed_requests > 0 ? 1 : 0;
}

}  // namespace tsw::bench
