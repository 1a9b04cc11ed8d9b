// Writing a report as a set: every file is written (and fsynced) into a staging folder inside the
// output folder, then all are renamed into place with SIGINT/SIGTERM held back, and a manifest
// (.hessfit-report) names the files of the committed set so that files of an older set that the
// new one lacks are removed in the same step. An interruption while staging removes the staging
// folder; a kill -9 leaves it behind, and the next run removes it (its process is gone).
#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <vector>

#include "hessfit/configs/report.hpp"

namespace hessfit::configs {

namespace {

constexpr const char* kStagingPrefix = ".hessfit-staging-";

std::string error_text(int error) { return std::strerror(error); }

/// Writes all of `content` to `fd`; 0 or the errno of the failure.
int write_all(int fd, const std::string& content) {
  const char* data = content.data();
  std::size_t left = content.size();
  while (left > 0) {
    const ssize_t n = ::write(fd, data, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return errno;
    }
    data += n;
    left -= static_cast<std::size_t>(n);
  }
  return 0;
}

/// Writes all of `content` to a new file `path` (mode 0666 & ~umask) and fsyncs it.
void write_new_file(const std::string& path, const std::string& content) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd < 0) throw std::runtime_error("cannot create '" + path + "': " + error_text(errno));
  int error = write_all(fd, content);
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) throw std::runtime_error("cannot write '" + path + "': " + error_text(error));
}

// --- interruption -------------------------------------------------------------------------

std::atomic<int> g_signal{0};  // the SIGINT/SIGTERM received while a report set is staged

extern "C" void record_signal(int sig) { g_signal.store(sig); }

/// SIGINT and SIGTERM are recorded (not acted on) while this lives; the previous handlers come
/// back after. Checked between writes: an interrupted report removes its staging folder and the
/// process then dies of the signal as it would have (exit status 128 + signal).
class SignalsRecorded {
 public:
  SignalsRecorded() {
    g_signal.store(0);
    struct sigaction sa {};
    sa.sa_handler = record_signal;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, &old_int_);
    ::sigaction(SIGTERM, &sa, &old_term_);
  }
  SignalsRecorded(const SignalsRecorded&) = delete;
  SignalsRecorded& operator=(const SignalsRecorded&) = delete;
  ~SignalsRecorded() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
  }
  static int received() { return g_signal.load(); }

 private:
  struct sigaction old_int_ {}, old_term_ {};
};

/// SIGINT and SIGTERM held back (delivered when this ends): the commit's renames run as one step.
class SignalsBlocked {
 public:
  SignalsBlocked() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    ::pthread_sigmask(SIG_BLOCK, &set, &old_);
  }
  SignalsBlocked(const SignalsBlocked&) = delete;
  SignalsBlocked& operator=(const SignalsBlocked&) = delete;
  ~SignalsBlocked() { ::pthread_sigmask(SIG_SETMASK, &old_, nullptr); }

 private:
  sigset_t old_{};
};

/// Fault injection for the tests: HESSFIT_TEST_REPORT_SIGNAL="<point>:<signal>" sends <signal> to
/// this process at <point> of the report write: "stage<k>" after k files are staged, "commit<k>"
/// after k renames of the commit. Unset in normal use.
void fault_point(const std::string& point) {
  static const char* spec = std::getenv("HESSFIT_TEST_REPORT_SIGNAL");
  if (spec == nullptr) return;
  const std::string s = spec;
  const auto colon = s.find(':');
  if (colon == std::string::npos || s.substr(0, colon) != point) return;
  ::kill(::getpid(), std::atoi(s.c_str() + colon + 1));
}

// --- the staging folder -------------------------------------------------------------------

void remove_tree(const std::string& dir) {
  if (DIR* d = ::opendir(dir.c_str())) {
    while (const dirent* e = ::readdir(d)) {
      const std::string name = e->d_name;
      if (name != "." && name != "..") ::unlink((dir + "/" + name).c_str());
    }
    ::closedir(d);
  }
  ::rmdir(dir.c_str());
}

/// This machine's name as it appears in staging folder names ("-" and "/" replaced).
std::string host_name() {
  char buffer[256] = {};
  if (::gethostname(buffer, sizeof buffer - 1) != 0) return "host";
  std::string host = buffer;
  for (char& c : host)
    if (c == '/' || c == '-') c = '_';
  return host.empty() ? "host" : host;
}

/// Removes staging folders ".hessfit-staging-<host>-<pid>-XXXXXX" of processes of this machine
/// that are gone (killed while writing; shards on other machines of a shared file system are left
/// alone) and the "<name>.tmp-XXXXXX" files of earlier hessfit versions.
void remove_stale_temporaries(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return;
  const std::string mine = kStagingPrefix + host_name() + "-";
  std::vector<std::string> stale_dirs, stale_files;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name.rfind(mine, 0) == 0) {
      const long pid = std::strtol(name.c_str() + mine.size(), nullptr, 10);
      if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) stale_dirs.push_back(dir + "/" + name);
    } else if (const auto t = name.rfind(".tmp-"); t != std::string::npos && name.size() == t + 11) {
      stale_files.push_back(dir + "/" + name);
    }
  }
  ::closedir(d);
  for (const auto& s : stale_dirs) remove_tree(s);
  for (const auto& f : stale_files) ::unlink(f.c_str());
}

std::vector<std::string> read_manifest(const std::string& path) {
  std::vector<std::string> names;
  std::ifstream in(path);
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line.find('/') == std::string::npos && line[0] != '.') names.push_back(line);
  return names;
}

/// The staging folder: removed on every way out unless committed.
class Staging {
 public:
  explicit Staging(const std::string& directory) {
    path_ = directory + "/" + kStagingPrefix + host_name() + "-" + std::to_string(::getpid()) + "-XXXXXX";
    if (::mkdtemp(path_.data()) == nullptr)
      throw std::runtime_error("cannot create a staging folder in '" + directory + "': " + error_text(errno));
  }
  Staging(const Staging&) = delete;
  Staging& operator=(const Staging&) = delete;
  ~Staging() { remove_tree(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace

void write_report_set(const std::filesystem::path& directory, const std::vector<ReportFile>& files, const std::string& manifest_name) {
  std::set<std::string> names;
  for (const auto& f : files)
    if (f.name.empty() || f.name[0] == '.' || f.name.find('/') != std::string::npos || f.name.size() > kMaxFileNameBytes ||
        !names.insert(f.name).second)
      throw std::logic_error("write_report_set: bad or repeated file name '" + f.name + "'");
  if (manifest_name.size() < 2 || manifest_name[0] != '.' || manifest_name.find('/') != std::string::npos)
    throw std::logic_error("write_report_set: bad manifest name '" + manifest_name + "'");
  std::filesystem::create_directories(directory);
  const std::string dir = directory.string();
  remove_stale_temporaries(dir);

  SignalsRecorded recorded;
  auto stop_if_interrupted = [&] {
    if (const int sig = SignalsRecorded::received()) throw ReportInterrupted(sig);
  };
  {
    Staging staging(dir);
    std::string manifest;
    std::size_t staged = 0;
    for (const auto& f : files) {
      fault_point("stage" + std::to_string(staged));
      stop_if_interrupted();
      write_new_file(staging.path() + "/" + f.name, f.content);
      manifest += f.name + "\n";
      ++staged;
    }
    fault_point("stage" + std::to_string(staged));
    stop_if_interrupted();
    write_new_file(staging.path() + "/" + manifest_name, manifest);
    stop_if_interrupted();

    const std::vector<std::string> old = read_manifest(dir + "/" + manifest_name);
    {
      SignalsBlocked blocked;
      std::size_t renamed = 0;
      for (const auto& f : files) {
        fault_point("commit" + std::to_string(renamed));
        if (::rename((staging.path() + "/" + f.name).c_str(), (dir + "/" + f.name).c_str()) != 0)
          throw std::runtime_error("cannot move '" + f.name + "' into '" + dir + "': " + error_text(errno));
        ++renamed;
      }
      ::rename((staging.path() + "/" + manifest_name).c_str(), (dir + "/" + manifest_name).c_str());
      std::set<std::string> current;
      for (const auto& f : files) current.insert(f.name);
      for (const auto& name : old)
        if (current.count(name) == 0) ::unlink((dir + "/" + name).c_str());
      if (const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); fd >= 0) {
        ::fsync(fd);  // the renames reach the disk
        ::close(fd);
      }
    }
  }  // staging folder removed
  // A signal that came during the commit: the set is complete; the process still stops for it.
  if (const int sig = SignalsRecorded::received()) throw ReportInterrupted(sig);
}

ReportInterrupted::ReportInterrupted(int signal_number)
    : std::runtime_error(std::string("interrupted by ") + (signal_number == SIGINT ? "SIGINT" : signal_number == SIGTERM ? "SIGTERM" : "a signal")),
      signal_(signal_number) {}

void write_file_atomically(const std::filesystem::path& path, const std::string& content) {
  // A unique temporary beside the target (same file system, so rename() is atomic).
  std::string temp = path.string() + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw std::runtime_error("cannot create a temporary file for '" + path.string() + "': " + std::strerror(errno));
  const int saved = write_all(fd, content);
  bool ok = saved == 0;
  const mode_t mask = ::umask(0);  // mkstemp makes 0600; give the file the usual 0666 & ~umask
  ::umask(mask);
  ok = ok && ::fchmod(fd, 0666 & ~mask) == 0;
  ok = ok && ::fsync(fd) == 0;
  ok = (::close(fd) == 0) && ok;
  if (!ok || ::rename(temp.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(ok ? errno : saved);
    ::unlink(temp.c_str());
    throw std::runtime_error("cannot write '" + path.string() + "': " + reason);
  }
}

std::string unique_file_name(std::set<std::string>& used, const std::string& name) {
  const auto dot = name.rfind('.');
  const std::string stem = dot == std::string::npos ? name : name.substr(0, dot);
  const std::string extension = dot == std::string::npos ? std::string{} : name.substr(dot);
  std::string candidate = name;
  for (int k = 2; used.contains(candidate); ++k) candidate = stem + "_" + std::to_string(k) + extension;
  used.insert(candidate);
  return candidate;
}

std::string file_stem(const std::string& name) {
  std::string out;
  for (const char c : name) {
    const bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    out += safe ? c : '_';
  }
  if (out.empty()) return "_";
  // A file name has at most 255 bytes: long names keep their start and a hash of the whole
  // (FNV-1a, so that two long names with the same start still give two files).
  if (out.size() > kMaxFileStemBytes) {
    std::uint64_t h = 14695981039346656037ull;
    for (const char c : name) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    char hex[17];
    std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
    out = out.substr(0, kMaxFileStemBytes - 17) + "_" + hex;
  }
  return out;
}

}  // namespace hessfit::configs
