// libFuzzer harness: a YAML config from arbitrary bytes through the located YAML tree and the
// schema (aliases, anchors, nesting, every key). Bad input must come back as ConfigError.
#include <cstddef>
#include <cstdint>
#include <string>

#include "hessfit/configs/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  try {
    (void)hessfit::configs::parse_config(yaml, "fuzz.yaml", HESSFIT_FUZZ_CONFIG_BASE);
  } catch (const hessfit::configs::ConfigError&) {
  }
  return 0;
}
