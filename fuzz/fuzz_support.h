// What the fuzz targets share: a property check that aborts (so libFuzzer keeps the input), and
// the layout of a request in one input.
//
// A request input is a head and a body separated by the first blank line ("\n\n"):
//   line 1 of the head: the URL the request came to ("" : the target's default);
//   further lines: "Name: value" headers, plus the pseudo-headers "Path-Secret: ..." and
//   "Remote-Addr: ..." (VoiceMeUp's authentication reads them).
// An input without a blank line is all body. Seed files are therefore readable HTTP-like text.
#pragma once

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/http_types.h"
#include "core/utf8.h"

#define FUZZ_CHECK(cond)                                                                   \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "fuzz property failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace sb::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

struct RawRequest {
  std::string url;
  Headers headers;
  std::string path_secret;
  std::string remote_addr;
  std::string body;
  bool has_header(std::string_view lower_name) const {
    for (const auto& [k, v] : headers) {
      if (k.size() != lower_name.size()) continue;
      bool same = true;
      for (size_t i = 0; i < k.size() && same; ++i) {
        same = static_cast<char>(std::tolower(static_cast<unsigned char>(k[i]))) == lower_name[i];
      }
      if (same) return true;
    }
    return false;
  }
};

// Splits one input as described above; `default_url` and `default_type` (Content-Type) fill in
// what the head does not give.
inline RawRequest split_request(std::string_view in, std::string_view default_url,
                                std::string_view default_type) {
  RawRequest r;
  const size_t blank = in.find("\n\n");
  std::string_view head;
  if (blank == std::string_view::npos) {
    r.body = std::string(in);
  } else {
    head = in.substr(0, blank);
    r.body = std::string(in.substr(blank + 2));
  }
  bool first = true;
  while (!head.empty() || first) {
    const size_t eol = head.find('\n');
    std::string_view line = head.substr(0, eol);
    head = eol == std::string_view::npos ? std::string_view() : head.substr(eol + 1);
    if (first) {
      first = false;
      r.url = std::string(line);
      continue;
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string name(line.substr(0, colon));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (name == "Path-Secret") {
      r.path_secret = std::string(value);
    } else if (name == "Remote-Addr") {
      r.remote_addr = std::string(value);
    } else {
      r.headers.emplace_back(std::move(name), std::string(value));
    }
  }
  if (r.url.empty()) r.url = std::string(default_url);
  if (!r.has_header("content-type") && !default_type.empty()) {
    r.headers.emplace_back("Content-Type", std::string(default_type));
  }
  return r;
}

inline bool valid_utf8(std::string_view s) { return utf8::is_valid(s); }

}  // namespace sb::fuzz
