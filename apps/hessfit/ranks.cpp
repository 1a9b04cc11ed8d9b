#include "ranks.hpp"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <thread>

#ifdef HESSFIT_WITH_MPI
#include <mpi.h>
#endif

namespace hessfit::app {

namespace {
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"})
    if (std::getenv(v) != nullptr) return true;
  return false;
}

/// The ranks' texts, cut out of their concatenation.
[[maybe_unused]] std::vector<std::string> split_texts(const std::string& all, const std::vector<int>& lengths, const std::vector<int>& offsets) {
  std::vector<std::string> out;
  for (std::size_t r = 0; r < lengths.size(); ++r)
    out.push_back(all.substr(static_cast<std::size_t>(offsets[r]), static_cast<std::size_t>(lengths[r])));
  return out;
}
}  // namespace

Ranks& Ranks::world() {
  static Ranks ranks;
  return ranks;
}

Ranks::Ranks() {
#ifdef HESSFIT_WITH_MPI
  if (!launched_by_mpi()) return;
  int provided = 0;
  MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided);
  mpi_ = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
  MPI_Comm_size(MPI_COMM_WORLD, &size_);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &local);
  MPI_Comm_size(local, &local_size_);
  MPI_Comm_free(&local);
#endif
}

Ranks::~Ranks() {
#ifdef HESSFIT_WITH_MPI
  if (mpi_) MPI_Finalize();
#endif
}

std::vector<std::string> Ranks::gather(const std::string& mine) const {
  if (!mpi_) return {mine};
#ifdef HESSFIT_WITH_MPI
  int length = static_cast<int>(mine.size());
  if (mine.size() > static_cast<std::size_t>(1) << 30) throw std::runtime_error("a rank's results exceed 1 GiB");
  std::vector<int> lengths(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
  MPI_Gather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string all;
  if (rank_ == 0) {
    long total = 0;
    for (int r = 0; r < size_; ++r) {
      offsets[static_cast<std::size_t>(r)] = static_cast<int>(total);
      total += lengths[static_cast<std::size_t>(r)];
    }
    if (total > (1L << 31) - 1) throw std::runtime_error("the gathered results exceed 2 GiB");
    all.resize(static_cast<std::size_t>(total));
  }
  MPI_Gatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, 0, MPI_COMM_WORLD);
  if (rank_ != 0) return {};
  return split_texts(all, lengths, offsets);
#else
  return {mine};
#endif
}

std::vector<std::string> Ranks::allgather(const std::string& mine) const {
  if (!mpi_) return {mine};
#ifdef HESSFIT_WITH_MPI
  if (mine.size() > static_cast<std::size_t>(1) << 30) throw std::runtime_error("a rank's results exceed 1 GiB");
  int length = static_cast<int>(mine.size());
  std::vector<int> lengths(static_cast<std::size_t>(size_)), offsets(static_cast<std::size_t>(size_));
  MPI_Allgather(&length, 1, MPI_INT, lengths.data(), 1, MPI_INT, MPI_COMM_WORLD);
  long total = 0;
  for (int r = 0; r < size_; ++r) {
    offsets[static_cast<std::size_t>(r)] = static_cast<int>(total);
    total += lengths[static_cast<std::size_t>(r)];
  }
  if (total > (1L << 31) - 1) throw std::runtime_error("the exchanged results exceed 2 GiB");
  std::string all(static_cast<std::size_t>(total), '\0');
  MPI_Allgatherv(mine.data(), length, MPI_CHAR, all.data(), lengths.data(), offsets.data(), MPI_CHAR, MPI_COMM_WORLD);
  return split_texts(all, lengths, offsets);
#else
  return {mine};
#endif
}

std::string Ranks::broadcast(const std::string& from_root) const {
  if (!mpi_) return from_root;
#ifdef HESSFIT_WITH_MPI
  int length = static_cast<int>(from_root.size());
  MPI_Bcast(&length, 1, MPI_INT, 0, MPI_COMM_WORLD);
  std::string out = rank_ == 0 ? from_root : std::string(static_cast<std::size_t>(length), '\0');
  MPI_Bcast(out.data(), length, MPI_CHAR, 0, MPI_COMM_WORLD);
  return out;
#else
  return from_root;
#endif
}

int default_threads_per_rank(int requested) {
  if (requested > 0) return requested;
  const Ranks& r = Ranks::world();
  if (r.size() == 1) return requested;
  const int cores = std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
  return std::max(1, cores / std::max(1, r.local_size()));
}

}  // namespace hessfit::app
