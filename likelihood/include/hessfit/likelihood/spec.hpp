// The contents of a pyhf JSON workspace (schema 1.0.0) as plain, validated data.
//
//   workspace   = { channels, observations, measurements, version }
//   channel     = { name, samples: [ { name, data: nominal yields per bin, modifiers } ] }
//   modifier    = { name, type, data }   (type-dependent data, see Modifier)
//   observation = { name: channel name, data: observed counts per bin }
//   measurement = { name, config: { poi, parameters: [parameter configuration] } }
//
// Everything here is kept in the order of the JSON document, so that an index i of `channels`
// is the i of the JSON path `channels[i]`. The model (model.hpp) sorts as pyhf does.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace hessfit::likelihood {

/// Modifier types, in the order pyhf orders their parameter sets.
enum class ModifierType : std::uint8_t {
  kHistoSys,     // additive, per-bin shape from lo_data/hi_data, Gaussian-constrained alpha
  kLumi,         // multiplicative luminosity lambda, Gaussian-constrained (config required)
  kNormFactor,   // multiplicative free normalisation mu
  kNormSys,      // multiplicative normalisation from lo/hi factors, Gaussian-constrained alpha
  kShapeFactor,  // multiplicative free per-bin factors gamma_b
  kShapeSys,     // multiplicative per-bin gamma_b, Poisson-constrained (Barlow-Beeston lite)
  kStatError,    // multiplicative per-bin gamma_b shared by samples, Gaussian-constrained
};
inline constexpr std::array<ModifierType, 7> kModifierTypes{
    ModifierType::kHistoSys,    ModifierType::kLumi,     ModifierType::kNormFactor, ModifierType::kNormSys,
    ModifierType::kShapeFactor, ModifierType::kShapeSys, ModifierType::kStatError};

/// The pyhf spelling: "histosys", "lumi", "normfactor", "normsys", "shapefactor", "shapesys", "staterror".
std::string_view to_string(ModifierType type) noexcept;
std::optional<ModifierType> parse_modifier_type(std::string_view text) noexcept;

struct Modifier {
  std::string name;
  ModifierType type = ModifierType::kNormFactor;
  double lo = 1.0;                       // normsys: factor at alpha = -1
  double hi = 1.0;                       // normsys: factor at alpha = +1
  std::vector<double> lo_data, hi_data;  // histosys: yields per bin at alpha = -1 and +1
  std::vector<double> data;              // shapesys, staterror: absolute uncertainty per bin
};

struct Sample {
  std::string name;
  std::vector<double> data;  // nominal yield per bin
  std::vector<Modifier> modifiers;
};

struct Channel {
  std::string name;
  std::vector<Sample> samples;
  std::size_t bins() const noexcept { return samples.empty() ? 0 : samples.front().data.size(); }
};

struct Observation {
  std::string name;  // a channel name
  std::vector<double> data;
};

/// One entry of measurement.config.parameters: overrides of a parameter set's defaults.
struct ParameterConfig {
  std::string name;
  std::optional<std::vector<double>> inits;
  std::optional<std::vector<std::pair<double, double>>> bounds;
  std::optional<std::vector<double>> auxdata;
  std::optional<std::vector<double>> factors;
  std::optional<std::vector<double>> sigmas;
  std::optional<bool> fixed;
};

struct Measurement {
  std::string name;
  std::string poi;
  std::vector<ParameterConfig> parameters;
};

}  // namespace hessfit::likelihood
