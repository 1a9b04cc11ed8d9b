// A pyhf JSON workspace, read and validated, and the models built from it.
//
//   auto ws = hessfit::likelihood::Workspace::load("workspace.json");
//   auto model = ws.model();                 // first measurement, pyhf defaults
//   double nll = model.nll(model.init());
//
// Loading checks the schema (closed objects, types, required keys, list lengths) and the
// semantics pyhf enforces when it builds a model (bin counts, duplicate names, the lumi modifier's
// name, observations for every channel, ...). Every problem found is reported at once in an
// InputError naming the file and the JSON path. Measurement-specific checks (parameter
// configurations, the POI, parameter-name reuse across modifier types) happen in model().
#pragma once

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "hessfit/likelihood/error.hpp"
#include "hessfit/likelihood/model.hpp"
#include "hessfit/likelihood/spec.hpp"

namespace hessfit::likelihood {

class PatchSet;

class Workspace {
 public:
  /// Reads and validates a workspace file. Throws InputError: the file cannot be read, invalid
  /// JSON ("<path>:<line>:<col>: invalid JSON: ..."), or every validation problem at once.
  static Workspace load(const std::filesystem::path& path);
  /// Validates a parsed JSON document; `source` names it in error messages.
  static Workspace from_json(nlohmann::json document, std::string source = "workspace");
  /// Parses and validates JSON text.
  static Workspace parse(std::string_view text, std::string source = "workspace");

  const std::string& source() const noexcept { return source_; }
  const std::string& version() const noexcept { return version_; }
  const std::vector<Channel>& channels() const noexcept { return channels_; }
  const std::vector<Observation>& observations() const noexcept { return observations_; }
  const std::vector<Measurement>& measurements() const noexcept { return measurements_; }
  /// The measurement called `name` ("" = the first); throws InputError listing the names otherwise.
  const Measurement& measurement(std::string_view name = {}) const;
  /// The JSON document as read (what patches apply to and digests are computed from).
  const nlohmann::json& json() const noexcept { return *json_; }

  /// Builds the model of a measurement (pyhf's Workspace.model). Throws InputError with every
  /// problem of the measurement's parameter configuration, the POI or parameter-name reuse.
  Model model(const ModelOptions& options) const;
  Model model(std::string_view measurement = {}, std::string_view patch = {}) const;

  /// This workspace with a patchset attached, so that model(..., patch) can name its patches.
  Workspace with_patchset(PatchSet patchset) const;
  const PatchSet* patchset() const noexcept { return patchset_.get(); }
  /// The attached patchset's patch (by name, or by values "a,b") applied to this workspace.
  Workspace patched(std::string_view patch) const;

 private:
  Workspace() = default;

  std::string source_;
  std::string version_;
  std::vector<Channel> channels_;
  std::vector<Observation> observations_;
  std::vector<Measurement> measurements_;
  std::shared_ptr<const nlohmann::json> json_;
  std::shared_ptr<const PatchSet> patchset_;
};

/// Reads a JSON file; a syntax error becomes an InputError "<path>:<line>:<col>: invalid JSON: ...".
nlohmann::json read_json_file(const std::filesystem::path& path);
/// Parses JSON text the same way, naming it `source`.
nlohmann::json parse_json(std::string_view text, const std::string& source);

}  // namespace hessfit::likelihood
