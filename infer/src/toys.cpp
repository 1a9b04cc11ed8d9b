#include "hessfit/infer/toys.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <utility>

#include "hessfit/common/text.hpp"
#include "hessfit/common/log_gamma.hpp"
#include "hessfit/fit/parallel.hpp"

namespace hessfit::infer {

// --- random numbers ------------------------------------------------------------------------

std::uint64_t mix64(std::uint64_t z) noexcept {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

std::string to_string(ToyEnsemble ensemble) {
  switch (ensemble) {
    case ToyEnsemble::kNull: return "null";
    case ToyEnsemble::kAlternative: return "alternative";
    case ToyEnsemble::kPulls: return "pulls";
    case ToyEnsemble::kGoodnessOfFit: return "gof";
  }
  return "?";
}

std::uint64_t toy_stream_seed(std::uint64_t seed, ToyEnsemble ensemble, double poi_value,
                              std::uint64_t index) noexcept {
  const double v = poi_value == 0.0 ? 0.0 : poi_value;  // -0 and +0 are one value
  std::uint64_t s = mix64(seed);
  s = mix64(s ^ static_cast<std::uint64_t>(ensemble));
  s = mix64(s ^ std::bit_cast<std::uint64_t>(v));
  return mix64(s ^ index);
}

ToyRandom::ToyRandom(std::uint64_t seed) noexcept {
  std::uint64_t z = seed;
  for (auto& s : s_) {
    s = mix64(z);
    z += 0x9e3779b97f4a7c15ULL;
  }
}

std::uint64_t ToyRandom::next() noexcept {
  const auto rotl = [](std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); };
  const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const std::uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double ToyRandom::uniform() noexcept { return (static_cast<double>(next() >> 11) + 0.5) * 0x1.0p-53; }

double ToyRandom::normal() noexcept {
  const double u1 = uniform(), u2 = uniform();
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double ToyRandom::poisson(double mean) noexcept {
  if (!(mean > 0.0)) return mean == 0.0 || mean < 0.0 ? 0.0 : mean;  // NaN stays NaN
  if (mean < 10.0) {
    // Knuth: the number of uniforms whose product stays above e^-mean.
    const double limit = std::exp(-mean);
    double product = uniform();
    int k = 0;
    while (product > limit) {
      ++k;
      product *= uniform();
    }
    return k;
  }
  // Hormann (1993), "The transformed rejection method for generating Poisson random variables" (PTRS).
  const double slam = std::sqrt(mean), loglam = std::log(mean);
  const double b = 0.931 + 2.53 * slam, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), vr = 0.9277 - 3.6224 / (b - 2.0);
  for (;;) {
    const double u = uniform() - 0.5, v = uniform(), us = 0.5 - std::abs(u);
    const double k = std::floor((2.0 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= vr) return k;
    if (k < 0.0 || (us < 0.013 && v > us)) continue;
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <= -mean + k * loglam - log_gamma(k + 1.0))
      return k;
  }
}

Eigen::VectorXd sample_data(const Model& model, const Eigen::VectorXd& expected, ToyRandom& random) {
  const auto& dist = model.data_distributions();
  if (dist.size() != model.data_size())
    throw std::invalid_argument(model.name() + " does not say how its data fluctuate: no pseudo-data");
  if (static_cast<std::size_t>(expected.size()) != dist.size())
    throw std::invalid_argument("expected data of " + std::to_string(expected.size()) + " values for " +
                                std::to_string(dist.size()) + " data");
  Eigen::VectorXd data(expected.size());
  for (Eigen::Index i = 0; i < expected.size(); ++i) {
    const DataDistribution& d = dist[static_cast<std::size_t>(i)];
    data[i] = d.kind == DataDistribution::Kind::kPoisson ? random.poisson(expected[i])
                                                          : expected[i] + d.sigma * random.normal();
  }
  return data;
}

// --- toy fits ----------------------------------------------------------------------------------

ToyGenerator::ToyGenerator(const Model& model, Eigen::VectorXd parameters, ToyEnsemble ensemble, double poi_value,
                           std::uint64_t seed) {
  if (model.data_distributions().size() != model.data_size())
    throw std::invalid_argument(model.name() + " does not say how its data fluctuate: no pseudo-data");
  auto state = std::make_shared<State>();
  state->model = std::make_shared<const Model>(model);
  state->expected = model.expected_data(parameters);
  state->ensemble = ensemble;
  state->poi_value = poi_value;
  state->seed = seed;
  // The chord: the expected Hessian (the Hessian on the generating point's own expected data).
  const fit::Objective asimov = model.objective_for(state->expected);
  fit::MinimizeResult at;
  at.x = parameters;
  at.parameter_states.resize(static_cast<std::size_t>(asimov.size()));
  for (int i = 0; i < asimov.size(); ++i)
    at.parameter_states[static_cast<std::size_t>(i)] =
        asimov.is_fixed(i) ? fit::ParameterState::kFixed : fit::ParameterState::kFree;
  if (asimov.uses_sparse_hessian()) asimov.value_gradient_sparse_hessian(parameters, at.gradient, at.sparse_hessian);
  else asimov.value_gradient_hessian(parameters, at.gradient, at.hessian);
  state->chord = fit::Chord::at(asimov, at);
  state->parameters = std::move(parameters);
  state_ = std::move(state);
}

Eigen::VectorXd ToyGenerator::data(std::uint64_t index) const {
  ToyRandom random(toy_stream_seed(state_->seed, state_->ensemble, state_->poi_value, index));
  return sample_data(*state_->model, state_->expected, random);
}

fit::MinimizeResult fit_toy(const fit::Objective& objective, const std::vector<int>& moved,
                            const Eigen::VectorXd& values, const Eigen::VectorXd& start, const fit::Chord* chord,
                            const ToyFitOptions& options, fit::Chord* learned) {
  const fit::Chord* c = options.chord_steps && chord != nullptr && chord->usable() ? chord : nullptr;
  fit::MinimizeResult r = fit::conditional_minimum(objective, moved, values, start, options.fit, c, &options.chord, learned);
  if (r.converged() || !options.retry_from_initial_values) return r;
  fit::MinimizeResult again = fit::conditional_minimum(objective, moved, values, objective.values(), options.fit);
  again.evaluations += r.evaluations;
  again.hessian_evaluations += r.hessian_evaluations;
  again.iterations += r.iterations;
  if (fit::better_fit(again, r)) return again;
  r.evaluations = again.evaluations;
  r.hessian_evaluations = again.hessian_evaluations;
  r.iterations = again.iterations;
  return r;
}

// --- distributions and p-values ---------------------------------------------------------------

int ToyDistribution::failed() const {
  return static_cast<int>(std::count_if(q.begin(), q.end(), [](double v) { return std::isnan(v); }));
}

std::vector<double> ToyDistribution::sorted() const {
  std::vector<double> v;
  v.reserve(q.size());
  for (const double x : q)
    if (!std::isnan(x)) v.push_back(x);
  std::sort(v.begin(), v.end());
  return v;
}

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double tie_threshold(double q_obs, double tie_tolerance) {
  return q_obs - tie_tolerance * std::max(1.0, std::abs(q_obs));
}

/// #{v >= threshold} in an ascending vector.
int count_at_least(const std::vector<double>& sorted, double threshold) {
  return static_cast<int>(sorted.end() - std::lower_bound(sorted.begin(), sorted.end(), threshold));
}

ToyPValue make_pvalue(int passed, int total) {
  ToyPValue p;
  p.passed = passed;
  p.total = total;
  if (total == 0) return p;
  const double n = total;
  if (passed == 0) {
    p.value = 1.0 / n;
    p.error = 0.0;
    p.bound = true;
    return p;
  }
  p.value = passed / n;
  p.error = std::sqrt(p.value * (1.0 - p.value) / n);
  return p;
}

}  // namespace

ToyPValue ToyDistribution::p_value(double q_obs, double tie_tolerance) const {
  const std::vector<double> s = sorted();
  return make_pvalue(count_at_least(s, tie_threshold(q_obs, tie_tolerance)), static_cast<int>(s.size()));
}

double percentile_linear(const std::vector<double>& sorted_values, double p) {
  const double position = p * static_cast<double>(sorted_values.size() - 1);
  const auto lo = static_cast<std::size_t>(std::floor(position));
  const std::size_t hi = std::min(lo + 1, sorted_values.size() - 1);
  const double frac = position - static_cast<double>(lo);
  return sorted_values[lo] + frac * (sorted_values[hi] - sorted_values[lo]);
}

void toy_pvalues(ToyHypotestResult& r, double tie_tolerance) {
  const std::vector<double> null = r.null.sorted(), alt = r.alternative.sorted();
  r.clsb = make_pvalue(count_at_least(null, tie_threshold(r.q_obs, tie_tolerance)), static_cast<int>(null.size()));
  r.clb = make_pvalue(count_at_least(alt, tie_threshold(r.q_obs, tie_tolerance)), static_cast<int>(alt.size()));
  r.cls = r.cls_error = ToyHypotestResult::kNaN;
  r.cls_bound = r.clsb.bound;
  if (r.clsb.total > 0 && r.clb.total > 0 && !r.clb.bound) {
    r.cls = r.clsb.value / r.clb.value;
    const double a = r.clsb.error / r.clsb.value, b = r.clb.error / r.clb.value;
    r.cls_error = r.cls * std::sqrt(a * a + b * b);
  }
  r.cls_exp.fill(ToyHypotestResult::kNaN);
  r.cls_exp_error.fill(ToyHypotestResult::kNaN);
  r.clsb_exp.fill(ToyHypotestResult::kNaN);
  r.clb_exp.fill(ToyHypotestResult::kNaN);
  if (null.empty() || alt.empty()) return;
  std::vector<double> cls(alt.size()), clsb(alt.size()), clb(alt.size());
  for (std::size_t j = 0; j < alt.size(); ++j) {
    const double t = tie_threshold(alt[j], tie_tolerance);
    clsb[j] = count_at_least(null, t) / static_cast<double>(null.size());
    clb[j] = count_at_least(alt, t) / static_cast<double>(alt.size());
    cls[j] = clsb[j] / clb[j];
  }
  std::sort(cls.begin(), cls.end());
  std::sort(clsb.begin(), clsb.end());
  std::sort(clb.begin(), clb.end());
  const auto n_alt = static_cast<double>(alt.size()), n_null = static_cast<double>(null.size());
  for (std::size_t k = 0; k < 5; ++k) {
    const double p = normal_cdf(kBandSigmas[k]);
    r.cls_exp[k] = percentile_linear(cls, p);
    r.clsb_exp[k] = percentile_linear(clsb, p);
    r.clb_exp[k] = percentile_linear(clb, p);
    // The error of the band value (see toys.hpp): the spread of the quantile of the b-only toys
    // and the binomial error of the CLs+b counted from the s+b toys.
    const double d = std::sqrt(p * (1.0 - p) / n_alt);
    const double quantile = 0.5 * (percentile_linear(cls, std::min(1.0, p + d)) - percentile_linear(cls, std::max(0.0, p - d)));
    // No s+b toy passing there (c = 0) is counted as one toy, as a p-value bound is (1/N).
    const double c = std::max(r.clsb_exp[k], 1.0 / n_null);
    const double counting = r.clb_exp[k] > 0.0 ? std::sqrt(c * (1.0 - c) / n_null) / r.clb_exp[k] : 0.0;
    r.cls_exp_error[k] = std::hypot(quantile, counting);
  }
}

// --- the calculator ----------------------------------------------------------------------------

namespace {

const Model& checked_for_toys(const Model& model, const ToyOptions& options) {
  check_testable(model);
  if (model.data_distributions().size() != model.data_size())
    throw std::invalid_argument(model.name() + " does not say how its data fluctuate: toys are unavailable");
  if (options.ntoys < 1) throw std::invalid_argument("toys: ntoys must be at least 1, got " + std::to_string(options.ntoys));
  if (!(options.cls_accuracy >= 0.0))
    throw std::invalid_argument("toys: the CLs accuracy must be >= 0, got " + format_shortest(options.cls_accuracy));
  return model;
}

void add_problem(std::string& message, const std::string& what) { message += (message.empty() ? "" : "; ") + what; }

void note_failures(ToyHypotestResult& r, double max_fraction) {
  for (const ToyDistribution* d : {&r.null, &r.alternative}) {
    const int failed = d->failed();
    if (failed == 0) continue;
    const double fraction = failed / static_cast<double>(d->q.size());
    const std::string what = std::to_string(failed) + " of " + std::to_string(d->q.size()) + " " +
                             to_string(d->ensemble) + " toys failed their fits (left out of the p-values)";
    add_problem(r.message, what);
    if (fraction > max_fraction) r.ok = false;
  }
}

}  // namespace

ToyCalculator::ToyCalculator(const Model& model, const Eigen::VectorXd& data, TestStatistic statistic,
                             ToyOptions options)
    : asymptotic_(checked_for_toys(model, options), data, statistic, options.fits), options_(std::move(options)) {}

Eigen::VectorXd ToyCalculator::generating_point(double mu) const {
  Eigen::VectorXd x = asymptotic_.data_fits().fixed_fit(mu)->x;
  x[asymptotic_.poi()] = mu;
  return x;
}

std::vector<ToyDistribution> ToyCalculator::run(ToyEnsemble ensemble, double generated_poi,
                                                const std::vector<double>& tested, long begin, long end) const {
  const Model& m = model();
  const int poi = asymptotic_.poi();
  const ToyGenerator generator(m, generating_point(generated_poi), ensemble, generated_poi, options_.seed);
  const fit::Chord& chord = generator.chord();
  // dx/dmu along the expected profile: column mu of the inverse Hessian over its diagonal entry.
  Eigen::VectorXd predictor = Eigen::VectorXd::Zero(m.objective().size());
  if (chord.usable() && chord.position[static_cast<std::size_t>(poi)] >= 0) {
    const Eigen::Index a = chord.position[static_cast<std::size_t>(poi)];
    const Eigen::VectorXd column = chord.column(a);
    for (std::size_t k = 0; k < chord.inner.size(); ++k)
      predictor[chord.inner[k]] = column[static_cast<Eigen::Index>(k)] / column[a];
  }
  const Bounds bounds = m.objective().bounds(poi);
  const double free_lower = clips_at_zero(statistic()) ? std::max(bounds.lower, 0.0) : bounds.lower;
  const std::vector<int> moved{poi};
  const long n = std::max(0L, end - begin);
  std::vector<ToyDistribution> out(tested.size());
  for (std::size_t t = 0; t < tested.size(); ++t) {
    out[t].ensemble = ensemble;
    out[t].generated_poi = generated_poi;
    out[t].tested_poi = tested[t];
    out[t].q.assign(static_cast<std::size_t>(n), kNaN);
    out[t].poi_hat.assign(static_cast<std::size_t>(n), kNaN);
    out[t].iterations.assign(static_cast<std::size_t>(n), 0);
    out[t].hessians.assign(static_cast<std::size_t>(n), 0);
  }
  // A toy's record: per tested value q, mu_hat, Newton iterations, Hessians.
  const int width = 4 * static_cast<int>(tested.size());
  const auto one_toy = [&](int k, double* record) {
    const Eigen::VectorXd data = generator.data(static_cast<std::uint64_t>(begin + k));
    fit::Objective objective = m.objective_for(data);
    fit::Objective free = objective;
    free.set_bounds(poi, {free_lower, std::max(bounds.upper, generated_poi)});
    Eigen::VectorXd start = generator.parameters();
    // The free fit's chord, BFGS-updated on its way to the toy's minimum, serves its conditional
    // fits (which start from there): it knows the toy's curvature better than the generator's.
    fit::Chord learned;
    const fit::MinimizeResult f = fit_toy(free, {}, Eigen::VectorXd(), start, &chord, options_.toy_fits, &learned);
    const fit::Chord& conditional_chord = f.converged() && learned.usable() ? learned : chord;
    for (std::size_t t = 0; t < tested.size(); ++t) {
      const double mu = tested[t];
      fit::Objective conditional = objective;
      conditional.set_bounds(poi, {std::min(bounds.lower, mu), std::max(bounds.upper, mu)});
      Eigen::VectorXd from = f.x + (mu - f.x[poi]) * predictor;
      if (!f.x.allFinite()) from = generator.parameters();
      Eigen::VectorXd value(1);
      value[0] = mu;
      const fit::MinimizeResult c = fit_toy(conditional, moved, value, from, &conditional_chord, options_.toy_fits);
      double* r = record + 4 * t;
      r[0] = f.converged() && c.converged() ? test_statistic_value(statistic(), mu, f.x[poi], c.fval, f.fval) : kNaN;
      r[1] = f.x[poi];
      r[2] = (t == 0 ? f.iterations : 0) + c.iterations;
      r[3] = (t == 0 ? f.hessian_evaluations : 0) + c.hessian_evaluations;
    }
  };
  const auto store = [&](int k, const double* record) {
    const auto i = static_cast<std::size_t>(k);
    for (std::size_t t = 0; t < tested.size(); ++t) {
      const double* r = record + 4 * t;
      out[t].q[i] = r[0];
      out[t].poi_hat[i] = r[1];
      out[t].iterations[i] = static_cast<int>(r[2]);
      out[t].hessians[i] = static_cast<int>(r[3]);
    }
  };
  detail::for_each_toy(n, width, options_, one_toy, store);
  return out;
}

void detail::for_each_toy(long n, int width, const ToyOptions& options, const fit::ItemCompute& compute, const fit::ItemStore& store) {
  // Blocks, for progress lines; within a block the toys run in parallel.
  const long block = std::max(64L, n / 20);
  for (long done = 0; done < n; done += block) {
    const long size = std::min(block, n - done);
    const int first = static_cast<int>(done);
    fit::distributed_for(
        static_cast<int>(size), width, options.threads, [&](int k, double* record) { compute(first + k, record); },
        [&](int k, const double* record) { store(first + k, record); });
    if (options.progress) options.progress(done + size, n);
  }
}

namespace {

void append(ToyDistribution& to, const ToyDistribution& from) {
  to.q.insert(to.q.end(), from.q.begin(), from.q.end());
  to.poi_hat.insert(to.poi_hat.end(), from.poi_hat.begin(), from.poi_hat.end());
  to.iterations.insert(to.iterations.end(), from.iterations.begin(), from.iterations.end());
  to.hessians.insert(to.hessians.end(), from.hessians.begin(), from.hessians.end());
}

}  // namespace

ToyHypotestResult ToyCalculator::assemble(double mu, double q_obs, ToyDistribution null,
                                          ToyDistribution alternative) const {
  ToyHypotestResult r;
  r.ntoys = options_.ntoys;
  r.seed = options_.seed;
  r.mu = mu;
  r.statistic = statistic();
  r.q_obs = q_obs;
  r.mu_hat = asymptotic_.data_fits().poi_hat();
  r.null = std::move(null);
  r.alternative = std::move(alternative);
  toy_pvalues(r, options_.tie_tolerance);
  note_failures(r, options_.max_failed_fraction);
  if (!std::isfinite(r.q_obs)) {
    r.ok = false;
    add_problem(r.message, "the observed statistic is not finite");
  }
  return r;
}

ToyHypotestResult ToyCalculator::hypotest(double mu) const {
  const HypotestResult asymptotic = asymptotic_.hypotest(mu, /*allow_past_bound=*/true);
  const double mu_alt = asimov_poi(statistic());
  const long n = options_.ntoys;
  ToyDistribution null = run(ToyEnsemble::kNull, mu, {mu}, 0, n)[0];
  ToyDistribution alt = run(ToyEnsemble::kAlternative, mu_alt, {mu}, 0, n)[0];
  ToyHypotestResult r = assemble(mu, asymptotic.q_obs, null, alt);
  if (options_.cls_accuracy > 0.0) {
    long size = n;
    while (!(r.cls_error <= options_.cls_accuracy) && size < options_.max_toys) {
      const long next = std::min<long>(size + n, options_.max_toys);
      append(null, run(ToyEnsemble::kNull, mu, {mu}, size, next)[0]);
      append(alt, run(ToyEnsemble::kAlternative, mu_alt, {mu}, size, next)[0]);
      size = next;
      r = assemble(mu, asymptotic.q_obs, null, alt);
    }
    if (!(r.cls_error <= options_.cls_accuracy))
      add_problem(r.message, "the CLs accuracy " + format_significant(options_.cls_accuracy, 3) + " was not reached with " +
                                 std::to_string(size) + " toys per ensemble (CLs error " +
                                 format_significant(r.cls_error, 3) + ")");
  }
  r.asymptotic = asymptotic;
  if (!asymptotic.ok) add_problem(r.message, "asymptotic: " + asymptotic.message);
  return r;
}

namespace {

/// The first crossing of `target` from above by the curve c(mu) on the grid, linearly
/// interpolated, with the error from the errors `e` at the grid points (empty: none).
ToyUpperLimit crossing(const std::vector<double>& grid, const std::vector<double>& c, const std::vector<double>& e,
                       double target) {
  ToyUpperLimit u;
  for (std::size_t k = 1; k < grid.size(); ++k) {
    if (!(c[k - 1] >= target) || !(c[k] < target)) continue;
    const double slope = (c[k] - c[k - 1]) / (grid[k] - grid[k - 1]);
    const double w = (target - c[k - 1]) / (c[k] - c[k - 1]);
    u.value = grid[k - 1] + w * (grid[k] - grid[k - 1]);
    if (!e.empty()) u.error = ((1.0 - w) * e[k - 1] + w * e[k]) / std::abs(slope);
    u.found = true;
    return u;
  }
  return u;
}

}  // namespace

ToyUpperLimitResult ToyCalculator::upper_limit(const std::vector<double>& grid, double cl) const {
  if (!has_cls(statistic()))
    throw std::invalid_argument("toy upper limits need a statistic with CLs (qtilde, q), not " + to_string(statistic()));
  if (grid.size() < 2) throw std::invalid_argument("toy upper limits need a POI grid of at least 2 values");
  for (std::size_t k = 1; k < grid.size(); ++k)
    if (!(grid[k] > grid[k - 1])) throw std::invalid_argument("toy upper limits: the POI grid must be ascending");
  if (!(cl > 0.0 && cl < 1.0)) throw std::invalid_argument("toy upper limits: the confidence level must lie in (0, 1)");
  ToyUpperLimitResult r;
  r.ntoys = options_.ntoys;
  r.seed = options_.seed;
  r.poi = model().poi_name();
  r.cl = cl;
  r.statistic = statistic();
  const long n = options_.ntoys;
  // The background-only toys are one ensemble (generated at mu' = 0) tested at every grid value.
  std::vector<ToyDistribution> alt = run(ToyEnsemble::kAlternative, asimov_poi(statistic()), grid, 0, n);
  std::vector<double> obs(grid.size()), err(grid.size());
  std::array<std::vector<double>, 5> band, band_error;
  for (std::size_t k = 0; k < grid.size(); ++k) {
    const HypotestResult asymptotic = asymptotic_.hypotest(grid[k], true);
    ToyHypotestResult t =
        assemble(grid[k], asymptotic.q_obs, run(ToyEnsemble::kNull, grid[k], {grid[k]}, 0, n)[0], std::move(alt[k]));
    t.asymptotic = asymptotic;
    obs[k] = t.cls;
    err[k] = t.cls_error;
    for (std::size_t b = 0; b < 5; ++b) {
      band[b].push_back(t.cls_exp[b]);
      band_error[b].push_back(t.cls_exp_error[b]);
    }
    if (!t.ok) {
      r.ok = false;
      add_problem(r.message, "at " + r.poi + " = " + format_significant(grid[k], 6) + ": " + t.message);
    }
    r.scan.push_back(std::move(t));
  }
  const double target = 1.0 - cl;
  r.observed = crossing(grid, obs, err, target);
  for (std::size_t b = 0; b < 5; ++b) r.expected[b] = crossing(grid, band[b], band_error[b], target);
  if (!r.observed.found) {
    r.ok = false;
    add_problem(r.message, "the observed CLs does not cross " + format_significant(target, 3) +
                               " inside the grid [" + format_shortest(grid.front()) + ", " +
                               format_shortest(grid.back()) + "]");
  }
  for (std::size_t b = 0; b < 5; ++b)
    if (!r.expected[b].found) {
      r.ok = false;
      add_problem(r.message, "the expected CLs band (" + format_shortest(kBandSigmas[b]) +
                                 " sigma) does not cross " + format_significant(target, 3) + " inside the grid");
    }
  return r;
}

ToySignificanceResult ToyCalculator::significance() const {
  if (statistic() != TestStatistic::kQ0)
    throw std::invalid_argument("toy significances need the q0 statistic, not " + to_string(statistic()));
  ToySignificanceResult r;
  r.ntoys = options_.ntoys;
  r.seed = options_.seed;
  const HypotestResult asymptotic = asymptotic_.hypotest(0.0, true);
  r.q0_obs = asymptotic.q_obs;
  r.p0_asymptotic = asymptotic.p_value;
  r.z_asymptotic = -normal_quantile(asymptotic.p_value);
  r.null = run(ToyEnsemble::kNull, 0.0, {0.0}, 0, options_.ntoys)[0];
  r.p0 = r.null.p_value(r.q0_obs, options_.tie_tolerance);
  r.z = -normal_quantile(r.p0.value);
  if (const int failed = r.null.failed(); failed > 0) {
    add_problem(r.message, std::to_string(failed) + " of " + std::to_string(r.null.q.size()) +
                               " toys failed their fits (left out of p0)");
    if (failed > options_.max_failed_fraction * static_cast<double>(r.null.q.size())) r.ok = false;
  }
  if (!asymptotic.ok) add_problem(r.message, "asymptotic: " + asymptotic.message);
  return r;
}

}  // namespace hessfit::infer
