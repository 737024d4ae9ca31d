// Message templates (core/message_template.h): {{name}} placeholders, their errors, filling.
#include "core/message_template.h"

#include <gtest/gtest.h>

#include <map>

using namespace sb;

namespace {

Result<std::string> fill(const MessageTemplate& t, const std::map<std::string, std::string>& v) {
  return t.render([&](const std::string& name) -> std::optional<std::string_view> {
    auto it = v.find(name);
    if (it == v.end()) return std::nullopt;
    return std::string_view(it->second);
  });
}

}  // namespace

TEST(MessageTemplate, FillsEachPlaceholderFromTheRecipientsVariables) {
  auto t = MessageTemplate::parse("Hi {{name}}, your visit is {{ Appointment time }}. {{name}}!");
  ASSERT_TRUE(t.ok()) << t.error().message;
  EXPECT_EQ(t->variables(), (std::set<std::string>{"Appointment time", "name"}));
  auto body = fill(*t, {{"name", "Jane"}, {"Appointment time", "Mon 9:00"}});
  ASSERT_TRUE(body.ok());
  EXPECT_EQ(*body, "Hi Jane, your visit is Mon 9:00. Jane!");
  // A value is inserted as it is, braces included: it is never read as a template.
  EXPECT_EQ(*fill(*t, {{"name", "{{x}}"}, {"Appointment time", ""}}),
            "Hi {{x}}, your visit is . {{x}}!");
}

TEST(MessageTemplate, PlainTextAndStrayClosingBracesAreLiteral) {
  for (const char* text : {"", "no placeholders", "a }} b", "json {\"a\": 1}", "{ {x} }"}) {
    auto t = MessageTemplate::parse(text);
    ASSERT_TRUE(t.ok()) << text;
    EXPECT_FALSE(t->has_variables());
    EXPECT_EQ(*fill(*t, {}), text);
  }
}

TEST(MessageTemplate, BadPlaceholdersAndMissingValuesNameTheProblem) {
  for (const char* text : {"Hi {{name", "Hi {{}}", "Hi {{  }}", "Hi {{a{b}}"}) {
    auto t = MessageTemplate::parse(text);
    ASSERT_FALSE(t.ok()) << text;
    EXPECT_EQ(t.error().code, "invalid_template");
    EXPECT_EQ(t.error().field, "body");
    EXPECT_NE(t.error().message.find("character 4"), std::string::npos) << t.error().message;
  }
  auto t = MessageTemplate::parse("Hi {{name}} at {{time}}");
  ASSERT_TRUE(t.ok());
  auto missing = fill(*t, {{"name", "Jane"}});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, "unknown_variable");
  EXPECT_EQ(missing.error().field, "variables.time");
  EXPECT_NE(missing.error().message.find("{{time}}"), std::string::npos);
}
