#include "tree.hpp"

#include "hessfit/common/text.hpp"
#include "strings.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <numeric>
#include <tuple>

namespace hessfit::configs {

std::string Location::text() const {
  if (line <= 0) return source;
  return source + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Problem::text() const {
  const std::string w = where.text();
  return w.empty() ? message : w + ": " + message;
}

namespace {
std::string join_problems(const std::vector<Problem>& problems) {
  std::string out;
  for (const auto& p : problems) detail::append_joined(out, "\n", p.text());
  return out;
}
}  // namespace

ConfigError::ConfigError(std::vector<Problem> problems)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

void Diagnostics::error(Location where, std::string message) {
  problems_.push_back({std::move(where), std::move(message)});
}

std::vector<Problem> Diagnostics::sorted() const {
  // In the order of the file: by source (in order of first appearance), line, column.
  std::vector<std::string> sources;
  for (const auto& p : problems_)
    if (std::find(sources.begin(), sources.end(), p.where.source) == sources.end()) sources.push_back(p.where.source);
  auto key = [&](const Problem& p) {
    const auto rank = std::find(sources.begin(), sources.end(), p.where.source) - sources.begin();
    return std::tuple(rank, p.where.line, p.where.column);
  };
  std::vector<Problem> out = problems_;
  std::stable_sort(out.begin(), out.end(), [&](const Problem& a, const Problem& b) { return key(a) < key(b); });
  return out;
}

void Diagnostics::check() const {
  if (!problems_.empty()) throw ConfigError(sorted());
}

std::string nearest(const std::string& word, const std::vector<std::string>& candidates) {
  return nearest_name(word, candidates);
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  const std::string n = nearest(word, candidates);
  return n.empty() ? std::string{} : "; did you mean '" + n + "'?";
}

namespace detail {

std::string lowercase(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Node* Node::find(std::string_view key) const {
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

Node* Node::find(std::string_view key) {
  for (std::size_t i = 0; i < keys.size(); ++i)
    if (keys[i] == key) return &items[i];
  return nullptr;
}

std::string Node::describe() const {
  switch (kind) {
    case Kind::kNull: return "nothing";
    case Kind::kScalar: return "'" + scalar + "'";
    case Kind::kSequence: return "a list";
    case Kind::kMap: return "a mapping";
  }
  return "?";
}

namespace {

Location location_of(const YAML::Mark& mark, const std::string& source) {
  if (mark.is_null()) return {source, 0, 0};
  return {source, mark.line + 1, mark.column + 1};
}

Node convert(const YAML::Node& y, const std::string& source, Diagnostics& diagnostics) {
  Node n;
  n.where = location_of(y.Mark(), source);
  switch (y.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      n.kind = Node::Kind::kNull;
      break;
    case YAML::NodeType::Scalar:
      n.kind = Node::Kind::kScalar;
      n.scalar = y.Scalar();
      n.quoted = y.Tag() == "!";
      break;
    case YAML::NodeType::Sequence:
      n.kind = Node::Kind::kSequence;
      for (const auto& item : y) n.items.push_back(convert(item, source, diagnostics));
      break;
    case YAML::NodeType::Map:
      n.kind = Node::Kind::kMap;
      for (const auto& entry : y) {
        const Location key_where = location_of(entry.first.Mark(), source);
        if (!entry.first.IsScalar()) {
          diagnostics.error(key_where, "a key must be a plain name, not a list or a mapping");
          continue;
        }
        const std::string key = entry.first.Scalar();
        if (const auto it = std::find(n.keys.begin(), n.keys.end(), key); it != n.keys.end()) {
          const Location& first = n.key_where[static_cast<std::size_t>(it - n.keys.begin())];
          diagnostics.error(key_where, "duplicate key '" + key + "' (first given at line " + std::to_string(first.line) + ")");
          continue;
        }
        n.keys.push_back(key);
        n.key_where.push_back(key_where);
        n.items.push_back(convert(entry.second, source, diagnostics));
      }
      break;
  }
  return n;
}

}  // namespace

Node parse_yaml(const std::string& text, const std::string& source, Diagnostics& diagnostics) {
  try {
    const YAML::Node root = YAML::Load(text);
    Node n = convert(root, source, diagnostics);
    if (n.is_null()) n.where = {source, 0, 0};
    return n;
  } catch (const YAML::Exception& e) {
    diagnostics.error(location_of(e.mark, source), "invalid YAML: " + e.msg);
    return Node{Node::Kind::kNull, {}, false, {}, {}, {}, {source, 0, 0}};
  }
}

namespace {

void relocate(Node& n, const Location& where) {
  n.where = where;
  for (auto& w : n.key_where) w = where;
  for (auto& item : n.items) relocate(item, where);
}

bool parse_index(std::string_view s, std::size_t& index) {
  if (s.empty()) return false;
  const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), index);
  return ec == std::errc() && ptr == s.data() + s.size();
}

}  // namespace

void apply_set(Node& root, const std::string& assignment, Diagnostics& diagnostics) {
  const Location where{"--set " + assignment, 0, 0};
  const std::size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    diagnostics.error(where, "expected key.path=value (e.g. fit.minimizer=newton)");
    return;
  }
  const std::string path = assignment.substr(0, eq);
  const std::string value_text = assignment.substr(eq + 1);
  std::vector<std::string> segments;
  for (std::size_t start = 0;;) {
    const std::size_t dot = path.find('.', start);
    segments.push_back(path.substr(start, dot == std::string::npos ? std::string::npos : dot - start));
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  if (std::any_of(segments.begin(), segments.end(), [](const std::string& s) { return s.empty(); })) {
    diagnostics.error(where, "empty segment in the key path '" + path + "'");
    return;
  }
  Diagnostics value_problems;
  Node value = parse_yaml(value_text, where.source, value_problems);
  if (!value_problems.ok()) {
    std::string reason = value_problems.problems().front().message;
    diagnostics.error(where, "the value '" + value_text + "' is not valid YAML (" + reason +
                                 "); quote names with brackets or commas, e.g. '[\"staterror_SR[0]\", mu]'");
    return;
  }
  relocate(value, where);

  Node* node = &root;
  std::string walked;
  for (std::size_t s = 0; s < segments.size(); ++s) {
    const std::string& seg = segments[s];
    const bool last = s + 1 == segments.size();
    std::size_t index = 0;
    if (node->is_sequence() && parse_index(seg, index)) {
      if (index >= node->items.size()) {
        diagnostics.error(where, "'" + walked + "' has " + std::to_string(node->items.size()) + " entries, no index " + seg);
        return;
      }
      node = &node->items[index];
    } else {
      if (node->is_null()) {
        node->kind = Node::Kind::kMap;
        node->where = where;
      }
      if (!node->is_map()) {
        diagnostics.error(where, "'" + walked + "' is " + node->describe() + ", not a mapping with a key '" + seg + "'");
        return;
      }
      Node* child = node->find(seg);
      if (child == nullptr) {
        node->keys.push_back(seg);
        node->key_where.push_back(where);
        node->items.push_back(Node{Node::Kind::kNull, {}, false, {}, {}, {}, where});
        child = &node->items.back();
      }
      node = child;
    }
    detail::append_joined(walked, ".", seg);
    if (last) *node = value;
  }
}

}  // namespace detail
}  // namespace hessfit::configs
