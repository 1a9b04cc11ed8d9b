// Hostile JSON input: the bounded reader (regular files only, a size limit), nesting depth,
// duplicate keys (in linear time), NUL characters, numbers out of range and patches that
// multiply the document. Every error is located and short.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>

#include "hessfit/common/input.hpp"
#include "hessfit/likelihood.hpp"
#include "hessfit/likelihood/json_input.hpp"
#include "shared_data.hpp"

namespace hessfit::likelihood {
namespace {

namespace fs = std::filesystem;

std::string error_of(const auto& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  } catch (const InputFileError& e) {
    return std::string("InputFileError: ") + e.what();
  }
  return "(no error)";
}

fs::path scratch_file(const std::string& name, const std::string& content) {
  const fs::path dir = fs::temp_directory_path() / ("hessfit_json_input_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const fs::path p = dir / name;
  std::ofstream(p, std::ios::binary) << content;
  return p;
}

TEST(BoundedReader, RefusesDevicesDirectoriesAndFifosWithoutReadingThem) {
  EXPECT_EQ(error_of([] { (void)read_json_file("/dev/zero"); }), "/dev/zero: is a character device, not a regular file");
  EXPECT_EQ(error_of([] { (void)read_json_file("/dev/urandom"); }), "/dev/urandom: is a character device, not a regular file");
  const fs::path dir = fs::temp_directory_path();
  EXPECT_EQ(error_of([&] { (void)read_json_file(dir); }), dir.string() + ": is a directory, not a file");
  const fs::path fifo = scratch_file("fifo_placeholder", "") .parent_path() / "a.fifo";
  fs::remove(fifo);
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  // Would block forever if the reader waited for a writer.
  EXPECT_EQ(error_of([&] { (void)read_json_file(fifo); }), fifo.string() + ": is a FIFO (named pipe), not a regular file");
  fs::remove(fifo);
  EXPECT_EQ(error_of([] { (void)read_json_file("/no/such/file.json"); }), "/no/such/file.json: no such file");
}

TEST(BoundedReader, RefusesAFileAboveTheLimitBeforeReadingIt) {
  const fs::path p = scratch_file("big.json", std::string(1000, ' ') + "{}");
  EXPECT_EQ(error_of([&] { (void)read_input_file(p, 1000); }),
            "InputFileError: is larger than the input limit of 1000 B (1002 B)");
  EXPECT_EQ(read_input_file(p, 1002).size(), 1002u);
  JsonLimits limits;
  limits.max_bytes = 1024;
  EXPECT_EQ(error_of([&] { (void)read_json_file(p, limits); }), "(no error)");  // fits: parses to {}
  // A 2 GiB sparse file: refused from its size, not read (reading would take seconds and 2 GiB).
  const fs::path huge = scratch_file("huge.json", "");
  fs::resize_file(huge, std::uintmax_t{2} << 30);
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of([&] { (void)read_json_file(huge); }), huge.string() + ": is larger than the input limit of 256 MiB (2 GiB)");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 1.0);
  fs::remove(huge);
}

TEST(Utf8, FindsTheFirstIllFormedByte) {
  EXPECT_EQ(find_invalid_utf8("plain ascii"), std::string_view::npos);
  EXPECT_EQ(find_invalid_utf8("\xce\xbc = 1 \xe2\x82\xac \xf0\x9f\x98\x80"), std::string_view::npos);  // mu, euro, emoji
  EXPECT_EQ(find_invalid_utf8("ab\xff"), 2u);
  EXPECT_EQ(find_invalid_utf8("a\xc0\xaf"), 1u);          // overlong '/'
  EXPECT_EQ(find_invalid_utf8("\xed\xa0\x80"), 0u);        // a UTF-16 surrogate
  EXPECT_EQ(find_invalid_utf8("\xf4\x90\x80\x80"), 0u);    // above U+10FFFF
  EXPECT_EQ(find_invalid_utf8("ok\xe2\x82"), 2u);          // truncated
}

TEST(JsonLimits, DuplicateKeysAreErrorsNamingTheJsonPath) {
  EXPECT_EQ(error_of([] { (void)parse_json(R"({"a": {"b": [1, {"c": 1, "c": 2}]}, "a2": 0, "a2": 1})", "dup.json"); }),
            "dup.json: a.b[1].c: duplicate key 'c' (JSON keeps only one of them)\n"
            "dup.json: a2: duplicate key 'a2' (JSON keeps only one of them)");
}

TEST(JsonLimits, DuplicateKeyCheckIsLinearInTheNumberOfKeys) {
  // 2 x 10^5 distinct keys, then one repeated: was quadratic (10^5 keys took 9 s).
  std::string text = "{";
  for (int i = 0; i < 200000; ++i) text.append("\"k").append(std::to_string(i)).append("\":0,");
  text += "\"k7\":1}";
  const auto t0 = std::chrono::steady_clock::now();
  EXPECT_EQ(error_of([&] { (void)parse_json(text, "many.json"); }), "many.json: k7: duplicate key 'k7' (JSON keeps only one of them)");
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count(), 5.0);
}

TEST(JsonLimits, NestingDeeperThanTheLimitIsRefused) {
  const std::string deep = std::string(200, '[') + std::string(200, ']');
  EXPECT_EQ(error_of([&] { (void)parse_json(deep, "deep.json"); }),
            "deep.json: " + [] {
              std::string p;
              for (int i = 0; i < 128; ++i) p += "[0]";
              return p;
            }() + ": nesting deeper than 128 levels");
  const std::string ok = std::string(100, '[') + std::string(100, ']');
  EXPECT_NO_THROW((void)parse_json(ok, "ok.json"));
}

TEST(JsonLimits, NumbersOutOfRangeAreLocatedAndNotEchoedInFull) {
  EXPECT_EQ(error_of([] { (void)parse_json("{\"x\":\n  1e999}", "big.json"); }),
            "big.json:2:3: invalid JSON: number overflow parsing '1e999'");
  const std::string digits = "[" + std::string(1000000, '9') + "e999]";
  const std::string e = error_of([&] { (void)parse_json(digits, "digits.json"); });
  EXPECT_LT(e.size(), 300u) << e.substr(0, 300);
  EXPECT_EQ(e.rfind("digits.json:1:", 0), 0u) << e.substr(0, 300);
}

TEST(JsonLimits, NulCharactersInStringsAreRefused) {
  EXPECT_EQ(error_of([] { (void)parse_json(R"({"channels": [{"name": "S\u0000R"}]})", "nul.json"); }),
            "nul.json: channels[0].name: the string contains a NUL character (\\u0000)");
}

TEST(JsonLimits, ProblemsBeyondFiftyAreCounted) {
  std::vector<Problem> problems;
  for (int i = 0; i < 100000; ++i) problems.push_back({std::string("p").append(std::to_string(i)), "bad"});
  const std::string what = InputError("f.json", problems).what();
  EXPECT_LT(what.size(), 2000u);
  EXPECT_NE(what.find("p49: bad\nf.json: ... and 99950 more problems"), std::string::npos) << what.substr(what.size() - 200);
}

TEST(PatchLimits, RepeatedCopiesThatMultiplyTheWorkspaceAreRefused) {
  const fs::path dir = testing::histfactory_dir() / "atlas-susy-2018-06-3l-erjr";
  const Workspace bkg = Workspace::load(dir / "BkgOnly.json");
  // 40 copies of the channel list into itself: 2^40 times the workspace.
  nlohmann::json ops = nlohmann::json::array();
  for (int i = 0; i < 40; ++i) ops.push_back({{"op", "copy"}, {"from", "/channels"}, {"path", "/channels/-"}});
  const nlohmann::json doc = {
      {"metadata",
       {{"digests", {{"sha256", "a20207ad6da9dc3e3e53dc159155a8371d7b44487e03fb4af4c6be20be4ad695"}}},
        {"labels", {"m"}},
        {"description", "d"},
        {"references", {{"hepdata", "ins1234567"}}}}},
      {"patches", {{{"metadata", {{"name", "bomb"}, {"values", {1}}}}, {"patch", ops}}}},
      {"version", "1.0.0"}};
  const PatchSet ps = PatchSet::from_json(doc, "bomb.json");
  const std::string e = error_of([&] { (void)ps.apply(bkg, "bomb"); });
  EXPECT_EQ(e.rfind("bomb.json: patches[0].patch[2] (patch 'bomb'): the patched workspace would exceed 4 times the size", 0), 0u) << e;
}

}  // namespace
}  // namespace hessfit::likelihood
