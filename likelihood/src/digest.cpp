#include "hessfit/likelihood/digest.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <cmath>
#include <stdexcept>
#include <string>
#include <system_error>

namespace hessfit::likelihood {
namespace {

void append_python_string(std::string& out, const std::string& s) {
  // json.encoder.py_encode_basestring: only '"', '\\' and C0 controls are escaped.
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

void append_python(std::string& out, const nlohmann::json& v) {
  using value_t = nlohmann::json::value_t;
  switch (v.type()) {
    case value_t::null: out += "null"; return;
    case value_t::boolean: out += v.get<bool>() ? "true" : "false"; return;
    case value_t::number_integer: out += std::to_string(v.get<std::int64_t>()); return;
    case value_t::number_unsigned: out += std::to_string(v.get<std::uint64_t>()); return;
    case value_t::number_float: out += python_float_repr(v.get<double>()); return;
    case value_t::string: append_python_string(out, v.get_ref<const std::string&>()); return;
    case value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : v) {
        if (!first) out += ", ";
        first = false;
        append_python(out, item);
      }
      out += ']';
      return;
    }
    case value_t::object: {
      // nlohmann::json keeps object keys in a std::map: sorted by UTF-8 bytes = by code point.
      out += '{';
      bool first = true;
      for (const auto& [key, item] : v.items()) {
        if (!first) out += ", ";
        first = false;
        append_python_string(out, key);
        out += ": ";
        append_python(out, item);
      }
      out += '}';
      return;
    }
    case value_t::binary:
    case value_t::discarded: throw std::invalid_argument("python_json_dumps: value has no JSON representation");
  }
}

}  // namespace

std::string python_float_repr(double x) {
  if (std::isnan(x)) return "nan";
  if (std::isinf(x)) return x > 0 ? "inf" : "-inf";
  // Shortest round-trip digits (as Python's dtoa mode 0) from to_chars in scientific form.
  char buf[64];
  const auto res = std::to_chars(buf, buf + sizeof buf, x, std::chars_format::scientific);
  const std::string sci(buf, res.ptr);
  std::string out;
  std::size_t i = 0;
  if (sci[0] == '-') {
    out += '-';
    i = 1;
  }
  const std::size_t epos = sci.find('e');
  std::string digits;
  for (std::size_t k = i; k < epos; ++k)
    if (sci[k] != '.') digits += sci[k];
  const int exponent = std::stoi(sci.substr(epos + 1));
  const int ndigits = static_cast<int>(digits.size());
  const int decpt = exponent + 1;  // value = 0.d1d2... x 10^decpt
  if (decpt <= -4 || decpt > 16) {
    out += digits[0];
    if (ndigits > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += exponent < 0 ? '-' : '+';
    const int e = std::abs(exponent);
    if (e < 10) out += '0';
    out += std::to_string(e);
  } else if (decpt <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-decpt), '0');
    out += digits;
  } else if (decpt >= ndigits) {
    out += digits;
    out.append(static_cast<std::size_t>(decpt - ndigits), '0');
    out += ".0";
  } else {
    out.append(digits, 0, static_cast<std::size_t>(decpt));
    out += '.';
    out.append(digits, static_cast<std::size_t>(decpt));
  }
  return out;
}

std::string python_json_dumps(const nlohmann::json& value) {
  std::string out;
  append_python(out, value);
  return out;
}

std::string hex_digest(std::string_view algorithm, std::string_view bytes) {
  const EVP_MD* md = nullptr;
  if (algorithm == "sha256")
    md = EVP_sha256();
  else if (algorithm == "md5")
    md = EVP_md5();
  else
    throw std::invalid_argument("hex_digest: unsupported digest algorithm '" + std::string(algorithm) +
                                "' (known: sha256, md5)");
  unsigned char hash[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (md == nullptr || EVP_Digest(bytes.data(), bytes.size(), hash, &length, md, nullptr) != 1)
    throw std::runtime_error("hex_digest: OpenSSL could not compute " + std::string(algorithm));
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int k = 0; k < length; ++k) {
    hex += kHex[hash[k] >> 4];
    hex += kHex[hash[k] & 0xf];
  }
  return hex;
}

std::string workspace_digest(const nlohmann::json& workspace, std::string_view algorithm) {
  return hex_digest(algorithm, python_json_dumps(workspace));
}

}  // namespace hessfit::likelihood
