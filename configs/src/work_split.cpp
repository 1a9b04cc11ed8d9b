#include "hessfit/configs/work_split.hpp"

#include <charconv>
#include <map>
#include <stdexcept>

namespace hessfit::configs {

using nlohmann::ordered_json;

std::optional<Shard> parse_shard(std::string_view text) {
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  const auto parse = [](std::string_view s, int& v) {
    const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    return !s.empty() && ec == std::errc() && p == s.data() + s.size();
  };
  Shard s;
  if (!parse(text.substr(0, slash), s.index) || !parse(text.substr(slash + 1), s.count)) return std::nullopt;
  if (s.count < 1 || s.count > 100000 || s.index < 1 || s.index > s.count) return std::nullopt;
  return s;
}

std::vector<int> slice_items(int n, int part, int parts) {
  std::vector<int> out;
  for (int i = part; i < n; i += parts) out.push_back(i);
  return out;
}

ordered_json part_document(const std::string& kind, Shard shard, int items, const std::string& inputs_digest,
                           const ordered_json& header, const std::vector<int>& indices, const std::vector<ordered_json>& results) {
  ordered_json doc;
  doc["hessfit_part"] = 1;
  doc["kind"] = kind;
  doc["shard"] = {shard.index, shard.count};
  doc["items"] = items;
  doc["inputs_digest"] = inputs_digest;
  doc["header"] = header;
  ordered_json list = ordered_json::array();
  for (std::size_t k = 0; k < indices.size(); ++k) list.push_back({{"item", indices[k]}, {"result", results.at(k)}});
  doc["results"] = std::move(list);
  return doc;
}

Merged merge_parts(const std::vector<ordered_json>& parts, const std::vector<std::string>& names) {
  if (parts.empty()) throw std::runtime_error("no parts to merge");
  const auto name = [&](std::size_t k) { return "'" + (k < names.size() ? names[k] : "part " + std::to_string(k + 1)) + "'"; };
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const ordered_json& p = parts[k];
    const bool shaped = p.is_object() && p.value("hessfit_part", 0) == 1 && p.contains("kind") && p["kind"].is_string() &&
                        p.contains("shard") && p["shard"].is_array() && p["shard"].size() == 2 && p.contains("items") &&
                        p["items"].is_number_integer() && p.contains("inputs_digest") && p.contains("header") &&
                        p.contains("results") && p["results"].is_array();
    if (!shaped) throw std::runtime_error(name(k) + " is not a part written by --shard K/N (no \"hessfit_part\": 1 with kind, shard, items, inputs_digest, header and results)");
  }
  const ordered_json& first = parts.front();
  const std::string kind = first["kind"].get<std::string>();
  const std::string digest = first["inputs_digest"].get<std::string>();
  const int n = first["items"].get<int>();
  const int count = first["shard"][1].get<int>();
  std::map<int, std::size_t> seen;  // shard index -> part
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const ordered_json& p = parts[k];
    if (p["kind"] != kind)
      throw std::runtime_error(name(k) + " is a part of a " + p["kind"].get<std::string>() + " run, " + name(0) + " of a " + kind + " run");
    if (p["inputs_digest"] != digest)
      throw std::runtime_error(name(k) + " comes from other inputs or options than " + name(0) + " (inputs digest " +
                               p["inputs_digest"].get<std::string>().substr(0, 12) + "... against " + digest.substr(0, 12) +
                               "...): merge only the shards of one command");
    if (p["shard"][1] != count || p["items"] != n)
      throw std::runtime_error(name(k) + " is shard " + p["shard"][0].dump() + "/" + p["shard"][1].dump() + " of " + p["items"].dump() +
                               " items, " + name(0) + " one of " + std::to_string(count) + " shards of " + std::to_string(n) + " items");
    const int index = p["shard"][0].get<int>();
    if (const auto it = seen.find(index); it != seen.end())
      throw std::runtime_error(name(k) + " and " + name(it->second) + " are both shard " + std::to_string(index) + "/" + std::to_string(count));
    seen[index] = k;
  }
  std::string missing;
  for (int s = 1; s <= count; ++s)
    if (seen.count(s) == 0) missing += (missing.empty() ? "" : ", ") + std::to_string(s) + "/" + std::to_string(count);
  if (!missing.empty())
    throw std::runtime_error("incomplete set of parts: shard" + std::string(missing.find(',') == std::string::npos ? " " : "s ") + missing +
                             " missing (" + std::to_string(parts.size()) + " of " + std::to_string(count) + " given)");
  Merged m{kind, digest, first["header"], std::vector<ordered_json>(static_cast<std::size_t>(n))};
  for (std::size_t k = 0; k < parts.size(); ++k) {
    const int index = parts[k]["shard"][0].get<int>();
    const std::vector<int> expected = slice_items(n, index - 1, count);
    const auto& results = parts[k]["results"];
    if (results.size() != expected.size())
      throw std::runtime_error(name(k) + " holds " + std::to_string(results.size()) + " results, shard " + std::to_string(index) + "/" +
                               std::to_string(count) + " has " + std::to_string(expected.size()) + " items");
    for (std::size_t r = 0; r < results.size(); ++r) {
      const int item = results[r].value("item", -1);
      if (item != expected[r] || !results[r].contains("result"))
        throw std::runtime_error(name(k) + ": result " + std::to_string(r) + " should be item " + std::to_string(expected[r]));
      m.results[static_cast<std::size_t>(item)] = results[r]["result"];
    }
  }
  return m;
}

}  // namespace hessfit::configs
