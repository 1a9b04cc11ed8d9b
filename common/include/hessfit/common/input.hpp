// Reading input files that other people wrote, without trusting them: only regular files (a FIFO
// would block, /dev/zero would never end, a directory has no text), at most a given number of
// bytes (checked against the size before reading, and again while reading), and text checked
// to be UTF-8 with the position of the first bad byte.
//
// Limits (README.md, "Limits"): a workspace or patchset is at most kMaxJsonBytes, a config at
// most kMaxConfigBytes; the largest published workspaces are a few tens of MB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>

namespace hessfit {

/// Largest workspace or patchset read (bytes): 256 MiB.
inline constexpr std::uintmax_t kMaxJsonBytes = std::uintmax_t{256} << 20;
/// Largest YAML config read (bytes): 16 MiB.
inline constexpr std::uintmax_t kMaxConfigBytes = std::uintmax_t{16} << 20;

/// A file that cannot be read as input; what() is the reason without the path ("is a directory,
/// not a file", "is larger than the limit of 256 MiB (2.0 GiB)").
class InputFileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// The whole content of the regular file `path` if it has at most `max_bytes` bytes. Opens
/// without blocking (a FIFO is refused, not waited on). Throws InputFileError.
std::string read_input_file(const std::filesystem::path& path, std::uintmax_t max_bytes);

/// The byte offset of the first byte that is not part of well-formed UTF-8 (overlong forms,
/// surrogates and code points above U+10FFFF are ill-formed), or std::string_view::npos.
std::size_t find_invalid_utf8(std::string_view text);

/// 1-based line and column (in bytes) of byte `offset` of `text`.
struct TextPosition {
  std::size_t line = 1;
  std::size_t column = 1;
};
TextPosition position_of(std::string_view text, std::size_t offset);

/// `text` cut to at most `max_chars` bytes (at a UTF-8 boundary) with "..." and the full length
/// appended, for echoing user input in messages without printing megabytes of it.
std::string abbreviate(std::string_view text, std::size_t max_chars = 40);

/// Bytes for people: "512 B", "16 MiB", "2.0 GiB".
std::string format_bytes(std::uintmax_t bytes);

}  // namespace hessfit
