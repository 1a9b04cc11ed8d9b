// The checks that the `inference:` and `toys:` sections (and their command-line flags) share: every
// tested POI value inside the POI's bounds, a limit's scan or grid not starting below the lower
// bound, and the test of POI = 0 allowed by that bound.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <vector>

#include "hessfit/common/text.hpp"
#include "hessfit/configs/config.hpp"
#include "hessfit/configs/error.hpp"
#include "hessfit/infer/model.hpp"

namespace hessfit::configs::detail {

/// "'toys.hypotest': " for a location in a config file; "" for a command-line flag, whose
/// location already names it.
inline std::string key_prefix(const Location& where, const std::string& key) {
  return where.line > 0 ? "'" + key + "': " : std::string();
}

struct TestedValues {
  std::string section;                                      // "inference", "toys"
  const std::vector<Located<double>>* hypotest = nullptr;   // POI values to test
  const std::optional<Located<std::array<double, 2>>>* range = nullptr;  // a limit's scan/grid
  std::string range_key;                                    // "limit.scan.range", "limit.grid.range"
  std::string range_name;                                   // "scan", "grid"
  bool significance = false;
  Location significance_where;
};

/// Adds an error to `d` for every tested value the model's POI bounds exclude.
inline void check_tested_values(const infer::Model& model, const TestedValues& t, Diagnostics& d) {
  const Bounds b = model.objective().bounds(*model.poi());
  const auto& s = t.section;
  if (t.hypotest)
    for (const auto& v : *t.hypotest)
      if (v.value < b.lower || v.value > b.upper)
        d.error(v.where, key_prefix(v.where, s + ".hypotest") + "the tested value " + model.poi_name() + " = " +
                             format_shortest(v.value) + " is outside the POI's bounds [" + format_shortest(b.lower) + ", " +
                             format_shortest(b.upper) + "]");
  if (t.range && *t.range && (*t.range)->value[0] < b.lower) {
    const Location& where = (*t.range)->where;
    d.error(where, key_prefix(where, s + "." + t.range_key) + "the " + t.range_name + " starts at " +
                       format_shortest((*t.range)->value[0]) + ", below the POI's lower bound " + format_shortest(b.lower));
  }
  if (t.significance && b.lower > 0.0)
    d.error(t.significance_where, key_prefix(t.significance_where, s + ".significance") + "the test of " + model.poi_name() +
                                      " = 0 lies below the POI's lower bound " + format_shortest(b.lower));
}

}  // namespace hessfit::configs::detail
