// A statistical model for inference: a negative log-likelihood of parameters *and* data, as
// pyhf's Model.logpdf(pars, data), with the parameter state a fit starts from (values, bounds,
// fixed flags after a user's overrides), its parameter of interest, its constraints, the observed
// data and, where the model can give it, the expected data (pyhf's model.expected_data), from
// which Asimov data sets are made.
//
//   auto ws = hessfit::likelihood::Workspace::load("workspace.json");
//   hessfit::infer::Model model(ws.model());                       // a HistFactory model
//   model.objective().fix("alpha_jes", 0.0);                       // optional overrides
//   const hessfit::fit::Objective observed = model.objective();    // NLL on the observed data
//   const hessfit::fit::Objective asimov =
//       model.objective_for(model.expected_data(observed.values()));  // same parameters, other data
//
// The model itself is immutable and shared between copies; a data set costs a vector, not a model
// copy, so toys and Asimov fits are cheap and safe across threads. Any NLL written in C++ takes
// part through Model::from_functions(); one without expected data can be fitted but not tested
// (expected_data() throws a NoExpectedData error naming it).
#pragma once

#include <Eigen/Core>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "hessfit/fit/objective.hpp"
#include "hessfit/likelihood/model.hpp"

namespace hessfit::infer {

using likelihood::Constraint;

/// A constraint term of a parameter, for pulls, impacts and toys: the auxiliary measurement
/// `centre` with pre-fit width `sigma` (Gaussian: its sigma; Poisson: 1/sqrt(tau), the centre in
/// units of the parameter, a/tau).
struct ParameterConstraint {
  Constraint type = Constraint::kNone;
  double centre = 0.0;
  double sigma = 0.0;
};

/// How one entry of a data vector is distributed around its expectation (for pseudo-data).
struct DataDistribution {
  enum class Kind { kPoisson, kGaussian };
  Kind kind = Kind::kPoisson;
  double sigma = 0.0;  // kGaussian: the width
};

/// The model asked for what it cannot give (expected data of an NLL that has none).
class NoExpectedData : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

class Model {
 public:
  /// The pieces of a model written as C++ callables.
  struct DataFunctions {
    /// The NLL's evaluators on a data vector (observed.size() entries); as Objective::functions_of
    /// of a callable nll(x, data). Required.
    std::function<fit::Objective::Functions(const Eigen::VectorXd& data)> bind;
    /// Expected data at parameters x; empty when the model cannot give them (then no Asimov data,
    /// no CLs).
    std::function<Eigen::VectorXd(const Eigen::VectorXd& x)> expected_data;
    Eigen::VectorXd observed;
    /// Per data entry (empty: unknown, no pseudo-data).
    std::vector<DataDistribution> distributions;
  };

  /// A HistFactory model: parameters, bounds, fixed flags and POI as the workspace gives them.
  explicit Model(likelihood::Model model);
  explicit Model(std::shared_ptr<const likelihood::Model> model);

  /// Any NLL: `objective` is its NLL on the observed data with the parameters' defaults; `data`
  /// (optional) lets it be evaluated on other data. `poi` "" = none; `constraints` empty or one
  /// per parameter. `name` names the model in messages ("C++ NLL 'counting'").
  static Model from_functions(fit::Objective objective, std::string name, std::string poi = {},
                              std::vector<ParameterConstraint> constraints = {},
                              std::optional<DataFunctions> data = std::nullopt);

  /// "pyhf workspace 'x.json'", "C++ NLL 'decay'".
  const std::string& name() const noexcept { return name_; }

  /// The NLL on the observed data with the current parameter state (what a fit starts from).
  const fit::Objective& objective() const noexcept { return objective_; }
  /// The parameter state, to apply overrides (fix, release, set_value, set_bounds).
  fit::Objective& objective() noexcept { return objective_; }
  /// The NLL on another data set (same size as observed_data()), same parameter state.
  /// Throws std::invalid_argument for a data vector of the wrong size or with values the model
  /// refuses (naming the entry), NoExpectedData when the model cannot be evaluated on other data.
  fit::Objective objective_for(const Eigen::VectorXd& data) const;

  /// The parameter of interest (index into the parameters), if any.
  std::optional<int> poi() const noexcept { return poi_; }
  /// Its name, "" when the model has none.
  std::string poi_name() const { return poi_ ? objective_.name(*poi_) : std::string{}; }
  /// Sets the POI by name ("" = none); throws std::invalid_argument naming close names if unknown.
  void set_poi(std::string_view name);

  /// One per parameter (kNone for a free parameter).
  const std::vector<ParameterConstraint>& constraints() const noexcept { return constraints_; }

  const Eigen::VectorXd& observed_data() const noexcept { return data_->observed; }
  std::size_t data_size() const noexcept { return static_cast<std::size_t>(data_->observed.size()); }
  /// Whether the model can be evaluated on other data (Asimov data, toys).
  bool can_bind_data() const noexcept { return static_cast<bool>(data_->bind); }
  bool has_expected_data() const noexcept { return static_cast<bool>(data_->expected_data); }
  /// pyhf's model.expected_data(x) (main then auxiliary data). Throws NoExpectedData
  /// ("model 'decay' has no expected data: Asimov data and CLs are unavailable").
  Eigen::VectorXd expected_data(const Eigen::VectorXd& x) const;
  /// Per data entry, how it fluctuates (empty if the model does not say).
  const std::vector<DataDistribution>& data_distributions() const noexcept { return data_->distributions; }

  /// The HistFactory model behind this one, or nullptr.
  const likelihood::Model* histfactory() const noexcept { return histfactory_.get(); }

 private:
  Model(fit::Objective objective, std::string name) : name_(std::move(name)), objective_(std::move(objective)) {}
  std::string name_;
  fit::Objective objective_;
  std::optional<int> poi_;
  std::vector<ParameterConstraint> constraints_;
  std::shared_ptr<const DataFunctions> data_;
  std::shared_ptr<const likelihood::Model> histfactory_;
};

}  // namespace hessfit::infer
