// hessfit.Workspace and hessfit.Model: a pyhf workspace read and validated (every problem named by
// file and JSON path, as the command reports it), its models with pyhf's parameter order and
// defaults, and the NLL = -log L (pyhf's -logpdf, constants kept) with its exact gradient and
// Hessian by automatic differentiation (reverse mode, forward-over-reverse), NumPy in and out.
#include <pybind11/stl.h>

#include <algorithm>
#include <array>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>

#include "bindings.hpp"
#include "hessfit/likelihood/patchset.hpp"
#include "hessfit/likelihood/workspace.hpp"

namespace hessfit::python {

Model::Model(configs::Config config, configs::FitSetup base)
    : config_(std::move(config)), base_(std::move(base)), setup_(prepare(config_, *this)) {}

configs::FitSetup prepare(const configs::Config& config, const Model& model) {
  configs::Diagnostics d;
  auto setup = configs::prepare_fit(config, model.base(), d);
  d.check();
  if (!setup) throw configs::ConfigError({{configs::Location{config.source, 0, 0}, "the model could not be prepared"}});
  return std::move(*setup);
}

void Model::add_override(configs::ParameterOverride override_) {
  configs::Config config = config_;
  config.parameters.push_back(std::move(override_));
  configs::FitSetup setup = prepare(config, *this);
  config_ = std::move(config);
  setup_ = std::move(setup);
}

std::string data_layout(const Model& m) {
  const infer::Model& im = m.setup().model;
  if (const likelihood::Model* h = im.histfactory())
    return std::to_string(h->main_bins()) + " main bins then " + std::to_string(h->aux_parameters().size()) +
           " auxiliary data, as model.observed_data";
  return "as model.observed_data";
}

std::pair<std::shared_ptr<Model>, Eigen::VectorXd> data_and_model(py::handle data, py::handle model, const std::string& call) {
  std::shared_ptr<Model> m;
  py::handle d = data;
  if (model.is_none() && py::isinstance<Model>(data)) {
    m = data.cast<std::shared_ptr<Model>>();
    d = py::none();
  } else if (py::isinstance<Model>(model)) {
    m = model.cast<std::shared_ptr<Model>>();
  } else {
    throw py::type_error(call + ": expected a hessfit.Model (from Workspace.model()) as the model, got " +
                         std::string(py::str(model.get_type().attr("__name__"))));
  }
  const infer::Model& im = m->setup().model;
  if (d.is_none()) return {m, im.observed_data()};
  return {m, vector_argument(d, "data", static_cast<Eigen::Index>(im.data_size()), data_layout(*m))};
}

namespace {

/// A workspace and, if it was read from a file, the file (the config's `model.workspace`).
struct Workspace {
  likelihood::Workspace ws;
  std::optional<std::filesystem::path> file;
};

Workspace load_workspace(py::handle path) {
  const std::string p = path_argument(path);
  py::gil_scoped_release release;
  return {likelihood::Workspace::load(p), std::filesystem::path(p).lexically_normal()};
}

Workspace workspace_from(py::handle document) {
  if (py::isinstance<py::str>(document)) {
    const std::string text = py::str(document);
    py::gil_scoped_release release;
    return {likelihood::Workspace::parse(text, "workspace"), std::nullopt};
  }
  if (py::hasattr(document, "__fspath__")) return load_workspace(document);
  if (!py::isinstance<py::dict>(document))
    throw py::type_error("hessfit.Workspace: expected a pyhf workspace as a dict or JSON text (or Workspace.load(path)), got " +
                         std::string(py::str(document.get_type().attr("__name__"))));
  nlohmann::json json = to_json(document);
  py::gil_scoped_release release;
  return {likelihood::Workspace::from_json(std::move(json), "workspace"), std::nullopt};
}

likelihood::Interpolation interpolation(const std::string& text, const std::string& what, const std::vector<std::string>& allowed) {
  const auto code = likelihood::parse_interpolation(text);
  if (!code || std::find(allowed.begin(), allowed.end(), text) == allowed.end()) {
    std::string list;
    for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
    throw configs::ConfigError({{configs::Location{"Workspace.model(" + what + "=...)", 0, 0},
                                 "unknown interpolation code '" + text + "' (" + list + ")" + configs::did_you_mean(text, allowed)}});
  }
  return *code;
}

/// The `hessfit fit` title of a workspace file ("folder/workspace.json"), "workspace" otherwise.
std::string title_of(const Workspace& w) {
  if (!w.file) return "workspace";
  const std::filesystem::path& f = *w.file;
  return f.has_parent_path() && !f.parent_path().filename().empty() ? (f.parent_path().filename() / f.filename()).generic_string()
                                                                    : f.stem().string();
}

std::shared_ptr<Model> make_model(const Workspace& w, const std::optional<std::string>& measurement, py::object patchset,
                                  const std::optional<std::string>& patch, const std::optional<std::string>& poi,
                                  const std::string& normsys, const std::string& histosys) {
  using configs::Located;
  using configs::Location;
  configs::Config config;
  config.file = w.file.value_or(std::filesystem::path{});
  config.source = w.ws.source();
  config.workspace_only = true;
  config.title = title_of(w);
  config.model.workspace = Located<std::filesystem::path>{w.file.value_or(std::filesystem::path(w.ws.source())), {}};
  config.model.measurement.value = measurement.value_or("");
  config.model.poi.value = poi.value_or("");
  config.model.normsys_interpolation = normsys;
  config.model.histosys_interpolation = histosys;
  config.uncertainties.minos.kind = configs::MinosSelection::Kind::kNone;
  config.uncertainties.scans.clear();
  config.output.directory.clear();

  likelihood::ModelOptions options;
  options.measurement = config.model.measurement.value;
  if (config.model.poi.value == "none") options.no_poi = true;
  else options.poi = config.model.poi.value;
  options.normsys = interpolation(normsys, "normsys", {"code4", "code1"});
  options.histosys = interpolation(histosys, "histosys", {"code4p", "code0", "code2"});

  std::optional<likelihood::PatchSet> ps;
  if (!patchset.is_none()) {
    if (!patch) throw py::value_error("Workspace.model: patchset= needs patch= (a patch name, or its values as 'a,b')");
    if (py::isinstance<py::dict>(patchset)) {
      ps = likelihood::PatchSet::from_json(to_json(patchset), "patchset");
    } else {
      const std::string file = path_argument(patchset);
      ps = likelihood::PatchSet::load(file);
      config.model.patchset = Located<std::filesystem::path>{std::filesystem::path(file), {}};
    }
    if (!config.model.patchset) config.model.patchset = Located<std::filesystem::path>{std::filesystem::path(ps->source()), {}};
    config.model.patch.value = *patch;
  } else if (patch) {
    throw py::value_error("Workspace.model: patch= needs patchset= (the pyhf patchset the patch is taken from)");
  }

  std::shared_ptr<const likelihood::Model> built;
  {
    py::gil_scoped_release release;
    likelihood::Workspace ws = ps ? w.ws.with_patchset(*ps).patched(*patch) : w.ws;
    built = std::make_shared<const likelihood::Model>(ws.model(options));
  }
  std::string name = "pyhf workspace '" + config.model.workspace->value.generic_string() + "'";
  if (ps) name += " + patch '" + *patch + "'";
  return std::make_shared<Model>(std::move(config), configs::histfactory_setup(built, name));
}

/// An override of one parameter, or of those a glob matches ('*', '?').
configs::ParameterOverride override_of(const Model& model, const std::string& name, const std::string& call) {
  const bool glob = name.find_first_of("*?") != std::string::npos;
  if (!glob && !model.objective().find(name))
    throw configs::ConfigError({{configs::Location{call, 0, 0},
                                 "no parameter '" + name + "'" + configs::did_you_mean(name, model.objective().names())}});
  configs::ParameterOverride o;
  o.pattern = {name, {call, 0, 0}};
  o.glob = glob;
  return o;
}

py::array_t<bool> fixed_flags(const fit::Objective& o) {
  py::array_t<bool> a(o.size());
  auto w = a.mutable_unchecked<1>();
  for (int i = 0; i < o.size(); ++i) w(i) = o.is_fixed(i);
  return a;
}

const char* const kParametersLayout = "one per parameter, in model.parameter_names order";

Eigen::VectorXd parameters_argument(const Model& m, py::handle x) {
  return vector_argument(x, "x", m.objective().size(), kParametersLayout);
}

/// The objective on `data` (None: the observed data).
fit::Objective objective_on(const Model& m, py::handle data) {
  if (data.is_none()) return m.objective();
  const Eigen::VectorXd d = vector_argument(data, "data", static_cast<Eigen::Index>(m.setup().model.data_size()), data_layout(m));
  return m.setup().model.objective_for(d);
}

}  // namespace

void bind_models(py::module_& m) {
  py::class_<Workspace>(m, "Workspace",
                        "A pyhf JSON workspace, validated as pyhf does (every problem at once, each named by its JSON path).\n\n"
                        "    hessfit.Workspace.load('workspace.json')\n"
                        "    hessfit.Workspace(spec)            # a dict (as json.load gives it) or JSON text\n\n"
                        "Raises hessfit.InputError naming the file (or 'workspace') and the JSON path of every problem.")
      .def(py::init(&workspace_from), py::arg("spec"))
      .def_static("load", &load_workspace, py::arg("path"), "Reads and validates a workspace file (JSON syntax errors give file:line:col).")
      .def_property_readonly("source", [](const Workspace& w) { return w.ws.source(); }, "The file, or 'workspace'.")
      .def_property_readonly("version", [](const Workspace& w) { return w.ws.version(); })
      .def_property_readonly("channels",
                             [](const Workspace& w) {
                               std::vector<std::string> names;
                               for (const auto& c : w.ws.channels()) names.push_back(c.name);
                               return names;
                             })
      .def_property_readonly("measurements",
                             [](const Workspace& w) {
                               std::vector<std::string> names;
                               for (const auto& me : w.ws.measurements()) names.push_back(me.name);
                               return names;
                             })
      .def("model", &make_model, py::arg("measurement") = py::none(), py::arg("patchset") = py::none(), py::arg("patch") = py::none(),
           py::arg("poi") = py::none(), py::arg("normsys") = "code4", py::arg("histosys") = "code4p",
           "The model of a measurement (pyhf's Workspace.model): parameter order, inits, bounds and fixed flags as pyhf.\n\n"
           "measurement: its name (default: the first). patchset: a pyhf patchset (path or dict) with patch: a patch name\n"
           "or its values 'a,b' (digests verified). poi: the POI (default: the measurement's; 'none': no POI; a\n"
           "background-only workspace whose measurement names a POI it lacks gets none, with a warning).\n"
           "normsys: 'code4' | 'code1'; histosys: 'code4p' | 'code0' | 'code2'.")
      .def("__repr__", [](const Workspace& w) {
        return "<hessfit.Workspace '" + w.ws.source() + "': " + std::to_string(w.ws.channels().size()) + " channels, " +
               std::to_string(w.ws.measurements().size()) + " measurements>";
      });

  py::class_<Model, std::shared_ptr<Model>>(
      m, "Model",
      "A HistFactory model: its parameters (pyhf's order), the NLL = -log L (pyhf's -logpdf, all constants kept) with\n"
      "its exact gradient and Hessian, the expected and observed data. Made by Workspace.model(). Parameter\n"
      "overrides (fix, release, set_init, set_bounds) apply to every later call, as a config's `parameters:`.")
      .def_property_readonly("parameter_names", [](const Model& s) { return s.objective().names(); })
      .def_property_readonly("init", [](const Model& s) { return to_numpy(s.objective().values()); },
                             "Starting values (and the values of fixed parameters), overrides applied.")
      .def_property_readonly("bounds",
                             [](const Model& s) {
                               const auto& o = s.objective();
                               Eigen::MatrixXd b(o.size(), 2);
                               for (int i = 0; i < o.size(); ++i) b.row(i) << o.bounds(i).lower, o.bounds(i).upper;
                               return to_numpy(b);
                             },
                             "(n, 2) array of [lower, upper].")
      .def_property_readonly("fixed", [](const Model& s) { return fixed_flags(s.objective()); })
      .def_property_readonly("poi", [](const Model& s) -> py::object {
        const std::string p = s.setup().poi();
        return p.empty() ? py::object(py::none()) : py::object(py::str(p));
      }, "The POI's name, or None.")
      .def_property_readonly("poi_index", [](const Model& s) -> py::object {
        const auto i = s.setup().model.poi();
        return i ? py::object(py::int_(*i)) : py::object(py::none());
      })
      .def_property_readonly("observed_data", [](const Model& s) { return to_numpy(s.setup().model.observed_data()); },
                             "pyhf's data vector: the main counts (channels in order), then the auxiliary data.")
      .def_property_readonly("channels",
                             [](const Model& s) {
                               std::vector<std::string> names;
                               if (const auto* h = s.setup().model.histfactory())
                                 for (const auto& c : h->channels()) names.push_back(c.name);
                               return names;
                             })
      .def_property_readonly("description", [](const Model& s) { return s.setup().description; })
      .def_property_readonly("warnings", [](const Model& s) { return s.setup().warnings; })
      .def("__len__", [](const Model& s) { return s.objective().size(); })
      .def("nll",
           [](const Model& s, py::handle x, py::handle data) {
             const Eigen::VectorXd v = parameters_argument(s, x);
             const fit::Objective o = objective_on(s, data);
             py::gil_scoped_release release;
             return o.value(v);
           },
           py::arg("x"), py::arg("data") = py::none(),
           "-log L at parameters x (all of them, fixed ones included) on data (default: the observed data; else main then\n"
           "auxiliary data, as observed_data): pyhf's -model.logpdf(x, data)[0], all constants kept.")
      .def("gradient",
           [](const Model& s, py::handle x, py::handle data) {
             const Eigen::VectorXd v = parameters_argument(s, x);
             const fit::Objective o = objective_on(s, data);
             Eigen::VectorXd g;
             {
               py::gil_scoped_release release;
               o.value_and_gradient(v, g);
             }
             return to_numpy(g);
           },
           py::arg("x"), py::arg("data") = py::none(), "The exact gradient of nll (reverse-mode AD), one entry per parameter.")
      .def("hessian",
           [](const Model& s, py::handle x, py::handle data) {
             const Eigen::VectorXd v = parameters_argument(s, x);
             const fit::Objective o = objective_on(s, data);
             Eigen::VectorXd g;
             Eigen::MatrixXd h;
             {
               py::gil_scoped_release release;
               o.value_gradient_hessian(v, g, h);
             }
             return to_numpy(h);
           },
           py::arg("x"), py::arg("data") = py::none(), "The exact n x n Hessian of nll (forward-over-reverse AD).")
      .def("expected_data",
           [](const Model& s, py::handle x, bool include_auxdata) {
             const Eigen::VectorXd v = parameters_argument(s, x);
             Eigen::VectorXd e;
             {
               py::gil_scoped_release release;
               e = s.setup().model.expected_data(v);
             }
             if (!include_auxdata)
               if (const auto* h = s.setup().model.histfactory()) e.conservativeResize(static_cast<Eigen::Index>(h->main_bins()));
             return to_numpy(e);
           },
           py::arg("x"), py::arg("include_auxdata") = true, "pyhf's model.expected_data(x): main bins, then the auxiliary data.")
      .def("fix",
           [](Model& s, const std::string& name, std::optional<double> value) {
             configs::ParameterOverride o = override_of(s, name, "Model.fix('" + name + "')");
             if (value) o.init = configs::Located<double>{*value, o.pattern.where};
             o.fixed = configs::Located<bool>{true, o.pattern.where};
             s.add_override(std::move(o));
           },
           py::arg("name"), py::arg("value") = py::none(), "Fixes a parameter (or those a glob like 'alpha_*' matches) at its current value, or at `value`.")
      .def("release",
           [](Model& s, const std::string& name) {
             configs::ParameterOverride o = override_of(s, name, "Model.release('" + name + "')");
             o.fixed = configs::Located<bool>{false, o.pattern.where};
             s.add_override(std::move(o));
           },
           py::arg("name"))
      .def("set_init",
           [](Model& s, const std::string& name, double value) {
             configs::ParameterOverride o = override_of(s, name, "Model.set_init('" + name + "')");
             o.init = configs::Located<double>{value, o.pattern.where};
             s.add_override(std::move(o));
           },
           py::arg("name"), py::arg("value"), "Sets a starting value (inside the bounds).")
      .def("set_bounds",
           [](Model& s, const std::string& name, double lower, double upper) {
             const std::string call = "Model.set_bounds('" + name + "')";
             configs::ParameterOverride o = override_of(s, name, call);
             if (!(lower < upper))
               throw configs::ConfigError({{configs::Location{call, 0, 0}, "the lower bound must be below the upper bound"}});
             o.bounds = configs::Located<std::array<double, 2>>{{lower, upper}, o.pattern.where};
             s.add_override(std::move(o));
           },
           py::arg("name"), py::arg("lower"), py::arg("upper"), "Replaces a parameter's bounds (its value is clamped into them).")
      .def("__repr__", [](const Model& s) { return "<hessfit.Model " + s.setup().description + ">"; });
}

}  // namespace hessfit::python
