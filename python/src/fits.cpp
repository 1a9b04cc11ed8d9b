// hessfit.fit() and hessfit.FitResult: the fit `hessfit fit` runs (minimum, exact-Hessian
// covariance, MINOS, profile scans, contours, impacts, restarts from lower points), its arguments
// turned into the config sections they stand for (`fit:`, `uncertainties:`), checked by the
// config's own checks, and its result written by the report writer of results.json.
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <memory>
#include <optional>
#include <utility>

#include "bindings.hpp"
#include "hessfit/common/levels.hpp"
#include "hessfit/common/text.hpp"
#include "hessfit/configs/report.hpp"
#include "hessfit/configs/run.hpp"
#include "hessfit/infer/yields.hpp"

namespace hessfit::python {

namespace {

using configs::ConfigError;
using configs::Located;
using configs::Location;

/// What a fit ran on and what it gave: enough for results.json and the summary.
struct FitRun {
  configs::Config config;
  configs::FitSetup setup;
  fit::FitResult result;
  configs::RunTiming timing;
  /// Yields, goodness of fit and breakdown, as `hessfit fit` computes them after the fit.
  std::optional<configs::PostfitResults> postfit;
  configs::Report report() const {
    return {config, setup, result, timing, nullptr, nullptr, postfit ? &*postfit : nullptr};
  }
  nlohmann::json json() const { return configs::results_json(report()); }
};

[[noreturn]] void bad_argument(const std::string& argument, const std::string& message) {
  throw ConfigError({{Location{"hessfit.fit(" + argument + "=...)", 0, 0}, message}});
}

std::string type_name(py::handle value) { return py::str(value.get_type().attr("__name__")); }

/// A str, or an iterable of str.
std::vector<std::string> names_of(py::handle value, const std::string& argument) {
  std::vector<std::string> out;
  if (py::isinstance<py::str>(value)) return {py::str(value)};
  if (!py::isinstance<py::iterable>(value)) bad_argument(argument, "expected a name or a list of names, got " + type_name(value));
  for (const auto item : value) {
    if (!py::isinstance<py::str>(item)) bad_argument(argument, "expected parameter names, got " + type_name(item));
    out.push_back(py::str(item));
  }
  return out;
}

double number_of(py::handle value, const std::string& argument) {
  if (!py::isinstance<py::float_>(value) && !py::isinstance<py::int_>(value)) bad_argument(argument, "expected a number, got " + type_name(value));
  return value.cast<double>();
}

int count_of(py::handle value, const std::string& argument, int minimum) {
  if (!py::isinstance<py::int_>(value)) bad_argument(argument, "expected an integer, got " + type_name(value));
  const int n = value.cast<int>();
  if (n < minimum) bad_argument(argument, "must be at least " + std::to_string(minimum) + ", got " + std::to_string(n));
  return n;
}

/// A dict's keys checked against `allowed` (with a suggestion for a typo).
void check_keys(const py::dict& d, const std::vector<std::string>& allowed, const std::string& argument) {
  for (const auto& [key, value] : d) {
    const std::string k = py::str(key);
    if (std::find(allowed.begin(), allowed.end(), k) == allowed.end()) bad_argument(argument, "unknown key '" + k + "'" + configs::did_you_mean(k, allowed));
  }
}

/// The items of a list argument (a single item that is not a list stands for itself).
py::list items_of(py::handle value, const std::string& argument, bool single) {
  if (single) return py::list(py::make_tuple(value));
  if (py::isinstance<py::str>(value) || !py::isinstance<py::iterable>(value))
    bad_argument(argument, "expected a list, got " + type_name(value));
  return py::list(py::reinterpret_borrow<py::object>(value));
}

configs::MinosSelection minos_of(py::handle value) {
  configs::MinosSelection s;
  s.where = {"hessfit.fit(minos=...)", 0, 0};
  if (value.is_none() || (py::isinstance<py::bool_>(value) && !value.cast<bool>())) {
    s.kind = configs::MinosSelection::Kind::kNone;
  } else if (py::isinstance<py::str>(value) && (py::str(value).cast<std::string>() == "none" || py::str(value).cast<std::string>() == "poi" ||
                                                 py::str(value).cast<std::string>() == "all")) {
    const std::string v = py::str(value);
    s.kind = v == "none" ? configs::MinosSelection::Kind::kNone : v == "poi" ? configs::MinosSelection::Kind::kPoi : configs::MinosSelection::Kind::kAll;
  } else {
    s.kind = configs::MinosSelection::Kind::kList;
    for (const auto& n : names_of(value, "minos")) s.names.push_back({n, s.where});
  }
  return s;
}

std::array<double, 2> range_of(py::handle value, const std::string& argument) {
  if (!py::isinstance<py::sequence>(value) || py::len(value) != 2) bad_argument(argument, "expected [low, high], got " + std::string(py::repr(value)));
  const py::sequence s = py::reinterpret_borrow<py::sequence>(value);
  const std::array<double, 2> r{number_of(s[0], argument), number_of(s[1], argument)};
  if (!(r[0] < r[1])) bad_argument(argument, "the low end must be below the high end");
  return r;
}

std::vector<configs::ScanConfig> scans_of(py::handle value) {
  std::vector<configs::ScanConfig> out;
  if (value.is_none()) return out;
  const Location where{"hessfit.fit(scans=...)", 0, 0};
  const py::list items = items_of(value, "scans", py::isinstance<py::str>(value) || py::isinstance<py::dict>(value));
  for (std::size_t k = 0; k < items.size(); ++k) {
    const py::handle item = items[k];
    const std::string argument = "scans[" + std::to_string(k) + "]";
    configs::ScanConfig s;
    s.where = where;
    if (py::isinstance<py::str>(item)) {
      s.parameter = {py::str(item), where};
    } else if (py::isinstance<py::dict>(item)) {
      const py::dict d = py::reinterpret_borrow<py::dict>(item);
      check_keys(d, {"parameter", "range", "points", "width"}, argument);
      if (!d.contains("parameter")) bad_argument(argument, "needs 'parameter'");
      s.parameter = {names_of(d["parameter"], argument + ".parameter").at(0), where};
      if (d.contains("range")) s.range = Located<std::array<double, 2>>{range_of(d["range"], argument + ".range"), where};
      if (d.contains("points")) s.points = count_of(d["points"], argument + ".points", 2);
      if (d.contains("width")) {
        s.width = number_of(d["width"], argument + ".width");
        if (!(s.width > 0.0)) bad_argument(argument + ".width", "must be positive");
      }
    } else {
      bad_argument(argument, "expected a parameter name or {'parameter', 'range', 'points', 'width'}, got " + type_name(item));
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::vector<double> levels_of(py::handle value, const std::string& argument) {
  std::vector<double> out;
  const py::list items = items_of(value, argument, py::isinstance<py::float_>(value) || py::isinstance<py::int_>(value));
  for (const auto item : items) {
    const double cl = number_of(item, argument);
    if (!(cl > 0.0 && cl < 1.0)) bad_argument(argument, "a confidence level lies between 0 and 1 (e.g. 0.6827, 0.95)");
    out.push_back(cl);
  }
  return out;
}

std::vector<configs::ContourConfig> contours_of(py::handle value, double cl) {
  std::vector<configs::ContourConfig> out;
  if (value.is_none()) return out;
  const Location where{"hessfit.fit(contours=...)", 0, 0};
  const py::list items = items_of(value, "contours", false);
  for (std::size_t k = 0; k < items.size(); ++k) {
    const py::handle item = items[k];
    const std::string argument = "contours[" + std::to_string(k) + "]";
    configs::ContourConfig c;
    c.where = where;
    c.cl = {cl};
    py::object parameters = py::reinterpret_borrow<py::object>(item);
    if (py::isinstance<py::dict>(item)) {
      const py::dict d = py::reinterpret_borrow<py::dict>(item);
      check_keys(d, {"parameters", "cl", "points"}, argument);
      if (!d.contains("parameters")) bad_argument(argument, "needs 'parameters': [x, y]");
      parameters = d["parameters"];
      if (d.contains("cl")) c.cl = levels_of(d["cl"], argument + ".cl");
      if (d.contains("points")) c.points = count_of(d["points"], argument + ".points", 4);
    }
    const auto names = py::isinstance<py::str>(parameters) ? std::vector<std::string>{} : names_of(parameters, argument);
    if (names.size() != 2) bad_argument(argument, "expected two parameter names (x, y)");
    c.parameters = {Located<std::string>{names[0], where}, Located<std::string>{names[1], where}};
    out.push_back(std::move(c));
  }
  return out;
}

configs::ImpactsConfig impacts_of(py::handle value) {
  configs::ImpactsConfig i;
  i.where = {"hessfit.fit(impacts=...)", 0, 0};
  if (value.is_none()) return i;
  if (py::isinstance<py::bool_>(value)) {
    i.enabled = value.cast<bool>();
    return i;
  }
  if (!py::isinstance<py::dict>(value)) bad_argument("impacts", "expected True, False or {'poi', 'parameters', 'prefit'}, got " + type_name(value));
  const py::dict d = py::reinterpret_borrow<py::dict>(value);
  check_keys(d, {"poi", "parameters", "prefit"}, "impacts");
  i.enabled = true;
  if (d.contains("poi") && !d["poi"].is_none()) i.poi = {names_of(d["poi"], "impacts.poi").at(0), i.where};
  if (d.contains("parameters"))
    for (const auto& n : names_of(d["parameters"], "impacts.parameters")) i.parameters.push_back({n, i.where});
  if (d.contains("prefit")) i.prefit = py::bool_(d["prefit"]);
  return i;
}

std::shared_ptr<FitRun> run(const Model& model, py::handle minos, py::handle scans, py::handle contours, py::handle impacts, double cl,
                            int threads, const std::string& minimizer, std::optional<double> tolerance, int max_iterations,
                            int max_restarts, const std::string& hessian, bool full_covariance, std::optional<std::string> title) {
  const auto start = std::chrono::steady_clock::now();
  configs::Config config = model.config();
  if (title) config.title = *title;
  configs::FitConfig& f = config.fit;
  if (const auto method = fit::parse_method(minimizer)) f.minimizer = *method;
  else bad_argument("minimizer", "unknown minimizer '" + minimizer + "'" + configs::did_you_mean(minimizer, {"auto", "newton", "lbfgs", "bfgs"}) + " (auto, newton, lbfgs, bfgs)");
  if (tolerance) {
    if (!(*tolerance > 0.0)) bad_argument("tolerance", "must be positive");
    f.tolerance = *tolerance;
  }
  if (max_iterations < 0) bad_argument("max_iterations", "must be 0 (the minimiser's default) or positive");
  f.max_iterations = max_iterations;
  if (threads < 0) bad_argument("threads", "must be 0 (all cores) or positive");
  f.threads = threads;
  if (max_restarts < 0) bad_argument("max_restarts", "must be 0 or positive");
  f.max_restarts = max_restarts;
  if (const auto storage = fit::parse_hessian_storage(hessian)) f.hessian = *storage;
  else bad_argument("hessian", "unknown Hessian storage '" + hessian + "' (auto, dense, sparse)");
  config.output.full_covariance = full_covariance;

  configs::UncertaintiesConfig& u = config.uncertainties;
  if (!(cl > 0.0 && cl < 1.0)) bad_argument("cl", "a confidence level lies between 0 and 1 (e.g. 0.6827, 0.95)");
  u.cl = cl;
  u.cl_where = {"hessfit.fit(cl=...)", 0, 0};
  u.minos = minos_of(minos);
  u.scans = scans_of(scans);
  u.contours = contours_of(contours, cl);
  u.impacts = impacts_of(impacts);

  configs::FitSetup setup = prepare(config, model);
  auto r = std::make_shared<FitRun>(FitRun{std::move(config), std::move(setup), {}, {}, std::nullopt});
  r->timing.load = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  {
    py::gil_scoped_release release;
    r->result = configs::run_fit(r->setup);
    r->postfit = configs::run_postfit(r->config, r->setup, r->result);
  }
  r->timing.total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

py::object optional_matrix(const fit::CovarianceResult& cov, bool correlation) {
  if (!cov.has_full_matrix()) return py::none();
  return to_numpy(correlation ? cov.correlation : cov.covariance);
}

py::list yields_list(const infer::Yields& y) {
  py::list channels;
  for (const auto& c : y.channels) {
    py::list samples;
    for (const auto& s : c.samples) {
      py::dict d;
      d["name"] = s.name;
      d["yield"] = to_numpy(s.yield);
      d["error"] = to_numpy(s.error);
      d["sum"] = s.sum;
      d["sum_error"] = s.sum_error;
      samples.append(d);
    }
    py::dict d;
    d["name"] = c.name;
    d["bins"] = c.bins;
    d["samples"] = samples;
    d["total"] = to_numpy(c.total);
    d["total_error"] = to_numpy(c.total_error);
    d["total_sum"] = c.total_sum;
    d["total_sum_error"] = c.total_sum_error;
    d["data"] = to_numpy(c.data);
    d["data_sum"] = c.data_sum;
    channels.append(d);
  }
  return channels;
}

/// hessfit.yields(model, result=None): pre-fit yields (cabinetry's convention), or post-fit ones
/// at a fit's minimum with its covariance.
py::list yields(const Model& model, const std::shared_ptr<FitRun>& result) {
  const likelihood::Model* h = model.setup().model.histfactory();
  if (h == nullptr) throw ConfigError({{Location{"hessfit.yields", 0, 0}, "yields need a HistFactory model"}});
  if (result && result->setup.model.histfactory() != h)
    throw ConfigError({{Location{"hessfit.yields(result=...)", 0, 0}, "the fit result is of another model"}});
  infer::Yields y;
  {
    py::gil_scoped_release release;
    if (result) {
      y = infer::yields(*h, result->result.minimum.x, result->result.covariance);
    } else {
      const infer::ParameterEstimate prefit = infer::prefit_state(model.setup().model);
      y = infer::yields(*h, prefit.x, prefit.covariance);
    }
  }
  return yields_list(y);
}

}  // namespace

void bind_fits(py::module_& m) {
  py::class_<FitRun, std::shared_ptr<FitRun>>(
      m, "FitResult",
      "The result of hessfit.fit(): the minimum, the exact-Hessian covariance, MINOS intervals, scans, contours, impacts,\n"
      "and the status of each (numerical trouble is a status here, never an exception). to_dict() is results.json.")
      .def_property_readonly("parameter_names", [](const FitRun& r) { return r.result.names; })
      .def_property_readonly("values", [](const FitRun& r) { return to_numpy(r.result.minimum.x); }, "Best fit, all parameters.")
      .def_property_readonly("errors",
                             [](const FitRun& r) {
                               Eigen::VectorXd e(static_cast<Eigen::Index>(r.result.parameters.size()));
                               for (std::size_t i = 0; i < r.result.parameters.size(); ++i) e[static_cast<Eigen::Index>(i)] = r.result.parameters[i].error;
                               return to_numpy(e);
                             },
                             "Hessian errors (0 for fixed parameters and those held by a bound).")
      .def_property_readonly("covariance", [](const FitRun& r) { return optional_matrix(r.result.covariance, false); },
                             "n x n covariance = 2 up H^-1 over the free parameters (zero rows for fixed ones); None on the sparse\n"
                             "path without full_covariance=True (to_dict()['covariance'] then lists the entries computed).")
      .def_property_readonly("correlation", [](const FitRun& r) { return optional_matrix(r.result.covariance, true); })
      .def_property_readonly("minos",
                             [](const FitRun& r) {
                               py::dict d;
                               for (const auto& i : r.result.minos.intervals) {
                                 py::dict x;
                                 x["lower"] = i.lower.offset;
                                 x["upper"] = i.upper.offset;
                                 x["lower_status"] = fit::to_string(i.lower.status);
                                 x["upper_status"] = fit::to_string(i.upper.status);
                                 x["ok"] = i.ok();
                                 d[py::str(i.name)] = x;
                               }
                               return d;
                             },
                             "name -> {'lower', 'upper' (signed offsets from the value), 'lower_status', 'upper_status', 'ok'}.")
      .def_property_readonly("nll", [](const FitRun& r) { return r.result.minimum.fval; }, "-log L at the minimum (constants kept).")
      .def_property_readonly("edm", [](const FitRun& r) { return r.result.minimum.edm; })
      .def_property_readonly("ok", [](const FitRun& r) { return r.result.ok(); },
                             "Converged, covariance accurate, every MINOS side, scan point, contour and impact fine.")
      .def_property_readonly("converged", [](const FitRun& r) { return r.result.minimum.converged(); })
      .def_property_readonly("status", [](const FitRun& r) { return fit::to_string(r.result.minimum.termination); },
                             "'converged' | 'max_iterations' | 'no_progress' | 'non_finite_start'.")
      .def_property_readonly("message", [](const FitRun& r) { return r.result.minimum.message; })
      .def_property_readonly("covariance_status", [](const FitRun& r) { return fit::to_string(r.result.covariance.status); },
                             "'accurate' | 'not_positive_definite' | 'singular' | 'not_finite'.")
      .def_property_readonly("covariance_message", [](const FitRun& r) { return r.result.covariance.message; })
      .def_property_readonly("problems", [](const FitRun& r) { return to_python(r.json()["status"]["problems"]); },
                             "What is not fine, for people ([] when ok).")
      .def_property_readonly("scans", [](const FitRun& r) { return to_python(r.json()["scans"]); })
      .def_property_readonly("contours", [](const FitRun& r) { return to_python(r.json()["contours"]); })
      .def_property_readonly("impacts", [](const FitRun& r) { return to_python(r.json()["impacts"]); })
      .def("to_dict", [](const FitRun& r) { return to_python(r.json()); },
           "results.json as a dict (the schema of configs/README.md, written by the same code).")
      .def("summary", [](const FitRun& r) { return configs::text_summary(r.report()); }, "The terminal summary of `hessfit fit`.")
      .def("__str__", [](const FitRun& r) { return configs::text_summary(r.report()); })
      .def("__repr__", [](const FitRun& r) {
        return "<hessfit.FitResult " + std::string(r.result.ok() ? "ok" : "with problems") + ", nll " + format_shortest(r.result.minimum.fval) + ">";
      });

  m.def("yields", &yields, py::arg("model"), py::arg("result") = nullptr,
        "Yields per channel, sample and bin with errors by exact first-order propagation (J C J^T, J by AD): pre-fit\n"
        "(constrained parameters at their centres, C diagonal with the pre-fit sigmas: cabinetry's convention) without\n"
        "a result, else at the fit's minimum with its covariance. A list of channels: {'name', 'bins', 'samples': [{'name',\n"
        "'yield', 'error', 'sum', 'sum_error'}], 'total', 'total_error', 'total_sum', 'total_sum_error', 'data', 'data_sum'}.");
  m.def("fit", &run, py::arg("model"), py::kw_only(), py::arg("minos") = py::none(), py::arg("scans") = py::none(),
        py::arg("contours") = py::none(), py::arg("impacts") = false, py::arg("cl") = kOneSigmaLevel, py::arg("threads") = 0,
        py::arg("minimizer") = "auto", py::arg("tolerance") = py::none(), py::arg("max_iterations") = 0, py::arg("max_restarts") = 3,
        py::arg("hessian") = "auto", py::arg("full_covariance") = false, py::arg("title") = py::none(),
        "Fits the model as `hessfit fit` does: minimum (exact-Hessian Newton), covariance, then what is asked for.\n\n"
        "minos: None | 'poi' | 'all' | [names or globs]. scans: [name, or {'parameter', 'range': [lo, hi], 'points', 'width'}]\n"
        "(21 points over +-3 sigma by default). contours: [(x, y), or {'parameters': [x, y], 'cl': [...], 'points'}].\n"
        "impacts: False | True | {'poi', 'parameters', 'prefit'}. cl: the MINOS level (default 1 sigma). threads: for MINOS,\n"
        "scans, contours, impacts (0 = all cores; the results do not depend on it). minimizer: 'auto' | 'newton' |\n"
        "'lbfgs' | 'bfgs'; tolerance: the EDM target; hessian: 'auto' | 'dense' | 'sparse'. 'poi' names the POI anywhere.\n"
        "The CLI's defaults are minos='poi', scans=['poi']. The GIL is released while fitting.\n"
        "Bad arguments raise hessfit.ConfigError; numerical trouble is in the result's status.");
}

}  // namespace hessfit::python
