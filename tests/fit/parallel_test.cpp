// The executor: every item runs once, nested loops run inline (no oversubscription), exceptions
// come back to the caller, and the pool never grows past the largest outermost loop.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
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

}  // namespace
}  // namespace hessfit::fit
