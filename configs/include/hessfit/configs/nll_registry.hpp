// Negative log-likelihoods written in C++ and registered by name, so that a YAML config can fit
// them exactly like a HistFactory workspace:
//
//   model:
//     nll: counting                 # the registered name
//     parameters: [mu, b]           # optional: rename the parameters, in order
//     data: {n: 25, s: 10, b0: 12, sigma_b: 3}   # arguments handed to the NLL's builder
//
// A user registers an NLL before running a config (see configs/examples/user_nll/):
//
//   hessfit::configs::register_nll("decay", {
//       .description = "unbinned exponential decay-time likelihood",
//       .arguments = {{.name = "times", .description = "measured decay times"}},
//       .build = [](const hessfit::configs::NllArguments& args) {
//         const std::vector<double> t = args.vector("times");
//         auto nll = [t](const auto& p) {        // written once with `auto` scalars: the exact
//           using std::log;                      // gradient and Hessian come from hessfit::ad
//           auto f = 0.0 * p[0];
//           for (double ti : t) f += log(p[0]) + ti / p[0];
//           return f;
//         };
//         return hessfit::configs::make_nll_model(nll, {{.name = "tau", .init = 1.0, .bounds = {1e-6, 100.0}}}, "tau");
//       }});
//
// Built in (always registered): `gaussian` (a multivariate Gaussian measurement, covariance
// known exactly) and `counting` (Poisson counting in one or more bins with Gaussian-constrained
// backgrounds). Their arguments are listed by `registered_nlls()` and in configs/README.md.
#pragma once

#include <Eigen/Core>

#include <cstddef>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hessfit/configs/error.hpp"
#include "hessfit/fit/objective.hpp"
#include "hessfit/infer/model.hpp"

namespace hessfit::configs {

/// A bad or missing argument of a registered NLL; the config layer points at its place.
class NllArgumentError : public std::invalid_argument {
 public:
  NllArgumentError(std::string argument, const std::string& message)
      : std::invalid_argument(message), argument_(std::move(argument)) {}
  const std::string& argument() const noexcept { return argument_; }

 private:
  std::string argument_;
};

/// One value of `model.data`: a number, a list of numbers, a matrix (list of equal-length lists)
/// or a string.
struct NllArgument {
  std::vector<double> values;      // row-major for a matrix
  std::vector<std::size_t> shape;  // {} number, {n} list, {rows, cols} matrix
  std::string text;                // for a string
  bool is_text = false;
  Location where;
};

/// The `model.data` mapping handed to an NLL's builder. Accessors throw NllArgumentError naming
/// the argument when it is missing or has the wrong shape.
class NllArguments {
 public:
  NllArguments() = default;
  explicit NllArguments(std::map<std::string, NllArgument> values) : values_(std::move(values)) {}

  bool has(const std::string& name) const { return values_.contains(name); }
  double number(const std::string& name) const;
  double number(const std::string& name, double fallback) const { return has(name) ? number(name) : fallback; }
  /// A number is a list of one.
  std::vector<double> vector(const std::string& name) const;
  Eigen::MatrixXd matrix(const std::string& name) const;
  std::string text(const std::string& name) const;
  const std::map<std::string, NllArgument>& all() const noexcept { return values_; }

 private:
  const NllArgument& get(const std::string& name) const;
  std::map<std::string, NllArgument> values_;
};

/// A parameter's constraint (pulls, impacts, toys): Constraint::kGaussian / kPoisson with the
/// auxiliary measurement's centre and pre-fit width, or kNone for a free parameter.
using infer::Constraint;
using infer::ParameterConstraint;

/// A parameter of a C++ NLL.
struct NllParameter {
  std::string name;
  double init = 0.0;
  Bounds bounds{};  // default: unbounded
  bool fixed = false;
  ParameterConstraint constraint{};  // kNone: a free (unconstrained) parameter
};

/// What an NLL builder returns: the objective (names, starting values, bounds, error
/// definition), its parameter of interest ("" = none), the constraint of every parameter (empty,
/// or one per parameter) and, for an NLL of the data as well (make_nll_model_with_data), the data
/// functions that make Asimov data, CLs, limits and toys available.
struct NllModel {
  fit::Objective objective;
  std::string poi;
  std::vector<ParameterConstraint> constraints;
  std::optional<infer::Model::DataFunctions> data;
};

/// An NllModel from a generic callable `nll(const auto& x)` (x: Eigen vector of any hessfit
/// scalar) differentiated exactly by hessfit::ad. Throws std::invalid_argument for inconsistent
/// parameters (duplicate names, init outside bounds, unknown POI). Such a model is fitted but not
/// tested: without expected data there are no Asimov data and no CLs.
template <class F>
NllModel make_nll_model(F nll, const std::vector<NllParameter>& parameters, std::string poi = {},
                        double errordef = fit::kErrorDefNll) {
  std::vector<std::string> names;
  Eigen::VectorXd init(static_cast<Eigen::Index>(parameters.size()));
  std::vector<Bounds> bounds;
  std::vector<ParameterConstraint> constraints;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    names.push_back(parameters[i].name);
    init[static_cast<Eigen::Index>(i)] = parameters[i].init;
    bounds.push_back(parameters[i].bounds);
    constraints.push_back(parameters[i].constraint);
  }
  NllModel model{fit::Objective::from_callable(std::move(nll), std::move(names), std::move(init),
                                               std::move(bounds), errordef),
                 std::move(poi), std::move(constraints), std::nullopt};
  for (std::size_t i = 0; i < parameters.size(); ++i)
    if (parameters[i].fixed) model.objective.fix(static_cast<int>(i));
  if (!model.poi.empty() && !model.objective.find(model.poi))
    throw std::invalid_argument("the POI '" + model.poi + "' is not a parameter of the NLL");
  return model;
}

/// An NllModel of the parameters *and* the data, as pyhf's logpdf(pars, data):
/// `nll(x, data)` (x: Eigen vector of any hessfit scalar, data: Eigen::VectorXd), the `observed`
/// data vector, and `expected(x)` giving the data expected at parameters x (double), from which
/// Asimov data sets are made. `distributions` (optional, one per data entry) says how each entry
/// fluctuates, for pseudo-data. Such a model can be tested: hypotest, limits, significance.
template <class F, class E>
NllModel make_nll_model_with_data(F nll, Eigen::VectorXd observed, E expected, const std::vector<NllParameter>& parameters,
                                  std::string poi = {}, std::vector<infer::DataDistribution> distributions = {},
                                  double errordef = fit::kErrorDefNll) {
  auto shared_nll = std::make_shared<const F>(std::move(nll));
  auto observed_data = std::make_shared<const Eigen::VectorXd>(observed);
  NllModel model = make_nll_model([shared_nll, observed_data](const auto& x) { return (*shared_nll)(x, *observed_data); },
                                  parameters, std::move(poi), errordef);
  infer::Model::DataFunctions data;
  data.observed = std::move(observed);
  data.bind = [shared_nll](const Eigen::VectorXd& values) {
    auto d = std::make_shared<const Eigen::VectorXd>(values);
    return fit::Objective::functions_of([shared_nll, d](const auto& x) { return (*shared_nll)(x, *d); });
  };
  data.expected_data = [expected = std::move(expected)](const Eigen::VectorXd& x) -> Eigen::VectorXd { return expected(x); };
  data.distributions = std::move(distributions);
  model.data = std::move(data);
  return model;
}

struct NllArgumentSpec {
  std::string name;
  std::string description;
  bool required = true;
};

struct NllDefinition {
  std::string description;
  /// The accepted keys of `model.data` (others are reported as unknown, with a suggestion).
  std::vector<NllArgumentSpec> arguments;
  /// Builds the model; throws NllArgumentError (or std::invalid_argument) for bad arguments.
  std::function<NllModel(const NllArguments&)> build;
};

/// Registers `definition` under `name`. Throws std::invalid_argument if the name is taken or
/// `build` is empty. Thread-safe.
void register_nll(const std::string& name, NllDefinition definition);
/// The definition registered as `name`, or nullptr. The built-ins are always there.
const NllDefinition* find_nll(std::string_view name);
/// All registered names, sorted.
std::vector<std::string> registered_nlls();

}  // namespace hessfit::configs
