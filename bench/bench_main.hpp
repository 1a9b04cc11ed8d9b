// What the benchmark executables' main() share: their own command-line options taken out of argv
// before Google Benchmark reads the rest, the run with the collecting reporter of bench_report.hpp
// and its summary, and the exit status of the checks made along the way.
//
//   int main(int argc, char** argv) {
//     const auto json = hb::initialize(argc, argv, {{"--data_dir=", [](const std::string& v) { data_dir = v; }}});
//     if (!json) return 1;
//     register_cases();
//     return hb::run(*json, [](std::ostream& out, const auto& rep) { print_summary(out, rep); },
//                    "some results failed their checks (see CHECK FAILED above).");
//   }
#pragma once

#include <benchmark/benchmark.h>

#include <cstdio>
#include <functional>
#include <iostream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "bench_report.hpp"

namespace hessfit::bench {

/// Set by every failed check (check() below, or a program's own); run() then returns 1.
inline bool any_check_failed = false;

/// A failed check: "CHECK FAILED: <what>" on stderr, and the program will exit with status 1.
inline void check(bool ok, const std::string& what) {
  if (ok) return;
  any_check_failed = true;
  std::fprintf(stderr, "CHECK FAILED: %s\n", what.c_str());
}

/// One of a program's own options. A `name` ending in '=' takes the rest of the argument as its
/// value ("--data_dir=" matches "--data_dir=DIR", value "DIR"); any other name is a flag matched
/// exactly ("--no_probe", value "").
struct Option {
  std::string name;
  std::function<void(const std::string& value)> set;
};

/// Takes the program's own `options` out of argv, hands the rest to Google Benchmark, and returns
/// whether the output is JSON (--benchmark_format=json). An argument neither knows: Google
/// Benchmark reports it and the result is empty (main then returns 1).
inline std::optional<bool> initialize(int argc, char** argv, const std::vector<Option>& options) {
  bool json = false;
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    const std::string a = argv[i];
    const Option* own = nullptr;
    for (const auto& o : options) {
      const bool takes_value = !o.name.empty() && o.name.back() == '=';
      if (takes_value ? a.rfind(o.name, 0) == 0 : a == o.name) {
        own = &o;
        break;
      }
    }
    if (own) {
      own->set(a.substr(own->name.size()));
      continue;
    }
    if (a == "--benchmark_format=json") json = true;
    args.push_back(argv[i]);
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return std::nullopt;
  return json;
}

/// Runs the registered benchmarks (run_and_summarise), hands `summary(out, reporter)` the stream
/// the summary goes to (stdout; stderr in JSON mode, so that stdout stays valid JSON), shuts Google
/// Benchmark down, and returns main's exit status: 1, with "ERROR: <failure>" on stderr, if a check
/// failed.
template <class Summary>
int run(bool json, Summary&& summary, const char* failure) {
  run_and_summarise(json, [&](const auto& reporter) { summary(json ? std::cerr : std::cout, reporter); });
  benchmark::Shutdown();
  if (any_check_failed) {
    std::fprintf(stderr, "\nERROR: %s\n", failure);
    return 1;
  }
  return 0;
}

}  // namespace hessfit::bench
