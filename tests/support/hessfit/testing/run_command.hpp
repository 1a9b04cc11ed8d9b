// Runs a command line for end-to-end tests of the hessfit executable: its exit code and output.
#pragma once

#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace hessfit::testing {

struct CommandResult {
  int exit_code;
  std::string output;  // stdout, then stderr when `merge_stderr`
};

inline CommandResult run_command(const std::string& command, bool merge_stderr = true) {
  const std::string full = command + (merge_stderr ? " 2>&1" : " 2>/dev/null");
  FILE* pipe = popen(full.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("popen failed: " + command);
  std::string out;
  std::array<char, 4096> buffer{};
  std::size_t n;
  while ((n = fread(buffer.data(), 1, buffer.size(), pipe)) > 0) out.append(buffer.data(), n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

}  // namespace hessfit::testing
