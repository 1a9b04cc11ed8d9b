#include "hessfit/infer/significance.hpp"

#include <algorithm>
#include <cmath>

namespace hessfit::infer {

SignificanceResult significance(const Eigen::VectorXd& data, const Model& model, const InferenceOptions& options) {
  const AsymptoticCalculator calc(model, data, TestStatistic::kQ0, options);
  const HypotestResult h = calc.hypotest(0.0);
  SignificanceResult r;
  r.poi = model.poi_name();
  r.mu_hat = h.mu_hat;
  r.ok = h.ok;
  r.message = h.message;
  r.observed.q0 = h.q_obs;
  r.observed.p0 = h.clsb_obs;
  r.observed.z = std::sqrt(std::max(h.q_obs, 0.0));
  r.expected.q0 = h.q_asimov;
  r.expected.p0 = h.clsb_exp[2];
  r.expected.z = std::sqrt(std::max(h.q_asimov, 0.0));
  r.expected_p0_band = h.clsb_exp;
  return r;
}

SignificanceResult significance(const Model& model, const InferenceOptions& options) {
  return significance(model.observed_data(), model, options);
}

}  // namespace hessfit::infer
