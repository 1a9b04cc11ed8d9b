// Reading and validating pyhf workspaces (schema 1.0.0 plus the checks pyhf makes when building a model).
#include "hessfit/likelihood/workspace.hpp"

#include <map>
#include <set>
#include <utility>

#include "hessfit/likelihood/patchset.hpp"
#include "internal.hpp"
#include "validation.hpp"

namespace hessfit::likelihood {

std::string_view to_string(ModifierType type) noexcept {
  switch (type) {
    case ModifierType::kHistoSys: return "histosys";
    case ModifierType::kLumi: return "lumi";
    case ModifierType::kNormFactor: return "normfactor";
    case ModifierType::kNormSys: return "normsys";
    case ModifierType::kShapeFactor: return "shapefactor";
    case ModifierType::kShapeSys: return "shapesys";
    case ModifierType::kStatError: return "staterror";
  }
  return "?";
}

std::optional<ModifierType> parse_modifier_type(std::string_view text) noexcept {
  for (const ModifierType t : kModifierTypes)
    if (to_string(t) == text) return t;
  return std::nullopt;
}

namespace {

using detail::Checker;
using detail::element;
using detail::json;
using detail::located;
using detail::member;
using detail::quote;

constexpr std::string_view kSupportedVersion = "1.0.0";

std::string known_modifier_types() {
  std::vector<std::string> names;
  for (const ModifierType t : kModifierTypes) names.emplace_back(to_string(t));
  return detail::join_list(names);
}

std::optional<Modifier> read_modifier(Checker& check, const json& m, const std::string& path, const std::string& where,
                                      std::optional<std::size_t> bins) {
  if (!check.object(m, path, where, {"name", "type", "data"}, {"name", "type", "data"})) return std::nullopt;
  std::optional<std::string> name, type_text;
  if (m.contains("name")) name = check.string(m["name"], member(path, "name"), where);
  if (m.contains("type")) type_text = check.string(m["type"], member(path, "type"), where);
  if (!type_text) return std::nullopt;
  const std::optional<ModifierType> type = parse_modifier_type(*type_text);
  if (!type) {
    check.add(located(member(path, "type"), where),
              "unknown modifier type " + quote(*type_text) + " (known: " + known_modifier_types() + ")");
    return std::nullopt;
  }
  const std::string context = where + ", " + std::string(to_string(*type)) + " " + quote(name.value_or("?"));
  if (!name || !m.contains("data")) return std::nullopt;
  Modifier mod;
  mod.name = *name;
  mod.type = *type;
  const json& data = m["data"];
  const std::string data_path = member(path, "data");
  const auto check_bins = [&](const std::vector<double>& values, const std::string& p) {
    if (!bins || values.size() == *bins) return true;
    check.add(located(p, context),
              "has " + std::to_string(values.size()) + " bins, the sample has " + std::to_string(*bins));
    return false;
  };
  bool good = true;
  switch (*type) {
    case ModifierType::kNormFactor:
    case ModifierType::kShapeFactor:
    case ModifierType::kLumi:
      if (!data.is_null()) {
        check.add(located(data_path, context),
                  "must be null for a " + std::string(to_string(*type)) + ", got " + detail::describe_type(data));
        good = false;
      }
      if (*type == ModifierType::kLumi && mod.name != "lumi") {
        check.add(located(member(path, "name"), context),
                  "a lumi modifier must be named 'lumi', not " + quote(mod.name));
        good = false;
      }
      break;
    case ModifierType::kNormSys: {
      if (!check.object(data, data_path, context, {"hi", "lo"}, {"hi", "lo"})) return std::nullopt;
      for (const char* key : {"lo", "hi"}) {
        if (!data.contains(key)) {
          good = false;
          continue;
        }
        const auto v = check.number(data[key], member(data_path, key), context);
        if (!v) {
          good = false;
          continue;
        }
        if (!(*v > 0.0)) {
          check.add(located(member(data_path, key), context),
                    "is " + format_shortest(*v) + ", must be > 0 (normsys interpolation takes its logarithm)");
          good = false;
        }
        (std::string_view(key) == "lo" ? mod.lo : mod.hi) = *v;
      }
      break;
    }
    case ModifierType::kHistoSys: {
      if (!check.object(data, data_path, context, {"hi_data", "lo_data"}, {"hi_data", "lo_data"})) return std::nullopt;
      for (const char* key : {"lo_data", "hi_data"}) {
        if (!data.contains(key)) {
          good = false;
          continue;
        }
        auto v = check.numbers(data[key], member(data_path, key), context);
        if (!v || !check_bins(*v, member(data_path, key))) {
          good = false;
          continue;
        }
        (std::string_view(key) == "lo_data" ? mod.lo_data : mod.hi_data) = std::move(*v);
      }
      break;
    }
    case ModifierType::kShapeSys:
    case ModifierType::kStatError: {
      auto v = check.numbers(data, data_path, context);
      if (!v || !check_bins(*v, data_path)) {
        good = false;
        break;
      }
      mod.data = std::move(*v);
      break;
    }
  }
  if (!good) return std::nullopt;
  return mod;
}

void read_channels(Checker& check, const json& doc, std::vector<Channel>& channels) {
  if (!doc.contains("channels")) return;
  const json& list = doc["channels"];
  if (!check.array(list, "channels", "", 1)) return;
  std::map<std::string, std::size_t> channel_index;
  for (std::size_t c = 0; c < list.size(); ++c) {
    const json& ch = list[c];
    const std::string path = element("channels", c);
    Channel channel;
    std::string where;
    if (!check.object(ch, path, "", {"name", "samples"}, {"name", "samples"})) {
      channels.push_back(std::move(channel));
      continue;
    }
    if (ch.contains("name")) {
      if (auto name = check.string(ch["name"], member(path, "name"), "")) {
        channel.name = *name;
        where = "channel " + quote(*name);
        if (auto [it, inserted] = channel_index.emplace(*name, c); !inserted)
          check.add(member(path, "name"),
                    "duplicate channel name " + quote(*name) + " (also channels[" + std::to_string(it->second) + "])");
      }
    }
    if (ch.contains("samples")) {
      const json& samples = ch["samples"];
      const std::string spath = member(path, "samples");
      if (check.array(samples, spath, where, 1)) {
        std::map<std::string, std::size_t> sample_index;
        std::optional<std::size_t> bins;  // from the first sample with valid data
        for (std::size_t s = 0; s < samples.size(); ++s) {
          const json& sj = samples[s];
          const std::string sp = element(spath, s);
          Sample sample;
          std::string swhere = where;
          if (!check.object(sj, sp, where, {"name", "data", "modifiers"}, {"name", "data", "modifiers"})) continue;
          if (sj.contains("name")) {
            if (auto name = check.string(sj["name"], member(sp, "name"), where)) {
              sample.name = *name;
              swhere = (where.empty() ? "" : where + ", ") + "sample " + quote(*name);
              if (auto [it, inserted] = sample_index.emplace(*name, s); !inserted)
                check.add(located(member(sp, "name"), where),
                          "duplicate sample name " + quote(*name) + " (also samples[" + std::to_string(it->second) +
                              "])");
            }
          }
          std::optional<std::size_t> sample_bins;
          if (sj.contains("data")) {
            if (auto data = check.numbers(sj["data"], member(sp, "data"), swhere)) {
              if (!bins)
                bins = data->size();
              else if (data->size() != *bins)
                check.add(located(member(sp, "data"), swhere),
                          "has " + std::to_string(data->size()) + " bins, the channel has " + std::to_string(*bins) +
                              " (from its first sample)");
              sample_bins = data->size();
              sample.data = std::move(*data);
            }
          }
          if (sj.contains("modifiers")) {
            const json& mods = sj["modifiers"];
            const std::string mpath = member(sp, "modifiers");
            if (check.array(mods, mpath, swhere, 0)) {
              std::map<std::pair<std::string, ModifierType>, std::size_t> seen;
              for (std::size_t k = 0; k < mods.size(); ++k) {
                const std::string mp = element(mpath, k);
                auto mod = read_modifier(check, mods[k], mp, swhere, sample_bins);
                if (!mod) continue;
                if (auto [it, inserted] = seen.emplace(std::make_pair(mod->name, mod->type), k); !inserted) {
                  check.add(located(mp, swhere), "duplicate modifier " + quote(mod->name) + " of type " +
                                                      std::string(to_string(mod->type)) + " (also modifiers[" +
                                                      std::to_string(it->second) + "])");
                  continue;
                }
                sample.modifiers.push_back(std::move(*mod));
              }
            }
          }
          channel.samples.push_back(std::move(sample));
        }
      }
    }
    channels.push_back(std::move(channel));
  }
}

void read_observations(Checker& check, const json& doc, const std::vector<Channel>& channels,
                       std::vector<Observation>& observations) {
  if (!doc.contains("observations")) return;
  const json& list = doc["observations"];
  if (!check.array(list, "observations", "", 1)) return;
  std::map<std::string, std::size_t> channel_bins;
  std::vector<std::string> channel_names;
  for (const Channel& ch : channels) {
    channel_bins.emplace(ch.name, ch.bins());
    channel_names.push_back(quote(ch.name));
  }
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& o = list[i];
    const std::string path = element("observations", i);
    if (!check.object(o, path, "", {"name", "data"}, {"name", "data"})) continue;
    Observation obs;
    std::string where;
    if (o.contains("name")) {
      if (auto name = check.string(o["name"], member(path, "name"), "")) {
        obs.name = *name;
        where = "observation " + quote(*name);
        if (auto [it, inserted] = seen.emplace(*name, i); !inserted)
          check.add(member(path, "name"),
                    "duplicate observation " + quote(*name) + " (also observations[" + std::to_string(it->second) + "])");
        else if (!channel_bins.contains(*name))
          check.add(member(path, "name"),
                    "no channel is called " + quote(*name) + " (channels: " + detail::join_list(channel_names) + ")");
      }
    }
    if (o.contains("data")) {
      if (auto data = check.numbers(o["data"], member(path, "data"), where)) {
        const auto bins = channel_bins.find(obs.name);
        if (bins != channel_bins.end() && bins->second != 0 && data->size() != bins->second)
          check.add(located(member(path, "data"), where), "has " + std::to_string(data->size()) +
                                                              " bins, channel " + quote(obs.name) + " has " +
                                                              std::to_string(bins->second));
        for (std::size_t b = 0; b < data->size(); ++b)
          if ((*data)[b] < 0.0)
            check.add(located(element(member(path, "data"), b), where),
                      "is " + format_shortest((*data)[b]) + ", an observed count must be >= 0");
        obs.data = std::move(*data);
      }
    }
    observations.push_back(std::move(obs));
  }
  for (const Channel& ch : channels)
    if (!ch.name.empty() && !seen.contains(ch.name))
      check.add("observations", "channel " + quote(ch.name) + " has no observation");
}

std::optional<ParameterConfig> read_parameter_config(Checker& check, const json& p, const std::string& path) {
  if (!check.object(p, path, "", {"name"}, {"name", "inits", "bounds", "auxdata", "factors", "sigmas", "fixed"}))
    return std::nullopt;
  ParameterConfig config;
  std::string where;
  if (p.contains("name")) {
    auto name = check.string(p["name"], member(path, "name"), "");
    if (!name) return std::nullopt;
    config.name = *name;
    where = "parameter " + quote(*name);
  }
  bool good = true;
  const auto list = [&](const char* key, std::optional<std::vector<double>>& out) {
    if (!p.contains(key)) return;
    out = check.numbers(p[key], member(path, key), where);
    if (!out) good = false;
  };
  list("inits", config.inits);
  list("auxdata", config.auxdata);
  list("factors", config.factors);
  list("sigmas", config.sigmas);
  if (p.contains("bounds")) {
    const json& b = p["bounds"];
    const std::string bpath = member(path, "bounds");
    if (check.array(b, bpath, where, 1)) {
      std::vector<std::pair<double, double>> bounds;
      for (std::size_t i = 0; i < b.size(); ++i) {
        const std::string ip = element(bpath, i);
        const auto pair = check.numbers(b[i], ip, where, 1);
        if (!pair) {
          good = false;
          continue;
        }
        if (pair->size() != 2) {
          check.add(located(ip, where), "must be a pair [lower, upper], has " + std::to_string(pair->size()) +
                                            (pair->size() == 1 ? " number" : " numbers"));
          good = false;
          continue;
        }
        if ((*pair)[0] > (*pair)[1]) {
          check.add(located(ip, where), "lower bound " + format_shortest((*pair)[0]) +
                                            " is above upper bound " + format_shortest((*pair)[1]));
          good = false;
          continue;
        }
        bounds.emplace_back((*pair)[0], (*pair)[1]);
      }
      config.bounds = std::move(bounds);
    } else {
      good = false;
    }
  }
  if (p.contains("fixed")) {
    config.fixed = check.boolean(p["fixed"], member(path, "fixed"), where);
    if (!config.fixed) good = false;
  }
  if (!good) return std::nullopt;
  return config;
}

void read_measurements(Checker& check, const json& doc, std::vector<Measurement>& measurements) {
  if (!doc.contains("measurements")) return;
  const json& list = doc["measurements"];
  if (!check.array(list, "measurements", "", 1)) return;
  std::map<std::string, std::size_t> seen;
  for (std::size_t i = 0; i < list.size(); ++i) {
    const json& m = list[i];
    const std::string path = element("measurements", i);
    Measurement measurement;
    if (!check.object(m, path, "", {"name", "config"}, {"name", "config"})) {
      measurements.push_back(std::move(measurement));
      continue;
    }
    if (m.contains("name")) {
      if (auto name = check.string(m["name"], member(path, "name"), "")) {
        measurement.name = *name;
        if (auto [it, inserted] = seen.emplace(*name, i); !inserted)
          check.add(member(path, "name"), "duplicate measurement name " + quote(*name) + " (also measurements[" +
                                              std::to_string(it->second) + "])");
      }
    }
    if (m.contains("config")) {
      const json& config = m["config"];
      const std::string cpath = member(path, "config");
      if (check.object(config, cpath, "", {"poi", "parameters"}, {"poi", "parameters"})) {
        if (config.contains("poi"))
          if (auto poi = check.string(config["poi"], member(cpath, "poi"), "")) measurement.poi = *poi;
        if (config.contains("parameters")) {
          const json& params = config["parameters"];
          const std::string ppath = member(cpath, "parameters");
          if (check.array(params, ppath, "", 0)) {
            std::map<std::string, std::size_t> names;
            for (std::size_t k = 0; k < params.size(); ++k) {
              const std::string pp = element(ppath, k);
              auto parameter = read_parameter_config(check, params[k], pp);
              if (!parameter) continue;
              if (auto [it, inserted] = names.emplace(parameter->name, k); !inserted) {
                check.add(member(pp, "name"), "duplicate configuration of parameter " + quote(parameter->name) +
                                                  " (also parameters[" + std::to_string(it->second) + "])");
                continue;
              }
              measurement.parameters.push_back(std::move(*parameter));
            }
          }
        }
      }
    }
    measurements.push_back(std::move(measurement));
  }
}

}  // namespace

Workspace Workspace::from_json(nlohmann::json document, std::string source) {
  Checker check;
  Workspace ws;
  ws.source_ = std::move(source);
  if (check.object(document, "", "", {"channels", "observations", "measurements", "version"},
                   {"channels", "observations", "measurements", "version"})) {
    if (document.contains("version")) {
      if (auto version = check.string(document["version"], "version", "")) {
        ws.version_ = *version;
        if (*version != kSupportedVersion)
          check.add("version", "unsupported version " + quote(*version) + " (supported: " +
                                   std::string(kSupportedVersion) + ")");
      }
    }
    read_channels(check, document, ws.channels_);
    read_observations(check, document, ws.channels_, ws.observations_);
    read_measurements(check, document, ws.measurements_);
  }
  if (!check.ok()) throw InputError(ws.source_, std::move(check.problems));
  ws.json_ = std::make_shared<const nlohmann::json>(std::move(document));
  return ws;
}

Workspace Workspace::parse(std::string_view text, std::string source) {
  nlohmann::json doc = parse_json(text, source);
  return from_json(std::move(doc), std::move(source));
}

Workspace Workspace::load(const std::filesystem::path& path) { return from_json(read_json_file(path), path.string()); }

const Measurement& Workspace::measurement(std::string_view name) const {
  if (name.empty()) return measurements_.front();
  for (const Measurement& m : measurements_)
    if (m.name == name) return m;
  std::vector<std::string> names;
  for (const Measurement& m : measurements_) names.push_back(quote(m.name));
  throw InputError(source_, "measurements",
                   "no measurement is called " + quote(name) + " (measurements: " + detail::join_list(names) + ")");
}

Model Workspace::model(const ModelOptions& options) const {
  if (!options.patch.empty()) {
    const Workspace ws = patched(options.patch);
    const Measurement& m = ws.measurement(options.measurement);
    return detail::build_model(ws, static_cast<std::size_t>(&m - ws.measurements_.data()), options);
  }
  const Measurement& m = measurement(options.measurement);
  return detail::build_model(*this, static_cast<std::size_t>(&m - measurements_.data()), options);
}

Model Workspace::model(std::string_view measurement, std::string_view patch) const {
  ModelOptions options;
  options.measurement = std::string(measurement);
  options.patch = std::string(patch);
  return model(options);
}

Workspace Workspace::with_patchset(PatchSet patchset) const {
  Workspace ws = *this;
  ws.patchset_ = std::make_shared<const PatchSet>(std::move(patchset));
  return ws;
}

Workspace Workspace::patched(std::string_view patch) const {
  if (!patchset_)
    throw InputError(source_, "", "cannot apply patch " + quote(patch) + ": no patchset is attached to this workspace");
  Workspace ws = patchset_->apply(*this, patch);
  ws.patchset_ = patchset_;
  return ws;
}

}  // namespace hessfit::likelihood
