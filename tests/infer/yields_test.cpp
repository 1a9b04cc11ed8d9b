#include <gtest/gtest.h>

#include <cmath>

#include <fmt/format.h>

#include "hessfit/infer/yields.hpp"
#include "models.hpp"

namespace hessfit::infer {
namespace {

struct Reference {
  Eigen::VectorXd x;
  Eigen::MatrixXd covariance;
};

Reference reference_of(const std::string& name) {
  const auto ref = hessfit::testing::read_python_json(hessfit::testing::histfactory_dir() / name / "reference.json");
  const auto& values = ref["bestfit"]["values"];
  const auto& cov = ref["hesse"]["covariance"];
  Reference r{Eigen::VectorXd(static_cast<Eigen::Index>(values.size())),
              Eigen::MatrixXd(static_cast<Eigen::Index>(values.size()), static_cast<Eigen::Index>(values.size()))};
  for (std::size_t i = 0; i < values.size(); ++i) {
    r.x[static_cast<Eigen::Index>(i)] = values[i].get<double>();
    for (std::size_t j = 0; j < values.size(); ++j)
      r.covariance(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = cov[i][j].get<double>();
  }
  return r;
}

/// An independent computation: central differences of the per-sample rates in every direction
/// (step 1e-4 of the parameter's scale), then J C J^T for every sample-bin, bin total, sample sum
/// and channel sum.
struct Expected {
  std::vector<Eigen::MatrixXd> sample_var;  // per channel: samples x bins
  std::vector<Eigen::VectorXd> total_var;   // per channel: bins
  std::vector<Eigen::VectorXd> sum_var;     // per channel: samples
  std::vector<double> channel_var;
};

Expected central_differences(const likelihood::Model& m, const Eigen::VectorXd& x, const Eigen::MatrixXd& C) {
  const auto n = static_cast<Eigen::Index>(m.size());
  std::vector<std::vector<Eigen::MatrixXd>> d(static_cast<std::size_t>(n));  // d[i][c] = d rates_c / d x_i
  for (Eigen::Index i = 0; i < n; ++i) {
    if (C(i, i) == 0.0) continue;
    const double h = 1e-4 * std::sqrt(C(i, i));
    Eigen::VectorXd up = x, down = x;
    up[i] += h;
    down[i] -= h;
    const auto a = m.expected_sample_rates(up), b = m.expected_sample_rates(down);
    for (std::size_t c = 0; c < a.size(); ++c) d[static_cast<std::size_t>(i)].push_back((a[c] - b[c]) / (2.0 * h));
  }
  Expected e;
  for (std::size_t c = 0; c < m.channels().size(); ++c) {
    const auto S = static_cast<Eigen::Index>(m.channels()[c].samples.size()), B = static_cast<Eigen::Index>(m.channels()[c].bins);
    Eigen::MatrixXd sv = Eigen::MatrixXd::Zero(S, B);
    Eigen::VectorXd tv = Eigen::VectorXd::Zero(B), smv = Eigen::VectorXd::Zero(S);
    double cv = 0.0;
    for (Eigen::Index i = 0; i < n; ++i)
      for (Eigen::Index j = 0; j < n; ++j) {
        if (C(i, j) == 0.0 || d[static_cast<std::size_t>(i)].empty() || d[static_cast<std::size_t>(j)].empty()) continue;
        const Eigen::MatrixXd& di = d[static_cast<std::size_t>(i)][c];
        const Eigen::MatrixXd& dj = d[static_cast<std::size_t>(j)][c];
        sv += C(i, j) * di.cwiseProduct(dj);
        tv += C(i, j) * di.colwise().sum().transpose().cwiseProduct(dj.colwise().sum().transpose());
        smv += C(i, j) * di.rowwise().sum().cwiseProduct(dj.rowwise().sum());
        cv += C(i, j) * di.sum() * dj.sum();
      }
    e.sample_var.push_back(sv);
    e.total_var.push_back(tv);
    e.sum_var.push_back(smv);
    e.channel_var.push_back(cv);
  }
  return e;
}

void expect_close(double actual, double expected_var, double scale, const std::string& what) {
  const double expected = std::sqrt(std::max(expected_var, 0.0));
  EXPECT_NEAR(actual, expected, 1e-6 * std::max(expected, 1e-3 * scale)) << what;
}

void check_against_central_differences(const likelihood::Model& m, const Eigen::VectorXd& x, const Eigen::MatrixXd& C) {
  const Yields y = yields(m, x, C);
  const Expected e = central_differences(m, x, C);
  const auto rates = m.expected_sample_rates(x);
  ASSERT_EQ(y.channels.size(), m.channels().size());
  for (std::size_t c = 0; c < y.channels.size(); ++c) {
    const ChannelYields& ch = y.channels[c];
    const double scale = ch.total_sum_error;
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(static_cast<Eigen::Index>(ch.bins));
    for (std::size_t s = 0; s < ch.samples.size(); ++s) {
      const SampleYields& sy = ch.samples[s];
      sum += sy.yield;
      EXPECT_EQ(sy.yield, rates[c].row(static_cast<Eigen::Index>(s)).transpose());
      for (Eigen::Index b = 0; b < sy.error.size(); ++b)
        expect_close(sy.error[b], e.sample_var[c](static_cast<Eigen::Index>(s), b), scale,
                     fmt::format("{} {} bin {}", ch.name, sy.name, b));
      expect_close(sy.sum_error, e.sum_var[c][static_cast<Eigen::Index>(s)], scale, ch.name + " " + sy.name + " sum");
      EXPECT_NEAR(sy.sum, sy.yield.sum(), 1e-12 * std::abs(sy.sum));
    }
    EXPECT_TRUE(ch.total.isApprox(sum, 1e-14)) << ch.name;
    EXPECT_NEAR(ch.total_sum, sum.sum(), 1e-12 * std::abs(ch.total_sum)) << ch.name;
    for (Eigen::Index b = 0; b < ch.total_error.size(); ++b)
      expect_close(ch.total_error[b], e.total_var[c][b], scale, fmt::format("{} total bin {}", ch.name, b));
    expect_close(ch.total_sum_error, e.channel_var[c], scale, ch.name + " total sum");
    EXPECT_EQ(ch.data_sum, ch.data.sum());
  }
}

class PostfitYields : public ::testing::TestWithParam<std::string> {};

TEST_P(PostfitYields, ErrorsEqualCentralDifferencesPropagatedThroughTheReferenceCovariance) {
  const Model model = testing::shared_model(GetParam());
  const Reference ref = reference_of(GetParam());
  check_against_central_differences(*model.histfactory(), ref.x, ref.covariance);
}

INSTANTIATE_TEST_SUITE_P(SharedWorkspaces, PostfitYields,
                         ::testing::Values("agc-ttbar-cabinetry", "atlas-compressed-bkgonly", "atlas-sbottom-multib-RegionA-bkgonly",
                                           "pyhf-histfactory-example", "pyhf-2bin-1channel"),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& ch : s)
                             if (ch == '-') ch = '_';
                           return s;
                         });

TEST(PrefitYields, ConstrainedParametersAtTheirCentresWithPrefitVariances) {
  Model model = testing::shared_model("agc-ttbar-cabinetry");
  const fit::Objective& o = model.objective();
  const ParameterEstimate pre = prefit_state(model);
  for (int i = 0; i < o.size(); ++i) {
    const ParameterConstraint& c = model.constraints()[static_cast<std::size_t>(i)];
    if (c.type == Constraint::kNone) {
      EXPECT_EQ(pre.x[i], o.values()[i]) << o.name(i);
      EXPECT_EQ(pre.covariance(i, i), 0.0) << o.name(i);
    } else {
      EXPECT_EQ(pre.x[i], c.centre) << o.name(i);
      EXPECT_EQ(pre.covariance(i, i), c.sigma * c.sigma) << o.name(i);
    }
  }
  EXPECT_EQ((pre.covariance - Eigen::MatrixXd(pre.covariance.diagonal().asDiagonal())).norm(), 0.0);
  check_against_central_differences(*model.histfactory(), pre.x, pre.covariance);
}

TEST(PrefitYields, AFixedParameterContributesNothing) {
  Model model = testing::shared_model("agc-ttbar-cabinetry");
  const likelihood::Model& m = *model.histfactory();
  const std::string name = "ttbar scale variations";  // on ttbar only
  const int i = model.objective().index(name);
  const Yields before = yields(m, prefit_state(model).x, prefit_state(model).covariance);
  model.objective().fix(name, 0.0);
  const ParameterEstimate pre = prefit_state(model);
  EXPECT_EQ(pre.covariance.row(i).norm(), 0.0);
  const Yields after = yields(m, pre.x, pre.covariance);
  // Samples other than ttbar do not depend on it: their errors are unchanged; ttbar's shrink.
  bool shrank = false;
  for (std::size_t c = 0; c < after.channels.size(); ++c)
    for (std::size_t s = 0; s < after.channels[c].samples.size(); ++s) {
      const auto& a = after.channels[c].samples[s];
      const auto& b = before.channels[c].samples[s];
      if (a.name != "ttbar") EXPECT_TRUE(a.error.isApprox(b.error, 1e-13)) << a.name;
      else shrank = shrank || (a.error.array() < b.error.array() * (1.0 - 1e-6)).any();
    }
  EXPECT_TRUE(shrank);
}

TEST(MatchParameters, FittedParametersCarryOverAndTheOthersKeepTheirPrefitState) {
  const Model full = testing::shared_model("agc-ttbar-cabinetry");
  const likelihood::Model& m = *full.histfactory();
  // The control region alone (as a fit to chosen channels builds it).
  auto doc = likelihood::Workspace::load(hessfit::testing::histfactory_dir() / "agc-ttbar-cabinetry" / "workspace.json").json();
  for (const char* key : {"channels", "observations"}) {
    nlohmann::json kept = nlohmann::json::array();
    for (const auto& c : doc[key])
      if (c["name"] == "4j1b CR") kept.push_back(c);
    doc[key] = kept;
  }
  const likelihood::Model sub = likelihood::Workspace::from_json(doc, "cr.json").model();
  ASSERT_LT(sub.size(), m.size());
  const auto k = static_cast<Eigen::Index>(sub.size());
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(k, 0.1, 0.9);
  Eigen::MatrixXd C = Eigen::MatrixXd::Identity(k, k) * 0.01;
  C(0, k - 1) = C(k - 1, 0) = 0.005;
  const ParameterEstimate pre = prefit_state(full);
  const ParameterEstimate s = match_parameters(sub, x, C, m, pre);
  std::vector<bool> matched(m.size(), false);
  for (std::size_t i = 0; i < sub.size(); ++i) {
    const auto j = static_cast<Eigen::Index>(m.parameter_index(sub.parameter_names()[i]));
    matched[static_cast<std::size_t>(j)] = true;
    EXPECT_EQ(s.x[j], x[static_cast<Eigen::Index>(i)]);
    for (std::size_t l = 0; l < sub.size(); ++l)
      EXPECT_EQ(s.covariance(j, static_cast<Eigen::Index>(m.parameter_index(sub.parameter_names()[l]))),
                C(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(l)));
  }
  for (std::size_t j = 0; j < m.size(); ++j) {
    if (matched[j]) continue;
    const auto jj = static_cast<Eigen::Index>(j);
    EXPECT_EQ(s.x[jj], pre.x[jj]) << m.parameter_names()[j];
    EXPECT_EQ(s.covariance.row(jj), pre.covariance.row(jj)) << m.parameter_names()[j];
  }
}

}  // namespace
}  // namespace hessfit::infer
