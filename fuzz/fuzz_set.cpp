// libFuzzer harness: `--set key.path=value` options (one per line of the input) applied to a
// small valid config, then the schema. Bad input must come back as ConfigError.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "hessfit/configs/config.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> sets;
  for (std::size_t start = 0; start <= text.size();) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    sets.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  try {
    (void)hessfit::configs::parse_config("model: {workspace: tiny/workspace.json}\nuncertainties: {minos: all}\n", "fuzz.yaml",
                                         HESSFIT_FUZZ_CONFIG_BASE, sets);
  } catch (const hessfit::configs::ConfigError&) {
  }
  return 0;
}
