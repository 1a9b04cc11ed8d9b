// The sparse path of issue 14 against the dense one: sparse exact Hessians of every shared
// workspace and of generated large models, fits (minimum, covariance, MINOS) with sparse
// Hessians and sparse factorisations, and the selected inverse of the sparse covariance.
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "hessfit/fit/fit.hpp"
#include "hessfit/testing/large_workspace.hpp"
#include "reference_data.hpp"

namespace hf = hessfit::fit;

namespace {

Eigen::VectorXd to_vector(const nlohmann::json& values) {
  const auto v = values.get<std::vector<double>>();
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()));
}

double max_relative_difference(const Eigen::SparseMatrix<double>& sparse, const Eigen::MatrixXd& dense) {
  const Eigen::MatrixXd s(sparse);
  return (s - dense).cwiseAbs().maxCoeff() / dense.cwiseAbs().maxCoeff();
}

std::string parameter_name(int i) {
  std::string name = "x";
  name += std::to_string(i);
  return name;
}

hessfit::likelihood::Model generated_model(const hessfit::testing::LargeWorkspaceSpec& spec) {
  return hessfit::likelihood::Workspace::from_json(hessfit::testing::generate_workspace(spec), spec.name).model();
}

class SharedWorkspace : public ::testing::TestWithParam<std::string> {};

TEST_P(SharedWorkspace, SparseHessianEqualsTheDenseOneTo1e12) {
  const auto data = hf::testing::load_reference_case(GetParam());
  const hf::Objective objective = hf::testing::histfactory_objective(*data.model);
  const Eigen::VectorXd best = to_vector(data.reference.at("bestfit").at("values"));
  for (const Eigen::VectorXd& x : {best, Eigen::VectorXd(data.model->init())}) {
    Eigen::VectorXd g, gs;
    Eigen::MatrixXd dense;
    Eigen::SparseMatrix<double> sparse;
    objective.value_gradient_hessian(x, g, dense);
    objective.value_gradient_sparse_hessian(x, gs, sparse);
    EXPECT_LE(max_relative_difference(sparse, dense), 1e-12);
    EXPECT_EQ(g, gs);
    // every nonzero of the dense Hessian is stored in the sparse one
    for (Eigen::Index j = 0; j < dense.cols(); ++j)
      for (Eigen::Index i = 0; i < dense.rows(); ++i)
        if (dense(i, j) != 0.0) {
          ASSERT_NE(sparse.coeff(i, j), 0.0) << i << ", " << j;
        }
  }
}

TEST_P(SharedWorkspace, SparsePathFitGivesTheDenseResults) {
  const auto data = hf::testing::load_reference_case(GetParam());
  hf::Objective dense = hf::testing::histfactory_objective(*data.model);
  dense.set_hessian_storage(hf::HessianStorage::kDense);
  hf::Objective sparse = dense;
  sparse.set_hessian_storage(hf::HessianStorage::kSparse);
  hf::MinimizeOptions options;
  options.method = hf::Method::kNewton;
  const hf::MinimizeResult md = hf::minimize(dense, options), ms = hf::minimize(sparse, options);
  ASSERT_TRUE(md.converged() && ms.converged()) << md.message << " / " << ms.message;
  EXPECT_TRUE(ms.has_sparse_hessian());
  EXPECT_EQ(ms.hessian.size(), 0);
  const hf::CovarianceResult cd = hf::covariance(dense, md), cs = hf::covariance(sparse, ms);
  ASSERT_EQ(cd.status, cs.status) << cs.message;
  EXPECT_NEAR(ms.fval, md.fval, 1e-9);
  for (int i = 0; i < dense.size(); ++i) {
    const double sigma = std::isfinite(cd.errors[i]) && cd.errors[i] > 0.0 ? cd.errors[i] : 1.0;
    EXPECT_NEAR(ms.x[i], md.x[i], 1e-5 * sigma) << dense.name(i);
    if (cd.accurate()) {
      EXPECT_NEAR(cs.errors[i], cd.errors[i], 1e-6 * sigma) << dense.name(i);
    }
  }
  // the selected inverse holds every entry of the Hessian's pattern, and they are the dense ones
  if (cd.accurate()) {
    for (Eigen::Index j = 0; j < cs.sparse_covariance.outerSize(); ++j)
      for (Eigen::SparseMatrix<double>::InnerIterator it(cs.sparse_covariance, j); it; ++it)
        ASSERT_NEAR(it.value(), cd.covariance(it.row(), j), 1e-6 * cd.errors[it.row()] * cd.errors[j]);
    for (Eigen::Index j = 0; j < ms.sparse_hessian.outerSize(); ++j)
      for (Eigen::SparseMatrix<double>::InnerIterator it(ms.sparse_hessian, j); it; ++it)
        if (std::binary_search(cs.parameters.begin(), cs.parameters.end(), static_cast<int>(it.row())) &&
            std::binary_search(cs.parameters.begin(), cs.parameters.end(), static_cast<int>(j))) {
          ASSERT_TRUE(std::isfinite(cs.covariance_of(static_cast<int>(it.row()), static_cast<int>(j))));
        }
  }
}

INSTANTIATE_TEST_SUITE_P(Sparse, SharedWorkspace, ::testing::ValuesIn(hf::testing::reference_workspaces()),
                         [](const auto& info) {
                           std::string s = info.param;
                           for (char& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s;
                         });

TEST(GeneratedWorkspace, SparseHessianEqualsTheDenseOneTo1e12) {
  for (const auto& spec : {hessfit::testing::atlas_like_625(), hessfit::testing::generated_1k()}) {
    const auto model = generated_model(spec);
    const hf::Objective objective = hf::testing::histfactory_objective(model);
    Eigen::VectorXd g;
    Eigen::MatrixXd dense;
    Eigen::SparseMatrix<double> sparse;
    Eigen::VectorXd x = model.init();
    for (Eigen::Index i = 0; i < x.size(); ++i) x[i] += 0.01 * std::sin(static_cast<double>(i));
    objective.value_gradient_hessian(x, g, dense);
    objective.value_gradient_sparse_hessian(x, g, sparse);
    EXPECT_LE(max_relative_difference(sparse, dense), 1e-12) << spec.name;
    // far fewer entries than n^2: the per-bin gammas meet one bin
    EXPECT_LT(static_cast<double>(sparse.nonZeros()), 0.5 * static_cast<double>(x.size() * x.size())) << spec.name;
  }
}

TEST(GeneratedWorkspace, SparseFitOf1kParametersAgreesWithTheDenseFit) {
  const auto spec = hessfit::testing::generated_1k();
  const auto model = generated_model(spec);
  hf::Objective dense = hf::testing::histfactory_objective(model);
  dense.set_hessian_storage(hf::HessianStorage::kDense);
  hf::Objective sparse = dense;
  sparse.set_hessian_storage(hf::HessianStorage::kSparse);
  ASSERT_TRUE(sparse.uses_sparse_hessian());
  hf::FitOptions options;
  options.minos = {"mu"};
  options.threads = 2;
  const hf::FitResult rd = hf::fit(dense, options), rs = hf::fit(sparse, options);
  ASSERT_TRUE(rd.ok()) << rd.problems();
  ASSERT_TRUE(rs.ok()) << rs.problems();
  EXPECT_TRUE(rs.minimum.has_sparse_hessian());
  EXPECT_FALSE(rs.covariance.has_full_matrix());
  EXPECT_NEAR(rs.minimum.fval, rd.minimum.fval, 1e-8);
  for (int i = 0; i < dense.size(); ++i) {
    EXPECT_NEAR(rs.minimum.x[i], rd.minimum.x[i], 1e-8) << dense.name(i);
    EXPECT_NEAR(rs.covariance.errors[i], rd.covariance.errors[i], 1e-6 * rd.covariance.errors[i]) << dense.name(i);
  }
  // the POI's whole row (a solve) and MINOS
  const int mu = dense.index("mu");
  for (int i = 0; i < dense.size(); ++i)
    EXPECT_NEAR(rs.covariance.covariance_of(mu, i), rd.covariance.covariance(mu, i), 1e-6 * rd.covariance.errors[mu] * rd.covariance.errors[i]);
  const auto& id = rd.minos.intervals.at(0);
  const auto& is = rs.minos.intervals.at(0);
  EXPECT_NEAR(is.lower.offset, id.lower.offset, 1e-6 * rd.covariance.errors[mu]);
  EXPECT_NEAR(is.upper.offset, id.upper.offset, 1e-6 * rd.covariance.errors[mu]);
}

TEST(SparseCovariance, SelectedInverseAndRowsMatchTheDenseInverse) {
  // f = 1/2 x^T A x - b^T x with A sparse SPD (an arrowhead): the covariance is 2 up A^-1.
  const int n = 60;
  Eigen::MatrixXd a = Eigen::MatrixXd::Zero(n, n);
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(-0.3, 0.3);
  for (int i = 0; i < n; ++i) a(i, i) = 4.0 + static_cast<double>(i % 7);
  for (int i = 3; i < n; ++i)
    for (int g = 0; g < 3; ++g) a(i, g) = a(g, i) = u(rng);
  for (int i = 3; i + 1 < n; i += 2) a(i, i + 1) = a(i + 1, i) = u(rng);
  a.topLeftCorner(3, 3) += 20.0 * Eigen::MatrixXd::Identity(3, 3);
  auto nll = [a](const auto& x) {
    using S = std::decay_t<decltype(x[0])>;
    S f(0.0);
    for (int j = 0; j < n; ++j)
      for (int i = 0; i < n; ++i)
        if (a(i, j) != 0.0) f += 0.5 * a(i, j) * x[i] * x[j];
    for (int i = 0; i < n; ++i) f -= 0.1 * i * x[i];
    return f;
  };
  std::vector<std::string> names;
  for (int i = 0; i < n; ++i) names.push_back(parameter_name(i));
  hf::Objective objective = hf::Objective::from_callable(nll, names, Eigen::VectorXd::Zero(n));
  objective.fix(7);
  Eigen::VectorXd g;
  Eigen::SparseMatrix<double> h;
  objective.value_gradient_sparse_hessian(Eigen::VectorXd::Zero(n), g, h);
  hf::CovarianceOptions options;
  options.full_rows = {40};
  const hf::CovarianceResult cs = hf::covariance_from_sparse_hessian(objective, h, {}, options);
  const hf::CovarianceResult cd = hf::covariance_from_hessian(objective, Eigen::MatrixXd(h), {}, {});
  ASSERT_TRUE(cs.accurate()) << cs.message;
  EXPECT_FALSE(cs.has_full_matrix());
  for (int i = 0; i < n; ++i) EXPECT_NEAR(cs.errors[i], cd.errors[i], 1e-12 * cd.errors[i]);
  int entries = 0;
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < n; ++i) {
      const double v = cs.covariance_of(i, j);
      if (i == 7 || j == 7) {
        EXPECT_EQ(v, 0.0);
      }
      if (!std::isfinite(v)) continue;
      ++entries;
      EXPECT_NEAR(v, cd.covariance(i, j), 1e-12) << i << ", " << j;
    }
  for (int i = 0; i < n; ++i) {
    if (i != 7) {
      EXPECT_TRUE(std::isfinite(cs.covariance_of(40, i))) << i;  // the full row
    }
  }
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < n; ++i) {
      if (h.coeff(i, j) != 0.0 && i != 7 && j != 7) {
        EXPECT_TRUE(std::isfinite(cs.covariance_of(i, j)));  // H's pattern
      }
    }
  }
  EXPECT_LT(entries, n * n);
  EXPECT_NEAR(cs.min_eigenvalue, cd.min_eigenvalue, 1e-9 * cd.min_eigenvalue);
  EXPECT_NEAR(cs.max_eigenvalue, cd.max_eigenvalue, 1e-9 * cd.max_eigenvalue);
  ASSERT_EQ(cs.smallest.size(), cd.smallest.size());
  for (std::size_t k = 0; k < cs.smallest.size(); ++k) EXPECT_NEAR(cs.smallest[k].eigenvalue, cd.smallest[k].eigenvalue, 1e-9);
  // full_matrix: the dense matrices as on the dense path
  options.full_matrix = true;
  const hf::CovarianceResult cf = hf::covariance_from_sparse_hessian(objective, h, {}, options);
  ASSERT_TRUE(cf.has_full_matrix());
  EXPECT_LE((cf.covariance - cd.covariance).cwiseAbs().maxCoeff(), 1e-12);
}

TEST(SparseNewton, FollowsNegativeCurvatureLikeTheDensePath) {
  // Rosenbrock from the classic start: indefinite Hessians, bounded steps; both paths end at 1.
  const int n = 40;
  auto rosenbrock = [](const auto& x) {
    std::decay_t<decltype(x[0])> s(0.0);
    for (Eigen::Index i = 0; i + 1 < x.size(); ++i) {
      const auto a = 1.0 - x[i];
      const auto b = x[i + 1] - x[i] * x[i];
      s += a * a + 100.0 * b * b;
    }
    return s;
  };
  std::vector<std::string> names;
  Eigen::VectorXd start(n);
  for (int i = 0; i < n; ++i) names.push_back(parameter_name(i)), start[i] = i % 2 == 0 ? -1.2 : 1.0;
  hf::Objective objective = hf::Objective::from_callable(rosenbrock, names, start, {}, hf::kErrorDefChiSquare);
  hf::MinimizeOptions options;
  options.method = hf::Method::kNewton;
  options.newton.max_iterations = 500;
  objective.set_hessian_storage(hf::HessianStorage::kDense);
  const hf::MinimizeResult d = hf::minimize(objective, options);
  objective.set_hessian_storage(hf::HessianStorage::kSparse);
  const hf::MinimizeResult r = hf::minimize(objective, options);
  ASSERT_TRUE(r.converged()) << r.message;
  ASSERT_TRUE(d.converged()) << d.message;
  EXPECT_TRUE(r.has_sparse_hessian());
  EXPECT_GT(r.iterations, 10);  // many bounded steps through indefinite regions
  EXPECT_NEAR(r.fval, d.fval, 1e-10);
  EXPECT_LE((r.x - d.x).cwiseAbs().maxCoeff(), 1e-6);
  EXPECT_TRUE(r.positive_definite);
}

}  // namespace
