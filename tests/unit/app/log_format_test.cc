// The JSON log line: valid JSON for any message, fields split out, module prefixes recognised.
#include "app/log_format.h"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <nlohmann/json.hpp>
#include <regex>

namespace sb::app {
namespace {

using nlohmann::json;

json parse_line(const std::string& line) {
  EXPECT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "one line";
  return json::parse(line);  // throws (failing the test) on invalid JSON
}

TEST(LogFormatTest, FieldsAndModule) {
  const auto j = parse_line(json_log_line("2026-12-06T19:42:30.123Z", "info",
                                          "webhooks: sim rejected a request from 10.0.0.1",
                                          {.request_id = "r1", .connector = "sim"}));
  EXPECT_EQ(j["time"], "2026-12-06T19:42:30.123Z");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["module"], "webhooks");
  EXPECT_EQ(j["message"], "sim rejected a request from 10.0.0.1");
  EXPECT_EQ(j["request_id"], "r1");
  EXPECT_EQ(j["connector"], "sim");
  EXPECT_FALSE(j.contains("message_id"));
  EXPECT_FALSE(j.contains("account"));
}

TEST(LogFormatTest, UnknownPrefixStaysInTheMessage) {
  const auto j = parse_line(json_log_line("t", "warning", "message msg_1: hello: world",
                                          {.message_id = "msg_1", .account = "acme"}));
  EXPECT_FALSE(j.contains("module"));
  EXPECT_EQ(j["message"], "message msg_1: hello: world");
  EXPECT_EQ(j["message_id"], "msg_1");
  EXPECT_EQ(j["account"], "acme");
  EXPECT_EQ(split_module("twilio api: x").module, "twilio api");
  EXPECT_EQ(split_module("auth:no space").module, "");
}

TEST(LogFormatTest, ControlCharactersAreEscaped) {
  std::string text = "a\"b\\c\nd\re\tf";
  text.push_back('\0');
  text += "\x01\x1f\x7f end";
  const std::string line = json_log_line("t", "info", text, {});
  const auto j = parse_line(line);
  EXPECT_EQ(j["message"].get<std::string>(), text);
  EXPECT_NE(line.find("\\u0000"), std::string::npos);
  EXPECT_NE(line.find("\\u001f"), std::string::npos);
}

TEST(LogFormatTest, InvalidUtf8IsReplaced) {
  // Valid multi-byte text is kept; a lone continuation byte, a truncated sequence, an overlong
  // encoding and a surrogate each become U+FFFD.
  const std::string text = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 | \x80 | \xe2\x82 | "
                           "\xc0\xaf | \xed\xa0\x80 | end\xc3";
  const auto j = parse_line(json_log_line("t", "info", text, {.account = "\xff"}));
  const std::string m = j["message"];
  EXPECT_EQ(m.substr(0, 14), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
  EXPECT_EQ(m.find('\x80', 15), std::string::npos);
  EXPECT_NE(m.find("| \xef\xbf\xbd |"), std::string::npos) << m;
  EXPECT_EQ(m.substr(m.size() - 6), "end\xef\xbf\xbd");
  EXPECT_EQ(j["account"], "\xef\xbf\xbd");
}

TEST(LogFormatTest, FormattersWriteTheThreadsFields) {
  spdlog::details::log_msg msg("x", spdlog::level::warn, "auth: refused");
  spdlog::memory_buf_t buf;
  {
    const log::Scope scope({.request_id = "req-7"});
    make_log_formatter("json")->format(msg, buf);
  }
  const auto j = parse_line(std::string(buf.data(), buf.size()));
  EXPECT_EQ(j["level"], "warning");
  EXPECT_EQ(j["module"], "auth");
  EXPECT_EQ(j["request_id"], "req-7");
  EXPECT_TRUE(std::regex_match(j["time"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)")));

  spdlog::memory_buf_t text;
  {
    const log::Scope scope({.request_id = "req-8"});
    make_log_formatter("text")->format(msg, text);
  }
  const std::string line(text.data(), text.size());
  EXPECT_NE(line.find(" warning auth: refused request_id=req-8\n"), std::string::npos) << line;
  spdlog::memory_buf_t plain;
  make_log_formatter("text")->format(msg, plain);
  EXPECT_EQ(std::string(plain.data(), plain.size()).find("request_id"), std::string::npos);
}

}  // namespace
}  // namespace sb::app
