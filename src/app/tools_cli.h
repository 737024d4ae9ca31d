// `switchboard segments` and `switchboard phone`: the text and number tools, no config or database.
#pragma once

#include <iosfwd>
#include <string>

namespace sb::app {

struct SegmentsArgs {
  bool json = false;   // print the POST /v1/segments object instead of a table
  bool smart = false;  // smart encoding (the default for stdin requests without the field)
  std::string text;    // the body, or "-" to read one JSON request per line from `in`
};

struct PhoneArgs {
  bool json = false;          // print the POST /v1/lookup object instead of a table
  std::string region = "US";  // default region (for stdin requests without "region" too)
  std::string input;          // the number, or "-" to read one JSON request per line from `in`
};

// Runs `switchboard segments`. With text "-", reads {"body", "smart_encoding"} objects, one per
// line (blank lines skipped), and writes for each, in order, one line with the API's response
// object: the segment report or {"error": {...}}. Returns 0 when every request was answered, 1
// when any was an error (bad JSON, invalid UTF-8, missing or mistyped field).
int run_segments(const SegmentsArgs& args, std::istream& in, std::ostream& out, std::ostream& err);

// Runs `switchboard phone`, as run_segments with {"number", "region"} requests and lookup
// results. An invalid number is an answer (valid false, with a reason), so it exits 0; an
// unknown --region is a usage error: message on `err`, exit 2.
int run_phone(const PhoneArgs& args, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace sb::app
