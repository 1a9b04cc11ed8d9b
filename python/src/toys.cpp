// Toys from Python (hessfit::infer's toys.hpp, pyhf's ToyCalculator): hessfit.ToyCalculator with
// toy-based hypothesis tests, upper limits on a POI grid and discovery p-values, and
// Model.sample_data() for pseudo-data. A separate calculator rather than a calctype= flag: the
// toy results carry their own fields (binomial errors, the distributions, failed toys).
// Every toy is a function of (seed, ensemble, POI value, index): the numbers are the same for any
// thread count.
#include <pybind11/stl.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <utility>

#include "bindings.hpp"
#include "hessfit/common/text.hpp"
#include "hessfit/configs/inference.hpp"
#include "hessfit/configs/toys.hpp"
#include "hessfit/infer/toys.hpp"

namespace hessfit::python {

namespace {

using configs::ConfigError;
using configs::Location;

py::dict pvalue_dict(const infer::ToyPValue& p) {
  py::dict d;
  d["value"] = p.value;
  d["error"] = p.error;
  d["passed"] = p.passed;
  d["total"] = p.total;
  d["bound"] = p.bound;
  return d;
}

/// A toy calculator and what it was made from.
struct Toys {
  std::shared_ptr<Model> model;
  Eigen::VectorXd data;
  std::string poi;
  std::shared_ptr<const infer::ToyCalculator> calculator;
};

/// The toys' options from the model's config with `threads` (and `asimov`, if given); a bad ntoys
/// or threads is recorded in `diagnostics`.
infer::ToyOptions toy_run_options(const Model& m, int ntoys, std::uint64_t seed, int threads, std::optional<infer::AsimovType> asimov,
                                  const std::string& call, configs::Diagnostics& diagnostics) {
  if (ntoys < 1) diagnostics.error({call + "(ntoys=...)", 0, 0}, "needs at least one toy");
  if (threads < 0) diagnostics.error({call + "(threads=...)", 0, 0}, "must be 0 (all cores) or positive");
  configs::Config config = m.config();
  config.fit.threads = threads;
  if (asimov) config.inference.asimov = *asimov;
  return configs::toy_options(configs::inference_options(config), ntoys, seed);
}

Toys make_calculator(py::handle data, py::handle model, const std::string& test_stat, int ntoys, std::uint64_t seed, int threads,
                     const std::string& asimov) {
  const std::string call = "hessfit.ToyCalculator";
  auto [m, values] = data_and_model(data, model, call);
  const infer::Model& im = m->setup().model;
  configs::Diagnostics diagnostics;
  configs::InferenceConfig request;
  request.where = {call, 0, 0};
  request.significance = true;  // a request, so that check_inference checks the model (a free POI, expected data)
  request.significance_where = {call, 0, 0};
  const auto statistic = infer::parse_test_statistic(test_stat);
  if (!statistic)
    diagnostics.error({call + "(test_stat=...)", 0, 0}, "unknown test statistic '" + test_stat + "' (qtilde, q, q0, t, ttilde)" +
                                                            configs::did_you_mean(test_stat, {"qtilde", "q", "q0", "t", "ttilde"}));
  const auto asimov_type = infer::parse_asimov_type(asimov);
  if (!asimov_type) diagnostics.error({call + "(asimov=...)", 0, 0}, "unknown Asimov data type '" + asimov + "' (postfit, prefit)");
  const infer::ToyOptions options = toy_run_options(*m, ntoys, seed, threads, asimov_type, call, diagnostics);
  diagnostics.check();
  try {
    infer::check_testable(im);
  } catch (const std::exception& e) {
    throw ConfigError({{Location{call, 0, 0}, e.what()}});
  }
  Toys t{m, values, m->setup().poi(), nullptr};
  py::gil_scoped_release release;
  t.calculator = std::make_shared<const infer::ToyCalculator>(im, t.data, *statistic, options);
  return t;
}

void check_poi_value(const Toys& t, double mu, const std::string& call) {
  if (!std::isfinite(mu)) throw ConfigError({{Location{call, 0, 0}, "the tested POI value must be finite"}});
  const Bounds b = t.model->objective().bounds(*t.model->setup().model.poi());
  if (mu < b.lower)
    throw ConfigError({{Location{call, 0, 0}, "the tested value " + t.poi + " = " + format_shortest(mu) + " is below the POI's lower bound " +
                                                   format_shortest(b.lower)}});
}

void bind_distribution(py::module_& m) {
  py::class_<infer::ToyDistribution>(m, "ToyDistribution", "The statistic of every toy of one ensemble (NaN where its fits failed).")
      .def_property_readonly("ensemble", [](const infer::ToyDistribution& d) { return infer::to_string(d.ensemble); })
      .def_property_readonly("generated_poi", [](const infer::ToyDistribution& d) { return d.generated_poi; })
      .def_property_readonly("tested_poi", [](const infer::ToyDistribution& d) { return d.tested_poi; })
      .def_property_readonly("q", [](const infer::ToyDistribution& d) { return to_numpy(d.q); }, "Per toy, in index order.")
      .def_property_readonly("poi_hat", [](const infer::ToyDistribution& d) { return to_numpy(d.poi_hat); })
      .def_property_readonly("failed", &infer::ToyDistribution::failed)
      .def_property_readonly("valid", &infer::ToyDistribution::valid);
}

/// The options of a study on a model's observed data (pull_study, toy_gof), checked.
infer::ToyOptions study_options(const Model& m, int ntoys, std::uint64_t seed, int threads, const std::string& call,
                                configs::Diagnostics& diagnostics) {
  const infer::Model& im = m.setup().model;
  if (im.data_distributions().size() != im.data_size() || !im.has_expected_data())
    diagnostics.error({call, 0, 0}, im.name() + " does not say how its data fluctuate: toys are unavailable");
  return toy_run_options(m, ntoys, seed, threads, std::nullopt, call, diagnostics);
}

/// hessfit.pull_study(model, ntoys=1000, seed=0, threads=0, parameters=None, cl=0.6827, minos=False, at=None).
infer::PullStudyResult pull_study(const Model& m, int ntoys, std::uint64_t seed, int threads, const std::vector<std::string>& parameters,
                                  double cl, bool minos, py::handle at) {
  const std::string call = "hessfit.pull_study";
  configs::Diagnostics diagnostics;
  const infer::ToyOptions options = study_options(m, ntoys, seed, threads, call, diagnostics);
  const fit::Objective& objective = m.objective();
  for (const auto& n : parameters) {
    const auto i = objective.find(n);
    if (!i)
      diagnostics.error({call + "(parameters=...)", 0, 0}, "no parameter is called '" + n + "'" + configs::did_you_mean(n, objective.names()));
    else if (objective.is_fixed(*i))
      diagnostics.error({call + "(parameters=...)", 0, 0}, "the parameter '" + n + "' is fixed");
  }
  if (!(cl > 0.0 && cl < 1.0)) diagnostics.error({call + "(cl=" + format_shortest(cl) + ")", 0, 0}, "the confidence level must lie between 0 and 1 (exclusive)");
  Eigen::VectorXd generating;
  if (!at.is_none()) generating = vector_argument(at, "at", objective.size(), "one per parameter, in model.parameter_names order");
  diagnostics.check();
  infer::PullOptions po;
  po.parameters = parameters;
  po.confidence_level = cl;
  po.minos = minos;
  py::gil_scoped_release release;
  return infer::pull_study(m.setup().model, options, po, generating);
}

/// hessfit.toy_gof(model, ntoys=1000, seed=0, threads=0).
infer::ToyGofResult toy_gof(const Model& m, int ntoys, std::uint64_t seed, int threads) {
  configs::Diagnostics diagnostics;
  const infer::ToyOptions options = study_options(m, ntoys, seed, threads, "hessfit.toy_gof", diagnostics);
  diagnostics.check();
  py::gil_scoped_release release;
  return infer::toy_gof(m.setup().model, options);
}

/// Model.sample_data(x, ntoys=1, seed=0): pseudo-data generated at x, one row per toy.
py::array_t<double> sample_data(const Model& m, py::handle x, int ntoys, std::uint64_t seed) {
  const infer::Model& im = m.setup().model;
  const Eigen::VectorXd v = vector_argument(x, "x", m.objective().size(), "one per parameter, in model.parameter_names order");
  if (ntoys < 1) throw ConfigError({{Location{"Model.sample_data(ntoys=...)", 0, 0}, "needs at least one toy"}});
  Eigen::MatrixXd out(ntoys, static_cast<Eigen::Index>(im.data_size()));
  {
    py::gil_scoped_release release;
    const double poi = im.poi() ? v[*im.poi()] : 0.0;
    const infer::ToyGenerator generator(im, v, infer::ToyEnsemble::kPulls, poi, seed);
    for (int i = 0; i < ntoys; ++i) out.row(i) = generator.data(static_cast<std::uint64_t>(i)).transpose();
  }
  return to_numpy(out);
}

}  // namespace

void bind_toys(py::module_& m) {
  bind_distribution(m);
  py::class_<infer::ToyHypotestResult>(m, "ToyHypotestResult",
                                       "A toy-based CLs test: CLs+b and CLb counted from toys with binomial errors (dicts: value,\n"
                                       "error, passed, total, bound), CLs with its error, the expected band from the background-only\n"
                                       "toys (pyhf's order), the two distributions and the asymptotic result on the same data.")
      .def_property_readonly("poi_value", [](const infer::ToyHypotestResult& r) { return r.mu; })
      .def_property_readonly("test_stat", [](const infer::ToyHypotestResult& r) { return infer::to_string(r.statistic); })
      .def_property_readonly("q_obs", [](const infer::ToyHypotestResult& r) { return r.q_obs; })
      .def_property_readonly("mu_hat", [](const infer::ToyHypotestResult& r) { return r.mu_hat; })
      .def_property_readonly("cls_obs", [](const infer::ToyHypotestResult& r) { return r.cls; })
      .def_property_readonly("cls_obs_error", [](const infer::ToyHypotestResult& r) { return r.cls_error; })
      .def_property_readonly("cls_bound", [](const infer::ToyHypotestResult& r) { return r.cls_bound; })
      .def_property_readonly("clsb_obs", [](const infer::ToyHypotestResult& r) { return pvalue_dict(r.clsb); })
      .def_property_readonly("clb_obs", [](const infer::ToyHypotestResult& r) { return pvalue_dict(r.clb); })
      .def_property_readonly("ntoys", [](const infer::ToyHypotestResult& r) { return r.ntoys; })
      .def_property_readonly("seed", [](const infer::ToyHypotestResult& r) { return r.seed; })
      .def_property_readonly("cls_exp", [](const infer::ToyHypotestResult& r) { return to_numpy(r.cls_exp); })
      .def_property_readonly("cls_exp_error", [](const infer::ToyHypotestResult& r) { return to_numpy(r.cls_exp_error); },
                             "The toy uncertainty of each band value.")
      .def_property_readonly("clsb_exp", [](const infer::ToyHypotestResult& r) { return to_numpy(r.clsb_exp); })
      .def_property_readonly("clb_exp", [](const infer::ToyHypotestResult& r) { return to_numpy(r.clb_exp); })
      .def_property_readonly("null", [](const infer::ToyHypotestResult& r) { return r.null; })
      .def_property_readonly("alternative", [](const infer::ToyHypotestResult& r) { return r.alternative; })
      .def_property_readonly("asymptotic_cls_obs", [](const infer::ToyHypotestResult& r) { return r.asymptotic.cls_obs; })
      .def_property_readonly("failed_fits", &infer::ToyHypotestResult::failed_fits)
      .def_property_readonly("ok", [](const infer::ToyHypotestResult& r) { return r.ok; })
      .def_property_readonly("message", [](const infer::ToyHypotestResult& r) { return r.message; })
      .def("to_dict", [](const infer::ToyHypotestResult& r) { return to_python(configs::to_json(r)); },
           "`hessfit toys --hypotest MU --json` without time_seconds.")
      .def("__float__", [](const infer::ToyHypotestResult& r) { return r.cls; });

  py::class_<infer::ToyUpperLimitResult>(m, "ToyUpperLimitResult",
                                         "Toy-based upper limits where CLs and the band cross 1 - CL on the grid (linear interpolation).")
      .def_property_readonly("observed", [](const infer::ToyUpperLimitResult& r) { return r.observed.value; })
      .def_property_readonly("observed_error", [](const infer::ToyUpperLimitResult& r) { return r.observed.error; })
      .def_property_readonly("expected",
                             [](const infer::ToyUpperLimitResult& r) {
                               std::array<double, 5> e{};
                               for (std::size_t k = 0; k < 5; ++k) e[k] = r.expected[k].value;
                               return to_numpy(e);
                             })
      .def_property_readonly("expected_error",
                             [](const infer::ToyUpperLimitResult& r) {
                               std::array<double, 5> e{};
                               for (std::size_t k = 0; k < 5; ++k) e[k] = r.expected[k].error;
                               return to_numpy(e);
                             })
      .def_property_readonly("ntoys", [](const infer::ToyUpperLimitResult& r) { return r.ntoys; })
      .def_property_readonly("seed", [](const infer::ToyUpperLimitResult& r) { return r.seed; })
      .def_property_readonly("found",
                             [](const infer::ToyUpperLimitResult& r) {
                               std::vector<bool> f{r.observed.found};
                               for (const auto& e : r.expected) f.push_back(e.found);
                               return f;
                             },
                             "Whether each curve (observed, then the expected band) crosses 1 - CL inside the grid.")
      .def_property_readonly("cl", [](const infer::ToyUpperLimitResult& r) { return r.cl; })
      .def_property_readonly("scan", [](const infer::ToyUpperLimitResult& r) { return r.scan; })
      .def_property_readonly("ok", [](const infer::ToyUpperLimitResult& r) { return r.ok; })
      .def_property_readonly("message", [](const infer::ToyUpperLimitResult& r) { return r.message; })
      .def("to_dict", [](const infer::ToyUpperLimitResult& r) { return to_python(configs::to_json(r)); },
           "`hessfit toys --limit --json`'s \"limit\".")
      .def("__iter__", [](const infer::ToyUpperLimitResult& r) {
        std::array<double, 5> e{};
        for (std::size_t k = 0; k < 5; ++k) e[k] = r.expected[k].value;
        return py::iter(py::make_tuple(r.observed.value, to_numpy(e)));
      });

  py::class_<infer::ToySignificanceResult>(m, "ToySignificanceResult", "The discovery p-value p0 counted from toys of POI = 0.")
      .def_property_readonly("q0_obs", [](const infer::ToySignificanceResult& r) { return r.q0_obs; })
      .def_property_readonly("p0", [](const infer::ToySignificanceResult& r) { return pvalue_dict(r.p0); })
      .def_property_readonly("z", [](const infer::ToySignificanceResult& r) { return r.z; })
      .def_property_readonly("z_asymptotic", [](const infer::ToySignificanceResult& r) { return r.z_asymptotic; })
      .def_property_readonly("p0_asymptotic", [](const infer::ToySignificanceResult& r) { return r.p0_asymptotic; })
      .def_property_readonly("null", [](const infer::ToySignificanceResult& r) { return r.null; })
      .def_property_readonly("ok", [](const infer::ToySignificanceResult& r) { return r.ok; })
      .def_property_readonly("ntoys", [](const infer::ToySignificanceResult& r) { return r.ntoys; })
      .def_property_readonly("seed", [](const infer::ToySignificanceResult& r) { return r.seed; })
      .def_property_readonly("message", [](const infer::ToySignificanceResult& r) { return r.message; })
      .def("to_dict", [](const infer::ToySignificanceResult& r) { return to_python(configs::to_json(r)); },
           "`hessfit toys --significance --json`'s \"significance\".");

  py::class_<Toys>(m, "ToyCalculator",
                   "Toy-based tests of one model and data set (pyhf's ToyCalculator): ToyCalculator(data, model, test_stat='qtilde',\n"
                   "ntoys=1000, seed=0, threads=0) or ToyCalculator(model, ...) for the observed data. Toy i of an ensemble depends\n"
                   "only on (seed, ensemble, POI value, i): the same numbers for any thread count. The GIL is released.")
      .def(py::init(&make_calculator), py::arg("data"), py::arg("model") = py::none(), py::kw_only(), py::arg("test_stat") = "qtilde",
           py::arg("ntoys") = 1000, py::arg("seed") = 0, py::arg("threads") = 0, py::arg("asimov") = "postfit")
      .def("hypotest",
           [](const Toys& t, double mu) {
             check_poi_value(t, mu, "ToyCalculator.hypotest(" + format_shortest(mu) + ")");
             py::gil_scoped_release release;
             return t.calculator->hypotest(mu);
           },
           py::arg("poi_value"))
      .def("upper_limit",
           [](const Toys& t, py::handle scan, double level) {
             const std::string call = "ToyCalculator.upper_limit";
             const py::array a = py::module_::import("numpy").attr("asarray")(scan);
             const Eigen::VectorXd v = vector_argument(a, "scan", a.ndim() == 1 ? a.shape(0) : 1, "ascending POI values");
             if (!(level > 0.0 && level < 1.0))
               throw ConfigError({{Location{call + "(level=" + format_shortest(level) + ")", 0, 0},
                                   "the level (1 - CL) must lie between 0 and 1 (exclusive), e.g. 0.05 for 95% CL limits"}});
             for (Eigen::Index i = 0; i < v.size(); ++i) check_poi_value(t, v[i], call + "(scan=...)");
             const std::vector<double> grid(v.data(), v.data() + v.size());
             py::gil_scoped_release release;
             return t.calculator->upper_limit(grid, 1.0 - level);
           },
           py::arg("scan"), py::arg("level") = 0.05)
      .def("significance", [](const Toys& t) {
        py::gil_scoped_release release;
        return t.calculator->significance();
      });

  py::class_<infer::PullStudyResult>(m, "PullStudyResult",
                                     "A pull and coverage study on toys generated at `generated` and fitted freely: per parameter\n"
                                     "(dicts, as `hessfit toys --pulls --json`) the mean and width of the pulls with their errors, the\n"
                                     "bias and the coverage of the Hessian (and MINOS) intervals; `pulls` per toy (rows) and parameter.")
      .def_property_readonly("ntoys", [](const infer::PullStudyResult& r) { return r.ntoys; })
      .def_property_readonly("seed", [](const infer::PullStudyResult& r) { return r.seed; })
      .def_property_readonly("cl", [](const infer::PullStudyResult& r) { return r.confidence_level; })
      .def_property_readonly("generated", [](const infer::PullStudyResult& r) { return to_numpy(r.generated); })
      .def_property_readonly("parameters", [](const infer::PullStudyResult& r) { return to_python(configs::to_json(r)["parameters"]); })
      .def_property_readonly("pulls", [](const infer::PullStudyResult& r) { return to_numpy(r.pulls); }, "NaN where a toy has no pull.")
      .def_property_readonly("failed_fits", [](const infer::PullStudyResult& r) { return r.failed_fits; })
      .def_property_readonly("ok", [](const infer::PullStudyResult& r) { return r.ok; })
      .def_property_readonly("message", [](const infer::PullStudyResult& r) { return r.message; })
      .def("to_dict", [](const infer::PullStudyResult& r) { return to_python(configs::to_json(r)); },
           "`hessfit toys --pulls --json` without time_seconds.");

  py::class_<infer::ToyGofResult>(m, "ToyGofResult",
                                  "The saturated-model goodness of fit calibrated with toys: p_value (dict: value, error, passed,\n"
                                  "total, bound) beside the asymptotic chi2 p-value; chi2 per toy.")
      .def_property_readonly("ntoys", [](const infer::ToyGofResult& r) { return r.ntoys; })
      .def_property_readonly("seed", [](const infer::ToyGofResult& r) { return r.seed; })
      .def_property_readonly("chi2_obs", [](const infer::ToyGofResult& r) { return r.chi2_obs; })
      .def_property_readonly("dof", [](const infer::ToyGofResult& r) { return r.dof; })
      .def_property_readonly("p_value", [](const infer::ToyGofResult& r) { return pvalue_dict(r.p_value); })
      .def_property_readonly("p_value_asymptotic", [](const infer::ToyGofResult& r) { return r.p_value_asymptotic; })
      .def_property_readonly("chi2", [](const infer::ToyGofResult& r) { return to_numpy(r.chi2); }, "Per toy (NaN where its fit failed).")
      .def_property_readonly("failed_fits", [](const infer::ToyGofResult& r) { return r.failed_fits; })
      .def_property_readonly("ok", [](const infer::ToyGofResult& r) { return r.ok; })
      .def_property_readonly("message", [](const infer::ToyGofResult& r) { return r.message; })
      .def("to_dict", [](const infer::ToyGofResult& r) { return to_python(configs::to_json(r)); },
           "`hessfit toys --gof --json` without time_seconds.");

  m.def("pull_study", &pull_study, py::arg("model"), py::kw_only(), py::arg("ntoys") = 1000, py::arg("seed") = 0, py::arg("threads") = 0,
        py::arg("parameters") = std::vector<std::string>{}, py::arg("cl") = kOneSigmaLevel, py::arg("minos") = false,
        py::arg("at") = py::none(),
        "Pulls and coverage on toys of the model's observed data: generated at `at` (default: the free fit to the data), each\n"
        "fitted freely from there (`hessfit toys --pulls`). parameters: names to study (default: every free one). The GIL is\n"
        "released; the numbers are the same for any thread count.");
  m.def("toy_gof", &toy_gof, py::arg("model"), py::kw_only(), py::arg("ntoys") = 1000, py::arg("seed") = 0, py::arg("threads") = 0,
        "The saturated-model goodness of fit of the model's observed data calibrated with toys generated at its free fit\n"
        "(`hessfit toys --gof`).");

  const py::object model_class = m.attr("Model");
  model_class.attr("sample_data") = py::cpp_function(
      &sample_data, py::name("sample_data"), py::is_method(model_class), py::sibling(py::getattr(model_class, "sample_data", py::none())),
      py::arg("x"), py::arg("ntoys") = 1, py::arg("seed") = 0,
      "Pseudo-data generated at parameters x, one row per toy (main counts Poisson, auxiliary data from their constraints);\n"
      "toy i depends only on (seed, i).");
}

}  // namespace hessfit::python
