// One log line with its fields (core/log_context.h): the line's text is unchanged, and the JSON
// log format adds message_id, account and connector as fields.
//   log::info({.message_id = m.id, .connector = m.connector}, "message {} sent via {}", m.id, ...);
#pragma once

#include <spdlog/spdlog.h>

#include "core/log_context.h"

namespace sb::log {

template <typename... Args>
void write(spdlog::level::level_enum level, const Fields& f, spdlog::format_string_t<Args...> fmt,
           Args&&... args) {
  if (!spdlog::should_log(level)) return;
  Scope scope(f);
  spdlog::log(level, fmt, std::forward<Args>(args)...);
}

template <typename... Args>
void debug(const Fields& f, spdlog::format_string_t<Args...> fmt, Args&&... args) {
  write(spdlog::level::debug, f, fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void info(const Fields& f, spdlog::format_string_t<Args...> fmt, Args&&... args) {
  write(spdlog::level::info, f, fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void warn(const Fields& f, spdlog::format_string_t<Args...> fmt, Args&&... args) {
  write(spdlog::level::warn, f, fmt, std::forward<Args>(args)...);
}
template <typename... Args>
void error(const Fields& f, spdlog::format_string_t<Args...> fmt, Args&&... args) {
  write(spdlog::level::err, f, fmt, std::forward<Args>(args)...);
}

}  // namespace sb::log
