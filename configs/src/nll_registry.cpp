#include "hessfit/configs/nll_registry.hpp"

#include <map>
#include <mutex>

namespace hessfit::configs {

namespace detail {
void register_builtin_nlls(std::map<std::string, NllDefinition, std::less<>>& registry);
}


const NllArgument& NllArguments::get(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) throw NllArgumentError(name, "missing argument '" + name + "'");
  return it->second;
}

double NllArguments::number(const std::string& name) const {
  const NllArgument& a = get(name);
  if (a.is_text || !a.shape.empty()) throw NllArgumentError(name, "'" + name + "' must be a number");
  return a.values.at(0);
}

std::vector<double> NllArguments::vector(const std::string& name) const {
  const NllArgument& a = get(name);
  if (a.is_text || a.shape.size() > 1) throw NllArgumentError(name, "'" + name + "' must be a number or a list of numbers");
  return a.values;
}

Eigen::MatrixXd NllArguments::matrix(const std::string& name) const {
  const NllArgument& a = get(name);
  if (a.is_text || a.shape.size() != 2) throw NllArgumentError(name, "'" + name + "' must be a matrix (a list of equal-length lists of numbers)");
  Eigen::MatrixXd m(static_cast<Eigen::Index>(a.shape[0]), static_cast<Eigen::Index>(a.shape[1]));
  for (std::size_t i = 0; i < a.shape[0]; ++i)
    for (std::size_t j = 0; j < a.shape[1]; ++j)
      m(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = a.values[i * a.shape[1] + j];
  return m;
}

std::string NllArguments::text(const std::string& name) const {
  const NllArgument& a = get(name);
  if (!a.is_text) throw NllArgumentError(name, "'" + name + "' must be a string");
  return a.text;
}

namespace {

struct Registry {
  std::mutex mutex;
  std::map<std::string, NllDefinition, std::less<>> definitions;
};

Registry& registry() {
  static Registry* r = [] {
    auto* reg = new Registry;  // never destroyed: usable from static destructors
    detail::register_builtin_nlls(reg->definitions);
    return reg;
  }();
  return *r;
}

}  // namespace

void register_nll(const std::string& name, NllDefinition definition) {
  if (name.empty()) throw std::invalid_argument("register_nll: the name is empty");
  if (!definition.build) throw std::invalid_argument("register_nll('" + name + "'): no build function");
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  if (r.definitions.contains(name)) throw std::invalid_argument("register_nll: an NLL called '" + name + "' is already registered");
  r.definitions.emplace(name, std::move(definition));
}

const NllDefinition* find_nll(std::string_view name) {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  const auto it = r.definitions.find(name);
  return it == r.definitions.end() ? nullptr : &it->second;
}

std::vector<std::string> registered_nlls() {
  Registry& r = registry();
  const std::lock_guard lock(r.mutex);
  std::vector<std::string> names;
  for (const auto& [name, definition] : r.definitions) names.push_back(name);
  return names;
}

}  // namespace hessfit::configs
