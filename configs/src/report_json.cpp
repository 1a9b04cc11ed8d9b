// results.json: the versioned machine-readable report (schema in configs/README.md).
// Non-finite numbers (an unbounded side, an undefined error) are written as null.
#include <cmath>

#include "json_numbers.hpp"
#include "report_common.hpp"

#ifndef HESSFIT_CONFIGS_VERSION
#define HESSFIT_CONFIGS_VERSION "unknown"
#endif

namespace hessfit::configs {

namespace {

using nlohmann::json;

json number(double v) { return detail::json_number<json>(v); }
json vector_json(const Eigen::VectorXd& v) { return detail::json_numbers<json>(v); }

json matrix_json(const std::vector<std::string>& names, const Eigen::MatrixXd& m) {
  json rows = json::array();
  for (Eigen::Index i = 0; i < m.rows(); ++i) {
    json row = json::array();
    for (Eigen::Index j = 0; j < m.cols(); ++j) row.push_back(number(m(i, j)));
    rows.push_back(row);
  }
  return {{"names", names}, {"matrix", rows}};
}

// The covariance or correlation as the fit holds it: the n x n matrix, or on the sparse path
// (fit::CovarianceResult::has_full_matrix() false) the entries computed, each pair once (i <= j).
json covariance_json(const std::vector<std::string>& names, const fit::CovarianceResult& cov, bool correlation) {
  if (cov.has_full_matrix()) return matrix_json(names, correlation ? cov.correlation : cov.covariance);
  const Eigen::SparseMatrix<double>& m = correlation ? cov.sparse_correlation : cov.sparse_covariance;
  json entries = json::array();
  for (Eigen::Index j = 0; j < m.outerSize(); ++j)
    for (Eigen::SparseMatrix<double>::InnerIterator it(m, j); it; ++it)
      if (it.row() <= j) entries.push_back({it.row(), j, number(it.value())});
  return {{"names", names}, {"format", "sparse"}, {"entries", entries}};
}

json directions_json(const std::vector<fit::EigenDirection>& directions) {
  json a = json::array();
  for (const auto& d : directions) {
    json dominant = json::array();
    for (const auto& p : d.dominant) dominant.push_back({{"name", p.name}, {"component", number(p.component)}});
    a.push_back({{"eigenvalue", number(d.eigenvalue)}, {"dominant", dominant}});
  }
  return a;
}

json refit_json(const fit::ImpactRefit& r) {
  return {{"theta", number(r.theta)}, {"delta_poi", number(r.delta_poi)}, {"clipped", r.clipped}, {"converged", r.converged()}};
}

std::vector<std::string> split_problems(const std::string& text) {
  std::vector<std::string> out;
  for (std::size_t start = 0; start < text.size();) {
    const std::size_t end = text.find("; ", start);
    out.push_back(text.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) break;
    start = end + 2;
  }
  return out;
}

}  // namespace

json results_json(const Report& report) {
  const fit::FitResult& r = report.result;
  const FitSetup& s = report.setup;
  const auto& m = r.minimum;
  const auto& cov = r.covariance;

  json stages = json::array();
  for (const auto& st : m.stages)
    stages.push_back({{"method", fit::to_string(st.method)},
                      {"termination", fit::to_string(st.termination)},
                      {"nll", number(st.fval)},
                      {"edm", number(st.edm)},
                      {"iterations", st.iterations},
                      {"evaluations", st.evaluations},
                      {"time_seconds", st.time_seconds}});
  json status = {{"ok", r.ok()},
                 {"converged", m.converged()},
                 {"termination", fit::to_string(m.termination)},
                 {"message", m.message},
                 {"minimizer", fit::to_string(m.method)},
                 {"edm", number(m.edm)},
                 {"iterations", m.iterations},
                 {"evaluations", m.evaluations},
                 {"gradient_evaluations", m.gradient_evaluations},
                 {"hessian_evaluations", m.hessian_evaluations},
                 {"stages", stages},
                 {"covariance_status", fit::to_string(cov.status)},
                 {"covariance_message", cov.message},
                 {"min_eigenvalue", number(cov.min_eigenvalue)},
                 {"max_eigenvalue", number(cov.max_eigenvalue)},
                 {"condition_number", number(cov.condition_number)},
                 {"min_scaled_eigenvalue", number(m.min_scaled_eigenvalue)},
                 {"smallest_directions", directions_json(cov.smallest)},
                 {"offending_directions", directions_json(cov.offending)},
                 {"restarts", r.restarts},
                 {"minimum_history", r.minimum_history},
                 {"unresolved_new_minimum", r.unresolved_new_minimum},
                 {"problems", r.ok() ? json::array() : json(split_problems(r.problems()))}};

  json parameters = json::array();
  for (const auto& row : detail::parameter_rows(report)) {
    json p = {{"name", row.name},
              {"kind", row.kind},
              {"value", number(row.value)},
              {"error", number(row.error)},
              {"initial", number(row.initial)},
              {"fixed", row.fixed},
              {"poi", row.poi},
              {"bounds", {number(row.bounds.lower), number(row.bounds.upper)}},
              {"state", fit::to_string(row.state)}};
    if (row.constraint.type != Constraint::kNone)
      p["constraint"] = {{"type", std::string(likelihood::to_string(row.constraint.type))}, {"centre", number(row.constraint.centre)}, {"sigma", number(row.constraint.sigma)}};
    else
      p["constraint"] = nullptr;
    p["pull"] = row.pull ? number(*row.pull) : json(nullptr);
    p["constraint_ratio"] = row.constraint_ratio ? number(*row.constraint_ratio) : json(nullptr);
    if (row.minos != nullptr) {
      p["minos"] = {{"lower", number(row.minos->lower.offset)},
                    {"upper", number(row.minos->upper.offset)},
                    {"lower_status", fit::to_string(row.minos->lower.status)},
                    {"upper_status", fit::to_string(row.minos->upper.status)},
                    {"cl", s.options.minos_options.confidence_level}};
    }
    parameters.push_back(p);
  }

  json scans = json::array();
  for (const auto& sc : r.scans) {
    json values = json::array(), delta = json::array(), converged = json::array();
    for (const auto& p : sc.points) {
      values.push_back(number(p.value));
      delta.push_back(number(p.delta));
      converged.push_back(p.converged());
    }
    scans.push_back({{"parameter", sc.name},
                     {"best_fit", number(sc.best_fit)},
                     {"values", values},
                     {"delta_nll", delta},
                     {"converged", converged},
                     {"time_seconds", sc.time_seconds}});
  }

  json contours = json::array();
  for (const auto& k : r.contours) {
    json points = json::array(), statuses = json::array();
    for (const auto& p : k.points) {
      points.push_back({number(p.x), number(p.y)});
      statuses.push_back(fit::to_string(p.status));
    }
    contours.push_back({{"parameters", {k.x_name, k.y_name}},
                        {"cl", k.confidence_level},
                        {"delta_nll", number(k.threshold)},
                        {"best_fit", {number(k.x_best), number(k.y_best)}},
                        {"points", points},
                        {"status", statuses},
                        {"ok", k.ok()},
                        {"time_seconds", k.time_seconds}});
  }

  json impacts = nullptr;
  if (r.impacts) {
    const auto& im = *r.impacts;
    json ranking = json::array();
    for (const auto& x : im.impacts) {
      json item = {{"name", x.name},
                   {"value", number(x.value)},
                   {"postfit_sigma", number(x.postfit_sigma)},
                   {"prefit_sigma", number(x.prefit_sigma)},
                   {"postfit", {{"up", number(x.postfit_up.delta_poi)}, {"down", number(x.postfit_down.delta_poi)}}},
                   {"covariance", {{"postfit", number(x.covariance_postfit)}, {"prefit", number(x.covariance_prefit)}}},
                   {"refits", {{"postfit_up", refit_json(x.postfit_up)}, {"postfit_down", refit_json(x.postfit_down)}}}};
      if (s.options.impacts_options.prefit) {
        item["prefit"] = {{"up", number(x.prefit_up.delta_poi)}, {"down", number(x.prefit_down.delta_poi)}};
        item["refits"]["prefit_up"] = refit_json(x.prefit_up);
        item["refits"]["prefit_down"] = refit_json(x.prefit_down);
      }
      ranking.push_back(item);
    }
    impacts = {{"poi", im.poi},
               {"poi_value", number(im.poi_value)},
               {"poi_error", number(im.poi_error)},
               {"ranking", ranking},
               {"skipped", im.skipped},
               {"all_converged", im.all_converged()},
               {"time_seconds", im.time_seconds}};
  }

  json minos_names = json::array();
  for (const auto& i : r.minos.intervals) minos_names.push_back(i.name);

  const auto& t = r.timing;
  json out = {{"schema", "hessfit.fit-results"},
          {"schema_version", kResultsSchemaVersion},
          {"hessfit_version", HESSFIT_CONFIGS_VERSION},
          {"title", report.config.title},
          {"model", s.description},
          {"poi", s.poi().empty() ? json(nullptr) : json(s.poi())},
          {"status", status},
          {"nll", number(m.fval)},
          {"twice_nll", number(2.0 * m.fval)},
          {"errordef", s.objective().errordef()},
          {"parameters", parameters},
          {"covariance", covariance_json(r.names, cov, false)},
          {"correlation", covariance_json(r.names, cov, true)},
          {"gradient", vector_json(m.gradient)},
          {"minos",
           {{"cl", s.options.minos_options.confidence_level}, {"delta_nll", number(r.minos.threshold)}, {"parameters", minos_names}, {"time_seconds", r.minos.time_seconds}}},
          {"scans", scans},
          {"contours", contours},
          {"impacts", impacts},
          {"inference", report.inference != nullptr ? json(to_json(*report.inference)) : json(nullptr)},
          {"toys", report.toys != nullptr ? json(to_json(*report.toys)) : json(nullptr)},
          {"warnings", s.warnings},
          {"timing",
           {{"load", report.timing.load},
            {"minimize", t.minimize},
            {"covariance", t.covariance},
            {"minos", t.minos},
            {"scans", t.scans},
            {"contours", t.contours},
            {"impacts", t.impacts},
            {"fit_total", t.total},
            {"inference", report.inference != nullptr ? report.inference->time_seconds : 0.0},
            {"toys", report.toys != nullptr ? report.toys->time_seconds : 0.0},
            {"report", report.timing.report},
            {"total", report.timing.total}}},
          {"config", to_json(report.config)}};
  out["timing"]["postfit"] = report.postfit != nullptr ? report.postfit->time_seconds : 0.0;
  if (report.postfit != nullptr) add_json(*report.postfit, out);
  return out;
}

}  // namespace hessfit::configs
