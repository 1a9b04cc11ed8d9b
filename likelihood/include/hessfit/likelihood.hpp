// hessfit::likelihood: HistFactory likelihoods from pyhf JSON workspaces, exactly as pyhf defines
// them, with the NLL templated on the scalar so that gradients and Hessians come from hessfit::ad.
#pragma once

#include "hessfit/likelihood/digest.hpp"
#include "hessfit/likelihood/error.hpp"
#include "hessfit/likelihood/interpolation.hpp"
#include "hessfit/likelihood/model.hpp"
#include "hessfit/likelihood/patchset.hpp"
#include "hessfit/likelihood/spec.hpp"
#include "hessfit/likelihood/workspace.hpp"
