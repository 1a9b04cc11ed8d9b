// Reading JSON that other people wrote: a SAX pass builds the document while it checks what
// nlohmann's parser lets through (duplicate keys, where the last would silently win; NUL in
// strings; nesting deeper than the limit) and locates every error as file:line:col or by JSON
// path. Duplicate keys are found with one hash set per open object: linear in the input.
#include <string>
#include <unordered_set>
#include <vector>

#include "hessfit/common/input.hpp"
#include "hessfit/likelihood/error.hpp"
#include "hessfit/likelihood/json_input.hpp"
#include "hessfit/likelihood/workspace.hpp"

namespace hessfit::likelihood {
namespace {

/// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix,
/// with long echoed tokens (a 20 MB digit string) cut short.
std::string clean_parse_message(const std::string& what) {
  std::string msg = what;
  if (const auto bracket = msg.find("] "); msg.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos)
    msg.erase(0, bracket + 2);
  if (msg.rfind("parse error", 0) == 0) {
    const auto colon = msg.find(": ");
    if (colon != std::string::npos) msg.erase(0, colon + 2);
  }
  return abbreviate(msg, 160);
}

/// The DOM builder of nlohmann::json (or ordered_json) with the checks above; stops at the first
/// syntax error.
template <class json>
class CheckingHandler {
 public:
  CheckingHandler(json& root, const JsonLimits& limits) : dom_(root, false), limits_(limits) {}

  bool null() { return value() && dom_.null(); }
  bool boolean(bool v) { return value() && dom_.boolean(v); }
  bool number_integer(typename json::number_integer_t v) { return value() && dom_.number_integer(v); }
  bool number_unsigned(typename json::number_unsigned_t v) { return value() && dom_.number_unsigned(v); }
  bool number_float(typename json::number_float_t v, const typename json::string_t& s) { return value() && dom_.number_float(v, s); }
  bool binary(typename json::binary_t& v) { return value() && dom_.binary(v); }
  bool string(typename json::string_t& v) {
    if (v.find('\0') != std::string::npos) problem(path(), "the string contains a NUL character (\\u0000)");
    return value() && dom_.string(v);
  }
  bool start_object(std::size_t n) {
    if (!value() || !open()) return false;
    frames_.push_back({true, 0, {}, {}});
    return dom_.start_object(n);
  }
  bool key(typename json::string_t& k) {
    Frame& f = frames_.back();
    f.key = k;  // the path of a problem names this key
    if (!f.keys.insert(k).second) problem(path(), "duplicate key '" + abbreviate(k) + "' (JSON keeps only one of them)");
    if (k.find('\0') != std::string::npos) problem(path(), "the key contains a NUL character (\\u0000)");
    return dom_.key(k);
  }
  bool end_object() {
    frames_.pop_back();
    return dom_.end_object();
  }
  bool start_array(std::size_t n) {
    if (!value() || !open()) return false;
    frames_.push_back({false, 0, {}, {}});
    return dom_.start_array(n);
  }
  bool end_array() {
    frames_.pop_back();
    return dom_.end_array();
  }
  template <class Exception>
  bool parse_error(std::size_t position, const std::string& last_token, const Exception& e) {
    syntax_error_ = true;
    error_position_ = position;
    // A number out of range is reported after its last character: point at its first instead.
    if (e.id == 406 && last_token.size() <= position) error_position_ = position - last_token.size() + 1;
    // An out-of-range number (1e999) comes as out_of_range 406 "number overflow parsing '...'".
    error_message_ = clean_parse_message(e.what());
    return false;
  }

  bool syntax_error() const { return syntax_error_; }
  std::size_t error_position() const { return error_position_; }
  const std::string& error_message() const { return error_message_; }
  std::vector<Problem>& problems() { return problems_; }
  bool too_deep() const { return too_deep_; }

 private:
  struct Frame {
    bool object;
    std::size_t index;                   // arrays: the next element
    std::string key;                     // objects: the current key
    std::unordered_set<std::string> keys;  // objects: keys seen so far
  };

  /// A value begins (in an array it takes the next index).
  bool value() {
    if (!frames_.empty() && !frames_.back().object) ++frames_.back().index;
    return !too_deep_;
  }
  bool open() {
    if (frames_.size() >= limits_.max_depth) {
      problem(path(), "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
      too_deep_ = true;
      return false;
    }
    return true;
  }
  /// "channels[2].samples[0]" of the value being read.
  std::string path() const {
    std::string p;
    for (const Frame& f : frames_) {
      if (f.object) {
        if (!p.empty()) p += '.';
        p += abbreviate(f.key);
      } else {
        p += '[';
        p += std::to_string(f.index == 0 ? 0 : f.index - 1);
        p += ']';
      }
    }
    return p;
  }
  void problem(std::string where, std::string message) { problems_.push_back({std::move(where), std::move(message)}); }

  nlohmann::detail::json_sax_dom_parser<json> dom_;
  JsonLimits limits_;
  std::vector<Frame> frames_;
  std::vector<Problem> problems_;
  bool too_deep_ = false;
  bool syntax_error_ = false;
  std::size_t error_position_ = 0;
  std::string error_message_;
};

template <class json>
json parse_checked(std::string_view text, const std::string& source, const JsonLimits& limits) {
  json root;
  CheckingHandler<json> handler(root, limits);
  json::sax_parse(text.begin(), text.end(), &handler, nlohmann::detail::input_format_t::json, true);
  if (handler.syntax_error()) {
    // The position is the number of characters read: the offending one is the last read (at the
    // end of the input the error is after the last character).
    std::size_t offending = std::min<std::size_t>(handler.error_position() == 0 ? 0 : handler.error_position() - 1, text.size());
    if (handler.error_message().find("unexpected end of input") != std::string::npos) offending = text.size();
    const TextPosition at = position_of(text, offending);
    throw InputError(source + ":" + std::to_string(at.line) + ":" + std::to_string(at.column), "",
                     "invalid JSON: " + handler.error_message());
  }
  if (!handler.problems().empty()) throw InputError(source, std::move(handler.problems()));
  return root;
}

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& source, const JsonLimits& limits) {
  return parse_checked<nlohmann::json>(text, source, limits);
}

nlohmann::ordered_json parse_ordered_json(std::string_view text, const std::string& source, const JsonLimits& limits) {
  return parse_checked<nlohmann::ordered_json>(text, source, limits);
}

nlohmann::json read_json_file(const std::filesystem::path& path, const JsonLimits& limits) {
  std::string text;
  try {
    text = read_input_file(path, limits.max_bytes);
  } catch (const InputFileError& e) {
    throw InputError(path.string(), "", e.what());
  }
  return parse_json(text, path.string(), limits);
}

nlohmann::json read_json_file(const std::filesystem::path& path) { return read_json_file(path, JsonLimits{}); }

nlohmann::json parse_json(std::string_view text, const std::string& source) { return parse_json(text, source, JsonLimits{}); }

}  // namespace hessfit::likelihood
