#include "hessfit/fit/objective.hpp"

#include "hessfit/common/text.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace hessfit::fit {
namespace {

std::string describe(double v) { return format_shortest(v); }

}  // namespace

std::string to_string(HessianStorage storage) {
  switch (storage) {
    case HessianStorage::kAuto: return "auto";
    case HessianStorage::kDense: return "dense";
    case HessianStorage::kSparse: return "sparse";
  }
  return "unknown";
}

std::optional<HessianStorage> parse_hessian_storage(std::string_view name) {
  for (const HessianStorage h : {HessianStorage::kAuto, HessianStorage::kDense, HessianStorage::kSparse})
    if (to_string(h) == name) return h;
  return std::nullopt;
}

Objective Objective::from_functions(Functions functions, std::vector<std::string> names,
                                    Eigen::VectorXd init, std::vector<Bounds> bounds,
                                    double errordef) {
  std::vector<std::string> problems;
  const auto n = names.size();
  if (!functions.gradient) problems.push_back("no gradient function");
  if (!functions.hessian) problems.push_back("no Hessian function");
  if (static_cast<std::size_t>(init.size()) != n) {
    problems.push_back(std::to_string(n) + " parameter names but " + std::to_string(init.size()) +
                       " initial values");
  }
  if (bounds.empty()) bounds.resize(n);
  if (bounds.size() != n) {
    problems.push_back(std::to_string(n) + " parameter names but " +
                       std::to_string(bounds.size()) + " bounds");
  }
  if (!(errordef > 0.0)) problems.push_back("error definition " + describe(errordef) + " is not > 0");

  auto shared = std::make_shared<Names>();
  for (std::size_t i = 0; i < n; ++i) {
    if (names[i].empty()) problems.push_back("parameter " + std::to_string(i) + " has an empty name");
    if (!shared->index.emplace(names[i], static_cast<int>(i)).second) {
      problems.push_back("parameter name '" + names[i] + "' is used twice");
    }
    if (i < bounds.size() && static_cast<std::size_t>(init.size()) == n) {
      const Bounds& b = bounds[i];
      if (std::isnan(b.lower) || std::isnan(b.upper) || !(b.lower <= b.upper)) {
        problems.push_back("parameter '" + names[i] + "': bounds [" + describe(b.lower) + ", " +
                           describe(b.upper) + "] are not an interval");
      } else if (!std::isfinite(init[static_cast<Eigen::Index>(i)]) ||
                 !b.contains(init[static_cast<Eigen::Index>(i)])) {
        problems.push_back("parameter '" + names[i] + "': initial value " +
                           describe(init[static_cast<Eigen::Index>(i)]) + " is outside its bounds [" +
                           describe(b.lower) + ", " + describe(b.upper) + "]");
      }
    }
  }
  if (!problems.empty()) {
    std::string message = "hessfit::fit::Objective: ";
    for (std::size_t k = 0; k < problems.size(); ++k) message += (k ? "; " : "") + problems[k];
    throw std::invalid_argument(message);
  }
  shared->names = std::move(names);

  Objective objective;
  objective.functions_ = std::make_shared<const Functions>(std::move(functions));
  objective.names_ = std::move(shared);
  objective.values_ = std::move(init);
  objective.bounds_ = std::move(bounds);
  objective.fixed_.assign(n, false);
  objective.errordef_ = errordef;
  return objective;
}

Objective Objective::with_functions(Functions functions) const {
  if (!functions.gradient || !functions.hessian)
    throw std::invalid_argument("hessfit::fit::Objective::with_functions: no gradient or no Hessian function");
  Objective o = *this;
  o.functions_ = std::make_shared<const Functions>(std::move(functions));
  return o;
}

std::optional<int> Objective::find(std::string_view name) const {
  const auto it = names_->index.find(std::string(name));
  if (it == names_->index.end()) return std::nullopt;
  return it->second;
}

int Objective::index(std::string_view name) const {
  if (const auto i = find(name)) return *i;
  throw std::invalid_argument("hessfit::fit::Objective: no parameter named '" + std::string(name) +
                              "'");
}

void Objective::set_value(int i, double value) {
  const Bounds& b = bounds(i);
  if (!std::isfinite(value) || !b.contains(value)) {
    throw std::invalid_argument("hessfit::fit::Objective: parameter '" + name(i) + "': value " +
                                describe(value) + " is outside its bounds [" + describe(b.lower) +
                                ", " + describe(b.upper) + "]");
  }
  values_[i] = value;
}

void Objective::set_values(const Eigen::VectorXd& values) {
  if (values.size() != values_.size()) {
    throw std::invalid_argument("hessfit::fit::Objective::set_values: " +
                                std::to_string(values.size()) + " values for " +
                                std::to_string(values_.size()) + " parameters");
  }
  for (int i = 0; i < size(); ++i) set_value(i, values[i]);
}

void Objective::set_bounds(int i, Bounds b) {
  if (std::isnan(b.lower) || std::isnan(b.upper) || !(b.lower <= b.upper)) {
    throw std::invalid_argument("hessfit::fit::Objective: parameter '" + name(i) + "': bounds [" +
                                describe(b.lower) + ", " + describe(b.upper) +
                                "] are not an interval");
  }
  bounds_[static_cast<std::size_t>(i)] = b;
  values_[i] = b.clamp(values_[i]);
}

void Objective::fix(int i) { fixed_[static_cast<std::size_t>(i)] = true; }

void Objective::fix(int i, double value) {
  set_value(i, value);
  fix(i);
}

void Objective::release(int i) { fixed_[static_cast<std::size_t>(i)] = false; }

std::vector<int> Objective::free_indices() const {
  std::vector<int> free;
  free.reserve(fixed_.size());
  for (int i = 0; i < size(); ++i) {
    if (!fixed_[static_cast<std::size_t>(i)]) free.push_back(i);
  }
  return free;
}

int Objective::n_free() const {
  int n = 0;
  for (const bool f : fixed_) n += f ? 0 : 1;
  return n;
}

void Objective::set_errordef(double errordef) {
  if (!(errordef > 0.0)) {
    throw std::invalid_argument("hessfit::fit::Objective: error definition " + describe(errordef) +
                                " is not > 0");
  }
  errordef_ = errordef;
}

double Objective::value(const Eigen::VectorXd& x) const {
  if (functions_->value) return functions_->value(x);
  Eigen::VectorXd g;
  return functions_->gradient(x, g);
}

double Objective::value_and_gradient(const Eigen::VectorXd& x, Eigen::VectorXd& g) const {
  return functions_->gradient(x, g);
}

double Objective::value_gradient_hessian(const Eigen::VectorXd& x, Eigen::VectorXd& g,
                                         Eigen::MatrixXd& h) const {
  return functions_->hessian(x, g, h);
}

double Objective::value_gradient_sparse_hessian(const Eigen::VectorXd& x, Eigen::VectorXd& g,
                                                Eigen::SparseMatrix<double>& h) const {
  if (functions_->sparse_hessian) return functions_->sparse_hessian(x, g, h);
  Eigen::MatrixXd dense;
  const double f = functions_->hessian(x, g, dense);
  // the nonzeros and the whole diagonal
  std::vector<Eigen::Triplet<double>> entries;
  for (Eigen::Index j = 0; j < dense.cols(); ++j)
    for (Eigen::Index i = 0; i < dense.rows(); ++i)
      if (i == j || dense(i, j) != 0.0) entries.emplace_back(static_cast<int>(i), static_cast<int>(j), dense(i, j));
  h.resize(dense.rows(), dense.cols());
  h.setFromTriplets(entries.begin(), entries.end());
  return f;
}

}  // namespace hessfit::fit
