#include "hessfit/fit/fit.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cmath>

#include "free_problem.hpp"

namespace hessfit::fit {

bool FitResult::ok() const { return problems().empty(); }

std::string FitResult::problems() const {
  std::string out;
  auto add = [&](const std::string& s) { out += (out.empty() ? "" : "; ") + s; };
  if (!minimum.converged()) add("minimisation: " + minimum.message);
  if (!covariance.accurate()) add("covariance " + to_string(covariance.status) + ": " + covariance.message);
  for (const auto& i : minos.intervals) {
    for (const MinosSide* s : {&i.lower, &i.upper}) {
      if (!s->ok()) add("MINOS '" + i.name + "' " + (s == &i.lower ? "lower" : "upper") + ": " + to_string(s->status) + " (" + s->message + ")");
    }
  }
  for (const auto& s : scans) {
    if (!s.all_converged()) add("scan of '" + s.name + "': not all points converged");
  }
  for (const auto& c : contours) {
    if (!c.ok()) add("contour '" + c.x_name + "' x '" + c.y_name + "': not all points found");
  }
  if (impacts && !impacts->all_converged()) add("impacts: not all refits converged");
  if (unresolved_new_minimum) add("a profile fit found a point below the minimum after the last restart");
  return out;
}

namespace {

void set_threads(ProfileOptions& profile, int threads) { profile.threads = threads; }

std::string plural(std::size_t n, const std::string& word) { return std::to_string(n) + " " + word + (n == 1 ? "" : "s"); }

}  // namespace

FitResult fit(const Objective& objective, const FitOptions& options_in) {
  const auto t_start = std::chrono::steady_clock::now();
  FitOptions options = options_in;
  set_threads(options.minos_options.profile, options.threads);
  set_threads(options.scan_options.profile, options.threads);
  set_threads(options.contour_options.profile, options.threads);
  set_threads(options.impacts_options.profile, options.threads);
  options.minimize.probe.threads = options.threads;
  // On the sparse path the covariance keeps its selected entries and the whole rows of the
  // parameters the profile computations are about (MINOS, scans, the impacts' POI).
  auto full_row = [&](const std::string& name) {
    if (const auto i = objective.find(name)) options.covariance.full_rows.push_back(*i);
  };
  for (const auto& name : options.minos) full_row(name);
  for (const auto& scan : options.scans) full_row(scan.parameter);
  for (const auto& contour : options.contours) full_row(contour.x), full_row(contour.y);
  if (options.impacts) full_row(options.impacts->poi);

  auto say = [&](const std::string& step) {
    if (options.progress) options.progress(step);
  };

  FitResult result;
  result.names = objective.names();
  Eigen::VectorXd start = objective.values();
  for (int attempt = 0;; ++attempt) {
    const std::string again = attempt == 0 ? "" : " (restart " + std::to_string(attempt) + ")";
    say("minimising " + plural(static_cast<std::size_t>(objective.n_free()), "free parameter") + again);
    auto clock = std::chrono::steady_clock::now();
    result.minimum = minimize(objective, start, options.minimize);
    result.minimum_history.push_back(result.minimum.fval);
    result.timing.minimize += detail::seconds_since(clock);

    say("covariance from the exact Hessian" + again);
    clock = std::chrono::steady_clock::now();
    result.covariance = covariance(objective, result.minimum, options.covariance);
    result.timing.covariance += detail::seconds_since(clock);

    Eigen::VectorXd lower_point;
    double lower_f = result.minimum.fval;
    auto consider = [&](bool found, const Eigen::VectorXd& x) {
      if (!found || x.size() != objective.size()) return;
      const double f = objective.value(x);
      if (f < lower_f) {
        lower_f = f;
        lower_point = x;
      }
    };
    const bool can_restart = attempt < options.max_restarts;

    if (!options.minos.empty()) say("MINOS on " + plural(options.minos.size(), "parameter") + again);
    clock = std::chrono::steady_clock::now();
    result.minos = minos(objective, result.minimum, result.covariance, options.minos, options.minos_options);
    result.timing.minos += detail::seconds_since(clock);
    consider(result.minos.new_minimum_found(), result.minos.lowest_new_minimum());

    result.scans.clear();
    result.contours.clear();
    result.impacts.reset();
    if (lower_point.size() == 0 || !can_restart) {
      clock = std::chrono::steady_clock::now();
      for (std::size_t k = 0; k < options.scans.size(); ++k) {
        const ScanRequest& request = options.scans[k];
        say("profile scan " + std::to_string(k + 1) + "/" + std::to_string(options.scans.size()) + " of '" +
            request.parameter + "'" + again);
        std::vector<double> values = request.values;
        if (values.empty()) {
          const int i = objective.index(request.parameter);
          const double sigma = result.covariance.errors[i] > 0.0 && std::isfinite(result.covariance.errors[i])
                                   ? result.covariance.errors[i]
                                   : 1.0;
          values = scan_values(result.minimum.x[i], request.width_sigmas * sigma, objective.bounds(i), request.points);
        }
        result.scans.push_back(profile_scan(objective, result.minimum, request.parameter, values, options.scan_options));
        consider(result.scans.back().new_minimum_found, result.scans.back().new_minimum);
      }
      result.timing.scans += detail::seconds_since(clock);
    }
    if (lower_point.size() == 0 || !can_restart) {
      clock = std::chrono::steady_clock::now();
      std::size_t total = 0, done = 0;
      for (const auto& request : options.contours) total += request.confidence_levels.size();
      for (const auto& request : options.contours) {
        for (const double cl : request.confidence_levels) {
          say("contour " + std::to_string(++done) + "/" + std::to_string(total) + " of '" + request.x + "' and '" +
              request.y + "'" + again);
          ContourOptions co = options.contour_options;
          co.confidence_level = cl;
          co.points = request.points;
          result.contours.push_back(profile_contour(objective, result.minimum, result.covariance, request.x, request.y, co));
          consider(result.contours.back().new_minimum_found, result.contours.back().new_minimum);
        }
      }
      result.timing.contours += detail::seconds_since(clock);
    }
    if ((lower_point.size() == 0 || !can_restart) && options.impacts) {
      say("impacts of " + plural(options.impacts->constrained.size(), "nuisance parameter") + " on '" +
          options.impacts->poi + "'" + again);
      clock = std::chrono::steady_clock::now();
      result.impacts = impacts(objective, result.minimum, result.covariance, options.impacts->poi,
                               options.impacts->constrained, options.impacts_options);
      result.timing.impacts += detail::seconds_since(clock);
      consider(result.impacts->new_minimum_found, result.impacts->new_minimum);
    }
    if (lower_point.size() == 0) break;
    if (!can_restart) {
      result.unresolved_new_minimum = true;
      break;
    }
    ++result.restarts;
    start = lower_point;
  }

  result.parameters.resize(static_cast<std::size_t>(objective.size()));
  for (int i = 0; i < objective.size(); ++i) {
    ParameterResult& p = result.parameters[static_cast<std::size_t>(i)];
    p.index = i;
    p.name = objective.name(i);
    p.value = result.minimum.x[i];
    p.error = result.covariance.errors[i];
    p.initial = objective.values()[i];
    p.bounds = objective.bounds(i);
    p.state = result.minimum.parameter_states.empty() ? ParameterState::kFree
                                                      : result.minimum.parameter_states[static_cast<std::size_t>(i)];
    if (const MinosInterval* m = result.minos.find(p.name)) p.minos = *m;
  }
  result.timing.total = detail::seconds_since(t_start);
  return result;
}

std::string FitResult::report() const {
  std::string out;
  out += fmt::format("minimum: {}, {:.3f} s\n", minimum.brief_report(), minimum.time_seconds);
  out += "  " + minimum.message + "\n";
  out += "covariance: " + to_string(covariance.status) + " (" + covariance.message + ")\n";
  if (restarts > 0) out += "restarts after a lower profile point: " + std::to_string(restarts) + "\n";
  out += fmt::format("{:<40} {:>14} {:>12} {:>12} {:>12}  {}\n", "parameter", "value", "error", "minos-",
                     "minos+", "state");
  // MINOS flags: '*' a side that ends at a parameter limit, '!' a side without a valid crossing.
  const auto side = [](const auto& s, bool plus) {
    const char* flag = s.ok() ? (s.at_limit() ? "*" : "") : "!";
    return plus ? fmt::format("{:+.6g}{}", s.offset, flag) : fmt::format("{:.6g}{}", s.offset, flag);
  };
  for (const auto& p : parameters) {
    const std::string lo = p.minos ? side(p.minos->lower, false) : std::string{};
    const std::string hi = p.minos ? side(p.minos->upper, true) : std::string{};
    out += fmt::format("{:<40} {:>14.8g} {:>12.6g} {:>12} {:>12}  {}\n", p.name, p.value, p.error, lo, hi,
                       to_string(p.state));
  }
  out += fmt::format("time: minimise {:.3f} s, covariance {:.3f} s, minos {:.3f} s, scans {:.3f} s, "
                     "contours {:.3f} s, impacts {:.3f} s, total {:.3f} s\n",
                     timing.minimize, timing.covariance, timing.minos, timing.scans, timing.contours,
                     timing.impacts, timing.total);
  if (!ok()) out += "problems: " + problems() + "\n";
  return out;
}

}  // namespace hessfit::fit
