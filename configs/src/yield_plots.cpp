// Stacked data/model plots: per channel (and one summary plot of all one-bin channels), pre-fit
// and post-fit. Samples stacked in the model's (sorted) sample order with fixed colours, data as
// points with Garwood 68.27% intervals (also at n = 0), the total uncertainty (J C J^T, exact to
// first order) as a hatched band, and a data/model ratio panel with the relative band. The y axis
// is logarithmic where the stacked yields span more than two decades. Bins by index unless
// `output.bin_edges` gives the channel's edges.
#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include <boost/math/distributions/chi_squared.hpp>
#include <fmt/format.h>

#include "report_common.hpp"
#include "svg.hpp"

namespace hessfit::configs::detail {

namespace {

const char* const kSampleColours[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948",
                                      "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac", "#86bcb6", "#d4a6c8"};

/// Garwood interval for a Poisson count n: [chi2_q(a/2; 2n)/2, chi2_q(1-a/2; 2n+2)/2], a = 1 - 0.6827.
std::pair<double, double> garwood(double n) {
  const double a = 1.0 - kOneSigmaLevel;
  const double lo = n > 0 ? boost::math::quantile(boost::math::chi_squared_distribution<double>(2.0 * n), a / 2) / 2 : 0.0;
  const double hi = boost::math::quantile(boost::math::chi_squared_distribution<double>(2.0 * n + 2.0), 1.0 - a / 2) / 2;
  return {lo, hi};
}

/// One plot's content: columns (bins or one-bin channels) with per-sample yields, total, error, data.
struct Columns {
  std::vector<std::string> labels;       // for the x axis (bin index / channel name)
  std::vector<double> edges;             // columns + 1 (x positions)
  bool by_index = true;                  // edges are 0..n (labels drawn) or real values
  std::vector<std::string> samples;      // stack order (bottom first)
  std::vector<std::vector<double>> stack;  // [column][sample]
  std::vector<double> total, error, data;
};

std::string short_label(const std::string& s, std::size_t n) { return s.size() <= n ? s : s.substr(0, n - 1) + "\u2026"; }

PlotFile draw(const Columns& c, const std::string& title_text, const std::string& subtitle, const std::string& x_label,
              const std::string& file_name, const std::map<std::string, std::string>& colours) {
  const std::size_t n = c.total.size();
  const bool names_on_axis = !c.by_index || c.labels.empty() ? false : true;
  double label_h = 40.0;
  if (names_on_axis) {
    double w = 0.0;
    for (const auto& l : c.labels) w = std::max(w, text_width(short_label(l, 28), 10));
    label_h = std::min(w, 190.0) * 0.75 + 24;
  }
  const double left = 78, legend_w = 190, top = 56;
  const double column_w = std::clamp(700.0 / static_cast<double>(std::max<std::size_t>(n, 1)), names_on_axis ? 16.0 : 6.0, 60.0);
  const double plot_w = std::max(420.0, column_w * static_cast<double>(n));
  const double main_h = 330, gap = 10, ratio_h = 120;
  const double width = left + plot_w + legend_w + 20;
  const double height = top + main_h + gap + ratio_h + label_h + 30;
  Svg svg(width, height);
  svg.text(12, 22, title_text, {.size = 15, .bold = true});
  svg.text(12, 40, subtitle, {.size = 11, .fill = "#555"});

  // y range: stacked total +- error and data intervals.
  double ymax = 0.0, ymin_pos = std::numeric_limits<double>::infinity();
  std::vector<std::pair<double, double>> intervals(n);
  for (std::size_t i = 0; i < n; ++i) {
    intervals[i] = garwood(c.data[i]);
    ymax = std::max({ymax, c.total[i] + (std::isfinite(c.error[i]) ? c.error[i] : 0.0), intervals[i].second});
    for (const double v : c.stack[i])
      if (v > 0) ymin_pos = std::min(ymin_pos, v);
    if (c.total[i] > 0) ymin_pos = std::min(ymin_pos, c.total[i]);
  }
  double total_min = std::numeric_limits<double>::infinity();
  for (const double t : c.total)
    if (t > 0) total_min = std::min(total_min, t);
  const bool log_y = std::isfinite(total_min) && ymax / total_min > 100.0;
  const double x0 = left, x1 = left + plot_w;
  const Axis xa{c.edges.front(), c.edges.back(), x0, x1};
  const double main_top = top, main_bottom = top + main_h;
  // Linear: Axis with nice ticks. Log: decades mapped by hand.
  Axis ya{0.0, ymax * 1.25, main_bottom, main_top};
  double log_lo = 0, log_hi = 1;
  if (log_y) {
    log_lo = std::floor(std::log10(std::max(std::min(total_min, ymin_pos) * 0.5, 1e-6)));
    log_hi = std::ceil(std::log10(ymax * 3.0));
  } else {
    ya.nice(6);
  }
  const auto ymap = [&](double v) {
    if (!log_y) return ya.map(v);
    const double l = v > 0 ? std::log10(v) : log_lo - 1;
    return main_bottom + (std::clamp(l, log_lo - 0.05, log_hi) - log_lo) / (log_hi - log_lo) * (main_top - main_bottom);
  };
  // Grid and y ticks.
  if (log_y) {
    for (double d = log_lo; d <= log_hi + 1e-9; d += 1.0) {
      const double y = ymap(std::pow(10.0, d));
      svg.line(x0, y, x1, y, {"#e3e3e3", 1, "none", "", 1});
      svg.line(x0 - 5, y, x0, y, {"#444", 1, "none", "", 1});
      svg.text(x0 - 8, y, d == 0 ? "1" : fmt::format("10^{}", static_cast<int>(d)), {.size = 11, .anchor = "end", .baseline = "middle"});
    }
  } else {
    for (const double t : ya.ticks(6)) {
      const double y = ya.map(t);
      svg.line(x0, y, x1, y, {"#e3e3e3", 1, "none", "", 1});
      svg.line(x0 - 5, y, x0, y, {"#444", 1, "none", "", 1});
      svg.text(x0 - 8, y, tick_label(t, (ya.hi - ya.lo) / 6), {.size = 11, .anchor = "end", .baseline = "middle"});
    }
  }
  svg.text(18, (main_top + main_bottom) / 2, "events", {.size = 13, .anchor = "middle", .rotate = -90});

  // Stacks.
  svg.begin_clip(x0, main_top, plot_w, main_h);
  for (std::size_t i = 0; i < n; ++i) {
    const double xa0 = xa.map(c.edges[i]), xa1 = xa.map(c.edges[i + 1]);
    double base = 0.0;
    for (std::size_t s = 0; s < c.samples.size(); ++s) {
      const double v = c.stack[i][s];
      if (!(v > 0)) continue;
      const double yb = ymap(base), yt = ymap(base + v);
      svg.rect(xa0, yt, xa1 - xa0, yb - yt, {"none", 1, colours.at(c.samples[s]), "", 1},
               fmt::format("{}: {} {:.4g}", c.labels.empty() ? fmt::format("bin {}", i) : c.labels[i], c.samples[s], v));
      base += v;
    }
  }
  // Total uncertainty band (hatched) and the total as a line.
  const std::string hatch = svg.hatch("#333", 5.0, 0.9);
  for (std::size_t i = 0; i < n; ++i) {
    const double xa0 = xa.map(c.edges[i]), xa1 = xa.map(c.edges[i + 1]);
    if (std::isfinite(c.error[i]) && c.error[i] > 0) {
      const double yt = ymap(c.total[i] + c.error[i]), yb = ymap(std::max(c.total[i] - c.error[i], 0.0));
      svg.rect(xa0, yt, xa1 - xa0, yb - yt, {"none", 1, hatch, "", 1},
               fmt::format("total {:.4g} \u00b1 {:.3g}", c.total[i], c.error[i]));
    }
    svg.line(xa0, ymap(c.total[i]), xa1, ymap(c.total[i]), {"#111", 1.2, "none", "", 1});
  }
  // Data with Garwood intervals (drawn at n = 0 too: the bar from 0 to the upper end).
  for (std::size_t i = 0; i < n; ++i) {
    const double xm = (xa.map(c.edges[i]) + xa.map(c.edges[i + 1])) / 2;
    const auto [lo, hi] = intervals[i];
    svg.line(xm, ymap(std::max(lo, log_y ? std::pow(10.0, log_lo - 1) : 0.0)), xm, ymap(hi), {"#000", 1.3, "none", "", 1});
    if (c.data[i] > 0 || !log_y)
      svg.circle(xm, ymap(c.data[i]), 3.2, {"none", 1, "#000", "", 1},
                 fmt::format("data {:g} (68.3% interval {:.3g} to {:.3g})", c.data[i], lo, hi));
  }
  svg.end_clip();
  svg.rect(x0, main_top, plot_w, main_h, {"#444", 1, "none", "", 1});

  // Ratio panel: data / model with the relative band.
  const double r_top = main_bottom + gap, r_bottom = r_top + ratio_h;
  double rmax = 1.5, rmin = 0.5;
  for (std::size_t i = 0; i < n; ++i) {
    if (!(c.total[i] > 0)) continue;
    rmax = std::max(rmax, std::min(c.data[i] / c.total[i] * 1.05, 3.0));
    rmin = std::min(rmin, std::max(c.data[i] / c.total[i] * 0.95, 0.0));
    if (std::isfinite(c.error[i])) {
      rmax = std::max(rmax, std::min(1.0 + c.error[i] / c.total[i], 3.0));
      rmin = std::min(rmin, std::max(1.0 - c.error[i] / c.total[i], 0.0));
    }
  }
  Axis ra{rmin, rmax, r_bottom, r_top};
  ra.nice(4);
  for (const double t : ra.ticks(4)) {
    const double y = ra.map(t);
    svg.line(x0, y, x1, y, {t == 1.0 ? "#888" : "#e3e3e3", 1, "none", t == 1.0 ? "4 3" : "", 1});
    svg.line(x0 - 5, y, x0, y, {"#444", 1, "none", "", 1});
    svg.text(x0 - 8, y, tick_label(t, (ra.hi - ra.lo) / 4), {.size = 11, .anchor = "end", .baseline = "middle"});
  }
  svg.text(18, (r_top + r_bottom) / 2, "data / model", {.size = 12, .anchor = "middle", .rotate = -90});
  svg.begin_clip(x0, r_top, plot_w, ratio_h);
  const std::string hatch_ratio = svg.hatch("#333", 5.0, 0.9);
  for (std::size_t i = 0; i < n; ++i) {
    if (!(c.total[i] > 0)) continue;
    const double xa0 = xa.map(c.edges[i]), xa1 = xa.map(c.edges[i + 1]);
    if (std::isfinite(c.error[i]) && c.error[i] > 0) {
      const double rel = c.error[i] / c.total[i];
      svg.rect(xa0, ra.map(1 + rel), xa1 - xa0, ra.map(1 - rel) - ra.map(1 + rel), {"none", 1, "#dddddd", "", 1});
      svg.rect(xa0, ra.map(1 + rel), xa1 - xa0, ra.map(1 - rel) - ra.map(1 + rel), {"none", 1, hatch_ratio, "", 1},
               fmt::format("relative uncertainty \u00b1{:.3g}%", 100 * rel));
    }
    const double xm = (xa0 + xa1) / 2;
    const auto [lo, hi] = intervals[i];
    svg.line(xm, ra.map(lo / c.total[i]), xm, ra.map(hi / c.total[i]), {"#000", 1.3, "none", "", 1});
    svg.circle(xm, ra.map(c.data[i] / c.total[i]), 3.0, {"none", 1, "#000", "", 1},
               fmt::format("data / model {:.4g}", c.data[i] / c.total[i]));
  }
  svg.end_clip();
  svg.rect(x0, r_top, plot_w, ratio_h, {"#444", 1, "none", "", 1});

  // x axis: channel names (rotated), bin indices or edges.
  if (names_on_axis) {
    for (std::size_t i = 0; i < n; ++i) {
      const double xm = (xa.map(c.edges[i]) + xa.map(c.edges[i + 1])) / 2;
      svg.line(xm, r_bottom, xm, r_bottom + 4, {"#444", 1, "none", "", 1});
      svg.text(xm + 3, r_bottom + 10, short_label(c.labels[i], 28), {.size = 10, .anchor = "end", .rotate = -50, .baseline = "hanging"});
    }
  } else {
    Axis xt = xa;
    const int target = std::clamp(static_cast<int>(plot_w / 60), 4, 20);
    const double step = c.by_index ? std::max(1.0, std::ceil(static_cast<double>(n) / target)) : 0.0;
    std::vector<double> ticks;
    if (c.by_index) {
      for (double t = 0; t <= static_cast<double>(n) + 1e-9; t += step) ticks.push_back(t);
    } else {
      ticks = xt.ticks(target);
    }
    for (const double t : ticks) {
      const double x = xa.map(t);
      svg.line(x, r_bottom, x, r_bottom + 5, {"#444", 1, "none", "", 1});
      svg.text(x, r_bottom + 18, tick_label(t, c.by_index ? 1.0 : (xa.hi - xa.lo) / target), {.size = 11, .anchor = "middle"});
    }
  }
  svg.text(x0 + plot_w / 2, height - 10, x_label, {.size = 13, .anchor = "middle"});

  // Legend (top of the stack first).
  double ly = main_top + 10;
  const double lx = x1 + 16;
  svg.line(lx + 11, ly - 6, lx + 11, ly + 6, {"#000", 1.3, "none", "", 1});
  svg.circle(lx + 11, ly, 3.2, {"none", 1, "#000", "", 1});
  svg.text(lx + 30, ly, "data", {.size = 11, .baseline = "middle"});
  for (auto s = c.samples.rbegin(); s != c.samples.rend(); ++s) {
    ly += 18;
    svg.rect(lx, ly - 6, 22, 12, {"none", 1, colours.at(*s), "", 1});
    svg.text(lx + 30, ly, short_label(*s, 24), {.size = 11, .baseline = "middle"});
  }
  ly += 18;
  svg.rect(lx, ly - 6, 22, 12, {"#333", 0.8, hatch, "", 1});
  svg.text(lx + 30, ly, "uncertainty", {.size = 11, .baseline = "middle"});
  return PlotFile{Plot::kYields, file_name, title_text, svg.str()};
}

}  // namespace

std::vector<PlotFile> yield_plots(const Report& report) {
  std::vector<PlotFile> plots;
  if (report.postfit == nullptr) return plots;
  const PostfitResults& r = *report.postfit;
  // Fixed colours: by sample name over the whole model, in sorted order.
  std::set<std::string> names;
  for (const infer::Yields* y : {r.prefit ? &*r.prefit : nullptr, r.postfit ? &*r.postfit : nullptr})
    if (y != nullptr)
      for (const auto& ch : y->channels)
        for (const auto& s : ch.samples) names.insert(s.name);
  std::map<std::string, std::string> colours;
  std::size_t k = 0;
  for (const auto& n : names) colours[n] = kSampleColours[k++ % std::size(kSampleColours)];
  std::map<std::string, std::vector<double>> edges;
  for (const auto& [name, e] : report.config.output.bin_edges) edges[name.value] = e;

  const auto stage = [&](const infer::Yields& y, const std::string& key, const std::string& label) {
    // Multi-bin channels one by one; one-bin channels together.
    Columns summary;
    for (const auto& ch : y.channels) {
      std::vector<std::string> samples;
      for (const auto& s : ch.samples) samples.push_back(s.name);
      if (ch.bins == 1) {
        for (const auto& s : samples)
          if (std::find(summary.samples.begin(), summary.samples.end(), s) == summary.samples.end()) summary.samples.push_back(s);
        continue;
      }
      Columns c;
      c.samples = samples;
      const auto e = edges.find(ch.name);
      c.by_index = e == edges.end() || e->second.size() != ch.bins + 1;
      for (std::size_t b = 0; b <= ch.bins; ++b) c.edges.push_back(c.by_index ? static_cast<double>(b) : e->second[b]);
      for (std::size_t b = 0; b < ch.bins; ++b) {
        std::vector<double> st;
        for (const auto& s : ch.samples) st.push_back(s.yield[static_cast<Eigen::Index>(b)]);
        c.stack.push_back(st);
        c.total.push_back(ch.total[static_cast<Eigen::Index>(b)]);
        c.error.push_back(ch.total_error[static_cast<Eigen::Index>(b)]);
        c.data.push_back(ch.data[static_cast<Eigen::Index>(b)]);
      }
      plots.push_back(draw(c, fmt::format("{} yields: {}", label, ch.name),
                           "stacked samples, data with Garwood 68.3% intervals, hatched: total uncertainty (J C J\u1d40)",
                           c.by_index ? "bin" : "observable", fmt::format("yields_{}_{}.svg", key, file_stem(ch.name)), colours));
    }
    std::sort(summary.samples.begin(), summary.samples.end());
    for (const auto& ch : y.channels) {
      if (ch.bins != 1) continue;
      summary.labels.push_back(ch.name);
      std::vector<double> st;
      for (const auto& s : summary.samples) {
        auto it = std::find_if(ch.samples.begin(), ch.samples.end(), [&](const auto& x) { return x.name == s; });
        st.push_back(it == ch.samples.end() ? 0.0 : it->yield[0]);
      }
      summary.stack.push_back(st);
      summary.total.push_back(ch.total[0]);
      summary.error.push_back(ch.total_error[0]);
      summary.data.push_back(ch.data[0]);
    }
    if (!summary.total.empty()) {
      for (std::size_t i = 0; i <= summary.total.size(); ++i) summary.edges.push_back(static_cast<double>(i));
      plots.push_back(draw(summary, fmt::format("{} yields of the {} one-bin channels", label, summary.total.size()),
                           "stacked samples, data with Garwood 68.3% intervals, hatched: total uncertainty (J C J\u1d40)", "channel",
                           fmt::format("yields_{}_summary.svg", key), colours));
    }
  };
  if (r.prefit) stage(*r.prefit, "prefit", "Pre-fit");
  if (r.postfit) stage(*r.postfit, "postfit", "Post-fit");
  return plots;
}

}  // namespace hessfit::configs::detail
