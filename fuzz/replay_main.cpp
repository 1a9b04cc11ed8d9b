// Without libFuzzer: runs a harness once on each file named on the command line (or in the
// folders named), so that the seed corpora and the inputs of past findings (fuzz/regressions)
// are replayed by the ordinary test suite with any compiler.
//
// With --mutate SECONDS it then fuzzes for that long: a small mutator (bit flips, bytes and
// tokens of JSON/YAML inserted or overwritten, ranges erased or repeated, splices of two inputs;
// fixed random seed) over the files read, at most 64 KiB an input. It finds far less than
// libFuzzer (no coverage feedback, no sanitizers in the ordinary build), but it runs in CI with
// the ordinary compiler: a crash, an abort, an exception escaping the harness, more than 2 GiB of
// address space (bad_alloc) or more than 10 s on one input fails the test, and the input is first
// saved to ./fuzz-smoke-crash-<pid> to replay.
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

constexpr std::size_t kMaxInputBytes = 65536;  // libFuzzer's -max_len of scripts/fuzz.sh
constexpr unsigned kTimeoutSeconds = 10;        // libFuzzer's -timeout of scripts/fuzz.sh
constexpr rlim_t kMaxAddressSpace = rlim_t{2} << 30;  // scripts/fuzz.sh's -rss_limit_mb

#if defined(__SANITIZE_ADDRESS__)
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

// The input being run, for the fatal-signal handler.
const std::string* g_current = nullptr;

extern "C" void save_input_and_die(int sig) {
  if (g_current != nullptr) {
    char name[64];
    std::snprintf(name, sizeof name, "fuzz-smoke-crash-%ld", static_cast<long>(::getpid()));
    const int fd = ::open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd >= 0) {
      const ssize_t n = ::write(fd, g_current->data(), g_current->size());
      (void)n;
      ::close(fd);
    }
    constexpr char msg[] = "fuzz smoke: fatal signal; the input is in ./fuzz-smoke-crash-<pid>\n";
    const ssize_t m = ::write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)m;
  }
  if (sig == SIGALRM) sig = SIGABRT;  // a hang
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void run_one(const std::string& input, bool timed) {
  g_current = &input;
  if (timed) ::alarm(kTimeoutSeconds);
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(input.data()), input.size());
  if (timed) ::alarm(0);
  g_current = nullptr;
}

/// Tokens that steer the parsers into their corners (structure, aliases, numbers at the limits).
constexpr std::array<std::string_view, 28> kTokens{
    "{", "}", "[", "]", "\"", ":", ",", "\n", "- ", "&a ", "*a", "<<: ", "!!str ", "---\n", "null", "true",
    "1e999", "-0", "NaN", "\\u0000", "\xc3\x28", "\"op\": \"copy\"", "\"from\": \"\"", "\"path\": \"/-\"",
    "\"type\": \"histosys\"", "\"data\": []", "'", "# "};

std::string mutate(const std::string& base, const std::vector<std::string>& pool, std::mt19937_64& rng) {
  std::string s = base;
  auto pick = [&](std::size_t n) { return n == 0 ? std::size_t{0} : static_cast<std::size_t>(rng() % n); };
  const int steps = 1 + static_cast<int>(rng() % 4);
  for (int k = 0; k < steps; ++k) {
    switch (rng() % 7) {
      case 0:  // flip a bit
        if (!s.empty()) s[pick(s.size())] ^= static_cast<char>(1u << (rng() % 8));
        break;
      case 1:  // overwrite a byte
        if (!s.empty()) s[pick(s.size())] = static_cast<char>(rng() % 256);
        break;
      case 2: {  // insert a token
        const auto t = kTokens[pick(kTokens.size())];
        s.insert(pick(s.size() + 1), t);
        break;
      }
      case 3: {  // erase a range
        if (s.empty()) break;
        const std::size_t at = pick(s.size());
        s.erase(at, 1 + pick(std::min<std::size_t>(64, s.size() - at)));
        break;
      }
      case 4: {  // repeat a range
        if (s.empty()) break;
        const std::size_t at = pick(s.size());
        const std::string piece = s.substr(at, 1 + pick(std::min<std::size_t>(256, s.size() - at)));
        const int times = 1 + static_cast<int>(rng() % 8);
        for (int t = 0; t < times; ++t) s.insert(at, piece);
        break;
      }
      case 5: {  // splice in a piece of another input
        const std::string& other = pool[pick(pool.size())];
        if (other.empty()) break;
        const std::size_t from = pick(other.size());
        s.insert(pick(s.size() + 1), other.substr(from, 1 + pick(std::min<std::size_t>(512, other.size() - from))));
        break;
      }
      default: {  // replace a digit run by an extreme number
        static constexpr std::array<std::string_view, 6> kNumbers{"0", "-1", "1e308", "4294967296", "1e-320", "99999999999999999999"};
        const std::size_t at = s.find_first_of("0123456789", pick(s.size()));
        if (at == std::string::npos) break;
        const std::size_t end = s.find_first_not_of("0123456789.", at);
        s.replace(at, (end == std::string::npos ? s.size() : end) - at, kNumbers[pick(kNumbers.size())]);
      }
    }
  }
  if (s.size() > kMaxInputBytes) s.resize(kMaxInputBytes);
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  double mutate_seconds = 0.0;
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--mutate") == 0 && i + 1 < argc) {
      mutate_seconds = std::atof(argv[++i]);
      continue;
    }
    const std::filesystem::path p = argv[i];
    if (std::filesystem::is_directory(p)) {
      for (const auto& e : std::filesystem::recursive_directory_iterator(p))
        if (e.is_regular_file()) files.push_back(e.path());
    } else {
      files.push_back(p);
    }
  }
  for (int sig : {SIGSEGV, SIGABRT, SIGBUS, SIGFPE, SIGILL, SIGALRM}) ::signal(sig, save_input_and_die);
  const bool mutating = mutate_seconds > 0.0;
  if (mutating && !kAddressSanitizer) {  // ASan reserves terabytes of address space
    const rlimit limit{kMaxAddressSpace, kMaxAddressSpace};
    ::setrlimit(RLIMIT_AS, &limit);
  }

  std::vector<std::string> pool;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    pool.emplace_back((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    run_one(pool.back(), mutating);
  }
  std::printf("replayed %zu inputs\n", files.size());
  if (mutate_seconds <= 0.0 || pool.empty()) return 0;

  std::mt19937_64 rng(20261202);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(mutate_seconds);
  std::size_t runs = 0;
  for (std::string input = pool.front(); std::chrono::steady_clock::now() < end; ++runs) {
    // Mostly mutate the last input further (deeper changes), sometimes restart from a file.
    input = mutate(rng() % 4 == 0 ? pool[static_cast<std::size_t>(rng() % pool.size())] : input, pool, rng);
    run_one(input, true);
  }
  std::printf("ran %zu mutated inputs in %.0f s\n", runs, mutate_seconds);
  return 0;
}
