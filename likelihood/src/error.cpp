#include "hessfit/likelihood/error.hpp"

#include <utility>

namespace hessfit::likelihood {
namespace {

/// At most this many problems are spelt out in a message; the rest are counted.
constexpr std::size_t kMaxProblemsShown = 50;

std::string format(const std::string& source, const std::vector<Problem>& problems) {
  // The first kMaxProblemsShown and a count: 10^5 problems must not print megabytes.
  std::string text;
  std::size_t shown = 0;
  for (const Problem& p : problems) {
    if (shown == kMaxProblemsShown) {
      text += "\n" + source + ": ... and " + std::to_string(problems.size() - shown) + " more problems";
      break;
    }
    ++shown;
    if (!text.empty()) text += '\n';
    text += source;
    text += ": ";
    if (!p.path.empty()) {
      text += p.path;
      text += ": ";
    }
    text += p.message;
  }
  if (problems.empty()) text = source + ": invalid input";
  return text;
}

}  // namespace

InputError::InputError(std::string source, std::vector<Problem> problems)
    : std::runtime_error(format(source, problems)), source_(std::move(source)), problems_(std::move(problems)) {}

InputError::InputError(std::string source, std::string path, std::string message)
    : InputError(std::move(source), std::vector<Problem>{{std::move(path), std::move(message)}}) {}

}  // namespace hessfit::likelihood
