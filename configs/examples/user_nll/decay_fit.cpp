// A user's own fitting program: an unbinned decay-time likelihood written in C++, registered by
// name, and fitted from a YAML config exactly as `hessfit fit` would (same report, same exit
// codes). Build: target hessfit_user_nll_example. Run:
//
//   hessfit_user_nll_example configs/examples/user_nll/decay.yaml [--out DIR] [--set k=v] [--threads N] [--quiet]
//
// The model: decay times t_i observed in a window [0, T], a fraction f from an exponential decay
// of lifetime tau and the rest flat (background):
//
//   p(t) = f exp(-t / tau) / (tau (1 - exp(-T / tau))) + (1 - f) / T,     NLL = -sum_i log p(t_i)
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "hessfit/configs/nll_registry.hpp"
#include "hessfit/configs/run.hpp"

namespace {

hessfit::configs::NllModel build_decay(const hessfit::configs::NllArguments& args) {
  using hessfit::configs::NllArgumentError;
  const std::vector<double> times = args.vector("times");
  const double window = args.number("window");
  if (!(window > 0.0)) throw NllArgumentError("window", "'window' must be positive");
  for (const double t : times)
    if (t < 0.0 || t > window) throw NllArgumentError("times", "every decay time must lie in [0, window]");

  // Written once with `auto` scalars: hessfit::ad differentiates it exactly (gradient and Hessian).
  auto nll = [times, window](const auto& p) {
    using std::exp;
    using std::log;
    const auto& tau = p[0];
    const auto& f = p[1];
    const auto norm = tau * (1.0 - exp(-window / tau));
    auto sum = 0.0 * tau;
    for (const double t : times) sum -= log(f * exp(-t / tau) / norm + (1.0 - f) / window);
    return sum;
  };
  return hessfit::configs::make_nll_model(nll,
                                          {{.name = "tau", .init = 1.0, .bounds = {0.05, 20.0}},
                                           {.name = "f", .init = 0.5, .bounds = {0.0, 1.0}}},
                                          "tau");
}

}  // namespace

int main(int argc, char** argv) {
  hessfit::configs::register_nll(
      "decay", {.description = "unbinned exponential decay times on a flat background",
                .arguments = {{.name = "times", .description = "the measured decay times"},
                              {.name = "window", .description = "the observation window [0, window]"}},
                .build = build_decay});

  hessfit::configs::RunOptions options;
  std::vector<std::string> args(argv + 1, argv + argc);
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    const bool has_value = i + 1 < args.size();
    if ((a == "--out" || a == "-o") && has_value) options.output_directory = args[++i];
    else if ((a == "--set" || a == "-s") && has_value) options.sets.push_back(args[++i]);
    else if ((a == "--threads" || a == "-j") && has_value) options.threads = std::atoi(args[++i].c_str());
    else if (a == "--quiet" || a == "-q") options.quiet = true;
    else if (options.config.empty() && !a.starts_with("-")) options.config = a;
    else {
      std::cerr << "usage: " << argv[0] << " CONFIG.yaml [--out DIR] [--set key.path=value] [--threads N] [--quiet]\n";
      return hessfit::configs::kExitBadInput;
    }
  }
  if (options.config.empty()) {
    std::cerr << "usage: " << argv[0] << " CONFIG.yaml [--out DIR] [--set key.path=value] [--threads N] [--quiet]\n";
    return hessfit::configs::kExitBadInput;
  }
  return hessfit::configs::run_fit_command(options, std::cout, std::cerr);
}
