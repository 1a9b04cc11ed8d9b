// Exit codes of every hessfit command (documented in README.md).
#pragma once

namespace hessfit::configs {

inline constexpr int kExitOk = 0;
/// Numerical trouble: a fit did not converge or a covariance is not accurate (results still written).
inline constexpr int kExitNumerical = 1;
/// Bad input: config, workspace, data file or command-line option; nothing written.
inline constexpr int kExitBadInput = 2;
/// Resources exhausted: out of memory, or a model whose dense Hessian would not fit in the memory
/// available (estimated before allocating); nothing written.
inline constexpr int kExitResources = 3;
/// Interrupted by a signal: 128 + the signal (130 for SIGINT, 143 for SIGTERM), as a shell reports
/// a process killed by it; the output folder holds no partial report.
inline constexpr int kExitInterrupted = 128;

}  // namespace hessfit::configs
