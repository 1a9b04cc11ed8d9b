// pyhf patchsets: a family of signal hypotheses (e.g. a mass grid) as JSON Patches (RFC 6902) on
// one background-only workspace.
//
//   patchset = { metadata: { digests: {sha256 | md5}, labels: [axis names], description,
//                            references: {hepdata: "ins1234567"}, ... },
//                patches: [ { metadata: { name, values: [one per label] }, patch: [operations] } ],
//                version: "1.0.0" }
//
// Applying a patch first verifies every listed digest of the background-only workspace: the hash
// of json.dumps(workspace, sort_keys=True, ensure_ascii=False) as UTF-8 (see digest.hpp), exactly
// as pyhf.PatchSet.apply does, then applies the operations to the whole workspace document and
// validates the result as a new Workspace.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace hessfit::likelihood {

class Workspace;

/// A coordinate of a patch: a number or a string.
using PatchValue = std::variant<double, std::string>;

struct Patch {
  std::string name;
  std::vector<PatchValue> values;  // one per PatchSet::labels()
  nlohmann::json operations;       // the JSON Patch (an array of operations)
  nlohmann::json metadata;         // the whole metadata object
};

class PatchSet {
 public:
  static PatchSet load(const std::filesystem::path& path);
  static PatchSet from_json(const nlohmann::json& document, std::string source = "patchset");

  const std::string& source() const noexcept { return source_; }
  const std::string& description() const noexcept { return description_; }
  const std::vector<std::string>& labels() const noexcept { return labels_; }
  /// Algorithm ("sha256", "md5") -> lowercase hex digest of the background-only workspace.
  const std::map<std::string, std::string>& digests() const noexcept { return digests_; }
  const std::map<std::string, std::string>& references() const noexcept { return references_; }
  const std::vector<Patch>& patches() const noexcept { return patches_; }

  /// The patch called `name`; throws InputError (listing a few names) if there is none.
  const Patch& patch(std::string_view name) const;
  /// The patch with these values; throws InputError if there is none.
  const Patch& patch(const std::vector<PatchValue>& values) const;
  /// By name, or else by comma-separated values ("200,100" or "200.0, 100.0").
  const Patch& find(std::string_view name_or_values) const;

  /// Throws InputError unless every listed digest matches the workspace.
  void verify(const Workspace& background) const;
  /// verify() (unless `check` is kSkip: the caller verified this background already, as a grid
  /// over many patches does once), then the patch applied to a copy of the background's parsed
  /// document (never re-read or re-parsed) and the result validated.
  enum class DigestCheck { kVerify, kSkip };
  Workspace apply(const Workspace& background, const Patch& patch, DigestCheck check = DigestCheck::kVerify) const;
  Workspace apply(const Workspace& background, std::string_view name_or_values) const;

 private:
  PatchSet() = default;

  std::string source_;
  std::string description_;
  std::vector<std::string> labels_;
  std::map<std::string, std::string> digests_;
  std::map<std::string, std::string> references_;
  std::vector<Patch> patches_;
};

/// "200.0" / "ERJR" / "[200.0, 100.0]"-style text of values, for messages.
std::string to_string(const std::vector<PatchValue>& values);

}  // namespace hessfit::likelihood
