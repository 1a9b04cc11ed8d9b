// The one executor behind every many-fit computation: MINOS sides, scan chains, contour rays,
// impact refits, the minimiser's probe, hypothesis-test curves, limits, toys and grid points are
// its work items.
//
// Parallelism lives at the outermost loop only. A process-wide pool of worker threads (started
// once, grown on demand, never more threads than the largest loop asked for) runs the items of
// the outermost parallel_for; a parallel_for called from inside a work item (a fit whose `auto`
// minimiser probes in parallel, inside a parallel loop of fits) runs its items inline on the
// calling worker. A loop of fits on t threads thus keeps t cores busy, never t * t.
//
// Work items must not depend on one another or on the order they run in (each writes its own
// slot, derives its start point and random stream from its index alone): then the results do not
// depend on the thread count, the scheduling, or (distributed_for below) the MPI rank count or
// the batch shard.
#pragma once

#include <functional>

namespace hessfit::fit {

/// The process-wide pool. All members are thread-safe.
class Executor {
 public:
  /// The executor every hessfit component uses.
  static Executor& global();

  /// Runs task(i) for every i in [0, n) on up to `threads` threads (0 = hardware concurrency),
  /// the calling thread included; returns when all items ran. Items are handed out one at a
  /// time in index order (dynamic scheduling). Called from inside a work item, or while another
  /// thread's outermost loop holds the pool, it runs the items inline, in index order. The first
  /// exception thrown by an item stops the hand-out and is rethrown once every running item ended.
  void parallel_for(int n, int threads, const std::function<void(int)>& task);

  /// True on a thread that is running a work item of a parallel loop (nested loops run inline).
  static bool in_parallel_region() noexcept;

  /// Worker threads started so far (the calling thread not counted); for tests and diagnostics.
  int workers() const;

  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;
  ~Executor();

 private:
  Executor();
  struct State;
  State* state_;
};

/// Executor::global().parallel_for(n, threads, task).
void parallel_for(int n, int threads, const std::function<void(int)>& task);

/// The number of threads parallel_for uses for `tasks` tasks (at least 1): 1 inside a work item.
int resolve_threads(int threads, int tasks);

// --- loops split over processes ---------------------------------------------------------------
//
// The loops whose items are whole fits of a many-fit run (toys, impact refits) can also be split
// over processes: MPI ranks, batch shards. Such a loop is written as compute(i, record), which
// computes item i and writes its result as `width` doubles (integers and flags as exact doubles),
// and store(i, record), which puts a record in its place. The LoopDistributor the application
// installed decides which items this process computes and where the records of the others come
// from (the other ranks, or the parts of a sharded run being merged). A record carries the
// item's result bit for bit, so what is stored does not depend on where the item ran. Every
// process of a split run must call the same distributed loops in the same order (they run the
// same deterministic program); loops called from inside a work item run here.

/// Computes item i into `record` (`width` doubles, NaN-filled on entry).
using ItemCompute = std::function<void(int item, double* record)>;
/// Puts item i's record in place (called once per item, possibly from several threads).
using ItemStore = std::function<void(int item, const double* record)>;

class LoopDistributor {
 public:
  virtual ~LoopDistributor() = default;
  /// Runs one loop of n items: computes this process's items (on up to `threads` threads) and
  /// stores the records it has.
  virtual void run(int n, int width, int threads, const ItemCompute& compute, const ItemStore& store) = 0;
};

/// Installs `distributor` for the process (nullptr: none) and returns the previous one. Set it
/// before any loop runs; it must outlive the loops.
LoopDistributor* set_loop_distributor(LoopDistributor* distributor);

/// Runs the loop through the installed distributor, or (none installed, or called from inside a
/// work item or another distributed loop) computes and stores every item here on up to `threads`
/// threads.
void distributed_for(int n, int width, int threads, const ItemCompute& compute, const ItemStore& store);

}  // namespace hessfit::fit
