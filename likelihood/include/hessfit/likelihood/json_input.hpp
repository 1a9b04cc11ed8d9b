// Reading JSON that other people wrote, within limits: a regular file of bounded size (FIFOs,
// devices and directories refused unread), bounded nesting, no duplicate keys (checked in linear
// time), no NUL in strings, numbers in range; every error located as file:line:col or by JSON
// path. workspace.hpp's read_json_file(path) and parse_json(text, source) use the default limits.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "hessfit/common/input.hpp"

namespace hessfit::likelihood {

/// What a JSON input may be (README.md, "Limits on input"); beyond them reading stops with an InputError.
struct JsonLimits {
  std::uintmax_t max_bytes = kMaxJsonBytes;  // file size; bigger files are refused unread
  std::size_t max_depth = 128;               // nesting of objects and arrays (a workspace needs 6)
};

/// Reads a JSON file within `limits`: a syntax error becomes an InputError
/// "<path>:<line>:<col>: invalid JSON: ...", a duplicate key, a NUL in a string or too deep
/// nesting an InputError naming the JSON path.
nlohmann::json read_json_file(const std::filesystem::path& path, const JsonLimits& limits);
/// Parses JSON text the same way, naming it `source`.
nlohmann::json parse_json(std::string_view text, const std::string& source, const JsonLimits& limits);
/// The same, keeping the order of object keys (a part of `hessfit merge`, whose merged output
/// keeps the key order of the unsharded one).
nlohmann::ordered_json parse_ordered_json(std::string_view text, const std::string& source, const JsonLimits& limits = {});

}  // namespace hessfit::likelihood
