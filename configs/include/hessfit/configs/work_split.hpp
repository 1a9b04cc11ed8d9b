// Splitting many-fit work (grid points, toys) into deterministic slices for batch jobs, and
// merging the partial results back into exactly the output of one run.
//
// A run has n work items, numbered in output order. `--shard K/N` runs the items i with
// i mod N = K - 1 (interleaved, so that slices of a grid ordered by mass cost alike) and writes a
// part: the items' results keyed by their index, with the digest of everything the results depend
// on (the inputs and the options). MPI ranks split a run (or a shard) the same way among
// themselves. Since every item's result depends on the item alone, merging the parts in item
// order gives the bits of the unsplit run.
//
// A part file (JSON):
//   {"hessfit_part": 1, "kind": "grid", "shard": [K, N], "items": n, "inputs_digest": "...",
//    "header": {...}, "results": [{"item": i, "result": {...}}, ...]}
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace hessfit::configs {

/// The K-th of N slices (1 <= K <= N).
struct Shard {
  int index = 1;
  int count = 1;
  bool whole() const { return count == 1; }
};

/// "K/N" with 1 <= K <= N <= 100000; nothing if malformed.
std::optional<Shard> parse_shard(std::string_view text);

/// The items of [0, n) in slice `part` of `parts` (0-based), in ascending order: i mod parts = part.
std::vector<int> slice_items(int n, int part, int parts);

/// A part file's document.
nlohmann::ordered_json part_document(const std::string& kind, Shard shard, int items, const std::string& inputs_digest,
                                     const nlohmann::ordered_json& header, const std::vector<int>& indices,
                                     const std::vector<nlohmann::ordered_json>& results);

/// The parts merged: the header and every item's result in item order.
struct Merged {
  std::string kind;
  std::string inputs_digest;
  nlohmann::ordered_json header;
  std::vector<nlohmann::ordered_json> results;
};

/// Merges parts (`names` name them in messages). Throws std::runtime_error, naming the parts, if
/// they are not hessfit parts, come from different inputs or options (digests differ), from
/// different splits, repeat a shard, or leave shards missing ("shards 2/3 missing").
Merged merge_parts(const std::vector<nlohmann::ordered_json>& parts, const std::vector<std::string>& names);

}  // namespace hessfit::configs
