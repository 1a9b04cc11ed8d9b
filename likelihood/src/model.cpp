#include "hessfit/likelihood/model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace hessfit::likelihood {

std::string_view to_string(Interpolation code) noexcept {
  switch (code) {
    case Interpolation::kCode0: return "code0";
    case Interpolation::kCode1: return "code1";
    case Interpolation::kCode2: return "code2";
    case Interpolation::kCode4: return "code4";
    case Interpolation::kCode4p: return "code4p";
  }
  return "?";
}

std::optional<Interpolation> parse_interpolation(std::string_view text) noexcept {
  for (const Interpolation c :
       {Interpolation::kCode0, Interpolation::kCode1, Interpolation::kCode2, Interpolation::kCode4, Interpolation::kCode4p})
    if (to_string(c) == text) return c;
  return std::nullopt;
}

std::string_view to_string(Constraint constraint) noexcept {
  switch (constraint) {
    case Constraint::kNone: return "none";
    case Constraint::kGaussian: return "gaussian";
    case Constraint::kPoisson: return "poisson";
  }
  return "?";
}

std::array<double, 6> code4_coefficients(double lo, double hi) noexcept {
  // c = A^-1 r for alpha0 = 1 (pyhf's hard-coded inverse of the 6x6 continuity system).
  static constexpr double kInverse[6][6] = {
      {15.0 / 16, -15.0 / 16, -7.0 / 16, -7.0 / 16, 1.0 / 16, -1.0 / 16},
      {3.0 / 2, 3.0 / 2, -9.0 / 16, 9.0 / 16, 1.0 / 16, 1.0 / 16},
      {-5.0 / 8, 5.0 / 8, 5.0 / 8, 5.0 / 8, -1.0 / 8, 1.0 / 8},
      {-3.0 / 2, -3.0 / 2, 7.0 / 8, -7.0 / 8, -1.0 / 8, -1.0 / 8},
      {3.0 / 16, -3.0 / 16, -3.0 / 16, -3.0 / 16, 1.0 / 16, -1.0 / 16},
      {1.0 / 2, 1.0 / 2, -5.0 / 16, 5.0 / 16, 1.0 / 16, 1.0 / 16},
  };
  const double lu = std::log(hi), ld = std::log(lo);
  const double r[6] = {hi - 1.0, lo - 1.0, hi * lu, -lo * ld, hi * lu * lu, lo * ld * ld};
  std::array<double, 6> c{};
  for (std::size_t i = 0; i < 6; ++i) {
    double sum = 0.0;
    for (std::size_t j = 0; j < 6; ++j) sum += kInverse[i][j] * r[j];
    c[i] = sum;
  }
  return c;
}

namespace detail {

double poisson_constant(double n) noexcept {
  if (n <= 0.0) return 0.0;
  if (n < 30.0) return std::lgamma(n + 1.0) - n * std::log(n) + n;
  // Stirling: lgamma(n+1) = (n + 1/2) log n - n + log(2 pi)/2 + 1/(12n) - 1/(360n^3) + 1/(1260n^5) - 1/(1680n^7) + ...
  const double inv = 1.0 / n, inv2 = inv * inv;
  return 0.5 * std::log(2.0 * std::numbers::pi * n) +
         inv * (1.0 / 12.0 - inv2 * (1.0 / 360.0 - inv2 * (1.0 / 1260.0 - inv2 * (1.0 / 1680.0))));
}

}  // namespace detail

std::size_t Model::free_parameters() const noexcept {
  return static_cast<std::size_t>(std::count(fixed_.begin(), fixed_.end(), false));
}

std::optional<std::size_t> Model::find_parameter(std::string_view name) const noexcept {
  for (std::size_t i = 0; i < names_.size(); ++i)
    if (names_[i] == name) return i;
  return std::nullopt;
}

namespace {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

}  // namespace

std::size_t Model::parameter_index(std::string_view name) const {
  if (auto i = find_parameter(name)) return *i;
  std::vector<std::pair<std::size_t, std::size_t>> scored;
  for (std::size_t i = 0; i < names_.size(); ++i) scored.emplace_back(edit_distance(name, names_[i]), i);
  std::sort(scored.begin(), scored.end());
  std::string close;
  for (std::size_t k = 0; k < scored.size() && k < 3; ++k) close += (k ? ", '" : "'") + names_[scored[k].second] + "'";
  throw std::invalid_argument("no parameter is called '" + std::string(name) + "'" +
                              (close.empty() ? std::string() : " (closest: " + close + ")"));
}

Eigen::VectorXd Model::data() const {
  Eigen::VectorXd d(main_data_.size() + auxdata_.size());
  d << main_data_, auxdata_;
  return d;
}

Model Model::with_data(const Eigen::VectorXd& main_data, const Eigen::VectorXd& auxdata) const {
  Model m = *this;
  m.set_data(main_data, auxdata);
  return m;
}

void Model::set_data(const Eigen::VectorXd& main_data, const Eigen::VectorXd& auxdata) {
  if (static_cast<std::size_t>(main_data.size()) != tables_.bins.size() ||
      static_cast<std::size_t>(auxdata.size()) != aux_params_.size())
    throw std::invalid_argument("hessfit::likelihood::Model::with_data: expected " + std::to_string(tables_.bins.size()) +
                                " main bins and " + std::to_string(aux_params_.size()) + " auxiliary data, got " +
                                std::to_string(main_data.size()) + " and " + std::to_string(auxdata.size()));
  for (Eigen::Index i = 0; i < main_data.size(); ++i)
    if (!(main_data[i] >= 0.0))
      throw std::invalid_argument("hessfit::likelihood::Model::with_data: main data[" + std::to_string(i) +
                                  "] must be a count >= 0");
  main_data_ = main_data;
  auxdata_ = auxdata;
  tables_.main_constant = 0.0;
  constant_terms_ = {};
  for (std::size_t b = 0; b < tables_.bins.size(); ++b) {
    const double n = main_data[static_cast<Eigen::Index>(b)];
    tables_.bins[b].observed = n;
    tables_.bins[b].inv_observed = n > 0.0 ? 1.0 / n : 0.0;
    tables_.main_constant += detail::poisson_constant(n);
    constant_terms_.main += std::lgamma(n + 1.0);
  }
  // Gaussian and Poisson terms are in parameter order, as are the auxiliary data.
  tables_.gauss_constant = 0.0;
  tables_.poisson_constant = 0.0;
  std::size_t g = 0, p = 0;
  for (std::size_t k = 0; k < aux_params_.size(); ++k) {
    Parameter& par = parameters_[aux_params_[k]];
    par.auxdata = auxdata[static_cast<Eigen::Index>(k)];
    if (par.constraint == Constraint::kGaussian) {
      tables_.gauss[g++].aux = par.auxdata;
      tables_.gauss_constant += std::log(par.sigma) + 0.5 * std::log(2.0 * std::numbers::pi);
      constant_terms_.gauss += std::log(par.sigma) + 0.5 * std::log(2.0 * std::numbers::pi);
    } else {
      if (!(par.auxdata >= 0.0))
        throw std::invalid_argument("hessfit::likelihood::Model::with_data: auxiliary count of '" + par.name +
                                    "' must be >= 0");
      tables_.poisson[p++].aux = par.auxdata;
      tables_.poisson_constant += detail::poisson_constant(par.auxdata);
      constant_terms_.poisson += std::lgamma(par.auxdata + 1.0);
    }
  }
}

NllTerms Model::nll_terms(const Eigen::VectorXd& x) const {
  check_size(static_cast<std::size_t>(x.size()));
  const auto parts = detail::nll_parts<double>(tables_, x);
  return {parts[0] + tables_.main_constant, parts[1] + tables_.gauss_constant, parts[2] + tables_.poisson_constant};
}

Eigen::VectorXd Model::expected_main_data(const Eigen::VectorXd& x) const {
  const auto rates = expected_rates(x);
  Eigen::VectorXd out(static_cast<Eigen::Index>(main_bins()));
  for (std::size_t c = 0; c < channels_.size(); ++c)
    out.segment(static_cast<Eigen::Index>(channels_[c].offset), rates[c].size()) = rates[c];
  return out;
}

std::vector<Eigen::MatrixXd> Model::expected_sample_rates(const Eigen::VectorXd& x) const {
  check_size(static_cast<std::size_t>(x.size()));
  auto& s = detail::thread_scratch<double>();
  detail::prepare(tables_, x, s);
  std::vector<Eigen::MatrixXd> out(channels_.size());
  for (std::size_t c = 0; c < channels_.size(); ++c) {
    out[c] = Eigen::MatrixXd::Zero(static_cast<Eigen::Index>(channels_[c].samples.size()),
                                   static_cast<Eigen::Index>(channels_[c].bins));
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

}  // namespace hessfit::likelihood
