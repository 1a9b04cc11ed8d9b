#include "hessfit/fit/objective.hpp"

#include "hessfit/common/text.hpp"

#include <cmath>
#include <sstream>
#include <stdexcept>

namespace hessfit::fit {
namespace {

std::string describe(double v) { return format_shortest(v); }

}  // namespace

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

}  // namespace hessfit::fit
