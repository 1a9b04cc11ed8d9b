#include "hessfit/fit/impacts.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "free_problem.hpp"
#include "profile_core.hpp"

namespace hessfit::fit {

double Impact::rank_key() const {
  const double up = std::abs(postfit_up.delta_poi);
  const double down = std::abs(postfit_down.delta_poi);
  const double key = std::max(std::isfinite(up) ? up : 0.0, std::isfinite(down) ? down : 0.0);
  return key;
}

bool ImpactsResult::all_converged() const {
  for (const auto& i : impacts) {
    for (const ImpactRefit* r : {&i.postfit_up, &i.postfit_down}) {
      if (!r->converged()) return false;
    }
    for (const ImpactRefit* r : {&i.prefit_up, &i.prefit_down}) {
      if (std::isfinite(r->theta) && !r->converged()) return false;
    }
  }
  return true;
}

ImpactsResult impacts(const Objective& objective, const MinimizeResult& minimum,
                      const CovarianceResult& cov, const std::string& poi,
                      const std::vector<ConstrainedParameter>& constrained,
                      const ImpactsOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  ImpactsResult result;
  result.poi_index = objective.index(poi);
  result.poi = poi;
  const int m = result.poi_index;
  if (objective.is_fixed(m)) {
    throw std::invalid_argument("hessfit::fit::impacts: the POI '" + poi + "' is fixed");
  }
  result.poi_value = minimum.x[m];
  result.poi_error = cov.errors.size() == objective.size() ? cov.errors[m] : std::numeric_limits<double>::quiet_NaN();

  std::vector<Impact> list;
  for (const auto& c : constrained) {
    const int i = objective.index(c.name);
    if (i == m) continue;
    const bool usable = !objective.is_fixed(i) &&
                        (minimum.parameter_states.empty() ||
                         minimum.parameter_states[static_cast<std::size_t>(i)] == ParameterState::kFree);
    if (!usable) {
      result.skipped.push_back(c.name);
      continue;
    }
    Impact impact;
    impact.index = i;
    impact.name = c.name;
    impact.value = minimum.x[i];
    impact.postfit_sigma = detail::guess_error(objective, minimum, cov, i);
    impact.prefit_sigma = c.prefit_sigma;
    if (cov.errors.size() == objective.size() && std::isfinite(cov.covariance_of(m, i))) {
      impact.covariance_postfit = cov.covariance_of(m, i) / impact.postfit_sigma;
      impact.covariance_prefit =
          cov.covariance_of(m, i) * c.prefit_sigma / (impact.postfit_sigma * impact.postfit_sigma);
    }
    list.push_back(std::move(impact));
  }

  // Tasks: (parameter, side). On each side the smaller shift (usually post-fit) is fitted first
  // from the global minimum moved by the linear predictor, and the larger one continues from it
  // (predictor from its Hessian): a warm-start chain fixed by the problem, not the thread count.
  const int tasks = 2 * static_cast<int>(list.size());
  std::vector<Eigen::VectorXd> lowered(static_cast<std::size_t>(tasks));
  std::vector<double> lowered_f(static_cast<std::size_t>(tasks), std::numeric_limits<double>::infinity());
  const double new_min_tol = options.profile.new_minimum_tolerance * objective.errordef() / kErrorDefNll;
  const Chord chord = Chord::at(objective, minimum);
  // A task's record (a distributed loop: threads, MPI ranks, batch shards): the lowest NLL below
  // the minimum it found, its post-fit and pre-fit refits (theta, clipped, termination,
  // delta_poi), and the parameters of that lower point.
  const int width = 9 + objective.size();
  const auto compute = [&](int task, double* record) {
    const Impact& impact = list[static_cast<std::size_t>(task / 2)];
    const double sign = task % 2 == 0 ? 1.0 : -1.0;
    ImpactRefit post, pre;
    double lowest_f = std::numeric_limits<double>::infinity();
    const int i = impact.index;
    const std::vector<int> moved{i};
    const Eigen::VectorXd unit = Eigen::VectorXd::Ones(1);
    struct Shift {
      double sigma;
      ImpactRefit* refit;
    };
    std::vector<Shift> shifts{{impact.postfit_sigma, &post}};
    if (options.prefit) {
      shifts.push_back({impact.prefit_sigma, &pre});
      if (std::abs(shifts[1].sigma) < std::abs(shifts[0].sigma)) std::swap(shifts[0], shifts[1]);
    }
    Eigen::VectorXd from = minimum.x;
    double from_theta = impact.value;
    Eigen::VectorXd predictor = linear_predictor(objective, minimum, moved, unit);
    for (const Shift& shift : shifts) {
      ImpactRefit& refit = *shift.refit;
      const double wanted = impact.value + sign * shift.sigma;
      const double theta = objective.bounds(i).clamp(wanted);
      refit.theta = theta;
      refit.clipped = theta != wanted;
      const Eigen::VectorXd value = Eigen::VectorXd::Constant(1, theta);
      const Eigen::VectorXd start = predicted_start(objective, from, predictor, theta - from_theta, moved, value);
      const MinimizeResult fit =
          conditional_minimum(objective, moved, value, start, options.profile.conditional, &chord);
      refit.termination = fit.termination;
      refit.delta_poi = fit.x[m] - result.poi_value;
      if (fit.converged() && fit.fval < minimum.fval - new_min_tol && fit.fval < lowest_f) {
        Eigen::Map<Eigen::VectorXd>(record + 9, objective.size()) = fit.x;
        lowest_f = fit.fval;
      }
      if (fit.converged()) {
        from = fit.x;
        from_theta = theta;
        predictor = linear_predictor(objective, fit, moved, unit);
      }
    }
    record[0] = lowest_f;
    for (const ImpactRefit* r : {&post, &pre}) {
      double* slot = record + (r == &post ? 1 : 5);
      slot[0] = r->theta;
      slot[1] = r->clipped ? 1.0 : 0.0;
      slot[2] = static_cast<double>(static_cast<int>(r->termination));
      slot[3] = r->delta_poi;
    }
  };
  const auto store = [&](int task, const double* record) {
    Impact& impact = list[static_cast<std::size_t>(task / 2)];
    const bool up = task % 2 == 0;
    for (ImpactRefit* r : {up ? &impact.postfit_up : &impact.postfit_down, up ? &impact.prefit_up : &impact.prefit_down}) {
      const double* slot = record + (r == &impact.postfit_up || r == &impact.postfit_down ? 1 : 5);
      r->theta = slot[0];
      r->clipped = slot[1] != 0.0;
      r->termination = static_cast<Termination>(static_cast<int>(slot[2]));
      r->delta_poi = slot[3];
    }
    lowered_f[static_cast<std::size_t>(task)] = record[0];
    if (std::isfinite(record[0])) lowered[static_cast<std::size_t>(task)] = Eigen::Map<const Eigen::VectorXd>(record + 9, objective.size());
  };
  fit::distributed_for(tasks, width, options.profile.threads, compute, store);
  double lowest = std::numeric_limits<double>::infinity();
  for (int t = 0; t < tasks; ++t) {
    if (lowered_f[static_cast<std::size_t>(t)] < lowest) {
      lowest = lowered_f[static_cast<std::size_t>(t)];
      result.new_minimum_found = true;
      result.new_minimum = lowered[static_cast<std::size_t>(t)];
    }
  }
  std::stable_sort(list.begin(), list.end(), [](const Impact& x, const Impact& y) {
    const double kx = x.rank_key();
    const double ky = y.rank_key();
    if (kx != ky) return kx > ky;
    return x.index < y.index;
  });
  result.impacts = std::move(list);
  result.time_seconds = detail::seconds_since(t0);
  return result;
}

}  // namespace hessfit::fit
