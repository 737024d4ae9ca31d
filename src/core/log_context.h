// What a log line is about, beyond its text: the request, message, account and connector it
// concerns. A Scope sets them for the lines its thread writes while it lives (the HTTP server
// sets the request id around a request's handler); log_with (core/log.h) sets them for one line.
// The JSON log format writes them as fields; the text format leaves lines as they are.
#pragma once

#include <string_view>

namespace sb::log {

struct Fields {
  std::string_view request_id;
  std::string_view message_id;
  std::string_view account;
  std::string_view connector;
};

// The fields in effect on this thread (empty views when none).
const Fields& current();

// Sets the non-empty fields of `f` on this thread until destroyed (the others keep their value).
// The viewed strings must outlive the scope.
class Scope {
 public:
  explicit Scope(const Fields& f);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  Fields saved_;
};

}  // namespace sb::log
