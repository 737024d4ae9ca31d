// Log line formats: spdlog's pattern for text, a formatter of ours for JSON.
#include "app/log_format.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/pattern_formatter.h>

#include <array>
#include <ctime>

#include "core/message_json.h"

namespace sb::app {
namespace {

// The "module:" prefixes the code writes (one per subsystem); anything else stays in the text.
constexpr std::array<std::string_view, 22> kModules = {
    "api",    "auth",           "callbacks",  "console",   "dispatcher", "events",
    "http",   "media",          "metrics",    "numbers",   "outbox",     "quiet hours",
    "readyz", "reconciliation", "redactions", "retention", "sqlite",     "status",
    "store",  "twilio",         "twilio api", "webhooks"};

std::string rfc3339_ms(spdlog::log_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch());
  const std::time_t secs = static_cast<std::time_t>(ms.count() / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms.count() % 1000));
  return buf;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    const auto level = spdlog::level::to_string_view(msg.level);
    const std::string line =
        json_log_line(rfc3339_ms(msg.time), std::string_view(level.data(), level.size()),
                      std::string_view(msg.payload.data(), msg.payload.size()), log::current());
    dest.append(line.data(), line.data() + line.size());
  }
  std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>();
  }
};

// %* in the text pattern: " request_id=..." on lines written while handling a request.
class RequestIdFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg&, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    const auto id = log::current().request_id;
    if (id.empty()) return;
    constexpr std::string_view kName = " request_id=";
    dest.append(kName.data(), kName.data() + kName.size());
    dest.append(id.data(), id.data() + id.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<RequestIdFlag>();
  }
};

}  // namespace

ModuleSplit split_module(std::string_view text) {
  const auto colon = text.find(": ");
  if (colon == std::string_view::npos) return {{}, text};
  const std::string_view prefix = text.substr(0, colon);
  for (auto m : kModules) {
    if (m == prefix) return {m, text.substr(colon + 2)};
  }
  return {{}, text};
}

std::string json_log_line(std::string_view time, std::string_view level, std::string_view text,
                          const log::Fields& fields) {
  const ModuleSplit split = split_module(text);
  std::string out;
  out.reserve(96 + text.size());
  const auto field = [&out](std::string_view name, std::string_view value) {
    if (out.back() != '{') out.push_back(',');
    append_json_string(out, name);
    out.push_back(':');
    append_json_string(out, value);
  };
  out.push_back('{');
  field("time", time);
  field("level", level);
  if (!split.module.empty()) field("module", split.module);
  field("message", split.message);
  if (!fields.request_id.empty()) field("request_id", fields.request_id);
  if (!fields.message_id.empty()) field("message_id", fields.message_id);
  if (!fields.account.empty()) field("account", fields.account);
  if (!fields.connector.empty()) field("connector", fields.connector);
  out.append("}\n");
  return out;
}

std::unique_ptr<spdlog::formatter> make_log_formatter(const std::string& format) {
  if (format == "json") return std::make_unique<JsonFormatter>();
  auto f = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  f->add_flag<RequestIdFlag>('*').set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v%*");
  return f;
}

}  // namespace sb::app
