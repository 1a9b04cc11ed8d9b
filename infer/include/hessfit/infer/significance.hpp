// Discovery significance (Combine's Significance, pyhf's hypotest with test_stat="q0"): the test
// of the background-only hypothesis POI = 0 with q0 (test_statistics.hpp),
//
//   observed:  q0 on the data,           p0 = Phi(-sqrt(q0)),   Z = sqrt(q0) = Phi^-1(1 - p0)
//   expected:  q0 on the Asimov data of POI = 1 (a-posteriori by default: nuisance parameters
//              fitted to the data at POI = 1),   p0 = Phi(-sqrt(q0_A)),   Z = sqrt(q0_A)
//
// with the expected band p0 at +-1, +-2 sigma in pyhf's order (ascending p0).
#pragma once

#include <array>
#include <limits>
#include <string>

#include "hessfit/infer/hypotest.hpp"

namespace hessfit::infer {

struct Significance {
  double q0 = std::numeric_limits<double>::quiet_NaN();
  double p0 = std::numeric_limits<double>::quiet_NaN();
  double z = std::numeric_limits<double>::quiet_NaN();
};

struct [[nodiscard]] SignificanceResult {
  std::string poi;
  Significance observed;
  Significance expected;  // the Asimov data of POI = 1 (the median)
  /// Expected p0 at -2, -1, 0, +1, +2 sigma (pyhf's order: ascending p0).
  std::array<double, 5> expected_p0_band{};
  double mu_hat = std::numeric_limits<double>::quiet_NaN();
  bool ok = true;
  std::string message;
};

SignificanceResult significance(const Eigen::VectorXd& data, const Model& model, const InferenceOptions& options = {});
/// On the observed data.
SignificanceResult significance(const Model& model, const InferenceOptions& options = {});

}  // namespace hessfit::infer
