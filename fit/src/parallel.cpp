#include "hessfit/fit/parallel.hpp"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <limits>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace hessfit::fit {

namespace {
// Set on pool workers for their whole life and on a caller while its outermost loop runs.
thread_local bool t_in_region = false;

int hardware_threads() { return std::max(1, static_cast<int>(std::thread::hardware_concurrency())); }
}  // namespace

// One loop at a time holds the pool (`busy`); its items are handed out by `next`. A worker joins
// the loop of generation g once (`seen`), while fewer than `wanted` workers have joined.
struct Executor::State {
  std::mutex busy;  // held by the caller of the outermost loop that owns the pool

  std::mutex m;
  std::condition_variable wake, done;
  std::vector<std::thread> threads;
  bool stop = false;
  std::uint64_t generation = 0;
  const std::function<void(int)>* task = nullptr;
  int n = 0;
  int wanted = 0;  // workers that may join the current loop
  int joined = 0;
  int active = 0;  // workers inside the current loop
  std::atomic<int> next{0};
  std::exception_ptr error;

  // Runs items until none are left; the first exception stops the hand-out.
  void drain(const std::function<void(int)>& f, int count) {
    for (;;) {
      const int i = next.fetch_add(1, std::memory_order_relaxed);
      if (i >= count) return;
      try {
        f(i);
      } catch (...) {
        const std::lock_guard<std::mutex> lock(m);
        if (!error) error = std::current_exception();
        next.store(count, std::memory_order_relaxed);
      }
    }
  }

  void worker() {
    t_in_region = true;
    std::uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(m);
    for (;;) {
      wake.wait(lock, [&] { return stop || (generation != seen && joined < wanted); });
      if (stop) return;
      seen = generation;
      ++joined;
      ++active;
      const std::function<void(int)>& f = *task;
      const int count = n;
      lock.unlock();
      drain(f, count);
      lock.lock();
      if (--active == 0) done.notify_all();
    }
  }
};

Executor::Executor() : state_(new State) {}

Executor::~Executor() {
  {
    const std::lock_guard<std::mutex> lock(state_->m);
    state_->stop = true;
  }
  state_->wake.notify_all();
  for (auto& t : state_->threads) t.join();
  delete state_;
}

Executor& Executor::global() {
  static Executor executor;
  return executor;
}

bool Executor::in_parallel_region() noexcept { return t_in_region; }

int Executor::workers() const {
  const std::lock_guard<std::mutex> lock(state_->m);
  return static_cast<int>(state_->threads.size());
}

void Executor::parallel_for(int n, int threads, const std::function<void(int)>& task) {
  if (n <= 0) return;
  const int participants = resolve_threads(threads, n);
  std::unique_lock<std::mutex> owner(state_->busy, std::defer_lock);
  if (participants == 1 || !owner.try_lock()) {
    // Nested (or the pool is another caller's): inline, in index order, with the same error rule.
    for (int i = 0; i < n; ++i) task(i);
    return;
  }
  State& s = *state_;
  {
    const std::lock_guard<std::mutex> lock(s.m);
    while (static_cast<int>(s.threads.size()) < participants - 1) s.threads.emplace_back([&s] { s.worker(); });
    ++s.generation;
    s.task = &task;
    s.n = n;
    s.wanted = participants - 1;
    s.joined = 0;
    s.error = nullptr;
    s.next.store(0, std::memory_order_relaxed);
  }
  s.wake.notify_all();
  t_in_region = true;
  s.drain(task, n);
  t_in_region = false;
  std::exception_ptr error;
  {
    std::unique_lock<std::mutex> lock(s.m);
    s.wanted = 0;  // late wakers do not join a finished loop
    s.done.wait(lock, [&] { return s.active == 0; });
    s.task = nullptr;
    error = s.error;
    s.error = nullptr;
  }
  if (error) std::rethrow_exception(error);
}

void parallel_for(int n, int threads, const std::function<void(int)>& task) {
  Executor::global().parallel_for(n, threads, task);
}

int resolve_threads(int threads, int tasks) {
  if (Executor::in_parallel_region()) return 1;
  const int t = threads > 0 ? threads : hardware_threads();
  return std::max(1, std::min(t, tasks));
}

namespace {
LoopDistributor* g_distributor = nullptr;
std::atomic<int> g_distributed_depth{0};
}  // namespace

LoopDistributor* set_loop_distributor(LoopDistributor* distributor) { return std::exchange(g_distributor, distributor); }

void distributed_for(int n, int width, int threads, const ItemCompute& compute, const ItemStore& store) {
  if (n <= 0) return;
  if (g_distributor != nullptr && !Executor::in_parallel_region() && g_distributed_depth.load() == 0) {
    struct Depth {
      Depth() { ++g_distributed_depth; }
      ~Depth() { --g_distributed_depth; }
    } depth;
    g_distributor->run(n, width, threads, compute, store);
    return;
  }
  parallel_for(n, threads, [&](int i) {
    std::vector<double> record(static_cast<std::size_t>(width), std::numeric_limits<double>::quiet_NaN());
    compute(i, record.data());
    store(i, record.data());
  });
}

}  // namespace hessfit::fit
