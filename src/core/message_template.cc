// Message templates (see message_template.h).
#include "core/message_template.h"

namespace sb {
namespace {

std::string_view trim_spaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Result<MessageTemplate> MessageTemplate::parse(std::string_view text, const std::string& field) {
  MessageTemplate t;
  size_t at = 0;
  while (at < text.size()) {
    const size_t open = text.find("{{", at);
    if (open == std::string_view::npos) {
      t.parts_.push_back({false, std::string(text.substr(at))});
      break;
    }
    if (open > at) t.parts_.push_back({false, std::string(text.substr(at, open - at))});
    const size_t close = text.find("}}", open + 2);
    if (close == std::string_view::npos) {
      return Error::make("invalid_template",
                         "\"{{\" at character " + std::to_string(open + 1) +
                             " is not closed by \"}}\"",
                         field);
    }
    const std::string_view raw = text.substr(open + 2, close - open - 2);
    const std::string_view name = trim_spaces(raw);
    if (name.empty()) {
      return Error::make("invalid_template",
                         "an empty {{}} at character " + std::to_string(open + 1), field);
    }
    if (name.find_first_of("{}") != std::string_view::npos) {
      return Error::make("invalid_template",
                         "a brace inside the placeholder at character " + std::to_string(open + 1),
                         field);
    }
    t.parts_.push_back({true, std::string(name)});
    t.names_.emplace(name);
    at = close + 2;
  }
  return t;
}

Result<std::string> MessageTemplate::render(
    const std::function<std::optional<std::string_view>(const std::string&)>& value) const {
  std::string out;
  for (const auto& p : parts_) {
    if (!p.variable) {
      out += p.text;
      continue;
    }
    auto v = value(p.text);
    if (!v) {
      return Error::make("unknown_variable", "no value for {{" + p.text + "}}",
                         "variables." + p.text);
    }
    out += *v;
  }
  return out;
}

}  // namespace sb
