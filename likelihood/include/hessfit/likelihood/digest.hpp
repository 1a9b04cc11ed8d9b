// Digests of JSON documents exactly as pyhf computes them (pyhf.utils.digest):
//
//   hashlib.<alg>(json.dumps(obj, sort_keys=True, ensure_ascii=False).encode("utf8")).hexdigest()
//
// python_json_dumps reproduces Python's serialisation byte for byte: separators ", " and ": ",
// keys sorted by code point, non-ASCII characters written raw, control characters escaped, integers
// as integers and floats in Python's repr (shortest round-trip digits; "1.0", "1e-05", "1e+16").
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace hessfit::likelihood {

/// json.dumps(value, sort_keys=True, ensure_ascii=False) as Python 3 writes it.
std::string python_json_dumps(const nlohmann::json& value);
/// Python's repr of a float: "1.0", "0.1", "1e-05", "1.2345678901234568e+17", "-0.0", "inf".
std::string python_float_repr(double x);

/// Lowercase hex digest of `bytes` by "sha256" or "md5" (OpenSSL); throws std::invalid_argument otherwise.
std::string hex_digest(std::string_view algorithm, std::string_view bytes);
/// The digest pyhf lists in a patchset's metadata for this workspace document.
std::string workspace_digest(const nlohmann::json& workspace, std::string_view algorithm = "sha256");

}  // namespace hessfit::likelihood
