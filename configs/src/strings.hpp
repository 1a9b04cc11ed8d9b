// Small string helpers shared by the configs sources.
#pragma once

#include <string>
#include <string_view>

namespace hessfit::configs::detail {

/// out += sep + s, the separator only between items. (Also sidesteps GCC 12's false -Wrestrict
/// on `const char* + std::string&&`.)
inline void append_joined(std::string& out, std::string_view sep, std::string_view s) {
  if (!out.empty()) out += sep;
  out += s;
}

}  // namespace hessfit::configs::detail
