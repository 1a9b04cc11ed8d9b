#include "hessfit/configs/postfit.hpp"

#include <chrono>
#include <cmath>
#include <map>

#include <fmt/format.h>

#include "hessfit/fit/profile.hpp"
#include "json_numbers.hpp"
#include "report_common.hpp"
#include "strings.hpp"

namespace hessfit::configs {

namespace {

using nlohmann::json;

json number(double v) { return detail::json_number<json>(v); }
json list(const Eigen::VectorXd& v) { return detail::json_numbers<json>(v); }

}  // namespace

bool PostfitResults::ok() const {
  return background_only_ok && (!gof || gof->status != infer::GofStatus::kNotFinite) && (!breakdown || breakdown->ok);
}

std::string PostfitResults::problems() const {
  std::string s;
  if (!background_only_ok) detail::append_joined(s, "; ", fmt::format("background-only fit: {}", background_only_message));
  if (gof && gof->status == infer::GofStatus::kNotFinite) detail::append_joined(s, "; ", fmt::format("goodness of fit: {}", gof->message));
  if (breakdown && !breakdown->ok) detail::append_joined(s, "; ", fmt::format("uncertainty breakdown: {}", breakdown->message));
  return s;
}

void check_postfit(const Config& config, const FitSetup& setup, Diagnostics& d) {
  const likelihood::Model* hf = setup.model.histfactory();
  std::vector<std::string> channels;
  if (hf != nullptr)
    for (const auto& c : hf->channels()) channels.push_back(c.name);
  for (const auto& [name, edges] : config.output.bin_edges) {
    const auto it = std::find(channels.begin(), channels.end(), name.value);
    if (it == channels.end()) {
      d.error(name.where, fmt::format("'output.bin_edges': the model has no channel '{}'{}", name.value,
                                      hf == nullptr ? std::string(" (not a HistFactory model)") : did_you_mean(name.value, channels)));
      continue;
    }
    const std::size_t bins = hf->channels()[static_cast<std::size_t>(it - channels.begin())].bins;
    if (edges.size() != bins + 1)
      d.error(name.where, fmt::format("'output.bin_edges.{}' has {} edges, the channel has {} bins (needs {})", name.value,
                                      edges.size(), bins, bins + 1));
  }
  const fit::Objective& o = setup.objective();
  for (const auto& g : config.uncertainties.breakdown.groups)
    for (const auto& p : g.patterns) {
      bool any = false;
      for (int i = 0; i < o.size() && !any; ++i) any = glob_match(p.value, o.name(i));
      if (!any)
        d.error(p.where, fmt::format("'uncertainties.breakdown.groups.{}': no parameter matches '{}'{}", g.name.value, p.value,
                                     did_you_mean(p.value, o.names())));
    }
}

std::vector<infer::BreakdownGroup> breakdown_groups(const Config& config, const FitSetup& setup) {
  const fit::Objective& o = setup.objective();
  std::vector<infer::BreakdownGroup> groups;
  if (!config.uncertainties.breakdown.groups.empty()) {
    for (const auto& g : config.uncertainties.breakdown.groups) {
      infer::BreakdownGroup group{g.name.value, {}};
      for (int i = 0; i < o.size(); ++i)
        for (const auto& p : g.patterns)
          if (glob_match(p.value, o.name(i))) {
            group.parameters.push_back(i);
            break;
          }
      groups.push_back(std::move(group));
    }
    return groups;
  }
  std::map<std::string, std::size_t> by_kind;  // first appearance order
  for (int i = 0; i < o.size(); ++i) {
    const ParameterInfo& p = setup.parameters[static_cast<std::size_t>(i)];
    if (p.constraint.type == Constraint::kNone || o.is_fixed(i)) continue;
    auto [it, added] = by_kind.emplace(p.kind, groups.size());
    if (added) groups.push_back({p.kind, {}});
    groups[it->second].parameters.push_back(i);
  }
  return groups;
}

PostfitResults run_postfit(const Config& config, const FitSetup& setup, const fit::FitResult& result) {
  const auto t0 = std::chrono::steady_clock::now();
  PostfitResults out;
  const infer::Model& model = setup.model;
  const likelihood::Model* hf = model.histfactory();
  const bool fitted = result.minimum.x.size() == setup.objective().size();
  if (hf != nullptr && config.output.yields && setup.full_model) {
    // A fit to some channels: every channel's yields, the others predicted from that fit.
    const likelihood::Model& all = *setup.full_model->histfactory();
    const infer::ParameterEstimate pre = infer::prefit_state(*setup.full_model);
    out.prefit = infer::yields(all, pre.x, pre.covariance);
    if (fitted && result.covariance.has_full_matrix()) {
      const infer::ParameterEstimate post = infer::match_parameters(*hf, result.minimum.x, result.covariance.covariance, all, pre);
      out.postfit = infer::yields(all, post.x, post.covariance);
    }
  } else if (hf != nullptr && config.output.yields) {
    const infer::ParameterEstimate pre = infer::prefit_state(model);
    out.prefit = infer::yields(*hf, pre.x, pre.covariance);
    if (fitted) out.postfit = infer::yields(*hf, result.minimum.x, result.covariance);
  }
  if (setup.full_model) {
    for (const auto& ch : hf != nullptr ? hf->channels() : std::vector<likelihood::ChannelInfo>{}) out.fitted_channels.push_back(ch.name);
  }
  if (fitted) out.gof = infer::saturated_gof(model, result.minimum.x);

  const auto poi = model.poi();
  if (hf != nullptr && poi && config.output.yields && config.fit.background_only && fitted) {
    fit::Objective o = setup.objective();
    if (!o.bounds(*poi).contains(0.0)) {
      out.background_only_message = fmt::format("no background-only fit: 0 is outside the bounds of '{}'", setup.poi());
    } else if (!o.is_fixed(*poi)) {
      o.fix(*poi, 0.0);
      fit::MinimizeOptions options = setup.options.minimize;
      const fit::MinimizeResult m = fit::minimize(o, result.minimum.x, options);
      const fit::CovarianceResult c = fit::covariance(o, m);
      if (setup.full_model) {
        const likelihood::Model& all = *setup.full_model->histfactory();
        const infer::ParameterEstimate post =
            infer::match_parameters(*hf, m.x, c.has_full_matrix() ? c.covariance : Eigen::MatrixXd::Zero(o.size(), o.size()), all,
                                    infer::prefit_state(*setup.full_model));
        out.background_only = infer::yields(all, post.x, post.covariance);
      } else {
        out.background_only = infer::yields(*hf, m.x, c);
      }
      out.background_only_ok = m.converged() && c.accurate();
      out.background_only_message = fmt::format("{} = 0: {}; covariance {}", setup.poi(), m.brief_report(), fit::to_string(c.status));
    }
  }

  if (poi && config.uncertainties.breakdown.enabled && fitted && !setup.objective().is_fixed(*poi)) {
    std::vector<bool> constrained;
    for (const auto& p : setup.parameters) constrained.push_back(p.constraint.type != Constraint::kNone);
    infer::BreakdownOptions options;
    options.refit = fit::ProfileOptions{}.conditional;
    options.threads = setup.options.threads;
    options.minos = config.uncertainties.breakdown.minos;
    options.minos_options = setup.options.minos_options;
    out.breakdown = infer::uncertainty_breakdown(setup.objective(), result.minimum, result.covariance, *poi, constrained,
                                                 breakdown_groups(config, setup), options, result.minos.find(setup.poi()));
  }
  out.time_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

namespace {

json yields_json(const PostfitResults& r) {
  json channels = json::array();
  const infer::Yields* any = r.postfit ? &*r.postfit : r.prefit ? &*r.prefit : nullptr;
  if (any == nullptr) return nullptr;
  for (std::size_t c = 0; c < any->channels.size(); ++c) {
    const auto& ch = any->channels[c];
    json samples = json::array();
    for (std::size_t s = 0; s < ch.samples.size(); ++s) {
      json sample = {{"name", ch.samples[s].name}};
      const auto add = [&](const char* key, const std::optional<infer::Yields>& y) {
        if (!y) return;
        const auto& sy = y->channels[c].samples[s];
        sample[key] = list(sy.yield);
        sample[std::string(key) + "_error"] = list(sy.error);
      };
      add("prefit", r.prefit);
      add("postfit", r.postfit);
      add("background_only", r.background_only);
      samples.push_back(sample);
    }
    json total = json::object(), summed = json::object();
    const auto add_total = [&](const char* key, const std::optional<infer::Yields>& y) {
      if (!y) return;
      const auto& cy = y->channels[c];
      total[key] = list(cy.total);
      total[std::string(key) + "_error"] = list(cy.total_error);
      summed[key] = number(cy.total_sum);
      summed[std::string(key) + "_error"] = number(cy.total_sum_error);
      json per_sample = json::array();
      for (const auto& sy : cy.samples) per_sample.push_back({{"name", sy.name}, {"yield", number(sy.sum)}, {"error", number(sy.sum_error)}});
      summed[std::string(key) + "_samples"] = per_sample;
    };
    add_total("prefit", r.prefit);
    add_total("postfit", r.postfit);
    add_total("background_only", r.background_only);
    summed["data"] = number(ch.data_sum);
    channels.push_back({{"name", ch.name}, {"bins", ch.bins}, {"data", list(ch.data)}, {"samples", samples},
                        {"total", total}, {"summed", summed}});
  }
  json y = {{"channels", channels},
            {"method", "exact first-order propagation var = J C J^T, J = d nu / d theta by automatic differentiation; "
                       "pre-fit: constrained parameters at their auxiliary centres with diagonal pre-fit variances"}};
  if (r.background_only) y["background_only"] = {{"ok", r.background_only_ok}, {"message", r.background_only_message}};
  if (!r.fitted_channels.empty()) y["fitted_channels"] = r.fitted_channels;
  return y;
}

json part_json(const infer::BreakdownPart& p) {
  json j = {{"name", p.name},          {"parameters", p.parameters}, {"error", number(p.error)},
            {"impact", number(p.impact)}, {"covariance_error", number(p.covariance_error)},
            {"covariance_impact", number(p.covariance_impact)}, {"ok", p.ok}, {"message", p.message}};
  if (std::isfinite(p.minos_lower) || std::isfinite(p.minos_upper))
    j["minos"] = {{"lower", number(p.minos_lower)}, {"upper", number(p.minos_upper)},
                  {"impact_lower", number(p.minos_impact_lower)}, {"impact_upper", number(p.minos_impact_upper)}};
  return j;
}

}  // namespace

void add_json(const PostfitResults& r, json& out) {
  if (r.prefit || r.postfit) out["yields"] = yields_json(r);
  if (r.gof) {
    const auto& g = *r.gof;
    json channels = json::array();
    for (const auto& c : g.channels) channels.push_back({{"name", c.name}, {"bins", c.bins}, {"chi2", number(c.chi2)}});
    out["goodness_of_fit"] = {{"saturated",
                               {{"chi2", number(g.chi2)},
                                {"dof", g.dof},
                                {"p_value", number(g.p_value)},
                                {"main", number(g.main)},
                                {"constraint", number(g.constraint)},
                                {"main_bins", g.main_bins},
                                {"free_unconstrained", g.free_unconstrained},
                                {"status", infer::to_string(g.status)},
                                {"message", g.message}}},
                              {"channels", channels}};
  }
  if (r.breakdown) {
    const auto& b = *r.breakdown;
    json groups = json::array();
    for (const auto& g : b.groups) groups.push_back(part_json(g));
    json j = {{"parameter", b.parameter}, {"value", number(b.value)}, {"total", number(b.total)},
              {"stat", part_json(b.stat)}, {"groups", groups}, {"quadrature_sum", number(b.quadrature_sum)},
              {"ok", b.ok}, {"message", b.message}};
    if (std::isfinite(b.total_minos_lower)) j["total_minos"] = {{"lower", number(b.total_minos_lower)}, {"upper", number(b.total_minos_upper)}};
    out["breakdown"] = j;
  }
}

namespace {

std::string pm(double v, double e) { return fmt::format("{:.4g} ± {:.2g}", v, e); }

void yields_table(std::string& s, const std::string& title, const infer::Yields& y, bool markdown) {
  // One row per channel (summed over bins): data, each sample, total.
  std::vector<std::string> samples;
  for (const auto& ch : y.channels)
    for (const auto& sy : ch.samples)
      if (std::find(samples.begin(), samples.end(), sy.name) == samples.end()) samples.push_back(sy.name);
  if (markdown) {
    s += fmt::format("### {}\n\n| channel | data |", title);
    for (const auto& n : samples) s += fmt::format(" {} |", n);
    s += " total |\n|---|---:|";
    for (std::size_t i = 0; i < samples.size(); ++i) s += "---:|";
    s += "---:|\n";
    for (const auto& ch : y.channels) {
      s += fmt::format("| {} | {:g} |", ch.name, ch.data_sum);
      for (const auto& n : samples) {
        auto it = std::find_if(ch.samples.begin(), ch.samples.end(), [&](const auto& sy) { return sy.name == n; });
        s += fmt::format(" {} |", it == ch.samples.end() ? std::string("") : pm(it->sum, it->sum_error));
      }
      s += fmt::format(" {} |\n", pm(ch.total_sum, ch.total_sum_error));
    }
    s += "\n";
  } else {
    s += fmt::format("{} (summed over bins: data, total ± error)\n", title);
    std::size_t w = 8;
    for (const auto& ch : y.channels) w = std::max(w, ch.name.size());
    for (const auto& ch : y.channels)
      s += fmt::format("  {:<{}}  {:>10g}  {:>22}\n", ch.name, w, ch.data_sum, pm(ch.total_sum, ch.total_sum_error));
  }
}

}  // namespace

std::string markdown_sections(const PostfitResults& r) {
  std::string s;
  if (r.prefit || r.postfit) {
    s += "## Yields\n\nPer channel, summed over its bins; errors by exact first-order propagation (J C J^T, J by automatic "
         "differentiation). cabinetry's post-fit band sums ±1σ secants instead (v^T ρ v), so expect differences at the "
         "percent level from it for large systematics. Per-bin yields of every sample are in results.json under \"yields\".\n\n";
    if (!r.fitted_channels.empty()) {
      s += "The fit used only the channels";
      for (const auto& c : r.fitted_channels) s += fmt::format(" `{}`", c);
      s += "; the post-fit yields of the others are predicted from it (parameters it does not have at their pre-fit "
           "values and uncertainties).\n\n";
    }
    if (r.prefit) yields_table(s, "Pre-fit", *r.prefit, true);
    if (r.postfit) yields_table(s, "Post-fit", *r.postfit, true);
    if (r.background_only) {
      yields_table(s, "Background-only fit (POI = 0)", *r.background_only, true);
      s += fmt::format("Background-only fit: {}\n\n", r.background_only_message);
    }
  }
  if (r.gof) {
    const auto& g = *r.gof;
    s += "## Goodness of fit\n\nSaturated model (as cabinetry): χ² = 2 Σ_b [ν − n + n ln(n/ν)] + 2 [C(θ̂) − C(θ_aux)], "
         "dof = main bins − free unconstrained parameters.\n\n";
    s += fmt::format("**χ² = {:.4f}, dof = {}, p = {}** — {}\n\n", g.chi2, g.dof,
                     std::isfinite(g.p_value) ? fmt::format("{:.4g}", g.p_value) : std::string("—"), g.message);
    s += "| part | bins | χ² |\n|---|---:|---:|\n";
    for (const auto& c : g.channels) s += fmt::format("| {} | {} | {:.4f} |\n", c.name, c.bins, c.chi2);
    s += fmt::format("| constraint terms | | {:.4f} |\n\n", g.constraint);
  }
  if (r.breakdown) {
    const auto& b = *r.breakdown;
    s += fmt::format("## Uncertainty breakdown of {}\n\n", b.parameter);
    s += "Impact of a group: sqrt(σ_total² − σ²) with σ from a refit with the group fixed at its best fit (Hessian errors); "
         "stat: every constrained parameter fixed, free normalisations free. Beside it the estimate from the covariance alone "
         "(conditional variance).\n\n";
    const bool minos = std::isfinite(b.stat.minos_lower);
    s += fmt::format("| part | fixed | impact | covariance estimate |{}\n|---|---:|---:|---:|{}\n", minos ? " MINOS impact (−/+) |" : "",
                     minos ? "---:|" : "");
    const auto row = [&](const infer::BreakdownPart& p) {
      s += fmt::format("| {} | {} | {:.4g} | {:.4g} |", p.name, p.parameters, p.impact, p.covariance_impact);
      if (minos) s += fmt::format(" −{:.4g} / +{:.4g} |", p.minos_impact_lower, p.minos_impact_upper);
      s += "\n";
    };
    row(b.stat);
    for (const auto& g : b.groups) row(g);
    s += fmt::format("| **total** | | **{:.4g}** | |\n\n", b.total);
    s += fmt::format("stat ⊕ groups = {:.4g} against the total {:.4g}: the groups are correlated with each other (and may "
                     "overlap), so their impacts need not add up in quadrature. {}\n\n",
                     b.quadrature_sum, b.total, b.message);
  }
  return s;
}

std::string text_section(const PostfitResults& r) {
  std::string s;
  if (r.postfit) yields_table(s, "Post-fit yields", *r.postfit, false);
  else if (r.prefit) yields_table(s, "Pre-fit yields", *r.prefit, false);
  if (r.gof) s += fmt::format("Goodness of fit (saturated): {}; constraint part {:.4g}\n", r.gof->message, r.gof->constraint);
  if (r.breakdown) {
    const auto& b = *r.breakdown;
    s += fmt::format("Breakdown of {} (± {:.4g}): stat {:.4g}", b.parameter, b.total, b.stat.impact);
    for (const auto& g : b.groups) s += fmt::format(", {} {:.4g}", g.name, g.impact);
    s += "\n";
  }
  return s;
}

}  // namespace hessfit::configs
