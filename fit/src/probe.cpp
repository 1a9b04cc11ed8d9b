// The probe for lower minima of Method::kAuto (see minimize.hpp), within a budget of function values.
#include <Eigen/Cholesky>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "free_problem.hpp"
#include "probe.hpp"
#include "profile_core.hpp"
#include "sparse_algebra.hpp"

namespace hessfit::fit::detail {

long hessian_cost(const MinimizeResult& minimum, int free_parameters) {
  long columns = std::max(1, free_parameters);
  if (minimum.has_sparse_hessian() && free_parameters > 0) {
    const long nnz = static_cast<long>(minimum.sparse_hessian.nonZeros());
    columns = std::min(columns, (nnz + free_parameters - 1) / free_parameters);
  }
  return 4 * ((columns + 15) / 16) + 4;
}

namespace {

// Profile-path directions x(t) = x_hat + t sigma_a V_.a / V_aa: from the dense inverse, or from one
// sparse solve per parameter.
class Directions {
 public:
  Directions(const MinimizeResult& minimum, const std::vector<int>& inner) {
    if (minimum.has_sparse_hessian()) {
      const SparseMatrix h = sparse_submatrix(minimum.sparse_hessian, inner);
      if (!sparse_all_finite(h)) return;
      inv_d_ = hessian_scale(h).cwiseInverse();
      llt_ = SparseLlt(sparse_scaled(h, inv_d_));
      ok_ = llt_.ok();
      return;
    }
    const Eigen::MatrixXd h = minimum.hessian(inner, inner);
    const Eigen::VectorXd d = hessian_scale(h).cwiseInverse();
    const Eigen::LLT<Eigen::MatrixXd> llt(d.asDiagonal() * h * d.asDiagonal());
    if (llt.info() != Eigen::Success) return;
    v_ = d.asDiagonal() * llt.solve(Eigen::MatrixXd::Identity(h.rows(), h.cols())) * d.asDiagonal();
    ok_ = v_.allFinite();
  }
  bool ok() const { return ok_; }
  /// Column a of V = H^-1 over `inner`.
  Eigen::VectorXd column(Eigen::Index a) const {
    if (v_.size() > 0) return v_.col(a);
    Eigen::VectorXd e = Eigen::VectorXd::Zero(inv_d_.size());
    e[a] = inv_d_[a];
    return inv_d_.cwiseProduct(llt_.solve(e));
  }

 private:
  bool ok_ = false;
  Eigen::MatrixXd v_;
  SparseLlt llt_;
  Eigen::VectorXd inv_d_;
};

struct Sample {
  double t, delta;
  Eigen::VectorXd x;
};

struct Line {
  Eigen::Index a = 0;  // position in inner
  double sign = 1.0;
  std::vector<Sample> samples;  // ascending t
  double deviation = 0.0;       // |Delta / (up t^2) - 1| of the coarse sample
  bool stopped = false;         // f not finite further out
  bool seeded = false;
  double delta = 0.0;
  Eigen::VectorXd x;
  int evaluations = 0;
};

}  // namespace

ProbeSeeds probe_for_lower_minima(const Objective& objective, const MinimizeResult& minimum,
                                  const ProbeOptions& options, long budget) {
  ProbeSeeds out;
  const int n = objective.size();
  std::vector<int> inner;
  for (int i = 0; i < n; ++i) {
    const bool free = minimum.parameter_states.empty()
                          ? !objective.is_fixed(i)
                          : minimum.parameter_states[static_cast<std::size_t>(i)] == ParameterState::kFree;
    if (free) inner.push_back(i);
  }
  out.paths_total = 2 * static_cast<int>(inner.size());
  const bool have_hessian = minimum.has_sparse_hessian() ? minimum.sparse_hessian.rows() == n : minimum.hessian.rows() == n;
  if (inner.empty() || !have_hessian || !std::isfinite(minimum.fval)) return out;
  const Directions directions(minimum, inner);
  if (!directions.ok()) return out;  // not a minimum with a covariance: nothing to probe

  const double up = objective.errordef();
  const double f0 = minimum.fval;
  const double tolerance = options.tolerance * up / kErrorDefNll;
  const int samples = std::max(1, static_cast<int>(std::floor(options.max_sigma / options.step + 1e-9)));
  // One coarse sample first, at 2 sigma (within the reach), on the grid of `step`.
  const std::vector<int> coarse{std::clamp(static_cast<int>(std::lround(std::min(2.0, options.max_sigma) / options.step)), 1, samples)};
  // Paths in order of priority: parameters that meet most others in f first (the hubs of a sparse
  // Hessian; every parameter of a dense one alike), then by index.
  std::vector<int> order(inner.size());
  std::iota(order.begin(), order.end(), 0);
  if (minimum.has_sparse_hessian()) {
    std::vector<Eigen::Index> degree(inner.size());
    for (std::size_t a = 0; a < inner.size(); ++a) {
      const int i = inner[a];
      degree[a] = minimum.sparse_hessian.outerIndexPtr()[i + 1] - minimum.sparse_hessian.outerIndexPtr()[i];
    }
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return degree[static_cast<std::size_t>(a)] > degree[static_cast<std::size_t>(b)]; });
  }
  const long unlimited = std::numeric_limits<long>::max();
  long left = budget < 0 ? unlimited : budget;
  const long per_parameter = 2 * static_cast<long>(coarse.size());
  const std::size_t covered = left == unlimited ? inner.size() : std::min<std::size_t>(inner.size(), static_cast<std::size_t>(left / per_parameter));
  std::vector<Line> lines(2 * covered);
  for (std::size_t k = 0; k < covered; ++k)
    for (int s = 0; s < 2; ++s) {
      lines[2 * k + static_cast<std::size_t>(s)].a = order[k];
      lines[2 * k + static_cast<std::size_t>(s)].sign = s == 0 ? 1.0 : -1.0;
    }
  out.paths = static_cast<int>(lines.size());

  auto sample = [&](Line& line, const Eigen::VectorXd& direction, double sigma, int j) {
    if (line.stopped) return;
    const double t = j * options.step;
    Eigen::VectorXd x = minimum.x + (line.sign * t * sigma) * direction;
    for (const int i : inner) x[i] = objective.bounds(i).clamp(x[i]);
    const double delta = objective.value(x) - f0;
    ++line.evaluations;
    if (!std::isfinite(delta)) {
      line.stopped = true;
      return;
    }
    const auto at = std::lower_bound(line.samples.begin(), line.samples.end(), t, [](const Sample& s, double v) { return s.t < v; });
    line.samples.insert(at, Sample{t, delta, std::move(x)});
  };
  auto path = [&](const Line& line, double& sigma) {
    const Eigen::VectorXd v = directions.column(line.a);
    const double vaa = v[line.a];
    Eigen::VectorXd direction = Eigen::VectorXd::Zero(n);
    if (!(vaa > 0.0)) return direction;
    sigma = std::sqrt(2.0 * up * vaa);
    direction(inner) = v / vaa;
    return direction;
  };
  // Stage 1: the coarse samples of every covered path.
  parallel_for(static_cast<int>(lines.size()), options.threads, [&](int l) {
    Line& line = lines[static_cast<std::size_t>(l)];
    double sigma = 0.0;
    const Eigen::VectorXd direction = path(line, sigma);
    if (!(sigma > 0.0)) return;
    for (const int j : coarse) sample(line, direction, sigma, j);
    for (const Sample& s : line.samples)
      line.deviation = std::max(line.deviation, s.delta < -tolerance ? 1e300 : std::abs(s.delta / (up * s.t * s.t) - 1.0));
  });
  for (const Line& line : lines) left -= line.evaluations;
  // Stage 2: the whole grid on the paths that are least quadratic, as far as the budget goes.
  std::vector<int> refine;
  for (std::size_t l = 0; l < lines.size(); ++l)
    if (lines[l].deviation > 0.2 && !lines[l].stopped) refine.push_back(static_cast<int>(l));
  std::stable_sort(refine.begin(), refine.end(), [&](int a, int b) {
    return lines[static_cast<std::size_t>(a)].deviation > lines[static_cast<std::size_t>(b)].deviation;
  });
  const long per_refine = samples - static_cast<long>(coarse.size());
  if (left != unlimited) refine.resize(std::min<std::size_t>(refine.size(), per_refine > 0 ? static_cast<std::size_t>(std::max(0L, left) / per_refine) : refine.size()));
  parallel_for(static_cast<int>(refine.size()), options.threads, [&](int r) {
    Line& line = lines[static_cast<std::size_t>(refine[static_cast<std::size_t>(r)])];
    double sigma = 0.0;
    const Eigen::VectorXd direction = path(line, sigma);
    for (int j = 1; j <= samples; ++j)
      if (std::find(coarse.begin(), coarse.end(), j) == coarse.end()) sample(line, direction, sigma, j);
  });
  // On each path keep the lowest sample that is below f_min, or that lies past a concave stretch
  // with f - f_min < flatness * up * t^2.
  for (Line& line : lines) {
    out.evaluations += line.evaluations;
    // concave: the slope between consecutive samples (from t = 0, Delta = 0) falls
    double t_prev = 0.0, f_prev = 0.0, slope_prev = -std::numeric_limits<double>::infinity();
    bool seen_concave = false;
    for (Sample& s : line.samples) {
      const double slope = (s.delta - f_prev) / (s.t - t_prev);
      seen_concave = seen_concave || slope < slope_prev;
      const bool candidate = s.delta < -tolerance || (seen_concave && s.delta < options.flatness * up * s.t * s.t);
      if (candidate && (!line.seeded || s.delta < line.delta)) {
        line.seeded = true;
        line.delta = s.delta;
        line.x = s.x;
      }
      slope_prev = slope;
      t_prev = s.t;
      f_prev = s.delta;
    }
  }
  std::vector<int> seeded;
  for (std::size_t l = 0; l < lines.size(); ++l)
    if (lines[l].seeded) seeded.push_back(static_cast<int>(l));
  std::stable_sort(seeded.begin(), seeded.end(), [&](int a, int b) {
    return lines[static_cast<std::size_t>(a)].delta < lines[static_cast<std::size_t>(b)].delta;
  });
  if (static_cast<int>(seeded.size()) > options.max_starts) seeded.resize(static_cast<std::size_t>(std::max(0, options.max_starts)));
  for (const int l : seeded) {
    const Line& line = lines[static_cast<std::size_t>(l)];
    out.starts.push_back(line.x);
    out.deltas.push_back(line.delta);
    out.parameters.push_back(inner[static_cast<std::size_t>(line.a)]);
  }
  return out;
}

}  // namespace hessfit::fit::detail
