// The `inference:` section and the hypothesis-test commands: requests, runs, JSON and text.
#include "hessfit/configs/inference.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <sstream>

#include <fmt/format.h>

#include "hessfit/common/text.hpp"

#include "json_numbers.hpp"
#include "tested_values.hpp"

namespace hessfit::configs {

namespace {

using nlohmann::ordered_json;

ordered_json number(double v) { return detail::json_number<ordered_json>(v); }
template <class Range>
ordered_json numbers(const Range& v) {
  return detail::json_numbers<ordered_json>(v);
}

std::string sigma_label(std::size_t k) {
  static const char* labels[] = {"-2 sigma", "-1 sigma", "median", "+1 sigma", "+2 sigma"};
  return labels[k];
}

}  // namespace

bool InferenceResults::ok() const {
  const auto all = [](const std::vector<infer::HypotestResult>& v) {
    return std::all_of(v.begin(), v.end(), [](const auto& h) { return h.ok; });
  };
  return all(hypotests) && all(scan) && (!limit || limit->ok()) && (!significance || significance->ok);
}

std::string InferenceResults::problems() const {
  std::string out;
  const auto add = [&](const std::string& p) {
    if (!p.empty()) out += (out.empty() ? "" : "; ") + p;
  };
  for (const auto& h : hypotests)
    if (!h.ok) add("hypotest at " + poi + " = " + format_significant(h.mu, 8) + ": " + h.message);
  if (limit && !limit->ok()) add(limit->problems());
  for (const auto& h : scan)
    if (!h.ok) add("CLs scan at " + poi + " = " + format_significant(h.mu, 8) + ": " + h.message);
  if (significance && !significance->ok) add("significance: " + significance->message);
  return out;
}

infer::InferenceOptions inference_options(const Config& c) {
  infer::InferenceOptions o;
  o.free_fit.method = c.fit.minimizer;
  o.free_fit.edm_tolerance = c.fit.tolerance;
  o.conditional_fit.edm_tolerance = c.fit.tolerance;
  if (c.fit.max_iterations > 0) {
    o.free_fit.newton.max_iterations = o.conditional_fit.newton.max_iterations = c.fit.max_iterations;
    o.free_fit.quasi_newton.max_iterations = c.fit.max_iterations;
  }
  o.free_fit.probe.threads = c.fit.threads;
  o.threads = c.fit.threads;
  o.asimov = c.inference.asimov;
  return o;
}

void check_inference(const InferenceConfig& request, const FitSetup& setup, Diagnostics& d) {
  if (!request.requested()) return;
  // In a config file the key is named; on the command line the location (the flag) says it.
  const infer::Model& model = setup.model;
  try {
    infer::check_testable(model);
  } catch (const std::exception& e) {
    d.error(request.where, detail::key_prefix(request.where, "inference") + e.what());
    return;
  }
  detail::check_tested_values(model,
                              {"inference", &request.hypotest, &request.limit.scan_range, "limit.scan.range", "scan",
                               request.significance, request.significance_where},
                              d);
}

InferenceResults run_inference(const FitSetup& setup, const InferenceConfig& request, const infer::InferenceOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  InferenceResults r;
  r.poi = setup.poi();
  r.statistic = request.test_statistic;
  r.asimov = options.asimov;
  const infer::Model& model = setup.model;
  if (!request.hypotest.empty() || request.limit.enabled) {
    const infer::AsymptoticCalculator calc(model, model.observed_data(), request.test_statistic, options);
    std::vector<double> values;
    for (const auto& v : request.hypotest) values.push_back(v.value);
    r.hypotests = infer::cls_scan(calc, values);
    if (request.limit.enabled) {
      infer::LimitOptions lo;
      lo.cl = request.limit.cl;
      r.limit = infer::upper_limit(calc, lo);
      if (request.limit.scan_points > 0) {
        double from = 0.0, to = 0.0;
        if (request.limit.scan_range) {
          from = request.limit.scan_range->value[0];
          to = request.limit.scan_range->value[1];
        } else {
          from = std::max(model.objective().bounds(*model.poi()).lower, 0.0);
          to = r.limit->observed.value;
          for (const auto& e : r.limit->expected) to = std::max(to, e.value);
          to = std::isfinite(to) && to > from ? from + 1.2 * (to - from) : from + 1.0;
        }
        std::vector<double> scan;
        const int n = request.limit.scan_points;
        for (int i = 0; i < n; ++i) scan.push_back(from + (to - from) * i / (n - 1));
        r.scan = infer::cls_scan(calc, scan);
      }
    }
  }
  if (request.significance) r.significance = infer::significance(model, options);
  r.time_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return r;
}

ordered_json to_json(const infer::HypotestResult& h, const std::string& poi) {
  ordered_json j;
  j["poi"] = poi;
  j["mu"] = number(h.mu);
  j["test_statistic"] = infer::to_string(h.statistic);
  j["cls_obs"] = number(h.cls_obs);
  j["clsb_obs"] = number(h.clsb_obs);
  j["clb_obs"] = number(h.clb_obs);
  j["cls_exp"] = numbers(h.cls_exp);
  j["clsb_exp"] = numbers(h.clsb_exp);
  j["clb_exp"] = numbers(h.clb_exp);
  j["q_obs"] = number(h.q_obs);
  j["q_asimov"] = number(h.q_asimov);
  j["ts"] = number(h.ts);
  j["p_value"] = number(h.p_value);
  j["mu_hat"] = number(h.mu_hat);
  j["ok"] = h.ok;
  j["message"] = h.message;
  return j;
}

ordered_json to_json(const infer::UpperLimitResult& l, const std::vector<infer::HypotestResult>& scan) {
  ordered_json j;
  j["poi"] = l.poi;
  j["cl"] = l.cl;
  j["test_statistic"] = infer::to_string(l.statistic);
  j["band"] = l.band_convention;
  j["observed"] = number(l.observed.value);
  ordered_json expected = ordered_json::array(), past = ordered_json::array();
  for (const auto& e : l.expected) {
    expected.push_back(number(e.value));
    past.push_back(e.past_bound);
  }
  j["expected"] = expected;
  j["observed_past_bound"] = l.observed.past_bound;
  j["expected_past_bound"] = past;
  j["poi_upper_bound"] = number(l.poi_upper_bound);
  ordered_json points = ordered_json::array();
  for (const auto& h : scan)
    points.push_back({{"mu", number(h.mu)}, {"cls_obs", number(h.cls_obs)}, {"cls_exp", numbers(h.cls_exp)}, {"ok", h.ok}});
  j["scan"] = points;
  j["ok"] = l.ok();
  j["message"] = l.problems();
  return j;
}

ordered_json to_json(const infer::SignificanceResult& s) {
  const auto one = [](const infer::Significance& x) {
    return ordered_json{{"q0", number(x.q0)}, {"p0", number(x.p0)}, {"z", number(x.z)}};
  };
  ordered_json j;
  j["poi"] = s.poi;
  j["observed"] = one(s.observed);
  j["expected"] = one(s.expected);
  j["expected_p0_band"] = numbers(s.expected_p0_band);
  j["mu_hat"] = number(s.mu_hat);
  j["ok"] = s.ok;
  j["message"] = s.message;
  return j;
}

ordered_json to_json(const InferenceResults& r) {
  ordered_json j;
  j["poi"] = r.poi;
  j["test_statistic"] = infer::to_string(r.statistic);
  j["asimov"] = infer::to_string(r.asimov);
  j["band"] = "pyhf";
  ordered_json hypotests = ordered_json::array();
  for (const auto& h : r.hypotests) hypotests.push_back(to_json(h, r.poi));
  j["hypotests"] = hypotests;
  j["limit"] = r.limit ? to_json(*r.limit, r.scan) : ordered_json(nullptr);
  j["significance"] = r.significance ? to_json(*r.significance) : ordered_json(nullptr);
  j["ok"] = r.ok();
  j["time_seconds"] = r.time_seconds;
  return j;
}

std::string text_table(const infer::HypotestResult& h, const std::string& poi) {
  std::ostringstream out;
  out << "test of " << poi << " = " << format_significant(h.mu, 8) << " with " << infer::to_string(h.statistic)
      << ": q_obs = " << format_significant(h.q_obs, 8) << ", q_asimov = " << format_significant(h.q_asimov, 8)
      << ", " << poi << "_hat = " << format_significant(h.mu_hat, 6) << "\n";
  if (infer::has_cls(h.statistic)) {
    out << fmt::format("  {:<10} {:>12} {:>12} {:>12}\n", "", "CLs", "CLs+b", "CLb");
    out << fmt::format("  {:<10} {:>12} {:>12} {:>12}\n", "observed", format_significant(h.cls_obs, 6),
                       format_significant(h.clsb_obs, 6), format_significant(h.clb_obs, 6));
    for (std::size_t k = 0; k < 5; ++k)
      out << fmt::format("  {:<10} {:>12} {:>12} {:>12}\n", sigma_label(k), format_significant(h.cls_exp[k], 6),
                         format_significant(h.clsb_exp[k], 6), format_significant(h.clb_exp[k], 6));
    out << "  expected band: pyhf's convention (CLs at exactly +-1, +-2 sigma of the background-only test statistic)\n";
  } else {
    out << "  two-sided p-value " << format_significant(h.p_value, 6) << "\n";
  }
  if (!h.ok) out << "  problem: " << h.message << "\n";
  return out.str();
}

std::string text_table(const infer::UpperLimitResult& l, const std::vector<infer::HypotestResult>& scan) {
  std::ostringstream out;
  out << "upper limits on " << l.poi << " at " << format_percent(l.cl) << " CL (CLs, " << infer::to_string(l.statistic) << ")\n";
  const auto line = [&](const std::string& label, const infer::UpperLimit& u) {
    out << fmt::format("  {:<14} {:>12}", label, format_significant(u.value, 7));
    if (u.past_bound) out << "  (beyond the POI's upper bound " << format_shortest(l.poi_upper_bound) << ")";
    out << "\n";
  };
  line("observed", l.observed);
  for (std::size_t k = 0; k < 5; ++k) line("exp. " + sigma_label(k), l.expected[k]);
  out << "  expected band: pyhf's convention (CLs at exactly +-1, +-2 sigma)\n";
  if (!scan.empty()) {
    out << fmt::format("  {:>12} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}\n", l.poi, "CLs obs", "exp -2", "exp -1", "exp median",
                       "exp +1", "exp +2");
    for (const auto& h : scan)
      out << fmt::format("  {:>12} {:>12} {:>12} {:>12} {:>12} {:>12} {:>12}\n", format_significant(h.mu, 6),
                         format_significant(h.cls_obs, 5), format_significant(h.cls_exp[0], 5), format_significant(h.cls_exp[1], 5),
                         format_significant(h.cls_exp[2], 5), format_significant(h.cls_exp[3], 5), format_significant(h.cls_exp[4], 5));
  }
  if (!l.ok()) out << "  problem: " << l.problems() << "\n";
  return out.str();
}

std::string text_table(const infer::SignificanceResult& s) {
  std::ostringstream out;
  out << "discovery significance of " << s.poi << " (q0, " << s.poi << "_hat = " << format_significant(s.mu_hat, 6) << ")\n";
  out << fmt::format("  {:<10} {:>12} {:>12} {:>12}\n", "", "q0", "p0", "Z");
  out << fmt::format("  {:<10} {:>12} {:>12} {:>12}\n", "observed", format_significant(s.observed.q0, 6),
                     format_significant(s.observed.p0, 6), format_significant(s.observed.z, 6));
  out << fmt::format("  {:<10} {:>12} {:>12} {:>12}\n", "expected", format_significant(s.expected.q0, 6),
                     format_significant(s.expected.p0, 6), format_significant(s.expected.z, 6));
  out << "  expected: Asimov data of " << s.poi << " = 1\n";
  if (!s.ok) out << "  problem: " << s.message << "\n";
  return out.str();
}

std::string text_summary(const InferenceResults& r) {
  std::ostringstream out;
  for (const auto& h : r.hypotests) {
    out << "test of " << r.poi << " = " << format_significant(h.mu, 6) << " (" << infer::to_string(h.statistic) << "): ";
    if (infer::has_cls(h.statistic))
      out << "CLs = " << format_significant(h.cls_obs, 4) << ", expected " << format_significant(h.cls_exp[2], 4) << " ["
          << format_significant(h.cls_exp[0], 3) << ", " << format_significant(h.cls_exp[1], 3) << ", "
          << format_significant(h.cls_exp[3], 3) << ", " << format_significant(h.cls_exp[4], 3) << "]\n";
    else
      out << "p = " << format_significant(h.p_value, 4) << "\n";
  }
  if (r.limit) {
    const auto& l = *r.limit;
    out << "upper limit on " << r.poi << " at " << format_percent(l.cl) << " CL: observed " << format_significant(l.observed.value, 5)
        << (l.observed.past_bound ? " (beyond the POI bound)" : "") << ", expected " << format_significant(l.expected[2].value, 5)
        << " (+-1 sigma " << format_significant(l.expected[1].value, 4) << " - " << format_significant(l.expected[3].value, 4)
        << ", +-2 sigma " << format_significant(l.expected[0].value, 4) << " - " << format_significant(l.expected[4].value, 4) << ")\n";
  }
  if (r.significance) {
    const auto& s = *r.significance;
    out << "discovery significance: observed Z = " << format_significant(s.observed.z, 4) << " (p0 = "
        << format_significant(s.observed.p0, 4) << "), expected Z = " << format_significant(s.expected.z, 4) << " (p0 = "
        << format_significant(s.expected.p0, 4) << ")\n";
  }
  if (!r.ok()) out << "inference problems: " << r.problems() << "\n";
  return out.str();
}

}  // namespace hessfit::configs
