// The configuration schema: reads the located YAML tree into a Config, checking keys, types,
// ranges, files and consistency, and recording every problem with its file:line:col.
#include "hessfit/configs/config.hpp"

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <fstream>
#include <limits>
#include <sstream>

#include "hessfit/common/input.hpp"
#include "tree.hpp"
#include "strings.hpp"

namespace hessfit::configs {

std::string to_string(Plot plot) {
  switch (plot) {
    case Plot::kPulls: return "pulls";
    case Plot::kCorrelation: return "correlation";
    case Plot::kScans: return "scans";
    case Plot::kContours: return "contours";
    case Plot::kImpacts: return "impacts";
    case Plot::kCls: return "cls";
    case Plot::kYields: return "yields";
  }
  return "?";
}

bool OutputConfig::has(Plot plot) const { return std::find(plots.begin(), plots.end(), plot) != plots.end(); }

namespace {

using detail::Node;

const std::vector<std::string> kTopKeys{"version", "title", "model", "parameters", "fit", "uncertainties", "inference", "toys", "grid", "output"};
const std::vector<std::string> kToysKeys{"ntoys", "seed", "test_statistic", "hypotest", "limit", "significance",
                                         "pulls", "gof", "cls_accuracy", "max_toys"};
const std::vector<std::string> kToysLimitKeys{"cl", "grid"};
const std::vector<std::string> kToysPullKeys{"parameters", "minos"};
const std::vector<std::string> kGridKeys{"patchset", "patches", "mu", "limits", "cl", "axes"};
const std::vector<std::string> kInferenceKeys{"test_statistic", "asimov", "hypotest", "limit", "significance"};
const std::vector<std::string> kLimitKeys{"cl", "scan"};
const std::vector<std::string> kLimitScanKeys{"range", "points"};
const std::vector<std::string> kTestStatistics{"qtilde", "q", "q0", "t", "ttilde"};
const std::vector<std::string> kModelKeys{"workspace", "measurement", "patchset", "patch", "poi",
                                          "interpolation", "nll", "parameters", "data"};
const std::vector<std::string> kInterpolationKeys{"normsys", "histosys"};
const std::vector<std::string> kOverrideKeys{"init", "bounds", "fixed"};
const std::vector<std::string> kFitKeys{"minimizer", "tolerance", "max_iterations", "threads", "max_restarts", "hessian",
                                        "background_only", "channels"};
const std::vector<std::string> kHessianStorages{"auto", "dense", "sparse"};
const std::vector<std::string> kUncertaintyKeys{"cl", "minos", "scans", "contours", "impacts", "breakdown"};
const std::vector<std::string> kBreakdownKeys{"groups", "minos"};
const std::vector<std::string> kScanKeys{"parameter", "range", "points", "width"};
const std::vector<std::string> kContourKeys{"parameters", "cl", "points"};
const std::vector<std::string> kImpactKeys{"poi", "parameters", "prefit"};
const std::vector<std::string> kOutputKeys{"directory", "formats", "plots", "correlation_max_parameters",
                                           "impacts_max_parameters", "full_covariance", "yields", "bin_edges"};
const std::vector<std::string> kMinimizers{"auto", "newton", "lbfgs", "bfgs"};
const std::vector<std::string> kFormats{"text", "json", "markdown"};
const std::vector<std::string> kPlots{"pulls", "correlation", "scans", "contours", "impacts", "cls", "yields"};

std::string join(const std::vector<std::string>& words, const std::string& sep = ", ") {
  std::string out;
  for (const auto& w : words) detail::append_joined(out, sep, w);
  return out;
}

/// The config being read: problems go to `d`, relative paths resolve against `base`.
struct Reader {
  Diagnostics& d;
  std::filesystem::path base;

  /// A map with only `allowed` keys (null reads as empty). False if `n` is not a map.
  bool keys(const Node& n, const std::string& context, const std::vector<std::string>& allowed) {
    if (n.is_null()) return true;
    if (!n.is_map()) {
      d.error(n.where, (context.empty() ? std::string("the config") : "'" + context + "'") + " must be a mapping, got " + n.describe());
      return false;
    }
    for (std::size_t i = 0; i < n.keys.size(); ++i) {
      if (std::find(allowed.begin(), allowed.end(), n.keys[i]) != allowed.end()) continue;
      d.error(n.key_where[i],
              context.empty() ? "unknown top-level key '" + n.keys[i] + "'" : "unknown key '" + n.keys[i] + "' in '" + context + "'",
              {n.keys[i], allowed, "valid keys"});
    }
    return true;
  }

  std::optional<double> number(const Node& n, const std::string& what) {
    if (n.is_scalar() && !n.quoted) {
      std::string s = n.scalar;
      const std::string l = detail::lowercase(s);
      if (l == ".inf" || l == "+.inf" || l == "inf" || l == "+inf") return std::numeric_limits<double>::infinity();
      if (l == "-.inf" || l == "-inf") return -std::numeric_limits<double>::infinity();
      if (!s.empty() && s[0] == '+') s.erase(0, 1);
      double v = 0.0;
      const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty() && std::isfinite(v)) return v;
    }
    d.error(n.where, "'" + what + "' must be a number, got " + (n.quoted ? "the string " : "") + n.describe());
    return std::nullopt;
  }

  std::optional<double> number_in(const Node& n, const std::string& what, double lo, double hi, bool open_lo,
                                  bool open_hi, const std::string& range_text) {
    const auto v = number(n, what);
    if (!v) return v;
    if ((open_lo ? *v <= lo : *v < lo) || (open_hi ? *v >= hi : *v > hi)) {
      d.error(n.where, "'" + what + "' must be " + range_text + ", got " + n.scalar);
      return std::nullopt;
    }
    return v;
  }

  std::optional<int> integer(const Node& n, const std::string& what, int lo, int hi) {
    if (n.is_scalar() && !n.quoted) {
      long long v = 0;
      const std::string& s = n.scalar;
      const auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec == std::errc() && ptr == s.data() + s.size() && !s.empty()) {
        if (v < lo || v > hi) {
          d.error(n.where, "'" + what + "' must be between " + std::to_string(lo) + " and " + std::to_string(hi) + ", got " + s);
          return std::nullopt;
        }
        return static_cast<int>(v);
      }
    }
    d.error(n.where, "'" + what + "' must be a whole number, got " + (n.quoted ? "the string " : "") + n.describe());
    return std::nullopt;
  }

  std::optional<bool> boolean(const Node& n, const std::string& what) {
    if (n.is_scalar() && !n.quoted) {
      const std::string l = detail::lowercase(n.scalar);
      if (l == "true" || l == "yes" || l == "on") return true;
      if (l == "false" || l == "no" || l == "off") return false;
    }
    d.error(n.where, "'" + what + "' must be true or false, got " + (n.quoted ? "the string " : "") + n.describe());
    return std::nullopt;
  }

  std::optional<std::string> string(const Node& n, const std::string& what, bool allow_empty = false) {
    if (n.is_scalar() && (allow_empty || !n.scalar.empty())) return n.scalar;
    d.error(n.where, "'" + what + "' must be " + (allow_empty ? "a string" : "a non-empty string") + ", got " + n.describe());
    return std::nullopt;
  }

  std::optional<Located<std::string>> located_string(const Node& n, const std::string& what) {
    auto s = string(n, what);
    if (!s) return std::nullopt;
    return Located<std::string>{*s, n.where};
  }

  std::optional<std::string> choice(const Node& n, const std::string& what, const std::vector<std::string>& options) {
    if (n.is_scalar() && std::find(options.begin(), options.end(), n.scalar) != options.end()) return n.scalar;
    const std::string message = "'" + what + "' must be one of " + join(options, " | ") + ", got " + n.describe();
    if (n.is_scalar())
      d.error(n.where, message, {n.scalar, options, ""});
    else
      d.error(n.where, message);
    return std::nullopt;
  }

  /// [lo, hi] with lo < hi.
  std::optional<std::array<double, 2>> interval(const Node& n, const std::string& what) {
    if (!n.is_sequence() || n.items.size() != 2) {
      d.error(n.where, "'" + what + "' must be a list of two numbers [low, high], got " +
                           (n.is_sequence() ? "a list of " + std::to_string(n.items.size()) : n.describe()));
      return std::nullopt;
    }
    const auto lo = number(n.items[0], what + "[0]");
    const auto hi = number(n.items[1], what + "[1]");
    if (!lo || !hi) return std::nullopt;
    if (!(*lo < *hi)) {
      d.error(n.where, "'" + what + "' must have low < high, got [" + n.items[0].scalar + ", " + n.items[1].scalar + "]");
      return std::nullopt;
    }
    return std::array<double, 2>{*lo, *hi};
  }

  /// A list of non-empty strings (a single string reads as a list of one).
  std::vector<Located<std::string>> names(const Node& n, const std::string& what) {
    std::vector<Located<std::string>> out;
    if (n.is_scalar()) {
      if (auto s = located_string(n, what)) out.push_back(*s);
      return out;
    }
    if (!n.is_sequence()) {
      d.error(n.where, "'" + what + "' must be a list of parameter names, got " + n.describe());
      return out;
    }
    for (std::size_t i = 0; i < n.items.size(); ++i)
      if (auto s = located_string(n.items[i], what + "[" + std::to_string(i) + "]")) out.push_back(*s);
    return out;
  }

  /// A path relative to the config's folder, checked to name an existing file.
  std::optional<Located<std::filesystem::path>> file(const Node& n, const std::string& what) {
    const auto s = string(n, what);
    if (!s) return std::nullopt;
    const std::filesystem::path p = (base / *s).lexically_normal();
    std::error_code ec;
    if (!std::filesystem::is_regular_file(p, ec)) {
      d.error(n.where, "'" + what + "': no file '" + *s + "'" +
                           (std::filesystem::path(*s).is_absolute() ? "" : " (paths are relative to the config file's folder)"));
      return std::nullopt;
    }
    return Located<std::filesystem::path>{p, n.where};
  }
};

// --- model --------------------------------------------------------------------------------

std::optional<NllArgument> read_argument(Reader& r, const Node& n, const std::string& what) {
  NllArgument a;
  a.where = n.where;
  if (n.is_scalar()) {
    if (!n.quoted) {
      Diagnostics quiet;
      Reader probe{quiet, r.base};
      if (auto v = probe.number(n, what)) {
        a.values = {*v};
        return a;
      }
    }
    a.is_text = true;
    a.text = n.scalar;
    return a;
  }
  if (n.is_sequence()) {
    const bool matrix = !n.items.empty() && n.items[0].is_sequence();
    std::size_t cols = matrix ? n.items[0].items.size() : 0;
    bool ok = true;
    for (std::size_t i = 0; i < n.items.size(); ++i) {
      const Node& item = n.items[i];
      const std::string w = what + "[" + std::to_string(i) + "]";
      if (matrix) {
        if (!item.is_sequence() || item.items.size() != cols) {
          r.d.error(item.where, "'" + w + "' must be a list of " + std::to_string(cols) + " numbers (a matrix row), got " +
                                    (item.is_sequence() ? "a list of " + std::to_string(item.items.size()) : item.describe()));
          ok = false;
          continue;
        }
        for (std::size_t j = 0; j < item.items.size(); ++j) {
          if (auto v = r.number(item.items[j], w + "[" + std::to_string(j) + "]")) a.values.push_back(*v);
          else ok = false;
        }
      } else if (auto v = r.number(item, w)) {
        a.values.push_back(*v);
      } else {
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    a.shape = matrix ? std::vector<std::size_t>{n.items.size(), cols} : std::vector<std::size_t>{n.items.size()};
    return a;
  }
  r.d.error(n.where, "'" + what + "' must be a number, a list of numbers, a matrix or a string, got " + n.describe());
  return std::nullopt;
}

void read_model(Reader& r, const Node* node, const Location& root_where, ModelConfig& m) {
  if (node == nullptr) {
    r.d.error(root_where, "missing 'model': give 'model: {workspace: file.json}' or 'model: {nll: name}'");
    return;
  }
  m.where = node->where;
  if (!r.keys(*node, "model", kModelKeys)) return;
  if (const Node* n = node->find("workspace")) m.workspace = r.file(*n, "model.workspace");
  if (const Node* n = node->find("measurement")) {
    if (auto s = r.located_string(*n, "model.measurement")) m.measurement = *s;
  }
  if (const Node* n = node->find("patchset")) m.patchset = r.file(*n, "model.patchset");
  if (const Node* n = node->find("patch")) {
    if (n->is_sequence()) {  // values: [200, 100]
      std::string values;
      for (const auto& item : n->items) detail::append_joined(values, ",", item.scalar);
      m.patch = {values, n->where};
    } else if (auto s = r.located_string(*n, "model.patch")) {
      m.patch = *s;
    }
  }
  if (const Node* n = node->find("poi")) {
    if (auto s = r.located_string(*n, "model.poi")) m.poi = *s;
  }
  if (const Node* n = node->find("interpolation")) {
    if (r.keys(*n, "model.interpolation", kInterpolationKeys)) {
      if (const Node* c = n->find("normsys")) {
        if (auto s = r.choice(*c, "model.interpolation.normsys", {"code4", "code1"})) m.normsys_interpolation = *s;
      }
      if (const Node* c = n->find("histosys")) {
        if (auto s = r.choice(*c, "model.interpolation.histosys", {"code4p", "code0", "code2"})) m.histosys_interpolation = *s;
      }
    }
  }
  const NllDefinition* definition = nullptr;
  if (const Node* n = node->find("nll")) {
    if (auto s = r.located_string(*n, "model.nll")) {
      definition = find_nll(s->value);
      if (definition == nullptr) {
        const auto names = registered_nlls();
        r.d.error(n->where, "unknown NLL '" + s->value + "'", {s->value, names, "registered"});
      }
      m.nll = *s;
    }
  }
  if (const Node* n = node->find("parameters")) {
    m.parameter_names_where = n->where;
    m.parameter_names = r.names(*n, "model.parameters");
  }
  if (const Node* n = node->find("data")) {
    m.data_where = n->where;
    std::vector<std::string> allowed;
    if (definition != nullptr)
      for (const auto& a : definition->arguments) allowed.push_back(a.name);
    std::map<std::string, NllArgument> arguments;
    if (!n->is_map() && !n->is_null()) {
      r.d.error(n->where, "'model.data' must be a mapping of argument names to values, got " + n->describe());
    } else {
      for (std::size_t i = 0; i < n->keys.size(); ++i) {
        const std::string& key = n->keys[i];
        if (definition != nullptr && std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
          r.d.error(n->key_where[i], "unknown argument '" + key + "' of NLL '" + m.nll->value + "'",
                    {key, allowed, "arguments"});
          continue;
        }
        if (auto a = read_argument(r, n->items[i], "model.data." + key)) arguments[key] = *a;
      }
    }
    m.data = NllArguments(std::move(arguments));
  }

  // Consistency.
  const bool has_workspace = node->find("workspace") != nullptr;
  const bool has_nll = node->find("nll") != nullptr;
  if (has_workspace && has_nll) {
    r.d.error(node->find("nll")->where, "'model.nll' and 'model.workspace' exclude each other: fit either a workspace or a C++ NLL");
  } else if (!has_workspace && !has_nll) {
    r.d.error(node->where, "'model' needs 'workspace' (a pyhf JSON file) or 'nll' (a registered C++ NLL)");
  }
  if (has_nll) {
    for (const char* key : {"measurement", "patchset", "patch", "interpolation"})
      if (const Node* n = node->find(key))
        r.d.error(n->where, std::string("'model.") + key + "' applies to a workspace, not to a C++ NLL");
    if (definition != nullptr) {
      for (const auto& a : definition->arguments)
        if (a.required && !m.data.has(a.name))
          r.d.error(m.data_where.line > 0 ? m.data_where : node->find("nll")->where,
                    "NLL '" + m.nll->value + "' needs the argument 'model.data." + a.name + "' (" + a.description + ")");
    }
  }
  if (has_workspace) {
    for (const char* key : {"parameters", "data"})
      if (const Node* n = node->find(key))
        r.d.error(n->where, std::string("'model.") + key + "' applies to a C++ NLL, not to a workspace" +
                                (std::string(key) == "parameters" ? " (override parameters in the top-level 'parameters')" : ""));
    const Node* ps = node->find("patchset");
    const Node* p = node->find("patch");
    if (ps != nullptr && p == nullptr) r.d.error(ps->where, "'model.patchset' needs 'model.patch' (the name of the patch to apply)");
    if (p != nullptr && ps == nullptr) r.d.error(p->where, "'model.patch' needs 'model.patchset' (the file holding the patch)");
  }
}

// --- parameters ---------------------------------------------------------------------------

void read_parameters(Reader& r, const Node* node, std::vector<ParameterOverride>& out) {
  if (node == nullptr || node->is_null()) return;
  if (!node->is_map()) {
    r.d.error(node->where, "'parameters' must be a mapping of parameter names (or globs) to settings, got " + node->describe());
    return;
  }
  for (std::size_t i = 0; i < node->keys.size(); ++i) {
    const std::string& name = node->keys[i];
    const std::string context = "parameters." + name;
    const Node& n = node->items[i];
    ParameterOverride o;
    o.pattern = {name, node->key_where[i]};
    o.glob = name.find_first_of("*?") != std::string::npos;
    if (n.is_null()) {
      r.d.error(n.where.line > 0 ? n.where : node->key_where[i], "'" + context + "' is empty: give init, bounds and/or fixed");
      continue;
    }
    if (!r.keys(n, context, kOverrideKeys)) continue;
    if (const Node* v = n.find("init")) {
      if (auto x = r.number(*v, context + ".init")) {
        if (std::isfinite(*x)) o.init = Located<double>{*x, v->where};
        else r.d.error(v->where, "'" + context + ".init' must be finite, got " + v->scalar);
      }
    }
    if (const Node* v = n.find("bounds")) {
      if (auto b = r.interval(*v, context + ".bounds")) o.bounds = Located<std::array<double, 2>>{*b, v->where};
    }
    if (const Node* v = n.find("fixed")) {
      if (auto b = r.boolean(*v, context + ".fixed")) o.fixed = Located<bool>{*b, v->where};
    }
    if (o.init && o.bounds && (o.init->value < o.bounds->value[0] || o.init->value > o.bounds->value[1])) {
      std::ostringstream msg;
      msg << "'" << context << ".init' = " << o.init->value << " is outside its bounds [" << o.bounds->value[0] << ", "
          << o.bounds->value[1] << "]";
      r.d.error(o.init->where, msg.str());
    }
    out.push_back(std::move(o));
  }
}

// --- fit ----------------------------------------------------------------------------------

void read_fit(Reader& r, const Node* node, FitConfig& f) {
  if (node == nullptr || !r.keys(*node, "fit", kFitKeys)) return;
  if (const Node* n = node->find("hessian")) {
    if (auto s = r.choice(*n, "fit.hessian", kHessianStorages)) f.hessian = *fit::parse_hessian_storage(*s);
  }
  if (const Node* n = node->find("minimizer")) {
    if (auto s = r.choice(*n, "fit.minimizer", kMinimizers)) f.minimizer = *fit::parse_method(*s);
  }
  if (const Node* n = node->find("tolerance")) {
    if (auto v = r.number_in(*n, "fit.tolerance", 0.0, 1.0, true, true, "between 0 and 1 (exclusive)")) f.tolerance = *v;
  }
  if (const Node* n = node->find("max_iterations")) {
    if (auto v = r.integer(*n, "fit.max_iterations", 0, 100000000)) f.max_iterations = *v;  // 0: the default
  }
  if (const Node* n = node->find("threads")) {
    if (auto v = r.integer(*n, "fit.threads", 0, 4096)) f.threads = *v;
  }
  if (const Node* n = node->find("max_restarts")) {
    if (auto v = r.integer(*n, "fit.max_restarts", 0, 100)) f.max_restarts = *v;
  }
  if (const Node* n = node->find("background_only")) {
    if (auto v = r.boolean(*n, "fit.background_only")) f.background_only = *v;
  }
  if (const Node* n = node->find("channels")) f.channels = r.names(*n, "fit.channels");
}

// --- uncertainties ------------------------------------------------------------------------

std::vector<double> read_cls(Reader& r, const Node& n, const std::string& what) {
  std::vector<double> out;
  auto one = [&](const Node& item, const std::string& w) {
    if (auto v = r.number_in(item, w, 0.0, 1.0, true, true, "a confidence level between 0 and 1 (e.g. 0.6827, 0.95)"))
      out.push_back(*v);
  };
  if (n.is_sequence()) {
    if (n.items.empty()) r.d.error(n.where, "'" + what + "' must not be empty");
    for (std::size_t i = 0; i < n.items.size(); ++i) one(n.items[i], what + "[" + std::to_string(i) + "]");
  } else {
    one(n, what);
  }
  return out;
}

void read_uncertainties(Reader& r, const Node* node, UncertaintiesConfig& u) {
  // Defaults: MINOS and a 21-point +-3 sigma scan of the POI (dropped silently without a POI).
  u.minos.kind = MinosSelection::Kind::kPoi;
  ScanConfig default_scan;
  default_scan.parameter.value = "poi";
  u.scans = {default_scan};
  if (node == nullptr || !r.keys(*node, "uncertainties", kUncertaintyKeys)) return;

  if (const Node* n = node->find("cl")) {
    u.cl_where = n->where;
    if (auto v = r.number_in(*n, "uncertainties.cl", 0.0, 1.0, true, true, "a confidence level between 0 and 1 (e.g. 0.6827, 0.95)"))
      u.cl = *v;
  }
  if (const Node* n = node->find("minos")) {
    u.minos.where = n->where;
    if (n->is_scalar() && (n->scalar == "all" || n->scalar == "poi" || n->scalar == "none")) {  // quoted too (JSON configs)
      u.minos.kind = n->scalar == "all" ? MinosSelection::Kind::kAll
                     : n->scalar == "poi" ? MinosSelection::Kind::kPoi
                                          : MinosSelection::Kind::kNone;
    } else if (n->is_null() || (n->is_sequence() && n->items.empty())) {
      u.minos.kind = MinosSelection::Kind::kNone;
    } else if (n->is_scalar() && (n->scalar == "true" || n->scalar == "false")) {
      r.d.error(n->where, "'uncertainties.minos' must be all, poi, none or a list of parameter names, got " + n->describe());
    } else {
      u.minos.kind = MinosSelection::Kind::kList;
      u.minos.names = r.names(*n, "uncertainties.minos");
    }
  }
  if (const Node* n = node->find("scans")) {
    u.scans.clear();
    if (!n->is_null() && !n->is_sequence()) {
      r.d.error(n->where, "'uncertainties.scans' must be a list of scans ({parameter: name, range: [lo, hi], points: n} or a name), got " +
                              n->describe());
    }
    for (std::size_t i = 0; n->is_sequence() && i < n->items.size(); ++i) {
      const Node& item = n->items[i];
      const std::string w = "uncertainties.scans[" + std::to_string(i) + "]";
      ScanConfig s;
      s.where = item.where;
      if (item.is_scalar()) {
        if (auto p = r.located_string(item, w)) s.parameter = *p;
        u.scans.push_back(s);
        continue;
      }
      if (!item.is_map()) {
        r.d.error(item.where, "'" + w + "' must be a parameter name or {parameter: name, range: [lo, hi], points: n}, got " + item.describe());
        continue;
      }
      if (!r.keys(item, w, kScanKeys)) continue;
      if (const Node* p = item.find("parameter")) {
        if (auto v = r.located_string(*p, w + ".parameter")) s.parameter = *v;
      } else {
        r.d.error(item.where, "'" + w + "' needs 'parameter'");
      }
      if (const Node* p = item.find("range")) {
        if (auto v = r.interval(*p, w + ".range")) s.range = Located<std::array<double, 2>>{*v, p->where};
      }
      if (const Node* p = item.find("points")) {
        if (auto v = r.integer(*p, w + ".points", 2, 10000)) s.points = *v;
      }
      if (const Node* p = item.find("width")) {
        if (auto v = r.number_in(*p, w + ".width", 0.0, 1e6, true, false, "a positive number of standard deviations")) s.width = *v;
        if (item.find("range") != nullptr)
          r.d.error(p->where, "'" + w + ".width' and '" + w + ".range' exclude each other: give the range, or its width in standard deviations");
      }
      u.scans.push_back(s);
    }
  }
  if (const Node* n = node->find("contours")) {
    if (!n->is_null() && !n->is_sequence())
      r.d.error(n->where, "'uncertainties.contours' must be a list of {parameters: [a, b], cl: [...]}, got " + n->describe());
    for (std::size_t i = 0; n->is_sequence() && i < n->items.size(); ++i) {
      const Node& item = n->items[i];
      const std::string w = "uncertainties.contours[" + std::to_string(i) + "]";
      ContourConfig c;
      c.where = item.where;
      if (!item.is_map()) {
        r.d.error(item.where, "'" + w + "' must be {parameters: [a, b], cl: [...], points: n}, got " + item.describe());
        continue;
      }
      if (!r.keys(item, w, kContourKeys)) continue;
      if (const Node* p = item.find("parameters")) {
        auto names = r.names(*p, w + ".parameters");
        if (!p->is_sequence() || p->items.size() != 2) {
          r.d.error(p->where, "'" + w + ".parameters' must name exactly two parameters, got " +
                                  (p->is_sequence() ? std::to_string(p->items.size()) : p->describe()));
        } else if (names.size() == 2) {
          if (names[0].value == names[1].value)
            r.d.error(p->where, "'" + w + ".parameters' names '" + names[0].value + "' twice; a contour needs two different parameters");
          c.parameters = {names[0], names[1]};
        }
      } else {
        r.d.error(item.where, "'" + w + "' needs 'parameters: [a, b]'");
      }
      if (const Node* p = item.find("cl")) c.cl = read_cls(r, *p, w + ".cl");
      if (const Node* p = item.find("points")) {
        if (auto v = r.integer(*p, w + ".points", 4, 10000)) c.points = *v;
      }
      u.contours.push_back(c);
    }
  }
  if (const Node* n = node->find("impacts")) {
    u.impacts.where = n->where;
    if (n->is_scalar()) {
      if (auto b = r.boolean(*n, "uncertainties.impacts")) u.impacts.enabled = *b;
    } else if (n->is_map()) {
      u.impacts.enabled = true;
      if (r.keys(*n, "uncertainties.impacts", kImpactKeys)) {
        if (const Node* p = n->find("poi")) {
          if (auto v = r.located_string(*p, "uncertainties.impacts.poi")) u.impacts.poi = *v;
        }
        if (const Node* p = n->find("parameters")) u.impacts.parameters = r.names(*p, "uncertainties.impacts.parameters");
        if (const Node* p = n->find("prefit")) {
          if (auto b = r.boolean(*p, "uncertainties.impacts.prefit")) u.impacts.prefit = *b;
        }
      }
    } else if (!n->is_null()) {
      r.d.error(n->where, "'uncertainties.impacts' must be true, false or {poi: name, parameters: [...], prefit: true}, got " + n->describe());
    }
  }
  if (const Node* n = node->find("breakdown")) {
    BreakdownConfig& b = u.breakdown;
    b.where = n->where;
    if (n->is_scalar()) {
      if (auto v = r.boolean(*n, "uncertainties.breakdown")) b.enabled = *v;
    } else if (n->is_map()) {
      if (r.keys(*n, "uncertainties.breakdown", kBreakdownKeys)) {
        if (const Node* g = n->find("groups")) {
          if (!g->is_map()) {
            r.d.error(g->where, "'uncertainties.breakdown.groups' must map group names to parameter names/globs ({JES: [\"JET_*\"]}), got " +
                                    g->describe());
          } else {
            for (std::size_t i = 0; i < g->keys.size(); ++i) {
              const std::string w = "uncertainties.breakdown.groups." + g->keys[i];
              BreakdownGroupConfig group{{g->keys[i], g->key_where[i]}, r.names(g->items[i], w)};
              if (group.patterns.empty()) r.d.error(g->items[i].where, "'" + w + "' names no parameters");
              b.groups.push_back(std::move(group));
            }
          }
        }
        if (const Node* m = n->find("minos")) {
          if (auto v = r.boolean(*m, "uncertainties.breakdown.minos")) b.minos = *v;
        }
      }
    } else if (!n->is_null()) {
      r.d.error(n->where, "'uncertainties.breakdown' must be true, false or {groups: {name: [parameters]}, minos: false}, got " + n->describe());
    }
  }
  for (auto& c : u.contours)
    if (c.cl.empty()) c.cl = {u.cl};
}

// --- inference ----------------------------------------------------------------------------

void read_inference(Reader& r, const Node* node, InferenceConfig& inf) {
  if (node == nullptr) return;
  inf.where = node->where;
  if (!r.keys(*node, "inference", kInferenceKeys)) return;
  if (const Node* n = node->find("test_statistic")) {
    if (auto s = r.choice(*n, "inference.test_statistic", kTestStatistics)) inf.test_statistic = *infer::parse_test_statistic(*s);
  }
  if (const Node* n = node->find("asimov")) {
    if (auto s = r.choice(*n, "inference.asimov", {"postfit", "prefit"})) inf.asimov = *infer::parse_asimov_type(*s);
  }
  if (const Node* n = node->find("hypotest")) {
    if (n->is_sequence()) {
      if (n->items.empty()) r.d.error(n->where, "'inference.hypotest' must not be empty: give the POI values to test");
      for (std::size_t i = 0; i < n->items.size(); ++i)
        if (auto v = r.number(n->items[i], "inference.hypotest[" + std::to_string(i) + "]"))
          inf.hypotest.push_back({*v, n->items[i].where});
    } else if (auto v = r.number(*n, "inference.hypotest")) {
      inf.hypotest.push_back({*v, n->where});
    }
  }
  if (const Node* n = node->find("limit")) {
    LimitConfig& l = inf.limit;
    l.where = n->where;
    if (n->is_scalar()) {
      if (auto b = r.boolean(*n, "inference.limit")) l.enabled = *b;
    } else if (n->is_map()) {
      l.enabled = true;
      if (r.keys(*n, "inference.limit", kLimitKeys)) {
        if (const Node* c = n->find("cl")) {
          if (auto v = r.number_in(*c, "inference.limit.cl", 0.0, 1.0, true, true, "a confidence level between 0 and 1 (e.g. 0.95)"))
            l.cl = *v;
        }
        if (const Node* sc = n->find("scan")) {
          if (sc->is_scalar() && (sc->scalar == "none" || (!sc->quoted && sc->scalar == "false"))) {
            l.scan_points = 0;
          } else if (r.keys(*sc, "inference.limit.scan", kLimitScanKeys)) {
            if (const Node* p = sc->find("range")) {
              if (auto v = r.interval(*p, "inference.limit.scan.range")) l.scan_range = Located<std::array<double, 2>>{*v, p->where};
            }
            if (const Node* p = sc->find("points")) {
              if (auto v = r.integer(*p, "inference.limit.scan.points", 2, 10000)) l.scan_points = *v;
            }
          }
        }
      }
    } else if (!n->is_null()) {
      r.d.error(n->where, "'inference.limit' must be true, false or {cl: 0.95, scan: {range: [lo, hi], points: n}}, got " + n->describe());
    }
  }
  if (const Node* n = node->find("significance")) {
    inf.significance_where = n->where;
    if (auto b = r.boolean(*n, "inference.significance")) inf.significance = *b;
  }
  if (inf.limit.enabled && !infer::has_cls(inf.test_statistic))
    r.d.error(inf.limit.where, "'inference.limit' needs a CLs test statistic (qtilde or q), not '" +
                                   infer::to_string(inf.test_statistic) + "'");
  if (inf.limit.enabled && inf.test_statistic == infer::TestStatistic::kQ0)
    r.d.error(inf.limit.where, "'inference.limit' needs a CLs test statistic (qtilde or q), not 'q0' (a discovery test)");
}

// --- grid ---------------------------------------------------------------------------------

void read_grid(Reader& r, const Node* node, infer::TestStatistic statistic, GridConfig& g) {
  if (node == nullptr) return;
  g.where = node->where;
  if (!r.keys(*node, "grid", kGridKeys)) return;
  if (const Node* n = node->find("patchset")) g.patchset = r.file(*n, "grid.patchset");
  else r.d.error(node->where, "'grid' needs 'patchset' (the pyhf patchset.json whose patches are the grid points)");
  if (const Node* n = node->find("patches")) {
    if (auto s = r.located_string(*n, "grid.patches")) g.patches = *s;
  }
  if (const Node* n = node->find("mu")) {
    g.mu_where = n->where;
    if (auto v = r.number(*n, "grid.mu")) g.mu = *v;
  }
  if (const Node* n = node->find("limits")) {
    if (auto b = r.boolean(*n, "grid.limits")) g.limits = *b;
  }
  if (const Node* n = node->find("cl")) {
    if (auto v = r.number_in(*n, "grid.cl", 0.0, 1.0, true, true, "a confidence level between 0 and 1 (e.g. 0.95)")) g.cl = *v;
  }
  if (const Node* n = node->find("axes")) {
    if (!n->is_sequence() || n->items.size() != 2) {
      r.d.error(n->where, "'grid.axes' must name two of the patchset's labels, e.g. [m1, m2], got " + n->describe());
    } else {
      for (std::size_t i = 0; i < 2; ++i)
        if (auto s = r.located_string(n->items[i], "grid.axes[" + std::to_string(i) + "]")) g.axes.push_back(*s);
    }
  }
  if (!infer::has_cls(statistic) || statistic == infer::TestStatistic::kQ0)
    r.d.error(node->where, "'grid' needs a CLs test statistic in 'inference.test_statistic' (qtilde or q), not '" +
                               infer::to_string(statistic) + "'");
}

// --- toys ---------------------------------------------------------------------------------

void read_toys(Reader& r, const Node* node, ToysConfig& t) {
  if (node == nullptr) return;
  t.where = node->where;
  if (!r.keys(*node, "toys", kToysKeys)) return;
  if (const Node* n = node->find("ntoys")) {
    if (auto v = r.integer(*n, "toys.ntoys", 1, 100000000)) t.ntoys = *v;
  }
  if (const Node* n = node->find("seed")) {
    if (auto v = r.number(*n, "toys.seed")) {
      if (*v < 0 || *v > 9007199254740992.0 || std::floor(*v) != *v)
        r.d.error(n->where, "'toys.seed' must be a whole number between 0 and 2^53, got " + n->scalar);
      else t.seed = static_cast<std::uint64_t>(*v);
    }
  }
  if (const Node* n = node->find("test_statistic")) {
    if (auto s = r.choice(*n, "toys.test_statistic", {"qtilde", "q", "q0"})) t.test_statistic = *infer::parse_test_statistic(*s);
  }
  if (const Node* n = node->find("hypotest")) {
    if (n->is_sequence()) {
      if (n->items.empty()) r.d.error(n->where, "'toys.hypotest' must not be empty: give the POI values to test");
      for (std::size_t i = 0; i < n->items.size(); ++i)
        if (auto v = r.number(n->items[i], "toys.hypotest[" + std::to_string(i) + "]")) t.hypotest.push_back({*v, n->items[i].where});
    } else if (auto v = r.number(*n, "toys.hypotest")) {
      t.hypotest.push_back({*v, n->where});
    }
  }
  if (const Node* n = node->find("limit")) {
    t.limit_where = n->where;
    if (n->is_scalar()) {
      if (auto b = r.boolean(*n, "toys.limit")) t.limit = *b;
    } else if (n->is_map()) {
      t.limit = true;
      if (r.keys(*n, "toys.limit", kToysLimitKeys)) {
        if (const Node* c = n->find("cl")) {
          if (auto v = r.number_in(*c, "toys.limit.cl", 0.0, 1.0, true, true, "a confidence level between 0 and 1 (e.g. 0.95)")) t.cl = *v;
        }
        if (const Node* g = n->find("grid")) {
          if (r.keys(*g, "toys.limit.grid", kLimitScanKeys)) {
            if (const Node* p = g->find("range")) {
              if (auto v = r.interval(*p, "toys.limit.grid.range")) t.grid_range = Located<std::array<double, 2>>{*v, p->where};
            }
            if (const Node* p = g->find("points")) {
              if (auto v = r.integer(*p, "toys.limit.grid.points", 2, 1000)) t.grid_points = *v;
            }
          }
        }
      }
    } else if (!n->is_null()) {
      r.d.error(n->where, "'toys.limit' must be true, false or {cl: 0.95, grid: {range: [lo, hi], points: n}}, got " + n->describe());
    }
  }
  if (const Node* n = node->find("significance")) {
    t.significance_where = n->where;
    if (auto b = r.boolean(*n, "toys.significance")) t.significance = *b;
  }
  if (const Node* n = node->find("pulls")) {
    if (n->is_scalar()) {
      if (auto b = r.boolean(*n, "toys.pulls")) t.pulls = *b;
    } else if (n->is_map()) {
      t.pulls = true;
      if (r.keys(*n, "toys.pulls", kToysPullKeys)) {
        if (const Node* p = n->find("parameters")) t.pull_parameters = r.names(*p, "toys.pulls.parameters");
        if (const Node* p = n->find("minos")) {
          if (auto b = r.boolean(*p, "toys.pulls.minos")) t.pull_minos = *b;
        }
      }
    } else if (!n->is_null()) {
      r.d.error(n->where, "'toys.pulls' must be true, false or {parameters: [names], minos: false}, got " + n->describe());
    }
  }
  if (const Node* n = node->find("gof")) {
    if (auto b = r.boolean(*n, "toys.gof")) t.gof = *b;
  }
  if (const Node* n = node->find("cls_accuracy")) {
    if (auto v = r.number_in(*n, "toys.cls_accuracy", 0.0, 1.0, false, true, "between 0 (off) and 1, e.g. 0.005")) t.cls_accuracy = *v;
  }
  if (const Node* n = node->find("max_toys")) {
    if (auto v = r.integer(*n, "toys.max_toys", 1, 100000000)) t.max_toys = *v;
  }
}

// --- output -------------------------------------------------------------------------------

template <class Apply>
void read_selection(Reader& r, const Node& n, const std::string& what, const std::vector<std::string>& options, Apply apply) {
  if (n.is_scalar() && (n.scalar == "all" || n.scalar == "none")) {  // quoted too: a config written as JSON quotes every string
    for (const auto& o : options) apply(o, n.scalar == "all");
    return;
  }
  if (n.is_null() || (n.is_sequence() && n.items.empty())) {
    for (const auto& o : options) apply(o, false);
    return;
  }
  if (!n.is_sequence()) {
    r.d.error(n.where, "'" + what + "' must be all, none or a list of " + join(options, " | ") + ", got " + n.describe());
    return;
  }
  std::vector<std::string> chosen;
  for (std::size_t i = 0; i < n.items.size(); ++i) {
    if (auto s = r.choice(n.items[i], what + "[" + std::to_string(i) + "]", options)) chosen.push_back(*s);
  }
  for (const auto& o : options) apply(o, std::find(chosen.begin(), chosen.end(), o) != chosen.end());
}

void read_output(Reader& r, const Node* node, const std::filesystem::path& base, OutputConfig& o) {
  o.directory = (base / "results").lexically_normal();
  if (node == nullptr || !r.keys(*node, "output", kOutputKeys)) return;
  if (const Node* n = node->find("directory")) {
    if (auto s = r.string(*n, "output.directory")) o.directory = (base / *s).lexically_normal();
  }
  if (const Node* n = node->find("formats")) {
    read_selection(r, *n, "output.formats", kFormats, [&](const std::string& f, bool on) {
      (f == "text" ? o.text : f == "json" ? o.json : o.markdown) = on;
    });
  }
  if (const Node* n = node->find("plots")) {
    o.plots.clear();
    read_selection(r, *n, "output.plots", kPlots, [&](const std::string& p, bool on) {
      if (!on) return;
      o.plots.push_back(p == "pulls" ? Plot::kPulls : p == "correlation" ? Plot::kCorrelation : p == "scans" ? Plot::kScans
                                                    : p == "contours"  ? Plot::kContours
                                                    : p == "impacts"   ? Plot::kImpacts
                                                    : p == "cls"       ? Plot::kCls
                                                                       : Plot::kYields);
    });
  }
  if (const Node* n = node->find("correlation_max_parameters")) {
    if (auto v = r.integer(*n, "output.correlation_max_parameters", 2, 1000)) o.correlation_max_parameters = *v;
  }
  if (const Node* n = node->find("impacts_max_parameters")) {
    if (auto v = r.integer(*n, "output.impacts_max_parameters", 1, 1000)) o.impacts_max_parameters = *v;
  }
  if (const Node* n = node->find("full_covariance")) {
    if (auto v = r.boolean(*n, "output.full_covariance")) o.full_covariance = *v;
  }
  if (const Node* n = node->find("yields")) {
    if (auto v = r.boolean(*n, "output.yields")) o.yields = *v;
  }
  if (const Node* n = node->find("bin_edges")) {
    if (!n->is_map()) {
      r.d.error(n->where, "'output.bin_edges' must map channel names to bin edges ({SR: [0, 50, 100]}), got " + n->describe());
    } else {
      for (std::size_t i = 0; i < n->keys.size(); ++i) {
        const Node& e = n->items[i];
        const std::string w = "output.bin_edges." + n->keys[i];
        std::vector<double> edges;
        if (!e.is_sequence() || e.items.size() < 2) {
          r.d.error(e.where, "'" + w + "' must be a list of at least 2 bin edges, got " + e.describe());
          continue;
        }
        bool ok = true;
        for (std::size_t k = 0; k < e.items.size(); ++k) {
          auto v = r.number_in(e.items[k], w + "[" + std::to_string(k) + "]", -1e300, 1e300, false, false, "a finite number");
          if (!v) {
            ok = false;
            continue;
          }
          if (!edges.empty() && !(*v > edges.back())) {
            r.d.error(e.items[k].where, "'" + w + "' must ascend: " + e.items[k].scalar + " follows " + e.items[k - 1].scalar);
            ok = false;
          }
          edges.push_back(*v);
        }
        if (ok) o.bin_edges.push_back({{n->keys[i], n->key_where[i]}, edges});
      }
    }
  }
}

Config read_config(const Node& root, const std::string& source, const std::filesystem::path& base_directory,
                   const std::filesystem::path& output_base, Diagnostics& d) {
  Config c;
  c.source = source;
  Reader r{d, base_directory};
  if (root.is_null() && !d.ok()) return c;  // unreadable YAML: reported already
  if (root.is_null()) {
    d.error(root.where, "the config is empty: it needs at least 'model: {workspace: file.json}'");
    read_uncertainties(r, nullptr, c.uncertainties);
    read_output(r, nullptr, output_base, c.output);
    return c;
  }
  if (!r.keys(root, "", kTopKeys)) return c;
  if (const Node* n = root.find("title")) {
    if (auto t = r.string(*n, "title")) c.title = *t;
  }
  if (const Node* n = root.find("version")) {
    if (auto v = r.integer(*n, "version", 0, 1000000); v && *v != kConfigSchemaVersion)
      d.error(n->where, "this hessfit reads config version " + std::to_string(kConfigSchemaVersion) + ", the file says " + n->scalar);
  }
  read_model(r, root.find("model"), root.where, c.model);
  read_parameters(r, root.find("parameters"), c.parameters);
  read_fit(r, root.find("fit"), c.fit);
  read_uncertainties(r, root.find("uncertainties"), c.uncertainties);
  read_inference(r, root.find("inference"), c.inference);
  read_grid(r, root.find("grid"), c.inference.test_statistic, c.grid);
  read_toys(r, root.find("toys"), c.toys);
  if (c.toys.requested() && !c.toys.test_statistic) c.toys.test_statistic = c.inference.test_statistic;
  if (c.toys.limit && c.toys.test_statistic.value_or(c.inference.test_statistic) != infer::TestStatistic::kQTildeMu &&
      c.toys.test_statistic.value_or(c.inference.test_statistic) != infer::TestStatistic::kQMu)
    d.error(c.toys.limit_where, "'toys.limit' needs a CLs test statistic (qtilde or q)");
  read_output(r, root.find("output"), output_base, c.output);
  return c;
}

}  // namespace

Config load_config(const std::filesystem::path& file, const std::vector<std::string>& sets, Diagnostics& d) {
  const std::string source = file.string();
  const bool workspace_only = file.extension() == ".json";
  std::string text;
  const auto unreadable = [&](const std::string& why) {
    d.error({source, 0, 0}, why);
    Config c;
    c.file = file;
    c.source = source;
    return c;
  };
  // Names travel into results.json and report.md, which are UTF-8: refuse them here, before the fit.
  if (find_invalid_utf8(source) != std::string::npos)
    return unreadable("the file name is not valid UTF-8; rename the file");
  if (workspace_only) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) return unreadable("no such file");
  } else {
    try {
      text = read_input_file(file, kMaxConfigBytes);
    } catch (const InputFileError& e) {
      return unreadable(e.what());
    }
  }
  Node root;
  std::filesystem::path base;
  std::filesystem::path output_base;
  if (workspace_only) {
    // A workspace fitted with the defaults: paths as typed (relative to the current folder).
    Node workspace{Node::Kind::kScalar, source, true, {}, {}, {}, {source, 0, 0}};
    Node model{Node::Kind::kMap, {}, false, {workspace}, {"workspace"}, {Location{source, 0, 0}}, {source, 0, 0}};
    root = Node{Node::Kind::kMap, {}, false, {model}, {"model"}, {Location{source, 0, 0}}, {source, 0, 0}};
    base = ".";
    output_base = ".";
  } else {
    root = detail::parse_yaml(text, source, d);
    base = file.parent_path();
    if (base.empty()) base = ".";
    output_base = base;
  }
  for (const auto& s : sets) detail::apply_set(root, s, d);
  Config c = read_config(root, source, base, output_base, d);
  c.file = file;
  c.workspace_only = workspace_only;
  if (c.title.empty())
    c.title = workspace_only && file.has_parent_path() && !file.parent_path().filename().empty()
                  ? (file.parent_path().filename() / file.filename()).generic_string()
                  : file.stem().string();
  return c;
}

Config load_config(const std::filesystem::path& file, const std::vector<std::string>& sets) {
  Diagnostics d;
  Config c = load_config(file, sets, d);
  d.check();
  return c;
}

Config parse_config(const std::string& yaml, const std::string& source, const std::filesystem::path& base_directory,
                    const std::vector<std::string>& sets) {
  Diagnostics d;
  Node root = detail::parse_yaml(yaml, source, d);
  for (const auto& s : sets) detail::apply_set(root, s, d);
  Config c = read_config(root, source, base_directory, base_directory, d);
  c.file = base_directory / source;
  if (c.title.empty()) c.title = std::filesystem::path(source).stem().string();
  d.check();
  return c;
}

// --- the resolved config as JSON ----------------------------------------------------------

nlohmann::json to_json(const Config& c) {
  using nlohmann::json;
  json model = json::object();
  if (c.model.workspace) {
    model["workspace"] = c.model.workspace->value.generic_string();
    model["measurement"] = c.model.measurement.value.empty() ? json(nullptr) : json(c.model.measurement.value);
    if (c.model.patchset) {
      model["patchset"] = c.model.patchset->value.generic_string();
      model["patch"] = c.model.patch.value;
    }
    model["interpolation"] = {{"normsys", c.model.normsys_interpolation}, {"histosys", c.model.histosys_interpolation}};
  }
  if (c.model.nll) {
    model["nll"] = c.model.nll->value;
    json names = json::array();
    for (const auto& n : c.model.parameter_names) names.push_back(n.value);
    model["parameters"] = names;
    json data = json::object();
    for (const auto& [key, a] : c.model.data.all()) {
      if (a.is_text) data[key] = a.text;
      else if (a.shape.empty()) data[key] = a.values.empty() ? 0.0 : a.values[0];
      else if (a.shape.size() == 1) data[key] = a.values;
      else {
        json rows = json::array();
        for (std::size_t i = 0; i < a.shape[0]; ++i)
          rows.push_back(std::vector<double>(a.values.begin() + static_cast<std::ptrdiff_t>(i * a.shape[1]),
                                             a.values.begin() + static_cast<std::ptrdiff_t>((i + 1) * a.shape[1])));
        data[key] = rows;
      }
    }
    model["data"] = data;
  }
  model["poi"] = c.model.poi.value.empty() ? json(nullptr) : json(c.model.poi.value);

  json parameters = json::object();
  for (const auto& o : c.parameters) {
    json p = json::object();
    if (o.init) p["init"] = o.init->value;
    if (o.bounds) p["bounds"] = {o.bounds->value[0], o.bounds->value[1]};
    if (o.fixed) p["fixed"] = o.fixed->value;
    parameters[o.pattern.value] = p;
  }

  json minos;
  switch (c.uncertainties.minos.kind) {
    case MinosSelection::Kind::kNone: minos = "none"; break;
    case MinosSelection::Kind::kPoi: minos = "poi"; break;
    case MinosSelection::Kind::kAll: minos = "all"; break;
    case MinosSelection::Kind::kList:
      minos = json::array();
      for (const auto& n : c.uncertainties.minos.names) minos.push_back(n.value);
      break;
  }
  json scans = json::array();
  for (const auto& s : c.uncertainties.scans) {
    json j = {{"parameter", s.parameter.value}, {"points", s.points}};
    if (s.range) j["range"] = {s.range->value[0], s.range->value[1]};
    else j["width"] = s.width;
    scans.push_back(j);
  }
  json contours = json::array();
  for (const auto& k : c.uncertainties.contours)
    contours.push_back({{"parameters", {k.parameters[0].value, k.parameters[1].value}}, {"cl", k.cl}, {"points", k.points}});
  json impacts = false;
  if (c.uncertainties.impacts.enabled) {
    json names = json::array();
    for (const auto& n : c.uncertainties.impacts.parameters) names.push_back(n.value);
    impacts = {{"poi", c.uncertainties.impacts.poi.value.empty() ? json(nullptr) : json(c.uncertainties.impacts.poi.value)},
               {"parameters", names.empty() ? json("all constrained") : names},
               {"prefit", c.uncertainties.impacts.prefit}};
  }
  json breakdown = c.uncertainties.breakdown.enabled;
  if (c.uncertainties.breakdown.enabled) {
    json groups = json::object();
    for (const auto& g : c.uncertainties.breakdown.groups) {
      json names = json::array();
      for (const auto& p : g.patterns) names.push_back(p.value);
      groups[g.name.value] = names;
    }
    breakdown = {{"groups", c.uncertainties.breakdown.groups.empty() ? json("by modifier type") : groups},
                 {"minos", c.uncertainties.breakdown.minos}};
  }
  json fit_channels = json::array();
  for (const auto& ch : c.fit.channels) fit_channels.push_back(ch.value);
  json bin_edges = json::object();
  for (const auto& [name, edges] : c.output.bin_edges) bin_edges[name.value] = edges;
  json inference = nullptr;
  if (c.inference.requested()) {
    json values = json::array();
    for (const auto& v : c.inference.hypotest) values.push_back(v.value);
    json limit = false;
    if (c.inference.limit.enabled) {
      json scan = nullptr;
      if (c.inference.limit.scan_points > 0) {
        scan = {{"points", c.inference.limit.scan_points}};
        scan["range"] = c.inference.limit.scan_range
                            ? json{c.inference.limit.scan_range->value[0], c.inference.limit.scan_range->value[1]}
                            : json("auto");
      }
      limit = {{"cl", c.inference.limit.cl}, {"scan", scan}};
    }
    inference = {{"test_statistic", infer::to_string(c.inference.test_statistic)},
                 {"asimov", infer::to_string(c.inference.asimov)},
                 {"hypotest", values},
                 {"limit", limit},
                 {"significance", c.inference.significance}};
  }
  json grid = nullptr;
  if (c.grid.requested()) {
    json axes = json::array();
    for (const auto& a : c.grid.axes) axes.push_back(a.value);
    grid = {{"patchset", c.grid.patchset->value.generic_string()},
            {"patches", c.grid.patches.value},
            {"mu", c.grid.mu},
            {"limits", c.grid.limits},
            {"cl", c.grid.cl},
            {"axes", axes.empty() ? json("the first two labels") : axes}};
  }
  json toys = nullptr;
  if (c.toys.requested()) {
    json values = json::array();
    for (const auto& v : c.toys.hypotest) values.push_back(v.value);
    json limit = false;
    if (c.toys.limit)
      limit = {{"cl", c.toys.cl},
               {"grid",
                {{"range", c.toys.grid_range ? json{c.toys.grid_range->value[0], c.toys.grid_range->value[1]} : json("auto")},
                 {"points", c.toys.grid_points}}}};
    json pull_names = json::array();
    for (const auto& n : c.toys.pull_parameters) pull_names.push_back(n.value);
    toys = {{"ntoys", c.toys.ntoys},
            {"seed", c.toys.seed},
            {"test_statistic", infer::to_string(c.toys.test_statistic.value_or(c.inference.test_statistic))},
            {"hypotest", values},
            {"limit", limit},
            {"significance", c.toys.significance},
            {"pulls", c.toys.pulls ? json{{"parameters", pull_names.empty() ? json("all free") : pull_names},
                                          {"minos", c.toys.pull_minos}}
                                   : json(false)},
            {"gof", c.toys.gof},
            {"cls_accuracy", c.toys.cls_accuracy},
            {"max_toys", c.toys.max_toys}};
  }
  json formats = json::array();
  if (c.output.text) formats.push_back("text");
  if (c.output.json) formats.push_back("json");
  if (c.output.markdown) formats.push_back("markdown");
  json plots = json::array();
  for (const Plot p : c.output.plots) plots.push_back(to_string(p));

  json out = {{"version", kConfigSchemaVersion},
          {"title", c.title},
          {"source", c.source},
          {"model", model},
          {"parameters", parameters},
          {"fit",
           {{"minimizer", fit::to_string(c.fit.minimizer)},
            {"tolerance", c.fit.tolerance},
            {"max_iterations", c.fit.max_iterations},
            {"threads", c.fit.threads},
            {"max_restarts", c.fit.max_restarts},
            {"hessian", fit::to_string(c.fit.hessian)},
            {"background_only", c.fit.background_only},
            {"channels", fit_channels}}},
          {"uncertainties",
           {{"cl", c.uncertainties.cl},
            {"minos", minos},
            {"scans", scans},
            {"contours", contours},
            {"impacts", impacts},
            {"breakdown", breakdown}}},
          {"inference", inference},
          {"toys", toys},
          {"output",
           {{"directory", c.output.directory.generic_string()},
            {"formats", formats},
            {"plots", plots},
            {"correlation_max_parameters", c.output.correlation_max_parameters},
            {"impacts_max_parameters", c.output.impacts_max_parameters},
            {"full_covariance", c.output.full_covariance},
            {"yields", c.output.yields},
            {"bin_edges", bin_edges}}}};
  if (!grid.is_null()) out["grid"] = grid;  // only in configs that have one (results.json of `fit` unchanged)
  return out;
}

}  // namespace hessfit::configs
