#include "svg.hpp"
#include "strings.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

namespace hessfit::configs::detail {

namespace {

std::string num(double v) {
  std::string s = fmt::format("{:.2f}", v);
  // Trim trailing zeros: smaller files, same picture.
  if (s.find('.') != std::string::npos) {
    while (!s.empty() && s.back() == '0') s.pop_back();
    if (!s.empty() && s.back() == '.') s.pop_back();
  }
  return s == "-0" ? "0" : s;
}

std::string style_attributes(const Style& s) {
  std::string a = " fill=\"" + s.fill + "\" stroke=\"" + s.stroke + "\"";
  if (s.stroke != "none") a += " stroke-width=\"" + num(s.stroke_width) + "\"";
  if (!s.dash.empty()) a += " stroke-dasharray=\"" + s.dash + "\"";
  if (s.opacity < 1.0) a += " opacity=\"" + num(s.opacity) + "\"";
  return a;
}

std::string title_element(const std::string& title) {
  return title.empty() ? std::string{} : "<title>" + xml_escape(title) + "</title>";
}

}  // namespace

std::string xml_escape(const std::string& text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

Svg::Svg(double width, double height) : width_(width), height_(height) {}

void Svg::line(double x1, double y1, double x2, double y2, const Style& s) {
  body_ += "<line x1=\"" + num(x1) + "\" y1=\"" + num(y1) + "\" x2=\"" + num(x2) + "\" y2=\"" + num(y2) + "\"" + style_attributes(s) + "/>\n";
}

void Svg::rect(double x, double y, double w, double h, const Style& s, const std::string& title) {
  if (w < 0) {
    x += w;
    w = -w;
  }
  if (h < 0) {
    y += h;
    h = -h;
  }
  body_ += "<rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) + "\"" + style_attributes(s);
  if (title.empty()) {
    body_ += "/>\n";
  } else {
    body_ += ">";
    body_ += title_element(title);
    body_ += "</rect>\n";
  }
}

void Svg::circle(double cx, double cy, double r, const Style& s, const std::string& title) {
  body_ += "<circle cx=\"" + num(cx) + "\" cy=\"" + num(cy) + "\" r=\"" + num(r) + "\"" + style_attributes(s);
  if (title.empty()) {
    body_ += "/>\n";
  } else {
    body_ += ">";
    body_ += title_element(title);
    body_ += "</circle>\n";
  }
}

void Svg::polyline(const std::vector<std::pair<double, double>>& points, const Style& s, bool closed) {
  if (points.empty()) return;
  std::string p;
  for (const auto& [x, y] : points) detail::append_joined(p, " ", num(x) + "," + num(y));
  body_ += std::string(closed ? "<polygon" : "<polyline") + " points=\"" + p + "\"" + style_attributes(s) +
           " stroke-linejoin=\"round\"/>\n";
}

void Svg::text(double x, double y, const std::string& t, const TextStyle& s) {
  body_ += "<text x=\"" + num(x) + "\" y=\"" + num(y) + "\" font-size=\"" + num(s.size) + "\" fill=\"" + s.fill + "\"";
  if (s.anchor != "start") body_ += " text-anchor=\"" + s.anchor + "\"";
  if (s.baseline != "auto") body_ += " dominant-baseline=\"" + s.baseline + "\"";
  if (s.bold) body_ += " font-weight=\"bold\"";
  if (s.rotate != 0.0) {
    body_ += " transform=\"rotate(";
    body_ += num(s.rotate) + " " + num(x) + " " + num(y);
    body_ += ")\"";
  }
  body_ += ">";
  body_ += xml_escape(t);
  body_ += "</text>\n";
}

std::string Svg::hatch(const std::string& colour, double spacing, double stroke_width) {
  const std::string id = "hatch" + std::to_string(++patterns_);
  defs_ += "<pattern id=\"" + id + "\" patternUnits=\"userSpaceOnUse\" width=\"" + num(spacing) + "\" height=\"" + num(spacing) +
           "\" patternTransform=\"rotate(45)\"><line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"" + num(spacing) + "\" stroke=\"" + colour +
           "\" stroke-width=\"" + num(stroke_width) + "\"/></pattern>\n";
  return "url(#" + id + ")";
}

void Svg::begin_clip(double x, double y, double w, double h) {
  const std::string id = "clip" + std::to_string(++clips_);
  defs_ += "<clipPath id=\"" + id + "\"><rect x=\"" + num(x) + "\" y=\"" + num(y) + "\" width=\"" + num(w) + "\" height=\"" + num(h) +
           "\"/></clipPath>\n";
  body_ += "<g clip-path=\"url(#" + id + ")\">\n";
}

void Svg::end_clip() { body_ += "</g>\n"; }

std::string Svg::str() const {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + num(width_) + "\" height=\"" + num(height_) + "\" viewBox=\"0 0 " +
         num(width_) + " " + num(height_) + "\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">\n";
  if (!defs_.empty()) out += "<defs>\n" + defs_ + "</defs>\n";
  out += "<rect x=\"0\" y=\"0\" width=\"" + num(width_) + "\" height=\"" + num(height_) + "\" fill=\"white\"/>\n";
  out += body_;
  out += "</svg>\n";
  return out;
}

double text_width(const std::string& text, double size) {
  double w = 0.0;
  for (const char c : text) {
    if (c == 'i' || c == 'l' || c == 'j' || c == '.' || c == ',' || c == '[' || c == ']' || c == '|' || c == '\'') w += 0.32;
    else if (c >= 'A' && c <= 'Z') w += 0.70;
    else if (c == 'm' || c == 'w' || c == 'M' || c == 'W') w += 0.85;
    else if (c == '_') w += 0.55;
    else w += 0.60;
  }
  return w * size;
}

namespace {

double nice_step(double range, int target) {
  const double raw = range / std::max(target, 1);
  const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / magnitude;
  const double nice = f < 1.5 ? 1.0 : f < 3.0 ? 2.0 : f < 7.0 ? 5.0 : 10.0;
  return nice * magnitude;
}

}  // namespace

std::vector<double> Axis::ticks(int target) const {
  std::vector<double> out;
  const double a = std::min(lo, hi), b = std::max(lo, hi);
  if (!(b > a) || !std::isfinite(a) || !std::isfinite(b)) return out;
  const double step = nice_step(b - a, target);
  for (double t = std::ceil(a / step - 1e-9) * step; t <= b + 1e-9 * step; t += step) out.push_back(std::abs(t) < 1e-12 * step ? 0.0 : t);
  return out;
}

void Axis::nice(int target) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) {
    lo = 0.0;
    hi = 1.0;
  }
  if (!(hi > lo)) {
    const double pad = lo == 0.0 ? 1.0 : std::abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const double step = nice_step(hi - lo, target);
  lo = std::floor(lo / step + 1e-9) * step;
  hi = std::ceil(hi / step - 1e-9) * step;
}

std::string tick_label(double v, double step) {
  const double mag = std::abs(step);
  if (v == 0.0) return "0";
  if (mag >= 1e-3 && std::abs(v) < 1e6) {
    const int decimals = std::max(0, static_cast<int>(std::ceil(-std::log10(mag) - 1e-9)));
    return fmt::format("{:.{}f}", v, decimals);
  }
  return fmt::format("{:.3g}", v);
}

void draw_axes(Svg& svg, const Axis& x, const Axis& y, const std::string& x_label, const std::string& y_label, bool grid) {
  const double left = std::min(x.pixel_lo, x.pixel_hi), right = std::max(x.pixel_lo, x.pixel_hi);
  const double top = std::min(y.pixel_lo, y.pixel_hi), bottom = std::max(y.pixel_lo, y.pixel_hi);
  const Style grid_style{"#e3e3e3", 1.0, "none", "", 1.0};
  const Style tick_style{"#444", 1.0, "none", "", 1.0};
  const auto xt = x.ticks(), yt = y.ticks();
  const double xs = xt.size() > 1 ? xt[1] - xt[0] : 1.0, ys = yt.size() > 1 ? yt[1] - yt[0] : 1.0;
  for (const double t : xt) {
    const double px = x.map(t);
    if (grid) svg.line(px, top, px, bottom, grid_style);
    svg.line(px, bottom, px, bottom + 5, tick_style);
    svg.text(px, bottom + 18, tick_label(t, xs), {.size = 11, .anchor = "middle", .fill = "#333"});
  }
  for (const double t : yt) {
    const double py = y.map(t);
    if (grid) svg.line(left, py, right, py, grid_style);
    svg.line(left - 5, py, left, py, tick_style);
    svg.text(left - 8, py, tick_label(t, ys), {.size = 11, .anchor = "end", .fill = "#333", .baseline = "middle"});
  }
  svg.rect(left, top, right - left, bottom - top, {"#444", 1.0, "none", "", 1.0});
  if (!x_label.empty()) svg.text((left + right) / 2, bottom + 38, x_label, {.size = 13, .anchor = "middle"});
  if (!y_label.empty()) svg.text(left - 52, (top + bottom) / 2, y_label, {.size = 13, .anchor = "middle", .rotate = -90});
}

void Legend::line(const Style& style, const std::string& text) {
  svg.line(x, y, x + swatch, y, style);
  label(text);
}

void Legend::box(const Style& style, const std::string& text) {
  svg.rect(x, y - 6, swatch, 12, style);
  label(text);
}

void Legend::label(const std::string& text) {
  svg.text(x + swatch + gap, y, text, {.size = 11, .baseline = "middle"});
  y += step;
}

}  // namespace hessfit::configs::detail
