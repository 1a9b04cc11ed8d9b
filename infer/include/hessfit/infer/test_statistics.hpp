// Profile-likelihood test statistics of a parameter of interest mu and their asymptotic
// distributions (Cowan, Cranmer, Gross, Vitells, "Asymptotic formulae for likelihood-based tests
// of new physics", Eur. Phys. J. C 71 (2011) 1554), with pyhf's conventions.
//
// With the free fit (mu_hat, theta_hat) and the conditional fit theta_hat_hat(mu) of f = -log L,
//
//   t_mu  = 2 [f(mu, theta_hat_hat) - f(mu_hat, theta_hat)]   (clipped at 0)     two-sided
//   q_mu  = t_mu if mu_hat <= mu, else 0                                           one-sided (limits)
//   q0    = t_0  if mu_hat >= 0,  else 0                                           discovery
//
// and the "tilde" forms t~_mu, q~_mu: the same with the POI's lower bound at 0 in the free fit
// (mu_hat clipped at 0). q~_mu is pyhf's default for CLs.
//
// Asymptotic calculator (pyhf's AsymptoticCalculator, "normal" base distribution): with q the
// statistic on the data and qA the same statistic on the Asimov data set of mu' = 0 (mu' = 1 for
// q0),
//
//   ts = sqrt(q) - sqrt(qA)                  if sqrt(q) <= sqrt(qA) or qA = 0, or for q_mu and q0
//   ts = (q - qA) / (2 sqrt(qA))             otherwise (q~_mu)
//   CLs+b = Phi(-(ts + sqrt(qA))),   CLb = Phi(-ts),   CLs = CLs+b / CLb,
//
// and the expected band evaluates the same at ts = +2, +1, 0, -1, -2 (pyhf's order: ascending
// CLs; index 0 is the "-2 sigma" entry, whose upper limit is the lowest). The band is at exactly
// +-1 and +-2 standard deviations of the background-only distribution of ts (pyhf); Combine's
// quantiles 2.5/16/84/97.5% of the limit distribution coincide with these in the asymptotic limit
// (Phi(-2) = 2.275%, not 2.5%: Combine's outer band is slightly narrower). For q0, p0 = CLs+b.
//
// The two-sided statistics have two-sided p-values (Wald): p(t_mu) = 2 Phi(-sqrt(t_mu)); for
// t~_mu (Cowan et al. eq. 44) with L = mu^2 / sigma^2 = t~_mu on the Asimov data of mu' = 0,
//   F(t) = 2 Phi(sqrt t) - 1                                  for t <= L,
//   F(t) = Phi(sqrt t) + Phi((t + L) / (2 sqrt L)) - 1        for t > L,     p = 1 - F(t).
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>

namespace hessfit::infer {

enum class TestStatistic {
  kQTildeMu,  // q~_mu (default): one-sided, mu_hat >= 0; CLs limits
  kQMu,       // q_mu: one-sided; CLs limits
  kQ0,        // q0: discovery
  kTMu,       // t_mu: two-sided
  kTTildeMu,  // t~_mu: two-sided, mu_hat >= 0
};

/// "qtilde", "q", "q0", "t", "ttilde".
std::string to_string(TestStatistic statistic);
std::optional<TestStatistic> parse_test_statistic(std::string_view name);

/// The free fit clips mu_hat at 0 (t~_mu, q~_mu).
bool clips_at_zero(TestStatistic statistic);
/// One-sided in the CLs sense (q~_mu, q_mu, q0): CLs+b, CLb and CLs are defined.
bool has_cls(TestStatistic statistic);
/// mu' of the Asimov data set the statistic's distribution is computed from (1 for q0, else 0).
double asimov_poi(TestStatistic statistic);

/// The statistic from the two fits' NLLs: 2 (f_conditional - f_free) clipped at 0, and 0 where
/// the statistic's one-sided rule applies (mu_hat > mu for q, q~; mu_hat < mu for q0).
double test_statistic_value(TestStatistic statistic, double mu, double mu_hat, double f_conditional, double f_free);

/// Phi, the standard normal distribution function, accurate in both tails (erfc).
double normal_cdf(double x);
/// Phi^-1.
double normal_quantile(double p);

struct PValues {
  double clsb = 0.0, clb = 0.0, cls = 0.0;
};

/// pyhf's transformed statistic ts (see the top of this file).
double asymptotic_ts(TestStatistic statistic, double q, double q_asimov);
/// CLs+b, CLb and CLs at a value of ts, with sqrt(qA).
PValues asymptotic_pvalues(double ts, double sqrt_q_asimov);
/// The expected band at ts = +2, +1, 0, -1, -2 (pyhf's order).
std::array<PValues, 5> asymptotic_expected_band(double sqrt_q_asimov);
/// The n-sigma offsets of the band entries, in the same order: -2, -1, 0, +1, +2 (as limits).
inline constexpr std::array<double, 5> kBandSigmas{-2.0, -1.0, 0.0, 1.0, 2.0};
/// The two-sided p-value of t_mu or t~_mu (see the top of this file); for the q statistics the
/// CLs+b of asymptotic_pvalues.
double two_sided_pvalue(TestStatistic statistic, double t, double t_asimov);

}  // namespace hessfit::infer
