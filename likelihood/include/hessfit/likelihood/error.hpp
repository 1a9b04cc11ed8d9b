// Errors for bad input: workspaces, patchsets, measurement configurations, parameter files.
//
// Validation collects every problem it finds in one pass and throws them together, each naming the
// file (or other source) and the JSON path of the offending value:
//
//   workspace.json: channels[2].samples[0].modifiers[3].data.hi_data (channel 'SR', sample 'ttbar',
//   histosys 'jes'): has 3 bins, the sample has 4
//
// Algorithm outcomes (a fit that does not converge, ...) are never reported through exceptions.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

namespace hessfit::likelihood {

/// One thing wrong with an input, located by its JSON path ("" when the whole input is meant).
struct Problem {
  std::string path;     // "channels[2].samples[0].modifiers[3].data.hi_data (channel 'SR', ...)"
  std::string message;  // "has 3 bins, the sample has 4"
};

/// Bad user input. what() gives one line per problem: "<source>: <path>: <message>".
class InputError : public std::runtime_error {
 public:
  InputError(std::string source, std::vector<Problem> problems);
  InputError(std::string source, std::string path, std::string message);

  /// The file (or a description of the input, e.g. "BkgOnly.json + patch 'X'").
  const std::string& source() const noexcept { return source_; }
  const std::vector<Problem>& problems() const noexcept { return problems_; }

 private:
  std::string source_;
  std::vector<Problem> problems_;
};

}  // namespace hessfit::likelihood
