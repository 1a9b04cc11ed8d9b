// hessfit.hypotest(), hessfit.upper_limit(), hessfit.significance(): asymptotic hypothesis tests in
// pyhf's argument order (poi value, data, model), on any data set of the model (observed, Asimov,
// a toy), with the requests checked by the checks of `hessfit hypotest|limit|significance`, the
// fits' options from the same config sections, and to_dict() written by the same JSON writer:
// the same numbers and messages as the commands.
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <chrono>
#include <memory>
#include <utility>

#include "bindings.hpp"
#include "hessfit/common/text.hpp"
#include "hessfit/configs/inference.hpp"

namespace hessfit::python {

namespace {

using configs::ConfigError;
using configs::Location;

/// The model's config with the call's settings, as the commands make it from their flags.
struct Request {
  configs::Config config;
  configs::InferenceConfig inference;
  infer::InferenceOptions options;
};

Request request_of(const Model& model, const std::string& call, const std::string& test_stat, const std::string& asimov, int threads) {
  Request r{model.config(), {}, {}};
  configs::Diagnostics d;
  r.inference.where = {call, 0, 0};
  if (const auto s = infer::parse_test_statistic(test_stat)) r.inference.test_statistic = *s;
  else d.error({call + "(test_stat=...)", 0, 0}, "unknown test statistic '" + test_stat + "' (qtilde, q, q0, t, ttilde)" +
                                                   configs::did_you_mean(test_stat, {"qtilde", "q", "q0", "t", "ttilde"}));
  if (const auto a = infer::parse_asimov_type(asimov)) r.inference.asimov = *a;
  else d.error({call + "(asimov=...)", 0, 0}, "unknown Asimov data type '" + asimov + "' (postfit, prefit)");
  if (threads < 0) d.error({call + "(threads=...)", 0, 0}, "must be 0 (all cores) or positive");
  d.check();
  r.config.fit.threads = threads;
  r.config.inference.asimov = r.inference.asimov;
  r.options = configs::inference_options(r.config);
  return r;
}

/// check_inference(), the commands' checks (a free POI, expected data, values inside the bounds).
void check(const Request& r, const Model& model) {
  configs::Diagnostics d;
  configs::check_inference(r.inference, model.setup(), d);
  d.check();
}

struct Hypotest {
  infer::HypotestResult result;
  std::string poi;
  infer::AsimovType asimov = infer::AsimovType::kPostfit;
  nlohmann::ordered_json json() const {
    nlohmann::ordered_json j = configs::to_json(result, poi);
    j["asimov"] = infer::to_string(asimov);
    return j;
  }
};

struct Limit {
  infer::UpperLimitResult result;
  std::vector<infer::HypotestResult> scan;
  std::string poi;
};

Hypotest hypotest(double mu, py::handle data, py::handle model, const std::string& test_stat, const std::string& asimov, int threads) {
  const std::string call = "hessfit.hypotest";
  auto [m, values] = data_and_model(data, model, call);
  Request r = request_of(*m, call, test_stat, asimov, threads);
  if (!std::isfinite(mu)) throw ConfigError({{Location{call + "(poi_value=...)", 0, 0}, "the tested POI value must be finite"}});
  r.inference.hypotest.push_back({mu, {call + "(poi_value=" + format_shortest(mu) + ")", 0, 0}});
  check(r, *m);
  Hypotest h{{}, m->setup().poi(), r.options.asimov};
  py::gil_scoped_release release;
  const infer::AsymptoticCalculator calc(m->setup().model, values, r.inference.test_statistic, r.options);
  h.result = infer::cls_scan(calc, {mu}).front();
  return h;
}

Limit upper_limit(py::handle data, py::handle model, double level, py::handle scan, const std::string& test_stat, const std::string& asimov,
                  int threads) {
  const std::string call = "hessfit.upper_limit";
  auto [m, values] = data_and_model(data, model, call);
  Request r = request_of(*m, call, test_stat, asimov, threads);
  if (!(level > 0.0 && level < 1.0))
    throw ConfigError({{Location{call + "(level=" + format_shortest(level) + ")", 0, 0},
                        "the level (1 - CL) must lie between 0 and 1 (exclusive), e.g. 0.05 for 95% CL limits"}});
  if (r.inference.test_statistic != infer::TestStatistic::kQTildeMu && r.inference.test_statistic != infer::TestStatistic::kQMu)
    throw ConfigError({{Location{call + "(test_stat=...)", 0, 0},
                        "upper limits need a CLs statistic (qtilde or q), not '" + infer::to_string(r.inference.test_statistic) + "'"}});
  std::vector<double> points;
  if (!scan.is_none()) {
    const py::array a = py::module_::import("numpy").attr("asarray")(scan);
    const Eigen::VectorXd v = vector_argument(a, "scan", a.ndim() == 1 ? a.shape(0) : 1, "POI values");
    points.assign(v.data(), v.data() + v.size());
    for (const double p : points)
      if (!std::isfinite(p)) throw ConfigError({{Location{call + "(scan=...)", 0, 0}, "the scan's POI values must be finite"}});
  }
  r.inference.limit.enabled = true;
  r.inference.limit.cl = 1.0 - level;
  r.inference.limit.where = {call, 0, 0};
  if (!points.empty()) {
    const auto [lo, hi] = std::minmax_element(points.begin(), points.end());
    r.inference.limit.scan_range = configs::Located<std::array<double, 2>>{{*lo, *hi}, {call + "(scan=...)", 0, 0}};
  }
  check(r, *m);
  Limit l{{}, {}, m->setup().poi()};
  py::gil_scoped_release release;
  const infer::AsymptoticCalculator calc(m->setup().model, values, r.inference.test_statistic, r.options);
  infer::LimitOptions lo;
  lo.cl = r.inference.limit.cl;
  l.result = infer::upper_limit(calc, lo);
  if (!points.empty()) l.scan = infer::cls_scan(calc, points);
  return l;
}

infer::SignificanceResult significance(py::handle data, py::handle model, const std::string& asimov, int threads) {
  const std::string call = "hessfit.significance";
  auto [m, values] = data_and_model(data, model, call);
  Request r = request_of(*m, call, "q0", asimov, threads);
  r.inference.significance = true;
  r.inference.significance_where = {call, 0, 0};
  check(r, *m);
  py::gil_scoped_release release;
  return infer::significance(values, m->setup().model, r.options);
}

}  // namespace

void bind_inference(py::module_& m) {
  py::class_<Hypotest>(m, "HypotestResult",
                       "An asymptotic CLs test (pyhf's hypotest): the observed CLs, CLs+b, CLb, the expected band in pyhf's order\n"
                       "(ascending: -2, -1, 0, +1, +2 sigma), the statistics, the fits' status. float(result) is the observed CLs.")
      .def_property_readonly("poi_value", [](const Hypotest& h) { return h.result.mu; })
      .def_property_readonly("test_stat", [](const Hypotest& h) { return infer::to_string(h.result.statistic); })
      .def_property_readonly("cls_obs", [](const Hypotest& h) { return h.result.cls_obs; })
      .def_property_readonly("clsb_obs", [](const Hypotest& h) { return h.result.clsb_obs; })
      .def_property_readonly("clb_obs", [](const Hypotest& h) { return h.result.clb_obs; })
      .def_property_readonly("cls_exp", [](const Hypotest& h) { return to_numpy(h.result.cls_exp); })
      .def_property_readonly("clsb_exp", [](const Hypotest& h) { return to_numpy(h.result.clsb_exp); })
      .def_property_readonly("clb_exp", [](const Hypotest& h) { return to_numpy(h.result.clb_exp); })
      .def_property_readonly("q_obs", [](const Hypotest& h) { return h.result.q_obs; })
      .def_property_readonly("q_asimov", [](const Hypotest& h) { return h.result.q_asimov; })
      .def_property_readonly("ts", [](const Hypotest& h) { return h.result.ts; }, "pyhf's AsymptoticCalculator.teststatistic.")
      .def_property_readonly("p_value", [](const Hypotest& h) { return h.result.p_value; })
      .def_property_readonly("mu_hat", [](const Hypotest& h) { return h.result.mu_hat; })
      .def_property_readonly("ok", [](const Hypotest& h) { return h.result.ok; })
      .def_property_readonly("message", [](const Hypotest& h) { return h.result.message; })
      .def("to_dict", [](const Hypotest& h) { return to_python(h.json()); }, "`hessfit hypotest --json` without time_seconds.")
      .def("__float__", [](const Hypotest& h) { return h.result.cls_obs; })
      .def("__repr__", [](const Hypotest& h) {
        return "<hessfit.HypotestResult " + h.poi + " = " + format_shortest(h.result.mu) + ": CLs " + format_significant(h.result.cls_obs, 6) +
               (h.result.ok ? "" : " (" + h.result.message + ")") + ">";
      });

  py::class_<Limit>(m, "UpperLimitResult",
                    "Observed and expected CLs upper limits (pyhf's upper_limit): `observed, expected = result` as pyhf returns\n"
                    "them; expected ascending (-2, -1, 0, +1, +2 sigma).")
      .def_property_readonly("observed", [](const Limit& l) { return l.result.observed.value; })
      .def_property_readonly("expected",
                             [](const Limit& l) {
                               std::array<double, 5> e{};
                               for (std::size_t k = 0; k < 5; ++k) e[k] = l.result.expected[k].value;
                               return to_numpy(e);
                             })
      .def_property_readonly("observed_past_bound", [](const Limit& l) { return l.result.observed.past_bound; })
      .def_property_readonly("expected_past_bound",
                             [](const Limit& l) {
                               std::vector<bool> past;
                               for (const auto& e : l.result.expected) past.push_back(e.past_bound);
                               return past;
                             })
      .def_property_readonly("cl", [](const Limit& l) { return l.result.cl; })
      .def_property_readonly("scan", [](const Limit& l) {
        std::vector<Hypotest> out;
        for (const auto& h : l.scan) out.push_back({h, l.poi, infer::AsimovType::kPostfit});
        return out;
      }, "The hypothesis tests at the scan= values.")
      .def_property_readonly("ok", [](const Limit& l) { return l.result.ok(); })
      .def_property_readonly("message", [](const Limit& l) { return l.result.problems(); })
      .def("to_dict", [](const Limit& l) { return to_python(configs::to_json(l.result, l.scan)); }, "`hessfit limit --json` without time_seconds.")
      .def("__iter__", [](const Limit& l) {
        std::array<double, 5> e{};
        for (std::size_t k = 0; k < 5; ++k) e[k] = l.result.expected[k].value;
        return py::iter(py::make_tuple(l.result.observed.value, to_numpy(e)));
      })
      .def("__repr__", [](const Limit& l) {
        return "<hessfit.UpperLimitResult " + l.poi + " < " + format_significant(l.result.observed.value, 6) + " observed, " +
               format_significant(l.result.expected[2].value, 6) + " expected at " + format_percent(l.result.cl) + " CL>";
      });

  py::class_<infer::SignificanceResult>(m, "SignificanceResult",
                                        "Discovery significance: q0, p0 and Z observed, and expected on the Asimov data of POI = 1.")
      .def_property_readonly("z_obs", [](const infer::SignificanceResult& s) { return s.observed.z; })
      .def_property_readonly("p0_obs", [](const infer::SignificanceResult& s) { return s.observed.p0; })
      .def_property_readonly("q0_obs", [](const infer::SignificanceResult& s) { return s.observed.q0; })
      .def_property_readonly("z_exp", [](const infer::SignificanceResult& s) { return s.expected.z; })
      .def_property_readonly("p0_exp", [](const infer::SignificanceResult& s) { return s.expected.p0; })
      .def_property_readonly("q0_exp", [](const infer::SignificanceResult& s) { return s.expected.q0; })
      .def_property_readonly("expected_p0_band", [](const infer::SignificanceResult& s) { return to_numpy(s.expected_p0_band); },
                             "Expected p0 at -2, -1, 0, +1, +2 sigma (ascending).")
      .def_property_readonly("mu_hat", [](const infer::SignificanceResult& s) { return s.mu_hat; })
      .def_property_readonly("ok", [](const infer::SignificanceResult& s) { return s.ok; })
      .def_property_readonly("message", [](const infer::SignificanceResult& s) { return s.message; })
      .def("to_dict", [](const infer::SignificanceResult& s) { return to_python(configs::to_json(s)); },
           "`hessfit significance --json` without time_seconds.")
      .def("__repr__", [](const infer::SignificanceResult& s) {
        return "<hessfit.SignificanceResult Z = " + format_significant(s.observed.z, 5) + " observed, " + format_significant(s.expected.z, 5) +
               " expected>";
      });

  const char* common =
      "data: the model's data vector (main bins then auxiliary data, as model.observed_data: observed, Asimov or a toy);\n"
      "without it (fn(..., model)) the observed data. asimov: 'postfit' (pyhf's default) | 'prefit'. threads: 0 = all\n"
      "cores; the numbers do not depend on it. The GIL is released while fitting. Bad arguments raise hessfit.ConfigError\n"
      "(the messages of the commands), TypeError/ValueError for arrays; fits that fail are reported in `ok`/`message`.";
  m.def("hypotest", &hypotest, py::arg("poi_value"), py::arg("data"), py::arg("model") = py::none(), py::kw_only(),
        py::arg("test_stat") = "qtilde", py::arg("asimov") = "postfit", py::arg("threads") = 0,
        (std::string("pyhf.infer.hypotest(poi_value, data, model, test_stat=...) with the asymptotic calculator, as\n"
                     "`hessfit hypotest --mu`. test_stat: 'qtilde' | 'q' | 'q0' | 't' | 'ttilde'.\n") +
         common)
            .c_str());
  m.def("upper_limit", &upper_limit, py::arg("data"), py::arg("model") = py::none(), py::kw_only(), py::arg("level") = 0.05,
        py::arg("scan") = py::none(), py::arg("test_stat") = "qtilde", py::arg("asimov") = "postfit", py::arg("threads") = 0,
        (std::string("pyhf.infer.intervals.upper_limits.upper_limit(data, model, level=0.05), as `hessfit limit --cl 0.95`: each\n"
                     "limit the root of its own CLs curve. scan: POI values for CLs curves (result.scan, to_dict()['scan']).\n") +
         common)
            .c_str());
  m.def("significance", &significance, py::arg("data"), py::arg("model") = py::none(), py::kw_only(), py::arg("asimov") = "postfit",
        py::arg("threads") = 0,
        (std::string("Discovery significance (q0), as `hessfit significance`: observed, and expected on the Asimov data of POI = 1.\n") +
         common)
            .c_str());
}

}  // namespace hessfit::python
