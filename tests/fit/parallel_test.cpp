// The executor: every item runs once, nested loops run inline (no oversubscription), exceptions
// come back to the caller, and the pool never grows past the largest outermost loop. Distributed
// loops store the same bits whether an item was computed here or elsewhere.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <map>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

#include "hessfit/fit/parallel.hpp"

namespace hessfit::fit {
namespace {

TEST(Executor, RunsEveryItemExactlyOnce) {
  std::vector<std::atomic<int>> hits(1000);
  parallel_for(1000, 2, [&](int i) { hits[static_cast<std::size_t>(i)].fetch_add(1); });
  for (const auto& h : hits) EXPECT_EQ(h.load(), 1);
}

TEST(Executor, NestedLoopsRunInlineOnTheWorkerThatCalledThem) {
  std::mutex m;
  std::set<std::thread::id> outer_threads, inner_threads;
  std::atomic<int> inner_not_in_region{0}, inner_on_other_thread{0}, inner_items{0};
  parallel_for(8, 2, [&](int) {
    EXPECT_TRUE(Executor::in_parallel_region());
    const auto self = std::this_thread::get_id();
    {
      const std::lock_guard<std::mutex> lock(m);
      outer_threads.insert(self);
    }
    EXPECT_EQ(resolve_threads(16, 16), 1);
    parallel_for(6, 16, [&](int) {  // asks for 16 threads: must run here, inline
      inner_items.fetch_add(1);
      if (std::this_thread::get_id() != self) inner_on_other_thread.fetch_add(1);
      if (!Executor::in_parallel_region()) inner_not_in_region.fetch_add(1);
      const std::lock_guard<std::mutex> lock(m);
      inner_threads.insert(std::this_thread::get_id());
    });
  });
  EXPECT_EQ(inner_items.load(), 48);
  EXPECT_EQ(inner_on_other_thread.load(), 0);
  EXPECT_EQ(inner_not_in_region.load(), 0);
  EXPECT_LE(outer_threads.size(), 2u);
  EXPECT_TRUE(std::includes(outer_threads.begin(), outer_threads.end(), inner_threads.begin(), inner_threads.end()));
  EXPECT_FALSE(Executor::in_parallel_region());
}

TEST(Executor, NestedInlineLoopsKeepIndexOrder) {
  std::vector<std::vector<int>> order(4);
  parallel_for(4, 2, [&](int o) {
    parallel_for(5, 4, [&](int i) { order[static_cast<std::size_t>(o)].push_back(i); });
  });
  for (const auto& v : order) EXPECT_EQ(v, (std::vector<int>{0, 1, 2, 3, 4}));
}

TEST(Executor, ThePoolGrowsOnlyToTheLargestOutermostLoop) {
  parallel_for(50, 3, [](int) {
    parallel_for(50, 64, [](int) {});  // inline: starts no thread
  });
  const int after_three = Executor::global().workers();
  EXPECT_GE(after_three, 2);
  parallel_for(50, 2, [](int) {});
  parallel_for(50, 3, [](int) {});
  EXPECT_EQ(Executor::global().workers(), after_three);  // reused, not started again
}

TEST(Executor, RethrowsTheFirstExceptionAfterEveryItemEnded) {
  std::atomic<int> running{0};
  EXPECT_THROW(parallel_for(100, 2,
                            [&](int i) {
                              running.fetch_add(1);
                              if (i == 7) throw std::runtime_error("item 7");
                              running.fetch_sub(1);
                            }),
               std::runtime_error);
  EXPECT_EQ(running.load(), 1);  // only the throwing item did not finish; none still runs
  // The pool is usable afterwards.
  std::atomic<int> count{0};
  parallel_for(10, 2, [&](int) { count.fetch_add(1); });
  EXPECT_EQ(count.load(), 10);
}

TEST(Executor, AnotherThreadsLoopRunsInlineWhileThePoolIsBusy) {
  std::atomic<bool> outer_started{false}, release{false};
  std::atomic<int> side_items{0};
  std::thread side;
  parallel_for(2, 2, [&](int i) {
    if (i != 0) return;
    outer_started = true;
    side = std::thread([&] {
      parallel_for(5, 2, [&](int) { side_items.fetch_add(1); });
      release = true;
    });
    while (!release) std::this_thread::yield();
  });
  side.join();
  EXPECT_TRUE(outer_started.load());
  EXPECT_EQ(side_items.load(), 5);
}

/// Two "processes" of a split run: this one computes the items i with i mod 2 = part and takes
/// the others' records from `other`, as the merge of two shards (or two MPI ranks) does.
class TwoShards final : public LoopDistributor {
 public:
  explicit TwoShards(int part) : part_(part) {}
  std::map<int, std::vector<double>> other, mine;
  int loops = 0;
  void run(int n, int width, int /*threads*/, const ItemCompute& compute, const ItemStore& store) override {
    ++loops;
    for (int i = 0; i < n; ++i) {
      std::vector<double> r(static_cast<std::size_t>(width), std::numeric_limits<double>::quiet_NaN());
      if (i % 2 == part_) {
        compute(i, r.data());
        mine[i] = r;
      } else {
        r = other.at(i);
      }
      store(i, r.data());
    }
  }

 private:
  int part_;
};

TEST(DistributedFor, StoresTheSameBitsWhereverAnItemWasComputedAndNestedLoopsRunHere) {
  const auto compute = [](int i, double* r) {
    r[0] = std::sqrt(i + 0.5);
    r[1] = i;
    double inner = 0.0;  // a distributed loop inside an item runs here, not through the distributor
    distributed_for(3, 1, 1, [&](int j, double* q) { q[0] = j * i; }, [&](int, const double* q) { inner += q[0]; });
    r[2] = inner;
  };
  const auto storing = [](std::vector<double>& to) {
    return [&to](int i, const double* r) { std::copy(r, r + 3, to.begin() + 3 * i); };
  };
  std::vector<double> local(150), first(150), merged(150);
  distributed_for(50, 3, 2, compute, storing(local));  // no distributor: every item here
  TwoShards a(0), b(1);
  ASSERT_EQ(set_loop_distributor(&a), nullptr);
  for (int i = 1; i < 50; i += 2) a.other[i] = std::vector<double>(3, 0.0);  // unknown to shard 0 alone
  distributed_for(50, 3, 2, compute, storing(first));
  b.other = a.mine;
  set_loop_distributor(&b);
  distributed_for(50, 3, 2, compute, storing(merged));
  EXPECT_EQ(set_loop_distributor(nullptr), &b);
  EXPECT_EQ(a.loops, 1);
  EXPECT_EQ(b.loops, 1);
  EXPECT_EQ(a.mine.size(), 25U);
  EXPECT_EQ(b.mine.size(), 25U);
  EXPECT_EQ(local, merged);
  EXPECT_EQ(local[3 * 7 + 2], 21.0);  // 0 + 7 + 14: the nested loop ran
}

}  // namespace
}  // namespace hessfit::fit
