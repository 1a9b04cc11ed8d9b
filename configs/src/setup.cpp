// From a Config to a FitSetup: builds the model, applies the parameter overrides and resolves
// every parameter name the uncertainties section mentions, recording problems at their place.
#include "hessfit/configs/setup.hpp"

#include "hessfit/configs/inference.hpp"
#include "hessfit/configs/postfit.hpp"
#include "hessfit/configs/toys.hpp"

#include <algorithm>
#include <memory>
#include <set>
#include <sstream>

#include "hessfit/likelihood/error.hpp"
#include "hessfit/likelihood/model.hpp"
#include "hessfit/likelihood/patchset.hpp"
#include "hessfit/likelihood/workspace.hpp"
#include "hessfit/common/text.hpp"
#include "strings.hpp"

namespace hessfit::configs {

bool glob_match(std::string_view pattern, std::string_view name) {
  // Iterative matcher with one backtracking point for the last '*'.
  std::size_t p = 0, n = 0, star = std::string_view::npos, mark = 0;
  while (n < name.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == name[n])) {
      ++p;
      ++n;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = n;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      n = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

namespace {

const Location& first_known(const Location& a, const Location& b) { return a.line > 0 || !a.source.empty() ? a : b; }

/// Each problem of a likelihood::InputError, located at the config value that led to it.
void report_input_error(Diagnostics& d, const Location& where, const std::string& what, const likelihood::InputError& e) {
  if (e.problems().empty()) {
    d.error(where, what + ": " + e.what());
    return;
  }
  for (const auto& p : e.problems()) {
    std::string text = e.source();
    if (!p.path.empty()) detail::append_joined(text, ": ", p.path);
    detail::append_joined(text, ": ", p.message);
    d.error(where, what + ": " + text);
  }
}

std::optional<likelihood::Workspace> load_workspace(const Config& c, Diagnostics& d) {
  const ModelConfig& m = c.model;
  try {
    return likelihood::Workspace::load(m.workspace->value);
  } catch (const likelihood::InputError& e) {
    report_input_error(d, m.workspace->where, "bad workspace", e);
  } catch (const std::exception& e) {
    d.error(m.workspace->where, std::string("cannot read the workspace: ") + e.what());
  }
  return std::nullopt;
}

std::optional<FitSetup> build_from_workspace(const Config& c, std::optional<likelihood::Workspace> ws, const std::string& patch,
                                             Diagnostics& d);

std::optional<FitSetup> build_histfactory(const Config& c, Diagnostics& d) {
  const ModelConfig& m = c.model;
  std::optional<likelihood::Workspace> ws = load_workspace(c, d);
  if (!ws) return std::nullopt;
  if (m.patchset) {
    try {
      const auto patchset = likelihood::PatchSet::load(m.patchset->value);
      ws = ws->with_patchset(patchset).patched(m.patch.value);
    } catch (const likelihood::InputError& e) {
      report_input_error(d, m.patch.where, "cannot apply patch '" + m.patch.value + "'", e);
      return std::nullopt;
    } catch (const std::exception& e) {
      d.error(m.patch.where, "cannot apply patch '" + m.patch.value + "': " + e.what());
      return std::nullopt;
    }
  }
  return build_from_workspace(c, std::move(ws), m.patchset ? m.patch.value : std::string{}, d);
}

/// The model of `ws` (the background-only workspace with `patch` applied, when not empty) as the
/// config's model section and fit.channels ask.
std::optional<FitSetup> build_from_workspace(const Config& c, std::optional<likelihood::Workspace> ws, const std::string& patch,
                                             Diagnostics& d) {
  const ModelConfig& m = c.model;
  const Location& ws_where = m.workspace->where;
  if (!m.measurement.value.empty()) {
    std::vector<std::string> names;
    for (const auto& meas : ws->measurements()) names.push_back(meas.name);
    if (std::find(names.begin(), names.end(), m.measurement.value) == names.end()) {
      std::string list;
      for (const auto& n : names) detail::append_joined(list, ", ", n);
      const std::string hint = did_you_mean(m.measurement.value, names);
      d.error(m.measurement.where, "the workspace has no measurement '" + m.measurement.value + "'" +
                                       (hint.empty() ? " (measurements: " + list + ")" : hint));
      return std::nullopt;
    }
  }
  likelihood::ModelOptions options;
  options.measurement = m.measurement.value;
  if (m.poi.value == "none") options.no_poi = true;
  else options.poi = m.poi.value;
  options.normsys = m.normsys_interpolation == "code1" ? likelihood::Interpolation::kCode1 : likelihood::Interpolation::kCode4;
  options.histosys = m.histosys_interpolation == "code0"   ? likelihood::Interpolation::kCode0
                     : m.histosys_interpolation == "code2" ? likelihood::Interpolation::kCode2
                                                           : likelihood::Interpolation::kCode4p;
  // fit.channels: the fit sees only the chosen channels; the whole model predicts the others.
  std::optional<infer::Model> full;
  if (!c.fit.channels.empty()) {
    std::vector<std::string> names;
    for (const auto& ch : ws->channels()) names.push_back(ch.name);
    std::set<std::string> kept;
    for (const auto& g : c.fit.channels) {
      bool any = false;
      for (const auto& n : names)
        if (glob_match(g.value, n)) {
          kept.insert(n);
          any = true;
        }
      if (!any) d.error(g.where, "'fit.channels': no channel matches '" + g.value + "'" + did_you_mean(g.value, names));
    }
    if (kept.empty()) return std::nullopt;
    try {
      full = infer::Model(ws->model(options));
      nlohmann::json doc = ws->json();
      for (const char* key : {"channels", "observations"}) {
        nlohmann::json chosen = nlohmann::json::array();
        for (const auto& ch : doc[key])
          if (kept.contains(ch["name"].get<std::string>())) chosen.push_back(ch);
        doc[key] = chosen;
      }
      ws = likelihood::Workspace::from_json(std::move(doc), ws->source());
    } catch (const likelihood::InputError& e) {
      report_input_error(d, c.fit.channels.front().where, "cannot build the model of the chosen channels", e);
      return std::nullopt;
    } catch (const std::exception& e) {
      d.error(c.fit.channels.front().where, std::string("cannot build the model of the chosen channels: ") + e.what());
      return std::nullopt;
    }
  }
  std::optional<likelihood::Model> model;
  try {
    model = ws->model(options);
  } catch (const likelihood::InputError& e) {
    report_input_error(d, m.poi.value.empty() ? first_known(m.measurement.where, ws_where) : m.poi.where, "cannot build the model", e);
    return std::nullopt;
  } catch (const std::exception& e) {
    d.error(m.poi.value.empty() ? ws_where : m.poi.where, std::string("cannot build the model: ") + e.what());
    return std::nullopt;
  }

  auto shared = std::make_shared<const likelihood::Model>(std::move(*model));
  std::string name = "pyhf workspace '" + m.workspace->value.generic_string() + "'";
  if (full) name += " (fit to " + std::to_string(shared->channels().size()) + " of its " +
                    std::to_string(full->histfactory()->channels().size()) + " channels)";
  if (!patch.empty()) name += " + patch '" + patch + "'";
  FitSetup built = histfactory_setup(std::move(shared), name);
  built.full_model = std::move(full);
  return built;
}

/// The same objective under other parameter names.
fit::Objective renamed(const fit::Objective& o, std::vector<std::string> names) {
  fit::Objective::Functions fns;
  fns.value = [o](const Eigen::VectorXd& x) { return o.value(x); };
  fns.gradient = [o](const Eigen::VectorXd& x, Eigen::VectorXd& g) { return o.value_and_gradient(x, g); };
  fns.hessian = [o](const Eigen::VectorXd& x, Eigen::VectorXd& g, Eigen::MatrixXd& h) { return o.value_gradient_hessian(x, g, h); };
  fit::Objective r = fit::Objective::from_functions(std::move(fns), std::move(names), o.values(), o.bounds(), o.errordef());
  for (int i = 0; i < o.size(); ++i)
    if (o.is_fixed(i)) r.fix(i);
  return r;
}

std::optional<FitSetup> build_nll(const Config& c, Diagnostics& d) {
  const ModelConfig& m = c.model;
  const NllDefinition* definition = find_nll(m.nll->value);
  if (definition == nullptr) return std::nullopt;  // reported by load_config
  const Location& data_where = first_known(m.data_where, m.nll->where);
  std::optional<NllModel> nm;
  try {
    nm = definition->build(m.data);
  } catch (const NllArgumentError& e) {
    const auto it = m.data.all().find(e.argument());
    d.error(it != m.data.all().end() ? it->second.where : data_where, "NLL '" + m.nll->value + "': " + e.what());
    return std::nullopt;
  } catch (const std::exception& e) {
    d.error(data_where, "NLL '" + m.nll->value + "': " + e.what());
    return std::nullopt;
  }
  fit::Objective objective = nm->objective;
  std::string poi = nm->poi;
  if (!m.parameter_names.empty()) {
    if (m.parameter_names.size() != static_cast<std::size_t>(objective.size())) {
      std::string list;
      for (const auto& n : objective.names()) detail::append_joined(list, ", ", n);
      d.error(m.parameter_names_where, "'model.parameters' names " + std::to_string(m.parameter_names.size()) +
                                           " parameters, NLL '" + m.nll->value + "' has " + std::to_string(objective.size()) +
                                           " (" + list + ")");
      return std::nullopt;
    }
    std::vector<std::string> names;
    std::set<std::string> seen;
    for (const auto& n : m.parameter_names) {
      if (!seen.insert(n.value).second) {
        d.error(n.where, "'model.parameters' names '" + n.value + "' twice");
        return std::nullopt;
      }
      names.push_back(n.value);
    }
    if (!poi.empty()) poi = names[static_cast<std::size_t>(objective.index(poi))];
    objective = renamed(objective, names);
  }
  if (m.poi.value == "none") {
    poi.clear();
  } else if (!m.poi.value.empty()) {
    if (!objective.find(m.poi.value)) {
      d.error(m.poi.where, "'model.poi': no parameter '" + m.poi.value + "'" + did_you_mean(m.poi.value, objective.names()));
      return std::nullopt;
    }
    poi = m.poi.value;
  }
  std::optional<infer::Model::DataFunctions> data = nm->data;
  std::vector<ParameterConstraint> constraints = nm->constraints;
  constraints.resize(static_cast<std::size_t>(objective.size()));
  FitSetup built{infer::Model::from_functions(objective, "model '" + m.nll->value + "'", poi, constraints, std::move(data)), {}, {}, {}, {}, std::nullopt};
  for (int i = 0; i < objective.size(); ++i)
    built.parameters.push_back({objective.name(i), "parameter", constraints[static_cast<std::size_t>(i)]});
  built.description = "C++ NLL '" + m.nll->value + "' (" + definition->description + "): " + std::to_string(objective.size()) +
                      " parameters (" + std::to_string(objective.n_free()) + " free)";
  return built;
}

std::string number_text(double v) { return format_significant(v, 6); }

void apply_overrides(const Config& c, fit::Objective& objective, Diagnostics& d) {
  const std::vector<std::string>& names = objective.names();
  std::vector<const ParameterOverride*> ordered;
  for (const auto& o : c.parameters)
    if (o.glob) ordered.push_back(&o);
  for (const auto& o : c.parameters)
    if (!o.glob) ordered.push_back(&o);
  for (const ParameterOverride* o : ordered) {
    std::vector<int> targets;
    if (o->glob) {
      for (int i = 0; i < objective.size(); ++i)
        if (glob_match(o->pattern.value, names[static_cast<std::size_t>(i)])) targets.push_back(i);
      if (targets.empty()) {
        d.error(o->pattern.where, "'parameters': the pattern '" + o->pattern.value + "' matches no parameter");
        continue;
      }
    } else if (auto i = objective.find(o->pattern.value)) {
      targets.push_back(*i);
    } else {
      d.error(o->pattern.where, "'parameters': no parameter '" + o->pattern.value + "'" + did_you_mean(o->pattern.value, names));
      continue;
    }
    for (const int i : targets) {
      if (o->bounds) objective.set_bounds(i, {o->bounds->value[0], o->bounds->value[1]});
      if (o->init) {
        const fit::Bounds& b = objective.bounds(i);
        if (!b.contains(o->init->value)) {
          d.error(o->init->where, "'parameters." + o->pattern.value + ".init' = " + number_text(o->init->value) + " is outside the bounds [" +
                                      number_text(b.lower) + ", " + number_text(b.upper) + "] of '" + names[static_cast<std::size_t>(i)] + "'");
          continue;
        }
        objective.set_value(i, o->init->value);
      }
      if (o->fixed) {
        if (o->fixed->value) objective.fix(i);
        else objective.release(i);
      }
    }
  }
}

/// Resolves a list of names/globs against the parameters; `poi_keyword` lets "poi" name the POI.
std::vector<std::string> resolve_names(const std::vector<Located<std::string>>& patterns, const fit::Objective& o,
                                       const std::string& poi, const std::string& what, Diagnostics& d) {
  std::vector<std::string> out;
  auto add = [&](const std::string& n) {
    if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  for (const auto& p : patterns) {
    if (p.value == "poi" && !o.find("poi")) {
      if (poi.empty()) d.error(p.where, "'" + what + "' names the POI, but the model has none (set 'model.poi')");
      else if (o.is_fixed(poi)) d.error(p.where, "'" + what + "': the POI '" + poi + "' is fixed; release it in 'parameters' to compute this");
      else add(poi);
    } else if (p.value.find_first_of("*?") != std::string::npos) {
      bool any = false;
      for (const auto& n : o.names())
        if (glob_match(p.value, n) && !o.is_fixed(n)) {
          add(n);
          any = true;
        }
      if (!any) d.error(p.where, "'" + what + "': the pattern '" + p.value + "' matches no free parameter");
    } else if (!o.find(p.value)) {
      d.error(p.where, "'" + what + "': no parameter '" + p.value + "'" + did_you_mean(p.value, o.names()));
    } else if (o.is_fixed(p.value)) {
      d.error(p.where, "'" + what + "': '" + p.value + "' is fixed; release it in 'parameters' to compute this");
    } else {
      add(p.value);
    }
  }
  return out;
}

/// One name (or "poi") that must be a free parameter; "" after an error.
std::string resolve_one(const Located<std::string>& name, const fit::Objective& o, const std::string& poi, const std::string& what,
                        Diagnostics& d) {
  if (name.value.find_first_of("*?") != std::string::npos) {
    d.error(name.where, "'" + what + "' must name one parameter, not a pattern ('" + name.value + "')");
    return {};
  }
  const auto r = resolve_names({name}, o, poi, what, d);
  return r.empty() ? std::string{} : r.front();
}

bool explicitly_given(const Location& where) { return !where.source.empty(); }

fit::FitOptions plan(const Config& c, const FitSetup& m, const fit::Objective& o, Diagnostics& d) {
  const std::string model_poi = m.model.poi_name();
  fit::FitOptions f;
  f.minimize.method = c.fit.minimizer;
  f.minimize.edm_tolerance = c.fit.tolerance;
  if (c.fit.max_iterations > 0) {
    f.minimize.newton.max_iterations = c.fit.max_iterations;
    f.minimize.quasi_newton.max_iterations = c.fit.max_iterations;
  }
  f.threads = c.fit.threads;
  f.max_restarts = c.fit.max_restarts;
  f.covariance.full_matrix = c.output.full_covariance;

  const UncertaintiesConfig& u = c.uncertainties;
  f.minos_options.confidence_level = u.cl;
  switch (u.minos.kind) {
    case MinosSelection::Kind::kNone: break;
    case MinosSelection::Kind::kPoi:
      if (!model_poi.empty() && !o.is_fixed(model_poi)) f.minos = {model_poi};
      else if (explicitly_given(u.minos.where))
        d.error(u.minos.where, model_poi.empty() ? "'uncertainties.minos' is 'poi', but the model has no POI (set 'model.poi')"
                                             : "'uncertainties.minos' is 'poi', but the POI '" + model_poi + "' is fixed");
      break;
    case MinosSelection::Kind::kAll:
      for (int i = 0; i < o.size(); ++i)
        if (!o.is_fixed(i)) f.minos.push_back(o.name(i));
      break;
    case MinosSelection::Kind::kList: f.minos = resolve_names(u.minos.names, o, model_poi, "uncertainties.minos", d); break;
  }

  for (std::size_t k = 0; k < u.scans.size(); ++k) {
    const ScanConfig& s = u.scans[k];
    const std::string what = "uncertainties.scans[" + std::to_string(k) + "]";
    if (!explicitly_given(s.where) && s.parameter.value == "poi" && !o.find("poi") && (model_poi.empty() || o.is_fixed(model_poi)))
      continue;  // the default POI scan, and there is no free POI
    const std::string name = resolve_one(s.parameter, o, model_poi, what + ".parameter", d);
    if (name.empty()) continue;
    fit::ScanRequest r;
    r.parameter = name;
    r.points = s.points;
    r.width_sigmas = s.width;
    if (s.range) {
      const fit::Bounds& b = o.bounds(o.index(name));
      const auto [lo, hi] = s.range->value;
      if (lo < b.lower || hi > b.upper) {
        d.error(s.range->where, "'" + what + ".range' [" + number_text(lo) + ", " + number_text(hi) + "] leaves the bounds [" +
                                    number_text(b.lower) + ", " + number_text(b.upper) + "] of '" + name + "'");
        continue;
      }
      for (int i = 0; i < s.points; ++i) r.values.push_back(lo + (hi - lo) * i / (s.points - 1));
    }
    f.scans.push_back(r);
  }

  for (std::size_t k = 0; k < u.contours.size(); ++k) {
    const ContourConfig& cc = u.contours[k];
    const std::string what = "uncertainties.contours[" + std::to_string(k) + "].parameters";
    if (cc.parameters[0].value.empty()) continue;  // reported by load_config
    const std::string x = resolve_one(cc.parameters[0], o, model_poi, what, d);
    const std::string y = resolve_one(cc.parameters[1], o, model_poi, what, d);
    if (x.empty() || y.empty()) continue;
    if (x == y) {
      d.error(cc.where, "'" + what + "' names '" + x + "' twice; a contour needs two different parameters");
      continue;
    }
    f.contours.push_back({x, y, cc.cl, cc.points});
  }

  if (u.impacts.enabled) {
    const Location& where = u.impacts.where;
    std::string poi = model_poi;
    if (!u.impacts.poi.value.empty()) poi = resolve_one(u.impacts.poi, o, model_poi, "uncertainties.impacts.poi", d);
    else if (poi.empty()) d.error(where, "'uncertainties.impacts' needs a POI: the model has none (set 'uncertainties.impacts.poi')");
    else if (o.is_fixed(poi)) d.error(where, "'uncertainties.impacts': the POI '" + poi + "' is fixed");
    if (!poi.empty() && !o.is_fixed(poi)) {
      fit::ImpactsRequest request;
      request.poi = poi;
      std::vector<std::string> selected;
      if (!u.impacts.parameters.empty()) selected = resolve_names(u.impacts.parameters, o, model_poi, "uncertainties.impacts.parameters", d);
      for (const auto& p : u.impacts.parameters) {
        const auto i = o.find(p.value);
        if (i && m.parameters[static_cast<std::size_t>(*i)].constraint.type == Constraint::kNone)
          d.error(p.where, "'uncertainties.impacts.parameters': '" + p.value +
                               "' is not a constrained nuisance parameter (impacts shift a parameter by its constraint width)");
      }
      for (int i = 0; i < o.size(); ++i) {
        const ParameterInfo& info = m.parameters[static_cast<std::size_t>(i)];
        if (o.is_fixed(i) || o.name(i) == poi) continue;
        if (info.constraint.type == Constraint::kNone) continue;
        if (!selected.empty() && std::find(selected.begin(), selected.end(), o.name(i)) == selected.end()) continue;
        request.constrained.push_back({o.name(i), info.constraint.sigma});
      }
      if (request.constrained.empty()) {
        d.error(where, "'uncertainties.impacts': the model has no free constrained nuisance parameters to rank");
      } else {
        f.impacts = request;
        f.impacts_options.prefit = u.impacts.prefit;
      }
    }
  }
  return f;
}

}  // namespace

FitSetup histfactory_setup(std::shared_ptr<const likelihood::Model> model, const std::string& name) {
  const likelihood::Model& mod = *model;
  FitSetup built{infer::Model(model), {}, {}, {}, mod.warnings(), std::nullopt};
  for (std::size_t i = 0; i < mod.size(); ++i) {
    const auto& p = mod.parameters()[i];
    built.parameters.push_back({p.name, std::string(likelihood::to_string(p.type)), built.model.constraints()[i]});
  }
  std::size_t bins = 0;
  for (const auto& ch : mod.channels()) bins += ch.bins;
  std::ostringstream desc;
  desc << name << ", measurement '" << mod.measurement() << "': " << mod.channels().size() << " channel"
       << (mod.channels().size() == 1 ? "" : "s") << ", " << bins << " bin" << (bins == 1 ? "" : "s") << ", " << mod.size()
       << " parameters (" << mod.free_parameters() << " free)";
  built.description = desc.str();
  return built;
}

std::optional<FitSetup> prepare_fit(const Config& c, FitSetup m, Diagnostics& d) {
  const std::size_t before = d.size();
  infer::Model model = m.model;
  model.objective().set_hessian_storage(c.fit.hessian);
  apply_overrides(c, model.objective(), d);
  fit::FitOptions options = plan(c, m, model.objective(), d);
  if (d.size() != before) return std::nullopt;
  FitSetup setup{std::move(model), std::move(m.parameters), options, std::move(m.description), std::move(m.warnings),
                 std::move(m.full_model)};
  check_inference(c.inference, setup, d);
  check_postfit(c, setup, d);
  check_toys(c.toys, setup, d);
  if (d.size() != before) return std::nullopt;
  return setup;
}

std::optional<FitSetup> prepare_fit(const Config& c, Diagnostics& d) {
  std::optional<FitSetup> m;
  if (!c.fit.channels.empty() && !c.model.workspace)
    d.error(c.fit.channels.front().where, "'fit.channels' needs a workspace (a model with channels)");
  if (c.model.workspace) m = build_histfactory(c, d);
  else if (c.model.nll) m = build_nll(c, d);
  if (!m) return std::nullopt;
  return prepare_fit(c, std::move(*m), d);
}

std::optional<PatchsetInputs> load_patchset_inputs(const Config& c, const Located<std::filesystem::path>& patchset, Diagnostics& d) {
  if (!c.model.workspace) {
    d.error(patchset.where, "a patchset needs a pyhf workspace in 'model.workspace' (the background-only workspace)");
    return std::nullopt;
  }
  std::optional<likelihood::Workspace> ws = load_workspace(c, d);
  if (!ws) return std::nullopt;
  try {
    auto set = std::make_shared<const likelihood::PatchSet>(likelihood::PatchSet::load(patchset.value));
    set->verify(*ws);
    return PatchsetInputs{std::make_shared<const likelihood::Workspace>(std::move(*ws)), std::move(set)};
  } catch (const likelihood::InputError& e) {
    report_input_error(d, patchset.where, "bad patchset", e);
  } catch (const std::exception& e) {
    d.error(patchset.where, std::string("cannot read the patchset: ") + e.what());
  }
  return std::nullopt;
}

std::optional<FitSetup> prepare_fit(const Config& c, const PatchsetInputs& inputs, const likelihood::Patch& patch, Diagnostics& d) {
  std::optional<likelihood::Workspace> ws;
  const Location where{inputs.patchset->source(), 0, 0};
  try {
    ws = inputs.patchset->apply(*inputs.background, patch, likelihood::PatchSet::DigestCheck::kSkip);
  } catch (const likelihood::InputError& e) {
    report_input_error(d, where, "cannot apply patch '" + patch.name + "'", e);
    return std::nullopt;
  } catch (const std::exception& e) {
    d.error(where, "cannot apply patch '" + patch.name + "': " + e.what());
    return std::nullopt;
  }
  std::optional<FitSetup> m = build_from_workspace(c, std::move(ws), patch.name, d);
  if (!m) return std::nullopt;
  return prepare_fit(c, std::move(*m), d);
}

FitSetup prepare_fit(const Config& c) {
  Diagnostics d;
  auto s = prepare_fit(c, d);
  d.check();
  if (!s) throw ConfigError({{Location{c.source, 0, 0}, "the model could not be built"}});
  return std::move(*s);
}

}  // namespace hessfit::configs
