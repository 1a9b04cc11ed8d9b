#include "distribute.hpp"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>

#include "command.hpp"
#include "hessfit/common/input.hpp"
#include "hessfit/configs/config.hpp"
#include "hessfit/configs/report.hpp"
#include "hessfit/likelihood/digest.hpp"
#include "ranks.hpp"

namespace hessfit::app {

using nlohmann::ordered_json;

namespace {

/// What `hessfit merge` replays (set while the command of the parts runs again).
struct Replay {
  std::string digest;
  std::vector<std::array<int, 2>> loops;
  std::vector<std::vector<double>> records;  // by global item
  std::size_t next_loop = 0;
};
Replay* g_replay = nullptr;

/// The arguments that change results: all but the output, thread, shard and display options.
std::vector<std::string> result_arguments(const std::vector<std::string>& arguments) {
  static const std::vector<std::string> with_value{"--shard", "--out", "-o", "--threads", "-j"};
  static const std::vector<std::string> flags{"--progress", "--no-progress", "--quiet", "-q", "--json"};
  std::vector<std::string> out;
  for (std::size_t i = 0; i < arguments.size(); ++i) {
    const std::string& a = arguments[i];
    const auto named = [&](const std::string& o) { return a == o || a.rfind(o + "=", 0) == 0; };
    if (std::any_of(with_value.begin(), with_value.end(), [&](const std::string& o) { return a == o; })) {
      ++i;  // and its value
      continue;
    }
    if (std::any_of(with_value.begin(), with_value.end(), named) || std::find(flags.begin(), flags.end(), a) != flags.end()) continue;
    out.push_back(a);
  }
  return out;
}

std::string file_digest(const std::filesystem::path& path) {
  try {  // bounded and non-blocking: a FIFO or /dev/zero is refused, not read
    return likelihood::hex_digest("sha256", read_input_file(path, kMaxJsonBytes));
  } catch (const InputFileError& e) {
    return "unreadable " + path.generic_string() + ": " + e.what();  // the command reports it
  }
}

template <class T>
void put(std::string& out, T value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}
template <class T>
T take(const std::string& in, std::size_t& at) {
  if (at + sizeof(T) > in.size()) throw std::runtime_error("a rank sent a truncated message");
  T value;
  std::memcpy(&value, in.data() + at, sizeof value);
  at += sizeof value;
  return value;
}

}  // namespace

std::string encode_record(const double* record, int width) {
  static const char* digits = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(width) * 16, '0');
  for (int k = 0; k < width; ++k) {
    const auto bits = std::bit_cast<std::uint64_t>(record[k]);
    for (int d = 0; d < 16; ++d) out[static_cast<std::size_t>(16 * k + d)] = digits[(bits >> (60 - 4 * d)) & 0xf];
  }
  return out;
}

std::vector<double> decode_record(const std::string& text, int width) {
  if (text.size() != static_cast<std::size_t>(width) * 16)
    throw std::runtime_error("a record holds " + std::to_string(text.size() / 16) + " values, its loop " + std::to_string(width));
  std::vector<double> out(static_cast<std::size_t>(width));
  for (int k = 0; k < width; ++k) {
    std::uint64_t bits = 0;
    for (int d = 0; d < 16; ++d) {
      const char c = text[static_cast<std::size_t>(16 * k + d)];
      const int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      if (v < 0) throw std::runtime_error("a record holds '" + std::string(1, c) + "', not a hex digit");
      bits = bits << 4 | static_cast<std::uint64_t>(v);
    }
    out[static_cast<std::size_t>(k)] = std::bit_cast<double>(bits);
  }
  return out;
}

std::vector<std::string>& command_arguments() {
  static std::vector<std::string> arguments;
  return arguments;
}

std::vector<std::filesystem::path> run_input_files(const std::string& input, const std::vector<std::string>& sets) {
  std::vector<std::filesystem::path> files{input};
  configs::Diagnostics d;
  const configs::Config c = configs::load_config(input, sets, d);
  if (c.model.workspace) files.push_back(c.model.workspace->value);
  if (c.model.patchset) files.push_back(c.model.patchset->value);
  return files;
}

SplitRun::SplitRun(std::string command, configs::Shard shard) : command_(std::move(command)), shard_(shard) {}

SplitRun::~SplitRun() {
  if (installed_) fit::set_loop_distributor(previous_);
}

void SplitRun::start(const std::function<std::vector<std::filesystem::path>()>& files) {
  replaying_ = g_replay != nullptr;
  if (!replaying_ && shard_.whole() && Ranks::world().size() == 1) return;  // nothing to split or replay
  std::string material = "hessfit " + command_ + " run v1\n";
  for (const auto& a : result_arguments(command_arguments())) material += a + "\n";
  for (const auto& f : files()) material += file_digest(f) + "\n";
  digest_ = likelihood::hex_digest("sha256", material);
  if (replaying_ && g_replay->digest != digest_)
    throw std::runtime_error("the inputs or options differ from those the parts were made from (inputs digest " + digest_.substr(0, 12) +
                             "... against " + g_replay->digest.substr(0, 12) + "...): were the files changed since?");
  previous_ = fit::set_loop_distributor(this);
  installed_ = true;
}

namespace {

/// A test-only seam (tests/cli/mpi_loops_test.sh): HESSFIT_TEST_FAIL_ITEM=K makes work item K of
/// a split run throw, as a fault on the rank computing it would. -1 when unset.
long injected_failure_item() {
  static const long item = [] {
    const char* v = std::getenv("HESSFIT_TEST_FAIL_ITEM");
    return v == nullptr ? -1L : std::strtol(v, nullptr, 10);
  }();
  return item;
}

}  // namespace

void SplitRun::run(int n, int width, int threads, const fit::ItemCompute& raw_compute, const fit::ItemStore& store) {
  const long offset = offset_;
  const fit::ItemCompute compute = [&raw_compute, offset](int i, double* record) {
    if (offset + i == injected_failure_item()) throw std::runtime_error("injected failure (HESSFIT_TEST_FAIL_ITEM)");
    raw_compute(i, record);
  };
  offset_ += n;
  loops_.push_back({n, width});
  if (replaying_) {
    Replay& r = *g_replay;
    const std::size_t l = r.next_loop++;
    if (l >= r.loops.size() || r.loops[l] != std::array<int, 2>{n, width})
      throw std::runtime_error("the parts do not fit this run: its loop " + std::to_string(l + 1) + " has " + std::to_string(n) +
                               " items of " + std::to_string(width) + " values, the parts " +
                               (l < r.loops.size() ? std::to_string(r.loops[l][0]) + " of " + std::to_string(r.loops[l][1])
                                                   : "no such loop"));
    for (int i = 0; i < n; ++i) store(i, r.records[static_cast<std::size_t>(offset + i)].data());
    return;
  }
  // This shard's items of the loop, and the ones this rank computes.
  const Ranks& ranks = Ranks::world();
  std::vector<int> shard_items, mine;
  for (int i = 0; i < n; ++i)
    if ((offset + i) % shard_.count == shard_.index - 1) {
      shard_items.push_back(i);
      if (computed_++ % ranks.size() == ranks.rank()) mine.push_back(i);
    }
  std::vector<std::vector<double>> records(shard_items.size());
  std::vector<std::vector<double>> computed(mine.size());
  if (ranks.size() == 1) {
    fit::parallel_for(static_cast<int>(mine.size()), threads, [&](int k) {
      computed[static_cast<std::size_t>(k)].assign(static_cast<std::size_t>(width), std::numeric_limits<double>::quiet_NaN());
      compute(mine[static_cast<std::size_t>(k)], computed[static_cast<std::size_t>(k)].data());
    });
    records = std::move(computed);
  } else {
    // Each item's record or its error, exchanged between all ranks.
    std::vector<std::string> errors(mine.size());
    fit::parallel_for(static_cast<int>(mine.size()), threads, [&](int k) {
      auto& rec = computed[static_cast<std::size_t>(k)];
      rec.assign(static_cast<std::size_t>(width), std::numeric_limits<double>::quiet_NaN());
      try {
        compute(mine[static_cast<std::size_t>(k)], rec.data());
      } catch (const std::exception& e) {
        errors[static_cast<std::size_t>(k)] = e.what();
        if (errors[static_cast<std::size_t>(k)].empty()) errors[static_cast<std::size_t>(k)] = "unknown error";
      }
    });
    std::string message;
    for (std::size_t k = 0; k < mine.size(); ++k) {
      put<std::int32_t>(message, mine[k]);
      put<std::uint32_t>(message, static_cast<std::uint32_t>(errors[k].size()));
      message += errors[k];
      if (errors[k].empty()) message.append(reinterpret_cast<const char*>(computed[k].data()), sizeof(double) * static_cast<std::size_t>(width));
    }
    const std::vector<std::string> all = ranks.allgather(message);
    std::vector<std::vector<double>> by_item(static_cast<std::size_t>(n));
    std::string failure;
    for (std::size_t r = 0; r < all.size(); ++r) {
      std::size_t at = 0;
      while (at < all[r].size()) {
        const auto i = take<std::int32_t>(all[r], at);
        const auto length = take<std::uint32_t>(all[r], at);
        if (i < 0 || i >= n || at + length > all[r].size()) throw std::runtime_error("rank " + std::to_string(r) + " sent a malformed message");
        if (length > 0) {
          if (failure.empty())
            failure = "work item " + std::to_string(offset + i) + " (item " + std::to_string(i) + " of loop " + std::to_string(loops_.size()) +
                      ") failed on rank " + std::to_string(r) + ": " + all[r].substr(at, length);
          at += length;
          continue;
        }
        auto& rec = by_item[static_cast<std::size_t>(i)];
        rec.resize(static_cast<std::size_t>(width));
        for (auto& v : rec) v = take<double>(all[r], at);
      }
    }
    if (!failure.empty()) throw std::runtime_error(failure);
    for (std::size_t k = 0; k < shard_items.size(); ++k) {
      records[k] = std::move(by_item[static_cast<std::size_t>(shard_items[k])]);
      if (records[k].size() != static_cast<std::size_t>(width))
        throw std::runtime_error("work item " + std::to_string(offset + shard_items[k]) + ": no rank sent its result");
    }
  }
  for (std::size_t k = 0; k < shard_items.size(); ++k) {
    store(shard_items[k], records[k].data());
    if (!shard_.whole()) {
      items_.push_back(static_cast<int>(offset + shard_items[k]));
      results_.push_back(encode_record(records[k].data(), width));
    }
  }
}

std::filesystem::path SplitRun::write_part(const std::filesystem::path& directory) const {
  const auto path = directory / (command_ + ".part-" + std::to_string(shard_.index) + "-of-" + std::to_string(shard_.count) + ".json");
  if (!Ranks::world().root()) return path;
  ordered_json loops = ordered_json::array();
  for (const auto& l : loops_) loops.push_back({l[0], l[1]});
  const ordered_json header = {{"command", command_},
                               {"args", result_arguments(command_arguments())},
                               {"cwd", std::filesystem::current_path().generic_string()},
                               {"loops", loops}};
  std::vector<ordered_json> results(results_.begin(), results_.end());
  const ordered_json part = configs::part_document(command_, shard_, static_cast<int>(offset_), digest_, header, items_, results);
  std::filesystem::create_directories(directory);
  configs::write_file_atomically(path, part.dump(1) + "\n");
  return path;
}

int replay_parts(const configs::Merged& merged, const std::filesystem::path& out) {
  const ordered_json& h = merged.header;
  if (!h.contains("command") || !h["command"].is_string() || !h.contains("args") || !h["args"].is_array() || !h.contains("cwd") ||
      !h["cwd"].is_string() || !h.contains("loops") || !h["loops"].is_array())
    throw std::runtime_error("the parts' header lacks command, args, cwd or loops");
  Replay replay;
  replay.digest = merged.inputs_digest;
  long total = 0;
  for (const auto& l : h["loops"]) {
    replay.loops.push_back({l.at(0).get<int>(), l.at(1).get<int>()});
    total += replay.loops.back()[0];
  }
  if (total != static_cast<long>(merged.results.size()))
    throw std::runtime_error("the parts' loops hold " + std::to_string(total) + " items, their results " + std::to_string(merged.results.size()));
  long g = 0;
  for (const auto& l : replay.loops)
    for (int i = 0; i < l[0]; ++i, ++g) replay.records.push_back(decode_record(merged.results[static_cast<std::size_t>(g)].get<std::string>(), l[1]));

  const std::string command = h["command"].get<std::string>();
  std::vector<std::string> args = h["args"].get<std::vector<std::string>>();
  args.push_back("--out");
  args.push_back(std::filesystem::absolute(out).lexically_normal().generic_string());
  // The folder the shards ran in, for their relative paths (a batch job's scratch folder may be
  // gone: then the current one; the inputs digest tells whether the files are the same).
  std::error_code ec;
  if (std::filesystem::is_directory(h["cwd"].get<std::string>(), ec)) std::filesystem::current_path(h["cwd"].get<std::string>());

  CLI::App app{"hessfit merge (replay)", "hessfit"};
  std::function<int()> runner;
  for (const auto& c : command_registry())
    if (c.name == command) runner = c.attach(*app.add_subcommand(c.name));
  if (!runner) throw std::runtime_error("parts of the command '" + command + "', which this hessfit does not have");
  std::vector<std::string> reversed{command};
  reversed.insert(reversed.end(), args.begin(), args.end());
  command_arguments() = args;
  std::reverse(reversed.begin(), reversed.end());
  app.parse(reversed);
  g_replay = &replay;
  struct Reset {
    ~Reset() { g_replay = nullptr; }
  } reset;
  const int code = runner();
  if (code != kExitBadInput && replay.next_loop != replay.loops.size())
    throw std::runtime_error("the run used " + std::to_string(replay.next_loop) + " of the parts' " + std::to_string(replay.loops.size()) +
                             " loops");
  return code;
}

}  // namespace hessfit::app
