// report.md: the fit for people, with the plots embedded (relative links, so the folder can be
// moved or attached to a note as a whole).
#include <algorithm>
#include <cmath>
#include <sstream>

#include "report_common.hpp"
#include "strings.hpp"

namespace hessfit::configs {

namespace {

std::string code(const std::string& s) {
  std::string out = "`";
  for (const char c : s) out += c == '`' ? '\'' : c;
  return out + "`";
}

std::string cell(const std::string& s) {
  std::string out;
  for (const char c : s) out += c == '|' ? std::string("\\|") : std::string(1, c);
  return out;
}

}  // namespace

std::string markdown_report(const Report& report, const std::vector<PlotFile>& plots) {
  const fit::FitResult& r = report.result;
  const FitSetup& s = report.setup;
  const auto& m = r.minimum;
  const auto& cov = r.covariance;
  std::ostringstream md;
  auto embed = [&](Plot kind) {
    for (const auto& p : plots)
      if (p.kind == kind) md << "\n![" << p.title << "](" << p.file_name << ")\n";
  };

  md << "# Fit: " << report.config.title << "\n\n";
  md << s.description << ".\n\n";
  md << "**Status: " << (r.ok() ? "ok" : "problems") << "**";
  if (!r.ok()) md << " \u2014 " << r.problems();
  md << "\n\n";

  md << "## Minimum\n\n| | |\n|---|---|\n";
  md << "| minimiser | " << fit::to_string(m.method) << " |\n";
  const std::string termination = fit::to_string(m.termination);
  md << "| termination | " << (m.message.rfind(termination, 0) == 0 ? cell(m.message) : termination + " (" + cell(m.message) + ")") << " |\n";
  md << "| NLL = \u2212ln L (constants included) | " << format_spec("{:.10g}", m.fval) << " |\n";
  md << "| EDM = \u00bd g\u1d40H\u207b\u00b9g | " << format_spec("{:.3g}", m.edm) << " |\n";
  md << "| iterations / evaluations | " << m.iterations << " / " << m.evaluations << " |\n";
  md << "| covariance | " << fit::to_string(cov.status) << " (" << cell(cov.message) << ") |\n";
  md << "| smallest Hessian eigenvalue | " << format_spec("{:.4g}", cov.min_eigenvalue) << " (scaled " << format_spec("{:.3g}", m.min_scaled_eigenvalue)
     << ") |\n";
  md << "| condition number | " << format_spec("{:.3g}", cov.condition_number) << " |\n";
  if (r.restarts > 0) md << "| restarts from a lower profile point | " << r.restarts << " |\n";
  if (!s.warnings.empty()) {
    md << "\nWarnings:\n\n";
    for (const auto& w : s.warnings) md << "- " << w << "\n";
  }

  const auto rows = detail::parameter_rows(report);
  const bool any_minos = std::any_of(rows.begin(), rows.end(), [](const auto& row) { return row.minos != nullptr; });
  const bool any_pull = std::any_of(rows.begin(), rows.end(), [](const auto& row) { return row.pull.has_value(); });
  md << "\n## Parameters\n\n";
  md << "| parameter | value | \u00b1 error |";
  if (any_minos) md << " MINOS \u2212 | MINOS + |";
  if (any_pull) md << " pull | constraint |";
  md << " flags |\n|---|--:|--:|";
  if (any_minos) md << "--:|--:|";
  if (any_pull) md << "--:|--:|";
  md << "---|\n";
  for (const auto& row : rows) {
    md << "| " << code(row.name) << " | " << format_spec("{:.6g}", row.value) << " | "
       << (row.error > 0.0 || std::isnan(row.error) ? format_spec("{:.4g}", row.error) : "\u2013") << " |";
    if (any_minos)
      md << " " << (row.minos ? detail::minos_text(row.minos->lower, false) : "") << " | "
         << (row.minos ? detail::minos_text(row.minos->upper, true) : "") << " |";
    if (any_pull)
      md << " " << (row.pull ? format_spec("{:+.3f}", *row.pull) : "") << " | " << (row.constraint_ratio ? format_spec("{:.3f}", *row.constraint_ratio) : "")
         << " |";
    std::string flags;
    for (const auto& f : row.flags) detail::append_joined(flags, ", ", f);
    md << " " << flags << " |\n";
  }
  md << "\nErrors from the exact Hessian (covariance = 2\u00b7up\u00b7H\u207b\u00b9, up = " << format_spec("{:g}", s.objective().errordef()) << ").";
  if (any_minos) md << " MINOS: signed offsets from the best fit at " << format_percent(s.options.minos_options.confidence_level) << " CL.";
  if (any_pull) md << " Pull = (value \u2212 constraint centre) / pre-fit \u03c3; constraint = post-fit \u03c3 / pre-fit \u03c3.";
  md << "\n";
  embed(Plot::kPulls);

  const auto pairs = detail::top_correlations(report, 15, 0.0);
  if (!pairs.empty()) {
    md << "\n## Correlations\n\nMost correlated pairs:\n\n| parameter | parameter | \u03c1 |\n|---|---|--:|\n";
    for (const auto& p : pairs) md << "| " << code(p.a) << " | " << code(p.b) << " | " << format_spec("{:+.3f}", p.rho) << " |\n";
    embed(Plot::kCorrelation);
  }

  if (!r.scans.empty()) {
    md << "\n## Profile scans\n\n\u0394NLL = NLL(profile) \u2212 NLL(minimum) (not twice it).\n";
    for (const auto& sc : r.scans) {
      if (sc.points.empty()) continue;
      md << "\n### " << sc.name << "\n\n";
      md << sc.points.size() << " points over [" << format_spec("{:.5g}", sc.points.front().value) << ", " << format_spec("{:.5g}", sc.points.back().value)
         << "]" << (sc.all_converged() ? "" : "; **not all points converged**") << ", " << format_spec("{:.3f}", sc.time_seconds) << " s.\n";
      for (const auto& p : plots)
        if (p.kind == Plot::kScans && p.title == "Profile scan of " + sc.name) md << "\n![" << p.title << "](" << p.file_name << ")\n";
    }
  }

  if (!r.contours.empty()) {
    md << "\n## Contours\n\n| parameters | CL | \u0394NLL | points | status |\n|---|--:|--:|--:|---|\n";
    for (const auto& k : r.contours)
      md << "| " << code(k.x_name) << ", " << code(k.y_name) << " | " << format_percent(k.confidence_level) << " | " << format_spec("{:.4g}", k.threshold)
         << " | " << k.points.size() << " | " << (k.ok() ? "ok" : "not all found") << " |\n";
    embed(Plot::kContours);
  }

  if (r.impacts) {
    const auto& im = *r.impacts;
    const bool prefit = s.options.impacts_options.prefit;
    md << "\n## Impacts on " << code(im.poi) << "\n\n";
    md << code(im.poi) << " = " << format_spec("{:.6g}", im.poi_value) << " \u00b1 " << format_spec("{:.4g}", im.poi_error)
       << ". \u0394 = shift of the refitted POI with the parameter fixed at its best fit \u00b1 its post-fit (pre-fit) \u03c3.\n\n";
    md << "| # | parameter | +\u03c3 post-fit | \u2212\u03c3 post-fit |";
    if (prefit) md << " +\u03c3 pre-fit | \u2212\u03c3 pre-fit |";
    md << " covariance |\n|--:|---|--:|--:|";
    if (prefit) md << "--:|--:|";
    md << "--:|\n";
    const std::size_t n = std::min<std::size_t>(im.impacts.size(), 20);
    for (std::size_t i = 0; i < n; ++i) {
      const auto& x = im.impacts[i];
      md << "| " << i + 1 << " | " << code(x.name) << " | " << format_spec("{:+.4g}", x.postfit_up.delta_poi) << " | "
         << format_spec("{:+.4g}", x.postfit_down.delta_poi) << " |";
      if (prefit) md << " " << format_spec("{:+.4g}", x.prefit_up.delta_poi) << " | " << format_spec("{:+.4g}", x.prefit_down.delta_poi) << " |";
      md << " " << format_spec("{:+.4g}", x.covariance_postfit) << " |\n";
    }
    if (im.impacts.size() > n) md << "\n" << im.impacts.size() - n << " more in `results.json`.\n";
    embed(Plot::kImpacts);
  }

  if (report.postfit != nullptr) {
    md << "\n" << markdown_sections(*report.postfit);
    for (const auto& p : plots)
      if (p.kind == Plot::kYields) md << "![" << p.title << "](" << p.file_name << ")\n\n";
  }

  if (report.inference != nullptr) {
    const InferenceResults& inf = *report.inference;
    md << "\n## Hypothesis tests\n\nAsymptotic formulae (Cowan et al. 2011) with pyhf's conventions: test statistic "
       << code(infer::to_string(inf.statistic)) << ", Asimov data " << infer::to_string(inf.asimov)
       << ", expected band at exactly \u00b11\u03c3 and \u00b12\u03c3 of the background-only test statistic (pyhf's; Combine quotes the "
          "2.5/16/84/97.5% quantiles of the limit, slightly narrower at \u00b12\u03c3).\n";
    if (!inf.hypotests.empty()) {
      md << "\n| " << code(inf.poi) << " | CLs | CLs+b | CLb | expected CLs \u22122\u03c3 | \u22121\u03c3 | median | +1\u03c3 | +2\u03c3 | "
            "q | q (Asimov) |\n|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n";
      for (const auto& h : inf.hypotests) {
        md << "| " << format_spec("{:.6g}", h.mu) << " | " << format_spec("{:.5g}", h.cls_obs) << " | " << format_spec("{:.5g}", h.clsb_obs)
           << " | " << format_spec("{:.5g}", h.clb_obs);
        for (const double c : h.cls_exp) md << " | " << format_spec("{:.5g}", c);
        md << " | " << format_spec("{:.6g}", h.q_obs) << " | " << format_spec("{:.6g}", h.q_asimov) << " |\n";
      }
    }
    if (inf.limit) {
      const auto& l = *inf.limit;
      md << "\nUpper limits on " << code(inf.poi) << " at " << format_percent(l.cl) << " CL (CLs):\n\n"
         << "| observed | expected \u22122\u03c3 | \u22121\u03c3 | median | +1\u03c3 | +2\u03c3 |\n|--:|--:|--:|--:|--:|--:|\n| "
         << format_spec("{:.6g}", l.observed.value) << (l.observed.past_bound ? "\\*" : "");
      for (const auto& e : l.expected) md << " | " << format_spec("{:.6g}", e.value) << (e.past_bound ? "\\*" : "");
      md << " |\n";
      if (l.observed.past_bound || std::any_of(l.expected.begin(), l.expected.end(), [](const auto& e) { return e.past_bound; }))
        md << "\n\\* beyond the POI's upper bound " << format_spec("{:g}", l.poi_upper_bound) << " (searched past it, as pyhf does).\n";
      if (!l.ok()) md << "\n**Problems:** " << l.problems() << "\n";
      embed(Plot::kCls);
    }
    if (inf.significance) {
      const auto& sg = *inf.significance;
      md << "\nDiscovery significance (q0; expected: Asimov data of " << code(inf.poi) << " = 1):\n\n| | q0 | p0 | Z |\n|---|--:|--:|--:|\n"
         << "| observed | " << format_spec("{:.6g}", sg.observed.q0) << " | " << format_spec("{:.4g}", sg.observed.p0) << " | "
         << format_spec("{:.4g}", sg.observed.z) << " |\n| expected | " << format_spec("{:.6g}", sg.expected.q0) << " | "
         << format_spec("{:.4g}", sg.expected.p0) << " | " << format_spec("{:.4g}", sg.expected.z) << " |\n";
    }
    if (!inf.ok()) md << "\n**Problems:** " << inf.problems() << "\n";
  }

  if (report.toys != nullptr) {
    md << "\n## Toys\n\nPseudo-experiments (per-toy values in `toys.json`); p-values are fractions of the toys whose fits "
          "converged, ties counted, with binomial errors; failed fits are counted, never dropped silently.\n\n```\n"
       << text_summary(*report.toys) << "```\n";
    for (const auto& [file, svg] : toy_plots(*report.toys)) md << "\n![" << file << "](" << file << ")\n";
  }

  const auto& t = r.timing;
  md << "\n## Timing (wall seconds)\n\n| load | minimise | covariance | MINOS | scans | contours | impacts | fit total |\n"
        "|--:|--:|--:|--:|--:|--:|--:|--:|\n";
  md << "| " << format_spec("{:.3f}", report.timing.load) << " | " << format_spec("{:.3f}", t.minimize) << " | " << format_spec("{:.3f}", t.covariance) << " | "
     << format_spec("{:.3f}", t.minos) << " | " << format_spec("{:.3f}", t.scans) << " | " << format_spec("{:.3f}", t.contours) << " | " << format_spec("{:.3f}", t.impacts)
     << " | " << format_spec("{:.3f}", t.total) << " |\n";

  md << "\n<details><summary>Resolved configuration</summary>\n\n```json\n" << to_json(report.config).dump(2) << "\n```\n\n</details>\n";
  return md.str();
}

}  // namespace hessfit::configs
