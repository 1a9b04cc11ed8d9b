#include "hessfit/fit/minos.hpp"

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "free_problem.hpp"
#include "profile_core.hpp"

namespace hessfit::fit {

std::string to_string(CrossingStatus status) {
  switch (status) {
    case CrossingStatus::kOk: return "ok";
    case CrossingStatus::kAtLimit: return "at_limit";
    case CrossingStatus::kNewMinimum: return "new_minimum";
    case CrossingStatus::kNoConvergence: return "no_convergence";
  }
  return "unknown";
}

bool MinosResult::ok() const {
  for (const auto& i : intervals) {
    if (!i.ok()) return false;
  }
  return true;
}

bool MinosResult::new_minimum_found() const {
  for (const auto& i : intervals) {
    if (i.lower.status == CrossingStatus::kNewMinimum || i.upper.status == CrossingStatus::kNewMinimum) {
      return true;
    }
  }
  return false;
}

Eigen::VectorXd MinosResult::lowest_new_minimum() const {
  Eigen::VectorXd best;
  double f = std::numeric_limits<double>::infinity();
  for (const auto& i : intervals) {
    for (const MinosSide* s : {&i.lower, &i.upper}) {
      if (s->status == CrossingStatus::kNewMinimum && s->new_minimum_fval < f) {
        f = s->new_minimum_fval;
        best = s->new_minimum;
      }
    }
  }
  return best;
}

const MinosInterval* MinosResult::find(const std::string& name) const {
  for (const auto& i : intervals) {
    if (i.name == name) return &i;
  }
  return nullptr;
}

namespace detail {

/// First guess of a parameter's error: the covariance if usable, else 1/sqrt of the curvature.
double guess_error(const Objective& objective, const MinimizeResult& minimum,
                   const CovarianceResult& cov, int i) {
  if (cov.errors.size() == objective.size() && std::isfinite(cov.errors[i]) && cov.errors[i] > 0.0) {
    return cov.errors[i];
  }
  const double hii = minimum.has_sparse_hessian() ? minimum.sparse_hessian.coeff(i, i)
                    : minimum.hessian.rows() == objective.size() ? minimum.hessian(i, i)
                                                                 : 0.0;
  if (hii > 0.0) return std::sqrt(2.0 * objective.errordef() / hii);
  return 1.0;
}

}  // namespace detail

MinosResult minos(const Objective& objective, const MinimizeResult& minimum,
                  const CovarianceResult& cov, const std::vector<std::string>& parameters,
                  const MinosOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  MinosResult result;
  result.confidence_level = options.confidence_level;
  const double q = chi_square_quantile(options.confidence_level, 1);
  result.threshold = objective.errordef() * q;
  std::vector<int> indices;
  for (const auto& name : parameters) {
    const int i = objective.index(name);
    if (objective.is_fixed(i)) {
      throw std::invalid_argument("hessfit::fit::minos: parameter '" + name + "' is fixed");
    }
    indices.push_back(i);
    MinosInterval interval;
    interval.index = i;
    interval.name = name;
    interval.value = minimum.x[i];
    result.intervals.push_back(std::move(interval));
  }
  detail::RayOptions ray_options;
  ray_options.profile = options.profile;
  ray_options.tolerance = options.tolerance;
  ray_options.max_fits = options.max_fits;
  const Chord chord = Chord::at(objective, minimum);
  ray_options.chord = &chord;

  const int tasks = 2 * static_cast<int>(indices.size());
  detail::parallel_for(tasks, options.profile.threads, [&](int task) {
    const std::size_t k = static_cast<std::size_t>(task / 2);
    const bool upper = task % 2 == 1;
    const int i = indices[k];
    detail::Ray ray;
    ray.moved = {i};
    ray.origin = Eigen::VectorXd::Constant(1, minimum.x[i]);
    ray.direction = Eigen::VectorXd::Constant(1, upper ? 1.0 : -1.0);
    ray.threshold = result.threshold;
    ray.first_guess = std::sqrt(q) * detail::guess_error(objective, minimum, cov, i);
    const detail::RayCrossing c = detail::find_crossing(objective, minimum, ray, ray_options);
    MinosSide& side = upper ? result.intervals[k].upper : result.intervals[k].lower;
    side.status = c.status;
    side.message = c.message;
    side.offset = (upper ? 1.0 : -1.0) * c.t;
    side.x = c.x;
    side.fval = c.fval;
    side.new_minimum = c.new_minimum;
    side.new_minimum_fval = c.new_minimum_fval;
    side.fits = c.fits;
    side.evaluations = c.evaluations;
  });
  result.time_seconds = detail::seconds_since(t0);
  return result;
}

}  // namespace hessfit::fit
