// MPI ranks for the many-fit commands (`mpirun -np N hessfit grid ...`): every rank runs its slice
// of the work items (ranks split them like shards: item i on rank i mod N, a static schedule),
// rank 0 gathers the results by item index and alone prints and writes. Without MPI support in
// the build, or when not started by mpirun, there is one rank.
//
// MPI is initialised only when the process was started by an MPI launcher (OMPI_COMM_WORLD_SIZE,
// PMI_SIZE or PMIX_RANK in the environment), so that a plain `hessfit` never pays for it.
#pragma once

#include <string>
#include <vector>

namespace hessfit::app {

class Ranks {
 public:
  /// Initialises MPI if launched by mpirun (once; finalised at exit).
  static Ranks& world();
  int rank() const noexcept { return rank_; }
  int size() const noexcept { return size_; }
  bool root() const noexcept { return rank_ == 0; }
  /// Ranks on this machine (to share its cores among them).
  int local_size() const noexcept { return local_size_; }
  /// Rank 0 receives every rank's text (in rank order); the others get an empty list.
  std::vector<std::string> gather(const std::string& mine) const;
  /// Every rank receives every rank's text (in rank order).
  std::vector<std::string> allgather(const std::string& mine) const;
  /// The text of rank 0, on every rank.
  std::string broadcast(const std::string& from_root) const;
  ~Ranks();

 private:
  Ranks();
  int rank_ = 0, size_ = 1, local_size_ = 1;
  bool mpi_ = false;
};

/// Threads per rank when the user gave none (0): the machine's cores shared by the local ranks.
int default_threads_per_rank(int requested);

}  // namespace hessfit::app
