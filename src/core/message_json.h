// The JSON shape of a message resource: one definition used by the API and by status callbacks.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/message.h"

namespace sb {

// The message resource's JSON text (the one definition; to_json(m) parses it), as nlohmann's
// dump would write it: keys in byte order, no spaces. The send path writes it straight into the
// 202 reply.
void append_message_json(std::string& out, const Message& m);
// Appends `s` as a JSON string literal (quotes included): quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced by U+FFFD, so the output is valid JSON whatever `s`
// holds (the message JSON, JSON log lines).
void append_json_string(std::string& out, std::string_view s);
std::string message_json(const Message& m);
nlohmann::json to_json(const Message& m);
nlohmann::json to_json(const MessageEvent& e);
nlohmann::json to_json(const Message& m, const std::vector<MessageEvent>& events);

}  // namespace sb
