// Asymptotic hypothesis tests of a POI value (pyhf's hypotest with the asymptotic calculator):
//
//   hessfit::infer::Model model(workspace.model());
//   const auto r = hessfit::infer::hypotest(1.0, model.observed_data(), model);   // q~_mu
//   // r.cls_obs, r.cls_exp (pyhf's order), r.q_obs, r.q_asimov
//
// The statistics and formulas are in test_statistics.hpp, the fits and Asimov data in fits.hpp.
// Numerical trouble (a fit that does not converge, a conditional fit below the free one) is
// reported in `ok`/`message`, never thrown; bad arguments (no POI, a fixed POI, a value outside
// the POI's bounds, a model without expected data) throw std::invalid_argument.
#pragma once

#include <Eigen/Core>

#include <array>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "hessfit/infer/fits.hpp"
#include "hessfit/infer/model.hpp"
#include "hessfit/infer/test_statistics.hpp"

namespace hessfit::infer {

struct [[nodiscard]] HypotestResult {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double mu = kNaN;  // the tested POI value
  TestStatistic statistic = TestStatistic::kQTildeMu;
  double q_obs = kNaN;     // the statistic on the data
  double q_asimov = kNaN;  // the statistic on the Asimov data of mu' (asimov_poi(statistic))
  double ts = kNaN;        // pyhf's transformed statistic (AsymptoticCalculator.teststatistic)
  /// CLs+b, CLb, CLs of the data (NaN for the two-sided statistics).
  double clsb_obs = kNaN, clb_obs = kNaN, cls_obs = kNaN;
  /// The expected band in pyhf's order (ascending CLs: -2, -1, 0, +1, +2 sigma).
  std::array<double, 5> clsb_exp{kNaN, kNaN, kNaN, kNaN, kNaN};
  std::array<double, 5> clb_exp{kNaN, kNaN, kNaN, kNaN, kNaN};
  std::array<double, 5> cls_exp{kNaN, kNaN, kNaN, kNaN, kNaN};
  /// The statistic's p-value: CLs+b for q~ and q, p0 for q0, the two-sided p-value for t and t~.
  double p_value = kNaN;
  double mu_hat = kNaN;         // free fit to the data
  double mu_hat_asimov = kNaN;  // free fit to the Asimov data
  /// All fits converged and no conditional fit went below its free fit.
  bool ok = true;
  std::string message;  // "" when ok, else what went wrong
};

/// The calculator of one model, data set and statistic: the fits to the data and to its Asimov
/// data, shared by every POI value tested (memoised, thread-safe).
class AsymptoticCalculator {
 public:
  /// Throws std::invalid_argument: no POI, the POI fixed, a model without expected data, data of
  /// the wrong size.
  AsymptoticCalculator(const Model& model, const Eigen::VectorXd& data,
                       TestStatistic statistic = TestStatistic::kQTildeMu, InferenceOptions options = {});

  const Model& model() const noexcept { return *model_; }
  TestStatistic statistic() const noexcept { return statistic_; }
  const InferenceOptions& options() const noexcept { return options_; }
  int poi() const noexcept { return poi_; }
  /// The fits to the data, and to the Asimov data set (made on first use).
  const PoiFits& data_fits() const noexcept { return data_fits_; }
  const PoiFits& asimov_fits() const;
  const AsimovData& asimov() const;

  /// The test at POI = mu. Throws std::invalid_argument if mu is not finite or outside the POI's
  /// bounds (use allow_past_bound for limits searched past the upper bound).
  HypotestResult hypotest(double mu, bool allow_past_bound = false) const;

  /// q and qA at mu with the fits' status; what hypotest() and the limit solver build on.
  struct Statistics {
    double q = HypotestResult::kNaN, q_asimov = HypotestResult::kNaN;
    bool ok = true;
    std::string message;
  };
  Statistics statistics(double mu, bool with_data = true) const;

 private:
  void ensure_asimov() const;
  std::shared_ptr<const Model> model_;
  TestStatistic statistic_;
  InferenceOptions options_;
  int poi_ = 0;
  double free_lower_ = 0.0;
  PoiFits data_fits_;
  struct Lazy;
  std::shared_ptr<Lazy> lazy_;
};

/// pyhf.infer.hypotest(mu, data, model, test_stat=...): the asymptotic test of POI = mu on `data`
/// (the observed data, an Asimov or a toy data set).
HypotestResult hypotest(double mu, const Eigen::VectorXd& data, const Model& model,
                        TestStatistic statistic = TestStatistic::kQTildeMu, const InferenceOptions& options = {});
/// On the observed data.
HypotestResult hypotest(double mu, const Model& model, TestStatistic statistic = TestStatistic::kQTildeMu,
                        const InferenceOptions& options = {});

/// Checks that `model` can be tested: a POI that is free, expected data. Throws
/// std::invalid_argument / NoExpectedData with the reason ("the model has no POI: ...").
void check_testable(const Model& model);

}  // namespace hessfit::infer
