// Reverse mode: the arena tape.
//
// Every operation on Var<T> that depends on inputs appends one node: a contiguous run of arguments
// (index of an earlier node, local partial derivative d node / d argument). The reverse sweep runs
// the nodes backwards accumulating  adjoint[arg] += partial * adjoint[node].  Storage is flat
// vectors that only grow (their capacity is kept when the tape rewinds), so once a tape has seen
// a function no operation allocates. The arguments are kept as two arrays (partials, indices).
// A sum whose arguments are consecutive nodes (x[0] ... x[n-1] of a linear predictor) is a *run*:
// only its first node is kept (run_first_) and the indices of the arguments appended to it are
// not written (8 bytes an argument instead of 12), the gradient sweep updates the adjoints of the
// run as one contiguous, vectorised loop, and readers that need every index ask for them to be
// written out first (materialize_runs).
//
// Two compressions keep the tape short for likelihood code:
//  * scaling by a plain double and adding a plain double record nothing: a Var carries a
//    coefficient c and stands for c * node + shift;
//  * `s += t` on a sum node that nothing else refers to appends t as one more argument of s's node
//    instead of recording a new node, so a loop `s += k[j] * x[j]` is one n-ary node.
//
// For Tape<double> the tape can also record the second partials of nonlinear nodes (`curvature`):
// with them a single taping gives exact Hessians by sweeping many tangent directions through
// the recorded nodes (see hessian_sweep.hpp).
//
// Tapes are per thread: Tape<T>::active() is a thread-local pointer, TapeScope activates a tape
// and rewinds it on exit (also when an exception passes). Nothing is shared between threads.
#pragma once

#include <algorithm>
#include <cassert>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <vector>

#include "hessfit/autodiff/traits.hpp"

namespace hessfit::ad {

/// Second partials of a nonlinear node with respect to its first (a) and second (b) argument.
/// `structure` says which of them can be nonzero at any point (kCurvatureAA | kCurvatureAB |
/// kCurvatureBB): x * y has only ab, whatever the values; sparsity detection reads it, the sweeps
/// read the values. (It fills padding: the record stays 32 bytes.)
struct TapeCurvature {
  std::int32_t node;
  std::uint8_t structure;
  double aa, ab, bb;
};
inline constexpr std::uint8_t kCurvatureAA = 1, kCurvatureAB = 2, kCurvatureBB = 4;
inline constexpr std::uint8_t kCurvatureAll = kCurvatureAA | kCurvatureAB | kCurvatureBB;

/// A position on the tape, for rewinding.
struct TapeMark {
  std::size_t nodes, args, curvature;
};

template <class T>
class Tape {
 public:
  Tape() {
    begin_.reserve(1024), begin_.push_back(0);
    grow_args();
  }
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  /// The tape Var<T> operations of this thread record on.
  static Tape& active() {
    if (active_ == nullptr) [[unlikely]]
      active_ = &thread_default();
    return *active_;
  }

  /// The active tape where one is known to be: a Var on a tape exists only where its thread has
  /// activated one (Var::input, TapeScope), so operations on such Vars skip active()'s first-use test.
  static Tape& current() {
    assert(active_ != nullptr);
    return *active_;
  }

  std::int32_t size() const { return static_cast<std::int32_t>(begin_.size() - 1); }
  std::size_t arg_count() const { return nargs_; }
  TapeMark mark() const { return seal(), TapeMark{begin_.size(), arg_count(), curvature_.size()}; }

  void rewind(const TapeMark& m) {
    assert(m.nodes >= 1 && m.nodes <= begin_.size());
    begin_.resize(m.nodes);
    run_first_.resize(m.nodes - 1);
    materialized_ = std::min(materialized_, m.nodes - 1);
    nargs_ = m.args;
    begin_.back() = static_cast<std::uint32_t>(m.args);
    curvature_.resize(m.curvature);
    extendable_ = kNoNode;
    run_next_ = kNoRun;
  }

  /// Records second partials of nonlinear nodes (Tape<double> only; needed by hessian sweeps).
  bool curvature_enabled() const { return record_curvature_; }
  void set_curvature_enabled(bool on) { record_curvature_ = on; }

  // ---- recording (used by Var<T> operations) ----

  std::int32_t push_input() {
    seal();
    return close_node(false);
  }

  std::int32_t push_linear(std::int32_t a, const T& da) {
    seal();
    push_arg(a, da);
    return close_node(true, a);
  }
  /// push_linear(a, da) as a call: for the rare paths of inlined operations.
  [[gnu::noinline]] std::int32_t push_linear_out_of_line(std::int32_t a, const T& da) { return push_linear(a, da); }
  std::int32_t push_linear(std::int32_t a, const T& da, std::int32_t b, const T& db) {
    seal();
    push_arg(a, da);
    push_arg(b, db);
    return close_node(true, b == a + 1 ? a : -1);
  }
  std::int32_t push_nonlinear(std::int32_t a, const T& da, double daa) {
    seal();
    push_arg(a, da);
    const std::int32_t node = close_node(false);
    if constexpr (std::same_as<T, double>)
      if (record_curvature_) curvature_.push_back({node, kCurvatureAA, daa, 0.0, 0.0});
    return node;
  }
  std::int32_t push_nonlinear(std::int32_t a, const T& da, std::int32_t b, const T& db, double daa,
                              double dab, double dbb, std::uint8_t structure = kCurvatureAll) {
    seal();
    push_arg(a, da);
    push_arg(b, db);
    const std::int32_t node = close_node(false);
    if constexpr (std::same_as<T, double>)
      if (record_curvature_) curvature_.push_back({node, structure, daa, dab, dbb});
    return node;
  }

  /// A node with `n` arguments a[k] whose partials da[k] the caller computed outside the tape: a
  /// preaccumulated function y(a_1..a_n) (say a product of interpolation factors evaluated in plain
  /// double together with its derivatives) costs one node instead of one per operation. It records
  /// no second partials, so it is for tapes that do not record curvature (gradients, Jacobians,
  /// nested scalars); where curvature is recorded, use push_nonlinear, whose nodes carry them.
  std::int32_t push_preaccumulated(std::size_t n, const std::int32_t* a, const T* da) {
    if constexpr (std::same_as<T, double>) assert(!record_curvature_);
    seal();
    for (std::size_t k = 0; k < n; ++k) push_arg(a[k], da[k]);
    return close_node(false);
  }

  /// True when `node` is the last node, a sum, and nothing but one Var refers to it.
  bool extendable(std::int32_t node) const { return node == extendable_; }
  /// The node extendable() is true for, or kNoNode (never a valid index nor the constant index -1).
  std::int32_t extendable_node() const { return extendable_; }
  static constexpr std::int32_t kNoNode = -2;
  /// Appends one more argument to the last node (only when extendable(node)). The last node's end
  /// (begin_.back()) is brought up to date by seal().
  void extend(std::int32_t node, std::int32_t a, const T& da) {
    assert(extendable(node) && node == size() - 1);
    if (a == run_next_) [[likely]] {  // the run goes on: the index is implied
      if (nargs_ == args_capacity_) [[unlikely]]
        grow_args();
      partial_base_[nargs_] = da;
      ++nargs_, ++run_next_;
      return;
    }
    extend_scattered(node, a, da);
  }
  /// A second reference to `node` now exists: it may no longer grow.
  void note_shared(std::int32_t node) {
    if (node == extendable_) extendable_ = kNoNode;
  }

  // ---- reading (used by sweeps) ----

  /// Brings the end of the last node's argument run up to date (extend() leaves it behind, so
  /// that a run of `+=` costs one store per term). Every reader calls it first.
  void seal() const { begin_.back() = static_cast<std::uint32_t>(arg_count()); }
  std::uint32_t args_begin(std::int32_t node) const { return begin_[node]; }
  std::uint32_t args_end(std::int32_t node) const { return seal(), begin_[node + 1]; }
  /// Argument k (of the arguments [args_begin(i), args_end(i)) of node i): its node and
  /// d node / d argument. The indices are valid after materialize_runs().
  std::int32_t arg_index(std::uint32_t k) const { return materialize_runs(), indices_[k]; }
  const T& arg_partial(std::uint32_t k) const { return partials_[k]; }
  const std::int32_t* indices_data() const { return materialize_runs(), indices_.data(); }
  const T* partials_data() const { return partials_.data(); }
  /// For a run (a sum over consecutive nodes): its first argument's node, else -1.
  std::int32_t run_first(std::int32_t node) const { return run_first_[static_cast<std::size_t>(node)]; }

  /// Writes out the implied indices of the runs recorded since the last call.
  void materialize_runs() const {
    seal();
    const std::size_t nodes = run_first_.size();
    for (std::size_t i = materialized_; i < nodes; ++i)
      if (run_first_[i] >= 0) write_run_indices(i, begin_[i + 1]);
    // The last node may still grow as a run: look at it again next time.
    materialized_ = nodes > 0 && run_next_ != kNoRun ? nodes - 1 : nodes;
  }
  const std::uint32_t* begin_data() const { return seal(), begin_.data(); }
  const std::vector<TapeCurvature>& curvature() const { return curvature_; }

  /// Reverse sweep from `output` down to node `first`: adjoint[i] for i in [first, output].
  /// `adjoint` is resized to output + 1 - first and indexed by node - first.
  void adjoints(std::int32_t output, std::int32_t first, std::vector<T>& adjoint) const {
    adjoint.assign(static_cast<std::size_t>(output + 1 - first), T(0.0));
    adjoint[output - first] = T(1.0);
    sweep_adjoints(output, first, adjoint);
  }
  /// The same with the adjoints of the output seeded by the caller.
  void sweep_adjoints(std::int32_t output, std::int32_t first, std::vector<T>& adjoint) const {
    seal();
    const T* partial = partials_.data();
    const std::int32_t* index = indices_.data();
    const std::int32_t* run = run_first_.data();
    const std::uint32_t* begin = begin_.data();
    T* adj = adjoint.data();
    for (std::int32_t i = output; i >= first; --i) {
      const std::uint32_t b = begin[i], e = begin[i + 1];
      if constexpr (std::same_as<T, double>) {
        const double a = adj[i - first];
        if (a == 0.0) continue;
        if (run[i] >= 0) {  // arguments on nodes i0, i0 + 1, ...: a contiguous, vectorised update
          double* dst = adj + (run[i] - first);
          const double* p = partial + b;
          for (std::uint32_t k = 0; k < e - b; ++k) dst[k] += p[k] * a;
          continue;
        }
        for (std::uint32_t k = b; k < e; ++k) adj[index[k] - first] += partial[k] * a;
      } else {
        const T a = adj[i - first];
        if (run[i] >= 0) {
          T* dst = adj + (run[i] - first);
          for (std::uint32_t k = b; k < e; ++k) dst[k - b] += partial[k] * a;
          continue;
        }
        for (std::uint32_t k = b; k < e; ++k) adj[index[k] - first] += partial[k] * a;
      }
    }
  }

 private:
  void push_arg(std::int32_t a, const T& d) {
    if (nargs_ == args_capacity_) [[unlikely]]
      grow_args();
    partial_base_[nargs_] = d;
    index_base_[nargs_] = a;
    ++nargs_;
  }
  // extend() with an argument that does not continue a run: the run's indices are written out and
  // the node becomes an ordinary one.
  [[gnu::noinline]] void extend_scattered(std::int32_t node, std::int32_t a, T da) {  // da by value: no spill on the hot path
    const std::size_t i = static_cast<std::size_t>(node);
    if (run_first_[i] >= 0) {
      write_run_indices(i, nargs_);
      run_first_[i] = -1;
      run_next_ = kNoRun;
    }
    push_arg(a, da);
  }
  // The implied indices of run `node`'s arguments [begin_[node], end).
  void write_run_indices(std::size_t node, std::size_t end) const {
    const std::int32_t i0 = run_first_[node];
    for (std::size_t k = begin_[node]; k < end; ++k) indices_[k] = i0 + static_cast<std::int32_t>(k - begin_[node]);
  }
  [[gnu::noinline, gnu::cold]] void grow_args() {
    args_capacity_ = std::max<std::size_t>(4096, 2 * args_capacity_);
    partials_.resize(args_capacity_);
    indices_.resize(args_capacity_);
    partial_base_ = partials_.data(), index_base_ = indices_.data();
  }
  static Tape& thread_default() {
    static thread_local Tape tape;
    return tape;
  }
  // Closes the node whose arguments were just pushed; `run` is the first argument's node of a sum
  // over consecutive nodes (its indices were written; those extend() appends will not be), or -1.
  std::int32_t close_node(bool sum, std::int32_t run = -1) {
    if (begin_.size() >= static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()))
      throw std::length_error("hessfit::ad::Tape: more than 2^31 nodes");
    begin_.push_back(static_cast<std::uint32_t>(arg_count()));
    run_first_.push_back(run);
    const std::int32_t node = static_cast<std::int32_t>(begin_.size()) - 2;
    extendable_ = sum ? node : kNoNode;
    run_next_ = run >= 0 ? run + static_cast<std::int32_t>(begin_[begin_.size() - 1] - begin_[begin_.size() - 2]) : kNoRun;
    return node;
  }

  template <class U>
  friend class TapeScope;
  static inline thread_local Tape* active_ = nullptr;

  mutable std::vector<std::uint32_t> begin_;  // node i has arguments [begin_[i], begin_[i+1]); see seal()
  // Argument k is (partials_[k], indices_[k]) for k < nargs_. Both vectors are kept at their full
  // size args_capacity_ (the elements are storage), so that appending is one compare, two stores
  // through the cached base pointers and one increment.
  std::vector<T> partials_;
  mutable std::vector<std::int32_t> indices_;  // of runs: written out by materialize_runs()
  T* partial_base_ = nullptr;
  std::int32_t* index_base_ = nullptr;
  std::size_t nargs_ = 0, args_capacity_ = 0;
  std::vector<TapeCurvature> curvature_;  // sorted by node
  std::int32_t extendable_ = kNoNode;
  // Runs: per node, the first argument's node of a run or -1; the node that would continue the
  // extendable node's run (kNoRun if it is not one); nodes below materialized_ have every index.
  static constexpr std::int32_t kNoRun = std::numeric_limits<std::int32_t>::min();
  std::vector<std::int32_t> run_first_;
  std::int32_t run_next_ = kNoRun;
  mutable std::size_t materialized_ = 0;
  bool record_curvature_ = false;
};

/// Makes `tape` (by default this thread's) the active tape for Var<T> and rewinds it to where it
/// was when the scope ends, normally or by an exception. Vars created inside must not be used after.
template <class T>
class TapeScope {
 public:
  explicit TapeScope(Tape<T>& tape = Tape<T>::active())
      : tape_(tape), previous_(Tape<T>::active_), mark_(tape.mark()), curvature_(tape.curvature_enabled()) {
    Tape<T>::active_ = &tape_;
  }
  TapeScope(const TapeScope&) = delete;
  TapeScope& operator=(const TapeScope&) = delete;
  ~TapeScope() {
    tape_.rewind(mark_);
    tape_.set_curvature_enabled(curvature_);
    Tape<T>::active_ = previous_;
  }
  Tape<T>& tape() const { return tape_; }

 private:
  Tape<T>& tape_;
  Tape<T>* previous_;
  TapeMark mark_;
  bool curvature_;
};

}  // namespace hessfit::ad
