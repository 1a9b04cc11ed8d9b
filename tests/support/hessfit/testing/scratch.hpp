// Scratch folders and shell quoting for end-to-end tests that run the hessfit executable.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <set>
#include <string>

namespace hessfit::testing {

/// `s` quoted for sh: 'it'\''s'.
inline std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

/// A fresh, empty folder "<tmp>/hessfit_<name>_<pid>" for one test.
inline std::filesystem::path scratch_folder(const std::string& name) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("hessfit_" + name + "_" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

/// Every entry under `dir`, as paths relative to it.
inline std::set<std::string> files_in(const std::filesystem::path& dir) {
  std::set<std::string> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    out.insert(std::filesystem::relative(e.path(), dir).generic_string());
  return out;
}

}  // namespace hessfit::testing
