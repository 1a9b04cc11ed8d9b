// What the commands that load a workspace or config as `fit` does (`hypotest`, `limit`,
// `significance`, `toys`) share: the model options turned into config overrides, and the
// "lo:hi:n" grids of POI values.
#pragma once

#include <charconv>
#include <cmath>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace hessfit::app {

/// --measurement, --patchset/--patch, --poi as `--set model.*=...` overrides after `sets`.
inline std::vector<std::string> model_sets(std::vector<std::string> sets, const std::string& measurement,
                                           const std::string& patchset, const std::string& patch, const std::string& poi) {
  const auto absolute = [](const std::string& p) { return std::filesystem::absolute(p).lexically_normal().generic_string(); };
  if (!measurement.empty()) sets.push_back("model.measurement=" + measurement);
  if (!patchset.empty()) sets.push_back("model.patchset=" + absolute(patchset));
  if (!patch.empty()) sets.push_back("model.patch=" + patch);
  if (!poi.empty()) sets.push_back("model.poi=" + poi);
  return sets;
}

/// "lo:hi:n" -> (lo, hi, n) with finite lo < hi and 2 <= n <= max_points; nothing if malformed.
inline std::optional<std::tuple<double, double, int>> parse_grid(const std::string& text, int max_points) {
  const auto a = text.find(':'), b = text.find(':', a == std::string::npos ? a : a + 1);
  if (a == std::string::npos || b == std::string::npos) return std::nullopt;
  double lo = 0.0, hi = 0.0;
  int n = 0;
  const auto num = [](std::string_view s, auto& v) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return ec == std::errc() && p == s.data() + s.size() && !s.empty();
  };
  const std::string_view t(text);
  if (!num(t.substr(0, a), lo) || !num(t.substr(a + 1, b - a - 1), hi) || !num(t.substr(b + 1), n)) return std::nullopt;
  if (!(std::isfinite(lo) && std::isfinite(hi) && lo < hi) || n < 2 || n > max_points) return std::nullopt;
  return std::tuple{lo, hi, n};
}

}  // namespace hessfit::app
