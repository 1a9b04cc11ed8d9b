// The loops of a many-fit command (toy ensembles, impact refits: fit::distributed_for) split over
// MPI ranks and batch shards, and their replay by `hessfit merge`.
//
// Every process runs the same command (SPMD): what is not a work item of a distributed loop (the
// fit to the data, generating points, asymptotic tests) runs on every rank; the loops are split.
// The items of all loops of a run are numbered in the order the loops run (global item g = the
// loop's offset + the item's index). `--shard K/N` computes the items with g mod N = K - 1; the
// MPI ranks share the items to compute (the j-th on rank j mod size) and exchange their records
// after each loop, so that every rank goes on with the same state. A shard leaves the other items
// unset and writes only its part (<command>.part-K-of-N.json) with its records; `hessfit merge`
// runs the command again with every loop served from the parts' records (no toy or impact fit
// is repeated), which gives exactly the output of the unsharded run.
//
// A part of a loop run (work_split.hpp): kind = the command ("toys", "fit"), items = every item
// of the run, header {"command","args","cwd","loops":[[n, width], ...]}, results [{"item": g,
// "result": "<the record's doubles as hex of their bits>"}] (exact: NaN and infinities included).
#pragma once

#include <array>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "hessfit/configs/work_split.hpp"
#include "hessfit/fit/parallel.hpp"

namespace hessfit::app {

/// Records as text: 16 hex digits (the bits) per double.
std::string encode_record(const double* record, int width);
/// Throws std::runtime_error unless `text` holds exactly `width` doubles.
std::vector<double> decode_record(const std::string& text, int width);

/// The command-line arguments after the command's name (main() sets them).
std::vector<std::string>& command_arguments();

/// The files a run of a command on `input` (a config or a workspace) with `sets` reads: the input
/// and the config's workspace and patchset (those that the config names).
std::vector<std::filesystem::path> run_input_files(const std::string& input, const std::vector<std::string>& sets);

/// The distributor of one run of a loop command (`toys`, `fit`); installed by start(),
/// uninstalled by the destructor.
class SplitRun final : public fit::LoopDistributor {
 public:
  /// `shard`: --shard K/N (whole: none). Under `hessfit merge` the loops are served from the
  /// parts instead (replay_parts()).
  SplitRun(std::string command, configs::Shard shard);
  ~SplitRun() override;
  SplitRun(const SplitRun&) = delete;
  SplitRun& operator=(const SplitRun&) = delete;

  /// Installs the distributor when there is something to split (MPI ranks, a shard) or replay.
  /// `files()`: what the results depend on besides the arguments (the input, workspace, patchset),
  /// read and digested only then (a plain run reads its inputs once, with the command's checks);
  /// under a replay, throws std::runtime_error when they are not those the parts were made from.
  void start(const std::function<std::vector<std::filesystem::path>()>& files);
  bool sharded() const noexcept { return !shard_.whole() && !replaying_; }
  /// A shard's part, written into `directory` on rank 0; returns its path.
  std::filesystem::path write_part(const std::filesystem::path& directory) const;

  void run(int n, int width, int threads, const fit::ItemCompute& compute, const fit::ItemStore& store) override;

 private:
  std::string command_;
  configs::Shard shard_;
  std::string digest_;
  bool installed_ = false, replaying_ = false;
  fit::LoopDistributor* previous_ = nullptr;
  std::vector<std::array<int, 2>> loops_;  // [n, width] of each loop run
  std::vector<int> items_;                 // a shard's items (global), ascending
  std::vector<std::string> results_;       // their records (encoded)
  long offset_ = 0;                        // global index of the next loop's first item
  long computed_ = 0;                      // items this shard computed so far (MPI: j mod size)
};

/// `hessfit merge` of the parts of a `toys` or `fit` run: runs the command of the parts again
/// (in the folder it ran in if that exists, else in the current one; writing to `out`) with every
/// loop served from their records.
/// Returns its exit code; throws std::runtime_error when the parts do not fit the run.
int replay_parts(const configs::Merged& merged, const std::filesystem::path& out);

}  // namespace hessfit::app
