// Small models with known answers for the infer tests.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "hessfit/infer.hpp"
#include "hessfit/likelihood.hpp"
#include "hessfit/testing/shared_data.hpp"

namespace hessfit::infer::testing {

/// pyhf.simplemodels.uncorrelated_background(signal, bkg, bkg_uncertainty) with `observed`.
inline nlohmann::json uncorrelated_background(const std::vector<double>& signal, const std::vector<double>& bkg,
                                              const std::vector<double>& uncertainty, const std::vector<double>& observed) {
  using nlohmann::json;
  return json{
      {"channels",
       json::array({{{"name", "singlechannel"},
                     {"samples",
                      json::array({{{"name", "signal"},
                                    {"data", signal},
                                    {"modifiers", json::array({{{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}}})}},
                                   {{"name", "background"},
                                    {"data", bkg},
                                    {"modifiers", json::array({{{"name", "uncorr_bkguncrt"},
                                                                {"type", "shapesys"},
                                                                {"data", uncertainty}}})}}})}}})},
      {"observations", json::array({{{"name", "singlechannel"}, {"data", observed}}})},
      {"measurements", json::array({{{"name", "Measurement"}, {"config", {{"poi", "mu"}, {"parameters", json::array()}}}}})},
      {"version", "1.0.0"}};
}

/// One bin, nu = mu s + b, no nuisance parameters: every statistic in closed form.
inline nlohmann::json counting(double s, double b, double n, double mu_upper = 10.0) {
  using nlohmann::json;
  return json{
      {"channels",
       json::array({{{"name", "SR"},
                     {"samples", json::array({{{"name", "signal"},
                                               {"data", {s}},
                                               {"modifiers", json::array({{{"name", "mu"}, {"type", "normfactor"}, {"data", nullptr}}})}},
                                              {{"name", "background"}, {"data", {b}}, {"modifiers", json::array()}}})}}})},
      {"observations", json::array({{{"name", "SR"}, {"data", {n}}}})},
      {"measurements",
       json::array({{{"name", "m"},
                     {"config", {{"poi", "mu"}, {"parameters", json::array({{{"name", "mu"}, {"bounds", {{0.0, mu_upper}}}}})}}}}})},
      {"version", "1.0.0"}};
}

inline Model model_of(const nlohmann::json& workspace, const likelihood::ModelOptions& options = {}) {
  return Model(likelihood::Workspace::from_json(workspace, "test.json").model(options));
}

inline Model shared_model(const std::string& name, const std::string& file = "workspace.json") {
  return Model(likelihood::Workspace::load(hessfit::testing::histfactory_dir() / name / file).model());
}

}  // namespace hessfit::infer::testing
