// VoiceMeUp's queue_sms answers, as the connector tests replay them (our reference notes and
// RoomKit's tests: tests/test_providers/test_voicemeup.py, _success_response / _error_response).
#pragma once

#include <string>

namespace sb::providers::voicemeup::test_payloads {

// response_status "success" with the queued SMS's hash (`message` as a list).
inline std::string success_body(const std::string& hash) {
  return R"({"response_details":{"response_status":"success","response_messages":{"message":[)"
         R"({"code":"queued_sms_hash","_content":")" +
         hash + R"("}]}}})";
}

// response_status "error" with one code and text (the single-object form of `message`).
inline std::string error_body(const std::string& code, const std::string& text) {
  return R"({"response_details":{"response_status":"error","response_messages":{"message":)"
         R"({"code":")" +
         code + R"(","_content":")" + text + R"("}}}})";
}

}  // namespace sb::providers::voicemeup::test_payloads
