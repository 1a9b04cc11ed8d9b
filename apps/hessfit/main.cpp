// hessfit: profile-likelihood fits with exact Hessians. Subcommands live in cmd_*.cpp.
#include <algorithm>
#include <exception>
#include <new>
#include <iostream>

#include "command.hpp"
#include "hessfit/configs/report.hpp"
#include "distribute.hpp"
#include "ranks.hpp"

namespace hessfit::app {
std::vector<Command>& command_registry() {
  static std::vector<Command> registry;
  return registry;
}
}  // namespace hessfit::app

int main(int argc, char** argv) {
  using namespace hessfit::app;
  CLI::App app{"hessfit: profile-likelihood fits with exact (automatic-differentiation) Hessians",
               "hessfit"};
  app.set_version_flag("-V,--version", std::string("hessfit ") + HESSFIT_VERSION);
  app.require_subcommand(0, 1);
  app.footer(
      "Exit codes: 0 ok; 1 fit did not converge or covariance not accurate; 2 bad input; 3 out of memory;\n"
      "130/143 interrupted by SIGINT/SIGTERM (no partial report left).\n"
      "Run 'hessfit <command> --help' for the options of a command.");

  auto& registry = command_registry();
  std::sort(registry.begin(), registry.end(),
            [](const Command& a, const Command& b) { return a.order < b.order; });
  std::vector<std::pair<CLI::App*, std::function<int()>>> runners;
  for (const auto& command : registry) {
    CLI::App* sub = app.add_subcommand(command.name);
    runners.emplace_back(sub, command.attach(*sub));
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? kExitOk : kExitBadInput;
  }
  for (auto& [sub, run] : runners) {
    if (sub->parsed()) {
      for (int i = 1; i < argc; ++i)
        if (sub->get_name() == argv[i]) {
          command_arguments().assign(argv + i + 1, argv + argc);
          break;
        }
      // Under mpirun: `grid` splits its points over the ranks, `toys` and `fit` their toys and
      // impact refits (distribute.hpp); rank 0 alone prints and writes. The other commands run
      // on rank 0 alone (the same output as one process), the other ranks leave at once.
      const Ranks& ranks = Ranks::world();
      const std::string name = sub->get_name();
      if (ranks.size() > 1 && name != "grid" && name != "toys" && name != "fit") {
        if (!ranks.root()) return kExitOk;
        std::cerr << "hessfit " << name << ": runs on MPI rank 0 alone (" << ranks.size()
                  << " ranks started; grid, toys and fit split their work over ranks)\n";
      }
      if (ranks.size() > 1 && !ranks.root()) {
        std::cout.rdbuf(nullptr);  // rank 0 reports (failed work items of every rank included)
        std::cerr.rdbuf(nullptr);
      }
      try {
        return run();
      } catch (const hessfit::configs::ReportInterrupted& e) {  // SIGINT/SIGTERM while an output set was written
        std::cerr << "hessfit " << sub->get_name() << ": " << e.what() << "; the output folder holds no partial output\n";
        return hessfit::configs::kExitInterrupted + e.signal_number();
      } catch (const std::bad_alloc&) {
        std::cerr << "hessfit " << sub->get_name() << ": error: out of memory (the model or its input is too large for "
                  << "the memory available); nothing was written\n";
        return kExitResources;
      } catch (const std::exception& e) {
        std::cerr << "hessfit " << sub->get_name() << ": error: " << e.what() << "\n";
        return kExitBadInput;
      }
    }
  }
  std::cout << app.help();
  return kExitOk;
}
