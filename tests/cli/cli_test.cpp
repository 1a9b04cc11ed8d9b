#include <gtest/gtest.h>

#include "hessfit/testing/run_command.hpp"

namespace {

using hessfit::testing::run_command;

TEST(HessfitCommand, PrintsItsVersion) {
  const auto r = run_command(std::string(HESSFIT_EXE) + " --version");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_EQ(r.output, std::string("hessfit ") + HESSFIT_EXPECTED_VERSION + "\n");
}

TEST(HessfitCommand, PrintsHelpWithTheExitCodes) {
  const auto r = run_command(std::string(HESSFIT_EXE) + " --help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("exact (automatic-differentiation) Hessians"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("Exit codes: 0 ok; 1 fit did not converge"), std::string::npos) << r.output;
}

TEST(HessfitCommand, RejectsAnUnknownFlagWithExitCodeTwo) {
  const auto r = run_command(std::string(HESSFIT_EXE) + " --no-such-flag");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("--no-such-flag"), std::string::npos) << r.output;
}

}  // namespace
