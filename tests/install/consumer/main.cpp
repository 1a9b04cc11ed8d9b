// An outside project using the installed hessfit package.
#include <cstdio>

#include "hessfit/autodiff.hpp"

int main() {
  auto fn = [](const auto& x) {
    using std::exp;
    using std::sin;
    const auto a = x[0] / x[1];
    const auto d = a - exp(x[1]);
    return d * (sin(a) + d);
  };
  const Eigen::VectorXd x = Eigen::Vector2d(1.0, 1.0);
  const Eigen::VectorXd g = hessfit::ad::gradient(fn, x);
  const Eigen::MatrixXd h = hessfit::ad::hessian(fn, x);
  std::printf("gradient %.15f %.15f\nhessian %.6f %.6f %.6f\n", g[0], g[1], h(0, 0), h(0, 1), h(1, 1));
  return 0;
}
