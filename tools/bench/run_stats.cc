#include "tools/bench/run_stats.h"

#include <cctype>

namespace tsw::bench {

std::string NormalizeReason(const std::string& reason) {
  std::string out;
  out.reserve(reason.size());
  for (size_t i = 0; i < reason.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(reason[i]))) {
      out.push_back('N');
      while (i + 1 < reason.size() && std::isdigit(static_cast<unsigned char>(reason[i + 1]))) {
        ++i;
      }
    } else {
      out.push_back(reason[i]);
    }
  }
  return out;
}

void RunStats::CloseSecondsBefore(int64_t second) {
  while (current_second_.second < second) {
    current_second_.p99_nanos = current_.Percentile(0.99);
    closed_.push_back(current_second_);
    current_.Clear();
    current_second_ = SecondStats{.second = current_second_.second + 1};
  }
}

void RunStats::Add(const RequestOutcome& o) {
  std::lock_guard<std::mutex> lock(mu_);
  // Requests finishing out of order across threads land in the second they finished in,
  // unless it is closed already; then in the current one.
  CloseSecondsBefore(o.end_nanos / 1000000000);
  all_.Record(o.latency_nanos);
  current_.Record(o.latency_nanos);
  ++current_second_.requests;
  current_second_.records += o.records;
  current_second_.ingested += o.ingested;
  ++totals_.requests;
  totals_.records += o.records;
  totals_.ingested += o.ingested;
  if (!o.error.empty()) {
    ++totals_.failed_requests;
    totals_.failed_records += o.records;
    ++totals_.failed_by_error[o.error];
  }
  totals_.rejected += static_cast<int64_t>(o.rejection_reasons.size());
  for (const std::string& reason : o.rejection_reasons) {
    ++totals_.rejected_by_reason[NormalizeReason(reason)];
  }
}

int64_t RunStats::records() const {
  std::lock_guard<std::mutex> lock(mu_);
  return totals_.records;
}

RunSummary RunStats::Summarize(int64_t end_nanos) const {
  std::lock_guard<std::mutex> lock(mu_);
  RunSummary s = totals_;
  s.elapsed_seconds = static_cast<double>(end_nanos) / 1e9;
  s.p50_nanos = all_.Percentile(0.5);
  s.p99_nanos = all_.Percentile(0.99);
  s.p999_nanos = all_.Percentile(0.999);
  s.max_nanos = all_.max();
  s.per_second = closed_;
  SecondStats last = current_second_;
  last.p99_nanos = current_.Percentile(0.99);
  const int64_t end_second = (end_nanos + 999999999) / 1000000000;  // Partial counts.
  while (last.second < end_second) {
    s.per_second.push_back(last);
    last = SecondStats{.second = last.second + 1};
  }
  if (!s.per_second.empty() && end_nanos % 1000000000 != 0) {
    s.per_second.back().length_seconds = static_cast<double>(end_nanos % 1000000000) / 1e9;
  }
  return s;
}

}  // namespace tsw::bench
