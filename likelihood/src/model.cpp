#include "hessfit/likelihood/model.hpp"

#include "hessfit/common/log_gamma.hpp"
#include "hessfit/common/text.hpp"

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
  if (n < 30.0) return log_gamma(n + 1.0) - n * std::log(n) + n;
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

std::size_t Model::parameter_index(std::string_view name) const {
  if (auto i = find_parameter(name)) return *i;
  std::string close;
  for (const auto& n : closest_names(name, names_, 3)) close += (close.empty() ? "'" : ", '") + n + "'";
  throw std::invalid_argument("no parameter is called '" + std::string(name) + "'" +
                              (close.empty() ? std::string() : " (closest: " + close + ")"));
}

namespace detail {

DataConstants data_constants(const Tables& t, DataView data) noexcept {
  DataConstants c;
  for (std::size_t b = 0; b < t.bins.size(); ++b) {
    c.main += poisson_constant(data.main[b]);
    c.main_lgamma += log_gamma(data.main[b] + 1.0);
  }
  for (const PoissonTerm& p : t.poisson) {
    c.poisson += poisson_constant(data.aux[p.aux]);
    c.poisson_lgamma += log_gamma(data.aux[p.aux] + 1.0);
  }
  return c;
}

}  // namespace detail

Data Model::data(Eigen::VectorXd values) const {
  const std::size_t n_main = main_bins();
  if (static_cast<std::size_t>(values.size()) != data_size())
    throw std::invalid_argument("a data set for this model has " + std::to_string(data_size()) + " values (" +
                                std::to_string(n_main) + " main bins and " + std::to_string(aux_params_.size()) +
                                " auxiliary data), got " + std::to_string(values.size()));
  for (std::size_t c = 0; c < channels_.size(); ++c)
    for (std::size_t b = 0; b < channels_[c].bins; ++b) {
      const std::size_t i = channels_[c].offset + b;
      const double v = values[static_cast<Eigen::Index>(i)];
      if (!(v >= 0.0) || !std::isfinite(v))
        throw std::invalid_argument("data[" + std::to_string(i) + "] (channel '" + channels_[c].name + "', bin " +
                                    std::to_string(b) + ") must be a finite count >= 0, got " + format_shortest(v));
    }
  for (std::size_t k = 0; k < aux_params_.size(); ++k) {
    const Parameter& p = parameters_[aux_params_[k]];
    const double v = values[static_cast<Eigen::Index>(n_main + k)];
    if (!std::isfinite(v) || (p.constraint == Constraint::kPoisson && v < 0.0))
      throw std::invalid_argument("data[" + std::to_string(n_main + k) + "] (auxiliary datum of '" + p.name + "', " +
                                  std::string(to_string(p.constraint)) + " constraint) must be " +
                                  (p.constraint == Constraint::kPoisson ? "a finite count >= 0" : "finite") + ", got " +
                                  format_shortest(v));
  }
  Data d;
  d.values_ = std::move(values);
  d.main_size_ = n_main;
  d.constants_ = detail::data_constants(tables_, d.view());
  return d;
}

NllTerms Model::nll_constant_terms(const Data& data) const {
  check_data(data);
  double gauss = 0.0;
  for (const detail::GaussTerm& g : tables_.gauss) {
    const Parameter& p = parameters_[g.param];
    gauss += std::log(p.sigma) + 0.5 * std::log(2.0 * std::numbers::pi);
  }
  return {data.constants_.main_lgamma, gauss, data.constants_.poisson_lgamma};
}

NllTerms Model::nll_terms(const Eigen::VectorXd& x, const Data& data) const {
  check_size(static_cast<std::size_t>(x.size()));
  check_data(data);
  const auto parts = detail::nll_parts<double>(tables_, x, data.view());
  return {parts[0] + data.constants_.main, parts[1] + tables_.gauss_constant, parts[2] + data.constants_.poisson};
}

Eigen::VectorXd Model::expected_main_data(const Eigen::VectorXd& x) const {
  const auto rates = expected_rates(x);
  Eigen::VectorXd out(static_cast<Eigen::Index>(main_bins()));
  for (std::size_t c = 0; c < channels_.size(); ++c)
    out.segment(static_cast<Eigen::Index>(channels_[c].offset), rates[c].size()) = rates[c];
  return out;
}

}  // namespace hessfit::likelihood
