// Models of the hypothesis-test and toy benchmarks (infer_bench.cpp, toys_bench.cpp):
//   - pyhf's documented example uncorrelated_background([12, 11], [50, 52], [3, 7]) with data [51, 48],
//   - "B3-like" models of p parameters: B3 of problems.hpp (a dense binned Poisson NLL, 2p bins,
//     3 samples whose yields depend on every nuisance parameter) with a signal s_b = 0.2 + 0.6 u
//     scaled by a POI mu and the 1/2 theta^2 term read as Gaussian constraints of auxiliary data
//     a_j = 0 (so that Asimov data and toys exist).
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hessfit/infer.hpp"
#include "hessfit/likelihood.hpp"
#include "problems.hpp"

namespace hessfit::bench {

namespace inf = hessfit::infer;
namespace lh = hessfit::likelihood;
namespace hb = hessfit::bench;

inline std::unique_ptr<inf::Model> pyhf_example() {
  const std::string text = R"({"channels": [{"name": "singlechannel", "samples": [
      {"name": "signal", "data": [12.0, 11.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
      {"name": "background", "data": [50.0, 52.0], "modifiers": [{"name": "uncorr_bkguncrt", "type": "shapesys", "data": [3.0, 7.0]}]}]}],
    "observations": [{"name": "singlechannel", "data": [51.0, 48.0]}],
    "measurements": [{"name": "Measurement", "config": {"poi": "mu", "parameters": []}}], "version": "1.0.0"})";
  return std::make_unique<inf::Model>(lh::Workspace::parse(text, "uncorrelated_background").model());
}

/// B3 with a signal and auxiliary data: x = [mu, theta_1..p], data = [d_b (2p bins), a_j (p)].
inline std::unique_ptr<inf::Model> b3_like(int p) {
  auto data = std::make_shared<const hb::B3Data>(hb::make_b3(p));
  std::mt19937_64 r(43);
  auto u = [&r] { return static_cast<double>(r() >> 11) * 0x1.0p-53; };
  auto signal = std::make_shared<std::vector<double>>(static_cast<std::size_t>(data->m));
  for (auto& s : *signal) s = 0.2 + 0.6 * u();
  auto rate = [data, signal](const auto& x, int b) {
    using std::exp;
    using S = std::remove_cvref_t<decltype(x[0])>;
    S nu = x[0] * (*signal)[static_cast<std::size_t>(b)];
    for (int s = 0; s < hb::kB3Samples; ++s) {
      S eta(0.0);
      for (int j = 0; j < data->p; ++j) eta += data->k(s, b, j) * x[j + 1];
      nu += data->n(s, b) * exp(eta);
    }
    return nu;
  };
  auto nll = [data, rate](const auto& x, const Eigen::VectorXd& d) {
    using std::log;
    using S = std::remove_cvref_t<decltype(x[0])>;
    S f(0.0);
    for (int b = 0; b < data->m; ++b) {
      const S nu = rate(x, b);
      f += nu - d[b] * log(nu);
    }
    for (int j = 0; j < data->p; ++j) {
      const S t = x[j + 1] - d[data->m + j];
      f += 0.5 * t * t;
    }
    return f;
  };
  Eigen::VectorXd observed(data->m + p);
  for (int b = 0; b < data->m; ++b) observed[b] = data->d(b);
  observed.tail(p).setZero();
  std::vector<std::string> names{"mu"};
  for (int j = 0; j < p; ++j) names.push_back("theta_" + std::to_string(j));
  Eigen::VectorXd init = Eigen::VectorXd::Zero(p + 1);
  init[0] = 1.0;
  std::vector<hessfit::Bounds> bounds(static_cast<std::size_t>(p + 1), hessfit::Bounds{-5.0, 5.0});
  bounds[0] = {0.0, 10.0};
  auto obs = std::make_shared<const Eigen::VectorXd>(observed);
  auto objective = hessfit::fit::Objective::from_callable([nll, obs](const auto& x) { return nll(x, *obs); }, names, init, bounds);
  inf::Model::DataFunctions fns;
  fns.observed = observed;
  fns.bind = [nll](const Eigen::VectorXd& values) {
    auto d = std::make_shared<const Eigen::VectorXd>(values);
    return hessfit::fit::Objective::functions_of([nll, d](const auto& x) { return nll(x, *d); });
  };
  fns.expected_data = [data, rate, p](const Eigen::VectorXd& x) -> Eigen::VectorXd {
    Eigen::VectorXd e(data->m + p);
    for (int b = 0; b < data->m; ++b) e[b] = rate(x, b);
    e.tail(p) = x.tail(p);
    return e;
  };
  // Pseudo-data: Poisson main bins, unit Gaussian auxiliary data.
  fns.distributions.assign(static_cast<std::size_t>(data->m), {inf::DataDistribution::Kind::kPoisson, 0.0});
  fns.distributions.resize(static_cast<std::size_t>(data->m + p), {inf::DataDistribution::Kind::kGaussian, 1.0});
  std::vector<inf::ParameterConstraint> constraints(static_cast<std::size_t>(p + 1));
  for (int j = 0; j < p; ++j) constraints[static_cast<std::size_t>(j + 1)] = {inf::Constraint::kGaussian, 0.0, 1.0};
  return std::make_unique<inf::Model>(inf::Model::from_functions(objective, "B3-like p=" + std::to_string(p), "mu", constraints, fns));
}

}  // namespace hessfit::bench
