#include "hessfit/common/text.hpp"
#include "hessfit/common/edit_distance.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <numeric>

namespace hessfit {

namespace {

std::string non_finite(double x) { return std::isnan(x) ? "nan" : (x > 0 ? "inf" : "-inf"); }

/// "-0", "-0.000" and "+0.000" print without a sign.
std::string unsigned_zero(std::string s) {
  if (!s.empty() && (s[0] == '-' || s[0] == '+') && s.find_first_of("123456789") == std::string::npos) s.erase(0, 1);
  return s;
}

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

}  // namespace

std::string format_shortest(double x) {
  if (!std::isfinite(x)) return non_finite(x);
  return fmt::format("{}", x);
}

std::string format_significant(double x, int digits) {
  if (!std::isfinite(x)) return non_finite(x);
  return unsigned_zero(fmt::format("{:.{}g}", x, std::max(1, digits)));
}

std::string format_spec(std::string_view spec, double x) {
  if (!std::isfinite(x)) return non_finite(x);
  return unsigned_zero(fmt::vformat(spec, fmt::make_format_args(x)));
}

std::string format_seconds(double s) {
  if (!std::isfinite(s)) return non_finite(s);
  if (s < 1e-3) return fmt::format("{:.0f} \u00b5s", s * 1e6);
  if (s < 1.0) return fmt::format("{:.3g} ms", s * 1e3);
  return fmt::format("{:.3g} s", s);
}

std::string format_percent(double p) { return fmt::format("{:.4g}%", 100.0 * p); }

std::size_t edit_distance_within(std::string_view a, std::string_view b, std::size_t limit) {
  // Three rolling rows of the optimal-string-alignment table: memory O(|b|). A row's smallest
  // entry is at least the smaller of the previous row's and the one before's plus one: once two
  // rows in a row are above `limit`, so is every later row, and the distance.
  const std::size_t m = b.size();
  std::vector<std::size_t> before(m + 1), previous(m + 1), current(m + 1);
  std::iota(previous.begin(), previous.end(), std::size_t{0});
  std::size_t previous_min = 0;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    current[0] = i;
    std::size_t current_min = i;
    for (std::size_t j = 1; j <= m; ++j) {
      const std::size_t cost = lower(a[i - 1]) == lower(b[j - 1]) ? 0 : 1;
      current[j] = std::min({previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost});
      if (i > 1 && j > 1 && lower(a[i - 1]) == lower(b[j - 2]) && lower(a[i - 2]) == lower(b[j - 1]))
        current[j] = std::min(current[j], before[j - 2] + 1);
      current_min = std::min(current_min, current[j]);
    }
    if (current_min > limit && previous_min >= limit) return limit + 1;
    previous_min = current_min;
    std::swap(before, previous);
    std::swap(previous, current);
  }
  return previous[m];
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  return edit_distance_within(a, b, std::numeric_limits<std::size_t>::max() - 1);
}

std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max() - 1, best_prefix = 0;
  for (const auto& c : candidates) {
    // Only a candidate at most best_distance away can win or tie: the distance is at least the
    // difference of the lengths, and beyond best_distance it need not be exact (a fuzzed config
    // with long unknown keys spent most of its time here).
    const std::size_t length_difference = word.size() > c.size() ? word.size() - c.size() : c.size() - word.size();
    if (length_difference > best_distance) continue;
    const std::size_t d = edit_distance_within(word, c, best_distance);
    std::size_t prefix = 0;
    while (prefix < word.size() && prefix < c.size() && lower(word[prefix]) == lower(c[prefix])) ++prefix;
    // Ties go to the longer common prefix: "b" -> "b0" rather than "n".
    if (d < best_distance || (d == best_distance && prefix > best_prefix)) {
      best_distance = d;
      best_prefix = prefix;
      best = c;
    }
  }
  const std::size_t longer = std::max(word.size(), best.size());
  const std::size_t allowed = std::clamp<std::size_t>(longer / 3, 1, 4);
  if (best.empty() || best_distance <= allowed) return best;
  // One a prefix of the other ("minos" for "minos_cl").
  const std::size_t shorter = std::min(word.size(), best.size());
  if (shorter >= 3 && best_prefix == shorter) return best;
  return {};
}

std::vector<std::string> closest_names(std::string_view word, const std::vector<std::string>& candidates,
                                       std::size_t count) {
  std::vector<std::pair<std::size_t, std::size_t>> scored;
  scored.reserve(candidates.size());
  for (std::size_t i = 0; i < candidates.size(); ++i) scored.emplace_back(edit_distance(word, candidates[i]), i);
  std::stable_sort(scored.begin(), scored.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<std::string> out;
  for (std::size_t k = 0; k < scored.size() && k < count; ++k) out.push_back(candidates[scored[k].second]);
  return out;
}

}  // namespace hessfit
