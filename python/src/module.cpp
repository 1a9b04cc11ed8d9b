// The module `hessfit`: exceptions, NumPy and JSON conversions, and the bindings of the other files.
#include <fmt/format.h>

#include <utility>

#include "bindings.hpp"
#include "hessfit/likelihood/error.hpp"

#ifndef HESSFIT_PYTHON_VERSION
#define HESSFIT_PYTHON_VERSION "unknown"
#endif

namespace hessfit::python {

namespace {

std::string shape_text(const py::array& a) {
  std::string s = "(";
  for (py::ssize_t i = 0; i < a.ndim(); ++i) s += std::to_string(a.shape(i)) + (a.ndim() == 1 ? "," : i + 1 < a.ndim() ? ", " : "");
  return s + ")";
}

}  // namespace

Eigen::VectorXd vector_argument(py::handle value, const std::string& what, Eigen::Index size, const std::string& layout) {
  const std::string expected = fmt::format("a 1-D array of {} value{}{}", size, size == 1 ? "" : "s", layout.empty() ? "" : " (" + layout + ")");
  if (value.is_none()) throw py::type_error(fmt::format("{}: expected {}, got None", what, expected));
  py::array a;
  try {
    a = py::module_::import("numpy").attr("asarray")(value);
  } catch (const py::error_already_set& e) {
    throw py::type_error(fmt::format("{}: expected {}, got {} ({})", what, expected, std::string(py::str(value.get_type().attr("__name__"))), e.what()));
  }
  const char kind = a.dtype().kind();
  if (kind != 'f' && kind != 'i' && kind != 'u')
    throw py::type_error(fmt::format("{}: expected real numbers (a float or integer array), got dtype {}", what, std::string(py::str(a.dtype()))));
  if (a.ndim() != 1 || a.shape(0) != size) throw py::value_error(fmt::format("{}: expected {}, got shape {}", what, expected, shape_text(a)));
  const auto d = py::array_t<double, py::array::c_style | py::array::forcecast>::ensure(a);
  Eigen::VectorXd v(size);
  for (Eigen::Index i = 0; i < size; ++i) v[i] = d.at(i);
  return v;
}

py::array_t<double> to_numpy(const Eigen::VectorXd& v) {
  py::array_t<double> a(v.size());
  auto w = a.mutable_unchecked<1>();
  for (Eigen::Index i = 0; i < v.size(); ++i) w(i) = v[i];
  return a;
}

py::array_t<double> to_numpy(const std::vector<double>& v) {
  return to_numpy(Eigen::VectorXd(Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<Eigen::Index>(v.size()))));
}

py::array_t<double> to_numpy(const Eigen::MatrixXd& m) {
  py::array_t<double> a({m.rows(), m.cols()});
  auto w = a.mutable_unchecked<2>();
  for (Eigen::Index i = 0; i < m.rows(); ++i)
    for (Eigen::Index j = 0; j < m.cols(); ++j) w(i, j) = m(i, j);
  return a;
}

py::object to_python(const nlohmann::json& j) { return py::module_::import("json").attr("loads")(j.dump()); }
py::object to_python(const nlohmann::ordered_json& j) { return py::module_::import("json").attr("loads")(j.dump()); }

nlohmann::json to_json(py::handle value) {
  const std::string text = py::str(py::module_::import("json").attr("dumps")(value));
  return nlohmann::json::parse(text);
}

std::string path_argument(py::handle value) {
  return py::str(py::module_::import("os").attr("fspath")(value));
}

}  // namespace hessfit::python

PYBIND11_MODULE(hessfit, m) {
  namespace hp = hessfit::python;
  namespace py = pybind11;
  m.doc() =
      "hessfit: profile-likelihood fits of pyhf workspaces with exact (automatic-differentiation) Hessians.\n\n"
      "    ws = hessfit.Workspace.load('workspace.json')\n"
      "    model = ws.model()                      # pyhf's parameter order and defaults\n"
      "    result = hessfit.fit(model, minos=['poi'])\n"
      "    result.values, result.errors, result.covariance, result.minos\n"
      "    hessfit.upper_limit(model.observed_data, model)   # pyhf's argument order\n\n"
      "Bad input raises hessfit.InputError (workspaces, patchsets: file and JSON path) or hessfit.ConfigError\n"
      "(arguments: the parameter and what is wrong), TypeError/ValueError for arrays; numerical outcomes\n"
      "(no convergence, a covariance that is not positive definite) are status fields, never exceptions.";
  m.attr("__version__") = HESSFIT_PYTHON_VERSION;
  // Bad input: both are ValueErrors, with the C++ messages (file:line:col or JSON path).
  py::register_exception<hessfit::likelihood::InputError>(m, "InputError", PyExc_ValueError);
  py::register_exception<hessfit::configs::ConfigError>(m, "ConfigError", PyExc_ValueError);
  hp::bind_models(m);
  hp::bind_fits(m);
  hp::bind_inference(m);
  hp::bind_toys(m);
}
