// Reading JSON with error positions as file:line:col.
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include "hessfit/likelihood/error.hpp"
#include "hessfit/likelihood/workspace.hpp"

namespace hessfit::likelihood {
namespace {

/// nlohmann's message without its "[json.exception.parse_error.101] parse error at line 1, column 2: " prefix.
std::string clean_parse_message(const std::string& what) {
  std::string msg = what;
  if (const auto bracket = msg.find("] "); msg.rfind("[json.exception.", 0) == 0 && bracket != std::string::npos)
    msg.erase(0, bracket + 2);
  if (msg.rfind("parse error", 0) == 0) {
    const auto colon = msg.find(": ");
    if (colon != std::string::npos) msg.erase(0, colon + 2);
  }
  return msg;
}

}  // namespace

nlohmann::json parse_json(std::string_view text, const std::string& source) {
  try {
    return nlohmann::json::parse(text.begin(), text.end());
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is the 1-based index of the character where parsing failed (size + 1 at the end).
    // At the end of the input the error is after the last character.
    const std::string message = clean_parse_message(e.what());
    std::size_t offending = std::min<std::size_t>(e.byte == 0 ? 0 : e.byte - 1, text.size());
    if (message.find("unexpected end of input") != std::string::npos) offending = text.size();
    std::size_t line = 1, line_start = 0;
    for (std::size_t i = 0; i < offending; ++i) {
      if (text[i] == '\n') {
        ++line;
        line_start = i + 1;
      }
    }
    const std::size_t column = offending - line_start + 1;
    throw InputError(source + ":" + std::to_string(line) + ":" + std::to_string(column), "",
                     "invalid JSON: " + message);
  }
}

nlohmann::json read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path.string(), "", std::string("cannot open file: ") + std::strerror(errno));
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw InputError(path.string(), "", "cannot read file");
  return parse_json(buffer.view(), path.string());
}

}  // namespace hessfit::likelihood
