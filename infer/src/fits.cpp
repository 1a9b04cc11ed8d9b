#include "hessfit/infer/fits.hpp"

#include <algorithm>
#include <cmath>
#include <utility>

namespace hessfit::infer {

std::string to_string(AsimovType type) { return type == AsimovType::kPrefit ? "prefit" : "postfit"; }

std::optional<AsimovType> parse_asimov_type(std::string_view name) {
  if (name == "postfit") return AsimovType::kPostfit;
  if (name == "prefit") return AsimovType::kPrefit;
  return std::nullopt;
}

PoiFits::PoiFits(fit::Objective objective, int poi, double free_poi_lower, InferenceOptions options,
                 std::optional<Eigen::VectorXd> known_minimum)
    : state_(std::make_shared<State>(std::move(objective))) {
  state_->poi = poi;
  state_->free_poi_lower = free_poi_lower;
  state_->options = std::move(options);
  state_->known_minimum = std::move(known_minimum);
}

void PoiFits::ensure_free() const {
  std::call_once(state_->free_once, [s = state_.get()] {
    fit::Objective free = s->objective;
    const Bounds b = free.bounds(s->poi);
    if (!free.is_fixed(s->poi) && s->free_poi_lower > b.lower && s->free_poi_lower <= b.upper)
      free.set_bounds(s->poi, {s->free_poi_lower, b.upper});
    if (s->known_minimum) {
      s->free = fit::minimize(free, *s->known_minimum, s->options.conditional_fit);
      if (!s->free.converged()) {
        fit::MinimizeResult again = fit::minimize(free, s->options.free_fit);
        if (fit::better_fit(again, s->free)) s->free = std::move(again);
      }
    } else {
      s->free = fit::minimize(free, s->options.free_fit);
    }
    // Warm starts of the conditional fits: the predictor dx/dmu and the chord (inverse Hessian)
    // at the free minimum, on the objective whose POI is free.
    fit::Objective released = s->objective;
    released.release(s->poi);
    Eigen::VectorXd unit(1);
    unit[0] = 1.0;
    s->predictor = fit::linear_predictor(released, s->free, {s->poi}, unit);
    s->chord = fit::Chord::at(released, s->free);
  });
}

const fit::MinimizeResult& PoiFits::free_fit() const {
  ensure_free();
  return state_->free;
}

std::shared_ptr<const fit::MinimizeResult> PoiFits::fixed_fit(double mu) const {
  ensure_free();
  State& s = *state_;
  {
    const std::lock_guard lock(s.mutex);
    if (const auto it = s.fixed.find(mu); it != s.fixed.end()) return it->second;
  }
  fit::Objective conditional = s.objective;
  const Bounds b = conditional.bounds(s.poi);
  if (!b.contains(mu)) conditional.set_bounds(s.poi, {std::min(b.lower, mu), std::max(b.upper, mu)});
  const std::vector<int> moved{s.poi};
  Eigen::VectorXd value(1);
  value[0] = mu;
  const Eigen::VectorXd start =
      fit::predicted_start(conditional, s.free.x, s.predictor, mu - s.free.x[s.poi], moved, value);
  auto result = std::make_shared<fit::MinimizeResult>(
      fit::conditional_minimum(conditional, moved, value, start, s.options.conditional_fit, &s.chord));
  if (!result->converged()) {
    // Second start, from the model's initial values.
    fit::MinimizeResult second =
        fit::conditional_minimum(conditional, moved, value, conditional.values(), s.options.conditional_fit);
    if (fit::better_fit(second, *result)) *result = std::move(second);
  }
  const std::lock_guard lock(s.mutex);
  return s.fixed.emplace(mu, std::move(result)).first->second;  // the first stored wins (identical anyway)
}

AsimovData make_asimov_data(const Model& model, const PoiFits& data_fits, double mu_asimov, AsimovType type) {
  AsimovData a;
  a.poi_value = mu_asimov;
  a.type = type;
  if (type == AsimovType::kPostfit) {
    a.fit = data_fits.fixed_fit(mu_asimov);
    a.parameters = a.fit->x;
  } else {
    a.parameters = model.objective().values();
    a.parameters[data_fits.poi()] = mu_asimov;
  }
  a.data = model.expected_data(a.parameters);
  return a;
}

}  // namespace hessfit::infer
