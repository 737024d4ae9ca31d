// The log line formats ([log] format): "text" (the default: time, level, message, and the
// request id on lines written while handling an HTTP request) and "json" (one JSON object per
// line; fields in docs/operations.md#logs).
#pragma once

#include <spdlog/formatter.h>

#include <memory>
#include <string>
#include <string_view>

#include "core/log_context.h"

namespace sb::app {

// A message's module prefix ("webhooks: ..."), split off when the prefix is a known module;
// module is empty otherwise and message is the whole text.
struct ModuleSplit {
  std::string_view module;
  std::string_view message;
};
ModuleSplit split_module(std::string_view text);

// One JSON log line (with its newline): time (RFC 3339, UTC, milliseconds), level, module (when
// the text names one), message, then the non-empty fields.
std::string json_log_line(std::string_view time, std::string_view level, std::string_view text,
                          const log::Fields& fields);

// spdlog formatters for the two formats.
std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format);

}  // namespace sb::app
