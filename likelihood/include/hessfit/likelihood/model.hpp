// A HistFactory model: the likelihood of one measurement of a workspace, exactly as pyhf defines it.
//
//   nu_cb(theta) = sum_s [ prod_{multiplicative m} kappa_m,scb(theta) ] * [ nu0_scb + sum_{histosys h} Delta_h,scb(alpha_h) ]
//   -log L(theta) = sum_{c,b} [ nu_cb - n_cb log nu_cb + lgamma(n_cb + 1) ]
//                 + sum_{Gaussian j} [ (a_j - theta_j)^2 / (2 sigma_j^2) + log sigma_j + log(2 pi) / 2 ]
//                 + sum_{Poisson j}  [ theta_j tau_j - a_j log(theta_j tau_j) + lgamma(a_j + 1) ]
//
// = -pyhf.Model.logpdf(theta, data) with every constant kept; pyhf's fit objective twice_nll is
// twice this. Parameters are named and ordered as pyhf's model.config.par_names: parameter sets
// ordered by modifier type (histosys, lumi, normfactor, normsys, shapefactor, shapesys, staterror),
// within a type by first appearance over sorted channels x sorted samples x sorted (name, type)
// (staterror: by name); vector sets are named "name[i]". Key parameters by name, not position.
//
// The model and its data are apart, as in pyhf's logpdf(pars, data): `nll(x, data)` evaluates
// on any data set made by `data(values)` (observed, Asimov, toys), `nll(x)` on the observed data.
// Both are templated on the scalar of x (double, or any hessfit AD scalar), const and
// thread-safe, and do not allocate after the first call on a thread (for double).
#pragma once

#include <Eigen/Core>
#include <cstddef>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "hessfit/common/bounds.hpp"
#include "hessfit/likelihood/detail/evaluation.hpp"
#include "hessfit/likelihood/interpolation.hpp"
#include "hessfit/likelihood/spec.hpp"

namespace hessfit::likelihood {

enum class Constraint { kNone, kGaussian, kPoisson };
/// "none", "gaussian", "poisson".
std::string_view to_string(Constraint constraint) noexcept;

using hessfit::Bounds;

/// One scalar parameter of the model, with everything a fit or a report needs.
struct Parameter {
  std::string name;              // "mu", "staterror_SR[3]"
  std::string set_name;          // "staterror_SR"
  std::size_t set = 0;           // index into Model::parameter_sets()
  std::size_t index_in_set = 0;  // i of name[i]
  ModifierType type = ModifierType::kNormFactor;  // of the set (histosys when a normsys shares it)
  double init = 0.0;
  Bounds bounds;
  bool fixed = false;
  Constraint constraint = Constraint::kNone;
  double auxdata = 0.0;  // the auxiliary measurement a (0 when unconstrained)
  double sigma = 0.0;    // pre-fit width: Gaussian sigma; Poisson sqrt(a) / tau (= 1/sqrt(tau)); 0 when unconstrained
  double factor = 0.0;   // Poisson tau (expected auxiliary count = theta * tau); 0 otherwise
};

/// A parameter set: all parameters sharing one modifier name.
struct ParameterSet {
  std::string name;
  std::vector<ModifierType> types;  // the modifier types using it (normsys and histosys may share)
  std::size_t offset = 0, size = 0;  // parameters [offset, offset + size)
  bool scalar = true;                // named "name" (not "name[i]")
  Constraint constraint = Constraint::kNone;
};

/// The parameter of interest; a model built without one (pyhf's poi_name=None) has name "".
struct Poi {
  std::size_t index = 0;
  std::string name;
};

struct ChannelInfo {
  std::string name;
  std::size_t bins = 0;
  std::size_t offset = 0;            // first bin in the main data vector
  std::vector<std::string> samples;  // sorted by name
};

/// How to build a model from a workspace (pyhf's measurement_name, patches, poi_name, modifier_settings).
struct ModelOptions {
  std::string measurement;  // "" = the first measurement of the workspace
  std::string patch;        // "" = none; else a patch of the workspace's patchset, by name or by values "a,b"
  std::string poi;          // "" = the measurement's POI
  /// Build without a POI (pyhf's poi_name=None), for background-only fits. A model is also built
  /// without one, with a warning, when the measurement's POI is not a parameter of the model and
  /// `poi` is "" (published background-only workspaces name a signal strength that only a patch adds).
  bool no_poi = false;
  Interpolation normsys = Interpolation::kCode4;    // kCode4 (default) or kCode1
  Interpolation histosys = Interpolation::kCode4p;  // kCode4p (default), kCode0 or kCode2
};

/// The NLL split as in the reference files: each part includes its constants.
struct NllTerms {
  double main = 0.0, gauss = 0.0, poisson = 0.0;
  double total() const { return main + gauss + poisson; }
};

class Model;

/// Observations of a model: pyhf's data vector, the main counts (bins in channel order) followed
/// by the auxiliary data (in auxdata() order). Made by Model::data(values) (checked there) or
/// Model::observed_data(); immutable; it carries the data-dependent constants of the NLL, so that
/// Model::nll(x, data) only evaluates. Cheap to move, a copy copies the vector.
class Data {
 public:
  /// main counts, then auxiliary data.
  const Eigen::VectorXd& values() const noexcept { return values_; }
  Eigen::Index size() const noexcept { return values_.size(); }
  std::size_t main_size() const noexcept { return main_size_; }
  Eigen::VectorBlock<const Eigen::VectorXd> main() const { return values_.head(static_cast<Eigen::Index>(main_size_)); }
  Eigen::VectorBlock<const Eigen::VectorXd> aux() const {
    return values_.tail(values_.size() - static_cast<Eigen::Index>(main_size_));
  }

 private:
  friend class Model;
  detail::DataView view() const noexcept { return {values_.data(), values_.data() + main_size_}; }
  Eigen::VectorXd values_;
  std::size_t main_size_ = 0;
  detail::DataConstants constants_;
};

class Model {
 public:
  /// Number of parameters.
  std::size_t size() const noexcept { return parameters_.size(); }
  const std::vector<Parameter>& parameters() const noexcept { return parameters_; }
  const std::vector<std::string>& parameter_names() const noexcept { return names_; }
  const std::vector<ParameterSet>& parameter_sets() const noexcept { return sets_; }
  const Eigen::VectorXd& init() const noexcept { return init_; }
  const std::vector<Bounds>& bounds() const noexcept { return bounds_; }
  const Eigen::VectorXd& lower_bounds() const noexcept { return lower_; }
  const Eigen::VectorXd& upper_bounds() const noexcept { return upper_; }
  const std::vector<bool>& fixed() const noexcept { return fixed_; }
  std::size_t free_parameters() const noexcept;
  /// The POI; check has_poi() first (a model built with ModelOptions::no_poi has none).
  const Poi& poi() const noexcept { return poi_; }
  bool has_poi() const noexcept { return !poi_.name.empty(); }

  /// The parameter called `name`, if any.
  std::optional<std::size_t> find_parameter(std::string_view name) const noexcept;
  /// The index of `name`; throws std::invalid_argument naming the closest existing names.
  std::size_t parameter_index(std::string_view name) const;

  /// Channels in pyhf's (sorted) order, with their slices of the main data.
  const std::vector<ChannelInfo>& channels() const noexcept { return channels_; }
  std::size_t main_bins() const noexcept { return tables_.bins.size(); }
  /// pyhf's model.config.auxdata: the constrained parameters' auxiliary data in parameter order
  /// (as the workspace gives them).
  const Eigen::VectorXd& auxdata() const noexcept { return auxdata_; }
  /// The parameter each auxiliary datum constrains (auxdata() order).
  const std::vector<std::size_t>& aux_parameters() const noexcept { return aux_params_; }
  /// Size of a data vector: main_bins() + auxdata().size().
  std::size_t data_size() const noexcept { return main_bins() + aux_params_.size(); }

  /// The workspace's observations and auxdata(), as pyhf's workspace.data(model).
  const Data& observed_data() const noexcept { return observed_; }
  /// A data set for this model from pyhf's data vector (main counts then auxiliary data).
  /// Throws std::invalid_argument naming the entry (channel and bin, or the constrained
  /// parameter) when the size is wrong, a value is not finite, a main count or a Poisson
  /// auxiliary count is negative. Non-integer counts are allowed (Asimov data).
  Data data(Eigen::VectorXd values) const;

  const std::string& measurement() const noexcept { return measurement_; }
  const ModelOptions& options() const noexcept { return options_; }
  /// Things that were accepted but may be unintended (e.g. a config for a parameter that does not exist).
  const std::vector<std::string>& warnings() const noexcept { return warnings_; }

  /// -log L(x | data) with all constants, as -pyhf.Model.logpdf(x, data). x: Eigen vector (or
  /// anything with operator[] and size()) of double or an AD scalar; data from data() or
  /// observed_data() of this model.
  template <class Vec>
  auto nll(const Vec& x, const Data& data) const {
    using T = std::remove_cvref_t<decltype(x[0])>;
    check_size(static_cast<std::size_t>(x.size()));
    check_data(data);
    T v = detail::nll_variable<T>(tables_, x, data.view());
    v += data.constants_.main + tables_.gauss_constant + data.constants_.poisson;
    return v;
  }
  /// -log L(x) on the observed data.
  template <class Vec>
  auto nll(const Vec& x) const {
    return nll(x, observed_);
  }
  /// pyhf's fit objective, 2 nll(x).
  template <class Vec>
  auto twice_nll(const Vec& x) const {
    return 2.0 * nll(x);
  }
  /// The parameter-independent part of nll as pyhf's formula writes it: sum lgamma(n+1) over main
  /// bins + sum (log sigma + log(2 pi)/2) over Gaussian constraints + sum lgamma(a+1) over Poisson ones.
  /// (Each part is the "nll_constant_terms" of the reference files.)
  NllTerms nll_constant_terms(const Data& data) const;
  NllTerms nll_constant_terms() const { return nll_constant_terms(observed_); }
  double nll_constant() const { return nll_constant_terms().total(); }
  /// nll(x, data) split into main, Gaussian-constraint and Poisson-constraint parts (constants included).
  NllTerms nll_terms(const Eigen::VectorXd& x, const Data& data) const;
  NllTerms nll_terms(const Eigen::VectorXd& x) const { return nll_terms(x, observed_); }

  /// pyhf's model.expected_data(x): the expected main counts (expected_main_data) followed by the
  /// auxiliary data expected at x, in auxdata() order: theta for a Gaussian constraint, gamma * tau
  /// for a Poisson one. Templated on the scalar like nll (Jacobians by hessfit::ad).
  template <class Vec>
  auto expected_data(const Vec& x) const {
    using T = std::remove_cvref_t<decltype(x[0])>;
    check_size(static_cast<std::size_t>(x.size()));
    auto& s = detail::thread_scratch<T>();
    detail::prepare(tables_, x, s);
    Eigen::Matrix<T, Eigen::Dynamic, 1> out(static_cast<Eigen::Index>(data_size()));
    for (std::size_t b = 0; b < tables_.bins.size(); ++b)
      out[static_cast<Eigen::Index>(b)] = detail::bin_rate(tables_, tables_.bins[b], x, s);
    for (std::size_t k = 0; k < aux_params_.size(); ++k) {
      const Parameter& p = parameters_[aux_params_[k]];
      const auto e = static_cast<Eigen::Index>(main_bins() + k);
      if (p.constraint == Constraint::kPoisson) out[e] = x[aux_params_[k]] * p.factor;
      else out[e] = x[aux_params_[k]];
    }
    return out;
  }

  /// Expected rates nu_cb(x): one vector per channel (in channels() order).
  template <class Vec>
  auto expected_rates(const Vec& x) const {
    using T = std::remove_cvref_t<decltype(x[0])>;
    check_size(static_cast<std::size_t>(x.size()));
    auto& s = detail::thread_scratch<T>();
    detail::prepare(tables_, x, s);
    std::vector<Eigen::Matrix<T, Eigen::Dynamic, 1>> rates(channels_.size());
    for (std::size_t c = 0; c < channels_.size(); ++c) {
      rates[c].resize(static_cast<Eigen::Index>(channels_[c].bins));
      for (std::size_t b = 0; b < channels_[c].bins; ++b)
        rates[c][static_cast<Eigen::Index>(b)] = detail::bin_rate(tables_, tables_.bins[channels_[c].offset + b], x, s);
    }
    return rates;
  }
  /// All expected rates concatenated in channel order (the expected main data).
  Eigen::VectorXd expected_main_data(const Eigen::VectorXd& x) const;
  /// Per-sample expected rates: for each channel a (samples x bins) matrix, rows in ChannelInfo::samples order
  /// (zero where a sample has no entry). Templated on the scalar like nll (Jacobians by hessfit::ad).
  template <class Vec>
  auto expected_sample_rates(const Vec& x) const {
    using T = std::remove_cvref_t<decltype(x[0])>;
    check_size(static_cast<std::size_t>(x.size()));
    auto& s = detail::thread_scratch<T>();
    detail::prepare(tables_, x, s);
    std::vector<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>> out(channels_.size());
    for (std::size_t c = 0; c < channels_.size(); ++c) {
      out[c] = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic>::Constant(
          static_cast<Eigen::Index>(channels_[c].samples.size()), static_cast<Eigen::Index>(channels_[c].bins), T(0.0));
      for (std::size_t b = 0; b < channels_[c].bins; ++b) {
        const detail::MainBin& bin = tables_.bins[channels_[c].offset + b];
        for (detail::Index e = bin.entry_begin; e < bin.entry_end; ++e) {
          const detail::Entry& entry = tables_.entries[e];
          out[c](static_cast<Eigen::Index>(tables_.blocks[entry.block].sample), static_cast<Eigen::Index>(b)) =
              detail::entry_rate(tables_, entry, x, s);
        }
      }
    }
    return out;
  }

 private:
  friend class ModelBuilder;
  Model() = default;
  void check_size(std::size_t n) const {
    if (n != parameters_.size())
      throw std::invalid_argument("hessfit::likelihood::Model: parameter vector has " + std::to_string(n) +
                                  " entries, the model has " + std::to_string(parameters_.size()) + " parameters");
  }
  void check_data(const Data& data) const {
    if (static_cast<std::size_t>(data.size()) != data_size() || data.main_size_ != main_bins())
      throw std::invalid_argument("hessfit::likelihood::Model: a data set of " + std::to_string(data.size()) +
                                  " values (" + std::to_string(data.main_size_) + " main) for a model of " +
                                  std::to_string(main_bins()) + " main bins and " + std::to_string(aux_params_.size()) +
                                  " auxiliary data");
  }

  std::string measurement_;
  ModelOptions options_;
  std::vector<Parameter> parameters_;
  std::vector<std::string> names_;
  std::vector<ParameterSet> sets_;
  Eigen::VectorXd init_, lower_, upper_;
  std::vector<Bounds> bounds_;
  std::vector<bool> fixed_;
  Poi poi_;
  std::vector<ChannelInfo> channels_;
  Eigen::VectorXd auxdata_;
  std::vector<std::size_t> aux_params_;  // parameter of each auxdata entry
  std::vector<std::string> warnings_;
  detail::Tables tables_;
  Data observed_;
};

}  // namespace hessfit::likelihood
