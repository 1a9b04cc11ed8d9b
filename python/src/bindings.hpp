// The Python module `hessfit` (pybind11): what its source files share.
//
//   models.cpp     hessfit.Workspace, hessfit.Model (NLL, exact gradient and Hessian, expected data)
//   fits.cpp       hessfit.fit() and hessfit.FitResult (to_dict() is results.json, by the report writer)
//   inference.cpp  hessfit.hypotest(), upper_limit(), significance() in pyhf's argument order
//   toys.cpp       hessfit.ToyCalculator (toy-based tests, limits, p0), Model.sample_data()
//   module.cpp     the module, its exceptions, NumPy and JSON conversions
//
// A Model is a hessfit::configs::FitSetup built once (the model without overrides) plus the
// configs::Config that describes it: parameter overrides made from Python are config entries
// (`parameters:`), and a fit is the config's plan run on the setup, exactly as `hessfit fit` runs
// it, so that every number and every message is the command's.
#pragma once

#include <Eigen/Core>
#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <array>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/setup.hpp"

namespace hessfit::python {

namespace py = pybind11;

/// A NumPy array (or anything numpy.asarray takes) as a vector of `size` doubles. Raises TypeError
/// for a dtype that is not real numbers (float, int) and ValueError for another shape, both naming
/// `what` and `layout` ("x: expected a 1-D array of 7 values (one per parameter, in
/// model.parameter_names order), got shape (3,)").
Eigen::VectorXd vector_argument(py::handle value, const std::string& what, Eigen::Index size, const std::string& layout);

py::array_t<double> to_numpy(const Eigen::VectorXd& v);
py::array_t<double> to_numpy(const Eigen::MatrixXd& m);
py::array_t<double> to_numpy(const std::vector<double>& v);
template <std::size_t N>
py::array_t<double> to_numpy(const std::array<double, N>& a) {
  return to_numpy(std::vector<double>(a.begin(), a.end()));
}
/// A JSON value as Python objects (dict, list, float, str, None), through the json module.
py::object to_python(const nlohmann::json& j);
py::object to_python(const nlohmann::ordered_json& j);
/// Python objects (dict, list, numbers, str) as JSON, through the json module.
nlohmann::json to_json(py::handle value);

/// A string argument from str or os.PathLike.
std::string path_argument(py::handle value);

/// A model and the config that describes it (the `model:` and `parameters:` sections; its fit and
/// uncertainties sections are filled by each call).
class Model {
 public:
  /// `base`: the model as built, without overrides; `config.parameters` are applied to it.
  /// Throws configs::ConfigError.
  Model(configs::Config config, configs::FitSetup base);

  const configs::Config& config() const noexcept { return config_; }
  /// The model as built (prepare_fit applies the config's overrides to it).
  const configs::FitSetup& base() const noexcept { return base_; }
  /// The model with the overrides applied (what nll() and the attributes show).
  const configs::FitSetup& setup() const noexcept { return setup_; }
  const fit::Objective& objective() const noexcept { return setup_.objective(); }

  /// Adds a parameter override (as a config's `parameters:` entry); throws configs::ConfigError
  /// and leaves the model unchanged when it is refused.
  void add_override(configs::ParameterOverride override_);

 private:
  configs::Config config_;
  configs::FitSetup base_;
  configs::FitSetup setup_;
};

/// "2 main bins then 6 auxiliary data, as model.observed_data": the layout of a data vector.
std::string data_layout(const Model& model);

/// The model and the data of a call in pyhf's order, fn(data, model), or fn(model) for the
/// observed data. Raises TypeError when `model` is not a Model, the errors of vector_argument().
std::pair<std::shared_ptr<Model>, Eigen::VectorXd> data_and_model(py::handle data, py::handle model, const std::string& call);

/// The setup of `config` (its fit, uncertainties and inference sections) for `model`. Throws
/// configs::ConfigError with every problem.
configs::FitSetup prepare(const configs::Config& config, const Model& model);

void bind_models(py::module_& m);
void bind_fits(py::module_& m);
void bind_inference(py::module_& m);
void bind_toys(py::module_& m);  // after bind_models: adds Model.sample_data

}  // namespace hessfit::python
