// Internal: the index tables a Model is compiled into, and the templated kernels that evaluate
// expected rates and the NLL from them for any scalar type (double or a hessfit AD scalar).
//
// Layout. A "block" is one sample in one channel; its scalar factors (normfactors, lumi, normsys
// kappas) are multiplied once per call into F_block. An "entry" is one block in one bin:
//
//   nu_entry = F_block * prod_{per-bin gammas} gamma * (nominal + sum_{histosys} Delta(alpha))
//
// and the entries of a main bin are listed contiguously (bin-major), so a bin's rate is one sum.
// Powers alpha^1..alpha^6 (and code4p's q = 15 alpha^2 - 10 alpha^4 + 3 alpha^6) are computed once
// per interpolation parameter and per call; every normsys kappa and histosys Delta inside |alpha| <= 1
// is then a linear combination of them with double coefficients (free on the reverse tape).
//
// Poisson terms use the cancellation-free form  nu - n log nu + lgamma(n+1)
//   = n (x - 1 - log x) + c(n),  x = nu / n,  c(n) = lgamma(n+1) - n log n + n,
// with c(n) precomputed in double (Stirling series for n >= 30), so that a shapesys with
// tau ~ 1e11 carries no rounding noise. Per-call scratch lives in a thread_local buffer per scalar
// type: after the first call evaluation does not allocate (for double), and nll is thread-safe.
#pragma once

#include <array>
#include <cmath>
#include <cstdint>
#include <utility>
#include <vector>

#include "hessfit/autodiff/tape.hpp"
#include "hessfit/autodiff/traits.hpp"
#include "hessfit/autodiff/var.hpp"
#include "hessfit/likelihood/interpolation.hpp"

namespace hessfit::likelihood::detail {

using Index = std::uint32_t;

/// A parameter driving normsys or histosys interpolation; `degree` = highest power of alpha needed.
struct AlphaSlot {
  Index param = 0;
  int degree = 0;  // 0: none, 2: alpha^2 (code2), 6: alpha^1..6 and q (code4 / code4p)
  bool histosys = false;  // some histosys term interpolates with it
};

struct NormSysTerm {
  Index slot = 0;
  double log_hi = 0.0, log_lo = 0.0;  // ln u, ln d
  std::array<double, 6> poly{};       // code4 inner polynomial c_1..c_6
};

struct Block {
  Index channel = 0, sample = 0;                  // sorted channel index, sample index within that channel
  Index scalar_begin = 0, scalar_end = 0;         // into Tables::scalar_params (normfactor, lumi)
  Index normsys_begin = 0, normsys_end = 0;       // into Tables::normsys
  bool has_factor() const { return scalar_begin != scalar_end || normsys_begin != normsys_end; }
};

struct HistoTerm {
  Index slot = 0;
  double dplus = 0.0, dminus = 0.0;  // I+ - I0, I0 - I-
};

struct Entry {
  Index block = 0;
  Index gamma_begin = 0, gamma_end = 0;  // into Tables::gamma_params
  Index histo_begin = 0, histo_end = 0;  // into Tables::histo
  double nominal = 0.0;
};

struct MainBin {
  Index entry_begin = 0, entry_end = 0;
};

struct GaussTerm {
  Index param = 0;
  Index aux = 0;               // its auxiliary datum: index into the auxiliary data
  double half_inv_var = 0.5;   // 0.5 / sigma^2
};

struct PoissonTerm {
  Index param = 0;
  Index aux = 0;        // its auxiliary count a: index into the auxiliary data
  double factor = 1.0;  // tau: the expected count is gamma * tau
};

/// The observations an NLL is evaluated on: main counts in bin order, auxiliary data in
/// constraint order (pyhf's data vector, split).
struct DataView {
  const double* main = nullptr;
  const double* aux = nullptr;
};

struct Tables {
  Index n_parameters = 0;
  Interpolation normsys_code = Interpolation::kCode4;
  Interpolation histosys_code = Interpolation::kCode4p;
  std::vector<AlphaSlot> alphas;
  std::vector<Index> scalar_params;
  std::vector<NormSysTerm> normsys;
  std::vector<Block> blocks;
  std::vector<Index> gamma_params;
  std::vector<HistoTerm> histo;
  std::vector<Entry> entries;
  std::vector<MainBin> bins;
  std::vector<Index> channel_offsets;  // first main bin of each sorted channel, plus the total
  std::vector<GaussTerm> gauss;
  std::vector<PoissonTerm> poisson;
  // What nll_variable leaves out and does not depend on the data: sum (log sigma + log(2 pi)/2)
  // over Gaussian constraints. (The data's sum c(n) over main bins and sum c(a) over Poisson
  // constraints are computed with the data.)
  double gauss_constant = 0.0;
};

/// c(n) = lgamma(n + 1) - n log n + n, accurate also where lgamma(n+1) and n log n are large.
double poisson_constant(double n) noexcept;

template <class T>
struct Scratch {
  std::vector<double> alpha_value;
  std::vector<T> powers;  // 7 per alpha slot: alpha, alpha^2, ..., alpha^6, q
  std::vector<T> block_factor;
  // Preaccumulation (T = Var<double>, see prepare): whether additive_part() preaccumulates, the
  // powers in double, and one node's factors, their derivatives and the arguments of the node
  // being assembled.
  // (The argument lists are mutable: additive_part() reads the scratch as const and builds nodes.)
  bool preaccumulated = false;
  std::vector<double> power_value;
  std::vector<double> factor, factor_derivative, suffix;
  mutable std::vector<std::int32_t> arg_index;
  mutable std::vector<double> arg_partial;
};

template <class T>
Scratch<T>& thread_scratch() {
  thread_local Scratch<T> scratch;
  return scratch;
}

/// Running product that starts with its first factor (no multiplication by 1).
template <class T>
struct Product {
  T value{};
  bool any = false;
  void mul(const T& f) {
    if (any) {
      value *= f;
    } else {
      value = f;
      any = true;
    }
  }
};

/// A factor (or histosys Delta) and its first and second derivatives with respect to its alpha.
/// The histosys Delta's value is two parts (`value` + `value2`), added to the additive part one
/// after the other as the taped code adds them.
struct Local {
  double value = 0.0, value2 = 0.0, d1 = 0.0, d2 = 0.0;
  bool inner = false;  // a histosys Delta inside |alpha| <= 1 of code2 or code4p: two parts, nonlinear
};

/// Powers alpha^1..alpha^6 and q of one slot, in any scalar: the same operations (and so the same
/// rounding) in double as on the tape.
template <class S>
void slot_powers(const S& a, int degree, S* p) {
  p[0] = a;
  p[1] = a * a;
  if (degree < 6) return;
  p[2] = p[1] * a;
  p[3] = p[1] * p[1];
  p[4] = p[3] * a;
  p[5] = p[2] * p[2];
  p[6] = 15.0 * p[1];
  p[6] += -10.0 * p[3];
  p[6] += 3.0 * p[5];
}

/// A normsys factor kappa(a) in double, as prepare()'s taped branches compute its value; `p` are
/// the slot's powers (read only inside |a| < 1 for code4).
inline Local normsys_local(Interpolation code, const NormSysTerm& term, double a, const double* p) {
  auto exponential = [](double a, double l) {
    const double k = std::exp(a * l);
    return Local{k, 0.0, k * l, k * l * l, false};
  };
  if (code == Interpolation::kCode1) return a > 0.0 ? exponential(a, term.log_hi) : exponential(a, -term.log_lo);
  if (a >= 1.0) return exponential(a, term.log_hi);
  if (a <= -1.0) return exponential(a, -term.log_lo);
  const std::array<double, 6>& c = term.poly;
  double k = p[0] * c[0];
  for (std::size_t j = 1; j < 6; ++j) k += p[j] * c[j];
  k += 1.0;
  const double d1 = c[0] + 2.0 * c[1] * p[0] + 3.0 * c[2] * p[1] + 4.0 * c[3] * p[2] + 5.0 * c[4] * p[3] + 6.0 * c[5] * p[4];
  const double d2 = 2.0 * c[1] + 6.0 * c[2] * p[0] + 12.0 * c[3] * p[1] + 20.0 * c[4] * p[2] + 30.0 * c[5] * p[3];
  return Local{k, 0.0, d1, d2, false};
}

/// A histosys Delta(a) in double, as add_delta() computes its value (its change of the additive
/// part's constant shift included).
inline Local histo_local(Interpolation code, const HistoTerm& h, double a, const double* p, double& shift) {
  switch (code) {
    case Interpolation::kCode0: {
      const double d = a > 0.0 ? h.dplus : h.dminus;
      return Local{a * d, 0.0, d, 0.0, false};
    }
    case Interpolation::kCode2: {
      const double qa = 0.5 * (h.dplus - h.dminus), lb = 0.5 * (h.dplus + h.dminus);
      if (a > 1.0) {
        shift -= lb + 2.0 * qa;
        return Local{a * (lb + 2.0 * qa), 0.0, lb + 2.0 * qa, 0.0, false};
      }
      if (a < -1.0) {
        shift += lb - 2.0 * qa;
        return Local{a * (lb - 2.0 * qa), 0.0, lb - 2.0 * qa, 0.0, false};
      }
      return Local{p[1] * qa, a * lb, 2.0 * qa * p[0] + lb, 2.0 * qa, true};
    }
    default: {  // code4p
      if (a > 1.0) return Local{a * h.dplus, 0.0, h.dplus, 0.0, false};
      if (a < -1.0) return Local{a * h.dminus, 0.0, h.dminus, 0.0, false};
      const double S = 0.5 * (h.dplus + h.dminus), A = (h.dplus - h.dminus) / 16.0;
      return Local{p[0] * S, p[6] * A, S + A * (30.0 * p[0] - 40.0 * p[2] + 18.0 * p[4]),
                   A * (30.0 - 120.0 * p[1] + 90.0 * p[3]), true};
    }
  }
}

/// The reverse-mode scalar whose interpolations prepare() preaccumulates.
using TapedScalar = ad::Var<double>;

/// prepare() for T = Var<double>: each interpolation is evaluated in double with its derivatives
/// (normsys_local, histo_local) instead of being taped operation by operation. On a tape without
/// curvature (gradients) a block's whole factor F = prod normfactors * prod kappas is ONE node
/// whose arguments are the block's parameters, with the partials dF/dx_i = F_{-i} dkappa_i, and an
/// entry's histosys sum one node (additive_part_preaccumulated); on a tape that records curvature
/// (Hessians) each kappa is one nonlinear node with its first and second partials, multiplied as
/// before, and the histosys Deltas are taped as in prepare(). Values are the taped code's to the bit.
template <class Vec>
void prepare_preaccumulated(const Tables& t, const Vec& x, Scratch<TapedScalar>& s, bool curvature) {
  using V = TapedScalar;
  // With curvature the histosys Deltas stay linear combinations of taped powers of alpha (as in
  // prepare()): the powers' nodes, and so their curvature, are shared by every bin of a slot,
  // which costs the Hessian sweeps less than a nonlinear node per Delta on models with many bins.
  s.preaccumulated = !curvature;
  s.alpha_value.resize(t.alphas.size());
  s.power_value.resize(7 * t.alphas.size());
  if (curvature) s.powers.resize(7 * t.alphas.size());
  s.block_factor.resize(t.blocks.size());
  for (std::size_t k = 0; k < t.alphas.size(); ++k) {
    const AlphaSlot& slot = t.alphas[k];
    const V& alpha = x[slot.param];
    const double a = alpha.value();
    s.alpha_value[k] = a;
    if (slot.degree == 0 || std::abs(a) > 1.0) continue;
    slot_powers<double>(a, slot.degree, &s.power_value[7 * k]);
    if (!curvature || !slot.histosys) continue;
    slot_powers(alpha, slot.degree, &s.powers[7 * k]);
  }
  auto& tape = ad::Tape<double>::active();
  for (std::size_t b = 0; b < t.blocks.size(); ++b) {
    const Block& block = t.blocks[b];
    if (!block.has_factor()) continue;
    if (curvature) {
      Product<V> f;
      for (Index i = block.scalar_begin; i < block.scalar_end; ++i) f.mul(x[t.scalar_params[i]]);
      for (Index i = block.normsys_begin; i < block.normsys_end; ++i) {
        const NormSysTerm& term = t.normsys[i];
        const V& alpha = x[t.alphas[term.slot].param];
        const Local l = normsys_local(t.normsys_code, term, s.alpha_value[term.slot], &s.power_value[7 * term.slot]);
        if (!alpha.on_tape()) {
          f.mul(V(l.value));
          continue;
        }
        const double c = alpha.coeff();
        f.mul(V(l.value, 1.0, tape.push_nonlinear(alpha.index(), l.d1 * c, l.d2 * c * c), false));
      }
      s.block_factor[b] = std::move(f.value);
      continue;
    }
    // The factors in the taped order (scalars, then normsys terms), their derivatives with respect
    // to their nodes and those nodes (-1: a constant).
    s.factor.clear(), s.factor_derivative.clear(), s.arg_index.clear();
    for (Index i = block.scalar_begin; i < block.scalar_end; ++i) {
      const V& v = x[t.scalar_params[i]];
      s.factor.push_back(v.value()), s.factor_derivative.push_back(v.coeff()), s.arg_index.push_back(v.index());
    }
    for (Index i = block.normsys_begin; i < block.normsys_end; ++i) {
      const NormSysTerm& term = t.normsys[i];
      const V& alpha = x[t.alphas[term.slot].param];
      const Local l = normsys_local(t.normsys_code, term, s.alpha_value[term.slot], &s.power_value[7 * term.slot]);
      s.factor.push_back(l.value), s.factor_derivative.push_back(l.d1 * alpha.coeff()), s.arg_index.push_back(alpha.index());
    }
    // F by the taped left fold; dF/dx_i = (k_0 ... k_{i-1}) (k_{i+1} ... k_m) dk_i, with prefix
    // and suffix products (no division: a factor may be zero).
    const std::size_t m = s.factor.size();
    s.suffix.resize(m);
    double suffix = 1.0;
    for (std::size_t i = m; i-- > 0;) {
      s.suffix[i] = suffix;
      suffix *= s.factor[i];
    }
    s.arg_partial.clear();
    std::size_t n = 0;
    double prefix = 1.0;
    for (std::size_t i = 0; i < m; ++i) {
      if (s.arg_index[i] >= 0) {
        s.arg_index[n] = s.arg_index[i];
        s.arg_partial.push_back(prefix * s.suffix[i] * s.factor_derivative[i]);
        ++n;
      }
      prefix = i == 0 ? s.factor[0] : prefix * s.factor[i];
    }
    s.block_factor[b] = n == 0 ? V(prefix) : V(prefix, 1.0, tape.push_preaccumulated(n, s.arg_index.data(), s.arg_partial.data()), false);
  }
}

template <class T, class Vec>
void prepare(const Tables& t, const Vec& x, Scratch<T>& s) {
  using ad::value_of;
  s.preaccumulated = false;
  if constexpr (std::same_as<T, TapedScalar>) {
    prepare_preaccumulated(t, x, s, ad::Tape<double>::active().curvature_enabled());
    return;
  }
  s.alpha_value.resize(t.alphas.size());
  s.powers.resize(7 * t.alphas.size());
  s.block_factor.resize(t.blocks.size());
  for (std::size_t k = 0; k < t.alphas.size(); ++k) {
    const AlphaSlot& slot = t.alphas[k];
    const T& alpha = x[slot.param];
    const double a = value_of(alpha);
    s.alpha_value[k] = a;
    if (slot.degree == 0 || std::abs(a) > 1.0) continue;  // (a NaN alpha takes the inner branch: NaN out)
    slot_powers(alpha, slot.degree, &s.powers[7 * k]);
  }
  for (std::size_t b = 0; b < t.blocks.size(); ++b) {
    const Block& block = t.blocks[b];
    if (!block.has_factor()) continue;
    Product<T> f;
    for (Index i = block.scalar_begin; i < block.scalar_end; ++i) f.mul(x[t.scalar_params[i]]);
    for (Index i = block.normsys_begin; i < block.normsys_end; ++i) {
      using std::exp;
      const NormSysTerm& term = t.normsys[i];
      const double a = s.alpha_value[term.slot];
      const T& alpha = x[t.alphas[term.slot].param];
      if (t.normsys_code == Interpolation::kCode1) {
        f.mul(a > 0.0 ? T(exp(alpha * term.log_hi)) : T(exp(alpha * -term.log_lo)));
      } else if (a >= 1.0) {
        f.mul(exp(alpha * term.log_hi));
      } else if (a <= -1.0) {
        f.mul(exp(alpha * -term.log_lo));
      } else {
        const T* p = &s.powers[7 * term.slot];
        T kappa = p[0] * term.poly[0];
        for (std::size_t j = 1; j < 6; ++j) kappa += p[j] * term.poly[j];
        kappa += 1.0;
        f.mul(kappa);
      }
    }
    s.block_factor[b] = std::move(f.value);
  }
}

/// Adds the histosys Delta of one term to the additive part (A, shift).
template <class T, class Vec>
void add_delta(const Tables& t, const HistoTerm& h, const Vec& x, const Scratch<T>& s, T& A, double& shift) {
  const double a = s.alpha_value[h.slot];
  const T& alpha = x[t.alphas[h.slot].param];
  switch (t.histosys_code) {
    case Interpolation::kCode0:
      A += alpha * (a > 0.0 ? h.dplus : h.dminus);
      return;
    case Interpolation::kCode2: {
      const double qa = 0.5 * (h.dplus - h.dminus), lb = 0.5 * (h.dplus + h.dminus);
      if (a > 1.0) {
        A += alpha * (lb + 2.0 * qa);
        shift -= lb + 2.0 * qa;
      } else if (a < -1.0) {
        A += alpha * (lb - 2.0 * qa);
        shift += lb - 2.0 * qa;
      } else {
        const T* p = &s.powers[7 * h.slot];
        A += p[1] * qa;
        A += alpha * lb;
      }
      return;
    }
    default: {  // code4p
      if (a > 1.0) {
        A += alpha * h.dplus;
      } else if (a < -1.0) {
        A += alpha * h.dminus;
      } else {
        const T* p = &s.powers[7 * h.slot];
        A += p[0] * (0.5 * (h.dplus + h.dminus));
        A += p[6] * ((h.dplus - h.dminus) / 16.0);
      }
      return;
    }
  }
}

/// additive_part() after prepare_preaccumulated() without curvature (gradients): the Deltas
/// evaluated in double with their derivatives, the whole sum ONE node over the entry's histosys
/// alphas. The value is add_delta()'s to the bit.
template <class Vec>
TapedScalar additive_part_preaccumulated(const Tables& t, const Entry& entry, const Vec& x, const Scratch<TapedScalar>& s) {
  using V = TapedScalar;
  double A = 0.0, shift = entry.nominal;
  s.arg_index.clear(), s.arg_partial.clear();
  for (Index k = entry.histo_begin; k < entry.histo_end; ++k) {
    const HistoTerm& h = t.histo[k];
    const V& alpha = x[t.alphas[h.slot].param];
    const Local l = histo_local(t.histosys_code, h, s.alpha_value[h.slot], &s.power_value[7 * h.slot], shift);
    A += l.value;
    if (l.inner) A += l.value2;  // the taped code's second addition (code2, code4p inside |alpha| <= 1)
    if (alpha.on_tape()) s.arg_index.push_back(alpha.index()), s.arg_partial.push_back(l.d1 * alpha.coeff());
  }
  A += shift;
  const std::size_t n = s.arg_index.size();
  if (n == 0) return V(A);
  return V(A, 1.0, ad::Tape<double>::active().push_preaccumulated(n, s.arg_index.data(), s.arg_partial.data()), false);
}

/// nominal + sum of the entry's histosys Deltas.
template <class T, class Vec>
T additive_part(const Tables& t, const Entry& entry, const Vec& x, const Scratch<T>& s) {
  if constexpr (std::same_as<T, TapedScalar>)
    if (s.preaccumulated) return additive_part_preaccumulated(t, entry, x, s);
  T A(0.0);
  double shift = entry.nominal;
  for (Index h = entry.histo_begin; h < entry.histo_end; ++h) add_delta(t, t.histo[h], x, s, A, shift);
  A += shift;
  return A;
}

/// Expected rate nu of one main bin (after prepare()).
template <class T, class Vec>
T bin_rate(const Tables& t, const MainBin& bin, const Vec& x, const Scratch<T>& s) {
  T nu(0.0);
  double constant = 0.0;
  for (Index e = bin.entry_begin; e < bin.entry_end; ++e) {
    const Entry& entry = t.entries[e];
    Product<T> f;
    if (t.blocks[entry.block].has_factor()) f.mul(s.block_factor[entry.block]);
    for (Index g = entry.gamma_begin; g < entry.gamma_end; ++g) f.mul(x[t.gamma_params[g]]);
    if (entry.histo_begin == entry.histo_end) {
      if (f.any)
        nu += f.value * entry.nominal;
      else
        constant += entry.nominal;
      continue;
    }
    if (f.any)
      nu += f.value * additive_part(t, entry, x, s);
    else
      nu += additive_part(t, entry, x, s);
  }
  nu += constant;
  return nu;
}

/// The rate of one entry alone (for per-sample yields; after prepare()).
template <class T, class Vec>
T entry_rate(const Tables& t, const Entry& entry, const Vec& x, const Scratch<T>& s) {
  T rate = entry.histo_begin == entry.histo_end ? T(entry.nominal) : additive_part(t, entry, x, s);
  if (t.blocks[entry.block].has_factor()) rate *= s.block_factor[entry.block];
  for (Index g = entry.gamma_begin; g < entry.gamma_end; ++g) rate *= x[t.gamma_params[g]];
  return rate;
}

/// n (x - 1 - log x) with x = nu / n: the parameter-dependent part of -log Pois(n | nu).
template <class T>
T poisson_deviance(const T& nu, double n) {
  using std::log;
  if (n > 0.0) {
    const T r = nu * (1.0 / n);
    return n * ((r - 1.0) - log(r));
  }
  return nu;
}

enum class Part { kMain, kGauss, kPoisson };

/// Calls add(part, term) for every term of -log L on `data` without its constant part.
template <class T, class Vec, class Add>
void for_each_term(const Tables& t, const Vec& x, DataView data, Add&& add) {
  using std::log;
  Scratch<T>& s = thread_scratch<T>();
  prepare(t, x, s);
  for (std::size_t b = 0; b < t.bins.size(); ++b)
    add(Part::kMain, poisson_deviance(bin_rate(t, t.bins[b], x, s), data.main[b]));
  for (const GaussTerm& g : t.gauss) {
    const T d = x[g.param] - data.aux[g.aux];
    add(Part::kGauss, (d * d) * g.half_inv_var);
  }
  for (const PoissonTerm& p : t.poisson) {
    const double a = data.aux[p.aux];
    if (a > 0.0) {
      const T r = x[p.param] * (p.factor / a);
      add(Part::kPoisson, a * ((r - 1.0) - log(r)));
    } else {
      add(Part::kPoisson, x[p.param] * p.factor);
    }
  }
}

/// -log L on `data` without its constant part.
template <class T, class Vec>
T nll_variable(const Tables& t, const Vec& x, DataView data) {
  T total(0.0);
  for_each_term<T>(t, x, data, [&](Part, T&& term) { total += std::move(term); });
  return total;
}

/// The same split into main Poisson terms, Gaussian and Poisson constraints.
template <class T, class Vec>
std::array<T, 3> nll_parts(const Tables& t, const Vec& x, DataView data) {
  std::array<T, 3> parts{T(0.0), T(0.0), T(0.0)};
  for_each_term<T>(t, x, data, [&](Part part, T&& term) { parts[static_cast<std::size_t>(part)] += std::move(term); });
  return parts;
}

/// The data-dependent constants of -log L: sum c(n) over main bins and sum c(a) over Poisson
/// constraints (for nll_variable), and the same with lgamma(n + 1) (pyhf's constant terms).
struct DataConstants {
  double main = 0.0, poisson = 0.0;                // c(n) sums
  double main_lgamma = 0.0, poisson_lgamma = 0.0;  // lgamma(n + 1) sums
};
DataConstants data_constants(const Tables& t, DataView data) noexcept;

}  // namespace hessfit::likelihood::detail
