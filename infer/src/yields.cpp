#include "hessfit/infer/yields.hpp"

#include <Eigen/SparseCholesky>

#include <cmath>
#include <stdexcept>

#include <fmt/format.h>

#include "hessfit/autodiff/drivers.hpp"

namespace hessfit::infer {

ParameterEstimate prefit_state(const Model& model) {
  const fit::Objective& o = model.objective();
  const auto n = static_cast<Eigen::Index>(o.size());
  ParameterEstimate s{o.values(), Eigen::MatrixXd::Zero(n, n)};
  const auto& constraints = model.constraints();
  for (Eigen::Index i = 0; i < n; ++i) {
    if (constraints.empty()) break;
    const ParameterConstraint& c = constraints[static_cast<std::size_t>(i)];
    if (o.is_fixed(static_cast<int>(i)) || c.type == Constraint::kNone) continue;
    s.x[i] = c.centre;
    s.covariance(i, i) = c.sigma * c.sigma;
  }
  return s;
}

ParameterEstimate match_parameters(const likelihood::Model& from, const Eigen::VectorXd& x,
                                const Eigen::MatrixXd& covariance, const likelihood::Model& to,
                                const ParameterEstimate& prefit) {
  if (static_cast<std::size_t>(x.size()) != from.size() || static_cast<std::size_t>(covariance.rows()) != from.size() ||
      covariance.cols() != covariance.rows())
    throw std::invalid_argument(fmt::format("hessfit::infer::match_parameters: {} values and a {}x{} covariance for a model of {} parameters",
                                            x.size(), covariance.rows(), covariance.cols(), from.size()));
  ParameterEstimate s = prefit;
  std::vector<Eigen::Index> map(from.size(), -1);  // from's parameter -> to's
  for (std::size_t i = 0; i < from.size(); ++i)
    if (const auto j = to.find_parameter(from.parameter_names()[i])) map[i] = static_cast<Eigen::Index>(*j);
  for (std::size_t i = 0; i < from.size(); ++i) {
    if (map[i] < 0) continue;
    s.x[map[i]] = x[static_cast<Eigen::Index>(i)];
    s.covariance.row(map[i]).setZero();
    s.covariance.col(map[i]).setZero();
  }
  for (std::size_t i = 0; i < from.size(); ++i)
    for (std::size_t j = 0; j < from.size(); ++j)
      if (map[i] >= 0 && map[j] >= 0)
        s.covariance(map[i], map[j]) = covariance(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j));
  return s;
}

namespace {

/// The rows of every linear combination a report shows, as combinations of the flat rates
/// (channel, sample, bin) -- all sums of rates, so they are built from the rows of J.
struct Layout {
  std::vector<Eigen::Index> channel_offset;  // first flat rate of each channel
  Eigen::Index rates = 0;
};

Layout layout_of(const likelihood::Model& model) {
  Layout l;
  for (const auto& c : model.channels()) {
    l.channel_offset.push_back(l.rates);
    l.rates += static_cast<Eigen::Index>(c.samples.size() * c.bins);
  }
  return l;
}

/// Variances of the rows of G (combinations of parameters P): rowwise G C G^T.
using Propagate = std::function<Eigen::VectorXd(const Eigen::MatrixXd& G)>;

Yields build(const likelihood::Model& model, const Eigen::VectorXd& x, const std::vector<Eigen::Index>& P,
             const Propagate& propagate) {
  const Layout layout = layout_of(model);
  const auto rates_at = [&](const auto& xs) {
    using T = std::remove_cvref_t<decltype(xs[0])>;
    Eigen::Matrix<T, Eigen::Dynamic, 1> full(x.size());
    for (Eigen::Index i = 0; i < x.size(); ++i) full[i] = T(x[i]);
    for (std::size_t j = 0; j < P.size(); ++j) full[P[j]] = xs[static_cast<Eigen::Index>(j)];
    const auto per_channel = model.expected_sample_rates(full);
    Eigen::Matrix<T, Eigen::Dynamic, 1> flat(layout.rates);
    for (std::size_t c = 0; c < per_channel.size(); ++c) {
      const auto& m = per_channel[c];  // samples x bins
      for (Eigen::Index s = 0; s < m.rows(); ++s)
        for (Eigen::Index b = 0; b < m.cols(); ++b) flat[layout.channel_offset[c] + s * m.cols() + b] = m(s, b);
    }
    return flat;
  };
  Eigen::VectorXd xs(static_cast<Eigen::Index>(P.size()));
  for (std::size_t j = 0; j < P.size(); ++j) xs[static_cast<Eigen::Index>(j)] = x[P[j]];
  const auto k = static_cast<Eigen::Index>(P.size());
  Eigen::MatrixXd J;
  if (k == 0)
    J = Eigen::MatrixXd::Zero(layout.rates, 0);
  else if ((k + 7) / 8 <= layout.rates)
    J = ad::jacobian_forward(rates_at, xs);  // ceil(k/8) evaluations
  else
    J = ad::jacobian_reverse(rates_at, xs);  // one taping, one sweep per rate
  const std::vector<Eigen::MatrixXd> values = model.expected_sample_rates(x);

  // Rows of G, channel by channel: samples x bins, then bins (totals), samples (sums), 1 (total sum).
  Eigen::Index rows = 0;
  for (const auto& c : model.channels())
    rows += static_cast<Eigen::Index>(c.samples.size() * c.bins + c.bins + c.samples.size() + 1);
  Eigen::MatrixXd G = Eigen::MatrixXd::Zero(rows, k);
  Eigen::Index r = 0;
  for (std::size_t c = 0; c < model.channels().size(); ++c) {
    const auto& ch = model.channels()[c];
    const auto S = static_cast<Eigen::Index>(ch.samples.size()), B = static_cast<Eigen::Index>(ch.bins);
    const Eigen::Index o = layout.channel_offset[c];
    G.middleRows(r, S * B) = J.middleRows(o, S * B);
    for (Eigen::Index s = 0; s < S; ++s)
      for (Eigen::Index b = 0; b < B; ++b) {
        G.row(r + S * B + b) += J.row(o + s * B + b);
        G.row(r + S * B + B + s) += J.row(o + s * B + b);
        G.row(r + S * B + B + S) += J.row(o + s * B + b);
      }
    r += S * B + B + S + 1;
  }
  const Eigen::VectorXd var = propagate(G);
  const auto err = [&](Eigen::Index i) { return var[i] >= 0.0 ? std::sqrt(var[i]) : std::numeric_limits<double>::quiet_NaN(); };

  Yields out;
  const Eigen::VectorXd& observed = model.observed_data().values();
  r = 0;
  for (std::size_t c = 0; c < model.channels().size(); ++c) {
    const auto& ch = model.channels()[c];
    const auto S = static_cast<Eigen::Index>(ch.samples.size()), B = static_cast<Eigen::Index>(ch.bins);
    ChannelYields cy;
    cy.name = ch.name;
    cy.bins = ch.bins;
    cy.data = observed.segment(static_cast<Eigen::Index>(ch.offset), B);
    cy.data_sum = cy.data.sum();
    cy.total = values[c].colwise().sum().transpose();
    cy.total_sum = cy.total.sum();
    cy.total_error.resize(B);
    for (Eigen::Index s = 0; s < S; ++s) {
      SampleYields sy;
      sy.name = ch.samples[static_cast<std::size_t>(s)];
      sy.yield = values[c].row(s).transpose();
      sy.sum = sy.yield.sum();
      sy.error.resize(B);
      for (Eigen::Index b = 0; b < B; ++b) sy.error[b] = err(r + s * B + b);
      sy.sum_error = err(r + S * B + B + s);
      cy.samples.push_back(std::move(sy));
    }
    for (Eigen::Index b = 0; b < B; ++b) cy.total_error[b] = err(r + S * B + b);
    cy.total_sum_error = err(r + S * B + B + S);
    r += S * B + B + S + 1;
    out.channels.push_back(std::move(cy));
  }
  return out;
}

void check_sizes(const likelihood::Model& model, const Eigen::VectorXd& x, Eigen::Index rows, Eigen::Index cols) {
  const auto n = static_cast<Eigen::Index>(model.size());
  if (x.size() != n || rows != n || cols != n)
    throw std::invalid_argument(fmt::format("hessfit::infer::yields: {} values and a {}x{} covariance for a model of {} parameters",
                                            x.size(), rows, cols, n));
}

}  // namespace

Yields yields(const likelihood::Model& model, const Eigen::VectorXd& x, const Eigen::MatrixXd& covariance) {
  check_sizes(model, x, covariance.rows(), covariance.cols());
  std::vector<Eigen::Index> P;  // parameters with a covariance row
  for (Eigen::Index i = 0; i < covariance.rows(); ++i)
    if (!(covariance.row(i).array() == 0.0).all()) P.push_back(i);
  Eigen::MatrixXd C(static_cast<Eigen::Index>(P.size()), static_cast<Eigen::Index>(P.size()));
  for (std::size_t a = 0; a < P.size(); ++a)
    for (std::size_t b = 0; b < P.size(); ++b)
      C(static_cast<Eigen::Index>(a), static_cast<Eigen::Index>(b)) = covariance(P[a], P[b]);
  return build(model, x, P, [&](const Eigen::MatrixXd& G) -> Eigen::VectorXd {
    return (G * C).cwiseProduct(G).rowwise().sum();
  });
}

Yields yields(const likelihood::Model& model, const Eigen::VectorXd& x, const fit::CovarianceResult& covariance) {
  if (covariance.has_full_matrix()) return yields(model, x, covariance.covariance);
  const auto n = static_cast<Eigen::Index>(model.size());
  check_sizes(model, x, covariance.sparse_hessian.rows(), covariance.sparse_hessian.cols());
  std::vector<Eigen::Index> P(covariance.parameters.begin(), covariance.parameters.end());
  std::vector<Eigen::Index> where(static_cast<std::size_t>(n), -1);
  for (std::size_t j = 0; j < P.size(); ++j) where[static_cast<std::size_t>(P[j])] = static_cast<Eigen::Index>(j);
  std::vector<Eigen::Triplet<double>> t;
  for (Eigen::Index col = 0; col < covariance.sparse_hessian.outerSize(); ++col)
    for (Eigen::SparseMatrix<double>::InnerIterator it(covariance.sparse_hessian, col); it; ++it) {
      const Eigen::Index i = where[static_cast<std::size_t>(it.row())], j = where[static_cast<std::size_t>(it.col())];
      if (i >= 0 && j >= 0) t.emplace_back(i, j, it.value());
    }
  Eigen::SparseMatrix<double> H(static_cast<Eigen::Index>(P.size()), static_cast<Eigen::Index>(P.size()));
  H.setFromTriplets(t.begin(), t.end());
  const double scale = 2.0 * covariance.error_definition;
  return build(model, x, P, [&](const Eigen::MatrixXd& G) -> Eigen::VectorXd {
    Eigen::SimplicialLDLT<Eigen::SparseMatrix<double>> ldlt(H);
    if (ldlt.info() != Eigen::Success || G.cols() == 0)
      return Eigen::VectorXd::Constant(G.rows(), G.cols() == 0 ? 0.0 : std::numeric_limits<double>::quiet_NaN());
    const Eigen::MatrixXd X = ldlt.solve(Eigen::MatrixXd(G.transpose()));  // H^-1 G^T
    return scale * X.transpose().cwiseProduct(G).rowwise().sum();
  });
}

}  // namespace hessfit::infer
