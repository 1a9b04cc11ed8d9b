#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <thread>
#include <vector>

#include "functions.hpp"
#include "hessfit/autodiff.hpp"

namespace {

using namespace hessfit::ad;
using namespace hessfit::ad::testing;

TEST(TapeScope, RewindsTheTapeWhenAnExceptionPasses) {
  auto& tape = Tape<double>::active();
  const std::int32_t before = tape.size();
  const std::size_t args_before = tape.arg_count();
  try {
    TapeScope<double> scope;
    auto x = Var<double>::input(1.0);
    auto y = exp(x) * x + x;
    (void)y;
    EXPECT_GT(tape.size(), before);
    throw std::runtime_error("model failed");
  } catch (const std::runtime_error&) {
  }
  EXPECT_EQ(tape.size(), before);
  EXPECT_EQ(tape.arg_count(), args_before);
}

TEST(TapeScope, DriversLeaveTheTapeAsTheyFoundIt) {
  auto throwing = [](const auto& x) {
    if (x[0] > 0.0) throw std::domain_error("x > 0");
    return x[0];
  };
  auto& tape = Tape<double>::active();
  const std::int32_t before = tape.size();
  EXPECT_THROW(gradient(throwing, Eigen::VectorXd::Ones(4)), std::domain_error);
  EXPECT_THROW(hessian(throwing, Eigen::VectorXd::Ones(4)), std::domain_error);
  EXPECT_EQ(tape.size(), before);
  EXPECT_EQ(gradient(throwing, -Eigen::VectorXd::Ones(2)), Eigen::Vector2d(1.0, 0.0));
}

TEST(Tape, RecordsARunOfPlusEqualsAsOneNode) {
  TapeScope<double> scope;
  auto& tape = scope.tape();
  std::vector<Var<double>> x;
  for (int i = 0; i < 50; ++i) x.push_back(Var<double>::input(0.1 * i));
  const std::int32_t before = tape.size();
  Var<double> s = 0.0;
  for (int i = 0; i < 50; ++i) s += (1.0 + i) * x[static_cast<std::size_t>(i)];
  EXPECT_EQ(tape.size() - before, 1);  // one 50-argument sum node
  std::vector<double> adjoint;
  tape.adjoints(s.index(), 0, adjoint);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(adjoint[static_cast<std::size_t>(x[static_cast<std::size_t>(i)].index())], 1.0 + i);
}

TEST(Tape, DoesNotGrowASumThatIsReferencedElsewhere) {
  TapeScope<double> scope;
  auto a = Var<double>::input(1.0), b = Var<double>::input(2.0), c = Var<double>::input(4.0);
  Var<double> s = a + b;
  const Var<double> copy = s;  // copy refers to the node a + b
  s += c;
  EXPECT_EQ(copy.value(), 3.0);
  EXPECT_EQ(s.value(), 7.0);
  std::vector<double> adjoint;
  scope.tape().adjoints(copy.index(), 0, adjoint);
  EXPECT_EQ(adjoint[static_cast<std::size_t>(c.index())], 0.0);  // c must not have leaked into copy
  EXPECT_EQ(adjoint[static_cast<std::size_t>(a.index())], 1.0);
}

TEST(Tape, DoesNotGrowASumScaledInPlace) {
  TapeScope<double> scope;
  auto a = Var<double>::input(1.0), b = Var<double>::input(2.0), c = Var<double>::input(4.0), d = Var<double>::input(8.0);
  Var<double> s = a + b;
  s *= 2.0;  // s = 2 (a + b): growing the node by c would give 2 (a + b + c)
  s += c;
  s /= 4.0;
  s += d;
  EXPECT_EQ(s.value(), (2.0 * 3.0 + 4.0) / 4.0 + 8.0);
  std::vector<double> adjoint;
  scope.tape().adjoints(s.index(), 0, adjoint);
  EXPECT_EQ(adjoint[static_cast<std::size_t>(a.index())], 0.5);
  EXPECT_EQ(adjoint[static_cast<std::size_t>(b.index())], 0.5);
  EXPECT_EQ(adjoint[static_cast<std::size_t>(c.index())], 0.25);
  EXPECT_EQ(adjoint[static_cast<std::size_t>(d.index())], 1.0);
}

TEST(Tape, ASumAddedToItselfDoubles) {
  TapeScope<double> scope;
  auto a = Var<double>::input(3.0), b = Var<double>::input(5.0);
  Var<double> s = 0.0;
  s += a;
  s += b;
  s += s;
  EXPECT_EQ(s.value(), 16.0);
  std::vector<double> adjoint;
  scope.tape().adjoints(s.index(), 0, adjoint);
  EXPECT_EQ(adjoint[static_cast<std::size_t>(a.index())], 2.0);
  EXPECT_EQ(adjoint[static_cast<std::size_t>(b.index())], 2.0);
}

TEST(Tape, ASumUsedByAnotherNodeStopsGrowing) {
  TapeScope<double> scope;
  auto a = Var<double>::input(0.5), b = Var<double>::input(0.25), c = Var<double>::input(2.0);
  Var<double> s = 0.0;
  s += a;
  s += b;
  const Var<double> y = exp(s);  // refers to the sum a + b
  s += c;
  std::vector<double> adjoint;
  scope.tape().adjoints(y.index(), 0, adjoint);
  EXPECT_DOUBLE_EQ(adjoint[static_cast<std::size_t>(a.index())], std::exp(0.75));
  EXPECT_EQ(adjoint[static_cast<std::size_t>(c.index())], 0.0);
  scope.tape().adjoints(s.index(), 0, adjoint);
  EXPECT_EQ(adjoint[static_cast<std::size_t>(c.index())], 1.0);
}

// The reverse sweep takes a contiguous path for sums over consecutive nodes: its result must not
// depend on the order or pattern of the arguments.
TEST(Tape, SweepsRunsOfConsecutiveNodesAndScatteredOnesAlike) {
  const Eigen::Index n = 40;
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(n, -1.0, 1.0);
  auto weight = [](Eigen::Index j) { return 0.5 + 0.01 * static_cast<double>(j * j); };
  // sum_j w_j x_j in order, in reverse order, with x_3 twice and x_7 left out, and a run of 8
  // consecutive nodes that ends in a jump; all through exp so that the adjoint is not one.
  auto in_order = [&](const auto& v) {
    ScalarOf<decltype(v)> s(0.0);
    for (Eigen::Index j = 0; j < n; ++j) s += weight(j) * v[j];
    return exp(0.1 * s);
  };
  auto reversed = [&](const auto& v) {
    ScalarOf<decltype(v)> s(0.0);
    for (Eigen::Index j = n - 1; j >= 0; --j) s += weight(j) * v[j];
    return exp(0.1 * s);
  };
  auto irregular = [&](const auto& v) {
    ScalarOf<decltype(v)> s(0.0);
    for (Eigen::Index j = 0; j < n; ++j)
      if (j != 7) s += weight(j) * v[j];
    s += weight(3) * v[3];
    for (Eigen::Index j = 10; j < 18; ++j) s += v[j];
    s += v[30];
    return exp(0.1 * s);
  };
  const double f = in_order(x);
  Eigen::VectorXd g_order, g_reversed, g_irregular;
  value_and_gradient(in_order, x, g_order);
  value_and_gradient(reversed, x, g_reversed);
  const double f_irregular = value_and_gradient(irregular, x, g_irregular);
  for (Eigen::Index j = 0; j < n; ++j) {
    EXPECT_DOUBLE_EQ(g_order[j], 0.1 * weight(j) * f) << j;
    EXPECT_NEAR(g_reversed[j], g_order[j], 1e-14 * std::abs(g_order[j])) << j;  // s summed in another order
    const double w = (j == 7 ? 0.0 : weight(j)) + (j == 3 ? weight(3) : 0.0) + (j >= 10 && j < 18 ? 1.0 : 0.0) + (j == 30 ? 1.0 : 0.0);
    EXPECT_DOUBLE_EQ(g_irregular[j], 0.1 * w * f_irregular) << j;
  }
}

// A sum over consecutive nodes keeps only its first node; the indices are written out on demand
// (also while it still grows) and when an argument breaks the run.
TEST(Tape, WritesOutTheIndicesOfARunOnDemandAndWhenItBreaks) {
  TapeScope<double> scope;
  auto& tape = scope.tape();
  std::vector<Var<double>> x;
  for (int i = 0; i < 10; ++i) x.push_back(Var<double>::input(1.0 + i));
  Var<double> s = 0.0;
  for (int i = 0; i < 5; ++i) s += (1.0 + i) * x[static_cast<std::size_t>(i)];
  const std::int32_t node = s.index();
  EXPECT_EQ(tape.run_first(node), x[0].index());
  EXPECT_EQ(tape.arg_index(tape.args_begin(node) + 4), x[4].index());  // written out while s still grows
  for (int i = 5; i < 10; ++i) s += (1.0 + i) * x[static_cast<std::size_t>(i)];
  EXPECT_EQ(s.index(), node);
  EXPECT_EQ(tape.args_end(node) - tape.args_begin(node), 10u);
  for (std::uint32_t k = 0; k < 10; ++k) EXPECT_EQ(tape.arg_index(tape.args_begin(node) + k), x[k].index()) << k;
  s += 0.5 * x[2];  // not the next node: the run ends
  EXPECT_EQ(s.index(), node);
  EXPECT_EQ(tape.run_first(node), -1);
  EXPECT_EQ(tape.arg_index(tape.args_end(node) - 1), x[2].index());
  std::vector<double> adjoint;
  tape.adjoints(s.index(), 0, adjoint);
  for (int i = 0; i < 10; ++i)
    EXPECT_EQ(adjoint[static_cast<std::size_t>(x[static_cast<std::size_t>(i)].index())], 1.0 + i + (i == 2 ? 0.5 : 0.0)) << i;
}

// A preaccumulated node (partials computed outside the tape) behaves in the reverse sweep like
// the operations it replaces: y = x0 * exp(x1) * x2^2 recorded as one node of three arguments (x2
// given twice, x1 through a scaled Var), then used by a taped operation and a sum that goes on
// growing.
TEST(Tape, APreaccumulatedNodeSweepsLikeTheOperationsItReplaces) {
  const double v0 = 0.7, v1 = -0.3, v2 = 1.9;
  auto taped = [](const auto& x0, const auto& x1, const auto& x2) { return log(x0 * exp(x1) * (x2 * x2) + 1.0) + x2; };
  std::vector<double> expected(3), got(3);
  {
    TapeScope<double> scope;
    auto x0 = Var<double>::input(v0), x1 = Var<double>::input(v1), x2 = Var<double>::input(v2);
    const Var<double> y = taped(x0, x1 * 1.0, x2);
    std::vector<double> adjoint;
    scope.tape().adjoints(y.index(), 0, adjoint);
    for (std::size_t i = 0; i < 3; ++i) expected[i] = adjoint[i];
  }
  TapeScope<double> scope;
  auto& tape = scope.tape();
  auto x0 = Var<double>::input(v0), x1 = Var<double>::input(v1), x2 = Var<double>::input(v2);
  const Var<double> x1s = 0.5 * x1;  // stands for 0.5 * node: its coefficient goes into the partial
  const double e = std::exp(2.0 * x1s.value()), p = x0.value() * e * x2.value() * x2.value();
  const std::int32_t index[] = {x0.index(), x1s.index(), x2.index(), x2.index()};
  const double partial[] = {e * v2 * v2, 2.0 * p * x1s.coeff(), v0 * e * v2, v0 * e * v2};
  const std::int32_t node = tape.push_preaccumulated(4, index, partial);
  EXPECT_EQ(tape.args_end(node) - tape.args_begin(node), 4u);
  const Var<double> prod(p, 1.0, node, false);
  Var<double> y = log(prod + 1.0);
  y += x2;
  std::vector<double> adjoint;
  tape.adjoints(y.index(), 0, adjoint);
  for (std::size_t i = 0; i < 3; ++i) got[i] = adjoint[i];
  for (std::size_t i = 0; i < 3; ++i) EXPECT_NEAR(got[i], expected[i], 1e-15 * std::abs(expected[i])) << i;
  EXPECT_DOUBLE_EQ(y.value(), std::log(v0 * std::exp(v1) * v2 * v2 + 1.0) + v2);
}

TEST(Tape, ReusesItsStorageAcrossEvaluations) {
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(30, -1.0, 1.0);
  Eigen::VectorXd g;
  value_and_gradient(dense_fn, x, g);
  auto& tape = Tape<double>::active();
  const std::size_t args = tape.arg_count();
  const Eigen::VectorXd g1 = g;
  value_and_gradient(dense_fn, x, g);
  EXPECT_EQ(tape.arg_count(), args);
  EXPECT_EQ(g, g1);
}

TEST(Tape, TwoThreadsComputeHessiansAtOnce) {
  const Eigen::VectorXd x1 = Eigen::VectorXd::LinSpaced(25, -1.0, 1.0);
  const Eigen::VectorXd x2 = Eigen::VectorXd::LinSpaced(25, 0.5, -0.7);
  const Eigen::MatrixXd expected1 = hessian(dense_fn, x1);
  const Eigen::MatrixXd expected2 = hessian(dense_fn, x2, HessianMode::kReverseOverReverse);
  std::vector<Eigen::MatrixXd> got1(20), got2(20);
  std::thread t1([&] {
    for (auto& h : got1) h = hessian(dense_fn, x1);
  });
  std::thread t2([&] {
    for (auto& h : got2) h = hessian(dense_fn, x2, HessianMode::kReverseOverReverse);
  });
  t1.join();
  t2.join();
  for (const auto& h : got1) EXPECT_EQ(h, expected1);
  for (const auto& h : got2) EXPECT_EQ(h, expected2);
}

}  // namespace
