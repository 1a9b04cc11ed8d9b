#include "profile_core.hpp"

#include <Eigen/Cholesky>
#include <fmt/format.h>

#include <algorithm>
#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "free_problem.hpp"

namespace hessfit::fit {

using detail::Counters;
using detail::hessian_scale;
using detail::sparse_all_finite;
using detail::sparse_column;
using detail::sparse_scaled;
using detail::sparse_submatrix;
using detail::SparseLlt;
using detail::SparseMatrix;

double chi_square_quantile(double cl, int dof) {
  if (!(cl > 0.0 && cl < 1.0) || dof < 1) {
    throw std::invalid_argument("hessfit::fit::chi_square_quantile: need 0 < cl < 1 and dof >= 1, got cl = " +
                                std::to_string(cl) + ", dof = " + std::to_string(dof));
  }
  const boost::math::chi_squared_distribution<double> chi2(static_cast<double>(dof));
  return boost::math::quantile(chi2, cl);
}

double gaussian_confidence_level(double n_sigma) { return std::erf(n_sigma / std::sqrt(2.0)); }

MinimizeResult conditional_fit(const Objective& objective, const std::vector<std::string>& parameters,
                               const std::vector<double>& values, const Eigen::VectorXd& start,
                               const MinimizeOptions& options) {
  if (parameters.size() != values.size()) {
    throw std::invalid_argument("hessfit::fit::conditional_fit: " + std::to_string(parameters.size()) +
                                " parameters but " + std::to_string(values.size()) + " values");
  }
  Objective conditional = objective;
  for (std::size_t k = 0; k < parameters.size(); ++k) conditional.fix(parameters[k], values[k]);
  const Eigen::VectorXd& from = start.size() == objective.size() ? start : conditional.values();
  return minimize(conditional, from, options);
}

namespace {

// The predictor with only the moved entries set (to `direction`), and the other free parameters.
Eigen::VectorXd predictor_start(const Objective& objective, const std::vector<int>& moved,
                                const Eigen::VectorXd& direction, std::vector<int>& others) {
  const int n = objective.size();
  Eigen::VectorXd out = Eigen::VectorXd::Zero(n);
  std::vector<bool> is_moved(static_cast<std::size_t>(n), false);
  for (std::size_t j = 0; j < moved.size(); ++j) {
    is_moved[static_cast<std::size_t>(moved[j])] = true;
    out[moved[j]] = direction[static_cast<Eigen::Index>(j)];
  }
  others.clear();
  for (int i = 0; i < n; ++i) {
    if (!objective.is_fixed(i) && !is_moved[static_cast<std::size_t>(i)]) others.push_back(i);
  }
  return out;
}

}  // namespace

Eigen::VectorXd linear_predictor(const Objective& objective, const Eigen::MatrixXd& hessian,
                                 const std::vector<int>& moved, const Eigen::VectorXd& direction) {
  const int n = objective.size();
  std::vector<int> others;
  Eigen::VectorXd out = predictor_start(objective, moved, direction, others);
  if (others.empty() || hessian.rows() != n) return out;
  const Eigen::MatrixXd h = hessian(others, others);
  const Eigen::VectorXd b = hessian(others, moved) * direction;
  const Eigen::VectorXd d = hessian_scale(h).cwiseInverse();
  const Eigen::MatrixXd s = d.asDiagonal() * h * d.asDiagonal();
  const Eigen::LDLT<Eigen::MatrixXd> ldlt(s);
  const Eigen::VectorXd p = -(d.asDiagonal() * ldlt.solve(d.asDiagonal() * b));
  if (ldlt.info() == Eigen::Success && p.allFinite()) out(others) = p;
  return out;
}

Eigen::VectorXd linear_predictor(const Objective& objective, const MinimizeResult& at, const std::vector<int>& moved,
                                 const Eigen::VectorXd& direction) {
  if (!at.has_sparse_hessian()) return linear_predictor(objective, at.hessian, moved, direction);
  const int n = objective.size();
  std::vector<int> others;
  Eigen::VectorXd out = predictor_start(objective, moved, direction, others);
  if (others.empty() || at.sparse_hessian.rows() != n) return out;
  const SparseMatrix h = sparse_submatrix(at.sparse_hessian, others);
  Eigen::VectorXd b = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(others.size()));
  for (std::size_t j = 0; j < moved.size(); ++j)
    b += direction[static_cast<Eigen::Index>(j)] * sparse_column(at.sparse_hessian, others, moved[j]);
  const Eigen::VectorXd d = hessian_scale(h).cwiseInverse();
  const SparseLlt llt(sparse_scaled(h, d));
  if (!llt.ok()) return out;
  const Eigen::VectorXd p = -(d.asDiagonal() * llt.solve(Eigen::VectorXd(d.asDiagonal() * b)));
  if (p.allFinite()) out(others) = p;
  return out;
}

double profile_curvature(const Eigen::MatrixXd& hessian, const std::vector<int>& moved,
                         const Eigen::VectorXd& direction, const Eigen::VectorXd& predictor) {
  if (hessian.rows() != predictor.size()) return std::numeric_limits<double>::quiet_NaN();
  return direction.dot(hessian(moved, Eigen::all) * predictor);
}

Eigen::VectorXd predicted_start(const Objective& objective, const Eigen::VectorXd& from,
                                const Eigen::VectorXd& predictor, double dt,
                                const std::vector<int>& moved, const Eigen::VectorXd& values) {
  Eigen::VectorXd x = from;
  if (predictor.size() == x.size() && std::isfinite(dt)) x += dt * predictor;
  for (std::size_t j = 0; j < moved.size(); ++j) x[moved[j]] = values[static_cast<Eigen::Index>(j)];
  for (int i = 0; i < objective.size(); ++i) {
    x[i] = objective.is_fixed(i) ? objective.values()[i] : objective.bounds(i).clamp(x[i]);
    if (!std::isfinite(x[i])) x[i] = objective.values()[i];
  }
  return x;
}

Chord Chord::at(const Objective& objective, const MinimizeResult& minimum) {
  Chord chord;
  const int n = objective.size();
  chord.position.assign(static_cast<std::size_t>(n), -1);
  if (minimum.hessian.rows() != n && minimum.sparse_hessian.rows() != n) return chord;
  for (int i = 0; i < n; ++i) {
    const bool free = minimum.parameter_states.empty()
                          ? !objective.is_fixed(i)
                          : minimum.parameter_states[static_cast<std::size_t>(i)] == ParameterState::kFree;
    if (free) {
      chord.position[static_cast<std::size_t>(i)] = static_cast<int>(chord.inner.size());
      chord.inner.push_back(i);
    }
  }
  if (chord.inner.empty()) return chord;
  if (minimum.has_sparse_hessian()) {
    const SparseMatrix h = sparse_submatrix(minimum.sparse_hessian, chord.inner);
    if (!sparse_all_finite(h)) return chord;
    chord.inv_d = hessian_scale(h).cwiseInverse();
    auto factor = std::make_shared<const SparseLlt>(sparse_scaled(h, chord.inv_d));
    if (factor->ok()) chord.factor = std::move(factor);
    return chord;
  }
  const Eigen::MatrixXd h = minimum.hessian(chord.inner, chord.inner);
  const Eigen::VectorXd d = hessian_scale(h).cwiseInverse();
  const Eigen::LLT<Eigen::MatrixXd> llt(d.asDiagonal() * h * d.asDiagonal());
  if (llt.info() != Eigen::Success) return chord;
  Eigen::MatrixXd v = d.asDiagonal() * llt.solve(Eigen::MatrixXd::Identity(h.rows(), h.cols())) * d.asDiagonal();
  if (v.allFinite()) chord.v = 0.5 * (v + v.transpose());
  return chord;
}

bool Chord::usable() const { return v.size() > 0 || (factor && factor->ok()); }

Eigen::VectorXd Chord::apply(const Eigen::VectorXd& b) const {
  if (v.size() > 0) return v * b;
  return inv_d.cwiseProduct(factor->solve(Eigen::VectorXd(inv_d.cwiseProduct(b))));
}

Eigen::VectorXd Chord::column(Eigen::Index a) const {
  if (v.size() > 0) return v.col(a);
  Eigen::VectorXd e = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(inner.size()));
  e[a] = 1.0;
  return apply(e);
}

double Chord::sigma(Eigen::Index a) const { return v.size() > 0 ? std::sqrt(v(a, a)) : inv_d[a]; }

namespace {

// Without ChordOptions: up to four full fixed-Hessian Newton steps, each accepted only if f does
// not rise (MINOS, scans, impacts, the hypothesis tests' fits); returns the improved start and
// adds the evaluations to `counts`.
Eigen::VectorXd classic_chord_steps(const Objective& conditional, const Chord& chord, const std::vector<int>& moved,
                                    Eigen::VectorXd x, Counters& counts) {
  constexpr int kMaxSteps = 4;
  std::vector<int> m;  // positions of the moved parameters in chord.inner
  for (const int i : moved) {
    const int p = chord.position[static_cast<std::size_t>(i)];
    if (p >= 0) m.push_back(p);
  }
  Eigen::MatrixXd v_m(static_cast<Eigen::Index>(chord.inner.size()), static_cast<Eigen::Index>(m.size()));  // V_.M
  for (std::size_t j = 0; j < m.size(); ++j) v_m.col(static_cast<Eigen::Index>(j)) = chord.column(m[j]);
  const Eigen::MatrixXd vmm = v_m(m, Eigen::all);
  const Eigen::LDLT<Eigen::MatrixXd> vmm_ldlt(vmm);
  if (!m.empty() && vmm_ldlt.info() != Eigen::Success) return x;
  Eigen::VectorXd g;
  double f = conditional.value_and_gradient(x, g);
  ++counts.evaluations;
  ++counts.gradient_evaluations;
  if (!std::isfinite(f) || !g.allFinite()) return x;
  const double noise = 1e-14 * std::max(1.0, std::abs(f));
  for (int step = 0; step < kMaxSteps; ++step) {
    Eigen::VectorXd gi(static_cast<Eigen::Index>(chord.inner.size()));
    for (std::size_t a = 0; a < chord.inner.size(); ++a) {
      const int i = chord.inner[a];
      gi[static_cast<Eigen::Index>(a)] = conditional.is_fixed(i) ? 0.0 : g[i];
    }
    Eigen::VectorXd u = chord.apply(gi);
    if (!m.empty()) u -= v_m * vmm_ldlt.solve(u(m));
    Eigen::VectorXd trial = x;
    double largest = 0.0;  // step in units of the global-fit errors
    for (std::size_t a = 0; a < chord.inner.size(); ++a) {
      const int i = chord.inner[a];
      if (conditional.is_fixed(i)) continue;
      const Eigen::Index ia = static_cast<Eigen::Index>(a);
      trial[i] = conditional.bounds(i).clamp(x[i] - u[ia]);
      largest = std::max(largest, std::abs(u[ia]) / chord.sigma(ia));
    }
    Eigen::VectorXd g_trial;
    const double f_trial = conditional.value_and_gradient(trial, g_trial);
    ++counts.evaluations;
    ++counts.gradient_evaluations;
    if (!std::isfinite(f_trial) || !g_trial.allFinite() || f_trial > f + noise) break;
    x = std::move(trial);
    g = std::move(g_trial);
    f = f_trial;
    if (largest < 1e-6) break;
  }
  return x;
}

struct ChordPhase {
  Eigen::VectorXd x;
  bool converged = false;  // the chord's EDM estimate fell below edm_fraction * the target
  Eigen::MatrixXd v;       // bfgs_updates: the updated V where the steps ended (else empty)
};

// Fixed-Hessian Newton steps on the conditional problem (projected Newton, Bertsekas 1982, with
// the chord V in place of the Hessian); returns the improved start and adds the evaluations to
// `counts`. Held parameters H (fixed in `conditional`, or on a bound with the step pointing out)
// are removed by the Schur complement: with V = H^-1 over the chord's parameters, the step over
// the others F is u_F = [V g - V_.H V_HH^-1 (V g)_H]_F, g with its H entries zeroed. Each step
// is a projected backtracking line search x(a) = clamp(x - a u) with Armijo's condition
// f(x(a)) <= f + c g^T (x(a) - x), function values only (the gradient at the accepted point).
ChordPhase chord_steps(const Objective& conditional, const Chord& chord, Eigen::VectorXd x, double edm_target,
                       const ChordOptions& options, Counters& counts) {
  constexpr double kArmijo = 1e-4;
  const auto size = static_cast<Eigen::Index>(chord.inner.size());
  std::vector<char> fixed(chord.inner.size(), 0);
  for (std::size_t a = 0; a < chord.inner.size(); ++a) fixed[a] = conditional.is_fixed(chord.inner[a]) ? 1 : 0;
  Eigen::VectorXd lower(size), upper(size);
  for (Eigen::Index a = 0; a < size; ++a) {
    const Bounds b = conditional.bounds(chord.inner[static_cast<std::size_t>(a)]);
    lower[a] = b.lower;
    upper[a] = b.upper;
  }
  // With bfgs_updates (dense chords): a copy of V that each accepted step updates.
  const bool bfgs = options.bfgs_updates && chord.v.size() > 0;
  Eigen::MatrixXd v_updated;
  if (bfgs) v_updated = chord.v;
  const auto apply = [&](const Eigen::VectorXd& b) -> Eigen::VectorXd { return bfgs ? Eigen::VectorXd(v_updated * b) : chord.apply(b); };
  const auto column = [&](Eigen::Index a) -> Eigen::VectorXd { return bfgs ? Eigen::VectorXd(v_updated.col(a)) : chord.column(a); };
  Eigen::VectorXd g;
  double f = conditional.value_and_gradient(x, g);
  ++counts.evaluations;
  ++counts.gradient_evaluations;
  if (!std::isfinite(f) || !g.allFinite()) return {x, false, std::move(v_updated)};
  double best_edm = std::numeric_limits<double>::infinity();
  int stalled = 0;
  for (int step = 0; step < options.max_steps; ++step) {
    Eigen::VectorXd xi(size), gi(size);
    for (Eigen::Index a = 0; a < size; ++a) {
      const int i = chord.inner[static_cast<std::size_t>(a)];
      xi[a] = x[i];
      gi[a] = fixed[static_cast<std::size_t>(a)] ? 0.0 : g[i];
    }
    // The held set: fixed parameters, then those on a bound that the step would leave by.
    std::vector<int> held;
    for (Eigen::Index a = 0; a < size; ++a)
      if (fixed[static_cast<std::size_t>(a)]) held.push_back(static_cast<int>(a));
    const Eigen::VectorXd v_g = apply(gi);
    Eigen::VectorXd u;
    for (;;) {
      u = v_g;
      if (!held.empty()) {
        Eigen::MatrixXd v_h(size, static_cast<Eigen::Index>(held.size()));  // V_.H
        for (std::size_t j = 0; j < held.size(); ++j) v_h.col(static_cast<Eigen::Index>(j)) = column(held[j]);
        const Eigen::LDLT<Eigen::MatrixXd> ldlt(Eigen::MatrixXd(v_h(held, Eigen::all)));
        if (ldlt.info() != Eigen::Success) return {x, false, std::move(v_updated)};
        u -= v_h * ldlt.solve(Eigen::VectorXd(u(held)));
        u(held).setZero();
      }
      bool extended = false;
      for (Eigen::Index a = 0; a < size; ++a) {
        if (u[a] == 0.0) continue;
        if ((xi[a] <= lower[a] && u[a] > 0.0) || (xi[a] >= upper[a] && u[a] < 0.0)) {
          held.push_back(static_cast<int>(a));
          gi[a] = 0.0;
          extended = true;
        }
      }
      if (!extended) break;
      std::sort(held.begin(), held.end());
    }
    if (!u.allFinite()) break;
    // The chord's estimate of the EDM: 1/2 g_F^T (H_FF)^-1 g_F.
    const double edm = 0.5 * gi.dot(u);
    if (!(edm > options.edm_fraction * edm_target)) return {x, edm >= 0.0, std::move(v_updated)};
    // Stalled: no estimate below contraction * the best one for `patience` steps.
    if (edm < options.contraction * best_edm) {
      best_edm = edm;
      stalled = 0;
    } else if (++stalled >= options.patience) {
      break;
    }
    // Projected backtracking along x(a) = clamp(x - a u).
    double alpha = 1.0;
    Eigen::VectorXd trial;
    double f_trial = std::numeric_limits<double>::quiet_NaN();
    bool accepted = false;
    for (int k = 0; k <= options.max_backtracks; ++k) {
      trial = x;
      for (Eigen::Index a = 0; a < size; ++a) {
        if (fixed[static_cast<std::size_t>(a)]) continue;
        trial[chord.inner[static_cast<std::size_t>(a)]] = std::clamp(xi[a] - alpha * u[a], lower[a], upper[a]);
      }
      const double slope = g.dot(trial - x);  // < 0: u is a descent direction
      f_trial = conditional.value(trial);
      ++counts.evaluations;
      if (std::isfinite(f_trial) && f_trial <= f + kArmijo * slope) {
        accepted = true;
        break;
      }
      // Minimum of the quadratic through f, the slope and f_trial, within [0.1, 0.5] alpha.
      const double curvature = f_trial - f - slope;
      const double ratio = std::isfinite(f_trial) && curvature > 0.0 ? -slope / (2.0 * curvature) : 0.1;
      alpha *= std::clamp(ratio, 0.1, 0.5);
    }
    if (!accepted) break;
    Eigen::VectorXd g_trial;
    f_trial = conditional.value_and_gradient(trial, g_trial);
    ++counts.evaluations;
    ++counts.gradient_evaluations;
    if (!std::isfinite(f_trial) || !g_trial.allFinite()) break;
    // A parameter the projection put on a bound where the gradient points back inside went past
    // its own minimum into a wall (a log-like rise, as of a Poisson term whose rate goes to 0):
    // Newton would climb back out by doubling its distance per iteration. Put it back between.
    Eigen::VectorXd repaired = trial;
    bool any = false;
    for (Eigen::Index a = 0; a < size; ++a) {
      const int i = chord.inner[static_cast<std::size_t>(a)];
      if (fixed[static_cast<std::size_t>(a)]) continue;
      const bool wall = (trial[i] <= lower[a] && xi[a] > lower[a] && g_trial[i] < 0.0) ||
                        (trial[i] >= upper[a] && xi[a] < upper[a] && g_trial[i] > 0.0);
      if (!wall) continue;
      repaired[i] = trial[i] + options.wall_fraction * (xi[a] - trial[i]);
      any = true;
    }
    if (any) {
      Eigen::VectorXd g_repaired;
      const double f_repaired = conditional.value_and_gradient(repaired, g_repaired);
      ++counts.evaluations;
      ++counts.gradient_evaluations;
      if (std::isfinite(f_repaired) && g_repaired.allFinite() && f_repaired <= f_trial) {
        trial = std::move(repaired);
        g_trial = std::move(g_repaired);
        f_trial = f_repaired;
      }
    }
    if (bfgs) {
      // BFGS update of V = H^-1 with s = the step, y = the change of the gradient (over the
      // parameters not fixed): V += -rho (s u^T + u s^T) + (rho + rho^2 y^T u) s s^T, u = V y,
      // rho = 1 / y^T s, when the curvature y^T s is positive.
      Eigen::VectorXd sv(size), yv(size);
      for (Eigen::Index a = 0; a < size; ++a) {
        const int i = chord.inner[static_cast<std::size_t>(a)];
        const bool skip = fixed[static_cast<std::size_t>(a)];
        sv[a] = skip ? 0.0 : trial[i] - x[i];
        yv[a] = skip ? 0.0 : g_trial[i] - g[i];
      }
      const double ys = yv.dot(sv);
      if (ys > 1e-12 * yv.norm() * sv.norm() && std::isfinite(ys)) {
        const double rho = 1.0 / ys;
        const Eigen::VectorXd u = v_updated * yv;
        const double c = rho + rho * rho * yv.dot(u);
        for (Eigen::Index j = 0; j < size; ++j)  // column j: (c s_j - rho u_j) s - rho s_j u
          v_updated.col(j) += (c * sv[j] - rho * u[j]) * sv - (rho * sv[j]) * u;
      }
    }
    x = std::move(trial);
    g = std::move(g_trial);
    f = f_trial;
  }
  return {x, false, std::move(v_updated)};
}

}  // namespace

MinimizeResult conditional_minimum(const Objective& objective, const std::vector<int>& moved,
                                   const Eigen::VectorXd& values, const Eigen::VectorXd& start,
                                   const MinimizeOptions& options, const Chord* chord,
                                   const ChordOptions* chord_options, Chord* learned) {
  if (learned != nullptr) *learned = Chord{};
  Objective conditional = objective;
  for (std::size_t j = 0; j < moved.size(); ++j) {
    conditional.fix(moved[j], values[static_cast<Eigen::Index>(j)]);
  }
  if (chord == nullptr || !chord->usable()) return minimize(conditional, start, options);
  Counters counts;
  Eigen::VectorXd from = start;
  for (std::size_t j = 0; j < moved.size(); ++j) from[moved[j]] = values[static_cast<Eigen::Index>(j)];
  if (chord_options == nullptr) {
    from = classic_chord_steps(conditional, *chord, moved, std::move(from), counts);
    MinimizeResult result = minimize(conditional, from, options);
    result.evaluations += counts.evaluations;
    result.gradient_evaluations += counts.gradient_evaluations;
    return result;
  }
  const double target = detail::edm_target(conditional, options);
  ChordPhase phase = chord_steps(conditional, *chord, std::move(from), target, *chord_options, counts);
  const Chord* last = chord;
  Chord fresh;
  // The chord stalled: the exact Hessian where it stopped (if positive definite) as a new chord.
  for (int r = 0; r < chord_options->max_refreshes && !phase.converged; ++r) {
    MinimizeResult here;
    here.x = phase.x;
    here.parameter_states.assign(static_cast<std::size_t>(conditional.size()), ParameterState::kFree);
    for (int i = 0; i < conditional.size(); ++i)
      if (conditional.is_fixed(i)) here.parameter_states[static_cast<std::size_t>(i)] = ParameterState::kFixed;
    const double f = conditional.uses_sparse_hessian()
                         ? conditional.value_gradient_sparse_hessian(here.x, here.gradient, here.sparse_hessian)
                         : conditional.value_gradient_hessian(here.x, here.gradient, here.hessian);
    ++counts.evaluations;
    ++counts.gradient_evaluations;
    ++counts.hessian_evaluations;
    if (!std::isfinite(f)) break;
    fresh = Chord::at(conditional, here);
    if (!fresh.usable()) break;
    last = &fresh;
    phase = chord_steps(conditional, fresh, std::move(phase.x), target, *chord_options, counts);
  }
  if (learned != nullptr && phase.v.size() > 0 && phase.v.allFinite()) {
    learned->inner = last->inner;
    learned->position = last->position;
    learned->v = std::move(phase.v);
  }
  MinimizeResult result = minimize(conditional, phase.x, options);
  result.evaluations += counts.evaluations;
  result.gradient_evaluations += counts.gradient_evaluations;
  result.hessian_evaluations += counts.hessian_evaluations;
  return result;
}

bool better_fit(const MinimizeResult& a, const MinimizeResult& b) {
  if (a.converged() != b.converged()) return a.converged();
  if (std::isfinite(a.fval) != std::isfinite(b.fval)) return std::isfinite(a.fval);
  return a.fval < b.fval;
}

namespace detail {
namespace {

}  // namespace

RayCrossing find_crossing(const Objective& objective, const MinimizeResult& minimum, const Ray& ray,
                          const RayOptions& options) {
  RayCrossing out;
  const auto& moved = ray.moved;
  const double new_min_tol =
      options.profile.new_minimum_tolerance * objective.errordef() / kErrorDefNll;
  const double f0 = minimum.fval;
  const double target = std::sqrt(2.0 * ray.threshold);

  double t_max = std::numeric_limits<double>::infinity();
  for (std::size_t j = 0; j < moved.size(); ++j) {
    const double d = ray.direction[static_cast<Eigen::Index>(j)];
    const double o = ray.origin[static_cast<Eigen::Index>(j)];
    const Bounds& b = objective.bounds(moved[j]);
    if (d > 0.0) t_max = std::min(t_max, (b.upper - o) / d);
    if (d < 0.0) t_max = std::min(t_max, (b.lower - o) / d);
  }
  t_max = std::max(t_max, 0.0);
  auto values_at = [&](double t) {
    Eigen::VectorXd v = ray.origin + t * ray.direction;
    for (std::size_t j = 0; j < moved.size(); ++j) {
      v[static_cast<Eigen::Index>(j)] = objective.bounds(moved[j]).clamp(v[static_cast<Eigen::Index>(j)]);
    }
    return v;
  };
  if (t_max <= 0.0) {
    out.status = CrossingStatus::kAtLimit;
    out.message = "the best fit is on the bound";
    out.t = 0.0;
    out.x = minimum.x;
    out.fval = f0;
    return out;
  }

  const Eigen::VectorXd predictor0 = linear_predictor(objective, minimum, moved, ray.direction);
  Eigen::VectorXd last_x = minimum.x;
  Eigen::VectorXd last_predictor = predictor0;
  double last_t = 0.0;

  double lo = 0.0, r_lo = 0.0;
  double hi = std::numeric_limits<double>::infinity(), r_hi = 0.0;
  const double max_step = ray.first_guess > 0.0 && std::isfinite(ray.first_guess) ? ray.first_guess : 1.0;
  double t = std::min(max_step, t_max);
  bool released = false;
  while (out.fits < options.max_fits) {
    const Eigen::VectorXd v = values_at(t);
    const Eigen::VectorXd start =
        predicted_start(objective, last_x, last_predictor, t - last_t, moved, v);
    MinimizeResult fit = conditional_minimum(objective, moved, v, start, options.profile.conditional, options.chord);
    ++out.fits;
    out.evaluations += fit.evaluations;
    if (!fit.converged()) {
      // Second chance from the global minimum moved by its predictor.
      const Eigen::VectorXd start2 = predicted_start(objective, minimum.x, predictor0, t, moved, v);
      MinimizeResult fit2 = conditional_minimum(objective, moved, v, start2, options.profile.conditional, options.chord);
      ++out.fits;
      out.evaluations += fit2.evaluations;
      if (better_fit(fit2, fit)) fit = std::move(fit2);
    }
    out.t = t;
    out.x = fit.x;
    out.fval = fit.fval;
    if (!fit.converged()) {
      out.status = CrossingStatus::kNoConvergence;
      out.message = fmt::format("conditional fit at t = {:.6g} did not converge: ", t) + fit.message;
      return out;
    }
    const double delta = fit.fval - f0;
    if (delta < -new_min_tol) {
      out.status = CrossingStatus::kNewMinimum;
      out.message = fmt::format("a conditional fit went {:.3g} below the minimum", -delta);
      out.new_minimum = fit.x;
      out.new_minimum_fval = fit.fval;
      return out;
    }
    // A profile far flatter than the quadratic prediction hints at another valley: once per
    // search, release the moved parameters and minimise from here; a lower minimum ends it.
    const double quadratic = ray.threshold * (t / max_step) * (t / max_step);
    if (options.release_check && !released && delta < 0.5 * quadratic && t >= 0.25 * max_step) {
      released = true;
      MinimizeOptions free_options = options.profile.conditional;
      const MinimizeResult free = minimize(objective, fit.x, free_options);
      ++out.fits;
      out.evaluations += free.evaluations;
      if (free.converged() && free.fval < f0 - new_min_tol) {
        out.status = CrossingStatus::kNewMinimum;
        out.message = fmt::format("released from a flat stretch of the profile, a fit went {:.3g} below the minimum",
                          f0 - free.fval);
        out.new_minimum = free.x;
        out.new_minimum_fval = free.fval;
        return out;
      }
    }
    const double r = std::sqrt(2.0 * std::max(delta, 0.0));
    if (std::abs(r - target) <= options.tolerance * target) {
      out.status = CrossingStatus::kOk;
      out.message = "crossing found after " + std::to_string(out.fits) + " conditional fits";
      return out;
    }
    double slope = 0.0;  // dDelta/dt at the conditional minimum (envelope theorem)
    for (std::size_t j = 0; j < moved.size(); ++j) {
      slope += fit.gradient[moved[j]] * ray.direction[static_cast<Eigen::Index>(j)];
    }
    if (r < target) {
      lo = t;
      r_lo = r;
      if (t >= t_max) {
        out.status = CrossingStatus::kAtLimit;
        out.message = fmt::format("the bound is reached first (Delta = {:.6g} there)", delta);
        return out;
      }
    } else {
      hi = t;
      r_hi = r;
    }
    last_x = fit.x;
    last_t = t;
    last_predictor = linear_predictor(objective, fit, moved, ray.direction);

    // Newton on r(t) - target, r' = Delta' / r.
    double next = std::numeric_limits<double>::quiet_NaN();
    if (r > 0.0 && slope > 0.0) next = t + (target - r) * r / slope;
    if (std::isfinite(hi)) {
      if (!(next > lo && next < hi)) {
        next = lo + (target - r_lo) * (hi - lo) / (r_hi - r_lo);
        if (!(next > lo && next < hi)) next = 0.5 * (lo + hi);
      }
      if (hi - lo <= 1e-13 * std::max(std::abs(hi), 1e-300)) {
        out.status = CrossingStatus::kOk;
        out.message = "crossing bracketed to rounding after " + std::to_string(out.fits) + " fits";
        return out;
      }
    } else {
      if (!(next > t)) next = t + max_step;
      next = std::min({next, t + std::max(max_step, t), t_max});
    }
    t = next;
  }
  out.status = CrossingStatus::kNoConvergence;
  out.message = "no crossing after " + std::to_string(out.fits) + " conditional fits";
  return out;
}

}  // namespace detail
}  // namespace hessfit::fit
