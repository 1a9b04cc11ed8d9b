// Every shared real workspace with a reference.json: pyhf's parameter order and configuration, the
// data vector, and the NLL at the reference best fit, to 1e-9 relative.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <string>

#include "hessfit/likelihood.hpp"
#include "shared_data.hpp"

namespace hessfit::likelihood {
namespace {

class ReferenceWorkspace : public ::testing::TestWithParam<std::string> {
 protected:
  const testing::Reference& ref() const { return testing::reference(GetParam()); }
  const Model& model() const { return testing::reference_model(GetParam()); }
};

TEST_P(ReferenceWorkspace, ParameterNamesAreInPyhfOrder) {
  const auto expected = ref().json.at("parameters").at("names").get<std::vector<std::string>>();
  EXPECT_EQ(model().parameter_names(), expected);
}

TEST_P(ReferenceWorkspace, InitsBoundsAndFixedFlagsMatchPyhf) {
  const auto& p = ref().json.at("parameters");
  const auto inits = p.at("inits").get<std::vector<double>>();
  const auto bounds = p.at("bounds").get<std::vector<std::vector<double>>>();
  const auto fixed = p.at("fixed").get<std::vector<bool>>();
  ASSERT_EQ(model().size(), inits.size());
  for (std::size_t i = 0; i < inits.size(); ++i) {
    SCOPED_TRACE(model().parameter_names()[i]);
    EXPECT_EQ(model().init()[static_cast<Eigen::Index>(i)], inits[i]);
    EXPECT_EQ(model().bounds()[i].lower, bounds[i][0]);
    EXPECT_EQ(model().bounds()[i].upper, bounds[i][1]);
    EXPECT_EQ(model().fixed()[i], fixed[i]);
  }
  EXPECT_EQ(model().poi().name, p.at("poi").get<std::string>());
  EXPECT_EQ(model().poi().index, ref().json.at("model").at("poi_index").get<std::size_t>());
}

TEST_P(ReferenceWorkspace, DataIsObservationsThenAuxdataAsPyhf) {
  const auto expected = ref().json.at("data").get<std::vector<double>>();
  const Eigen::VectorXd data = model().observed_data().values();
  ASSERT_EQ(static_cast<std::size_t>(data.size()), expected.size());
  EXPECT_EQ(model().main_bins(), ref().json.at("model").at("nmaindata").get<std::size_t>());
  for (std::size_t i = 0; i < expected.size(); ++i)
    EXPECT_DOUBLE_EQ(data[static_cast<Eigen::Index>(i)], expected[i]) << "data[" << i << "]";
}

TEST_P(ReferenceWorkspace, NllAtTheReferenceBestFitMatchesTo1e9Relative) {
  const auto& best = ref().json.at("bestfit");
  const Eigen::VectorXd x = testing::to_vector(best.at("values"));
  const double expected = best.at("nll").get<double>();
  EXPECT_NEAR(model().nll(x), expected, 1e-9 * std::abs(expected));
  EXPECT_NEAR(model().twice_nll(x), best.at("twice_nll").get<double>(), 2e-9 * std::abs(expected));
}

TEST_P(ReferenceWorkspace, NllAtTheInitsMatchesAnIndependentEvaluationTo1e9Relative) {
  // tools/nll_at_inits.py: a Decimal re-implementation that reproduces every reference best fit.
  static const nlohmann::json independent = read_json_file(
      std::filesystem::path(HESSFIT_SOURCE_DIR) / "tests" / "likelihood" / "data" / "nll_at_inits.json");
  const double expected = independent.at("workspaces").at(GetParam()).at("nll_at_inits").get<double>();
  EXPECT_NEAR(model().nll(model().init()), expected, 1e-9 * std::abs(expected));
}

TEST_P(ReferenceWorkspace, NllTermsAtTheBestFitMatchTheReferenceSplit) {
  const auto& best = ref().json.at("bestfit");
  const NllTerms terms = model().nll_terms(testing::to_vector(best.at("values")));
  const auto& t = best.at("nll_terms");
  const double scale = std::abs(best.at("nll").get<double>());
  EXPECT_NEAR(terms.main, t.at("main").get<double>(), 1e-9 * scale);
  EXPECT_NEAR(terms.gauss, t.at("gauss").get<double>(), 1e-9 * scale);
  EXPECT_NEAR(terms.poisson, t.at("poisson").get<double>(), 1e-9 * scale);
}

TEST_P(ReferenceWorkspace, ConstantTermsMatchTheReference) {
  const auto& c = ref().json.at("bestfit").at("nll_constant_terms");
  const NllTerms terms = model().nll_constant_terms();
  EXPECT_NEAR(terms.main, c.at("main_lgamma").get<double>(), 1e-12 * std::abs(terms.main) + 1e-12);
  EXPECT_NEAR(terms.gauss, c.at("gauss_norm").get<double>(), 1e-12 * std::abs(terms.gauss) + 1e-12);
  EXPECT_NEAR(terms.poisson, c.at("poisson_lgamma").get<double>(), 1e-12 * std::abs(terms.poisson) + 1e-12);
}

INSTANTIATE_TEST_SUITE_P(SharedData, ReferenceWorkspace, ::testing::ValuesIn(testing::reference_workspaces()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return name;
                         });

}  // namespace
}  // namespace hessfit::likelihood
