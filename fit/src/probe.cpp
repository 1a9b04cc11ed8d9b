// The probe for lower minima of Method::kAuto (see minimize.hpp).
#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "free_problem.hpp"
#include "probe.hpp"
#include "profile_core.hpp"

namespace hessfit::fit::detail {

ProbeSeeds probe_for_lower_minima(const Objective& objective, const MinimizeResult& minimum,
                                  const ProbeOptions& options) {
  ProbeSeeds out;
  const int n = objective.size();
  std::vector<int> inner;
  for (int i = 0; i < n; ++i) {
    const bool free = minimum.parameter_states.empty()
                          ? !objective.is_fixed(i)
                          : minimum.parameter_states[static_cast<std::size_t>(i)] == ParameterState::kFree;
    if (free) inner.push_back(i);
  }
  if (inner.empty() || minimum.hessian.rows() != n || !std::isfinite(minimum.fval)) return out;
  const Eigen::MatrixXd h = minimum.hessian(inner, inner);
  const Eigen::VectorXd d = hessian_scale(h).cwiseInverse();
  const Eigen::LLT<Eigen::MatrixXd> llt(d.asDiagonal() * h * d.asDiagonal());
  if (llt.info() != Eigen::Success) return out;  // not a minimum with a covariance: nothing to probe
  const Eigen::MatrixXd v =
      d.asDiagonal() * llt.solve(Eigen::MatrixXd::Identity(h.rows(), h.cols())) * d.asDiagonal();
  if (!v.allFinite()) return out;

  const double up = objective.errordef();
  const double f0 = minimum.fval;
  const double tolerance = options.tolerance * up / kErrorDefNll;
  const int samples = std::max(1, static_cast<int>(std::floor(options.max_sigma / options.step + 1e-9)));
  const int lines = 2 * static_cast<int>(inner.size());
  struct Line {
    bool seeded = false;
    double delta = 0.0;
    Eigen::VectorXd x;
    int evaluations = 0;
  };
  std::vector<Line> result(static_cast<std::size_t>(lines));
  parallel_for(lines, options.threads, [&](int line) {
    const Eigen::Index a = line / 2;
    const double sign = line % 2 == 0 ? 1.0 : -1.0;
    if (!(v(a, a) > 0.0)) return;
    const double sigma = std::sqrt(2.0 * up * v(a, a));
    Eigen::VectorXd direction = Eigen::VectorXd::Zero(n);
    direction(inner) = v.col(a) / v(a, a);
    Line& out_line = result[static_cast<std::size_t>(line)];
    // Walk the whole line; keep the lowest sample that is below f_min, or that lies past a concave
    // stretch with f - f_min < flatness * up * t^2.
    double f_prev2 = 0.0, f_prev = 0.0;  // Delta at t - 2 step and t - step (0 at t = 0)
    bool seen_concave = false;
    for (int j = 1; j <= samples; ++j) {
      const double t = j * options.step;
      Eigen::VectorXd x = minimum.x + (sign * t * sigma) * direction;
      for (const int i : inner) x[i] = objective.bounds(i).clamp(x[i]);
      const double delta = objective.value(x) - f0;
      ++out_line.evaluations;
      if (!std::isfinite(delta)) break;
      seen_concave = seen_concave || (j >= 2 && delta - 2.0 * f_prev + f_prev2 < 0.0);
      const bool candidate = delta < -tolerance || (seen_concave && delta < options.flatness * up * t * t);
      if (candidate && (!out_line.seeded || delta < out_line.delta)) {
        out_line.seeded = true;
        out_line.delta = delta;
        out_line.x = std::move(x);
      }
      f_prev2 = f_prev;
      f_prev = delta;
    }
  });
  std::vector<int> order;
  for (int line = 0; line < lines; ++line) {
    out.evaluations += result[static_cast<std::size_t>(line)].evaluations;
    if (result[static_cast<std::size_t>(line)].seeded) order.push_back(line);
  }
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return result[static_cast<std::size_t>(a)].delta < result[static_cast<std::size_t>(b)].delta;
  });
  if (static_cast<int>(order.size()) > options.max_starts) order.resize(static_cast<std::size_t>(std::max(0, options.max_starts)));
  for (const int line : order) {
    out.starts.push_back(result[static_cast<std::size_t>(line)].x);
    out.deltas.push_back(result[static_cast<std::size_t>(line)].delta);
    out.parameters.push_back(inner[static_cast<std::size_t>(line / 2)]);
  }
  return out;
}

}  // namespace hessfit::fit::detail
