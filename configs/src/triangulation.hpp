// Contours of a function known only at scattered points (the points of a signal grid): a Delaunay
// triangulation of the points (Bowyer-Watson, in coordinates scaled to the unit square so that
// axes of different units weigh alike), the function linear on each triangle, and on it
//  - iso-lines: on each triangle whose corners straddle the level, the segment between the two
//    edge crossings found by linear interpolation (marching triangles), chained into polylines;
//  - bands: the polygon of a triangle where lo(x) <= level <= hi(x) for two such functions
//    (both linear there, so the region is the triangle clipped by two half-planes).
// An exclusion contour is drawn this way in Z = Phi^-1(1 - CLs) (HistFitter's harvesting), where
// CLs of neighbouring points interpolates linearly far better than CLs itself.
#pragma once

#include <array>
#include <utility>
#include <vector>

namespace hessfit::configs::detail {

using Point2 = std::pair<double, double>;
using Triangle = std::array<int, 3>;  // indices of the points, counter-clockwise

/// The Delaunay triangles of `points` (fewer than 3 distinct points, or all on a line: none).
/// Duplicate points are used once (the first). Deterministic: the same points give the same triangles.
std::vector<Triangle> delaunay(const std::vector<Point2>& points);

/// The iso-line f = level of the piecewise-linear f over the triangles (f[i] at points[i]),
/// as polylines; points with a non-finite f leave their triangles out.
std::vector<std::vector<Point2>> iso_lines(const std::vector<Point2>& points, const std::vector<Triangle>& triangles,
                                           const std::vector<double>& f, double level);

/// The region where lo(x) >= level >= hi(x) (lo and hi piecewise linear, e.g. the Z of the -1 and
/// the +1 sigma expected CLs), as one convex polygon per triangle it meets.
std::vector<std::vector<Point2>> band_polygons(const std::vector<Point2>& points, const std::vector<Triangle>& triangles,
                                               const std::vector<double>& lo, const std::vector<double>& hi, double level);

}  // namespace hessfit::configs::detail
