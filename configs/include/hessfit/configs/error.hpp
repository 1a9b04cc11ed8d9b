// Errors in a fit configuration, located where the user wrote the offending value.
//
// Validation collects every problem it finds in one pass and throws them together; each names
// the place the value came from, as an editor understands it (1-based line and column):
//
//   analysis.yaml:7:3: unknown key 'minimiser' in 'fit'; did you mean 'minimizer'?
//   --set fit.tolerance=abc: 'fit.tolerance' must be a number, got 'abc'
//
// Algorithm outcomes (a fit that does not converge, ...) are never reported through exceptions.
#pragma once

#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace hessfit::configs {

/// Where a value came from: a file position (line and column 1-based; 0 = unknown) or another
/// source such as a `--set` option.
struct Location {
  std::string source;  // "analysis.yaml", "--set fit.tolerance=abc"
  int line = 0;
  int column = 0;
  /// "analysis.yaml:7:3", "analysis.yaml" or "--set fit.tolerance=abc".
  std::string text() const;
};

/// The "did you mean" ending of a message, worked out only when the message is shown: the
/// nearest of `candidates` to `word` ("; did you mean 'x'?"); if none is close, the list of
/// candidates under the heading `list_as` (" (valid keys: minimizer, tolerance, ...)"), or nothing
/// if `list_as` is empty. Lazy because the edit distances of thousands of unknown keys to every
/// valid key cost more than the rest of the validation (60% of a fuzzed `--set` run), and only
/// the first kMaxProblemsShown problems are printed.
struct Suggestion {
  std::string word;
  std::vector<std::string> candidates;
  std::string list_as;  // "valid keys"
  std::string text() const;
};

struct Problem {
  Location where;
  std::string message;  // "unknown key 'minimiser' in 'fit'; did you mean 'minimizer'?"
  /// An ending not yet appended to `message`. The problems a ConfigError or Diagnostics::sorted()
  /// shows (the first kMaxProblemsShown) have it appended; text() appends it for any problem.
  std::optional<Suggestion> suggestion{};
  /// "<where>: <message><suggestion>".
  std::string text() const;
  /// Appends the suggestion to `message`.
  void complete();
};

/// Messages spell out at most this many problems, then count the rest.
inline constexpr std::size_t kMaxProblemsShown = 50;

/// Bad configuration. what() gives one line per problem, in the order found (the first
/// kMaxProblemsShown, then "... and N more"); those problems have their suggestions completed.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Problem> problems);
  const std::vector<Problem>& problems() const noexcept { return problems_; }

 private:
  struct Completed {};
  ConfigError(std::vector<Problem> problems, Completed);
  std::vector<Problem> problems_;
};

/// Collects problems; `check()` throws them together as a ConfigError.
class Diagnostics {
 public:
  void error(Location where, std::string message);
  /// A problem whose message ends in a suggestion, computed only if the problem is shown.
  void error(Location where, std::string message, Suggestion suggestion);
  bool ok() const noexcept { return problems_.empty(); }
  std::size_t size() const noexcept { return problems_.size(); }
  const std::vector<Problem>& problems() const noexcept { return problems_; }
  /// The problems in file order: by source (in order of first appearance), line, column; the
  /// first kMaxProblemsShown with their suggestions completed.
  std::vector<Problem> sorted() const;
  /// Throws ConfigError (problems in file order) if any problem was recorded.
  void check() const;
  /// What a command prints for bad input: the problems in file order, one a line (the first
  /// kMaxProblemsShown, then "... and N more"), then "<command>: N problems<outcome>", e.g.
  /// report("hessfit limit", "; nothing was computed"). Ends with a newline.
  std::string report(const std::string& command, const std::string& outcome) const;

 private:
  std::vector<Problem> problems_;
};

/// The candidate nearest to `word` by edit distance (case-insensitive, adjacent transpositions
/// count once), if it is close enough to be a plausible typo; "" otherwise.
std::string nearest(const std::string& word, const std::vector<std::string>& candidates);

/// "; did you mean 'x'?" when a nearest candidate exists, else "".
std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates);

}  // namespace hessfit::configs
