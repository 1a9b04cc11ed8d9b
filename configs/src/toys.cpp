// The `toys:` section and the toys command: requests, runs, JSON, text, plots.
#include "hessfit/configs/toys.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <ostream>
#include <sstream>

#include <fmt/format.h>

#include "hessfit/common/text.hpp"
#include "hessfit/configs/report.hpp"
#include "json_numbers.hpp"
#include "svg.hpp"
#include "tested_values.hpp"

namespace hessfit::configs {

namespace {

using nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

ordered_json number(double v) { return detail::json_number<ordered_json>(v); }
template <class Range>
ordered_json numbers(const Range& v) {
  return detail::json_numbers<ordered_json>(v);
}

void add(std::string& out, const std::string& p) {
  if (!p.empty()) out += (out.empty() ? "" : "; ") + p;
}

std::string pvalue_text(const infer::ToyPValue& p) {
  if (p.bound) return "< " + format_significant(p.value, 3);
  return format_significant(p.value, 4) + " +- " + format_significant(p.error, 2);
}

}  // namespace

bool ToysResults::ok() const {
  return std::all_of(hypotests.begin(), hypotests.end(), [](const auto& h) { return h.ok; }) && (!limit || limit->ok) &&
         (!significance || significance->ok) && (!pulls || pulls->ok) && (!gof || gof->ok);
}

std::string ToysResults::problems() const {
  std::string out;
  for (const auto& h : hypotests)
    if (!h.ok) add(out, "toy hypotest at " + poi + " = " + format_significant(h.mu, 8) + ": " + h.message);
  if (limit && !limit->ok) add(out, "toy limit: " + limit->message);
  if (significance && !significance->ok) add(out, "toy significance: " + significance->message);
  if (pulls && !pulls->ok) add(out, "pulls: " + pulls->message);
  if (gof && !gof->ok) add(out, "toy goodness of fit: " + gof->message);
  return out;
}

void check_toys(const ToysConfig& request, const FitSetup& setup, Diagnostics& d) {
  if (!request.requested()) return;
  const infer::Model& model = setup.model;
  if (model.data_distributions().size() != model.data_size() || !model.has_expected_data()) {
    d.error(request.where, detail::key_prefix(request.where, "toys") + model.name() + " does not say how its data fluctuate: toys are unavailable");
    return;
  }
  const bool tests = !request.hypotest.empty() || request.limit || request.significance;
  if (tests) {
    try {
      infer::check_testable(model);
    } catch (const std::exception& e) {
      d.error(request.where, detail::key_prefix(request.where, "toys") + e.what());
      return;
    }
    detail::check_tested_values(model,
                                {"toys", &request.hypotest, &request.grid_range, "limit.grid.range", "grid", request.significance,
                                 request.significance_where},
                                d);
  }
  for (const auto& n : request.pull_parameters) {
    const auto i = model.objective().find(n.value);
    if (!i) d.error(n.where, detail::key_prefix(n.where, "toys.pulls.parameters") + "no parameter is called '" + n.value + "'");
    else if (model.objective().is_fixed(*i))
      d.error(n.where, detail::key_prefix(n.where, "toys.pulls.parameters") + "the parameter '" + n.value + "' is fixed");
  }
}

infer::ToyOptions toy_options(const infer::InferenceOptions& fits, int ntoys, std::uint64_t seed) {
  infer::ToyOptions options;
  options.ntoys = ntoys;
  options.seed = seed;
  options.threads = fits.threads;
  options.fits = fits;
  options.toy_fits.fit.edm_tolerance = fits.conditional_fit.edm_tolerance;
  options.toy_fits.fit.newton.max_iterations = fits.conditional_fit.newton.max_iterations;
  return options;
}

ToysResults run_toys(const FitSetup& setup, const ToysConfig& request, const infer::InferenceOptions& fits,
                     const std::function<void(long, long)>& progress) {
  const auto start = Clock::now();
  ToysResults r;
  r.poi = setup.poi();
  r.ntoys = request.ntoys;
  r.seed = request.seed;
  r.statistic = request.test_statistic.value_or(infer::TestStatistic::kQTildeMu);
  const infer::Model& model = setup.model;
  infer::ToyOptions options = toy_options(fits, request.ntoys, request.seed);
  options.cls_accuracy = request.cls_accuracy;
  options.max_toys = request.max_toys;
  long counted = 0;
  options.progress = [&](long done, long planned) {
    if (progress) progress(done, planned);
    if (done == planned) counted += planned;
  };
  if (!request.hypotest.empty() || request.limit) {
    const infer::ToyCalculator calc(model, model.observed_data(), r.statistic, options);
    for (const auto& v : request.hypotest) r.hypotests.push_back(calc.hypotest(v.value));
    if (request.limit) {
      std::array<double, 2> range{0.0, 0.0};
      if (request.grid_range) {
        range = request.grid_range->value;
      } else {
        // Twice the largest asymptotic limit: toy limits at low counts lie above the asymptotic ones.
        infer::LimitOptions lo;
        lo.cl = request.cl;
        const infer::UpperLimitResult a = infer::upper_limit(calc.asymptotic(), lo);
        double top = a.observed.value;
        for (const auto& e : a.expected) top = std::max(top, e.value);
        range = {std::max(0.0, model.objective().bounds(*model.poi()).lower), 2.0 * (std::isfinite(top) ? top : 1.0)};
      }
      std::vector<double> grid;
      for (int k = 0; k < request.grid_points; ++k)
        grid.push_back(range[0] + (range[1] - range[0]) * k / (request.grid_points - 1));
      r.limit = calc.upper_limit(grid, request.cl);
    }
  }
  if (request.significance) {
    const infer::ToyCalculator calc(model, model.observed_data(), infer::TestStatistic::kQ0, options);
    r.significance = calc.significance();
  }
  if (request.pulls) {
    infer::PullOptions po;
    for (const auto& n : request.pull_parameters) po.parameters.push_back(n.value);
    po.minos = request.pull_minos;
    r.pulls = infer::pull_study(model, options, po);
  }
  if (request.gof) r.gof = infer::toy_gof(model, options);
  r.toys = counted;
  r.time_seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

// --- JSON -----------------------------------------------------------------------------------

ordered_json to_json(const infer::ToyHypotestResult& h) {
  ordered_json j;
  j["ntoys"] = h.ntoys;
  j["seed"] = h.seed;
  j["mu"] = h.mu;
  j["test_statistic"] = infer::to_string(h.statistic);
  j["q_obs"] = number(h.q_obs);
  j["mu_hat"] = number(h.mu_hat);
  j["cls_obs"] = number(h.cls);
  j["cls_obs_error"] = number(h.cls_error);
  j["cls_obs_bound"] = h.cls_bound;
  j["clsb_obs"] = number(h.clsb.value);
  j["clsb_obs_error"] = number(h.clsb.error);
  j["clsb_obs_bound"] = h.clsb.bound;
  j["clb_obs"] = number(h.clb.value);
  j["clb_obs_error"] = number(h.clb.error);
  j["cls_exp"] = numbers(h.cls_exp);
  j["cls_exp_error"] = numbers(h.cls_exp_error);
  j["clsb_exp"] = numbers(h.clsb_exp);
  j["clb_exp"] = numbers(h.clb_exp);
  j["cls_obs_asymptotic"] = number(h.asymptotic.cls_obs);
  j["cls_exp_asymptotic"] = numbers(h.asymptotic.cls_exp);
  j["toys"] = {{"null", {{"generated_poi", h.null.generated_poi}, {"toys", h.null.q.size()}, {"failed", h.null.failed()}}},
               {"alternative",
                {{"generated_poi", h.alternative.generated_poi}, {"toys", h.alternative.q.size()}, {"failed", h.alternative.failed()}}}};
  j["failed_fits"] = h.failed_fits();
  j["ok"] = h.ok;
  j["message"] = h.message;
  return j;
}

ordered_json to_json(const infer::ToyUpperLimitResult& l) {
  ordered_json j;
  j["ntoys"] = l.ntoys;
  j["seed"] = l.seed;
  j["poi"] = l.poi;
  j["cl"] = l.cl;
  j["test_statistic"] = infer::to_string(l.statistic);
  j["observed"] = number(l.observed.value);
  j["observed_error"] = number(l.observed.error);
  ordered_json e = ordered_json::array(), ee = ordered_json::array();
  for (const auto& x : l.expected) {
    e.push_back(number(x.value));
    ee.push_back(number(x.error));
  }
  j["expected"] = e;
  j["expected_error"] = ee;
  ordered_json grid = ordered_json::array(), scan = ordered_json::array();
  int failed = 0;
  for (const auto& h : l.scan) {
    grid.push_back(h.mu);
    scan.push_back({{"mu", h.mu},
                    {"cls_obs", number(h.cls)},
                    {"cls_obs_error", number(h.cls_error)},
                    {"cls_exp", numbers(h.cls_exp)},
                    {"cls_exp_error", numbers(h.cls_exp_error)},
                    {"cls_obs_asymptotic", number(h.asymptotic.cls_obs)},
                    {"failed_fits", h.failed_fits()}});
    failed += h.failed_fits();
  }
  j["grid"] = grid;
  j["scan"] = scan;
  j["failed_fits"] = failed;
  j["ok"] = l.ok;
  j["message"] = l.message;
  return j;
}

ordered_json to_json(const infer::ToySignificanceResult& s) {
  return {{"ntoys", s.ntoys},
          {"seed", s.seed},
          {"q0_obs", number(s.q0_obs)},
          {"p0", number(s.p0.value)},
          {"p0_error", number(s.p0.error)},
          {"p0_bound", s.p0.bound},
          {"z", number(s.z)},
          {"p0_asymptotic", number(s.p0_asymptotic)},
          {"z_asymptotic", number(s.z_asymptotic)},
          {"failed_fits", s.null.failed()},
          {"ok", s.ok},
          {"message", s.message}};
}

ordered_json to_json(const infer::PullStudyResult& p) {
  ordered_json j;
  j["ntoys"] = p.ntoys;
  j["seed"] = p.seed;
  j["cl"] = p.confidence_level;
  ordered_json ps = ordered_json::array();
  for (const auto& x : p.parameters)
    ps.push_back({{"name", x.name},
                  {"generated", number(x.generated)},
                  {"toys", x.toys},
                  {"pull_mean", number(x.pull_mean)},
                  {"pull_mean_error", number(x.pull_mean_error)},
                  {"pull_width", number(x.pull_width)},
                  {"pull_width_error", number(x.pull_width_error)},
                  {"bias", number(x.bias)},
                  {"bias_error", number(x.bias_error)},
                  {"coverage_hessian", number(x.coverage_hessian)},
                  {"coverage_hessian_error", number(x.coverage_hessian_error)},
                  {"coverage_minos", number(x.coverage_minos)},
                  {"coverage_minos_error", number(x.coverage_minos_error)}});
  j["parameters"] = ps;
  j["failed_fits"] = p.failed_fits;
  j["ok"] = p.ok;
  j["message"] = p.message;
  return j;
}

ordered_json to_json(const infer::ToyGofResult& g) {
  return {{"ntoys", g.ntoys},
          {"seed", g.seed},
          {"chi2_obs", number(g.chi2_obs)},
          {"dof", g.dof},
          {"p_value", number(g.p_value.value)},
          {"p_value_error", number(g.p_value.error)},
          {"p_value_bound", g.p_value.bound},
          {"p_value_asymptotic", number(g.p_value_asymptotic)},
          {"failed_fits", g.failed_fits},
          {"ok", g.ok},
          {"message", g.message}};
}

ordered_json to_json(const ToysResults& r) {
  ordered_json j;
  j["ntoys"] = r.ntoys;
  j["seed"] = r.seed;
  j["test_statistic"] = infer::to_string(r.statistic);
  if (!r.hypotests.empty()) {
    ordered_json h = ordered_json::array();
    for (const auto& x : r.hypotests) h.push_back(to_json(x));
    j["hypotest"] = h;
  }
  if (r.limit) j["limit"] = to_json(*r.limit);
  if (r.significance) j["significance"] = to_json(*r.significance);
  if (r.pulls) j["pulls"] = to_json(*r.pulls);
  if (r.gof) j["gof"] = to_json(*r.gof);
  j["toys_fitted"] = r.toys;
  j["time_seconds"] = r.time_seconds;
  j["toys_per_second"] = r.time_seconds > 0 ? r.toys / r.time_seconds : 0.0;
  j["per_toy_file"] = "toys.json";
  j["ok"] = r.ok();
  return j;
}

namespace {

ordered_json distribution_json(const infer::ToyDistribution& d) {
  return {{"ensemble", infer::to_string(d.ensemble)},
          {"generated_poi", d.generated_poi},
          {"tested_poi", d.tested_poi},
          {"statistic", numbers(d.q)},
          {"poi_hat", numbers(d.poi_hat)}};
}

}  // namespace

ordered_json per_toy_json(const ToysResults& r) {
  ordered_json j;
  j["schema"] = "hessfit.toys";
  j["schema_version"] = 1;
  j["seed"] = r.seed;
  j["ntoys"] = r.ntoys;
  j["test_statistic"] = infer::to_string(r.statistic);
  if (!r.hypotests.empty()) {
    ordered_json a = ordered_json::array();
    for (const auto& h : r.hypotests)
      a.push_back({{"mu", h.mu}, {"q_obs", number(h.q_obs)}, {"null", distribution_json(h.null)}, {"alternative", distribution_json(h.alternative)}});
    j["hypotest"] = a;
  }
  if (r.limit) {
    ordered_json a = ordered_json::array();
    for (const auto& h : r.limit->scan)
      a.push_back({{"mu", h.mu}, {"q_obs", number(h.q_obs)}, {"null", distribution_json(h.null)}, {"alternative", distribution_json(h.alternative)}});
    j["limit"] = a;
  }
  if (r.significance) j["significance"] = {{"q0_obs", number(r.significance->q0_obs)}, {"null", distribution_json(r.significance->null)}};
  if (r.pulls) {
    ordered_json ps = ordered_json::object();
    for (std::size_t a = 0; a < r.pulls->parameters.size(); ++a) {
      std::vector<double> col(static_cast<std::size_t>(r.pulls->pulls.rows()));
      for (Eigen::Index k = 0; k < r.pulls->pulls.rows(); ++k) col[static_cast<std::size_t>(k)] = r.pulls->pulls(k, static_cast<Eigen::Index>(a));
      ps[r.pulls->parameters[a].name] = numbers(col);
    }
    j["pulls"] = ps;
  }
  if (r.gof) j["gof"] = {{"chi2_obs", number(r.gof->chi2_obs)}, {"chi2", numbers(r.gof->chi2)}};
  return j;
}

// --- text -----------------------------------------------------------------------------------

std::string text_summary(const ToysResults& r) {
  std::ostringstream o;
  o << "toys: " << r.ntoys << " per ensemble, seed " << r.seed << ", " << r.toys << " toys fitted in "
    << format_seconds(r.time_seconds) << " (" << format_significant(r.time_seconds > 0 ? r.toys / r.time_seconds : 0.0, 3)
    << " toys/s)\n";
  for (const auto& h : r.hypotests) {
    o << fmt::format("  hypotest {} = {} ({}): CLs {}  CLs+b {}  CLb {}  (asymptotic CLs {})\n", r.poi, format_shortest(h.mu),
                     infer::to_string(h.statistic),
                     h.cls_bound ? "< " + format_significant(h.cls, 3) : format_significant(h.cls, 4) + " +- " + format_significant(h.cls_error, 2),
                     pvalue_text(h.clsb), pvalue_text(h.clb), format_significant(h.asymptotic.cls_obs, 4));
    o << "    expected CLs (-2..+2 sigma):";
    for (std::size_t k = 0; k < 5; ++k)
      o << (k ? ", " : " ") << format_significant(h.cls_exp[k], 4) << " +- " << format_significant(h.cls_exp_error[k], 2);
    o << "; failed fits " << h.failed_fits() << "\n";
  }
  if (r.limit) {
    const auto& l = *r.limit;
    o << fmt::format("  upper limit ({} CL, {} grid points): observed {} +- {}; expected", format_percent(l.cl), l.scan.size(),
                     format_significant(l.observed.value, 4), format_significant(l.observed.error, 2));
    for (std::size_t k = 0; k < 5; ++k) {
      const auto& e = l.expected[k];
      o << (k ? ", " : " ") << format_significant(e.value, 4);
      if (std::isfinite(e.error)) o << " +- " << format_significant(e.error, 2);
    }
    o << " (-2..+2 sigma)\n";
  }
  if (r.significance) {
    const auto& s = *r.significance;
    o << fmt::format("  discovery: q0 {}  p0 {}  Z {}  (asymptotic p0 {}, Z {})\n", format_significant(s.q0_obs, 4),
                     pvalue_text(s.p0), format_significant(s.z, 3), format_significant(s.p0_asymptotic, 3),
                     format_significant(s.z_asymptotic, 3));
  }
  if (r.pulls) {
    o << fmt::format("  pulls ({} toys, {} CL intervals; failed fits {}):\n", r.pulls->ntoys, format_percent(r.pulls->confidence_level),
                     r.pulls->failed_fits);
    const int fitted = r.pulls->ntoys - r.pulls->failed_fits;
    for (const auto& p : r.pulls->parameters) {
      o << fmt::format("    {:<24} mean {:>7} +- {:<6} width {:>6} +- {:<6} coverage {} (MINOS {})", p.name,
                       format_significant(p.pull_mean, 3), format_significant(p.pull_mean_error, 2),
                       format_significant(p.pull_width, 3), format_significant(p.pull_width_error, 2),
                       format_significant(p.coverage_hessian, 3), std::isfinite(p.coverage_minos) ? format_significant(p.coverage_minos, 3) : "-");
      // Toys whose fit held the parameter at a bound have no error: the figures are of the others
      // (one-sided when the generating value is at the bound).
      if (p.toys < fitted) o << fmt::format("; of {} toys only: {} fits held it at a bound", p.toys, fitted - p.toys);
      o << "\n";
    }
  }
  if (r.gof) {
    o << fmt::format("  goodness of fit: chi2 {} ({} dof), toy p {} (asymptotic {}); failed fits {}\n",
                     format_significant(r.gof->chi2_obs, 4), r.gof->dof, pvalue_text(r.gof->p_value),
                     format_significant(r.gof->p_value_asymptotic, 3), r.gof->failed_fits);
  }
  if (!r.ok()) o << "  PROBLEMS: " << r.problems() << "\n";
  return o.str();
}

std::function<void(long, long)> toy_progress_line(std::ostream& err, bool enabled) {
  if (!enabled) return {};
  auto start = std::make_shared<Clock::time_point>(Clock::now());
  auto last_planned = std::make_shared<long>(-1);
  return [&err, start, last_planned](long done, long planned) {
    if (planned != *last_planned || done <= 0) {
      *start = Clock::now();
      *last_planned = planned;
    }
    const double t = std::chrono::duration<double>(Clock::now() - *start).count();
    const double rate = t > 0 ? done / t : 0.0;
    err << "\rtoys: " << done << "/" << planned << "  " << format_significant(rate, 3) << " toys/s  ETA "
        << format_seconds(rate > 0 ? (planned - done) / rate : 0.0) << "    " << (done == planned ? "\n" : "") << std::flush;
  };
}

// --- plots ----------------------------------------------------------------------------------

namespace {

using detail::Axis;
using detail::Svg;

constexpr double kInvSqrt2Pi = 0.3989422804014327;

/// Asymptotic density of the statistic (Cowan et al. 2011, eqs. 49-50, 64-65) when the true POI
/// is the tested one (`null`) or the alternative (mu' = 0, mu' = 1 for q0), for sqrt(qA).
double asymptotic_density(infer::TestStatistic s, bool null, double q, double sqa) {
  if (q <= 0.0) return 0.0;
  const double rq = std::sqrt(q);
  const double shift = null ? 0.0 : sqa;
  if (s != infer::TestStatistic::kQTildeMu || q <= sqa * sqa)
    return 0.5 * kInvSqrt2Pi / rq * std::exp(-0.5 * (rq - shift) * (rq - shift));
  const double qa = sqa * sqa;
  const double centre = null ? -qa : qa;
  return kInvSqrt2Pi / (2.0 * sqa) * std::exp(-(q - centre) * (q - centre) / (8.0 * qa));
}

struct Histogram {
  double lo = 0.0, hi = 1.0;
  std::vector<double> density;
};

Histogram histogram(const std::vector<double>& values, double lo, double hi, int bins) {
  Histogram h{lo, hi, std::vector<double>(static_cast<std::size_t>(bins), 0.0)};
  int n = 0;
  for (const double v : values) {
    if (std::isnan(v)) continue;
    ++n;
    const int b = static_cast<int>(std::floor((v - lo) / (hi - lo) * bins));
    if (b >= 0 && b < bins) h.density[static_cast<std::size_t>(b)] += 1.0;
  }
  const double width = (hi - lo) / bins;
  for (auto& d : h.density) d = n > 0 ? d / (n * width) : 0.0;
  return h;
}

/// Filled (translucent) or, with `outline`, a step line only: two filled histograms overlaid blend
/// into a third colour that the legend does not show.
void draw_histogram(Svg& svg, const Axis& x, const Axis& y, const Histogram& h, const std::string& colour, bool outline = false) {
  std::vector<std::pair<double, double>> pts;
  const int bins = static_cast<int>(h.density.size());
  const double width = (h.hi - h.lo) / bins;
  pts.push_back({x.map(h.lo), y.map(0.0)});
  for (int b = 0; b < bins; ++b) {
    const double d = std::min(h.density[static_cast<std::size_t>(b)], y.hi);
    pts.push_back({x.map(h.lo + b * width), y.map(d)});
    pts.push_back({x.map(h.lo + (b + 1) * width), y.map(d)});
  }
  pts.push_back({x.map(h.hi), y.map(0.0)});
  svg.polyline(pts, outline ? detail::Style{colour, 1.8, "none", "", 1} : detail::Style{colour, 1.4, colour, "", 0.35});
}

std::string distribution_plot(const infer::ToyHypotestResult& h, const std::string& poi) {
  const double width = 640, height = 420, left = 70, right = 30, top = 56, bottom = 56;
  Svg svg(width, height);
  const auto null = h.null.sorted(), alt = h.alternative.sorted();
  double hi = std::max(1.0, 1.3 * (std::isfinite(h.q_obs) ? h.q_obs : 0.0));
  for (const auto* v : {&null, &alt})
    if (!v->empty()) hi = std::max(hi, infer::percentile_linear(*v, 0.99));
  const int bins = 40;
  const Histogram hn = histogram(h.null.q, 0.0, hi, bins), ha = histogram(h.alternative.q, 0.0, hi, bins);
  double ymax = 0.0;
  for (int b = 1; b < bins; ++b)
    ymax = std::max({ymax, hn.density[static_cast<std::size_t>(b)], ha.density[static_cast<std::size_t>(b)]});
  Axis x{0.0, hi, left, width - right};
  Axis y{0.0, std::max(1e-3, 1.25 * ymax), height - bottom, top};
  y.nice();
  svg.text(left, 22, "Toy distributions of " + infer::to_string(h.statistic) + " at " + poi + " = " + format_shortest(h.mu),
           {.size = 14, .bold = true});
  svg.text(left, 40,
           fmt::format("{} + {} toys; CLs = {} (asymptotic {}); lines: asymptotic densities", h.null.q.size(),
                       h.alternative.q.size(), format_significant(h.cls, 4), format_significant(h.asymptotic.cls_obs, 4)),
           {.size = 11, .fill = "#555"});
  detail::draw_axes(svg, x, y, infer::to_string(h.statistic), "density");
  svg.begin_clip(left, top, width - left - right, height - top - bottom);
  draw_histogram(svg, x, y, ha, "#e08a1e");
  draw_histogram(svg, x, y, hn, "#2b6cb0", true);
  const double sqa = std::sqrt(std::max(0.0, h.asymptotic.q_asimov));
  if (std::isfinite(sqa) && sqa > 0.0)
    for (const bool is_null : {true, false}) {
      std::vector<std::pair<double, double>> pts;
      for (int k = 1; k <= 200; ++k) {
        const double q = hi * k / 200.0;
        pts.push_back({x.map(q), y.map(std::min(y.hi, asymptotic_density(h.statistic, is_null, q, sqa)))});
      }
      svg.polyline(pts, {is_null ? "#1a4480" : "#a85d00", 1.6, "none", "5 3", 1});
    }
  if (std::isfinite(h.q_obs)) svg.line(x.map(h.q_obs), y.map(0.0), x.map(h.q_obs), y.map(y.hi), {"#c53030", 2, "none", "", 1});
  svg.end_clip();
  // The scale leaves out the first bin (the toys at q = 0 of a one-sided statistic): say what it holds.
  const double first_width = hi / bins;
  if (hn.density[0] > y.hi || ha.density[0] > y.hi)
    svg.text(x.map(hi / bins) + 6, top + 12,
             "first bin (off scale): null " + format_percent(hn.density[0] * first_width) + ", alternative " +
                 format_percent(ha.density[0] * first_width),
             {.size = 10, .fill = "#555"});
  const double lx = width - right - 190;
  svg.line(lx, top + 13, lx + 14, top + 13, {"#2b6cb0", 1.8, "none", "", 1});
  svg.text(lx + 20, top + 17, "null (" + poi + " = " + format_shortest(h.null.generated_poi) + ")", {.size = 11});
  svg.rect(lx, top + 26, 14, 10, {"#e08a1e", 1, "#e08a1e", "", 0.5});
  svg.text(lx + 20, top + 35, "alternative (" + poi + " = " + format_shortest(h.alternative.generated_poi) + ")", {.size = 11});
  svg.line(lx, top + 49, lx + 14, top + 49, {"#c53030", 2, "none", "", 1});
  svg.text(lx + 20, top + 53, "observed", {.size = 11});
  return svg.str();
}

std::string pull_plot(const infer::PullStudyResult& p, std::size_t a) {
  const double width = 560, height = 380, left = 64, right = 24, top = 56, bottom = 52;
  Svg svg(width, height);
  std::vector<double> v(static_cast<std::size_t>(p.pulls.rows()));
  for (Eigen::Index k = 0; k < p.pulls.rows(); ++k) v[static_cast<std::size_t>(k)] = p.pulls(k, static_cast<Eigen::Index>(a));
  const Histogram h = histogram(v, -4.0, 4.0, 32);
  double ymax = 0.45;
  for (const double d : h.density) ymax = std::max(ymax, d);
  Axis x{-4.0, 4.0, left, width - right};
  Axis y{0.0, 1.15 * ymax, height - bottom, top};
  y.nice();
  const auto& pp = p.parameters[a];
  const int fitted = p.ntoys - p.failed_fits;
  svg.text(left, 22,
           "Pulls of " + pp.name + " (" + std::to_string(pp.toys) + " toys" +
               (pp.toys < fitted ? "; " + std::to_string(fitted - pp.toys) + " more fits held it at a bound" : std::string{}) + ")",
           {.size = 14, .bold = true});
  svg.text(left, 40,
           fmt::format("mean {} ± {}, width {} ± {}, Hessian coverage {}; line: N(0, 1)", format_significant(pp.pull_mean, 3),
                       format_significant(pp.pull_mean_error, 2), format_significant(pp.pull_width, 3),
                       format_significant(pp.pull_width_error, 2), format_significant(pp.coverage_hessian, 3)),
           {.size = 11, .fill = "#555"});
  detail::draw_axes(svg, x, y, "(θ̂ − θ_gen) / σ̂", "density");
  draw_histogram(svg, x, y, h, "#2b6cb0");
  std::vector<std::pair<double, double>> pts;
  for (int k = 0; k <= 160; ++k) {
    const double t = -4.0 + 8.0 * k / 160.0;
    pts.push_back({x.map(t), y.map(kInvSqrt2Pi * std::exp(-0.5 * t * t))});
  }
  svg.polyline(pts, {"#c53030", 1.6, "none", "5 3", 1});
  return svg.str();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> toy_plots(const ToysResults& r) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : r.hypotests)
    out.emplace_back("toys_" + infer::to_string(h.statistic) + "_" + file_stem(r.poi) + "_" + file_stem(format_shortest(h.mu)) + ".svg",
                     distribution_plot(h, r.poi));
  if (r.pulls)
    for (std::size_t a = 0; a < r.pulls->parameters.size() && a < 12; ++a)
      out.emplace_back("toys_pulls_" + file_stem(r.pulls->parameters[a].name) + ".svg", pull_plot(*r.pulls, a));
  std::set<std::string> used;
  for (auto& [file, svg] : out) file = unique_file_name(used, file);
  return out;
}

}  // namespace hessfit::configs
