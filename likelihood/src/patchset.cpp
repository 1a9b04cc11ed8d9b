// pyhf patchsets: validation, lookup by name or values, digest verification, application.
#include "hessfit/likelihood/patchset.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <vector>

#include "hessfit/common/input.hpp"

#include "hessfit/likelihood/digest.hpp"
#include "hessfit/likelihood/error.hpp"
#include "hessfit/likelihood/workspace.hpp"
#include "validation.hpp"

namespace hessfit::likelihood {
namespace {

using detail::Checker;
using detail::element;
using detail::json;
using detail::located;
using detail::member;
using detail::quote;

bool is_identifier(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool is_hex(const std::string& s, std::size_t length) {
  return s.size() == length &&
         std::all_of(s.begin(), s.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string value_text(const PatchValue& v) {
  if (const double* d = std::get_if<double>(&v)) return format_shortest(*d);
  return quote(std::get<std::string>(v));
}

/// A patched workspace may be at most this many times the size of the workspace and the patch
/// together (plus 64 KiB): more means a patch that multiplies the document (repeated `copy`).
constexpr std::size_t kMaxPatchGrowth = 4;

/// The size of a JSON value in bytes as written compactly, roughly: one per value plus the
/// characters of strings and keys (iterative: patched documents may nest deeply).
std::size_t json_size(const json& root) {
  std::size_t size = 0;
  std::vector<const json*> todo{&root};
  while (!todo.empty()) {
    const json* v = todo.back();
    todo.pop_back();
    size += 2;
    if (v->is_string()) size += v->get_ref<const std::string&>().size();
    if (v->is_object())
      for (auto it = v->begin(); it != v->end(); ++it) {
        size += it.key().size() + 3;
        todo.push_back(&it.value());
      }
    if (v->is_array())
      for (const json& item : *v) todo.push_back(&item);
  }
  return size;
}

void check_operation(Checker& check, const json& op, const std::string& path, const std::string& where) {
  if (!check.object(op, path, where, {"op", "path"}, {"op", "path", "value", "from"})) return;
  if (op.contains("path")) check.string(op["path"], member(path, "path"), where);
  if (!op.contains("op")) return;
  const auto kind = check.string(op["op"], member(path, "op"), where);
  if (!kind) return;
  static const std::set<std::string> kNeedValue{"add", "replace", "test"}, kNeedFrom{"move", "copy"};
  if (kNeedValue.contains(*kind)) {
    if (!op.contains("value")) check.add(located(path, where), "operation " + quote(*kind) + " needs a 'value'");
  } else if (kNeedFrom.contains(*kind)) {
    if (!op.contains("from"))
      check.add(located(path, where), "operation " + quote(*kind) + " needs a 'from'");
    else
      check.string(op["from"], member(path, "from"), where);
  } else if (*kind != "remove") {
    check.add(located(member(path, "op"), where),
              "unknown operation " + quote(*kind) + " (known: add, remove, replace, move, copy, test)");
  }
}

}  // namespace

std::string to_string(const std::vector<PatchValue>& values) {
  std::string out = "[";
  for (std::size_t i = 0; i < values.size(); ++i) out += (i ? ", " : "") + value_text(values[i]);
  return out + "]";
}

PatchSet PatchSet::load(const std::filesystem::path& path) { return from_json(read_json_file(path), path.string()); }

PatchSet PatchSet::from_json(const nlohmann::json& doc, std::string source) {
  Checker check;
  PatchSet ps;
  ps.source_ = std::move(source);
  if (check.object(doc, "", "", {"metadata", "patches", "version"}, {"metadata", "patches", "version"})) {
    if (doc.contains("version")) {
      if (auto v = check.string(doc["version"], "version", ""); v && *v != "1.0.0")
        check.add("version", "unsupported version " + quote(*v) + " (supported: 1.0.0)");
    }
    if (doc.contains("metadata")) {
      const json& meta = doc["metadata"];
      if (check.object(meta, "metadata", "", {"digests", "labels", "description", "references"}, {}, false)) {
        if (meta.contains("digests")) {
          const json& digests = meta["digests"];
          if (check.object(digests, "metadata.digests", "", {}, {"md5", "sha256"})) {
            if (digests.empty()) check.add("metadata.digests", "must list at least one digest (md5 or sha256)");
            for (const auto& [alg, value] : digests.items()) {
              const std::string p = member("metadata.digests", alg);
              auto text = check.string(value, p, "");
              if (!text || (alg != "md5" && alg != "sha256")) continue;
              const std::size_t length = alg == "md5" ? 32 : 64;
              if (!is_hex(*text, length))
                check.add(p, "must be " + std::to_string(length) + " lowercase hexadecimal digits");
              else
                ps.digests_[alg] = *text;
            }
          }
        }
        if (meta.contains("labels")) {
          const json& labels = meta["labels"];
          if (check.array(labels, "metadata.labels", "", 1)) {
            for (std::size_t i = 0; i < labels.size(); ++i) {
              auto label = check.string(labels[i], element("metadata.labels", i), "");
              if (!label) continue;
              if (!is_identifier(*label))
                check.add(element("metadata.labels", i), "label " + quote(*label) + " must match ^[a-zA-Z0-9_]+$");
              ps.labels_.push_back(*label);
            }
          }
        }
        if (meta.contains("description"))
          if (auto d = check.string(meta["description"], "metadata.description", "")) ps.description_ = *d;
        if (meta.contains("references")) {
          const json& refs = meta["references"];
          if (check.object(refs, "metadata.references", "", {}, {"hepdata"})) {
            if (refs.empty()) check.add("metadata.references", "must list at least one reference (hepdata)");
            if (refs.contains("hepdata")) {
              auto ref = check.string(refs["hepdata"], "metadata.references.hepdata", "");
              if (ref && !(ref->size() == 10 && ref->rfind("ins", 0) == 0 &&
                           std::all_of(ref->begin() + 3, ref->end(), [](char c) { return c >= '0' && c <= '9'; })))
                check.add("metadata.references.hepdata", "is " + quote(*ref) + ", must be 'ins' and 7 digits");
              else if (ref)
                ps.references_["hepdata"] = *ref;
            }
          }
        }
      }
    }
    if (doc.contains("patches")) {
      const json& patches = doc["patches"];
      if (check.array(patches, "patches", "", 1)) {
        std::map<std::string, std::size_t> names;
        for (std::size_t k = 0; k < patches.size(); ++k) {
          const json& p = patches[k];
          const std::string path = element("patches", k);
          if (!check.object(p, path, "", {"metadata", "patch"}, {"metadata", "patch"})) continue;
          Patch patch;
          std::string where;
          bool good = true;
          if (p.contains("metadata")) {
            const json& meta = p["metadata"];
            const std::string mp = member(path, "metadata");
            if (check.object(meta, mp, "", {"name", "values"}, {}, false)) {
              patch.metadata = meta;
              if (meta.contains("name")) {
                if (auto name = check.string(meta["name"], member(mp, "name"), "")) {
                  patch.name = *name;
                  where = "patch " + quote(*name);
                  if (!is_identifier(*name))
                    check.add(member(mp, "name"), "patch name " + quote(*name) + " must match ^[a-zA-Z0-9_]+$");
                  if (auto [it, inserted] = names.emplace(*name, k); !inserted)
                    check.add(member(mp, "name"), "duplicate patch name " + quote(*name) + " (also patches[" +
                                                      std::to_string(it->second) + "])");
                } else {
                  good = false;
                }
              }
              if (meta.contains("values")) {
                const json& values = meta["values"];
                const std::string vp = member(mp, "values");
                if (check.array(values, vp, where, 1)) {
                  for (std::size_t i = 0; i < values.size(); ++i) {
                    if (values[i].is_number())
                      patch.values.emplace_back(values[i].get<double>());
                    else if (values[i].is_string())
                      patch.values.emplace_back(values[i].get<std::string>());
                    else
                      check.add(located(element(vp, i), where),
                                "must be a number or a string, got " + detail::describe_type(values[i]));
                  }
                  if (!ps.labels_.empty() && values.size() != ps.labels_.size())
                    check.add(located(vp, where), "has " + std::to_string(values.size()) + " values, there are " +
                                                      std::to_string(ps.labels_.size()) + " labels (" +
                                                      detail::join_list(ps.labels_) + ")");
                } else {
                  good = false;
                }
              }
            } else {
              good = false;
            }
          }
          if (p.contains("patch")) {
            const json& ops = p["patch"];
            const std::string op_path = member(path, "patch");
            if (check.array(ops, op_path, where, 1)) {
              for (std::size_t i = 0; i < ops.size(); ++i) check_operation(check, ops[i], element(op_path, i), where);
              patch.operations = ops;
            } else {
              good = false;
            }
          }
          if (good) ps.patches_.push_back(std::move(patch));
        }
        // Value tuples must be unique too.
        for (std::size_t a = 0; a < ps.patches_.size(); ++a)
          for (std::size_t b = 0; b < a; ++b)
            if (!ps.patches_[a].values.empty() && ps.patches_[a].values == ps.patches_[b].values) {
              check.add("patches", "patches " + quote(ps.patches_[b].name) + " and " + quote(ps.patches_[a].name) +
                                       " have the same values " + to_string(ps.patches_[a].values));
              break;
            }
      }
    }
  }
  if (!check.ok()) throw InputError(ps.source_, std::move(check.problems));
  return ps;
}

const Patch& PatchSet::patch(std::string_view name) const {
  for (const Patch& p : patches_)
    if (p.name == name) return p;
  std::vector<std::pair<std::size_t, std::string>> scored;
  for (const Patch& p : patches_) {
    // Rank by shared prefix, then by length difference: good enough to point at a typo.
    std::size_t common = 0;
    while (common < p.name.size() && common < name.size() && p.name[common] == name[common]) ++common;
    scored.emplace_back(1000 - common, p.name);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<std::string> close;
  for (std::size_t k = 0; k < scored.size() && k < 3; ++k) close.push_back(quote(scored[k].second));
  throw InputError(source_, "patches", "no patch is called " + quote(name) + " (" + std::to_string(patches_.size()) +
                                           " patches; closest: " + detail::join_list(close) + ")");
}

const Patch& PatchSet::patch(const std::vector<PatchValue>& values) const {
  for (const Patch& p : patches_)
    if (p.values == values) return p;
  throw InputError(source_, "patches",
                   "no patch has the values " + to_string(values) + " (labels: " + detail::join_list(labels_) + ")");
}

const Patch& PatchSet::find(std::string_view text) const {
  for (const Patch& p : patches_)
    if (p.name == text) return p;
  std::vector<PatchValue> values;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view token = text.substr(start, end - start);
    while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
    while (!token.empty() && token.back() == ' ') token.remove_suffix(1);
    double number = 0.0;
    const auto res = std::from_chars(token.data(), token.data() + token.size(), number);
    if (res.ec == std::errc() && res.ptr == token.data() + token.size() && !token.empty())
      values.emplace_back(number);
    else
      values.emplace_back(std::string(token));
    start = end + 1;
  }
  for (const Patch& p : patches_)
    if (p.values == values) return p;
  if (text.find(',') == std::string_view::npos) return patch(text);
  return patch(values);
}

void PatchSet::verify(const Workspace& background) const {
  std::vector<Problem> problems;
  const std::string dumped = python_json_dumps(background.json());
  for (const auto& [algorithm, expected] : digests_) {
    const std::string actual = hex_digest(algorithm, dumped);
    if (actual != expected)
      problems.push_back({member("metadata.digests", algorithm),
                          "the background-only workspace " + quote(background.source()) + " has " + algorithm + " " +
                              actual + ", the patchset was made for " + expected +
                              " (is this the patchset of another workspace?)"});
  }
  if (!problems.empty()) throw InputError(source_, std::move(problems));
}

Workspace PatchSet::apply(const Workspace& background, const Patch& patch, DigestCheck check) const {
  if (check == DigestCheck::kVerify) verify(background);
  nlohmann::json doc = background.json();
  std::size_t k = 0;
  for (; k < patches_.size(); ++k)
    if (&patches_[k] == &patch) break;
  const std::string path = k < patches_.size() ? member(element("patches", k), "patch") : "patch";
  // Bounded growth: `copy` doubles what it copies, so 40 copies of the root would need 2^40 times
  // the memory. The running size counts what each add, replace and copy puts in (never less).
  const std::size_t background_size = json_size(doc);
  std::size_t patch_size = 0;
  for (const json& op : patch.operations) patch_size += json_size(op);
  const std::size_t limit = kMaxPatchGrowth * (background_size + patch_size) + (std::size_t{64} << 10);
  std::size_t size = background_size;
  for (std::size_t i = 0; i < patch.operations.size(); ++i) {
    const json& op = patch.operations[i];
    const std::string kind = op.value("op", std::string());
    if (kind == "copy" && op.contains("from") && op["from"].is_string()) {
      try {
        size += json_size(doc.at(json::json_pointer(op["from"].get<std::string>())));
      } catch (const nlohmann::json::exception&) {
        // a bad pointer: patch_inplace below says so
      }
    } else if ((kind == "add" || kind == "replace") && op.contains("value")) {
      size += json_size(op["value"]);
    }
    if (size > limit)
      throw InputError(source_, located(element(path, i), "patch " + quote(patch.name)),
                       "the patched workspace would exceed " + std::to_string(kMaxPatchGrowth) +
                           " times the size of the workspace and the patch, plus 64 KiB (" + format_bytes(size) + " > " +
                           format_bytes(limit) + "); refusing a patch that multiplies the document");
    try {
      doc.patch_inplace(json::array({op}));
    } catch (const nlohmann::json::exception& e) {
      std::string msg = e.what();
      if (const auto bracket = msg.find("] "); bracket != std::string::npos) msg.erase(0, bracket + 2);
      const std::string what = op.value("op", std::string("?")) + " " + op.value("path", std::string("?"));
      throw InputError(source_, located(element(path, i), "patch " + quote(patch.name)),
                       "cannot apply " + quote(what) + " to " + quote(background.source()) + ": " + msg);
    }
  }
  return Workspace::from_json(std::move(doc), background.source() + " + patch " + quote(patch.name));
}

Workspace PatchSet::apply(const Workspace& background, std::string_view name_or_values) const {
  return apply(background, find(name_or_values));
}

}  // namespace hessfit::likelihood
