// The in-process target: tsw::Engine on a local directory; each "client" is a thread.
#include "tools/bench/target.h"
#include "tsw/status.h"

namespace tsw::bench {
namespace {

class EngineWriter : public Writer {
 public:
  explicit EngineWriter(Engine* engine) : engine_(engine) {}

  void Write(const WriteRecordsRequest& request, RequestOutcome* outcome) override {
    absl::StatusOr<WriteRecordsResponse> response = engine_->WriteRecords(request);
    if (response.ok()) {
      outcome->ingested = response->records_ingested.total;
      return;
    }
    if (KindOf(response.status()) != ErrorKind::kRejectedRecords) {
      outcome->error = std::string(ExceptionName(KindOf(response.status())));
      return;
    }
    for (const RejectedRecord& r : RejectedRecordsOf(response.status())) {
      outcome->rejection_reasons.push_back(r.reason);
    }
    outcome->ingested =
        static_cast<int64_t>(request.records.size() - outcome->rejection_reasons.size());
  }

 private:
  Engine* engine_;
};

class EngineTarget : public Target {
 public:
  EngineTarget(std::string directory, std::unique_ptr<Engine> engine)
      : directory_(std::move(directory)), engine_(std::move(engine)) {}

  absl::Status Prepare(const TableSetup& setup) override {
    absl::StatusOr<CreateDatabaseResponse> db =
        engine_->CreateDatabase({.database_name = setup.database});
    if (!db.ok() && KindOf(db.status()) != ErrorKind::kConflict) return db.status();
    CreateTableRequest table{.database_name = setup.database, .table_name = setup.table};
    table.retention_properties =
        RetentionProperties{setup.memory_retention_hours, setup.magnetic_retention_days};
    table.magnetic_store_write_properties =
        MagneticStoreWriteProperties{.enable_magnetic_store_writes = setup.magnetic_store_writes};
    absl::StatusOr<CreateTableResponse> created = engine_->CreateTable(table);
    if (!created.ok() && KindOf(created.status()) != ErrorKind::kConflict) {
      return created.status();
    }
    return absl::OkStatus();
  }

  std::unique_ptr<Writer> NewWriter() override {
    return std::make_unique<EngineWriter>(engine_.get());
  }

  std::optional<absl::StatusOr<TableStats>> Stats(const TableSetup& setup) override {
    return engine_->GetTableStats(setup.database, setup.table);
  }

  std::string Describe() const override { return "data " + directory_; }

 private:
  std::string directory_;
  std::unique_ptr<Engine> engine_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<Target>> OpenEngineTarget(const std::string& directory) {
  absl::StatusOr<std::unique_ptr<Engine>> engine = Engine::Open(directory);
  if (!engine.ok()) return engine.status();
  return std::unique_ptr<Target>(new EngineTarget(directory, std::move(*engine)));
}

}  // namespace tsw::bench
