// Numbers in the JSON the reports write (results.json, toys.json, --json): a non-finite value (an
// unbounded side, an undefined error, a failed fit's statistic) is written as null.
#pragma once

#include <cmath>

#include <nlohmann/json.hpp>

namespace hessfit::configs::detail {

/// v, or null when v is not finite. Json: nlohmann::json or nlohmann::ordered_json.
template <class Json>
Json json_number(double v) {
  return std::isfinite(v) ? Json(v) : Json(nullptr);
}

/// An array of json_number of every element of a range of doubles (std::array, std::vector,
/// Eigen::VectorXd).
template <class Json, class Range>
Json json_numbers(const Range& values) {
  Json a = Json::array();
  for (const double v : values) a.push_back(json_number<Json>(v));
  return a;
}

}  // namespace hessfit::configs::detail
