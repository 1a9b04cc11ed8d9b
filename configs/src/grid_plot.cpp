// The exclusion plot of a grid (exclusion.svg): points coloured by observed CLs, and the
// CLs = 1 - cl contours interpolated on a Delaunay triangulation in Z = Phi^-1(1 - CLs).
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <boost/math/distributions/normal.hpp>
#include <fmt/format.h>

#include "hessfit/common/text.hpp"
#include "hessfit/configs/grid.hpp"
#include "svg.hpp"
#include "triangulation.hpp"

namespace hessfit::configs {

namespace {

using detail::Axis;
using detail::Point2;
using detail::Svg;
using nlohmann::ordered_json;

double get(const ordered_json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

/// Z = Phi^-1(1 - CLs): 0 at CLs = 0.5, 1.645 at CLs = 0.05; CLs of 0 or 1 clamp to +-8.3 (1e-16).
double z_of(double cls) {
  if (!std::isfinite(cls)) return std::nan("");
  const double p = std::clamp(cls, 1e-16, 1.0 - 1e-16);
  return -boost::math::quantile(boost::math::normal_distribution<double>(), p);
}

/// A sequential colour scale (dark blue at CLs <= 1e-3 to light yellow at CLs = 1), in log10 CLs.
std::string colour_of(double cls) {
  static const double stops[][3] = {{33, 36, 92}, {44, 98, 160}, {38, 150, 160}, {112, 190, 110}, {240, 228, 120}};
  if (!std::isfinite(cls)) return "#bbbbbb";
  const double t = std::clamp((std::log10(std::max(cls, 1e-300)) + 3.0) / 3.0, 0.0, 1.0) * 4.0;
  const int k = std::min(3, static_cast<int>(t));
  const double f = t - k;
  int rgb[3];
  for (int c = 0; c < 3; ++c) rgb[c] = static_cast<int>(std::lround(stops[k][c] + f * (stops[k + 1][c] - stops[k][c])));
  return fmt::format("#{:02x}{:02x}{:02x}", rgb[0], rgb[1], rgb[2]);
}

}  // namespace

std::optional<std::string> exclusion_plot(const ordered_json& doc) {
  const auto& axes = doc.at("axes");
  if (axes.size() != 2) return std::nullopt;
  const auto& labels = doc.at("labels");
  int ax[2] = {-1, -1};
  for (int a = 0; a < 2; ++a)
    for (std::size_t k = 0; k < labels.size(); ++k)
      if (labels[k] == axes[static_cast<std::size_t>(a)]) ax[a] = static_cast<int>(k);
  if (ax[0] < 0 || ax[1] < 0) return std::nullopt;
  std::vector<Point2> xy;
  std::vector<double> cls, z_obs, z_exp, z_minus, z_plus;
  std::vector<std::string> names;
  for (const auto& p : doc.at("points")) {
    const auto& v = p.at("values");
    const double x = get(v.at(static_cast<std::size_t>(ax[0]))), y = get(v.at(static_cast<std::size_t>(ax[1])));
    if (!std::isfinite(x) || !std::isfinite(y)) continue;
    xy.push_back({x, y});
    names.push_back(p.at("patch").get<std::string>());
    cls.push_back(get(p.at("cls_obs")));
    z_obs.push_back(z_of(cls.back()));
    const auto& e = p.at("cls_exp");
    z_minus.push_back(z_of(get(e.at(1))));  // -1 sigma: the smaller CLs, the larger Z
    z_exp.push_back(z_of(get(e.at(2))));
    z_plus.push_back(z_of(get(e.at(3))));
  }
  const std::vector<detail::Triangle> tris = detail::delaunay(xy);
  if (tris.empty()) return std::nullopt;
  const double cl = doc.value("cl", 0.95);
  const double level = z_of(1.0 - cl);  // Z where CLs = 1 - cl

  const double width = 680, height = 520, left = 72, right = 170, top = 58, bottom = 58;
  Svg svg(width, height);
  const std::string xlabel = axes[0].get<std::string>(), ylabel = axes[1].get<std::string>();
  svg.text(12, 22, "Exclusion at " + format_percent(cl) + " CL: " + doc.value("poi", std::string()) + " = " +
                       format_shortest(get(doc.at("mu"))) + " over " + std::to_string(xy.size()) + " signal points",
           {.size = 15, .bold = true});
  svg.text(12, 40, "asymptotic CLs (" + doc.value("test_statistic", std::string()) +
                       "); contours interpolated on a Delaunay triangulation in Z = Φ⁻¹(1 − CLs)",
           {.size = 11, .fill = "#555"});
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (const auto& [x, y] : xy) {
    xlo = std::min(xlo, x), xhi = std::max(xhi, x), ylo = std::min(ylo, y), yhi = std::max(yhi, y);
  }
  const double px = 0.04 * (xhi - xlo), py = 0.04 * (yhi - ylo);
  Axis x{xlo - px, xhi + px, left, width - right};
  Axis y{ylo - py, yhi + py, height - bottom, top};
  x.nice();
  y.nice();
  detail::draw_axes(svg, x, y, xlabel, ylabel);
  const auto to_pixels = [&](const std::vector<Point2>& line) {
    std::vector<std::pair<double, double>> out;
    for (const auto& [a, b] : line) out.push_back({x.map(a), y.map(b)});
    return out;
  };
  svg.begin_clip(left, top, width - left - right, height - top - bottom);
  // The triangulation, faintly: where the interpolation holds.
  for (const auto& t : tris) {
    std::vector<Point2> tri{xy[static_cast<std::size_t>(t[0])], xy[static_cast<std::size_t>(t[1])], xy[static_cast<std::size_t>(t[2])]};
    svg.polyline(to_pixels(tri), {"#e4e4e4", 0.6, "none", "", 1}, true);
  }
  const char* const band = "#f2c14e";
  for (const auto& poly : detail::band_polygons(xy, tris, z_minus, z_plus, level))
    svg.polyline(to_pixels(poly), {band, 0.5, band, "", 0.75}, true);
  for (const auto& line : detail::iso_lines(xy, tris, z_exp, level)) svg.polyline(to_pixels(line), {"#222", 1.8, "none", "7 4", 1});
  for (const auto& line : detail::iso_lines(xy, tris, z_obs, level)) svg.polyline(to_pixels(line), {"#c53030", 2.6, "none", "", 1});
  for (std::size_t k = 0; k < xy.size(); ++k)
    svg.circle(x.map(xy[k].first), y.map(xy[k].second), 5.0, {"#333", 0.7, colour_of(cls[k]), "", 1},
               names[k] + " (" + xlabel + " " + format_shortest(xy[k].first) + ", " + ylabel + " " + format_shortest(xy[k].second) +
                   "): CLs " + format_spec("{:.4g}", cls[k]));
  svg.end_clip();

  // Legend and colour bar.
  const double lx = width - right + 14;
  detail::Legend legend{svg, lx, top + 10, 24.0};
  legend.line({"#c53030", 2.6, "none", "", 1}, "observed");
  legend.line({"#222", 1.8, "none", "7 4", 1}, "expected");
  legend.box({"none", 1, band, "", 0.75}, "expected ±1σ");
  double ly = legend.y;
  svg.text(lx, ly, "(CLs = " + format_significant(1.0 - cl, 6) + ")", {.size = 10, .fill = "#555", .baseline = "middle"});
  ly += 30;
  svg.text(lx, ly, "observed CLs", {.size = 11, .bold = true, .baseline = "middle"});
  const double bar_top = ly + 14, bar_height = 150;
  const int steps = 30;
  for (int s = 0; s < steps; ++s) {
    const double cls_top = std::pow(10.0, -3.0 * s / steps), cls_bottom = std::pow(10.0, -3.0 * (s + 1) / steps);
    svg.rect(lx, bar_top + bar_height * s / steps, 16, bar_height / steps + 0.5, {"none", 1, colour_of(std::sqrt(cls_top * cls_bottom)), "", 1});
  }
  svg.rect(lx, bar_top, 16, bar_height, {"#555", 0.6, "none", "", 1});
  for (int k = 0; k <= 3; ++k) {
    const double ty = bar_top + bar_height * k / 3.0;
    svg.line(lx + 16, ty, lx + 20, ty, {"#555", 0.6, "none", "", 1});
    svg.text(lx + 24, ty, k == 0 ? "1" : k == 3 ? "≤ 0.001" : format_shortest(std::pow(10.0, -k)), {.size = 10, .baseline = "middle"});
  }
  return svg.str();
}

}  // namespace hessfit::configs
