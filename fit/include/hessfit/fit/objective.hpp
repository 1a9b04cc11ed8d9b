// The objective a fit minimises: a negative log-likelihood (or chi-square) of n parameters,
// with its exact gradient and Hessian from automatic differentiation, and the parameter
// bookkeeping a physicist needs (names, bounds, fixed flags, starting values).
//
//   f(x) : R^n -> R,   g = grad f (reverse mode),   H = grad^2 f (forward-over-reverse)
//
// The error definition `up` says how much f rises for a one-standard-deviation move:
// up = 0.5 for f = -log L, up = 1 for f = chi^2 (= -2 log L). Everything downstream is
// expressed with it: covariance = 2 up H^-1, MINOS crossings at f_min + up * q.
//
// An Objective is a cheap value type: copies share the (immutable) callable and names, and own
// their parameter state (values, bounds, fixed flags), so that profile fits, MINOS and impacts
// copy it, fix a parameter and minimise, without rebuilding or re-taping anything. The callable
// must be safe to call from several threads at once (a pure function of x; hessfit::ad keeps its
// tapes thread-local).
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>

#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "hessfit/autodiff.hpp"
#include "hessfit/common/bounds.hpp"

namespace hessfit::fit {

/// Error definition of a negative log-likelihood, f = -log L.
inline constexpr double kErrorDefNll = 0.5;
/// Error definition of a chi-square, f = -2 log L.
inline constexpr double kErrorDefChiSquare = 1.0;

using hessfit::Bounds;

/// How the fits of an objective hold its Hessian (see Objective::uses_sparse_hessian).
enum class HessianStorage {
  kAuto,    // sparse from kSparseHessianMinParameters parameters on, when the objective can give it
  kDense,   // always n x n (Eigen::MatrixXd)
  kSparse,  // always sparse (Eigen::SparseMatrix) when the objective can give it
};
/// kAuto switches to sparse Hessians from this many parameters (fixed ones included).
inline constexpr int kSparseHessianMinParameters = 500;
std::string to_string(HessianStorage storage);
/// The storage called `name` ("auto", "dense", "sparse"), or nothing.
std::optional<HessianStorage> parse_hessian_storage(std::string_view name);

class Objective {
 public:
  /// f(x); x is the full parameter vector (fixed parameters included).
  using ValueFunction = std::function<double(const Eigen::VectorXd& x)>;
  /// f(x) and g = df/dx (g resized to n by the callee).
  using GradientFunction = std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& g)>;
  /// f(x), g and the n x n Hessian H (resized by the callee).
  using HessianFunction =
      std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& g, Eigen::MatrixXd& h)>;

  /// f(x), g and the Hessian as a sparse matrix (both triangles; resized by the callee).
  using SparseHessianFunction =
      std::function<double(const Eigen::VectorXd& x, Eigen::VectorXd& g, Eigen::SparseMatrix<double>& h)>;

  /// The evaluators. `value` is optional: without it, values come from `gradient`.
  /// `sparse_hessian` is optional: without it the objective has dense Hessians only.
  struct Functions {
    ValueFunction value;
    GradientFunction gradient;
    HessianFunction hessian;
    SparseHessianFunction sparse_hessian;
  };

  /// The three evaluators of a generic callable written once with `auto` scalars,
  ///   auto nll = [&](const auto& x) { ...; return value; };   // x: Eigen vector of scalars
  /// differentiated exactly by hessfit::ad (gradient by reverse mode, Hessian forward-over-reverse).
  template <class F>
  static Functions functions_of(F nll) {
    auto f = std::make_shared<const F>(std::move(nll));
    Functions fns;
    fns.value = [f](const Eigen::VectorXd& x) -> double { return static_cast<double>((*f)(x)); };
    fns.gradient = [f](const Eigen::VectorXd& x, Eigen::VectorXd& g) -> double {
      return hessfit::ad::value_and_gradient(*f, x, g);
    };
    fns.hessian = [f](const Eigen::VectorXd& x, Eigen::VectorXd& g, Eigen::MatrixXd& h) -> double {
      return hessfit::ad::value_gradient_hessian(*f, x, g, h);
    };
    // Sparse Hessians: pattern and star colouring per tape structure, shared by the copies.
    auto cache = std::make_shared<hessfit::ad::SparseHessianCache>();
    fns.sparse_hessian = [f, cache](const Eigen::VectorXd& x, Eigen::VectorXd& g, Eigen::SparseMatrix<double>& h) -> double {
      return hessfit::ad::value_gradient_sparse_hessian(*f, x, g, h, *cache);
    };
    return fns;
  }

  /// An objective from a generic callable (see functions_of). `bounds` may be empty (no bounds);
  /// `init` gives the starting values. Throws std::invalid_argument on inconsistent sizes,
  /// duplicate names, or init outside bounds.
  template <class F>
  static Objective from_callable(F nll, std::vector<std::string> names, Eigen::VectorXd init,
                                 std::vector<Bounds> bounds = {}, double errordef = kErrorDefNll) {
    return from_functions(functions_of(std::move(nll)), std::move(names), std::move(init), std::move(bounds),
                          errordef);
  }

  /// An objective from hand-written (or externally differentiated) evaluators.
  static Objective from_functions(Functions functions, std::vector<std::string> names,
                                  Eigen::VectorXd init, std::vector<Bounds> bounds = {},
                                  double errordef = kErrorDefNll);

  /// The same parameters (names, values, bounds, fixed flags, errordef) with other evaluators:
  /// the NLL of the same model on another data set (Asimov data, a toy). Cheap: the names are
  /// shared, not copied. Throws std::invalid_argument if the gradient or Hessian is missing.
  Objective with_functions(Functions functions) const;

  // --- parameters --------------------------------------------------------------------------
  int size() const { return static_cast<int>(values_.size()); }
  const std::vector<std::string>& names() const { return names_->names; }
  const std::string& name(int i) const { return names_->names[static_cast<std::size_t>(i)]; }
  /// Index of a parameter; throws std::invalid_argument naming it when unknown.
  int index(std::string_view name) const;
  /// Index of a parameter, or nothing when unknown.
  std::optional<int> find(std::string_view name) const;

  /// Current values: the starting point of the next minimisation, and the values of fixed
  /// parameters.
  const Eigen::VectorXd& values() const { return values_; }
  double value_of(std::string_view name) const { return values_[index(name)]; }
  /// Sets one value / all values; throws std::invalid_argument if outside the bounds.
  void set_value(std::string_view name, double value) { set_value(index(name), value); }
  void set_value(int i, double value);
  void set_values(const Eigen::VectorXd& values);

  const std::vector<Bounds>& bounds() const { return bounds_; }
  const Bounds& bounds(int i) const { return bounds_[static_cast<std::size_t>(i)]; }
  /// Replaces a parameter's bounds (the value is clamped into them).
  void set_bounds(std::string_view name, Bounds bounds) { set_bounds(index(name), bounds); }
  void set_bounds(int i, Bounds bounds);

  bool is_fixed(int i) const { return fixed_[static_cast<std::size_t>(i)]; }
  bool is_fixed(std::string_view name) const { return is_fixed(index(name)); }
  const std::vector<bool>& fixed() const { return fixed_; }
  /// Fixes a parameter at its current value, or at `value`.
  void fix(std::string_view name) { fix(index(name)); }
  void fix(std::string_view name, double value) { fix(index(name), value); }
  void fix(int i);
  void fix(int i, double value);
  void release(std::string_view name) { release(index(name)); }
  void release(int i);

  /// Indices of the free parameters, ascending.
  std::vector<int> free_indices() const;
  int n_free() const;

  double errordef() const { return errordef_; }
  /// Throws std::invalid_argument unless errordef > 0.
  void set_errordef(double errordef);

  // --- evaluation (full parameter vector; thread-safe if the callable is) -------------------
  double value(const Eigen::VectorXd& x) const;
  double value_and_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& g) const;
  double value_gradient_hessian(const Eigen::VectorXd& x, Eigen::VectorXd& g,
                                Eigen::MatrixXd& h) const;
  /// The Hessian as a sparse matrix (both triangles). Without a sparse evaluator, the dense one
  /// converted (exact zeros dropped).
  double value_gradient_sparse_hessian(const Eigen::VectorXd& x, Eigen::VectorXd& g,
                                       Eigen::SparseMatrix<double>& h) const;

  // --- Hessian storage ------------------------------------------------------------------------
  /// The objective has a sparse Hessian evaluator (from_callable always; from_functions when given).
  bool has_sparse_hessian() const { return static_cast<bool>(functions_->sparse_hessian); }
  HessianStorage hessian_storage() const { return hessian_storage_; }
  /// Chooses how minimisers, covariance and profiles hold the Hessian; copies (conditional fits,
  /// MINOS, scans, impacts) inherit it.
  void set_hessian_storage(HessianStorage storage) { hessian_storage_ = storage; }
  /// Whether fits of this objective use sparse Hessians and sparse factorisations: kSparse with a
  /// sparse evaluator, or kAuto with one and at least kSparseHessianMinParameters parameters.
  bool uses_sparse_hessian() const {
    if (!has_sparse_hessian() || hessian_storage_ == HessianStorage::kDense) return false;
    return hessian_storage_ == HessianStorage::kSparse || size() >= kSparseHessianMinParameters;
  }

 private:
  struct Names {
    std::vector<std::string> names;
    std::unordered_map<std::string, int> index;
  };
  Objective() = default;

  std::shared_ptr<const Functions> functions_;
  std::shared_ptr<const Names> names_;
  Eigen::VectorXd values_;
  std::vector<Bounds> bounds_;
  std::vector<bool> fixed_;
  double errordef_ = kErrorDefNll;
  HessianStorage hessian_storage_ = HessianStorage::kAuto;
};

}  // namespace hessfit::fit
