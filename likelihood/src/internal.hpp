// Internal: functions shared between the translation units of hessfit::likelihood.
#pragma once

#include <cstddef>

#include "hessfit/likelihood/model.hpp"

namespace hessfit::likelihood {
class Workspace;
namespace detail {

/// Builds the model of ws.measurements()[measurement] (validated workspace); throws InputError.
Model build_model(const Workspace& ws, std::size_t measurement, const ModelOptions& options);

}  // namespace detail
}  // namespace hessfit::likelihood
