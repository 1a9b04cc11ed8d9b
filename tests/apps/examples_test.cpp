// Runs the lesson examples (apps/examples) and checks what they print: the numbers, the agreement
// between hand-written and hessfit derivatives, the matrices and the timing tables.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "hessfit/testing/run_command.hpp"

namespace {

using hessfit::testing::CommandResult;
using hessfit::testing::run_command;

const CommandResult& adjoints_run() {
  static const CommandResult result = run_command(HESSFIT_REVERSE_MODE_ADJOINTS_EXE, false);
  return result;
}
const CommandResult& modes_run() {
  static const CommandResult result = run_command(HESSFIT_HESSIAN_MODES_EXE, false);
  return result;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

/// The two numbers of every line "<label> [a, b]".
std::vector<std::pair<double, double>> pairs_after(const std::string& text, const std::string& label) {
  std::vector<std::pair<double, double>> out;
  const std::regex re(label + R"(\s*\[([-+0-9.eE]+), ([-+0-9.eE]+)\])");
  for (const auto& line : lines_of(text)) {
    std::smatch m;
    if (std::regex_search(line, m, re)) out.emplace_back(std::stod(m[1]), std::stod(m[2]));
  }
  return out;
}

TEST(ReverseModeAdjointsExample, ExitsSuccessfully) {
  EXPECT_EQ(adjoints_run().exit_code, 0) << adjoints_run().output;
}

TEST(ReverseModeAdjointsExample, PrintsYourOutputBesideHessfitOutputAtFivePoints) {
  EXPECT_EQ(pairs_after(adjoints_run().output, "Your output:").size(), 5u) << adjoints_run().output;
  EXPECT_EQ(pairs_after(adjoints_run().output, "hessfit output:").size(), 5u) << adjoints_run().output;
}

TEST(ReverseModeAdjointsExample, HandWrittenAndHessfitGradientsAgreeTo1e14) {
  const auto mine = pairs_after(adjoints_run().output, "Your output:");
  const auto theirs = pairs_after(adjoints_run().output, "hessfit output:");
  ASSERT_EQ(mine.size(), theirs.size());
  for (std::size_t i = 0; i < mine.size(); ++i) {
    const double scale = std::max({1.0, std::abs(theirs[i].first), std::abs(theirs[i].second)});
    EXPECT_LE(std::abs(mine[i].first - theirs[i].first), 1e-14 * scale) << "point " << i;
    EXPECT_LE(std::abs(mine[i].second - theirs[i].second), 1e-14 * scale) << "point " << i;
  }
  EXPECT_NE(adjoints_run().output.find("The hand-written adjoints and hessfit agree."), std::string::npos);
}

TEST(ReverseModeAdjointsExample, GradientAtOneOneIsTheLessons) {
  const auto theirs = pairs_after(adjoints_run().output, "hessfit output:");
  ASSERT_FALSE(theirs.empty());
  EXPECT_NEAR(theirs[0].first, -3.5234843061579388, 1e-14);
  EXPECT_NEAR(theirs[0].second, 10.577677559922305, 1e-14);
}

TEST(HessianModesExample, ExitsSuccessfully) { EXPECT_EQ(modes_run().exit_code, 0) << modes_run().output; }

TEST(HessianModesExample, PrintsTheTwoByTwoHessianAtOneZero) {
  EXPECT_NE(modes_run().output.find("Hessian at (1, 0), forward-over-reverse:\n[[-4, 0], [0, 2]]\n"), std::string::npos)
      << modes_run().output;
}

TEST(HessianModesExample, PrintsTheHundredDimensionalHessianAbbreviatedLikeNumpy) {
  const std::string expected =
      "[[ 2.    0.    0.   ...  0.    0.    0.  ]\n"
      " [ 0.    1.94  0.   ...  0.    0.    0.  ]\n"
      " [ 0.    0.    1.88 ...  0.    0.    0.  ]\n"
      " ...\n"
      " [ 0.    0.    0.   ... -3.82  0.    0.  ]\n"
      " [ 0.    0.    0.   ...  0.   -3.88  0.  ]\n"
      " [ 0.    0.    0.   ...  0.    0.   -3.94]]\n";
  EXPECT_NE(modes_run().output.find(expected), std::string::npos) << modes_run().output;
  const std::regex err(R"(largest difference from the exact diag\(2 - 6 x_i\): ([-+0-9.eE]+))");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(modes_run().output, m, err));
  EXPECT_LE(std::stod(m[1]), 1e-12);
}

struct ModeTiming {
  std::string mode;
  double median_ms, fastest_ms, error;
  int runs;
};

std::vector<ModeTiming> mode_timings() {
  std::vector<ModeTiming> out;
  const std::regex re(R"(^\s+((?:forward|reverse)-over-(?:forward|reverse))\s+([0-9.]+)\s+([0-9.]+)\s+(\d+)\s+[0-9.]+\s+([-+0-9.eE]+)$)");
  for (const auto& line : lines_of(modes_run().output)) {
    std::smatch m;
    if (std::regex_match(line, m, re)) out.push_back({m[1], std::stod(m[2]), std::stod(m[3]), std::stod(m[5]), std::stoi(m[4])});
  }
  return out;
}

TEST(HessianModesExample, TimesTheFourCompositionsAtTwoHundredWithExactResults) {
  const auto timings = mode_timings();
  ASSERT_EQ(timings.size(), 4u) << modes_run().output;
  EXPECT_NE(modes_run().output.find("Dense Hessian of f at x = ones(200), median of repeated runs"), std::string::npos);
  for (const auto& t : timings) {
    EXPECT_GT(t.median_ms, 0.0) << t.mode;
    EXPECT_LE(t.fastest_ms, t.median_ms) << t.mode;
    EXPECT_GE(t.runs, 7) << t.mode;
    EXPECT_EQ(t.error, 0.0) << t.mode;
  }
}

TEST(HessianModesExample, TimesForwardAgainstReverseJacobiansAtOneThousand) {
  const std::regex re(R"(^\s+(wide|square|tall):.*\s(\d+)\s+(\d+)\s+([0-9.]+)\s+([0-9.]+)\s+([0-9.]+)\s+([-+0-9.eE]+)$)");
  int rows = 0;
  for (const auto& line : lines_of(modes_run().output)) {
    std::smatch m;
    if (!std::regex_match(line, m, re)) continue;
    ++rows;
    EXPECT_TRUE(std::stoi(m[2]) == 1000 || std::stoi(m[3]) == 1000) << line;
    EXPECT_GT(std::stod(m[4]), 0.0) << line;
    EXPECT_GT(std::stod(m[5]), 0.0) << line;
    EXPECT_LE(std::stod(m[7]), 1e-12) << line;
  }
  EXPECT_EQ(rows, 3) << modes_run().output;
}

TEST(HessianModesExample, ExplanationNamesTheCompositionThatWasMeasuredFastest) {
  const auto timings = mode_timings();
  ASSERT_EQ(timings.size(), 4u);
  const auto fastest = std::min_element(timings.begin(), timings.end(),
                                        [](const auto& a, const auto& b) { return a.median_ms < b.median_ms; });
  const std::string& out = modes_run().output;
  ASSERT_NE(out.find("What the numbers show:"), std::string::npos);
  EXPECT_NE(out.find(fastest->mode + " was fastest"), std::string::npos) << out;
}

}  // namespace
