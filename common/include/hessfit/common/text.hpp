// Text shared by every component: numbers as people read them (one set of formatters, on fmt)
// and "did you mean" suggestions for misspelt names.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace hessfit {

/// The shortest text that reads back as the same double ("0.1", "1e-10", "nan", "inf").
std::string format_shortest(double x);

/// `digits` significant digits, %g style ("1.07112", "2.2e-16"); "-0" prints as "0".
std::string format_significant(double x, int digits = 6);

/// printf-style fixed or general notation through fmt ("{:+.4g}", "{:.3f}"); a value that
/// rounds to zero prints without a sign; nan and inf as "nan", "inf", "-inf".
std::string format_spec(std::string_view spec, double x);

/// A duration for people: "850 µs", "12.3 ms", "4.56 s".
std::string format_seconds(double seconds);

/// A probability as a percentage with 4 significant digits: 0.6826894921370859 -> "68.27%".
std::string format_percent(double probability);

/// Optimal string alignment distance (Levenshtein with adjacent transpositions counted once),
/// case-insensitive.
std::size_t edit_distance(std::string_view a, std::string_view b);

/// The candidate nearest to `word` by edit_distance if it is a plausible typo (at most a third of
/// the longer word changed, between 1 and 4 edits, or one a prefix of the other); "" otherwise.
/// Ties go to the longer common prefix.
std::string nearest_name(std::string_view word, const std::vector<std::string>& candidates);

/// The `count` candidates nearest to `word` by edit_distance, nearest first (ties in input order).
std::vector<std::string> closest_names(std::string_view word, const std::vector<std::string>& candidates,
                                       std::size_t count);

}  // namespace hessfit
