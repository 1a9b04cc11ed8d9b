// The report's plots, drawn by hand as SVG: pulls, correlation heatmap, profile scans,
// contours and the impact ranking.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <fmt/format.h>

#include "hessfit/fit/profile.hpp"
#include "report_common.hpp"
#include "svg.hpp"

namespace hessfit::configs {

namespace {

using detail::Axis;
using detail::Style;
using detail::Svg;
using detail::TextStyle;
using detail::text_width;

const char* const kInk = "#222";
const char* const kBlue = "#2b6cb0";
const char* const kRed = "#c53030";
const char* const kPalette[] = {"#2b6cb0", "#dd6b20", "#2f855a", "#c53030", "#6b46c1", "#975a16"};

std::string shorten(const std::string& s, std::size_t max_chars) {
  if (s.size() <= max_chars) return s;
  return s.substr(0, max_chars - 1) + "\u2026";
}


void title(Svg& svg, double x, const std::string& text, const std::string& subtitle = {}) {
  svg.text(x, 22, text, {.size = 15, .bold = true});
  if (!subtitle.empty()) svg.text(x, 40, subtitle, {.size = 11, .fill = "#555"});
}

// --- pulls ---------------------------------------------------------------------------------

std::optional<PlotFile> pulls_plot(const std::vector<detail::ParameterRow>& rows) {
  std::vector<const detail::ParameterRow*> shown;
  for (const auto& r : rows)
    if (r.pull) shown.push_back(&r);
  if (shown.empty()) return std::nullopt;
  double label_w = 0.0;
  for (const auto* r : shown) label_w = std::max(label_w, text_width(shorten(r->name, 48), 11));
  const double left = std::max(120.0, label_w + 20.0), plot_w = 440.0, row_h = 18.0, top = 60.0;
  const double height = top + row_h * static_cast<double>(shown.size()) + 56.0;
  const double width = left + plot_w + 30.0;
  Svg svg(width, height);
  title(svg, 12, "Pulls of the constrained parameters", "point: (fitted \u2212 centre) / pre-fit \u03c3;  bar: post-fit \u03c3 / pre-fit \u03c3");

  double extent = 3.0;
  for (const auto* r : shown) extent = std::max(extent, std::abs(*r->pull) + r->constraint_ratio.value_or(0.0));
  extent = std::min(std::ceil(extent), 5.0);
  Axis x{-extent, extent, left, left + plot_w};
  const double bottom = top + row_h * static_cast<double>(shown.size());
  svg.rect(x.map(-2), top, x.map(2) - x.map(-2), bottom - top, {"none", 1, "#fdf0b4", "", 1});
  svg.rect(x.map(-1), top, x.map(1) - x.map(-1), bottom - top, {"none", 1, "#b7e4c0", "", 1});
  // Frame and ticks on x only.
  for (const double t : x.ticks(static_cast<int>(2 * extent))) {
    svg.line(x.map(t), top, x.map(t), bottom, {t == 0.0 ? "#666" : "#ddd", 1, "none", t == 0.0 ? "" : "2 3", 1});
    svg.line(x.map(t), bottom, x.map(t), bottom + 5, {"#444", 1, "none", "", 1});
    svg.text(x.map(t), bottom + 18, detail::tick_label(t, 1.0), {.size = 11, .anchor = "middle"});
  }
  svg.rect(left, top, plot_w, bottom - top, {"#444", 1, "none", "", 1});
  svg.text(left + plot_w / 2, bottom + 38, "(\u03b8\u0302 \u2212 \u03b8\u2080) / \u03c3\u2080", {.size = 13, .anchor = "middle"});
  svg.begin_clip(left, top, plot_w, bottom - top);
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const auto* r = shown[i];
    const double cy = top + row_h * (static_cast<double>(i) + 0.5);
    if (r->constraint_ratio) {
      svg.line(x.map(*r->pull - *r->constraint_ratio), cy, x.map(*r->pull + *r->constraint_ratio), cy, {kInk, 1.6, "none", "", 1});
      for (const double e : {*r->pull - *r->constraint_ratio, *r->pull + *r->constraint_ratio})
        svg.line(x.map(e), cy - 4, x.map(e), cy + 4, {kInk, 1.2, "none", "", 1});
    }
    svg.circle(x.map(*r->pull), cy, 3.6, {"none", 1, kInk, "", 1},
               r->name + ": pull " + format_spec("{:+.3f}", *r->pull) + (r->constraint_ratio ? ", constraint " + format_spec("{:.3f}", *r->constraint_ratio) : ""));
  }
  svg.end_clip();
  for (std::size_t i = 0; i < shown.size(); ++i) {
    const double cy = top + row_h * (static_cast<double>(i) + 0.5);
    svg.text(left - 8, cy, shorten(shown[i]->name, 48), {.size = 11, .anchor = "end", .baseline = "middle"});
    // Out-of-range pulls: an arrow at the edge.
    const double p = *shown[i]->pull;
    if (std::abs(p) > extent) {
      const double ex = p > 0 ? left + plot_w - 6 : left + 6, d = p > 0 ? 5.0 : -5.0;
      svg.polyline({{ex - d, cy - 5}, {ex + d, cy}, {ex - d, cy + 5}}, {"none", 1, kRed, "", 1}, true);
    }
  }
  return PlotFile{Plot::kPulls, "pulls.svg", "Pulls of the constrained parameters", svg.str()};
}

// --- correlation ---------------------------------------------------------------------------

std::string diverging(double rho) {
  // Blue (-1) - white (0) - red (+1), linear in each half.
  const double t = std::clamp(std::abs(rho), 0.0, 1.0);
  const int r0 = 255, g0 = 255, b0 = 255;
  const int r1 = rho < 0 ? 33 : 178, g1 = rho < 0 ? 102 : 24, b1 = rho < 0 ? 172 : 43;
  return fmt::format("#{:02x}{:02x}{:02x}", std::lround(r0 + (r1 - r0) * t), std::lround(g0 + (g1 - g0) * t),
                     std::lround(b0 + (b1 - b0) * t));
}

std::optional<PlotFile> correlation_plot(const Report& report) {
  const fit::FitResult& r = report.result;
  const auto& cov = r.covariance;
  std::vector<int> all = cov.parameters;
  if (all.size() < 2 || (cov.correlation.rows() == 0 && cov.sparse_correlation.rows() == 0)) return std::nullopt;
  const int max_n = report.config.output.correlation_max_parameters;
  std::vector<int> chosen = all;
  const int poi = report.setup.poi().empty() ? -1 : report.setup.objective().find(report.setup.poi()).value_or(-1);
  if (static_cast<int>(all.size()) > max_n) {
    std::vector<double> strongest(r.names.size(), 0.0);
    cov.for_each_correlation([&](int i, int j, double rho) {
      if (!std::isfinite(rho)) return;
      strongest[static_cast<std::size_t>(i)] = std::max(strongest[static_cast<std::size_t>(i)], std::abs(rho));
      strongest[static_cast<std::size_t>(j)] = std::max(strongest[static_cast<std::size_t>(j)], std::abs(rho));
    });
    std::vector<std::pair<double, int>> score;
    for (const int i : all) score.push_back({i == poi ? 2.0 : strongest[static_cast<std::size_t>(i)], i});
    std::stable_sort(score.begin(), score.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
    chosen.clear();
    for (int k = 0; k < max_n; ++k) chosen.push_back(score[static_cast<std::size_t>(k)].second);
    std::sort(chosen.begin(), chosen.end());
  }
  const std::size_t n = chosen.size();
  const double cell = std::clamp(600.0 / static_cast<double>(n), 9.0, 40.0);
  const double font = std::clamp(cell * 0.7, 7.0, 11.0);
  double label_w = 0.0;
  for (const int i : chosen) label_w = std::max(label_w, text_width(shorten(r.names[static_cast<std::size_t>(i)], 40), font));
  const double left = label_w + 16.0, top = 56.0, size = cell * static_cast<double>(n);
  const double bottom_labels = label_w * std::sin(60.0 * M_PI / 180.0) + 20.0;
  const double width = left + size + 110.0, height = top + size + bottom_labels + 10.0;
  Svg svg(std::max(width, 420.0), height);
  const std::string sub = all.size() > n ? std::to_string(n) + " of " + std::to_string(all.size()) +
                                               " parameters: those most correlated with another (and the POI)"
                                         : std::to_string(n) + " free parameters";
  title(svg, 12, "Correlation matrix", sub);
  for (std::size_t a = 0; a < n; ++a) {
    for (std::size_t b = 0; b < n; ++b) {
      const double rho = cov.correlation_of(chosen[a], chosen[b]);
      const double x = left + cell * static_cast<double>(b), y = top + cell * static_cast<double>(a);
      svg.rect(x, y, cell, cell, {"#ffffff", 0.5, std::isfinite(rho) ? diverging(rho) : "#999", "", 1},
               r.names[static_cast<std::size_t>(chosen[a])] + " / " + r.names[static_cast<std::size_t>(chosen[b])] + ": " + format_spec("{:+.3f}", rho));
      if (cell >= 26.0 && std::isfinite(rho))
        svg.text(x + cell / 2, y + cell / 2, format_spec("{:.2f}", rho),
                 {.size = std::min(10.0, cell * 0.3), .anchor = "middle", .fill = std::abs(rho) > 0.6 ? "#fff" : "#222", .baseline = "middle"});
    }
  }
  svg.rect(left, top, size, size, {"#444", 1, "none", "", 1});
  for (std::size_t a = 0; a < n; ++a) {
    const std::string name = shorten(r.names[static_cast<std::size_t>(chosen[a])], 40);
    const double c = top + cell * (static_cast<double>(a) + 0.5);
    svg.text(left - 6, c, name, {.size = font, .anchor = "end", .bold = chosen[a] == poi, .baseline = "middle"});
    const double cx = left + cell * (static_cast<double>(a) + 0.5);
    svg.text(cx + font * 0.3, top + size + 8, name, {.size = font, .anchor = "end", .bold = chosen[a] == poi, .rotate = -60});
  }
  // Colour bar.
  const double bx = left + size + 30.0, bw = 16.0, bh = std::min(size, 240.0), by = top;
  const int steps = 40;
  for (int k = 0; k < steps; ++k) {
    const double rho = 1.0 - 2.0 * (k + 0.5) / steps;
    svg.rect(bx, by + bh * k / steps, bw, bh / steps + 0.5, {"none", 1, diverging(rho), "", 1});
  }
  svg.rect(bx, by, bw, bh, {"#444", 1, "none", "", 1});
  for (const double t : {1.0, 0.5, 0.0, -0.5, -1.0}) {
    const double y = by + bh * (1.0 - t) / 2.0;
    svg.line(bx + bw, y, bx + bw + 4, y, {"#444", 1, "none", "", 1});
    svg.text(bx + bw + 7, y, t == 0.0 ? std::string("0") : format_spec("{:+.1f}", t), {.size = 10, .baseline = "middle"});
  }
  return PlotFile{Plot::kCorrelation, "correlation.svg", "Correlation matrix", svg.str()};
}

// --- scans ---------------------------------------------------------------------------------

PlotFile scan_plot(const Report& report, const fit::ProfileScan& scan, const std::string& file_name) {
  const double up = report.setup.objective().errordef();
  const double width = 640, height = 420, left = 80, right = 150, top = 56, bottom = 62;
  Svg svg(width, height);
  title(svg, 12, "Profile likelihood scan of " + scan.name, "\u0394NLL with all other parameters refitted at each point");
  std::vector<std::pair<double, double>> pts;
  for (const auto& p : scan.points)
    if (std::isfinite(p.value) && std::isfinite(p.delta)) pts.push_back({p.value, p.delta});
  std::sort(pts.begin(), pts.end());
  double xmin = pts.empty() ? 0.0 : pts.front().first, xmax = pts.empty() ? 1.0 : pts.back().first;
  double ymax = 0.0;
  for (const auto& p : pts) ymax = std::max(ymax, p.second);
  std::vector<double> cls{report.setup.options.minos_options.confidence_level};
  if (std::abs(cls[0] - 0.95) > 1e-6) cls.push_back(0.95);
  std::vector<double> thresholds;
  for (const double cl : cls) thresholds.push_back(detail::delta_nll_threshold(cl, up));
  ymax = std::max(ymax, thresholds.front() * 1.5);
  Axis x{xmin, xmax, left, width - right};
  Axis y{0.0, ymax * 1.08, height - bottom, top};
  y.nice(6);
  y.lo = 0.0;
  detail::draw_axes(svg, x, y, scan.name, "\u0394NLL = \u2212\u0394 ln L");

  svg.begin_clip(left, top, width - left - right, height - top - bottom);
  // The parabola of the Hessian error, for comparison.
  const int i = report.setup.objective().find(scan.name).value_or(-1);
  const double sigma = i >= 0 ? report.result.covariance.errors[i] : std::nan("");
  if (std::isfinite(sigma) && sigma > 0.0) {
    std::vector<std::pair<double, double>> parabola;
    for (int k = 0; k <= 120; ++k) {
      const double v = xmin + (xmax - xmin) * k / 120.0;
      const double d = (v - scan.best_fit) / sigma;
      parabola.push_back({x.map(v), y.map(up * d * d)});
    }
    svg.polyline(parabola, {"#999", 1.4, "none", "5 4", 1});
  }
  for (std::size_t k = 0; k < cls.size(); ++k) {
    svg.line(left, y.map(thresholds[k]), width - right, y.map(thresholds[k]), {"#666", 1, "none", k == 0 ? "6 3" : "2 3", 1});
  }
  // MINOS interval.
  const fit::MinosInterval* minos = report.result.minos.find(scan.name);
  if (minos != nullptr) {
    for (const fit::MinosSide* side : {&minos->lower, &minos->upper}) {
      if (!std::isfinite(side->offset)) continue;
      const double v = minos->value + side->offset;
      svg.line(x.map(v), y.map(0), x.map(v), y.map(thresholds.front()), {kRed, 1.6, "none", "", 1});
    }
    if (std::isfinite(minos->lower.offset) && std::isfinite(minos->upper.offset))
      svg.line(x.map(minos->value + minos->lower.offset), y.map(thresholds.front()), x.map(minos->value + minos->upper.offset),
               y.map(thresholds.front()), {kRed, 2.4, "none", "", 0.8});
  }
  svg.line(x.map(scan.best_fit), y.map(0), x.map(scan.best_fit), top, {kBlue, 1, "none", "1 3", 1});
  std::vector<std::pair<double, double>> curve;
  for (const auto& [v, d] : pts) curve.push_back({x.map(v), y.map(d)});
  svg.polyline(curve, {kBlue, 2, "none", "", 1});
  for (const auto& p : scan.points) {
    if (!std::isfinite(p.delta)) continue;
    svg.circle(x.map(p.value), y.map(p.delta), 3.2, p.converged() ? Style{"none", 1, kBlue, "", 1} : Style{kRed, 1.5, "white", "", 1},
               scan.name + " = " + format_spec("{:.6g}", p.value) + ": \u0394NLL " + format_spec("{:.5g}", p.delta) + (p.converged() ? "" : " (not converged)"));
  }
  svg.end_clip();
  for (std::size_t k = 0; k < cls.size(); ++k) {
    if (thresholds[k] > y.hi) continue;
    svg.text(width - right + 6, y.map(thresholds[k]), format_percent(cls[k]) + " CL", {.size = 11, .fill = "#444", .baseline = "middle"});
  }
  // Legend.
  const double lx = width - right + 10;
  detail::Legend legend{svg, lx, top + 14};
  svg.line(lx, legend.y, lx + 22, legend.y, {kBlue, 2, "none", "", 1});
  svg.circle(lx + 11, legend.y, 3.2, {"none", 1, kBlue, "", 1});
  legend.label("profile");
  legend.line({"#999", 1.4, "none", "5 4", 1}, "Hessian");
  if (minos != nullptr) {
    double ly = legend.y;
    legend.line({kRed, 2.4, "none", "", 0.8}, "MINOS");
    for (const std::string& line : {"best " + format_spec("{:.4g}", minos->value), "lower " + format_spec("{:+.3g}", minos->lower.offset),
                                    "upper " + format_spec("{:+.3g}", minos->upper.offset)}) {
      ly += 15;
      svg.text(lx + 4, ly, line, {.size = 10, .fill = "#444", .baseline = "middle"});
    }
  }
  return PlotFile{Plot::kScans, file_name, "Profile scan of " + scan.name, svg.str()};
}

// --- contours ------------------------------------------------------------------------------

PlotFile contour_plot(const Report& report, const std::vector<const fit::Contour*>& group, const std::string& file_name) {
  const fit::Contour& first = *group.front();
  const double width = 600, height = 520, left = 84, right = 150, top = 56, bottom = 62;
  Svg svg(width, height);
  title(svg, 12, "Profile likelihood contours", first.x_name + " vs " + first.y_name + " (2 degrees of freedom)");
  const auto& cov = report.result.covariance;
  const int ix = first.x_index, iy = first.y_index;
  const double up = report.setup.objective().errordef();
  // The Hessian (Gaussian) ellipses: d = sqrt(q) L u, L the Cholesky factor of the 2x2 block.
  const double vxx = cov.covariance(ix, ix), vyy = cov.covariance(iy, iy), vxy = cov.covariance(ix, iy);
  const bool ellipse = std::isfinite(vxx) && std::isfinite(vyy) && std::isfinite(vxy) && vxx > 0 && vyy > 0 && vxx * vyy > vxy * vxy;
  std::vector<std::vector<std::pair<double, double>>> curves, ellipses;
  double xmin = first.x_best, xmax = first.x_best, ymin = first.y_best, ymax = first.y_best;
  for (const auto* k : group) {
    std::vector<std::pair<double, double>> c;
    for (const auto& p : k->points)
      if (std::isfinite(p.x) && std::isfinite(p.y)) {
        c.push_back({p.x, p.y});
        xmin = std::min(xmin, p.x), xmax = std::max(xmax, p.x), ymin = std::min(ymin, p.y), ymax = std::max(ymax, p.y);
      }
    curves.push_back(c);
    std::vector<std::pair<double, double>> e;
    if (ellipse) {
      const double q = k->threshold / up;
      const double l11 = std::sqrt(vxx), l21 = vxy / l11, l22 = std::sqrt(vyy - l21 * l21);
      for (int j = 0; j <= 96; ++j) {
        const double phi = 2 * M_PI * j / 96.0, u = std::cos(phi), v = std::sin(phi);
        const double ex = first.x_best + std::sqrt(q) * l11 * u, ey = first.y_best + std::sqrt(q) * (l21 * u + l22 * v);
        e.push_back({ex, ey});
        xmin = std::min(xmin, ex), xmax = std::max(xmax, ex), ymin = std::min(ymin, ey), ymax = std::max(ymax, ey);
      }
    }
    ellipses.push_back(e);
  }
  const double px = (xmax - xmin) * 0.08, py = (ymax - ymin) * 0.08;
  Axis x{xmin - px, xmax + px, left, width - right};
  Axis y{ymin - py, ymax + py, height - bottom, top};
  x.nice(6);
  y.nice(6);
  detail::draw_axes(svg, x, y, first.x_name, first.y_name);
  svg.begin_clip(left, top, width - left - right, height - top - bottom);
  for (std::size_t k = 0; k < group.size(); ++k) {
    const char* colour = kPalette[k % 6];
    std::vector<std::pair<double, double>> e, c;
    for (const auto& [a, b] : ellipses[k]) e.push_back({x.map(a), y.map(b)});
    for (const auto& [a, b] : curves[k]) c.push_back({x.map(a), y.map(b)});
    if (!e.empty()) svg.polyline(e, {colour, 1.2, "none", "4 4", 0.7}, true);
    svg.polyline(c, {colour, 2.2, "none", "", 1}, true);
  }
  svg.end_clip();
  for (std::size_t k = 0; k < group.size(); ++k)
    for (const auto& [a, b] : curves[k]) svg.circle(x.map(a), y.map(b), 2.2, {"none", 1, kPalette[k % 6], "", 1});
  const double bx = x.map(first.x_best), by = y.map(first.y_best);
  svg.line(bx - 6, by, bx + 6, by, {kInk, 2, "none", "", 1});
  svg.line(bx, by - 6, bx, by + 6, {kInk, 2, "none", "", 1});
  // Legend.
  const double lx = width - right + 10;
  detail::Legend legend{svg, lx, top + 14};
  for (std::size_t k = 0; k < group.size(); ++k)
    legend.line({kPalette[k % 6], 2.2, "none", "", 1}, format_percent(group[k]->confidence_level) + " CL");
  if (ellipse) legend.line({"#666", 1.2, "none", "4 4", 1}, "Hessian");
  svg.line(lx + 5, legend.y, lx + 17, legend.y, {kInk, 2, "none", "", 1});
  svg.line(lx + 11, legend.y - 6, lx + 11, legend.y + 6, {kInk, 2, "none", "", 1});
  legend.label("best fit");
  return PlotFile{Plot::kContours, file_name, "Contours of " + first.x_name + " and " + first.y_name, svg.str()};
}

// --- impacts -------------------------------------------------------------------------------

std::optional<PlotFile> impacts_plot(const Report& report, const std::vector<detail::ParameterRow>& rows) {
  if (!report.result.impacts || report.result.impacts->impacts.empty()) return std::nullopt;
  const auto& im = *report.result.impacts;
  const std::size_t n = std::min<std::size_t>(im.impacts.size(), static_cast<std::size_t>(report.config.output.impacts_max_parameters));
  const bool prefit = report.setup.options.impacts_options.prefit;
  std::map<std::string, const detail::ParameterRow*> by_name;
  for (const auto& r : rows) by_name[r.name] = &r;
  double label_w = 0.0;
  for (std::size_t i = 0; i < n; ++i) label_w = std::max(label_w, text_width(shorten(im.impacts[i].name, 44), 11));
  const double left = std::max(120.0, label_w + 36.0), pull_w = 190.0, gap = 30.0, impact_w = 380.0, row_h = 22.0, top = 92.0;
  const double height = top + row_h * static_cast<double>(n) + 60.0, width = left + pull_w + gap + impact_w + 40.0;
  Svg svg(width, height);
  title(svg, 12, "Impacts on " + im.poi,
        "ranked by the refit shift of " + im.poi + " with the parameter fixed at its best fit \u00b1 post-fit \u03c3");
  const double bottom = top + row_h * static_cast<double>(n);

  // Pull panel.
  Axis xp{-2.5, 2.5, left, left + pull_w};
  svg.rect(xp.map(-1), top, xp.map(1) - xp.map(-1), bottom - top, {"none", 1, "#e6f2e6", "", 1});
  for (const double t : {-2.0, -1.0, 0.0, 1.0, 2.0}) {
    svg.line(xp.map(t), top, xp.map(t), bottom, {t == 0.0 ? "#888" : "#ddd", 1, "none", t == 0.0 ? "" : "2 3", 1});
    svg.line(xp.map(t), bottom, xp.map(t), bottom + 5, {"#444", 1, "none", "", 1});
    svg.text(xp.map(t), bottom + 18, detail::tick_label(t, 1.0), {.size = 11, .anchor = "middle"});
  }
  svg.rect(left, top, pull_w, bottom - top, {"#444", 1, "none", "", 1});
  svg.text(left + pull_w / 2, bottom + 38, "(\u03b8\u0302 \u2212 \u03b8\u2080) / \u03c3\u2080", {.size = 12, .anchor = "middle"});

  // Impact panel.
  double extent = 0.0;
  for (std::size_t i = 0; i < n; ++i) {
    const auto& x = im.impacts[i];
    for (const double d : {x.postfit_up.delta_poi, x.postfit_down.delta_poi, prefit ? x.prefit_up.delta_poi : 0.0, prefit ? x.prefit_down.delta_poi : 0.0})
      if (std::isfinite(d)) extent = std::max(extent, std::abs(d));
  }
  if (!(extent > 0.0)) extent = 1.0;
  Axis xi{-extent * 1.1, extent * 1.1, left + pull_w + gap, left + pull_w + gap + impact_w};
  xi.nice(6);
  const double il = left + pull_w + gap;
  const auto it = xi.ticks(6);
  for (const double t : it) {
    svg.line(xi.map(t), top, xi.map(t), bottom, {t == 0.0 ? "#888" : "#e3e3e3", 1, "none", "", 1});
    svg.line(xi.map(t), bottom, xi.map(t), bottom + 5, {"#444", 1, "none", "", 1});
    svg.text(xi.map(t), bottom + 18, detail::tick_label(t, it.size() > 1 ? it[1] - it[0] : 1.0), {.size = 11, .anchor = "middle"});
  }
  svg.text(il + impact_w / 2, bottom + 38, "\u0394" + im.poi, {.size = 12, .anchor = "middle"});

  const char* up_colour = "#d6604d";
  const char* down_colour = "#4393c3";
  for (std::size_t i = 0; i < n; ++i) {
    const auto& x = im.impacts[i];
    const double cy = top + row_h * (static_cast<double>(i) + 0.5);
    if (i % 2 == 1) svg.rect(4, cy - row_h / 2, left + pull_w + gap + impact_w - 4, row_h, {"none", 1, "#000", "", 0.035});
    svg.text(16, cy, std::to_string(i + 1), {.size = 10, .anchor = "end", .fill = "#888", .baseline = "middle"});
    svg.text(left - 8, cy, shorten(x.name, 44), {.size = 11, .anchor = "end", .baseline = "middle"});
    const auto found = by_name.find(x.name);
    if (found != by_name.end() && found->second->pull) {
      const auto* r = found->second;
      const double p = std::clamp(*r->pull, -2.5, 2.5);
      if (r->constraint_ratio)
        svg.line(xp.map(std::clamp(*r->pull - *r->constraint_ratio, -2.5, 2.5)), cy, xp.map(std::clamp(*r->pull + *r->constraint_ratio, -2.5, 2.5)), cy,
                 {kInk, 1.5, "none", "", 1});
      svg.circle(xp.map(p), cy, 3.4, {"none", 1, kInk, "", 1}, x.name + ": pull " + format_spec("{:+.3f}", *r->pull));
    }
    // +sigma shifts in the upper half of the row, -sigma in the lower half; pre-fit as outlines.
    auto bar = [&](double d, bool upper, const char* colour, bool filled, const std::string& tip) {
      if (!std::isfinite(d)) return;
      const double y0 = upper ? cy - 7.5 : cy + 0.5;
      svg.rect(xi.map(0), y0, xi.map(d) - xi.map(0), 7.0, filled ? Style{"none", 1, colour, "", 0.9} : Style{colour, 1.3, "none", "", 1}, tip);
    };
    bar(x.postfit_up.delta_poi, true, up_colour, true, x.name + " post-fit +\u03c3: " + format_spec("{:+.4g}", x.postfit_up.delta_poi));
    bar(x.postfit_down.delta_poi, false, down_colour, true, x.name + " post-fit \u2212\u03c3: " + format_spec("{:+.4g}", x.postfit_down.delta_poi));
    if (prefit) {
      bar(x.prefit_up.delta_poi, true, up_colour, false, x.name + " pre-fit +\u03c3: " + format_spec("{:+.4g}", x.prefit_up.delta_poi));
      bar(x.prefit_down.delta_poi, false, down_colour, false, x.name + " pre-fit \u2212\u03c3: " + format_spec("{:+.4g}", x.prefit_down.delta_poi));
    }
  }
  svg.rect(il, top, impact_w, bottom - top, {"#444", 1, "none", "", 1});

  // Legend (above the panels).
  double lx = il, ly = 64;
  auto legend = [&](const Style& s, const std::string& label) {
    svg.rect(lx, ly - 6, 18, 12, s);
    svg.text(lx + 24, ly, label, {.size = 11, .baseline = "middle"});
    lx += 30 + text_width(label, 11);
  };
  legend({"none", 1, up_colour, "", 0.9}, "+\u03c3 post-fit");
  legend({"none", 1, down_colour, "", 0.9}, "\u2212\u03c3 post-fit");
  if (prefit) legend({"#666", 1.3, "none", "", 1}, "pre-fit (outline)");
  svg.text(left + pull_w / 2, ly, "pull", {.size = 11, .anchor = "middle", .bold = true, .baseline = "middle"});
  return PlotFile{Plot::kImpacts, "impacts.svg", "Impacts on " + im.poi, svg.str()};
}

// --- CLs (Brazil band) ---------------------------------------------------------------------

std::optional<PlotFile> cls_plot(const InferenceResults& inf) {
  if (!inf.limit || inf.scan.size() < 2) return std::nullopt;
  const infer::UpperLimitResult& l = *inf.limit;
  const double width = 660, height = 440, left = 76, right = 176, top = 56, bottom = 62;
  Svg svg(width, height);
  title(svg, 12, "CLs of " + inf.poi + " and the " + format_percent(l.cl) + " CL upper limit",
        "asymptotic, " + infer::to_string(inf.statistic) + "; expected band: pyhf's (CLs at ±1σ, ±2σ exactly)");
  const double xmin = inf.scan.front().mu, xmax = inf.scan.back().mu;
  Axis x{xmin, xmax, left, width - right};
  Axis y{0.0, 1.0, height - bottom, top};
  detail::draw_axes(svg, x, y, inf.poi, "CLs");
  svg.begin_clip(left, top, width - left - right, height - top - bottom);
  const auto band = [&](std::size_t lo, std::size_t hi, const char* colour) {
    std::vector<std::pair<double, double>> poly;
    for (const auto& h : inf.scan)
      if (std::isfinite(h.cls_exp[hi])) poly.push_back({x.map(h.mu), y.map(h.cls_exp[hi])});
    for (auto it = inf.scan.rbegin(); it != inf.scan.rend(); ++it)
      if (std::isfinite(it->cls_exp[lo])) poly.push_back({x.map(it->mu), y.map(it->cls_exp[lo])});
    svg.polyline(poly, {"none", 1, colour, "", 1}, true);
  };
  const char* const yellow = "#f5d547";
  const char* const green = "#4cb050";
  band(0, 4, yellow);
  band(1, 3, green);
  std::vector<std::pair<double, double>> median, observed;
  for (const auto& h : inf.scan) {
    if (std::isfinite(h.cls_exp[2])) median.push_back({x.map(h.mu), y.map(h.cls_exp[2])});
    if (std::isfinite(h.cls_obs)) observed.push_back({x.map(h.mu), y.map(h.cls_obs)});
  }
  svg.polyline(median, {"#111", 1.6, "none", "6 4", 1});
  svg.polyline(observed, {"#111", 2, "none", "", 1});
  for (const auto& h : inf.scan)
    if (std::isfinite(h.cls_obs))
      svg.circle(x.map(h.mu), y.map(h.cls_obs), 2.8, {"none", 1, "#111", "", 1},
                 inf.poi + " = " + format_spec("{:.5g}", h.mu) + ": CLs " + format_spec("{:.4g}", h.cls_obs) + ", expected " +
                     format_spec("{:.4g}", h.cls_exp[2]));
  const double alpha = 1.0 - l.cl;
  svg.line(left, y.map(alpha), width - right, y.map(alpha), {kRed, 1.4, "none", "", 1});
  // The limits: where the curves cross 1 - CL.
  if (std::isfinite(l.observed.value))
    svg.line(x.map(l.observed.value), y.map(0), x.map(l.observed.value), y.map(alpha), {"#111", 1.6, "none", "", 1});
  if (std::isfinite(l.expected[2].value))
    svg.line(x.map(l.expected[2].value), y.map(0), x.map(l.expected[2].value), y.map(alpha), {"#111", 1.3, "none", "6 4", 1});
  svg.end_clip();
  svg.text(width - right + 6, y.map(alpha), format_spec("{:.3g}", alpha) + " (" + format_percent(l.cl) + " CL)",
           {.size = 11, .fill = kRed, .baseline = "middle"});
  // Legend and the limits as text.
  double ly = top + 14;
  const double lx = width - right + 10;
  detail::Legend legend{svg, lx, ly};
  legend.line({"#111", 2, "none", "", 1}, "observed");
  legend.line({"#111", 1.6, "none", "6 4", 1}, "expected");
  legend.box({"none", 1, green, "", 1}, "±1σ");
  legend.box({"none", 1, yellow, "", 1}, "±2σ");
  ly = legend.y - legend.step;
  ly += 28;
  svg.text(lx, ly, "upper limits", {.size = 11, .bold = true, .baseline = "middle"});
  const auto limit_line = [&](const std::string& label, const infer::UpperLimit& u) {
    ly += 15;
    svg.text(lx + 4, ly, label + " " + format_spec("{:.4g}", u.value) + (u.past_bound ? " *" : ""),
             {.size = 10, .fill = "#444", .baseline = "middle"});
  };
  limit_line("observed", l.observed);
  limit_line("expected", l.expected[2]);
  limit_line("−1σ", l.expected[1]);
  limit_line("+1σ", l.expected[3]);
  limit_line("−2σ", l.expected[0]);
  limit_line("+2σ", l.expected[4]);
  return PlotFile{Plot::kCls, "cls_" + file_stem(inf.poi) + ".svg", "CLs and upper limit on " + inf.poi, svg.str()};
}

}  // namespace

std::vector<PlotFile> make_plots(const Report& report) {
  std::vector<PlotFile> plots;
  const OutputConfig& o = report.config.output;
  const auto rows = detail::parameter_rows(report);
  if (o.has(Plot::kPulls))
    if (auto p = pulls_plot(rows)) plots.push_back(std::move(*p));
  if (o.has(Plot::kCorrelation))
    if (auto p = correlation_plot(report)) plots.push_back(std::move(*p));
  if (o.has(Plot::kScans))
    for (const auto& s : report.result.scans) plots.push_back(scan_plot(report, s, "scan_" + file_stem(s.name) + ".svg"));
  if (o.has(Plot::kContours)) {
    // One plot per parameter pair, all its confidence levels together.
    std::vector<std::vector<const fit::Contour*>> groups;
    for (const auto& k : report.result.contours) {
      auto g = std::find_if(groups.begin(), groups.end(), [&](const auto& gr) { return gr.front()->x_name == k.x_name && gr.front()->y_name == k.y_name; });
      if (g == groups.end()) groups.push_back({&k});
      else g->push_back(&k);
    }
    for (const auto& g : groups)
      plots.push_back(contour_plot(report, g, "contour_" + file_stem(g.front()->x_name) + "_" + file_stem(g.front()->y_name) + ".svg"));
  }
  if (o.has(Plot::kImpacts))
    if (auto p = impacts_plot(report, rows)) plots.push_back(std::move(*p));
  if (o.has(Plot::kCls) && report.inference != nullptr)
    if (auto p = cls_plot(*report.inference)) plots.push_back(std::move(*p));
  if (o.has(Plot::kYields))
    for (auto& p : detail::yield_plots(report)) plots.push_back(std::move(p));
  // Names that file_stem() made equal ("a b", "a_b") become two files (report.md links them).
  std::set<std::string> used;
  for (auto& p : plots) p.file_name = unique_file_name(used, p.file_name);
  return plots;
}

}  // namespace hessfit::configs
