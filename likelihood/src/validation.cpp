#include "validation.hpp"

#include <algorithm>
#include <charconv>

namespace hessfit::likelihood::detail {

std::string join_list(const std::vector<std::string>& items, std::size_t limit) {
  std::string out;
  for (std::size_t i = 0; i < items.size() && i < limit; ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  if (items.size() > limit) out += ", ... (" + std::to_string(items.size()) + " in total)";
  return out;
}

std::string describe_type(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "an object";
    case json::value_t::array: return "an array";
    case json::value_t::string: return "a string";
    case json::value_t::boolean: return "a boolean";
    case json::value_t::null: return "null";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

bool Checker::object(const json& v, const std::string& path, const std::string& context,
                     std::initializer_list<std::string_view> required, std::initializer_list<std::string_view> allowed,
                     bool closed) {
  if (!v.is_object()) {
    add(located(path, context), "must be an object, got " + describe_type(v));
    return false;
  }
  for (const std::string_view key : required)
    if (!v.contains(key)) add(located(path, context), "missing required key " + quote(key));
  if (closed) {
    std::vector<std::string> names;
    for (const std::string_view key : allowed) names.emplace_back(key);
    for (const auto& [key, value] : v.items()) {
      if (std::find(allowed.begin(), allowed.end(), std::string_view(key)) == allowed.end())
        add(located(path, context), "unknown key " + quote(key) + " (allowed: " + join_list(names) + ")");
    }
  }
  return true;
}

bool Checker::array(const json& v, const std::string& path, const std::string& context, std::size_t min_items) {
  if (!v.is_array()) {
    add(located(path, context), "must be an array, got " + describe_type(v));
    return false;
  }
  if (v.size() < min_items) {
    add(located(path, context), min_items == 1 ? std::string("must not be empty")
                                               : "must have at least " + std::to_string(min_items) + " items, has " +
                                                     std::to_string(v.size()));
    return false;
  }
  return true;
}

std::optional<std::string> Checker::string(const json& v, const std::string& path, const std::string& context) {
  if (!v.is_string()) {
    add(located(path, context), "must be a string, got " + describe_type(v));
    return std::nullopt;
  }
  return v.get<std::string>();
}

std::optional<double> Checker::number(const json& v, const std::string& path, const std::string& context) {
  if (!v.is_number()) {
    add(located(path, context), "must be a number, got " + describe_type(v));
    return std::nullopt;
  }
  return v.get<double>();
}

std::optional<bool> Checker::boolean(const json& v, const std::string& path, const std::string& context) {
  if (!v.is_boolean()) {
    add(located(path, context), "must be a boolean, got " + describe_type(v));
    return std::nullopt;
  }
  return v.get<bool>();
}

std::optional<std::vector<double>> Checker::numbers(const json& v, const std::string& path, const std::string& context,
                                                    std::size_t min_items) {
  if (!array(v, path, context, min_items)) return std::nullopt;
  std::vector<double> out;
  out.reserve(v.size());
  bool good = true;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const json& item = v[i];
    if (!item.is_number()) {
      add(located(element(path, i), context), "must be a number, got " + describe_type(item));
      good = false;
      continue;
    }
    out.push_back(item.get<double>());
  }
  if (!good) return std::nullopt;
  return out;
}

}  // namespace hessfit::likelihood::detail
