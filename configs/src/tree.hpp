// The YAML document as a tree of located values: every node and every key knows the file, line
// and column it came from (or the --set option that put it there), so that validation can point
// at it. yaml-cpp parses; this tree is what the schema reads.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "hessfit/configs/error.hpp"

namespace hessfit::configs::detail {

struct Node {
  enum class Kind { kNull, kScalar, kSequence, kMap };
  Kind kind = Kind::kNull;
  std::string scalar;  // kScalar
  bool quoted = false; // a quoted scalar is always a string
  std::vector<Node> items;  // kSequence items; kMap values
  std::vector<std::string> keys;      // kMap
  std::vector<Location> key_where;    // kMap
  Location where;

  bool is_null() const { return kind == Kind::kNull; }
  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_sequence() const { return kind == Kind::kSequence; }
  bool is_map() const { return kind == Kind::kMap; }
  /// The value of `key` in a map, or nullptr.
  const Node* find(std::string_view key) const;
  Node* find(std::string_view key);
  /// "a mapping", "a list", "'abc'", "nothing": for "must be ..., got ..." messages.
  std::string describe() const;
};

/// Nesting limit of a config (the schema needs 5 levels).
inline constexpr std::size_t kMaxYamlDepth = 64;
/// Nodes a YAML text of `text_bytes` bytes may expand to through aliases: 2 per byte (more than a
/// text without aliases can hold) plus 10000.
std::size_t max_yaml_nodes(std::size_t text_bytes);

/// Parses YAML text (UTF-8, one document); syntax errors and duplicate keys go to `diagnostics` (the root is then
/// null or partial).
Node parse_yaml(const std::string& text, const std::string& source, Diagnostics& diagnostics);

/// Applies "key.path=value" to `root` (a map, created if null): the value is parsed as YAML
/// (flow syntax: "[a, b]", "{init: 1}") and located at the option; missing maps are created; a
/// numeric segment indexes a list.
void apply_set(Node& root, const std::string& assignment, Diagnostics& diagnostics);

/// Lowercases ASCII.
std::string lowercase(std::string_view s);

}  // namespace hessfit::configs::detail
