// hessfit::configs: YAML fit configurations, C++ NLLs registered by name, the fit run behind
// `hessfit fit`, and its reports.
#pragma once

#include "hessfit/configs/config.hpp"
#include "hessfit/configs/error.hpp"
#include "hessfit/configs/nll_registry.hpp"
#include "hessfit/configs/report.hpp"
#include "hessfit/configs/run.hpp"
#include "hessfit/configs/setup.hpp"
