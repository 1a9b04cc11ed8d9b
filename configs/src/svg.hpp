// A minimal SVG writer for the report's plots: shapes, text, and linear axes with "nice" ticks.
// Coordinates are pixels, y downwards; Axis maps data values to pixels.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace hessfit::configs::detail {

std::string xml_escape(const std::string& text);

struct Style {
  std::string stroke = "none";
  double stroke_width = 1.0;
  std::string fill = "none";
  std::string dash;        // "4 3"
  double opacity = 1.0;
};

struct TextStyle {
  double size = 12.0;
  std::string anchor = "start";  // start | middle | end
  std::string fill = "#222";
  bool bold = false;
  double rotate = 0.0;           // degrees, about the anchor point
  std::string baseline = "auto"; // auto | middle | hanging
};

class Svg {
 public:
  Svg(double width, double height);
  void line(double x1, double y1, double x2, double y2, const Style& style);
  void rect(double x, double y, double w, double h, const Style& style, const std::string& title = {});
  void circle(double cx, double cy, double r, const Style& style, const std::string& title = {});
  void polyline(const std::vector<std::pair<double, double>>& points, const Style& style, bool closed = false);
  void text(double x, double y, const std::string& text, const TextStyle& style = {});
  /// Starts / ends a group clipped to a rectangle (for data that may leave the frame).
  void begin_clip(double x, double y, double w, double h);
  void end_clip();
  /// Defines a pattern of diagonal lines in `colour` and returns the fill that uses it
  /// ("url(#hatch1)"), for uncertainty bands.
  std::string hatch(const std::string& colour, double spacing = 6.0, double stroke_width = 1.0);
  std::string str() const;
  double width() const { return width_; }
  double height() const { return height_; }

 private:
  double width_, height_;
  int clips_ = 0;
  int patterns_ = 0;
  std::string body_;
  std::string defs_;
};

/// A column of legend entries at (x, y) downwards, `step` apart: a swatch `swatch` px wide, its
/// label `gap` px after it (11 px, centred on the entry's line).
struct Legend {
  Svg& svg;
  double x, y;
  double swatch = 22.0, gap = 6.0, step = 18.0;
  /// A line swatch.
  void line(const Style& style, const std::string& label);
  /// A filled box swatch, 12 px high.
  void box(const Style& style, const std::string& label);
  /// The label alone, beside a swatch the caller drew at (x, y).
  void label(const std::string& label);
};

/// Approximate width of `text` at `size` px in a sans-serif font (for layout).
double text_width(const std::string& text, double size);

struct Axis {
  double lo = 0.0, hi = 1.0;          // data range
  double pixel_lo = 0.0, pixel_hi = 1.0;  // where lo and hi land (pixel_hi < pixel_lo for a y axis)
  double map(double v) const { return pixel_lo + (v - lo) / (hi - lo) * (pixel_hi - pixel_lo); }
  /// About `target` round tick values inside [lo, hi].
  std::vector<double> ticks(int target = 6) const;
  /// Widens [lo, hi] to round values (and to a non-empty range).
  void nice(int target = 6);
};

/// Formats a tick value compactly ("0.5", "1e-05", "120").
std::string tick_label(double v, double step);

/// Draws a frame with ticks, grid lines and labels for a 2D plot area.
void draw_axes(Svg& svg, const Axis& x, const Axis& y, const std::string& x_label, const std::string& y_label, bool grid = true);

}  // namespace hessfit::configs::detail
