// Large generated pyhf workspaces for the scale tests and benchmarks (issue 14): many channels
// and bins, per-bin staterror and shapesys gammas, a pool of shared normsys/histosys names,
// a normfactor POI and a lumi. Deterministic: a function of the spec alone (SplitMix64, no
// <random> distributions, whose output differs between standard libraries).
//
//   parameters = 2 (mu, lumi) + normsys_pool + histosys_pool (those used)
//              + channels * bins * (staterror) + channels * bins * shapesys_samples
#pragma once

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace hessfit::testing {

struct LargeWorkspaceSpec {
  std::string name = "generated";
  int channels = 10;
  int bins = 10;                 // per channel
  int backgrounds = 3;           // background samples per channel (plus one signal sample)
  int shapesys_samples = 1;      // backgrounds with a per-bin shapesys (names per channel and sample)
  bool staterror = true;         // one staterror per channel over the backgrounds
  int normsys_pool = 100;        // shared normsys names
  int histosys_pool = 10;        // shared histosys names
  int normsys_per_sample = 10;   // drawn from the pool for each (channel, sample)
  int histosys_per_sample = 1;
  std::uint64_t seed = 1;

  /// Parameters of the model this spec gives (every pool name is used at least once when the
  /// draws cover the pool, which generate() makes sure of).
  int parameters() const {
    return 2 + normsys_pool + histosys_pool + channels * bins * ((staterror ? 1 : 0) + shapesys_samples);
  }
};

/// The sizes of issue 14 (parameter counts in brackets).
inline LargeWorkspaceSpec atlas_like_625() {  // ~50 one-bin channels, 300 shapesys + 50 staterror gammas, 270 shared
  LargeWorkspaceSpec s;
  s.name = "gen-625";
  s.channels = 50, s.bins = 1, s.backgrounds = 6, s.shapesys_samples = 6, s.staterror = true;
  s.normsys_pool = 250, s.histosys_pool = 20, s.normsys_per_sample = 25, s.histosys_per_sample = 2, s.seed = 625;
  return s;  // 622
}
inline LargeWorkspaceSpec generated_1k() {
  LargeWorkspaceSpec s;
  s.name = "gen-1k";
  s.channels = 10, s.bins = 40, s.backgrounds = 3, s.shapesys_samples = 1, s.staterror = true;
  s.normsys_pool = 180, s.histosys_pool = 18, s.normsys_per_sample = 20, s.histosys_per_sample = 2, s.seed = 1000;
  return s;  // 1000
}
inline LargeWorkspaceSpec generated_3k() {
  LargeWorkspaceSpec s;
  s.name = "gen-3k";
  s.channels = 5, s.bins = 275, s.backgrounds = 3, s.shapesys_samples = 1, s.staterror = true;
  s.normsys_pool = 230, s.histosys_pool = 18, s.normsys_per_sample = 25, s.histosys_per_sample = 2, s.seed = 3000;
  return s;  // 3000
}
inline LargeWorkspaceSpec generated_10k() {
  LargeWorkspaceSpec s;
  s.name = "gen-10k";
  s.channels = 20, s.bins = 240, s.backgrounds = 3, s.shapesys_samples = 1, s.staterror = true;
  s.normsys_pool = 378, s.histosys_pool = 20, s.normsys_per_sample = 25, s.histosys_per_sample = 2, s.seed = 10000;
  return s;  // 10000
}

namespace detail {

struct SplitMix64 {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }  // [0, 1)
  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
  int below(int n) { return static_cast<int>(next() % static_cast<std::uint64_t>(n)); }
  double normal() {  // Box-Muller
    const double u1 = 1.0 - uniform(), u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * 3.14159265358979323846 * u2);
  }
};

// k distinct names of the pool, the i-th draw of a cursor first so that every name is used.
inline std::vector<int> draw(SplitMix64& rng, int pool, int k, int& cursor) {
  std::vector<int> out;
  if (pool <= 0) return out;
  k = std::min(k, pool);
  out.push_back(cursor++ % pool);
  while (static_cast<int>(out.size()) < k) {
    const int c = rng.below(pool);
    if (std::find(out.begin(), out.end(), c) == out.end()) out.push_back(c);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace detail

/// The workspace as pyhf JSON. Observations are Poisson-like fluctuations (normal approximation,
/// rounded, at least 0) of the nominal expectation with mu = 1.
inline nlohmann::json generate_workspace(const LargeWorkspaceSpec& s) {
  using nlohmann::json;
  detail::SplitMix64 rng{s.seed * 0x2545f4914f6cdd1dull + 17};
  json channels = json::array(), observations = json::array();
  int normsys_cursor = 0, histosys_cursor = 0;
  for (int c = 0; c < s.channels; ++c) {
    const std::string ch = "ch" + std::to_string(c);
    std::vector<double> total(static_cast<std::size_t>(s.bins), 0.0);
    json samples = json::array();
    for (int k = 0; k <= s.backgrounds; ++k) {
      const bool signal = k == 0;
      const std::string sample = signal ? "signal" : "bkg" + std::to_string(k);
      std::vector<double> nominal(static_cast<std::size_t>(s.bins));
      const double level = signal ? rng.uniform(15.0, 60.0) : rng.uniform(20.0, 200.0);
      const double slope = rng.uniform(-0.5, 0.5);
      for (int b = 0; b < s.bins; ++b) {
        const double t = s.bins > 1 ? static_cast<double>(b) / (s.bins - 1) : 0.5;
        nominal[static_cast<std::size_t>(b)] = level * (1.0 + slope * (t - 0.5)) * rng.uniform(0.8, 1.2);
        total[static_cast<std::size_t>(b)] += nominal[static_cast<std::size_t>(b)];
      }
      json modifiers = json::array();
      if (signal) modifiers.push_back({{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}});
      modifiers.push_back({{"name", "lumi"}, {"type", "lumi"}, {"data", nullptr}});
      for (const int j : detail::draw(rng, s.normsys_pool, s.normsys_per_sample, normsys_cursor)) {
        const double up = rng.uniform(0.01, 0.12), down = up * rng.uniform(0.6, 1.4);
        modifiers.push_back({{"name", "ns_" + std::to_string(j)}, {"type", "normsys"}, {"data", {{"hi", 1.0 + up}, {"lo", 1.0 - down}}}});
      }
      for (const int j : detail::draw(rng, s.histosys_pool, s.histosys_per_sample, histosys_cursor)) {
        std::vector<double> hi(nominal.size()), lo(nominal.size());
        const double tilt = rng.uniform(-0.08, 0.08);
        for (std::size_t b = 0; b < nominal.size(); ++b) {
          const double t = s.bins > 1 ? static_cast<double>(b) / (s.bins - 1) - 0.5 : 0.0;
          hi[b] = nominal[b] * (1.0 + 0.03 + tilt * t);
          lo[b] = nominal[b] * (1.0 - 0.025 - tilt * t);
        }
        modifiers.push_back({{"name", "hs_" + std::to_string(j)}, {"type", "histosys"}, {"data", {{"hi_data", hi}, {"lo_data", lo}}}});
      }
      if (!signal && s.staterror) {
        std::vector<double> err(nominal.size());
        for (std::size_t b = 0; b < nominal.size(); ++b) err[b] = nominal[b] * rng.uniform(0.02, 0.08);
        modifiers.push_back({{"name", "staterror_" + ch}, {"type", "staterror"}, {"data", err}});
      }
      if (!signal && k <= s.shapesys_samples) {
        std::vector<double> err(nominal.size());
        for (std::size_t b = 0; b < nominal.size(); ++b) err[b] = nominal[b] * rng.uniform(0.03, 0.15);
        modifiers.push_back({{"name", "shapesys_" + ch + "_" + sample}, {"type", "shapesys"}, {"data", err}});
      }
      samples.push_back({{"name", sample}, {"data", nominal}, {"modifiers", modifiers}});
    }
    std::vector<double> observed(total.size());
    for (std::size_t b = 0; b < total.size(); ++b)
      observed[b] = std::max(0.0, std::round(total[b] + std::sqrt(total[b]) * rng.normal()));
    channels.push_back({{"name", ch}, {"samples", samples}});
    observations.push_back({{"name", ch}, {"data", observed}});
  }
  json lumi = {{"name", "lumi"}, {"auxdata", {1.0}}, {"sigmas", {0.017}}, {"bounds", {{0.5, 1.5}}}, {"inits", {1.0}}};
  json mu = {{"name", "mu"}, {"bounds", {{-5.0, 10.0}}}, {"inits", {1.0}}};
  return {{"channels", channels},
          {"observations", observations},
          {"measurements", {{{"name", "meas"}, {"config", {{"poi", "mu"}, {"parameters", {lumi, mu}}}}}}},
          {"version", "1.0.0"}};
}

}  // namespace hessfit::testing
