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
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hessfit/configs/error.hpp"
#include "hessfit/fit/objective.hpp"

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

/// A constraint term of a parameter, for pulls and impacts: the auxiliary measurement `centre`
/// with pre-fit width `sigma`.
enum class ConstraintType { kNone, kGaussian, kPoisson };
/// "none", "gaussian", "poisson".
std::string to_string(ConstraintType type);

struct ParameterConstraint {
  ConstraintType type = ConstraintType::kNone;
  double centre = 0.0;
  double sigma = 0.0;
};

/// A parameter of a C++ NLL.
struct NllParameter {
  std::string name;
  double init = 0.0;
  fit::Bounds bounds{};  // default: unbounded
  bool fixed = false;
  ParameterConstraint constraint{};  // kNone: a free (unconstrained) parameter
};

/// What an NLL builder returns: the objective (names, starting values, bounds, error
/// definition), its parameter of interest ("" = none) and the constraint of every parameter
/// (empty, or one per parameter).
struct NllModel {
  fit::Objective objective;
  std::string poi;
  std::vector<ParameterConstraint> constraints;
};

/// An NllModel from a generic callable `nll(const auto& x)` (x: Eigen vector of any hessfit
/// scalar) differentiated exactly by hessfit::ad. Throws std::invalid_argument for inconsistent
/// parameters (duplicate names, init outside bounds, unknown POI).
template <class F>
NllModel make_nll_model(F nll, const std::vector<NllParameter>& parameters, std::string poi = {},
                        double errordef = fit::kErrorDefNll) {
  std::vector<std::string> names;
  Eigen::VectorXd init(static_cast<Eigen::Index>(parameters.size()));
  std::vector<fit::Bounds> bounds;
  std::vector<ParameterConstraint> constraints;
  for (std::size_t i = 0; i < parameters.size(); ++i) {
    names.push_back(parameters[i].name);
    init[static_cast<Eigen::Index>(i)] = parameters[i].init;
    bounds.push_back(parameters[i].bounds);
    constraints.push_back(parameters[i].constraint);
  }
  NllModel model{fit::Objective::from_callable(std::move(nll), std::move(names), std::move(init),
                                               std::move(bounds), errordef),
                 std::move(poi), std::move(constraints)};
  for (std::size_t i = 0; i < parameters.size(); ++i)
    if (parameters[i].fixed) model.objective.fix(static_cast<int>(i));
  if (!model.poi.empty() && !model.objective.find(model.poi))
    throw std::invalid_argument("the POI '" + model.poi + "' is not a parameter of the NLL");
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
