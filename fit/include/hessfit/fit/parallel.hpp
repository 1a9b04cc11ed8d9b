// The parallel loop behind every many-fit computation (MINOS sides, scan chains, contour rays,
// impact refits, the minimiser's probe, hypothesis-test curves).
//
// Tasks must not depend on one another or on the order they run in (each writes its own slot):
// then results do not depend on the thread count.
#pragma once

#include <functional>

namespace hessfit::fit {

/// Runs task(i) for i in [0, n) on up to `threads` threads (0 = hardware concurrency). The first
/// exception thrown by a task is rethrown after all threads joined.
void parallel_for(int n, int threads, const std::function<void(int)>& task);

/// The number of threads parallel_for uses for `tasks` tasks (at least 1).
int resolve_threads(int threads, int tasks);

}  // namespace hessfit::fit
