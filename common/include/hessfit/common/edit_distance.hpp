// The bounded edit distance behind "did you mean" (text.hpp's nearest_name).
#pragma once

#include <cstddef>
#include <string_view>

namespace hessfit {

/// edit_distance(a, b) of text.hpp if it is at most `limit`; otherwise some value above `limit`,
/// found without filling the whole table (it stops once two rows have every entry above `limit`).
std::size_t edit_distance_within(std::string_view a, std::string_view b, std::size_t limit);

}  // namespace hessfit
