// Crash test: a child process changes the catalog in a loop and is SIGKILLed at random
// moments. Every change it acknowledged must be there after a reopen; the one in flight
// may or may not be; the catalog must open cleanly every time.
//
// The child writes "B <change>" to a side file before each call and "A [<table id>]"
// after the call returned OK. The side file is not fsync'ed: a SIGKILL loses no page
// cache, only the process.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "tests/catalog/catalog_test_util.h"

namespace tsw::catalog::testing {
namespace {

struct ModelTable {
  uint64_t id = 0;
  int64_t hours = 6;
  int64_t days = 73000;
  std::map<std::string, std::string> tags;
  bool operator==(const ModelTable&) const = default;
};
struct ModelDatabase {
  std::string kms;
  std::map<std::string, std::string> tags;
  std::map<std::string, ModelTable> tables;
  bool operator==(const ModelDatabase&) const = default;
};
using Model = std::map<std::string, ModelDatabase>;

std::string Describe(const Model& model) {
  std::ostringstream out;
  for (const auto& [name, db] : model) {
    out << name << " kms=" << db.kms;
    for (const auto& [k, v] : db.tags) out << " " << k << "=" << v;
    out << "\n";
    for (const auto& [t, table] : db.tables) {
      out << "  " << t << " id=" << table.id << " " << table.hours << "h " << table.days << "d";
      for (const auto& [k, v] : table.tags) out << " " << k << "=" << v;
      out << "\n";
    }
  }
  return out.str();
}

std::map<std::string, std::string> TagMap(const Catalog& catalog, const std::string& arn) {
  std::map<std::string, std::string> out;
  auto tags = catalog.ListTagsForResource({.resource_arn = arn});
  if (tags.ok()) {
    for (const Tag& tag : tags->tags) out[tag.key] = tag.value;
  }
  return out;
}

// The catalog's state as a Model, read through the API.
Model ReadModel(const Catalog& catalog) {
  Model model;
  ListDatabasesRequest request;
  while (true) {
    auto page = catalog.ListDatabases(request);
    if (!page.ok()) break;
    for (const Database& db : page->databases) {
      ModelDatabase& m = model[db.database_name];
      m.kms = db.kms_key_id;
      m.tags = TagMap(catalog, db.arn);
    }
    if (!page->next_token) break;
    request.next_token = page->next_token;
  }
  for (const TableInfo& info : catalog.AllTables()) {
    ModelTable& t = model[info.table.database_name].tables[info.table.table_name];
    t.id = info.table_id;
    t.hours = info.table.retention_properties.memory_store_retention_period_in_hours;
    t.days = info.table.retention_properties.magnetic_store_retention_period_in_days;
    t.tags = TagMap(catalog, info.table.arn);
  }
  return model;
}

// Applies one change line ("CD db kms", "CT db t hours days", ...) to `model`.
// `id` is the table id for CT.
void ApplyChange(Model* model, const std::string& change, uint64_t id) {
  std::vector<std::string> f = absl::StrSplit(change, ' ');
  const std::string& op = f[0];
  auto tags_of = [&](const std::string& db, const std::string& t) -> auto& {
    return t == "-" ? (*model)[db].tags : (*model)[db].tables[t].tags;
  };
  if (op == "CD") {
    (*model)[f[1]].kms = f[2];
  } else if (op == "UD") {
    (*model)[f[1]].kms = f[2];
  } else if (op == "DD") {
    model->erase(f[1]);
  } else if (op == "CT") {
    ModelTable& t = (*model)[f[1]].tables[f[2]];
    t.id = id;
    t.hours = std::stoll(f[3]);
    t.days = std::stoll(f[4]);
  } else if (op == "UT") {
    ModelTable& t = (*model)[f[1]].tables[f[2]];
    t.hours = std::stoll(f[3]);
    t.days = std::stoll(f[4]);
  } else if (op == "DT") {
    (*model)[f[1]].tables.erase(f[2]);
  } else if (op == "TG") {
    tags_of(f[1], f[2])[f[3]] = f[4];
  } else if (op == "UG") {
    tags_of(f[1], f[2]).erase(f[3]);
  }
}

class CrashTest : public CatalogTest {
 protected:
  std::string Arn(const std::string& db, const std::string& table) const {
    return table == "-" ? DbArn(db) : TableArnOf(db, table);
  }

  // The child: change the catalog forever, logging each change to `side_fd`.
  [[noreturn]] void RunChild(int round, int side_fd) {
    auto say = [&](const std::string& line) {
      std::string l = line + "\n";
      if (::write(side_fd, l.data(), l.size()) != static_cast<ssize_t>(l.size())) _exit(3);
    };
    auto fail = [&](const std::string& what, const absl::Status& s) {
      say(absl::StrCat("E ", what, ": ", s.ToString()));
      _exit(2);
    };
    if (absl::Status s = Open(); !s.ok()) fail("open", s);
    Model mirror = ReadModel(catalog());
    std::mt19937 rng(1000 + round);
    auto pick = [&](int n) { return static_cast<int>(rng() % n); };
    int created = 0;
    while (true) {
      std::vector<std::pair<std::string, std::string>> tables;  // (db, table)
      std::vector<std::string> empty_dbs;
      for (const auto& [db, m] : mirror) {
        if (m.tables.empty()) empty_dbs.push_back(db);
        for (const auto& [t, unused] : m.tables) tables.emplace_back(db, t);
      }
      auto random_db = [&] {
        auto it = mirror.begin();
        std::advance(it, pick(static_cast<int>(mirror.size())));
        return it->first;
      };
      const int r = pick(100);
      std::string change;
      if ((r < 10 || mirror.empty()) && mirror.size() < 6) {
        std::string name = absl::StrCat("r", round, "d", created++);
        change = absl::StrCat("CD ", name, " alias/k", pick(3));
      } else if (r < 30 && !mirror.empty() && tables.size() < 25) {
        change = absl::StrCat("CT ", random_db(), " tab", round, "x", created++, " ", 1 + pick(100),
                              " ", 1 + pick(1000));
      } else if (r < 45 && !tables.empty()) {
        auto [db, t] = tables[pick(static_cast<int>(tables.size()))];
        change = absl::StrCat("UT ", db, " ", t, " ", 1 + pick(100), " ", 1 + pick(1000));
      } else if (r < 55 && !mirror.empty()) {
        change = absl::StrCat("UD ", random_db(), " alias/k", pick(3));
      } else if (r < 78 && !mirror.empty()) {
        std::string db = random_db();
        std::string t = "-";
        if (pick(2) == 0 && !mirror[db].tables.empty()) {
          auto it = mirror[db].tables.begin();
          std::advance(it, pick(static_cast<int>(mirror[db].tables.size())));
          t = it->first;
        }
        change = r < 70 ? absl::StrCat("TG ", db, " ", t, " k", pick(5), " v", pick(1000))
                        : absl::StrCat("UG ", db, " ", t, " k", pick(5));
      } else if (r < 92 && !tables.empty()) {
        auto [db, t] = tables[pick(static_cast<int>(tables.size()))];
        change = absl::StrCat("DT ", db, " ", t);
      } else if (!empty_dbs.empty()) {
        change = absl::StrCat("DD ", empty_dbs[pick(static_cast<int>(empty_dbs.size()))]);
      } else {
        continue;
      }
      say("B " + change);
      std::vector<std::string> f = absl::StrSplit(change, ' ');
      absl::Status s;
      uint64_t id = 0;
      if (f[0] == "CD") {
        s = catalog().CreateDatabase({.database_name = f[1], .kms_key_id = f[2]}).status();
      } else if (f[0] == "UD") {
        s = catalog().UpdateDatabase({.database_name = f[1], .kms_key_id = f[2]}).status();
      } else if (f[0] == "DD") {
        s = catalog().DeleteDatabase({.database_name = f[1]});
      } else if (f[0] == "CT") {
        s = catalog()
                .CreateTable({.database_name = f[1],
                              .table_name = f[2],
                              .retention_properties =
                                  RetentionProperties{std::stoll(f[3]), std::stoll(f[4])}})
                .status();
        if (s.ok()) id = catalog().LookupTable(f[1], f[2])->table_id;
      } else if (f[0] == "UT") {
        s = catalog()
                .UpdateTable({.database_name = f[1],
                              .table_name = f[2],
                              .retention_properties =
                                  RetentionProperties{std::stoll(f[3]), std::stoll(f[4])}})
                .status();
      } else if (f[0] == "DT") {
        s = catalog().DeleteTable({.database_name = f[1], .table_name = f[2]}).status();
      } else if (f[0] == "TG") {
        s = catalog()
                .TagResource({.resource_arn = Arn(f[1], f[2]), .tags = {{f[3], f[4]}}})
                .status();
      } else if (f[0] == "UG") {
        s = catalog().UntagResource({.resource_arn = Arn(f[1], f[2]), .tag_keys = {f[3]}}).status();
      }
      if (!s.ok()) fail(change, s);
      say(f[0] == "CT" ? absl::StrCat("A ", id) : std::string("A"));
      ApplyChange(&mirror, change, id);
    }
  }
};

TEST_F(CrashTest, AcknowledgedChangesSurviveSigkillAtRandomMoments) {
  // Compact often, so kills also land inside compactions.
  tuning_.min_log_bytes_to_compact = 2048;
  options_.report = [](std::string_view) {};
  Model model;
  uint64_t max_id_seen = 0;
  int acknowledged = 0;
  int rounds_with_in_flight_applied = 0;
  std::mt19937 rng(42);
  constexpr int kRounds = 20;
  for (int round = 0; round < kRounds; ++round) {
    const std::string side_dir = dir_ + ".side";
    ASSERT_TRUE(file::CreateDirs(*Env::Default(), side_dir).ok());
    const std::string side = file::JoinPath(side_dir, absl::StrCat("round_", round));
    ASSERT_TRUE(file::RemoveFile(*Env::Default(), side).ok());
    int side_fd = ::open(side.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    ASSERT_GE(side_fd, 0);
    catalog_.reset();
    pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) RunChild(round, side_fd);
    ::close(side_fd);
    std::this_thread::sleep_for(std::chrono::milliseconds(2 + rng() % 80));
    ASSERT_EQ(::kill(pid, SIGKILL), 0);
    int wstatus = 0;
    ASSERT_EQ(::waitpid(pid, &wstatus, 0), pid);

    auto side_bytes = file::ReadFile(*Env::Default(), side);
    ASSERT_TRUE(side_bytes.ok());
    ASSERT_TRUE(WIFSIGNALED(wstatus)) << "child exited by itself:\n" << *side_bytes;

    // Replay the side file: acknowledged changes into the model; remember the last
    // change that began but was not acknowledged.
    // Each line is one write(), but ignore a last line without its newline anyway.
    std::string complete = side_bytes->substr(0, side_bytes->rfind('\n') + 1);
    std::optional<std::string> in_flight;
    for (absl::string_view line : absl::StrSplit(complete, '\n')) {
      if (line.empty()) continue;
      if (line[0] == 'B') {
        ASSERT_FALSE(in_flight.has_value()) << "two changes in flight";
        in_flight = std::string(line.substr(2));
      } else if (line[0] == 'A') {
        ASSERT_TRUE(in_flight.has_value());
        uint64_t id = line.size() > 2 ? std::stoull(std::string(line.substr(2))) : 0;
        if (id != 0) {
          EXPECT_GT(id, max_id_seen) << "table id reused";
          max_id_seen = id;
        }
        ApplyChange(&model, *in_flight, id);
        in_flight.reset();
        ++acknowledged;
      }
    }

    absl::Status opened = Open();
    ASSERT_TRUE(opened.ok()) << "round " << round << ": " << opened;
    Model actual = ReadModel(catalog());
    if (actual == model) continue;
    ASSERT_TRUE(in_flight.has_value())
        << "round " << round << ": catalog differs from the acknowledged changes\nexpected:\n"
        << Describe(model) << "actual:\n"
        << Describe(actual);
    // The change in flight may have landed. A table it created has an id nobody has
    // seen yet; take it from the catalog and check it is new.
    Model with_in_flight = model;
    uint64_t id = 0;
    std::vector<std::string> f = absl::StrSplit(*in_flight, ' ');
    if (f[0] == "CT" && actual.count(f[1]) && actual[f[1]].tables.count(f[2])) {
      id = actual[f[1]].tables[f[2]].id;
      EXPECT_GT(id, max_id_seen) << "table id reused";
      max_id_seen = std::max(max_id_seen, id);
    }
    ApplyChange(&with_in_flight, *in_flight, id);
    ASSERT_EQ(Describe(actual), Describe(with_in_flight))
        << "round " << round << ": catalog is neither before nor after the change in flight ("
        << *in_flight << ")";
    model = with_in_flight;
    ++rounds_with_in_flight_applied;
  }
  // The test must have exercised something.
  EXPECT_GT(acknowledged, kRounds) << "the child made too few changes to test anything";
  std::cout << acknowledged << " acknowledged changes over " << kRounds << " rounds; "
            << rounds_with_in_flight_applied << " in-flight changes landed\n";
}

}  // namespace
}  // namespace tsw::catalog::testing
