// libFuzzer harness: a pyhf workspace from arbitrary bytes through the reader, the validator and
// the model builder, then the NLL and its gradient at the initial values. Bad input must come
// back as likelihood::InputError (or std::invalid_argument from the documented API); anything
// else (a crash, a sanitizer report, another exception, a leak) is a finding.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string_view>

#include "hessfit/autodiff.hpp"
#include "hessfit/likelihood.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  namespace lh = hessfit::likelihood;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const lh::Workspace ws = lh::Workspace::parse(text, "fuzz.json");
    lh::ModelOptions options;
    const lh::Model model = ws.model(options);
    const Eigen::VectorXd x = model.init();
    Eigen::VectorXd g;
    (void)hessfit::ad::value_and_gradient([&](const auto& y) { return model.nll(y); }, x, g);
  } catch (const lh::InputError&) {
  } catch (const std::invalid_argument&) {
  }
  return 0;
}
