// Message templates: a body with {{name}} placeholders, filled per recipient
// from that recipient's variables (a batch's CSV columns or JSON `variables`). A name is any text
// without braces, spaces around it ignored: {{first_name}}, {{ Appointment time }}. A "{{" that
// is not closed is an error when the template is read; a variable the recipient lacks is an error
// when it is filled, naming the variable.
#pragma once

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace sb {

class MessageTemplate {
 public:
  // Errors: invalid_template (field `field`): an unclosed "{{", an empty name, a brace inside a
  // name.
  static Result<MessageTemplate> parse(std::string_view text, const std::string& field = "body");

  // The names used, each once.
  const std::set<std::string>& variables() const { return names_; }
  bool has_variables() const { return !names_.empty(); }
  // The text with every placeholder replaced by `value(name)`; unknown_variable (field
  // "variables.<name>") when it answers nullopt.
  Result<std::string> render(
      const std::function<std::optional<std::string_view>(const std::string&)>& value) const;

 private:
  struct Part {
    bool variable = false;
    std::string text;  // literal text, or the variable's name
  };
  std::vector<Part> parts_;
  std::set<std::string> names_;
};

}  // namespace sb
