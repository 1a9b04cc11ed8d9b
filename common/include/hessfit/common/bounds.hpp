// Bounds of a parameter: the closed interval a fit keeps it in. One definition for every
// component (a HistFactory parameter's suggested bounds, a fit objective's bounds).
#pragma once

#include <limits>

namespace hessfit {

/// A closed interval [lower, upper]; an infinite end means "no bound on that side". The default
/// is unbounded.
struct Bounds {
  double lower = -std::numeric_limits<double>::infinity();
  double upper = std::numeric_limits<double>::infinity();

  bool has_lower() const { return lower > -std::numeric_limits<double>::infinity(); }
  bool has_upper() const { return upper < std::numeric_limits<double>::infinity(); }
  bool contains(double v) const { return v >= lower && v <= upper; }
  double clamp(double v) const { return v < lower ? lower : (v > upper ? upper : v); }
  friend bool operator==(const Bounds&, const Bounds&) = default;
};

}  // namespace hessfit
