#include "hessfit/infer/model.hpp"

#include <utility>

#include "hessfit/common/text.hpp"

namespace hessfit::infer {

namespace {

fit::Objective histfactory_objective(const std::shared_ptr<const likelihood::Model>& model) {
  std::vector<Bounds> bounds(model->bounds().begin(), model->bounds().end());
  fit::Objective o = fit::Objective::from_callable([model](const auto& x) { return model->nll(x); },
                                                   model->parameter_names(), model->init(), std::move(bounds));
  for (std::size_t i = 0; i < model->size(); ++i)
    if (model->fixed()[i]) o.fix(static_cast<int>(i));
  return o;
}

std::string histfactory_name(const likelihood::Model& model) {
  return "HistFactory model of measurement '" + model.measurement() + "'";
}

}  // namespace

Model::Model(likelihood::Model model) : Model(std::make_shared<const likelihood::Model>(std::move(model))) {}

Model::Model(std::shared_ptr<const likelihood::Model> model)
    : name_(histfactory_name(*model)), objective_(histfactory_objective(model)) {
  histfactory_ = model;
  if (model->has_poi()) poi_ = static_cast<int>(model->poi().index);
  for (const auto& p : model->parameters()) {
    ParameterConstraint c;
    c.type = p.constraint;
    c.sigma = p.sigma;
    c.centre = p.constraint == Constraint::kPoisson ? (p.factor > 0.0 ? p.auxdata / p.factor : 1.0) : p.auxdata;
    constraints_.push_back(c);
  }
  auto data = std::make_shared<DataFunctions>();
  data->observed = model->observed_data().values();
  data->bind = [model](const Eigen::VectorXd& values) {
    auto d = std::make_shared<const likelihood::Data>(model->data(values));
    return fit::Objective::functions_of([model, d](const auto& x) { return model->nll(x, *d); });
  };
  data->expected_data = [model](const Eigen::VectorXd& x) -> Eigen::VectorXd { return model->expected_data(x); };
  data->distributions.assign(model->main_bins(), {DataDistribution::Kind::kPoisson, 0.0});
  for (const std::size_t i : model->aux_parameters()) {
    const auto& p = model->parameters()[i];
    if (p.constraint == Constraint::kPoisson) data->distributions.push_back({DataDistribution::Kind::kPoisson, 0.0});
    else data->distributions.push_back({DataDistribution::Kind::kGaussian, p.sigma});
  }
  data_ = std::move(data);
}

Model Model::from_functions(fit::Objective objective, std::string name, std::string poi,
                            std::vector<ParameterConstraint> constraints, std::optional<DataFunctions> data) {
  const auto n = static_cast<std::size_t>(objective.size());
  if (!constraints.empty() && constraints.size() != n)
    throw std::invalid_argument("hessfit::infer::Model: " + std::to_string(constraints.size()) + " constraints for " +
                                std::to_string(n) + " parameters");
  if (data && data->bind == nullptr)
    throw std::invalid_argument("hessfit::infer::Model: data functions without a 'bind' function");
  if (data && !data->distributions.empty() && data->distributions.size() != static_cast<std::size_t>(data->observed.size()))
    throw std::invalid_argument("hessfit::infer::Model: " + std::to_string(data->distributions.size()) +
                                " data distributions for " + std::to_string(data->observed.size()) + " data");
  Model m(std::move(objective), std::move(name));
  m.constraints_ = constraints.empty() ? std::vector<ParameterConstraint>(n) : std::move(constraints);
  m.data_ = std::make_shared<const DataFunctions>(data ? std::move(*data) : DataFunctions{});
  m.set_poi(poi);
  return m;
}

void Model::set_poi(std::string_view name) {
  if (name.empty()) {
    poi_.reset();
    return;
  }
  if (const auto i = objective_.find(name)) {
    poi_ = *i;
    return;
  }
  std::string close;
  for (const auto& n : closest_names(name, objective_.names(), 3)) close += (close.empty() ? "'" : ", '") + n + "'";
  throw std::invalid_argument("no parameter is called '" + std::string(name) + "'" +
                              (close.empty() ? std::string() : " (closest: " + close + ")"));
}

fit::Objective Model::objective_for(const Eigen::VectorXd& data) const {
  if (!data_->bind) throw NoExpectedData(name_ + " cannot be evaluated on other data: Asimov data and CLs are unavailable");
  if (static_cast<std::size_t>(data.size()) != data_size())
    throw std::invalid_argument("a data set for " + name_ + " has " + std::to_string(data_size()) + " values, got " +
                                std::to_string(data.size()));
  return objective_.with_functions(data_->bind(data));
}

Eigen::VectorXd Model::expected_data(const Eigen::VectorXd& x) const {
  if (!data_->expected_data) throw NoExpectedData(name_ + " has no expected data: Asimov data and CLs are unavailable");
  return data_->expected_data(x);
}

}  // namespace hessfit::infer
