// Pseudo-experiments (toys): pseudo-data from a model, toy fits, toy-based hypothesis tests
// (CLs+b, CLb, CLs and the expected band, pyhf's ToyCalculator), toy-based upper limits on a POI
// grid and discovery p-values.
//
// Pseudo-data at parameters x: every main count ~ Poisson(nu_i(x)); every auxiliary datum drawn
// from its constraint around the generating value (Gaussian N(theta, sigma) for normsys,
// histosys, staterror and lumi; Poisson(gamma tau) for shapesys) -- model.expected_data(x) and
// model.data_distributions(). Generating points (pyhf's and Combine's convention): the
// "null" ensemble of a test of POI = mu at theta_hat_hat(mu), the conditional fit to the observed
// data; the "alternative" (background-only) ensemble at theta_hat_hat(mu') with mu' = 0 for q_mu
// and q~_mu, mu' = 1 for q0 (whose null is mu = 0).
//
// Randomness: toy i of an ensemble draws from its own stream, xoshiro256** seeded by SplitMix64
// from
//
//   s_i = mix(mix(mix(mix(seed) ^ kind) ^ bits(poi value)) ^ i)         (mix: SplitMix64's finaliser)
//
// so that a toy depends only on (seed, ensemble kind, generating POI value, index): the same
// toys, bit for bit, for any thread count, order of evaluation or split into shards (MPI ranks),
// and the s+b and b-only ensembles never share random numbers. Poisson and normal variates are
// drawn by this file's own samplers (Knuth's product method below a mean of 10, Hormann's PTRS
// above; Box-Muller), never by the standard library's distributions, whose algorithms differ
// between implementations.
//
// Toy fits start at the generating point (the toy's expected minimum) with chord steps -- Newton
// steps with the inverse of the expected (Asimov) Hessian at the generating point, computed once
// per ensemble, each a projected line search (fit::ChordOptions) -- then, where they stall, chord
// steps with the exact Hessian at the point reached (Shamanskii), and then exact-Hessian Newton
// without a probe for other minima; a fit that does not converge is retried from the model's
// initial values. A toy whose fits still fail is counted as failed.
//
// Denominator rule: p-values are fractions of the toys whose fits converged,
//
//   p = #{valid toys with q >= q_obs - tie} / #{valid toys},   tie = tie_tolerance max(1, q_obs),
//
// (ties counted, as pyhf does; the tolerance makes discrete ties -- identical data -- ties despite
// rounding in the fits); failed toys are left out of numerator and denominator, counted per
// ensemble and reported (failed_fits), and the result is flagged when more than
// max_failed_fraction of an ensemble failed. Binomial errors sqrt(p (1 - p) / N); CLs = CLs+b /
// CLb with sigma_CLs = CLs sqrt((sigma_sb / CLs+b)^2 + (sigma_b / CLb)^2). When no toy passes, p
// is reported as the bound p < 1/N (value 1/N, `bound` set).
//
// Expected band (pyhf's ToyCalculator): each background-only toy's statistic q_j taken as the
// observed one gives CLs_j = p_sb(q_j) / p_b(q_j); the band is the percentiles of the CLs_j at
// Phi(-2), Phi(-1), 1/2, Phi(1), Phi(2) (linear interpolation between order statistics, numpy's
// default), ascending CLs -- pyhf's order.
//
//   hessfit::infer::ToyOptions options;  options.ntoys = 2000;  options.seed = 7;
//   hessfit::infer::ToyCalculator toys(model, model.observed_data(), TestStatistic::kQTildeMu, options);
//   const auto r = toys.hypotest(1.0);   // r.cls.value, r.cls.error, r.cls_exp
#pragma once

#include <Eigen/Core>

#include <array>
#include <cstdint>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "hessfit/common/levels.hpp"
#include "hessfit/fit/minimize.hpp"
#include "hessfit/fit/parallel.hpp"
#include "hessfit/fit/profile.hpp"
#include "hessfit/infer/fits.hpp"
#include "hessfit/infer/hypotest.hpp"
#include "hessfit/infer/model.hpp"
#include "hessfit/infer/test_statistics.hpp"

namespace hessfit::infer {

// --- random numbers ------------------------------------------------------------------------

/// SplitMix64's finaliser: a bijective 64-bit mix (Steele, Lea, Flood 2014).
std::uint64_t mix64(std::uint64_t z) noexcept;

/// The ensembles a toy can belong to (part of its stream's seed).
enum class ToyEnsemble : std::uint64_t {
  kNull = 1,         // the tested hypothesis (s+b at POI = mu; for q0 the background, mu = 0)
  kAlternative = 2,  // background-only (mu' = 0) for q_mu, q~_mu; mu' = 1 for q0
  kPulls = 3,        // pull and coverage studies
  kGoodnessOfFit = 4,
};
std::string to_string(ToyEnsemble ensemble);

/// The seed of toy `index`'s stream (see the top of this file).
std::uint64_t toy_stream_seed(std::uint64_t seed, ToyEnsemble ensemble, double poi_value, std::uint64_t index) noexcept;

/// xoshiro256** (Blackman, Vigna) with portable samplers.
class ToyRandom {
 public:
  explicit ToyRandom(std::uint64_t seed) noexcept;
  std::uint64_t next() noexcept;
  /// Uniform on (0, 1) (53 bits, never 0).
  double uniform() noexcept;
  /// Standard normal (Box-Muller, one variate per pair of uniforms).
  double normal() noexcept;
  /// Poisson(mean); 0 for mean <= 0.
  double poisson(double mean) noexcept;

 private:
  std::uint64_t s_[4];
};

/// Pseudo-data around `expected` (model.expected_data(x)): each entry drawn as
/// model.data_distributions() says. Throws std::invalid_argument when the model does not say
/// how its data fluctuate, or sizes differ.
Eigen::VectorXd sample_data(const Model& model, const Eigen::VectorXd& expected, ToyRandom& random);

// --- toy fits ----------------------------------------------------------------------------------

struct ToyFitOptions {
  /// Each toy fit: trust-region Newton with exact Hessians, no probe, no polish (the start is
  /// the toy's expected minimum).
  fit::MinimizeOptions fit = fit::ProfileOptions{}.conditional;
  /// Chord steps with the generating point's expected Hessian before Newton.
  bool chord_steps = true;
  /// The chord steps. A toy's minimum lies about a standard deviation from the generating point
  /// in every constrained parameter (its auxiliary data moved), far in a HistFactory model's
  /// nonlinear region, where the expected Hessian's chord alone stalls. With BFGS updates of the
  /// chord the line-searched steps learn the curvature on the way and usually bring the EDM
  /// below its target with no exact Hessian but Newton's confirming one (atlas-compressed, 217
  /// parameters: ~1.1 Hessians and ~60 gradients per fit, against ~6 Hessians and ~44 gradients
  /// with refreshed chords alone, ~12 Newton iterations from the generating point). Where they
  /// still stall, the exact Hessian there becomes the chord (up to max_refreshes times).
  fit::ChordOptions chord = [] {
    fit::ChordOptions o;
    o.max_steps = 200;
    o.contraction = 0.9;
    o.patience = 30;
    o.max_refreshes = 3;
    o.bfgs_updates = true;
    return o;
  }();
  /// A fit that does not converge is tried again from the model's initial values.
  bool retry_from_initial_values = true;
};

/// What the toys generated at one point share: the parameters, their expected data, and the
/// chord (inverse expected Hessian) there. Immutable, shared across threads.
class ToyGenerator {
 public:
  /// `parameters`: the generating point (all parameters). Throws std::invalid_argument
  /// (NoExpectedData) for a model without expected data or data distributions.
  ToyGenerator(const Model& model, Eigen::VectorXd parameters, ToyEnsemble ensemble, double poi_value,
               std::uint64_t seed);
  const Eigen::VectorXd& parameters() const noexcept { return state_->parameters; }
  const Eigen::VectorXd& expected() const noexcept { return state_->expected; }
  ToyEnsemble ensemble() const noexcept { return state_->ensemble; }
  double poi_value() const noexcept { return state_->poi_value; }
  std::uint64_t seed() const noexcept { return state_->seed; }
  /// The data of toy `index` (a function of seed, ensemble, POI value and index only).
  Eigen::VectorXd data(std::uint64_t index) const;
  /// The inverse expected Hessian at the generating point over the free parameters (the POI
  /// included); not usable() when that Hessian is not positive definite.
  const fit::Chord& chord() const noexcept { return state_->chord; }

 private:
  struct State {
    Eigen::VectorXd parameters, expected;
    ToyEnsemble ensemble = ToyEnsemble::kNull;
    double poi_value = 0.0;
    std::uint64_t seed = 0;
    fit::Chord chord;
    std::shared_ptr<const Model> model;
  };
  std::shared_ptr<const State> state_;
};

/// One toy fit: `objective` (the NLL on the toy's data, with the bounds of the fit) minimised
/// with `moved` fixed at `values`, from `start`, with the generator's chord steps; retried from
/// the objective's initial values if it does not converge. `learned` (optional) receives the
/// chord as the steps left it (BFGS-updated, ToyFitOptions::chord.bfgs_updates; empty otherwise).
fit::MinimizeResult fit_toy(const fit::Objective& objective, const std::vector<int>& moved,
                            const Eigen::VectorXd& values, const Eigen::VectorXd& start, const fit::Chord* chord,
                            const ToyFitOptions& options, fit::Chord* learned = nullptr);

// --- toy-based hypothesis tests -----------------------------------------------------------------

/// A p-value counted from toys (see the denominator rule at the top of this file).
struct ToyPValue {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double value = kNaN;
  double error = kNaN;  // binomial: sqrt(p (1 - p) / N)
  int passed = 0;       // valid toys with q >= q_obs (ties included)
  int total = 0;        // valid toys
  /// No toy passed: `value` = 1/total is an upper bound (p < 1/N).
  bool bound = false;
};

/// The statistic of every toy of one ensemble at one tested POI value.
struct ToyDistribution {
  ToyEnsemble ensemble = ToyEnsemble::kNull;
  double generated_poi = 0.0;  // the POI value the toys were generated at
  double tested_poi = 0.0;     // the POI value the statistic tests
  /// Per toy, in index order: the statistic (NaN where its fits failed) and mu_hat.
  std::vector<double> q;
  std::vector<double> poi_hat;
  /// Per toy: Newton iterations and Hessians of its fits (for benchmarks).
  std::vector<int> iterations;
  std::vector<int> hessians;
  int failed() const;
  int valid() const { return static_cast<int>(q.size()) - failed(); }
  /// The fraction of valid toys with q >= q_obs - tie_tolerance max(1, q_obs).
  ToyPValue p_value(double q_obs, double tie_tolerance) const;
  /// The valid statistics, ascending.
  std::vector<double> sorted() const;
};

struct ToyOptions {
  /// Toys per ensemble (the first block with cls_accuracy).
  int ntoys = 1000;
  std::uint64_t seed = 0;
  /// Threads (0 = all cores); results do not depend on it.
  int threads = 0;
  ToyFitOptions toy_fits;
  /// The fits to the observed data (generating points, the observed statistic).
  InferenceOptions fits;
  /// Statistic values within tie_tolerance max(1, q_obs) below q_obs count as ties (>=).
  double tie_tolerance = 1e-7;
  /// The result is flagged (ok = false) when more than this fraction of an ensemble failed.
  double max_failed_fraction = 0.01;
  /// Combine's --clsAcc: when > 0, blocks of ntoys toys are added to both ensembles until the
  /// CLs error is at most this (absolute), or max_toys toys per ensemble are reached.
  double cls_accuracy = 0.0;
  int max_toys = 100000;
  /// Called after each block of toys with (toys done, toys planned) -- progress lines.
  std::function<void(long done, long planned)> progress;
};

struct [[nodiscard]] ToyHypotestResult {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  /// The toys asked for per ensemble (ToyOptions::ntoys; cls_accuracy may have added more: see
  /// null.q.size()) and the seed.
  int ntoys = 0;
  std::uint64_t seed = 0;
  double mu = kNaN;
  TestStatistic statistic = TestStatistic::kQTildeMu;
  double q_obs = kNaN;
  double mu_hat = kNaN;
  /// CLs+b (for q0: p0), CLb, and CLs = CLs+b / CLb with its propagated error; `cls_bound`: CLs+b
  /// was a bound (no null toy passed), cls is then a bound too.
  ToyPValue clsb, clb;
  double cls = kNaN, cls_error = kNaN;
  bool cls_bound = false;
  /// Expected band from the background-only toys, pyhf's order (ascending).
  std::array<double, 5> cls_exp{kNaN, kNaN, kNaN, kNaN, kNaN};
  /// The toy uncertainty of each band value (see toy_pvalues).
  std::array<double, 5> cls_exp_error{kNaN, kNaN, kNaN, kNaN, kNaN};
  std::array<double, 5> clsb_exp{kNaN, kNaN, kNaN, kNaN, kNaN};
  std::array<double, 5> clb_exp{kNaN, kNaN, kNaN, kNaN, kNaN};
  ToyDistribution null, alternative;
  /// The asymptotic result on the same data, for comparison.
  HypotestResult asymptotic;
  int failed_fits() const { return null.failed() + alternative.failed(); }
  bool ok = true;
  std::string message;
};

/// One CLs value of a toy limit scan and the limit found from them.
struct ToyUpperLimit {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  double value = kNaN;
  /// Toy uncertainty: sigma_CLs at the crossing / |dCLs/dmu| (sigma_CLs of the observed CLs or
  /// of the band value, interpolated between the grid points).
  double error = kNaN;
  /// The curve crosses 1 - CL inside the grid.
  bool found = false;
};

struct [[nodiscard]] ToyUpperLimitResult {
  int ntoys = 0;  // per ensemble and grid value
  std::uint64_t seed = 0;
  std::string poi;
  double cl = kUpperLimitLevel;
  TestStatistic statistic = TestStatistic::kQTildeMu;
  std::vector<ToyHypotestResult> scan;  // one per grid value, ascending
  ToyUpperLimit observed;
  std::array<ToyUpperLimit, 5> expected;  // -2, -1, 0, +1, +2 sigma
  bool ok = true;
  std::string message;
};

struct [[nodiscard]] ToySignificanceResult {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int ntoys = 0;
  std::uint64_t seed = 0;
  double q0_obs = kNaN;
  ToyPValue p0;
  double z = kNaN;  // -Phi^-1(p0) (a lower bound when p0 is a bound)
  double z_asymptotic = kNaN, p0_asymptotic = kNaN;
  ToyDistribution null;
  bool ok = true;
  std::string message;
};

/// Toy-based tests of one model and data set (pyhf's ToyCalculator): the fits to the data give
/// the observed statistic and the generating points; ensembles are run in parallel over toys.
class ToyCalculator {
 public:
  /// Throws std::invalid_argument as AsymptoticCalculator does, and for a model whose data
  /// distributions are unknown, ntoys < 1.
  ToyCalculator(const Model& model, const Eigen::VectorXd& data, TestStatistic statistic = TestStatistic::kQTildeMu,
                ToyOptions options = {});

  const Model& model() const noexcept { return asymptotic_.model(); }
  const AsymptoticCalculator& asymptotic() const noexcept { return asymptotic_; }
  const ToyOptions& options() const noexcept { return options_; }
  TestStatistic statistic() const noexcept { return asymptotic_.statistic(); }

  /// theta_hat_hat(mu) of the observed data, with the POI at mu.
  Eigen::VectorXd generating_point(double mu) const;

  /// Toys [begin, end) of `ensemble` generated at POI = `generated_poi`, the statistic tested at
  /// each value of `tested` (the free fit shared): one distribution per tested value, each
  /// holding toys begin..end-1. Work items are the toys; results are gathered by index.
  std::vector<ToyDistribution> run(ToyEnsemble ensemble, double generated_poi, const std::vector<double>& tested,
                                   long begin, long end) const;

  /// The toy-based test of POI = mu (values past the POI's upper bound allowed).
  ToyHypotestResult hypotest(double mu) const;
  /// Tests at every grid value (the background-only toys shared by all: one free fit each) and
  /// the limits where CLs and the band cross 1 - cl (linear interpolation between grid points).
  /// Throws std::invalid_argument for a grid that is empty or not ascending, a statistic without CLs.
  ToyUpperLimitResult upper_limit(const std::vector<double>& grid, double cl = kUpperLimitLevel) const;
  /// The discovery p-value from toys of mu = 0 (statistic q0 regardless of the calculator's).
  ToySignificanceResult significance() const;

 private:
  ToyHypotestResult assemble(double mu, double q_obs, ToyDistribution null, ToyDistribution alternative) const;
  AsymptoticCalculator asymptotic_;
  ToyOptions options_;
};

// --- pull and coverage studies, toy goodness of fit ---------------------------------------------
//
// Pulls: N toys generated at `generating` (by default the free fit to the observed data), each
// fitted freely from there; per parameter the pull (theta_hat - theta_gen) / sigma_hat with the
// Hessian error sigma_hat of the toy's fit, its mean (+- width / sqrt N) and width (+- width /
// sqrt(2 (N - 1))), the bias mean(theta_hat - theta_gen), and the fraction of toys whose Hessian
// interval theta_hat +- z sigma_hat (z for the confidence level: 1 at 68.27%) and, if asked, MINOS
// interval contain theta_gen, with binomial errors. A toy whose fit fails is left out of every
// parameter (counted in failed_fits); a parameter without an error in a toy's fit (held by a
// bound) is left out of that parameter's figures only (its `toys` counts the ones used).
//
// Goodness of fit: the saturated-model statistic (gof.hpp) of the free fit to the observed data,
// and of toys generated at that fit and fitted freely from there; p = fraction of valid toys with
// chi2 >= chi2_obs (ties included), with its binomial error, beside the asymptotic chi2 p-value.

struct PullOptions {
  /// Parameters to study (names); empty: every free parameter.
  std::vector<std::string> parameters;
  /// Confidence level of the intervals whose coverage is counted.
  double confidence_level = kOneSigmaLevel;
  /// Also count MINOS intervals (two profile crossings per parameter per toy: costly).
  bool minos = false;
};

struct ParameterPulls {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  std::string name;
  int index = -1;
  double generated = kNaN;
  int toys = 0;  // toys with a fit and an error for this parameter
  double pull_mean = kNaN, pull_mean_error = kNaN;
  double pull_width = kNaN, pull_width_error = kNaN;
  double bias = kNaN, bias_error = kNaN;  // mean(theta_hat - theta_gen)
  double coverage_hessian = kNaN, coverage_hessian_error = kNaN;
  /// NaN unless PullOptions::minos; `minos_toys` toys had both MINOS crossings.
  double coverage_minos = kNaN, coverage_minos_error = kNaN;
  int minos_toys = 0;
};

struct [[nodiscard]] PullStudyResult {
  int ntoys = 0;
  std::uint64_t seed = 0;
  double confidence_level = kOneSigmaLevel;
  Eigen::VectorXd generated;  // all parameters
  std::vector<ParameterPulls> parameters;
  /// Per toy (rows) and studied parameter (columns): the pull (NaN where not available).
  Eigen::MatrixXd pulls;
  std::vector<int> iterations, hessians;  // per toy
  int failed_fits = 0;
  bool ok = true;
  std::string message;
};

/// The pull and coverage study (see above). `generating` empty: the free fit to the observed
/// data (options.fits.free_fit). Throws std::invalid_argument for an unknown or fixed parameter,
/// a model without data distributions, ntoys < 1.
PullStudyResult pull_study(const Model& model, const ToyOptions& options, const PullOptions& pulls = {},
                           const Eigen::VectorXd& generating = {});

struct [[nodiscard]] ToyGofResult {
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  int ntoys = 0;
  std::uint64_t seed = 0;
  double chi2_obs = kNaN;
  int dof = 0;
  ToyPValue p_value;
  double p_value_asymptotic = kNaN;
  /// Per toy: chi2 (NaN where its fit failed).
  std::vector<double> chi2;
  int failed_fits = 0;
  bool ok = true;
  std::string message;
};

/// The toy-calibrated saturated goodness of fit (see above).
ToyGofResult toy_gof(const Model& model, const ToyOptions& options);

/// CLs+b / CLb and the band from two distributions (exposed for tests and the limit scan).
/// The band value at quantile p = Phi(k) of the per-b-toy CLs has the uncertainty
///   sqrt( ((Q(p + d) - Q(p - d)) / 2)^2 + (sigma_CLs+b / CLb)^2 ),   d = sqrt(p (1 - p) / N_b):
/// the spread of the p-quantile of N_b b-only toys (distribution-free, from the binomial count of
/// toys below it; Q the linear percentile, p +- d clamped to [0, 1]) and the binomial error of the
/// CLs+b counted from the s+b toys at that quantile, sqrt(c (1 - c) / N_s+b) / CLb, c at least
/// 1 / N_s+b (no s+b toy passing counts as one, as a p-value bound; CLb, counted from the b-only
/// toys that set the quantile, is not varied again).
void toy_pvalues(ToyHypotestResult& result, double tie_tolerance);

namespace detail {
/// Runs the toys i in [0, n) of one loop: compute(i, record) fits toy i and writes its result
/// as `width` doubles, store(i, record) puts them in place. Blocks of max(64, n / 20) toys, each
/// a fit::distributed_for (threads within a process; MPI ranks and batch shards across
/// processes), options.progress after each.
void for_each_toy(long n, int width, const ToyOptions& options, const fit::ItemCompute& compute, const fit::ItemStore& store);
}  // namespace detail

/// numpy.percentile(values, 100 p) with linear interpolation; values ascending, non-empty.
double percentile_linear(const std::vector<double>& sorted_values, double p);

}  // namespace hessfit::infer
