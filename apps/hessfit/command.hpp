// Subcommands of the `hessfit` executable register themselves here, so that each lives in its
// own cmd_<name>.cpp and main.cpp never changes when one is added.
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <string>
#include <vector>

#include "hessfit/configs/exit_codes.hpp"

namespace hessfit::app {

/// Exit codes shared by every subcommand (documented in README.md).
using configs::kExitBadInput;
using configs::kExitNumerical;
using configs::kExitOk;
using configs::kExitResources;

struct Command {
  std::string name;
  int order;  // position in --help
  /// Adds the subcommand to `app` and returns the function that runs it after parsing.
  std::function<std::function<int()>(CLI::App& app)> attach;
};

std::vector<Command>& command_registry();

struct RegisterCommand {
  explicit RegisterCommand(Command command) { command_registry().push_back(std::move(command)); }
};

}  // namespace hessfit::app
