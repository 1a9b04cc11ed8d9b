// Evaluation is allocation-free after the first call on a thread (for double): counted by replacing
// the global operator new in this test binary.
#include <gtest/gtest.h>

#include <cstdlib>
#include <new>

#include "hessfit/likelihood.hpp"
#include "shared_data.hpp"

namespace {
thread_local bool counting = false;
thread_local std::size_t allocations = 0;
}  // namespace

// GCC pairs the malloc inside our operator new with the frees below and warns; the pairing is right.
// The nothrow forms are replaced too: the standard library's call our operator new, but under
// AddressSanitizer its own nothrow new is used, and the memory it gave (std::stable_sort's
// temporary buffer) came back through the delete below: "alloc-dealloc-mismatch (operator new vs
// free)" in ExampleModel.ParameterLookupByNameSuggestsCloseNames (scripts/sanitize.sh).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
void* operator new(std::size_t size) {
  if (counting) ++allocations;
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
  if (counting) ++allocations;
  return std::malloc(size == 0 ? 1 : size);
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
#pragma GCC diagnostic pop

namespace hessfit::likelihood {
namespace {

TEST(Evaluation, NllDoesNotAllocateAfterTheFirstCall) {
  for (const std::string name : {"agc-ttbar-ml", "atlas-compressed-bkgonly", "atlas-susy-2018-06-3l-erjr"}) {
    const Model& m = testing::reference_model(name);
    const Eigen::VectorXd x = testing::to_vector(testing::reference(name).json.at("bestfit").at("values"));
    const double first = m.nll(x);
    counting = true;
    allocations = 0;
    double again = 0.0;
    for (int i = 0; i < 10; ++i) again = m.nll(x);
    counting = false;
    EXPECT_EQ(allocations, 0u) << name;
    EXPECT_EQ(again, first);
    // The counter works: expected_rates returns freshly allocated vectors.
    counting = true;
    (void)m.expected_rates(x);
    counting = false;
    EXPECT_GT(allocations, 0u);
  }
}

}  // namespace
}  // namespace hessfit::likelihood
