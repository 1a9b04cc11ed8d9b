// The terminal summary (also written as summary.txt).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "report_common.hpp"
#include "strings.hpp"

namespace hessfit::configs {

namespace {

std::string pad(const std::string& s, std::size_t width, bool right = false) {
  if (s.size() >= width) return s;
  return right ? std::string(width - s.size(), ' ') + s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string text_summary(const Report& report) {
  const fit::FitResult& r = report.result;
  const Config& c = report.config;
  std::ostringstream out;
  out << "hessfit fit: " << c.title << "\n";
  out << "model: " << report.setup.description << "\n";

  const auto& m = r.minimum;
  out << "minimum: " << fit::to_string(m.termination) << " (" << fit::to_string(m.method) << "), NLL = " << format_spec("{:.10g}", m.fval)
      << ", EDM = " << format_spec("{:.3g}", m.edm) << ", " << m.iterations << " iterations, " << m.evaluations << " evaluations\n";
  if (!m.converged()) out << "  " << m.message << "\n";
  const auto& cov = r.covariance;
  out << "covariance: " << fit::to_string(cov.status) << ", smallest Hessian eigenvalue " << format_spec("{:.4g}", cov.min_eigenvalue)
      << " (scaled " << format_spec("{:.3g}", m.min_scaled_eigenvalue) << "), condition number " << format_spec("{:.3g}", cov.condition_number) << "\n";
  if (!cov.accurate()) {
    out << "  " << cov.message << "\n";
    for (const auto& dir : cov.offending) {
      out << "  eigenvalue " << format_spec("{:.3g}", dir.eigenvalue) << " along";
      for (const auto& p : dir.dominant) out << " " << p.name << " (" << format_spec("{:+.2f}", p.component) << ")";
      out << "\n";
    }
  }
  if (r.restarts > 0) out << "restarts: " << r.restarts << " (a profile fit found a lower minimum; everything was recomputed from it)\n";

  // Parameter table.
  const auto rows = detail::parameter_rows(report);
  std::size_t w = 9;
  for (const auto& row : rows) w = std::max(w, std::min<std::size_t>(row.name.size(), 48));
  const bool any_minos = std::any_of(rows.begin(), rows.end(), [](const auto& row) { return row.minos != nullptr; });
  const bool any_pull = std::any_of(rows.begin(), rows.end(), [](const auto& row) { return row.pull.has_value(); });
  out << "\n" << pad("parameter", w) << "  " << pad("value", 13, true) << "  " << pad("error", 10, true);
  if (any_minos) out << "  " << pad("minos-", 18, true) << "  " << pad("minos+", 18, true);
  if (any_pull) out << "  " << pad("pull", 7, true) << "  " << pad("constr", 6, true);
  out << "  flags\n";
  std::size_t fixed = 0;
  for (const auto& row : rows) {
    out << pad(row.name, w) << "  " << pad(format_spec("{:.7g}", row.value), 13, true) << "  "
        << pad(row.error > 0.0 || std::isnan(row.error) ? format_spec("{:.4g}", row.error) : "-", 10, true);
    if (any_minos) {
      out << "  " << pad(row.minos ? detail::minos_text(row.minos->lower, false) : "", 18, true) << "  "
          << pad(row.minos ? detail::minos_text(row.minos->upper, true) : "", 18, true);
    }
    if (any_pull) {
      out << "  " << pad(row.pull ? format_spec("{:+.3f}", *row.pull) : "", 7, true) << "  "
          << pad(row.constraint_ratio ? format_spec("{:.3f}", *row.constraint_ratio) : "", 6, true);
    }
    std::string flags;
    for (const auto& f : row.flags) detail::append_joined(flags, ", ", f);
    out << "  " << flags << "\n";
    fixed += row.fixed ? 1 : 0;
  }
  if (any_minos) out << "MINOS at " << format_percent(r.minos.confidence_level) << " CL: signed offsets from the best fit\n";
  if (any_pull) out << "pull = (value - constraint centre) / pre-fit sigma; constr = post-fit / pre-fit sigma\n";

  // Correlations.
  const auto pairs = detail::top_correlations(report, 10, 0.2);
  if (!pairs.empty()) {
    out << "\nmost correlated pairs (|rho| >= 0.2):\n";
    std::size_t wa = 0, wb = 0;
    for (const auto& p : pairs) {
      wa = std::max(wa, p.a.size());
      wb = std::max(wb, p.b.size());
    }
    for (const auto& p : pairs) out << "  " << pad(p.a, wa) << "  " << pad(p.b, wb) << "  " << format_spec("{:+.3f}", p.rho) << "\n";
  }

  // Scans and contours, briefly.
  if (!r.scans.empty() || !r.contours.empty()) out << "\n";
  for (const auto& s : r.scans) {
    if (s.points.empty()) continue;
    out << "profile scan of " << s.name << ": " << s.points.size() << " points over [" << format_spec("{:.4g}", s.points.front().value) << ", "
        << format_spec("{:.4g}", s.points.back().value) << "]";
    double max_delta = 0.0;
    for (const auto& p : s.points) max_delta = std::max(max_delta, p.delta);
    out << ", max dNLL " << format_spec("{:.3g}", max_delta) << (s.all_converged() ? "" : ", NOT all points converged") << "\n";
  }
  for (const auto& k : r.contours) {
    out << "contour of " << k.x_name << " and " << k.y_name << " at " << format_percent(k.confidence_level) << " CL: " << k.points.size()
        << " points" << (k.ok() ? "" : ", NOT all found") << "\n";
  }

  // Impacts.
  if (r.impacts) {
    const auto& im = *r.impacts;
    const std::size_t n = std::min<std::size_t>(im.impacts.size(), 10);
    out << "\ntop impacts on " << im.poi << " = " << format_spec("{:.6g}", im.poi_value) << " +- " << format_spec("{:.4g}", im.poi_error)
        << " (refits with the parameter at its best fit +- post-fit sigma):\n";
    std::size_t wn = 9;
    for (std::size_t i = 0; i < n; ++i) wn = std::max(wn, im.impacts[i].name.size());
    out << "  " << pad("parameter", wn) << "  " << pad("+sigma", 10, true) << "  " << pad("-sigma", 10, true);
    if (report.setup.options.impacts_options.prefit) out << "  " << pad("prefit+", 10, true) << "  " << pad("prefit-", 10, true);
    out << "\n";
    for (std::size_t i = 0; i < n; ++i) {
      const auto& x = im.impacts[i];
      out << "  " << pad(x.name, wn) << "  " << pad(format_spec("{:+.4g}", x.postfit_up.delta_poi), 10, true) << "  "
          << pad(format_spec("{:+.4g}", x.postfit_down.delta_poi), 10, true);
      if (report.setup.options.impacts_options.prefit)
        out << "  " << pad(format_spec("{:+.4g}", x.prefit_up.delta_poi), 10, true) << "  " << pad(format_spec("{:+.4g}", x.prefit_down.delta_poi), 10, true);
      out << "\n";
    }
    if (im.impacts.size() > n) out << "  ... " << im.impacts.size() - n << " more in results.json\n";
  }

  if (report.postfit != nullptr) out << "\n" << text_section(*report.postfit);
  if (report.inference != nullptr) out << "\n" << text_summary(*report.inference);
  if (report.toys != nullptr) out << "\n" << text_summary(*report.toys);

  const auto& t = r.timing;
  out << "\ntime: load " << format_seconds(report.timing.load) << ", minimise " << format_seconds(t.minimize) << ", covariance " << format_seconds(t.covariance);
  if (!r.minos.intervals.empty()) out << ", MINOS " << format_seconds(t.minos);
  if (!r.scans.empty()) out << ", scans " << format_seconds(t.scans);
  if (!r.contours.empty()) out << ", contours " << format_seconds(t.contours);
  if (r.impacts) out << ", impacts " << format_seconds(t.impacts);
  out << "; fit total " << format_seconds(t.total);
  if (report.inference != nullptr) out << "; inference " << format_seconds(report.inference->time_seconds);
  if (report.postfit != nullptr) out << "; yields/GoF/breakdown " << format_seconds(report.postfit->time_seconds);
  out << "\n";
  const bool inference_ok = report.inference == nullptr || report.inference->ok();
  const bool toys_ok = report.toys == nullptr || report.toys->ok();
  std::string problems = r.problems();
  if (!inference_ok) problems += (problems.empty() ? "" : "; ") + report.inference->problems();
  if (!toys_ok) problems += (problems.empty() ? "" : "; ") + report.toys->problems();
  out << "status: " << (r.ok() && inference_ok && toys_ok ? std::string("ok") : "PROBLEMS: " + problems) << "\n";
  // Trouble after the fit (a background-only fit that did not converge, a breakdown refit) is
  // reported on its own line: the fit's own results stand.
  if (report.postfit != nullptr && !report.postfit->ok()) out << "post-fit steps: PROBLEMS: " << report.postfit->problems() << "\n";
  return out.str();
}

}  // namespace hessfit::configs
