#include "hessfit/fit/scan.hpp"

#include <Eigen/Cholesky>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <stdexcept>

#include "free_problem.hpp"
#include "profile_core.hpp"

namespace hessfit::fit {

bool ProfileScan::all_converged() const {
  for (const auto& p : points) {
    if (!p.converged()) return false;
  }
  return true;
}

bool Contour::ok() const {
  for (const auto& p : points) {
    if (p.status != CrossingStatus::kOk && p.status != CrossingStatus::kAtLimit) return false;
  }
  return true;
}

std::vector<double> scan_values(double center, double width, const Bounds& bounds, int n) {
  if (n < 1) throw std::invalid_argument("hessfit::fit::scan_values: n must be >= 1");
  const double lo = bounds.clamp(center - width);
  const double hi = bounds.clamp(center + width);
  std::vector<double> values(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    values[static_cast<std::size_t>(k)] = n == 1 ? center : lo + (hi - lo) * k / (n - 1);
  }
  return values;
}

ProfileScan profile_scan(const Objective& objective, const MinimizeResult& minimum,
                         const std::string& name, const std::vector<double>& values,
                         const ScanOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  ProfileScan scan;
  scan.index = objective.index(name);
  scan.name = name;
  const int i = scan.index;
  if (objective.is_fixed(i)) {
    throw std::invalid_argument("hessfit::fit::profile_scan: parameter '" + name + "' is fixed");
  }
  for (const double v : values) {
    if (!std::isfinite(v) || !objective.bounds(i).contains(v)) {
      throw std::invalid_argument("hessfit::fit::profile_scan: value " + std::to_string(v) +
                                  " of '" + name + "' is outside its bounds");
    }
  }
  scan.best_fit = minimum.x[i];
  scan.fmin = minimum.fval;
  const int n = static_cast<int>(values.size());
  scan.points.resize(values.size());
  const std::vector<int> moved{i};
  const Eigen::VectorXd unit = Eigen::VectorXd::Ones(1);
  const Eigen::VectorXd predictor0 = linear_predictor(objective, minimum, moved, unit);
  const MinimizeOptions& fit_options = options.profile.conditional;
  const Chord chord = Chord::at(objective, minimum);

  auto fit_at = [&](double v, const Eigen::VectorXd& from, const Eigen::VectorXd& predictor,
                    double from_v) {
    const Eigen::VectorXd value = Eigen::VectorXd::Constant(1, v);
    const Eigen::VectorXd start = predicted_start(objective, from, predictor, v - from_v, moved, value);
    return conditional_minimum(objective, moved, value, start, fit_options, &chord);
  };

  // Phase 1 (optional): every point from the global minimum, independently.
  std::vector<MinimizeResult> direct(values.size());
  if (options.two_starts) {
    detail::parallel_for(n, options.profile.threads, [&](int k) {
      direct[static_cast<std::size_t>(k)] = fit_at(values[static_cast<std::size_t>(k)], minimum.x, predictor0, scan.best_fit);
    });
  }
  // Phase 2: two chains walked outward from the best fit, each point from its inner neighbour.
  std::vector<int> order(values.size());
  for (int k = 0; k < n; ++k) order[static_cast<std::size_t>(k)] = k;
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return values[static_cast<std::size_t>(a)] < values[static_cast<std::size_t>(b)];
  });
  std::vector<int> up, down;
  for (const int k : order) {
    (values[static_cast<std::size_t>(k)] >= scan.best_fit ? up : down).push_back(k);
  }
  std::reverse(down.begin(), down.end());
  const std::vector<std::vector<int>> chains{up, down};
  std::vector<MinimizeResult> chosen(values.size());
  detail::parallel_for(2, options.profile.threads, [&](int c) {
    Eigen::VectorXd from = minimum.x;
    Eigen::VectorXd predictor = predictor0;
    double from_v = scan.best_fit;
    for (const int k : chains[static_cast<std::size_t>(c)]) {
      const double v = values[static_cast<std::size_t>(k)];
      MinimizeResult fit = fit_at(v, from, predictor, from_v);
      if (options.two_starts && better_fit(direct[static_cast<std::size_t>(k)], fit)) {
        fit = std::move(direct[static_cast<std::size_t>(k)]);
      }
      from = fit.x;
      from_v = v;
      predictor = linear_predictor(objective, fit, moved, unit);
      chosen[static_cast<std::size_t>(k)] = std::move(fit);
    }
  });

  const double new_min_tol =
      options.profile.new_minimum_tolerance * objective.errordef() / kErrorDefNll;
  double lowest = scan.fmin - new_min_tol;
  for (int k = 0; k < n; ++k) {
    MinimizeResult& fit = chosen[static_cast<std::size_t>(k)];
    ScanPoint& p = scan.points[static_cast<std::size_t>(k)];
    p.value = values[static_cast<std::size_t>(k)];
    p.fval = fit.fval;
    p.delta = fit.fval - scan.fmin;
    p.x = fit.x;
    p.termination = fit.termination;
    p.evaluations = fit.evaluations + (options.two_starts ? direct[static_cast<std::size_t>(k)].evaluations : 0);
    if (fit.converged() && fit.fval < lowest) {
      lowest = fit.fval;
      scan.new_minimum_found = true;
      scan.new_minimum = fit.x;
    }
  }
  scan.time_seconds = detail::seconds_since(t0);
  return scan;
}

Contour profile_contour(const Objective& objective, const MinimizeResult& minimum,
                        const CovarianceResult& cov, const std::string& x_name,
                        const std::string& y_name, const ContourOptions& options) {
  const auto t0 = std::chrono::steady_clock::now();
  Contour contour;
  contour.x_index = objective.index(x_name);
  contour.y_index = objective.index(y_name);
  contour.x_name = x_name;
  contour.y_name = y_name;
  const int a = contour.x_index;
  const int b = contour.y_index;
  if (a == b) throw std::invalid_argument("hessfit::fit::profile_contour: the two parameters are the same");
  for (const int i : {a, b}) {
    if (objective.is_fixed(i)) {
      throw std::invalid_argument("hessfit::fit::profile_contour: parameter '" + objective.name(i) + "' is fixed");
    }
  }
  if (options.points < 3) throw std::invalid_argument("hessfit::fit::profile_contour: need at least 3 points");
  contour.confidence_level = options.confidence_level;
  const double q = chi_square_quantile(options.confidence_level, 2);
  contour.threshold = objective.errordef() * q;
  contour.x_best = minimum.x[a];
  contour.y_best = minimum.x[b];

  // Ray directions: the Cholesky factor of the 2 x 2 covariance block (the error ellipse).
  Eigen::Matrix2d l = Eigen::Matrix2d::Zero();
  bool have_l = false;
  if (cov.covariance.rows() == objective.size()) {
    Eigen::Matrix2d block;
    block << cov.covariance(a, a), cov.covariance(a, b), cov.covariance(b, a), cov.covariance(b, b);
    const Eigen::LLT<Eigen::Matrix2d> llt(block);
    if (block.allFinite() && llt.info() == Eigen::Success) {
      l = llt.matrixL();
      have_l = true;
    }
  }
  if (!have_l) {
    l(0, 0) = detail::guess_error(objective, minimum, cov, a);
    l(1, 1) = detail::guess_error(objective, minimum, cov, b);
  }
  detail::RayOptions ray_options;
  ray_options.profile = options.profile;
  ray_options.tolerance = options.tolerance;
  ray_options.max_fits = options.max_fits;
  const Chord chord = Chord::at(objective, minimum);
  ray_options.chord = &chord;

  contour.points.resize(static_cast<std::size_t>(options.points));
  std::vector<detail::RayCrossing> crossings(static_cast<std::size_t>(options.points));
  detail::parallel_for(options.points, options.profile.threads, [&](int j) {
    const double phi = 2.0 * std::numbers::pi * j / options.points;
    detail::Ray ray;
    ray.moved = {a, b};
    ray.origin = Eigen::Vector2d(contour.x_best, contour.y_best);
    ray.direction = l * Eigen::Vector2d(std::cos(phi), std::sin(phi));
    ray.threshold = contour.threshold;
    ray.first_guess = std::sqrt(q);
    crossings[static_cast<std::size_t>(j)] = detail::find_crossing(objective, minimum, ray, ray_options);
    ContourPoint& p = contour.points[static_cast<std::size_t>(j)];
    const detail::RayCrossing& c = crossings[static_cast<std::size_t>(j)];
    p.angle = phi;
    p.status = c.status;
    p.fits = c.fits;
    const Eigen::Vector2d at = ray.origin + c.t * ray.direction;
    p.x = objective.bounds(a).clamp(at[0]);
    p.y = objective.bounds(b).clamp(at[1]);
  });
  double lowest = std::numeric_limits<double>::infinity();
  for (const auto& c : crossings) {
    if (c.status == CrossingStatus::kNewMinimum && c.new_minimum_fval < lowest) {
      lowest = c.new_minimum_fval;
      contour.new_minimum_found = true;
      contour.new_minimum = c.new_minimum;
    }
  }
  contour.time_seconds = detail::seconds_since(t0);
  return contour;
}

}  // namespace hessfit::fit
