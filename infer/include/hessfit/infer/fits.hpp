// The fits hypothesis tests share: on one data set, the free fit and conditional fits at fixed
// values of the parameter of interest, and the Asimov data sets made from them.
//
// Warm starts. A conditional fit at POI = mu starts from the free fit moved by the linear
// predictor of its exact Hessian, x_hat + (mu - mu_hat) dx/dmu with dx/dmu = -H_OO^-1 H_O,mu,
// refined by chord steps (Newton steps with the free fit's inverse Hessian, for the price of a
// gradient each), then trust-region Newton with exact Hessians; if that fails, a second start
// from the model's initial values. Each start is a function of the fit's own POI value only --
// never of whichever other point finished first -- so results are identical for any order of
// evaluation and any thread count; conditional fits are memoised by POI value and shared by the
// callers (thread-safe).
//
// Asimov data (pyhf's generate_asimov_data): the model's expected data at the conditional fit
// to the observed data at POI = mu' ("postfit", a-posteriori: nuisance parameters *and*
// auxiliary data at their fitted values), or at the model's pre-fit values with the POI at mu'
// ("prefit", a-priori, for blinded analyses).
#pragma once

#include <Eigen/Core>

#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/profile.hpp"
#include "hessfit/infer/model.hpp"

namespace hessfit::infer {

enum class AsimovType {
  kPostfit,  // nuisance parameters and auxiliary data fitted to the observed data at POI = mu' (pyhf)
  kPrefit,   // the model's pre-fit values with POI = mu'
};
/// "postfit", "prefit".
std::string to_string(AsimovType type);
std::optional<AsimovType> parse_asimov_type(std::string_view name);

/// Options of the fits behind hypothesis tests, limits and significances.
struct InferenceOptions {
  /// Free fits to observed (or given) data; the engine's default (auto: Newton, then a probe for
  /// lower minima).
  fit::MinimizeOptions free_fit;
  /// Conditional fits at fixed POI values, and free fits to Asimov data (whose minimum is known):
  /// trust-region Newton from the warm start.
  fit::MinimizeOptions conditional_fit = fit::ProfileOptions{}.conditional;
  AsimovType asimov = AsimovType::kPostfit;
  /// Threads for independent curves and scan points (0 = all cores); results do not depend on it.
  int threads = 0;
};

/// Free and conditional fits of one model to one data set.
class PoiFits {
 public:
  /// `objective`: the NLL on the data set, with the parameter state to fit from; `poi`: its index.
  /// `free_poi_lower`: the POI's lower bound in the free fit (the tilde statistics pass
  /// max(lower, 0)). `known_minimum`: a point known to be the free minimum (Asimov data), fitted
  /// from there with the conditional-fit options.
  PoiFits(fit::Objective objective, int poi, double free_poi_lower, InferenceOptions options,
          std::optional<Eigen::VectorXd> known_minimum = std::nullopt);

  const fit::Objective& objective() const noexcept { return state_->objective; }
  int poi() const noexcept { return state_->poi; }
  /// The free fit (computed once, on first use).
  const fit::MinimizeResult& free_fit() const;
  /// mu_hat.
  double poi_hat() const { return free_fit().x[poi()]; }
  /// The conditional fit at POI = mu (memoised). mu may lie outside the POI's bounds (limits are
  /// searched past the upper bound, as pyhf does).
  std::shared_ptr<const fit::MinimizeResult> fixed_fit(double mu) const;

 private:
  struct State {
    explicit State(fit::Objective o) : objective(std::move(o)) {}
    fit::Objective objective;
    int poi = 0;
    double free_poi_lower = 0.0;
    InferenceOptions options;
    std::optional<Eigen::VectorXd> known_minimum;
    std::once_flag free_once;
    fit::MinimizeResult free;
    Eigen::VectorXd predictor;
    fit::Chord chord;
    std::mutex mutex;
    std::map<double, std::shared_ptr<const fit::MinimizeResult>> fixed;
  };
  void ensure_free() const;
  std::shared_ptr<State> state_;
};

/// The Asimov data set of POI = mu_asimov for `model`, from the fits to its data (`data_fits`:
/// the observed data's fits, for kPostfit) -- pyhf's generate_asimov_data. Returns the data and
/// the parameters it was generated at.
struct AsimovData {
  Eigen::VectorXd data;
  Eigen::VectorXd parameters;
  double poi_value = 0.0;
  AsimovType type = AsimovType::kPostfit;
  std::shared_ptr<const fit::MinimizeResult> fit;  // the conditional fit (kPostfit)
};
AsimovData make_asimov_data(const Model& model, const PoiFits& data_fits, double mu_asimov, AsimovType type);

}  // namespace hessfit::infer
