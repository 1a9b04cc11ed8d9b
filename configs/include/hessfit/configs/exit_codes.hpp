// Exit codes of every hessfit command (documented in README.md).
#pragma once

namespace hessfit::configs {

inline constexpr int kExitOk = 0;
/// Numerical trouble: a fit did not converge or a covariance is not accurate (results still written).
inline constexpr int kExitNumerical = 1;
/// Bad input: config, workspace, data file or command-line option; nothing written.
inline constexpr int kExitBadInput = 2;

}  // namespace hessfit::configs
