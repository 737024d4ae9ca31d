// The JSON shape of a message resource: one definition used by the API and by status callbacks.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "core/message.h"

namespace sb {

nlohmann::json to_json(const Message& m);
nlohmann::json to_json(const MessageEvent& e);
nlohmann::json to_json(const Message& m, const std::vector<MessageEvent>& events);

}  // namespace sb
