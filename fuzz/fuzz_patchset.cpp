// libFuzzer harness: a pyhf patchset from arbitrary bytes, read, validated and applied (every
// patch) to a small background workspace. The harness writes the background's digest into the
// patchset so that the fuzzer reaches the JSON-Patch application instead of the digest check.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>

#include "hessfit/likelihood.hpp"
#include "hessfit/likelihood/digest.hpp"

namespace {

namespace lh = hessfit::likelihood;

const lh::Workspace& background() {
  static const lh::Workspace ws = lh::Workspace::parse(R"({
  "channels": [{"name": "SR", "samples": [
    {"name": "signal", "data": [5.0, 10.0], "modifiers": [{"name": "mu", "type": "normfactor", "data": null}]},
    {"name": "background", "data": [50.0, 52.0], "modifiers": [
      {"name": "jes", "type": "normsys", "data": {"lo": 0.95, "hi": 1.07}},
      {"name": "mcstat", "type": "staterror", "data": [2.0, 3.0]}]}]}],
  "observations": [{"name": "SR", "data": [53.0, 61.0]}],
  "measurements": [{"name": "m", "config": {"poi": "mu", "parameters": []}}],
  "version": "1.0.0"})",
                                                       "background.json");
  return ws;
}

const std::string& background_digest() {
  static const std::string d = lh::hex_digest("sha256", lh::python_json_dumps(background().json()));
  return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    nlohmann::json doc = lh::parse_json(text, "fuzz.json");
    if (doc.is_object() && doc.contains("metadata") && doc["metadata"].is_object())
      doc["metadata"]["digests"] = {{"sha256", background_digest()}};
    const lh::PatchSet ps = lh::PatchSet::from_json(std::move(doc), "fuzz.json");
    for (const lh::Patch& p : ps.patches()) {
      try {
        const lh::Workspace patched = ps.apply(background(), p);
        (void)patched.model(lh::ModelOptions{});
      } catch (const lh::InputError&) {
      } catch (const std::invalid_argument&) {
      }
    }
  } catch (const lh::InputError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
