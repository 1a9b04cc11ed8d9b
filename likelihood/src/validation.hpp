// Internal: helpers that check JSON values against a schema while collecting every problem.
#pragma once

#include "hessfit/common/text.hpp"

#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/likelihood/error.hpp"

namespace hessfit::likelihood::detail {

using json = nlohmann::json;

inline std::string member(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
inline std::string element(const std::string& path, std::size_t i) { return path + "[" + std::to_string(i) + "]"; }
/// "path (context)" when there is a context.
inline std::string located(const std::string& path, const std::string& context) {
  return context.empty() ? path : path + " (" + context + ")";
}
inline std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '\'';
  out += s;
  out += '\'';
  return out;
}

/// "a, b, c" (at most `limit` items, then ", ... (n in total)").
std::string join_list(const std::vector<std::string>& items, std::size_t limit = 12);
/// A number as a person would write it: shortest round-trip digits ("0.1", "1e-10", "3").
std::string format_number(double x);

class Checker {
 public:
  std::vector<Problem> problems;

  void add(std::string path, std::string message) { problems.push_back({std::move(path), std::move(message)}); }
  bool ok() const { return problems.empty(); }

  /// Reports unless v is an object; checks required and allowed keys (allowed = nullopt: any extra key).
  bool object(const json& v, const std::string& path, const std::string& context,
              std::initializer_list<std::string_view> required, std::initializer_list<std::string_view> allowed,
              bool closed = true);
  /// Reports unless v is an array (with at least `min_items` items).
  bool array(const json& v, const std::string& path, const std::string& context, std::size_t min_items);
  std::optional<std::string> string(const json& v, const std::string& path, const std::string& context);
  std::optional<double> number(const json& v, const std::string& path, const std::string& context);
  std::optional<bool> boolean(const json& v, const std::string& path, const std::string& context);
  /// An array of at least `min_items` numbers.
  std::optional<std::vector<double>> numbers(const json& v, const std::string& path, const std::string& context,
                                             std::size_t min_items = 1);
};

/// "an object", "an array", "a string", "a number", "a boolean", "null".
std::string describe_type(const json& v);

}  // namespace hessfit::likelihood::detail
