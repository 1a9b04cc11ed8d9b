// Confidence levels used as defaults across hessfit.
#pragma once

namespace hessfit {

/// The probability content of +-1 standard deviation of a normal distribution, erf(1/sqrt 2):
/// the default confidence level of MINOS intervals, scans and contours ("1 sigma").
inline constexpr double kOneSigmaLevel = 0.6826894921370859;

/// The default confidence level of upper limits (CLs < 1 - 0.95 excluded).
inline constexpr double kUpperLimitLevel = 0.95;

}  // namespace hessfit
