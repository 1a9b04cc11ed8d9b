// Building a Model from a validated workspace: pyhf's parameter sets, their order, defaults and
// measurement overrides, then the index tables the evaluation kernels run on.
#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>
#include <set>
#include <tuple>
#include <utility>

#include "hessfit/likelihood/workspace.hpp"
#include "internal.hpp"
#include "validation.hpp"

namespace hessfit::likelihood {

using detail::element;
using detail::Index;
using detail::member;
using detail::quote;

/// Builds one model; a friend of Model.
class ModelBuilder {
 public:
  ModelBuilder(const Workspace& ws, std::size_t measurement, const ModelOptions& options)
      : ws_(ws), measurement_index_(measurement), measurement_(ws.measurements()[measurement]), options_(options) {}

  Model build();

 private:
  /// One occurrence of a modifier in the workspace.
  struct Use {
    ModifierType type;
    std::size_t channel, sample, modifier;  // indices into the JSON arrays
    std::size_t sorted_channel;
  };
  /// A parameter set before it becomes parameters.
  struct Draft {
    std::string name;
    std::vector<ModifierType> types;  // in order of first appearance by type order
    std::vector<Use> uses;
    ModifierType type = ModifierType::kNormFactor;  // the set's (first) type
    std::size_t size = 1;
    bool scalar = true;
    Constraint constraint = Constraint::kNone;
    std::vector<double> inits, auxdata, sigmas, factors;
    std::vector<Bounds> bounds;
    std::vector<bool> fixed;
    std::map<std::size_t, std::size_t> staterror_channel_start;  // sorted channel -> first parameter in set
    std::size_t offset = 0;
  };

  std::string modifier_path(const Use& u) const {
    return element(member(element(member(element("channels", u.channel), "samples"), u.sample), "modifiers"), u.modifier);
  }
  std::string modifier_context(const Use& u) const {
    const Channel& ch = ws_.channels()[u.channel];
    return "channel " + quote(ch.name) + ", sample " + quote(ch.samples[u.sample].name) + ", " +
           std::string(to_string(u.type)) + " " + quote(ch.samples[u.sample].modifiers[u.modifier].name);
  }
  std::string config_path(std::size_t k) const {
    return element(member(member(element("measurements", measurement_index_), "config"), "parameters"), k);
  }
  void problem(std::string path, std::string message) { problems_.push_back({std::move(path), std::move(message)}); }

  void sort_channels();
  void collect_parameter_sets();
  void check_sharing(const Draft& d);
  void set_defaults(Draft& d);
  void apply_configuration();
  void check_inits();
  void find_poi();
  void make_parameters();
  void make_tables();

  const Workspace& ws_;
  std::size_t measurement_index_;
  const Measurement& measurement_;
  ModelOptions options_;
  std::vector<Problem> problems_;
  Model model_;

  std::vector<std::size_t> channel_order_;                // sorted position -> JSON index
  std::vector<std::vector<std::size_t>> sample_order_;    // per sorted channel: JSON sample indices sorted by name
  std::vector<Draft> drafts_;                             // in parameter order after collect
  std::map<std::string, std::size_t> draft_of_;           // name -> drafts_ index
  std::map<std::string, std::size_t> configured_at_;      // parameter name -> config index
};

void ModelBuilder::sort_channels() {
  const auto& channels = ws_.channels();
  channel_order_.resize(channels.size());
  for (std::size_t i = 0; i < channels.size(); ++i) channel_order_[i] = i;
  std::sort(channel_order_.begin(), channel_order_.end(),
            [&](std::size_t a, std::size_t b) { return channels[a].name < channels[b].name; });
  sample_order_.resize(channels.size());
  std::size_t offset = 0;
  for (std::size_t c = 0; c < channels.size(); ++c) {
    const Channel& ch = channels[channel_order_[c]];
    auto& order = sample_order_[c];
    order.resize(ch.samples.size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    std::sort(order.begin(), order.end(),
              [&](std::size_t a, std::size_t b) { return ch.samples[a].name < ch.samples[b].name; });
    ChannelInfo info;
    info.name = ch.name;
    info.bins = ch.bins();
    info.offset = offset;
    for (const std::size_t s : order) info.samples.push_back(ch.samples[s].name);
    offset += info.bins;
    model_.channels_.push_back(std::move(info));
  }
}

void ModelBuilder::collect_parameter_sets() {
  // Walk sorted channels x sorted samples x sorted (name, type): first appearance per type.
  const auto& channels = ws_.channels();
  std::array<std::vector<std::string>, kModifierTypes.size()> order_by_type;
  std::map<std::string, Draft> drafts;
  for (std::size_t c = 0; c < channel_order_.size(); ++c) {
    const Channel& ch = channels[channel_order_[c]];
    for (const std::size_t s : sample_order_[c]) {
      const Sample& sample = ch.samples[s];
      std::vector<std::size_t> mods(sample.modifiers.size());
      for (std::size_t k = 0; k < mods.size(); ++k) mods[k] = k;
      std::sort(mods.begin(), mods.end(), [&](std::size_t a, std::size_t b) {
        const Modifier &ma = sample.modifiers[a], &mb = sample.modifiers[b];
        if (ma.name != mb.name) return ma.name < mb.name;
        return to_string(ma.type) < to_string(mb.type);
      });
      for (const std::size_t k : mods) {
        const Modifier& m = sample.modifiers[k];
        Draft& d = drafts[m.name];
        if (d.uses.empty()) d.name = m.name;
        const auto t = static_cast<std::size_t>(m.type);
        if (std::find(d.types.begin(), d.types.end(), m.type) == d.types.end()) {
          d.types.push_back(m.type);
          order_by_type[t].push_back(m.name);
        }
        d.uses.push_back({m.type, channel_order_[c], s, k, c});
      }
    }
  }
  auto& staterrors = order_by_type[static_cast<std::size_t>(ModifierType::kStatError)];
  std::sort(staterrors.begin(), staterrors.end());
  for (const ModifierType t : kModifierTypes) {
    for (const std::string& name : order_by_type[static_cast<std::size_t>(t)]) {
      if (draft_of_.contains(name)) continue;
      Draft d = std::move(drafts[name]);
      d.type = t;
      draft_of_.emplace(name, drafts_.size());
      drafts_.push_back(std::move(d));
    }
  }
  for (Draft& d : drafts_) {
    check_sharing(d);
    set_defaults(d);
  }
}

void ModelBuilder::check_sharing(const Draft& d) {
  // Modifiers sharing a name share parameters: pyhf requires identical parameter-set requirements,
  // which only normsys and histosys (scalar, Gaussian, init 0, bounds +-5) have in common.
  // Messages point at the later use in document order.
  std::vector<Use> in_document = d.uses;
  std::sort(in_document.begin(), in_document.end(), [](const Use& a, const Use& b) {
    return std::tie(a.channel, a.sample, a.modifier) < std::tie(b.channel, b.sample, b.modifier);
  });
  const Use& first = in_document.front();
  for (const Use& u : in_document) {
    if (u.type == first.type) continue;
    const bool compatible = (u.type == ModifierType::kNormSys || u.type == ModifierType::kHistoSys) &&
                            (first.type == ModifierType::kNormSys || first.type == ModifierType::kHistoSys);
    if (compatible) continue;
    problem(detail::located(modifier_path(u), modifier_context(u)),
            "the name " + quote(d.name) + " is also used by a " + std::string(to_string(first.type)) + " at " +
                modifier_path(first) +
                "; modifiers with the same name share their parameters, which only normsys and histosys can do");
    return;
  }
  if (d.type == ModifierType::kShapeSys && d.uses.size() > 1) {
    const Use& u = in_document[1];
    problem(detail::located(modifier_path(u), modifier_context(u)),
            "shapesys " + quote(d.name) + " is also used at " + modifier_path(first) +
                "; a shapesys belongs to one sample (its parameters cannot be shared)");
  }
  if (d.type == ModifierType::kShapeFactor) {
    const Use& defining = d.uses.front();  // pyhf sizes the set where it first meets the name
    const std::size_t n = ws_.channels()[defining.channel].bins();
    for (const Use& u : d.uses) {
      if (u.type != ModifierType::kShapeFactor) continue;
      const std::size_t bins = ws_.channels()[u.channel].bins();
      if (bins > n) {
        problem(detail::located(modifier_path(u), modifier_context(u)),
                "shapefactor " + quote(d.name) + " has " + std::to_string(n) + " parameters (from channel " +
                    quote(ws_.channels()[defining.channel].name) + "), this channel has " + std::to_string(bins) +
                    " bins");
        break;
      }
    }
  }
  if (d.type == ModifierType::kStatError) {
    // pyhf: every sample carrying a staterror must carry it in the same channels.
    std::map<std::string, std::set<std::size_t>> coverage;
    for (const Use& u : d.uses) coverage[ws_.channels()[u.channel].samples[u.sample].name].insert(u.sorted_channel);
    const auto& reference = coverage.begin()->second;
    for (const auto& entry : coverage) {
      // (not a structured binding: clang 14, used for the fuzz build, cannot capture one in a lambda)
      const std::string& sample = entry.first;
      const std::set<std::size_t>& channels = entry.second;
      if (channels == reference) continue;
      const auto names = [&](const std::set<std::size_t>& cs) {
        std::vector<std::string> out;
        for (const std::size_t c : cs) out.push_back(quote(model_.channels_[c].name));
        return detail::join_list(out);
      };
      const Use& use = *std::find_if(d.uses.begin(), d.uses.end(), [&](const Use& u) {
        return u.type == ModifierType::kStatError && ws_.channels()[u.channel].samples[u.sample].name == sample;
      });
      problem(detail::located(modifier_path(use), modifier_context(use)), "staterror " + quote(d.name) + " is on sample " + quote(coverage.begin()->first) +
                              " in channels " + names(reference) + " but on sample " + quote(sample) +
                              " in channels " + names(channels) +
                              "; every sample carrying a staterror must carry it in the same channels");
      break;
    }
  }
}

void ModelBuilder::set_defaults(Draft& d) {
  // (Uses of another type only exist when check_sharing reported a problem.)
  const auto& channels = ws_.channels();
  const Use& first = *std::find_if(d.uses.begin(), d.uses.end(), [&](const Use& u) { return u.type == d.type; });
  const auto fill = [&](std::size_t n, double init, Bounds b) {
    d.size = n;
    d.inits.assign(n, init);
    d.bounds.assign(n, b);
    d.fixed.assign(n, false);
  };
  switch (d.type) {
    case ModifierType::kHistoSys:
    case ModifierType::kNormSys:
      fill(1, 0.0, {-5.0, 5.0});
      d.constraint = Constraint::kGaussian;
      d.auxdata.assign(1, 0.0);
      d.sigmas.assign(1, 1.0);
      break;
    case ModifierType::kLumi:
      fill(1, 1.0, {0.0, 10.0});  // placeholders: the measurement must configure lumi
      d.constraint = Constraint::kGaussian;
      d.auxdata.assign(1, 1.0);
      d.sigmas.assign(1, 1.0);
      break;
    case ModifierType::kNormFactor: fill(1, 1.0, {0.0, 10.0}); break;
    case ModifierType::kShapeFactor:
      fill(channels[first.channel].bins(), 1.0, {0.0, 10.0});
      d.scalar = false;
      break;
    case ModifierType::kShapeSys: {
      const Sample& sample = channels[first.channel].samples[first.sample];
      const Modifier& m = sample.modifiers[first.modifier];
      fill(sample.data.size(), 1.0, {1e-10, 10.0});
      d.scalar = false;
      d.constraint = Constraint::kPoisson;
      d.factors.resize(d.size);
      for (std::size_t b = 0; b < d.size; ++b) {
        const double nom = sample.data[b], unc = m.data[b];
        const bool valid = nom > 0.0 && unc > 0.0;
        d.factors[b] = valid ? (nom * nom) / (unc * unc) : 1.0;
        d.fixed[b] = !valid;
      }
      d.auxdata = d.factors;
      break;
    }
    case ModifierType::kStatError: {
      // Parameters over the bins of every channel it covers, in sorted channel order.
      std::set<std::size_t> covered;
      for (const Use& u : d.uses)
        if (u.type == ModifierType::kStatError) covered.insert(u.sorted_channel);
      std::size_t n = 0;
      for (const std::size_t c : covered) {
        d.staterror_channel_start[c] = n;
        n += model_.channels_[c].bins;
      }
      fill(n, 1.0, {1e-10, 10.0});
      d.scalar = false;
      d.constraint = Constraint::kGaussian;
      d.auxdata.assign(n, 1.0);
      d.sigmas.assign(n, 0.0);
      for (const std::size_t c : covered) {
        const std::size_t bins = model_.channels_[c].bins;
        std::vector<double> nominal_sum(bins, 0.0);
        for (const Use& u : d.uses) {
          if (u.sorted_channel != c || u.type != ModifierType::kStatError) continue;
          const Sample& sample = channels[u.channel].samples[u.sample];
          for (std::size_t b = 0; b < bins; ++b) nominal_sum[b] += sample.data[b];
        }
        for (std::size_t b = 0; b < bins; ++b) {
          double relerr2 = 0.0;
          for (const Use& u : d.uses) {
            if (u.sorted_channel != c || u.type != ModifierType::kStatError || !(nominal_sum[b] > 0.0)) continue;
            const double r = channels[u.channel].samples[u.sample].modifiers[u.modifier].data[b] / nominal_sum[b];
            relerr2 += r * r;
          }
          const double sigma = std::sqrt(relerr2);
          const std::size_t j = d.staterror_channel_start[c] + b;
          d.sigmas[j] = sigma == 0.0 ? 1.0 : sigma;
          d.fixed[j] = sigma == 0.0;
        }
      }
      break;
    }
  }
}

void ModelBuilder::apply_configuration() {
  for (std::size_t k = 0; k < measurement_.parameters.size(); ++k) {
    const ParameterConfig& config = measurement_.parameters[k];
    configured_at_[config.name] = k;
    const auto it = draft_of_.find(config.name);
    if (it == draft_of_.end()) {
      // The measurement's own POI missing from the model: find_poi() says so in one warning.
      if (config.name == measurement_.poi && options_.poi.empty() && !options_.no_poi) continue;
      model_.warnings_.push_back(config_path(k) + ": measurement " + quote(measurement_.name) + " configures " +
                                 quote(config.name) + ", which is not a parameter of the model (ignored)");
      continue;
    }
    Draft& d = drafts_[it->second];
    const std::string path = config_path(k);
    const std::string where = "parameter " + quote(d.name);
    const std::string type_name(to_string(d.type));
    const bool has_aux = d.constraint != Constraint::kNone;
    const bool has_sigmas = d.type == ModifierType::kLumi || d.type == ModifierType::kStatError;
    const bool has_factors = d.type == ModifierType::kShapeSys;
    const std::string allowed = std::string("inits, bounds, fixed") + (has_aux ? ", auxdata" : "") +
                                (has_sigmas ? ", sigmas" : "") + (has_factors ? ", factors" : "");
    const auto length_ok = [&](std::size_t n, const char* key) {
      if (n == d.size) return true;
      problem(detail::located(member(path, key), where),
              "has " + std::to_string(n) + (n == 1 ? " value" : " values") + ", the " + type_name + " has " +
                  std::to_string(d.size) + (d.size == 1 ? " parameter" : " parameters"));
      return false;
    };
    const auto not_used = [&](const char* key) {
      problem(detail::located(member(path, key), where),
              "a " + type_name + " has no " + quote(key) + " (it takes: " + allowed + ")");
    };
    if (config.inits && length_ok(config.inits->size(), "inits")) d.inits = *config.inits;
    if (config.bounds && length_ok(config.bounds->size(), "bounds")) {
      for (std::size_t i = 0; i < d.size; ++i) d.bounds[i] = {(*config.bounds)[i].first, (*config.bounds)[i].second};
    }
    if (config.fixed) d.fixed.assign(d.size, *config.fixed);
    if (config.auxdata) {
      if (!has_aux)
        not_used("auxdata");
      else if (length_ok(config.auxdata->size(), "auxdata"))
        d.auxdata = *config.auxdata;
    }
    if (config.sigmas) {
      if (!has_sigmas) {
        not_used("sigmas");
      } else if (length_ok(config.sigmas->size(), "sigmas")) {
        d.sigmas = *config.sigmas;
        for (std::size_t i = 0; i < d.size; ++i)
          if (!(d.sigmas[i] > 0.0))
            problem(detail::located(element(member(path, "sigmas"), i), where),
                    "is " + format_shortest(d.sigmas[i]) + ", a Gaussian width must be > 0");
      }
    }
    if (config.factors) {
      if (!has_factors) {
        not_used("factors");
      } else if (length_ok(config.factors->size(), "factors")) {
        d.factors = *config.factors;
        for (std::size_t i = 0; i < d.size; ++i)
          if (!(d.factors[i] > 0.0))
            problem(detail::located(element(member(path, "factors"), i), where),
                    "is " + format_shortest(d.factors[i]) + ", a Poisson constraint factor must be > 0");
      }
    }
    if (has_aux && config.auxdata && d.constraint == Constraint::kPoisson) {
      for (std::size_t i = 0; i < d.auxdata.size(); ++i)
        if (d.auxdata[i] < 0.0)
          problem(detail::located(element(member(path, "auxdata"), i), where),
                  "is " + format_shortest(d.auxdata[i]) + ", a Poisson auxiliary count must be >= 0");
    }
  }
  // lumi has no defaults in pyhf: the measurement must give all four.
  for (const Draft& d : drafts_) {
    if (d.type != ModifierType::kLumi) continue;
    const auto it = configured_at_.find(d.name);
    const ParameterConfig* config = it == configured_at_.end() ? nullptr : &measurement_.parameters[it->second];
    std::vector<std::string> missing;
    if (!config || !config->inits) missing.push_back("inits");
    if (!config || !config->bounds) missing.push_back("bounds");
    if (!config || !config->auxdata) missing.push_back("auxdata");
    if (!config || !config->sigmas) missing.push_back("sigmas");
    if (missing.empty()) continue;
    const std::string path = config ? config_path(it->second) : member(member(element("measurements", measurement_index_), "config"), "parameters");
    problem(path, "measurement " + quote(measurement_.name) + " must configure lumi with inits, bounds, auxdata and sigmas (pyhf has no defaults for lumi); missing: " +
                      detail::join_list(missing));
  }
}

void ModelBuilder::check_inits() {
  for (const Draft& d : drafts_) {
    for (std::size_t i = 0; i < d.size; ++i) {
      const double init = d.inits[i];
      const Bounds b = d.bounds[i];
      if (init >= b.lower && init <= b.upper) continue;
      const auto it = configured_at_.find(d.name);
      std::string path;
      if (it != configured_at_.end()) {
        const ParameterConfig& config = measurement_.parameters[it->second];
        path = member(config_path(it->second), config.inits ? "inits" : "bounds");
      } else {
        path = modifier_path(d.uses.front());
      }
      const std::string name = d.scalar ? d.name : d.name + "[" + std::to_string(i) + "]";
      problem(detail::located(path, "parameter " + quote(name)),
              "init " + format_shortest(init) + " is outside the bounds [" + format_shortest(b.lower) +
                  ", " + format_shortest(b.upper) + "]");
    }
  }
}

void ModelBuilder::find_poi() {
  if (options_.no_poi) return;  // pyhf's poi_name=None: the name stays ""
  const std::string& name = options_.poi.empty() ? measurement_.poi : options_.poi;
  const std::string path = options_.poi.empty() ? member(member(element("measurements", measurement_index_), "config"), "poi") : "";
  const std::string origin = options_.poi.empty() ? "" : " (requested POI)";
  const auto it = draft_of_.find(name);
  if (it == draft_of_.end() && options_.poi.empty()) {
    // A published background-only workspace: the measurement names the signal strength of a
    // signal sample that only a patch adds. Fit it without a POI rather than refuse it.
    model_.warnings_.push_back(path + ": the measurement's POI " + quote(name) +
                               " is not a parameter of the model (a background-only workspace?): the model has no POI. "
                               "pyhf refuses this model unless it is built with poi_name=None; set a POI with "
                               "'model.poi' (--poi) to test hypotheses");
    return;
  }
  if (it == draft_of_.end()) {
    std::vector<std::string> candidates;
    for (const Draft& d : drafts_)
      if (d.type == ModifierType::kNormFactor) candidates.push_back(quote(d.name));
    problem(path, "POI " + quote(name) + origin + " is not a parameter of the model" +
                      (candidates.empty() ? "" : " (normfactors: " + detail::join_list(candidates) + ")"));
    return;
  }
  const Draft& d = drafts_[it->second];
  if (!d.scalar) {
    problem(path, "POI " + quote(name) + origin + " is a " + std::string(to_string(d.type)) + " with " +
                      std::to_string(d.size) +
                      " parameters; the POI must be a scalar parameter (normfactor, lumi, normsys or histosys)");
    return;
  }
  model_.poi_.name = name;
}

void ModelBuilder::make_parameters() {
  std::size_t offset = 0;
  for (std::size_t k = 0; k < drafts_.size(); ++k) {
    Draft& d = drafts_[k];
    d.offset = offset;
    ParameterSet set;
    set.name = d.name;
    set.types = d.types;
    std::sort(set.types.begin(), set.types.end());
    set.offset = offset;
    set.size = d.size;
    set.scalar = d.scalar;
    set.constraint = d.constraint;
    model_.sets_.push_back(set);
    for (std::size_t i = 0; i < d.size; ++i) {
      Parameter p;
      p.name = d.scalar ? d.name : d.name + "[" + std::to_string(i) + "]";
      p.set_name = d.name;
      p.set = k;
      p.index_in_set = i;
      p.type = d.type;
      p.init = d.inits[i];
      p.bounds = d.bounds[i];
      p.fixed = d.fixed[i];
      p.constraint = d.constraint;
      if (d.constraint == Constraint::kGaussian) {
        p.auxdata = d.auxdata[i];
        p.sigma = d.sigmas[i];
      } else if (d.constraint == Constraint::kPoisson) {
        p.auxdata = d.auxdata[i];
        p.factor = d.factors[i];
        p.sigma = p.auxdata > 0.0 ? std::sqrt(p.auxdata) / p.factor : 1.0 / p.factor;
      }
      model_.parameters_.push_back(std::move(p));
    }
    offset += d.size;
  }
  const std::size_t n = model_.parameters_.size();
  model_.names_.reserve(n);
  model_.init_.resize(static_cast<Eigen::Index>(n));
  model_.lower_.resize(static_cast<Eigen::Index>(n));
  model_.upper_.resize(static_cast<Eigen::Index>(n));
  std::vector<double> aux;
  for (std::size_t i = 0; i < n; ++i) {
    const Parameter& p = model_.parameters_[i];
    const auto e = static_cast<Eigen::Index>(i);
    model_.names_.push_back(p.name);
    model_.init_[e] = p.init;
    model_.lower_[e] = p.bounds.lower;
    model_.upper_[e] = p.bounds.upper;
    model_.bounds_.push_back(p.bounds);
    model_.fixed_.push_back(p.fixed);
    if (p.constraint != Constraint::kNone) {
      aux.push_back(p.auxdata);
      model_.aux_params_.push_back(i);
    }
    if (p.name == model_.poi_.name) model_.poi_.index = i;
  }
  model_.auxdata_ = Eigen::Map<const Eigen::VectorXd>(aux.data(), static_cast<Eigen::Index>(aux.size()));
}

void ModelBuilder::make_tables() {
  detail::Tables& t = model_.tables_;
  t.n_parameters = static_cast<Index>(model_.parameters_.size());
  t.normsys_code = options_.normsys;
  t.histosys_code = options_.histosys;
  const auto& channels = ws_.channels();

  // Interpolation parameters and the powers of alpha they need.
  std::map<std::size_t, Index> slot_of;  // parameter -> alpha slot
  const int normsys_degree = options_.normsys == Interpolation::kCode4 ? 6 : 0;
  const int histosys_degree = options_.histosys == Interpolation::kCode4p ? 6 : options_.histosys == Interpolation::kCode2 ? 2 : 0;
  const auto slot = [&](std::size_t param, int degree) {
    auto [it, inserted] = slot_of.emplace(param, static_cast<Index>(t.alphas.size()));
    if (inserted) t.alphas.push_back({static_cast<Index>(param), degree});
    t.alphas[it->second].degree = std::max(t.alphas[it->second].degree, degree);
    return it->second;
  };

  // Per block (sample in channel) and bin: the gamma parameters and histosys terms.
  struct BinParts {
    std::vector<Index> gammas;
    std::vector<detail::HistoTerm> histo;
  };
  std::vector<std::vector<BinParts>> parts;  // per block, per bin
  std::vector<std::vector<std::size_t>> blocks_of_channel(model_.channels_.size());
  for (std::size_t c = 0; c < model_.channels_.size(); ++c) {
    const Channel& ch = channels[channel_order_[c]];
    const std::size_t bins = ch.bins();
    for (std::size_t si = 0; si < sample_order_[c].size(); ++si) {
      const Sample& sample = ch.samples[sample_order_[c][si]];
      detail::Block block;
      block.channel = static_cast<Index>(c);
      block.sample = static_cast<Index>(si);
      block.scalar_begin = static_cast<Index>(t.scalar_params.size());
      block.normsys_begin = static_cast<Index>(t.normsys.size());
      std::vector<BinParts> bin_parts(bins);
      for (const Modifier& m : sample.modifiers) {
        const Draft& d = drafts_[draft_of_.at(m.name)];
        switch (m.type) {
          case ModifierType::kNormFactor:
          case ModifierType::kLumi: t.scalar_params.push_back(static_cast<Index>(d.offset)); break;
          case ModifierType::kNormSys: {
            detail::NormSysTerm term;
            term.slot = slot(d.offset, normsys_degree);
            term.log_hi = std::log(m.hi);
            term.log_lo = std::log(m.lo);
            term.poly = code4_coefficients(m.lo, m.hi);
            t.normsys.push_back(term);
            break;
          }
          case ModifierType::kHistoSys: {
            const Index s = slot(d.offset, histosys_degree);
            t.alphas[s].histosys = true;
            for (std::size_t b = 0; b < bins; ++b) {
              const double dplus = m.hi_data[b] - sample.data[b], dminus = sample.data[b] - m.lo_data[b];
              if (dplus == 0.0 && dminus == 0.0) continue;  // Delta = 0 for every code
              bin_parts[b].histo.push_back({s, dplus, dminus});
            }
            break;
          }
          case ModifierType::kShapeFactor:
          case ModifierType::kShapeSys:
            for (std::size_t b = 0; b < bins; ++b) bin_parts[b].gammas.push_back(static_cast<Index>(d.offset + b));
            break;
          case ModifierType::kStatError: {
            const std::size_t start = d.offset + d.staterror_channel_start.at(c);
            for (std::size_t b = 0; b < bins; ++b) bin_parts[b].gammas.push_back(static_cast<Index>(start + b));
            break;
          }
        }
      }
      block.scalar_end = static_cast<Index>(t.scalar_params.size());
      block.normsys_end = static_cast<Index>(t.normsys.size());
      blocks_of_channel[c].push_back(t.blocks.size());
      t.blocks.push_back(block);
      parts.push_back(std::move(bin_parts));
    }
  }

  // Entries, bin-major; observed data from the channel's observation.
  std::map<std::string, const Observation*> observation_of;
  for (const Observation& o : ws_.observations()) observation_of[o.name] = &o;
  std::vector<double> main_data;
  for (std::size_t c = 0; c < model_.channels_.size(); ++c) {
    const Channel& ch = channels[channel_order_[c]];
    const Observation* obs = observation_of.at(ch.name);
    t.channel_offsets.push_back(static_cast<Index>(t.bins.size()));
    for (std::size_t b = 0; b < ch.bins(); ++b) {
      detail::MainBin bin;
      bin.entry_begin = static_cast<Index>(t.entries.size());
      for (const std::size_t block : blocks_of_channel[c]) {
        const Sample& sample = ch.samples[sample_order_[c][t.blocks[block].sample]];
        const BinParts& bp = parts[block][b];
        // A zero nominal without histosys contributes 0 for any finite parameters.
        if (sample.data[b] == 0.0 && bp.histo.empty()) continue;
        detail::Entry entry;
        entry.block = static_cast<Index>(block);
        entry.nominal = sample.data[b];
        entry.gamma_begin = static_cast<Index>(t.gamma_params.size());
        t.gamma_params.insert(t.gamma_params.end(), bp.gammas.begin(), bp.gammas.end());
        entry.gamma_end = static_cast<Index>(t.gamma_params.size());
        entry.histo_begin = static_cast<Index>(t.histo.size());
        t.histo.insert(t.histo.end(), bp.histo.begin(), bp.histo.end());
        entry.histo_end = static_cast<Index>(t.histo.size());
        t.entries.push_back(entry);
      }
      bin.entry_end = static_cast<Index>(t.entries.size());
      t.bins.push_back(bin);
      main_data.push_back(obs->data[b]);
    }
  }
  t.channel_offsets.push_back(static_cast<Index>(t.bins.size()));
  // Constraint terms in parameter order, each pointing at its auxiliary datum.
  for (std::size_t k = 0; k < model_.aux_params_.size(); ++k) {
    const std::size_t i = model_.aux_params_[k];
    const Parameter& p = model_.parameters_[i];
    if (p.constraint == Constraint::kGaussian) {
      t.gauss.push_back({static_cast<Index>(i), static_cast<Index>(k), 0.5 / (p.sigma * p.sigma)});
      t.gauss_constant += std::log(p.sigma) + 0.5 * std::log(2.0 * std::numbers::pi);
    }
    if (p.constraint == Constraint::kPoisson) t.poisson.push_back({static_cast<Index>(i), static_cast<Index>(k), p.factor});
  }
  Eigen::VectorXd values(static_cast<Eigen::Index>(main_data.size()) + model_.auxdata_.size());
  values << Eigen::Map<const Eigen::VectorXd>(main_data.data(), static_cast<Eigen::Index>(main_data.size())), model_.auxdata_;
  model_.observed_ = model_.data(std::move(values));
}

Model ModelBuilder::build() {
  model_.measurement_ = measurement_.name;
  model_.options_ = options_;
  model_.options_.measurement = measurement_.name;
  if (options_.normsys != Interpolation::kCode4 && options_.normsys != Interpolation::kCode1)
    problem("", "normsys interpolation must be code4 or code1, not " + std::string(to_string(options_.normsys)));
  if (options_.histosys != Interpolation::kCode4p && options_.histosys != Interpolation::kCode0 &&
      options_.histosys != Interpolation::kCode2)
    problem("", "histosys interpolation must be code4p, code0 or code2, not " + std::string(to_string(options_.histosys)));
  sort_channels();
  collect_parameter_sets();
  apply_configuration();
  check_inits();
  find_poi();
  if (!problems_.empty()) throw InputError(ws_.source(), std::move(problems_));
  make_parameters();
  make_tables();
  return std::move(model_);
}

namespace detail {

Model build_model(const Workspace& ws, std::size_t measurement, const ModelOptions& options) {
  return ModelBuilder(ws, measurement, options).build();
}

}  // namespace detail
}  // namespace hessfit::likelihood
