#include "hessfit/infer/hypotest.hpp"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>

#include "hessfit/common/text.hpp"

namespace hessfit::infer {

void check_testable(const Model& model) {
  if (!model.poi())
    throw std::invalid_argument(model.name() + " has no POI: hypothesis tests need one (set 'model.poi' / --poi)");
  if (model.objective().is_fixed(*model.poi()))
    throw std::invalid_argument("the POI '" + model.poi_name() + "' is fixed: hypothesis tests need it free");
  if (!model.has_expected_data())
    throw NoExpectedData(model.name() + " has no expected data: Asimov data and CLs are unavailable");
}

namespace {

bool same_data(const Eigen::VectorXd& a, const Eigen::VectorXd& b) {
  return a.size() == b.size() && std::equal(a.data(), a.data() + a.size(), b.data());
}

double free_poi_lower(const Model& model, TestStatistic statistic) {
  const double lower = model.objective().bounds(model.poi().value_or(0)).lower;
  return clips_at_zero(statistic) ? std::max(lower, 0.0) : lower;
}

const Model& checked(const Model& model) {
  check_testable(model);
  return model;
}

/// Adds a problem of one fit to `message`.
void note_fit(std::string& message, bool& ok, const fit::MinimizeResult& r, const std::string& what) {
  if (r.converged()) return;
  ok = false;
  message += (message.empty() ? "" : "; ") + what + " did not converge (" + fit::to_string(r.termination) + ")";
}

void note_below(std::string& message, bool& ok, double f_conditional, double f_free, double errordef,
                const std::string& what) {
  const double tolerance = 1e-6 * errordef / fit::kErrorDefNll;
  if (!(f_conditional < f_free - tolerance)) return;
  ok = false;
  message += (message.empty() ? "" : "; ") + what + " went " + format_significant(f_free - f_conditional, 3) +
             " below the free fit: the free fit is not the global minimum";
}

}  // namespace

struct AsymptoticCalculator::Lazy {
  std::once_flag once;
  AsimovData asimov;
  std::optional<PoiFits> fits;
};

AsymptoticCalculator::AsymptoticCalculator(const Model& model, const Eigen::VectorXd& data, TestStatistic statistic,
                                           InferenceOptions options)
    : model_(std::make_shared<const Model>(checked(model))),
      statistic_(statistic),
      options_(options),
      poi_(model.poi().value_or(0)),
      free_lower_(0.0),
      data_fits_(same_data(data, model.observed_data()) ? model.objective() : model.objective_for(data),
                 model.poi().value_or(0), free_poi_lower(model, statistic), options),
      lazy_(std::make_shared<Lazy>()) {
  free_lower_ = free_poi_lower(model, statistic);
}

void AsymptoticCalculator::ensure_asimov() const {
  std::call_once(lazy_->once, [this] {
    lazy_->asimov = make_asimov_data(*model_, data_fits_, asimov_poi(statistic_), options_.asimov);
    lazy_->fits.emplace(model_->objective_for(lazy_->asimov.data), poi_, free_lower_, options_, lazy_->asimov.parameters);
  });
}

const PoiFits& AsymptoticCalculator::asimov_fits() const {
  ensure_asimov();
  return *lazy_->fits;
}

const AsimovData& AsymptoticCalculator::asimov() const {
  ensure_asimov();
  return lazy_->asimov;
}

AsymptoticCalculator::Statistics AsymptoticCalculator::statistics(double mu, bool with_data) const {
  Statistics s;
  const double up = model_->objective().errordef();
  const std::string at = "at " + model_->poi_name() + " = " + format_significant(mu, 8);
  if (with_data) {
    const fit::MinimizeResult& free = data_fits_.free_fit();
    const auto conditional = data_fits_.fixed_fit(mu);
    note_fit(s.message, s.ok, free, "the free fit to the data");
    note_fit(s.message, s.ok, *conditional, "the conditional fit to the data " + at);
    note_below(s.message, s.ok, conditional->fval, free.fval, up, "the conditional fit to the data " + at);
    s.q = test_statistic_value(statistic_, mu, free.x[poi_], conditional->fval, free.fval);
  }
  const PoiFits& asimov = asimov_fits();
  if (const auto& generating = lazy_->asimov.fit) note_fit(s.message, s.ok, *generating, "the fit generating the Asimov data");
  const fit::MinimizeResult& free = asimov.free_fit();
  const auto conditional = asimov.fixed_fit(mu);
  note_fit(s.message, s.ok, free, "the free fit to the Asimov data");
  note_fit(s.message, s.ok, *conditional, "the conditional fit to the Asimov data " + at);
  note_below(s.message, s.ok, conditional->fval, free.fval, up, "the conditional fit to the Asimov data " + at);
  s.q_asimov = test_statistic_value(statistic_, mu, free.x[poi_], conditional->fval, free.fval);
  return s;
}

HypotestResult AsymptoticCalculator::hypotest(double mu, bool allow_past_bound) const {
  const Bounds b = model_->objective().bounds(poi_);
  if (!std::isfinite(mu) || mu < b.lower || (!allow_past_bound && mu > b.upper))
    throw std::invalid_argument("the tested value " + model_->poi_name() + " = " + format_shortest(mu) +
                                " is outside the POI's bounds [" + format_shortest(b.lower) + ", " +
                                format_shortest(b.upper) + "]");
  HypotestResult r;
  r.mu = mu;
  r.statistic = statistic_;
  const Statistics s = statistics(mu);
  r.q_obs = s.q;
  r.q_asimov = s.q_asimov;
  r.ok = s.ok;
  r.message = s.message;
  r.mu_hat = data_fits_.poi_hat();
  r.mu_hat_asimov = asimov_fits().poi_hat();
  if (has_cls(statistic_)) {
    r.ts = asymptotic_ts(statistic_, r.q_obs, r.q_asimov);
    const double sqa = std::sqrt(std::max(r.q_asimov, 0.0));
    const PValues p = asymptotic_pvalues(r.ts, sqa);
    r.clsb_obs = p.clsb;
    r.clb_obs = p.clb;
    r.cls_obs = p.cls;
    const auto band = asymptotic_expected_band(sqa);
    for (std::size_t k = 0; k < 5; ++k) {
      r.clsb_exp[k] = band[k].clsb;
      r.clb_exp[k] = band[k].clb;
      r.cls_exp[k] = band[k].cls;
    }
    r.p_value = p.clsb;
  } else {
    r.p_value = two_sided_pvalue(statistic_, r.q_obs, r.q_asimov);
  }
  return r;
}

HypotestResult hypotest(double mu, const Eigen::VectorXd& data, const Model& model, TestStatistic statistic,
                        const InferenceOptions& options) {
  return AsymptoticCalculator(model, data, statistic, options).hypotest(mu);
}

HypotestResult hypotest(double mu, const Model& model, TestStatistic statistic, const InferenceOptions& options) {
  return hypotest(mu, model.observed_data(), model, statistic, options);
}

}  // namespace hessfit::infer
