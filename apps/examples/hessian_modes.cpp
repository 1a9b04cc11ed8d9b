// The seed lesson, part 2: Hessians by composing forward and reverse mode, and what each costs.
//
// For f(x) = sum_i (x_i^2 - x_i^3 - x_i) the Hessian is diagonal, H_ii = 2 - 6 x_i. hessfit computes
// it four ways:
//   forward-over-reverse  jacfwd(jacrev(f)): tape f once, push tangent directions through the
//                         gradient sweep (8 at a time here)
//   reverse-over-reverse  jacrev(jacrev(f)): tape the gradient sweep itself, then one reverse sweep
//                         per gradient component
//   forward-over-forward  jacfwd(jacfwd(f)): one forward pass per (row, block of 8 columns)
//   reverse-over-forward  jacrev(jacfwd(f)): tape one directional derivative per row, sweep it back
// and then times forward against reverse Jacobians of vector functions: forward mode pays one pass
// per input (8 inputs per pass here), reverse mode one sweep per output.
//
// Run: hessian_modes [repeats]   (repeats: minimum timed runs per entry, default 7; medians are shown)
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "hessfit/autodiff.hpp"

namespace {

namespace ad = hessfit::ad;

/// f(x) = sum_i (x_i^2 - x_i^3 - x_i), accumulated as a user would write it.
auto cubic_sum = [](const auto& x) {
  using S = std::decay_t<decltype(x[0])>;
  S s(0.0);
  for (Eigen::Index i = 0; i < x.size(); ++i) s += x[i] * x[i] - x[i] * x[i] * x[i] - x[i];
  return s;
};

// ---- printing --------------------------------------------------------------------------------

/// A double as numpy prints it by default: at most 8 decimals, trailing zeros dropped, "2." for 2.
std::string numpy_number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.8f", v);
  std::string s(buf);
  while (s.back() == '0') s.pop_back();
  if (s == "-0.") s = "0.";
  return s;
}

/// A matrix the way numpy prints one with more than 1000 entries: the first and last 3 rows and
/// columns, "..." for the rest, numbers aligned on the decimal point.
std::string numpy_abbreviated(const Eigen::MatrixXd& m, Eigen::Index edge = 3) {
  const bool cut_rows = m.rows() > 2 * edge, cut_cols = m.cols() > 2 * edge;
  auto shown = [edge](Eigen::Index size, bool cut) {
    std::vector<Eigen::Index> idx;
    for (Eigen::Index i = 0; i < size; ++i)
      if (!cut || i < edge || i >= size - edge) idx.push_back(i);
    return idx;
  };
  const auto rows = shown(m.rows(), cut_rows), cols = shown(m.cols(), cut_cols);
  std::size_t left = 0, right = 0;  // widths before and after the decimal point
  for (auto r : rows)
    for (auto c : cols) {
      const std::string s = numpy_number(m(r, c));
      const std::size_t dot = s.find('.');
      left = std::max(left, dot), right = std::max(right, s.size() - dot);
    }
  auto cell = [&](double v) {
    const std::string s = numpy_number(v);
    const std::size_t dot = s.find('.');
    return std::string(left - dot, ' ') + s + std::string(right - (s.size() - dot), ' ');
  };
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i > 0) out += "\n ";
    if (cut_rows && i == static_cast<std::size_t>(edge)) out += "...\n ";
    out += "[";
    for (std::size_t j = 0; j < cols.size(); ++j) {
      if (j > 0) out += " ";
      if (cut_cols && j == static_cast<std::size_t>(edge)) out += "... ";
      out += cell(m(rows[i], cols[j]));
    }
    out += "]";
  }
  return out + "]";
}

/// A small matrix in one line: [[-4, 0], [0, 2]].
std::string compact(const Eigen::MatrixXd& m) {
  std::string out = "[";
  char buf[32];
  for (Eigen::Index r = 0; r < m.rows(); ++r) {
    out += r > 0 ? ", [" : "[";
    for (Eigen::Index c = 0; c < m.cols(); ++c) {
      std::snprintf(buf, sizeof buf, "%s%.15g", c > 0 ? ", " : "", m(r, c) == 0.0 ? 0.0 : m(r, c));
      out += buf;
    }
    out += "]";
  }
  return out + "]";
}

// ---- timing ------------------------------------------------------------------------------------

struct Timing {
  double median_ms, min_ms;
  int runs;
};

/// Runs `work` at least `min_runs` times and until about `budget_s` seconds are spent (at most 201
/// runs); the median and fastest run in milliseconds.
template <class Work>
Timing time_runs(Work&& work, int min_runs, double budget_s = 0.25) {
  using Clock = std::chrono::steady_clock;
  std::vector<double> ms;
  const auto start = Clock::now();
  while (static_cast<int>(ms.size()) < min_runs ||
         (std::chrono::duration<double>(Clock::now() - start).count() < budget_s && ms.size() < 201)) {
    const auto t0 = Clock::now();
    work();
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return {ms[ms.size() / 2], ms.front(), static_cast<int>(ms.size())};
}

double max_abs_diff(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b) { return (a - b).cwiseAbs().maxCoeff(); }

/// The exact Hessian of cubic_sum.
Eigen::MatrixXd cubic_sum_hessian(const Eigen::VectorXd& x) {
  return (2.0 - 6.0 * x.array()).matrix().asDiagonal();
}

// ---- vector functions for the Jacobian race ---------------------------------------------------------

template <class V>
using ScalarOf = std::decay_t<decltype(std::declval<const V&>()[0])>;

/// Many inputs, few outputs: y_r = sum_i sin((r + 1) x_i) x_i, r < 4.
auto wide = [](const auto& x) {
  using S = ScalarOf<decltype(x)>;
  using std::sin;
  ad::Vector<S> y(4);
  for (Eigen::Index r = 0; r < 4; ++r) {
    S s(0.0);
    for (Eigen::Index i = 0; i < x.size(); ++i) s += sin(static_cast<double>(r + 1) * x[i]) * x[i];
    y[r] = s;
  }
  return y;
};

/// As many outputs as inputs, each output depending on two neighbours: y_i = x_i^2 sin(x_{i+1}).
auto square = [](const auto& x) {
  using S = ScalarOf<decltype(x)>;
  using std::sin;
  const Eigen::Index n = x.size();
  ad::Vector<S> y(n);
  for (Eigen::Index i = 0; i < n; ++i) y[i] = x[i] * x[i] * sin(x[(i + 1) % n]);
  return y;
};

/// Few inputs, many outputs: y_r = sum_k exp(c_rk x_k) with c_rk = cos(r + k), 1000 outputs.
auto tall = [](const auto& x) {
  using S = ScalarOf<decltype(x)>;
  using std::exp;
  ad::Vector<S> y(1000);
  for (Eigen::Index r = 0; r < y.size(); ++r) {
    S s(0.0);
    for (Eigen::Index k = 0; k < x.size(); ++k) s += exp(std::cos(static_cast<double>(r + k)) * x[k]);
    y[r] = s;
  }
  return y;
};

struct JacobianRow {
  const char* name;
  Eigen::Index inputs, outputs;
  Timing forward, reverse;
  double agreement;
};

template <class F>
JacobianRow race(const char* name, F f, Eigen::Index inputs, int min_runs) {
  const Eigen::VectorXd x = Eigen::VectorXd::LinSpaced(inputs, -0.9, 0.9);
  const Eigen::MatrixXd jf = ad::jacobian_forward(f, x), jr = ad::jacobian_reverse(f, x);
  JacobianRow row{name, inputs, jf.rows(), {}, {}, max_abs_diff(jf, jr) / std::max(1.0, jf.cwiseAbs().maxCoeff())};
  row.forward = time_runs([&] { (void)ad::jacobian_forward(f, x); }, min_runs);
  row.reverse = time_runs([&] { (void)ad::jacobian_reverse(f, x); }, min_runs);
  return row;
}

}  // namespace

int main(int argc, char** argv) {
  const int min_runs = argc > 1 ? std::max(1, std::atoi(argv[1])) : 7;
  bool ok = true;

  // 1. The lesson's small example.
  Eigen::VectorXd x2(2);
  x2 << 1.0, 0.0;
  const Eigen::MatrixXd h2 = ad::hessian(cubic_sum, x2);
  std::printf("f(x) = sum_i (x_i^2 - x_i^3 - x_i)\n\n");
  std::printf("Hessian at (1, 0), forward-over-reverse:\n%s\n\n", compact(h2).c_str());
  ok = ok && h2 == cubic_sum_hessian(x2);

  // 2. A 100-dimensional point, printed the way numpy abbreviates large arrays.
  const Eigen::VectorXd x100 = Eigen::VectorXd::LinSpaced(100, 0.0, 0.99);  // x_i = i / 100
  const Eigen::MatrixXd h100 = ad::hessian(cubic_sum, x100);
  const double err100 = max_abs_diff(h100, cubic_sum_hessian(x100));
  std::printf("Hessian at x_i = i/100, i = 0..99 (100 x 100):\n%s\n", numpy_abbreviated(h100).c_str());
  std::printf("largest difference from the exact diag(2 - 6 x_i): %.3g\n\n", err100);
  ok = ok && err100 <= 1e-12;

  // 3. The four compositions at n = 200.
  constexpr Eigen::Index kN = 200;
  const Eigen::VectorXd x = Eigen::VectorXd::Ones(kN);
  const Eigen::MatrixXd exact = cubic_sum_hessian(x);
  struct ModeRow {
    ad::HessianMode mode;
    double lesson_ms;  // the lesson's JAX timing on its own machine
    Timing t;
    double error;
  };
  std::vector<ModeRow> modes{{ad::HessianMode::kForwardOverReverse, 17.6, {}, 0.0},
                             {ad::HessianMode::kReverseOverReverse, 22.5, {}, 0.0},
                             {ad::HessianMode::kForwardOverForward, 85.8, {}, 0.0},
                             {ad::HessianMode::kReverseOverForward, 102.0, {}, 0.0}};
  for (auto& m : modes) {
    m.error = max_abs_diff(ad::hessian(cubic_sum, x, m.mode), exact);
    ok = ok && m.error <= 1e-12;
    m.t = time_runs([&] { (void)ad::hessian(cubic_sum, x, m.mode); }, min_runs);
  }
  std::printf("Dense Hessian of f at x = ones(%td), median of repeated runs:\n", kN);
  std::printf("  %-22s %12s %12s %6s %14s %11s\n", "composition", "median [ms]", "fastest [ms]", "runs", "lesson JAX [ms]",
              "max |error|");
  for (const auto& m : modes)
    std::printf("  %-22s %12.4f %12.4f %6d %14.1f %11.1e\n", ad::to_string(m.mode), m.t.median_ms, m.t.min_ms, m.t.runs,
                m.lesson_ms, m.error);
  std::printf("\n");

  // 4. Forward against reverse Jacobians.
  std::vector<JacobianRow> jac{race("wide:   sum sin((r+1) x_i) x_i", wide, 1000, min_runs),
                               race("square: x_i^2 sin(x_{i+1})", square, 1000, min_runs),
                               race("tall:   sum exp(c_rk x_k)", tall, 4, min_runs)};
  std::printf("Jacobians, forward (8 inputs per pass) vs reverse (one sweep per output), median of repeated runs:\n");
  std::printf("  %-32s %6s %7s %13s %13s %9s %11s\n", "function", "inputs", "outputs", "forward [ms]", "reverse [ms]",
              "fwd/rev", "max |diff|");
  for (const auto& r : jac) {
    std::printf("  %-32s %6td %7td %13.4f %13.4f %9.2f %11.1e\n", r.name, r.inputs, r.outputs, r.forward.median_ms,
                r.reverse.median_ms, r.forward.median_ms / r.reverse.median_ms, r.agreement);
    ok = ok && r.agreement <= 1e-12;
  }
  std::printf("\n");

  // 5. What the numbers say: every sentence below is chosen and filled in from the measurements.
  auto median_of = [&](ad::HessianMode mode) {
    for (const auto& m : modes)
      if (m.mode == mode) return m.t.median_ms;
    return 0.0;
  };
  const double fwd_rev = median_of(ad::HessianMode::kForwardOverReverse);
  const double rev_rev = median_of(ad::HessianMode::kReverseOverReverse);
  const double fwd_fwd = median_of(ad::HessianMode::kForwardOverForward);
  const double rev_fwd = median_of(ad::HessianMode::kReverseOverForward);
  const auto best = std::min_element(modes.begin(), modes.end(), [](auto& a, auto& b) { return a.t.median_ms < b.t.median_ms; });
  const auto worst = std::max_element(modes.begin(), modes.end(), [](auto& a, auto& b) { return a.t.median_ms < b.t.median_ms; });
  const double reverse_inside = std::min(fwd_rev, rev_rev), forward_inside = std::min(fwd_fwd, rev_fwd);
  std::printf("What the numbers show:\n");
  std::printf("- For this scalar function of %td inputs, %s was fastest (%.3f ms) and %s slowest (%.3f ms, %.0fx the fastest).\n",
              kN, ad::to_string(best->mode), best->t.median_ms, ad::to_string(worst->mode), worst->t.median_ms,
              worst->t.median_ms / best->t.median_ms);
  std::printf("- The inner derivative is the gradient of a function with %td inputs and 1 output. Reverse mode gets it\n"
              "  in one forward and one backward pass; forward mode needs one pass per input. The compositions with\n"
              "  reverse inside took %.3f ms at best, those with forward inside %.3f ms at best: %s (%.0fx).\n",
              kN, reverse_inside, forward_inside,
              reverse_inside < forward_inside ? "reverse inside wins" : "forward inside won here, against the pass counts",
              std::max(reverse_inside, forward_inside) / std::min(reverse_inside, forward_inside));
  std::printf("- The outer derivative is the Jacobian of the gradient: %td inputs and %td outputs, so forward and reverse\n"
              "  outside need the same number of sweeps and differ only in what one sweep costs. With reverse inside:\n"
              "  forward outside %.3f ms, reverse outside %.3f ms (%s, %.2fx). Forward-over-reverse pushes blocks of\n"
              "  tangent directions through the one recorded tape; reverse-over-reverse records the gradient sweep as a\n"
              "  second tape and sweeps that once per row.\n",
              kN, kN, fwd_rev, rev_rev,
              std::max(fwd_rev, rev_rev) < 1.15 * std::min(fwd_rev, rev_rev) ? "within 15% of each other"
              : fwd_rev < rev_rev                                             ? "forward outside wins"
                                                                              : "reverse outside wins",
              std::max(fwd_rev, rev_rev) / std::min(fwd_rev, rev_rev));
  auto passes = [](Eigen::Index k, const char* what) {
    return std::to_string(k) + " " + what + (k == 1 ? "" : (std::string(what) == "pass" ? "es" : "s"));
  };
  for (const auto& r : jac) {
    const bool forward_wins = r.forward.median_ms < r.reverse.median_ms;
    const double factor = forward_wins ? r.reverse.median_ms / r.forward.median_ms : r.forward.median_ms / r.reverse.median_ms;
    const std::string predicted = r.inputs < r.outputs ? "forward" : (r.inputs > r.outputs ? "reverse" : "");
    std::string verdict;
    if (!predicted.empty())
      verdict = predicted == (forward_wins ? "forward" : "reverse") ? ", as the pass counts predict"
                                                                    : ", against the pass counts (per-pass overheads or timing noise)";
    std::printf("- Jacobian of %td inputs -> %td outputs: %s mode won by %.1fx (%s of 8 tangents vs %s)%s.\n", r.inputs,
                r.outputs, forward_wins ? "forward" : "reverse", factor, passes((r.inputs + 7) / 8, "pass").c_str(),
                passes(r.outputs, "reverse sweep").c_str(), verdict.c_str());
  }
  std::printf("- So: forward mode costs grow with the number of inputs, reverse mode costs with the number of outputs.\n"
              "  A likelihood has one output: its gradient is reverse mode, and its Hessian forward-over-reverse.\n");
  if (!ok) std::printf("\nERROR: a Hessian or Jacobian disagreed with the exact one.\n");
  return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
