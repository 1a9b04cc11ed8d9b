#include "tree.hpp"

#include "hessfit/common/text.hpp"
#include "strings.hpp"

#include <fmt/format.h>
#include <yaml-cpp/depthguard.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include "hessfit/common/input.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <numeric>
#include <sstream>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

namespace hessfit::configs {

std::string Location::text() const {
  if (line <= 0) return source;
  return source + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string Suggestion::text() const {
  if (std::string hint = did_you_mean(word, candidates); !hint.empty()) return hint;
  if (list_as.empty()) return {};
  std::string out;
  for (const auto& c : candidates) detail::append_joined(out, ", ", c);
  return " (" + list_as + ": " + out + ")";
}

std::string Problem::text() const {
  const std::string w = where.text();
  const std::string m = suggestion ? message + suggestion->text() : message;
  return w.empty() ? m : w + ": " + m;
}

void Problem::complete() {
  if (!suggestion) return;
  message += suggestion->text();
  suggestion.reset();
}

namespace {
std::vector<Problem> complete_shown(std::vector<Problem> problems) {
  for (std::size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) problems[i].complete();
  return problems;
}

std::string join_problems(const std::vector<Problem>& problems) {
  std::string out;
  for (std::size_t i = 0; i < problems.size() && i < kMaxProblemsShown; ++i) detail::append_joined(out, "\n", problems[i].text());
  if (problems.size() > kMaxProblemsShown) out += "\n... and " + std::to_string(problems.size() - kMaxProblemsShown) + " more";
  return out;
}
}  // namespace

ConfigError::ConfigError(std::vector<Problem> problems) : ConfigError(complete_shown(std::move(problems)), Completed{}) {}

ConfigError::ConfigError(std::vector<Problem> problems, Completed)
    : std::runtime_error(join_problems(problems)), problems_(std::move(problems)) {}

void Diagnostics::error(Location where, std::string message) {
  problems_.push_back({std::move(where), std::move(message)});
}

void Diagnostics::error(Location where, std::string message, Suggestion suggestion) {
  problems_.push_back({std::move(where), std::move(message), std::move(suggestion)});
}

std::vector<Problem> Diagnostics::sorted() const {
  // In the order of the file: by source (in order of first appearance), line, column. Every
  // `--set` is a source of its own, so the ranks are looked up, not searched for.
  std::unordered_map<std::string_view, std::size_t> rank_of;
  for (const auto& p : problems_) rank_of.try_emplace(p.where.source, rank_of.size());
  std::vector<std::pair<std::tuple<std::size_t, int, int>, std::size_t>> order;  // key, index
  order.reserve(problems_.size());
  for (std::size_t i = 0; i < problems_.size(); ++i) {
    const Location& w = problems_[i].where;
    order.push_back({{rank_of.at(w.source), w.line, w.column}, i});
  }
  std::stable_sort(order.begin(), order.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  std::vector<Problem> out;
  out.reserve(problems_.size());
  for (const auto& [key, i] : order) out.push_back(problems_[i]);
  return complete_shown(std::move(out));
}

void Diagnostics::check() const {
  if (!problems_.empty()) throw ConfigError(sorted());
}

std::string Diagnostics::report(const std::string& command, const std::string& outcome) const {
  // Bounded: 10^5 problems must not print megabytes.
  std::string out = join_problems(sorted());
  if (!out.empty()) out += "\n";
  const std::size_t n = problems_.size();
  return out + command + ": " + std::to_string(n) + (n == 1 ? " problem" : " problems") + outcome + "\n";
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

/// Where the documents of a YAML stream start, found without building them. yaml-cpp's LoadAll
/// loops for ever on a ',' after a top-level flow collection (`[1],`: an endless run of empty
/// documents at the ',', memory growing without bound); a document that starts where the previous
/// one started is that case.
class DocumentStarts : public YAML::EventHandler {
 public:
  std::vector<YAML::Mark> marks;
  void OnDocumentStart(const YAML::Mark& mark) override { marks.push_back(mark); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t, const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t, YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

/// The conversion of one document: aliases are expanded here (yaml-cpp shares aliased nodes), so
/// a cycle (`a: &x [*x]`) must be refused and the expanded size bounded ("billion laughs": nine
/// levels of ten aliases are 10^9 nodes from 600 bytes).
struct Converter {
  const std::string& source;
  Diagnostics& diagnostics;
  std::size_t limit;   // nodes the document may expand to
  std::size_t budget = limit;  // nodes left to create
  std::vector<YAML::Node> ancestors{};
  bool stopped = false;

  Node convert(const YAML::Node& y) {
    Node n;
    n.where = location_of(y.Mark(), source);
    if (stopped) return n;
    if (budget == 0) {
      diagnostics.error(n.where, "the YAML aliases expand to more than " + std::to_string(limit) +
                                     " nodes; refusing the expansion (is an anchor used many times over?)");
      stopped = true;
      return n;
    }
    --budget;
    for (const auto& a : ancestors) {
      if (a.is(y)) {
        diagnostics.error(n.where, "the YAML alias refers to a node that contains it (a cycle); a config must be a tree");
        stopped = true;
        return n;
      }
    }
    if (ancestors.size() >= kMaxYamlDepth) {
      diagnostics.error(n.where, "nesting deeper than " + std::to_string(kMaxYamlDepth) + " levels");
      stopped = true;
      return n;
    }
    switch (y.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        n.kind = Node::Kind::kNull;
        break;
      case YAML::NodeType::Scalar:
        n.kind = Node::Kind::kScalar;
        n.scalar = y.Scalar();
        n.quoted = y.Tag() == "!";
        if (n.scalar.find('\0') != std::string::npos) diagnostics.error(n.where, "the value contains a NUL character");
        break;
      case YAML::NodeType::Sequence:
        n.kind = Node::Kind::kSequence;
        ancestors.push_back(y);
        for (const auto& item : y) {
          n.items.push_back(convert(item));
          if (stopped) break;
        }
        ancestors.pop_back();
        break;
      case YAML::NodeType::Map:
        n.kind = Node::Kind::kMap;
        ancestors.push_back(y);
        std::unordered_map<std::string, std::size_t> seen;  // key -> index: linear in the number of keys
        for (const auto& entry : y) {
          if (stopped) break;
          const Location key_where = location_of(entry.first.Mark(), source);
          if (!entry.first.IsScalar()) {
            diagnostics.error(key_where, "a key must be a plain name, not a list or a mapping");
            continue;
          }
          const std::string key = entry.first.Scalar();
          if (key.find('\0') != std::string::npos) diagnostics.error(key_where, "the key contains a NUL character");
          if (const auto it = seen.find(key); it != seen.end()) {
            const Location& first = n.key_where[it->second];
            diagnostics.error(key_where, "duplicate key '" + abbreviate(key) + "' (first given at line " + std::to_string(first.line) + ")");
            continue;
          }
          seen.emplace(key, n.keys.size());
          n.keys.push_back(key);
          n.key_where.push_back(key_where);
          n.items.push_back(convert(entry.second));
        }
        ancestors.pop_back();
        break;
    }
    return n;
  }
};

}  // namespace

std::size_t max_yaml_nodes(std::size_t text_bytes) { return 2 * text_bytes + 10000; }

Node parse_yaml(const std::string& text, const std::string& source, Diagnostics& diagnostics) {
  const Node empty{Node::Kind::kNull, {}, false, {}, {}, {}, {source, 0, 0}};
  if (const std::size_t bad = find_invalid_utf8(text); bad != std::string::npos) {
    const TextPosition at = position_of(text, bad);
    diagnostics.error({source, static_cast<int>(at.line), static_cast<int>(at.column)},
                      fmt::format("invalid UTF-8 (byte 0x{:02x}); a config must be UTF-8 text", static_cast<unsigned char>(text[bad])));
    return empty;
  }
  try {
    // Count the documents first (YAML::LoadAll would never return on `[1],`), then load the one.
    std::istringstream stream(text);
    YAML::Parser parser(stream);
    DocumentStarts starts;
    while (parser.HandleNextDocument(starts)) {
      const auto& m = starts.marks;
      if (m.size() >= 2 && m[m.size() - 1].pos == m[m.size() - 2].pos) {
        const YAML::Mark& at = m[m.size() - 2];
        const char c = at.pos >= 0 && static_cast<std::size_t>(at.pos) < text.size() ? text[static_cast<std::size_t>(at.pos)] : ' ';
        diagnostics.error(location_of(at, source), fmt::format("invalid YAML: unexpected '{}' after the end of the document", c));
        return empty;
      }
    }
    if (starts.marks.empty()) return empty;
    if (starts.marks.size() > 1) {
      diagnostics.error(location_of(starts.marks[1], source),
                        "the file holds " + std::to_string(starts.marks.size()) +
                            " YAML documents (separated by '---'); a config is one document");
      return empty;
    }
    Converter converter{source, diagnostics, max_yaml_nodes(text.size())};
    Node n = converter.convert(YAML::Load(text));
    if (converter.stopped) return empty;
    if (n.is_null()) n.where = {source, 0, 0};
    return n;
  } catch (const YAML::DeepRecursion& e) {
    diagnostics.error(location_of(e.mark, source), "invalid YAML: nesting too deep (" + std::to_string(e.depth()) + " levels)");
    return empty;
  } catch (const YAML::Exception& e) {
    diagnostics.error(location_of(e.mark, source), "invalid YAML: " + e.msg);
    return empty;
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
