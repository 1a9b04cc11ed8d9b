#include "triangulation.hpp"

#include <algorithm>
#include <cmath>
#include <map>

namespace hessfit::configs::detail {

namespace {

double cross(const Point2& a, const Point2& b, const Point2& c) {
  return (b.first - a.first) * (c.second - a.second) - (b.second - a.second) * (c.first - a.first);
}

// > 0 when d lies inside the circumcircle of the counter-clockwise triangle abc.
double in_circle(const Point2& a, const Point2& b, const Point2& c, const Point2& d) {
  const double ax = a.first - d.first, ay = a.second - d.second;
  const double bx = b.first - d.first, by = b.second - d.second;
  const double cx = c.first - d.first, cy = c.second - d.second;
  return (ax * ax + ay * ay) * (bx * cy - cx * by) - (bx * bx + by * by) * (ax * cy - cx * ay) +
         (cx * cx + cy * cy) * (ax * by - bx * ay);
}

}  // namespace

std::vector<Triangle> delaunay(const std::vector<Point2>& input) {
  // Distinct finite points, scaled to the unit square.
  std::vector<int> index;  // position in `input` of each distinct point
  std::map<Point2, int> seen;
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const auto& p = input[i];
    if (!std::isfinite(p.first) || !std::isfinite(p.second) || !seen.emplace(p, static_cast<int>(i)).second) continue;
    index.push_back(static_cast<int>(i));
    xlo = std::min(xlo, p.first), xhi = std::max(xhi, p.first);
    ylo = std::min(ylo, p.second), yhi = std::max(yhi, p.second);
  }
  if (index.size() < 3 || !(xhi > xlo) || !(yhi > ylo)) return {};
  std::vector<Point2> p;
  for (const int i : index) p.push_back({(input[static_cast<std::size_t>(i)].first - xlo) / (xhi - xlo),
                                          (input[static_cast<std::size_t>(i)].second - ylo) / (yhi - ylo)});
  const int n = static_cast<int>(p.size());
  // A super-triangle far around the unit square (its corners are n, n+1, n+2).
  p.push_back({-100.0, -100.0});
  p.push_back({300.0, -100.0});
  p.push_back({-100.0, 300.0});
  std::vector<Triangle> tris{{n, n + 1, n + 2}};
  constexpr double kInside = 1e-12;  // cocircular points (a regular grid) keep the older triangles
  for (int k = 0; k < n; ++k) {
    std::vector<Triangle> kept;
    std::map<std::pair<int, int>, int> edges;  // directed edges of the removed triangles
    for (const Triangle& t : tris) {
      const auto& a = p[static_cast<std::size_t>(t[0])];
      const auto& b = p[static_cast<std::size_t>(t[1])];
      const auto& c = p[static_cast<std::size_t>(t[2])];
      if (in_circle(a, b, c, p[static_cast<std::size_t>(k)]) > kInside) {
        for (int e = 0; e < 3; ++e) edges[{t[static_cast<std::size_t>(e)], t[static_cast<std::size_t>((e + 1) % 3)]}]++;
      } else {
        kept.push_back(t);
      }
    }
    // The cavity's boundary: edges whose reverse was not removed too.
    for (const auto& [e, count] : edges) {
      if (edges.count({e.second, e.first}) != 0) continue;
      kept.push_back({e.first, e.second, k});
    }
    tris = std::move(kept);
  }
  std::vector<Triangle> out;
  for (const Triangle& t : tris) {
    if (t[0] >= n || t[1] >= n || t[2] >= n) continue;
    const double area = cross(p[static_cast<std::size_t>(t[0])], p[static_cast<std::size_t>(t[1])], p[static_cast<std::size_t>(t[2])]);
    if (std::abs(area) < 1e-12) continue;
    Triangle r{index[static_cast<std::size_t>(t[0])], index[static_cast<std::size_t>(t[1])], index[static_cast<std::size_t>(t[2])]};
    if (area < 0) std::swap(r[1], r[2]);
    out.push_back(r);
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::vector<Point2>> iso_lines(const std::vector<Point2>& points, const std::vector<Triangle>& triangles,
                                           const std::vector<double>& f, double level) {
  using Edge = std::pair<int, int>;
  const auto crossing = [&](int i, int j) {
    const double fi = f[static_cast<std::size_t>(i)], fj = f[static_cast<std::size_t>(j)];
    const double t = (level - fi) / (fj - fi);
    const auto& a = points[static_cast<std::size_t>(i)];
    const auto& b = points[static_cast<std::size_t>(j)];
    return Point2{a.first + t * (b.first - a.first), a.second + t * (b.second - a.second)};
  };
  // Segments between edge crossings; a crossing is keyed by its (sorted) edge, so that the two
  // triangles sharing an edge share the point exactly.
  std::vector<std::pair<Edge, Edge>> segments;
  std::map<Edge, Point2> where;
  for (const Triangle& t : triangles) {
    bool finite = true;
    for (const int i : t) finite = finite && std::isfinite(f[static_cast<std::size_t>(i)]);
    if (!finite) continue;
    std::vector<Edge> cut;
    for (int e = 0; e < 3; ++e) {
      const int i = t[static_cast<std::size_t>(e)], j = t[static_cast<std::size_t>((e + 1) % 3)];
      const bool above_i = f[static_cast<std::size_t>(i)] >= level, above_j = f[static_cast<std::size_t>(j)] >= level;
      if (above_i == above_j) continue;
      const Edge key{std::min(i, j), std::max(i, j)};
      where.emplace(key, crossing(key.first, key.second));
      cut.push_back(key);
    }
    if (cut.size() == 2) segments.push_back({cut[0], cut[1]});
  }
  std::map<Edge, std::vector<std::size_t>> at;  // segments meeting at a crossing
  for (std::size_t s = 0; s < segments.size(); ++s) {
    at[segments[s].first].push_back(s);
    at[segments[s].second].push_back(s);
  }
  std::vector<bool> used(segments.size(), false);
  std::vector<std::vector<Point2>> lines;
  const auto walk = [&](std::size_t s, Edge from) {
    std::vector<Point2> line{where[from]};
    while (true) {
      used[s] = true;
      const Edge to = segments[s].first == from ? segments[s].second : segments[s].first;
      line.push_back(where[to]);
      std::size_t next = segments.size();
      for (const std::size_t c : at[to])
        if (!used[c]) next = c;
      if (next == segments.size()) break;
      s = next;
      from = to;
    }
    lines.push_back(std::move(line));
  };
  // Open lines from their ends first, then closed loops.
  for (const auto& [edge, list] : at)
    if (list.size() == 1 && !used[list[0]]) walk(list[0], edge);
  for (std::size_t s = 0; s < segments.size(); ++s)
    if (!used[s]) walk(s, segments[s].first);
  return lines;
}

std::vector<std::vector<Point2>> band_polygons(const std::vector<Point2>& points, const std::vector<Triangle>& triangles,
                                               const std::vector<double>& lo, const std::vector<double>& hi, double level) {
  struct V {
    double x, y, g1, g2;  // g1 = lo - level >= 0 and g2 = level - hi >= 0 inside
  };
  const auto clip = [](const std::vector<V>& poly, double V::*g) {
    std::vector<V> out;
    for (std::size_t k = 0; k < poly.size(); ++k) {
      const V& a = poly[k];
      const V& b = poly[(k + 1) % poly.size()];
      const bool in_a = a.*g >= 0.0, in_b = b.*g >= 0.0;
      if (in_a) out.push_back(a);
      if (in_a != in_b) {
        const double t = a.*g / (a.*g - b.*g);
        out.push_back({a.x + t * (b.x - a.x), a.y + t * (b.y - a.y), a.g1 + t * (b.g1 - a.g1), a.g2 + t * (b.g2 - a.g2)});
      }
    }
    return out;
  };
  std::vector<std::vector<Point2>> out;
  for (const Triangle& t : triangles) {
    std::vector<V> poly;
    bool finite = true;
    for (const int i : t) {
      const auto u = static_cast<std::size_t>(i);
      finite = finite && std::isfinite(lo[u]) && std::isfinite(hi[u]);
      poly.push_back({points[u].first, points[u].second, lo[u] - level, level - hi[u]});
    }
    if (!finite) continue;
    poly = clip(clip(poly, &V::g1), &V::g2);
    if (poly.size() < 3) continue;
    std::vector<Point2> shape;
    for (const V& v : poly) shape.push_back({v.x, v.y});
    out.push_back(std::move(shape));
  }
  return out;
}

}  // namespace hessfit::configs::detail
