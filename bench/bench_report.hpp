// What the benchmark executables share: a Google Benchmark reporter that also keeps every run's CPU
// time and user counters for the summary printed after the run, and time formatting.
//
// The summaries use CPU time, not wall time: the machine is shared, and a descheduled benchmark
// should not look slow. A case's figure is the median over its repetitions (per-iteration CPU
// time; counters as the benchmark set them, usually averaged over iterations). With
// --benchmark_report_aggregates_only only the aggregates reach the reporter; the median aggregate
// is used then.
#pragma once

#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace hessfit::bench {

inline double median(std::vector<double> v) {
  if (v.empty()) return -1.0;
  std::sort(v.begin(), v.end());
  const std::size_t k = v.size() / 2;
  return v.size() % 2 ? v[k] : 0.5 * (v[k - 1] + v[k]);
}

/// "12.3 us", "4.567 ms", "1.23 s"; "-" for a negative (unmeasured) time.
inline std::string format_time(double s) {
  char buf[32];
  if (s < 0)
    std::snprintf(buf, sizeof buf, "-");
  else if (s < 1e-3)
    std::snprintf(buf, sizeof buf, "%.1f us", s * 1e6);
  else if (s < 1.0)
    std::snprintf(buf, sizeof buf, "%.3f ms", s * 1e3);
  else
    std::snprintf(buf, sizeof buf, "%.2f s", s);
  return buf;
}

/// One run (one repetition) of a benchmark as the summary needs it.
struct RunRecord {
  double cpu_seconds = 0.0;   // per iteration
  double real_seconds = 0.0;  // per iteration
  std::map<std::string, double> counters;
};

/// Collects the per-iteration CPU time and the counters of every run, whatever the display format.
template <class Base>
class Collecting : public Base {
 public:
  using Base::Base;
  void ReportRuns(const std::vector<benchmark::BenchmarkReporter::Run>& runs) override {
    Base::ReportRuns(runs);
    for (const auto& r : runs) {
      const std::string name = r.run_name.function_name;
      const double iterations = static_cast<double>(r.iterations);
      RunRecord record{r.cpu_accumulated_time / iterations, r.real_accumulated_time / iterations, {}};
      for (const auto& [key, counter] : r.counters) record.counters[key] = counter.value;
      if (r.run_type == benchmark::BenchmarkReporter::Run::RT_Aggregate) {
        // With --benchmark_report_aggregates_only only these arrive: keep the median of the repetitions.
        if (r.aggregate_name == "median" && !r.error_occurred && runs_[name].empty())
          aggregate_median_[name] = {record, r.repetitions};
        continue;
      }
      if (r.error_occurred) {
        errors[name] = r.error_message;
        continue;
      }
      runs_[name].push_back(record);
    }
  }

  /// Median CPU seconds per iteration of `name`; -1 if it did not run.
  double time_of(const std::string& name) const { return median_seconds(name, &RunRecord::cpu_seconds); }

  /// Median wall seconds per iteration of `name`; -1 if it did not run.
  double real_time_of(const std::string& name) const { return median_seconds(name, &RunRecord::real_seconds); }

  /// Median of a counter of `name` over its runs; -1 if absent.
  double counter_of(const std::string& name, const std::string& counter) const {
    auto it = runs_.find(name);
    if (it != runs_.end() && !it->second.empty()) {
      std::vector<double> v;
      for (const auto& r : it->second) {
        auto c = r.counters.find(counter);
        if (c != r.counters.end()) v.push_back(c->second);
      }
      return median(v);
    }
    auto agg = aggregate_median_.find(name);
    if (agg == aggregate_median_.end()) return -1.0;
    auto c = agg->second.first.counters.find(counter);
    return c == agg->second.first.counters.end() ? -1.0 : c->second;
  }

  /// Number of repetitions behind time_of(name).
  std::size_t runs_of(const std::string& name) const {
    auto it = runs_.find(name);
    if (it != runs_.end() && !it->second.empty()) return it->second.size();
    auto agg = aggregate_median_.find(name);
    return agg == aggregate_median_.end() ? 0 : static_cast<std::size_t>(agg->second.second);
  }

  std::map<std::string, std::string> errors;  // benchmark name -> error message

 private:
  /// Median of `seconds` (cpu_seconds or real_seconds) over the runs of `name`; -1 if it did not run.
  double median_seconds(const std::string& name, double RunRecord::*seconds) const {
    auto it = runs_.find(name);
    if (it != runs_.end() && !it->second.empty()) {
      std::vector<double> v;
      for (const auto& r : it->second) v.push_back(r.*seconds);
      return median(v);
    }
    auto agg = aggregate_median_.find(name);
    return agg == aggregate_median_.end() ? -1.0 : agg->second.first.*seconds;
  }

  std::map<std::string, std::vector<RunRecord>> runs_;
  std::map<std::string, std::pair<RunRecord, std::int64_t>> aggregate_median_;  // record, repetitions
};

/// Runs the registered benchmarks with a collecting reporter (JSON on stdout with
/// --benchmark_format=json, else the console table) and hands it to `summary`, which prints after
/// the run (to stderr in JSON mode, so that stdout stays valid JSON).
template <class Summary>
void run_and_summarise(bool json, Summary&& summary) {
  if (json) {
    Collecting<benchmark::JSONReporter> reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    summary(reporter);
  } else {
    Collecting<benchmark::ConsoleReporter> reporter(isatty(STDOUT_FILENO) ? benchmark::ConsoleReporter::OO_ColorTabular
                                                                          : benchmark::ConsoleReporter::OO_Tabular);
    benchmark::RunSpecifiedBenchmarks(&reporter);
    summary(reporter);
  }
}

}  // namespace hessfit::bench
