// End-to-end tests of POST /v1/segments, POST /v1/lookup and `switchboard segments|phone`.
#include <gtest/gtest.h>

#include <sstream>

#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;

const Headers kJsonType = {{"Content-Type", "application/json"}};

// One gateway for the suite (SQLite; default region GB so the configured default is visible):
// these endpoints keep no state, so tests cannot disturb each other.
class ToolsApiTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    gw_ = new TestGateway(Backend::kSqlite, "[messages]\ndefault_region = \"GB\"\n");
    key_ = new std::string(gw_->create_key("acme"));
    gw_->start();
  }
  static void TearDownTestSuite() {
    delete gw_;
    delete key_;
    gw_ = nullptr;
    key_ = nullptr;
  }

  static HttpResult segments(const json& body) {
    return gw_->post_json("/v1/segments", *key_, body);
  }
  static HttpResult lookup(const json& body) { return gw_->post_json("/v1/lookup", *key_, body); }

  static void expect_error(const HttpResult& r, int status, const std::string& code,
                           const json& field) {
    EXPECT_EQ(r.status, status) << r.body;
    EXPECT_EQ(r.json["error"]["code"], code) << r.body;
    EXPECT_EQ(r.json["error"]["field"], field) << r.body;
    EXPECT_TRUE(r.json["error"]["message"].is_string()) << r.body;
  }

  static TestGateway* gw_;
  static std::string* key_;
};

TestGateway* ToolsApiTest::gw_ = nullptr;
std::string* ToolsApiTest::key_ = nullptr;

TEST_F(ToolsApiTest, SegmentsShortGsmBody) {
  auto r = segments({{"body", "Hello [world]"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["encoding"], "GSM-7");
  EXPECT_EQ(r.json["segments"], 1);
  EXPECT_EQ(r.json["total_units"], 15);  // '[' and ']' are extension characters: 2 septets each
  EXPECT_EQ(r.json["units_per_segment"], json::array({15}));
  EXPECT_EQ(r.json["units_per_part"], 160);
  EXPECT_EQ(r.json["parts"], json::array({"Hello [world]"}));
  EXPECT_EQ(r.json["non_gsm_characters"], json::array());
  EXPECT_EQ(r.json["characters"], 13);
  EXPECT_EQ(r.json["max_characters"], 1600);
  EXPECT_EQ(r.json["smart_encoding"], false);
  EXPECT_EQ(r.json["smart_encoding_applied"], false);
  EXPECT_EQ(r.json["body"], "Hello [world]");
}

TEST_F(ToolsApiTest, Segments161GsmCharactersAreTwoPartsOf153And8) {
  const std::string body(161, 'a');
  auto r = segments({{"body", body}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["encoding"], "GSM-7");
  EXPECT_EQ(r.json["segments"], 2);
  EXPECT_EQ(r.json["units_per_segment"], json::array({153, 8}));
  EXPECT_EQ(r.json["units_per_part"], 153);
  EXPECT_EQ(r.json["parts"], json::array({std::string(153, 'a'), std::string(8, 'a')}));

  r = segments({{"body", std::string(160, 'a')}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["segments"], 1);
  EXPECT_EQ(r.json["units_per_part"], 160);
}

TEST_F(ToolsApiTest, SegmentsEmojiMakesTheBodyUcs2) {
  auto r = segments({{"body", "Hi \U0001F600 there"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["encoding"], "UCS-2");
  EXPECT_EQ(r.json["segments"], 1);
  EXPECT_EQ(r.json["total_units"], 11);  // the emoji is a surrogate pair: 2 UTF-16 units
  EXPECT_EQ(r.json["units_per_part"], 70);
  EXPECT_EQ(r.json["characters"], 10);
  EXPECT_EQ(r.json["non_gsm_characters"], json::array({"\U0001F600"}));

  // 71 units: two parts of at most 67, and the surrogate pair is not split.
  const std::string body = std::string(66, 'a') + "\U0001F600" + "abc";
  r = segments({{"body", body}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["segments"], 2);
  EXPECT_EQ(r.json["units_per_segment"], json::array({66, 5}));
}

TEST_F(ToolsApiTest, SmartEncodingReplacesCurlyQuotesAndDashes) {
  const std::string text = "\u201CHi\u201D \u2014 it\u2019s ok\u2026";  // “Hi” — it’s ok…
  auto plain = segments({{"body", text}, {"smart_encoding", false}});
  ASSERT_EQ(plain.status, 200) << plain.body;
  EXPECT_EQ(plain.json["encoding"], "UCS-2");
  EXPECT_EQ(plain.json["body"], text);
  EXPECT_EQ(plain.json["non_gsm_characters"],
            json::array({"\u201C", "\u201D", "\u2014", "\u2019", "\u2026"}));

  auto smart = segments({{"body", text}, {"smart_encoding", true}});
  ASSERT_EQ(smart.status, 200) << smart.body;
  EXPECT_EQ(smart.json["encoding"], "GSM-7");
  EXPECT_EQ(smart.json["body"], "\"Hi\" - it's ok...");
  EXPECT_EQ(smart.json["smart_encoding"], true);
  EXPECT_EQ(smart.json["smart_encoding_applied"], true);
  EXPECT_EQ(smart.json["replaced_characters"], 5);
  EXPECT_EQ(smart.json["non_gsm_characters"], json::array());

  // An emoji keeps the body UCS-2, so the original text is kept (Twilio's rule).
  auto mixed = segments({{"body", "\u201CHi\u201D \U0001F600"}, {"smart_encoding", true}});
  ASSERT_EQ(mixed.status, 200) << mixed.body;
  EXPECT_EQ(mixed.json["encoding"], "UCS-2");
  EXPECT_EQ(mixed.json["smart_encoding_applied"], false);
  EXPECT_EQ(mixed.json["body"], "\u201CHi\u201D \U0001F600");
}

TEST_F(ToolsApiTest, SegmentsRequestErrors) {
  expect_error(segments(json::object()), 400, "missing_field", "body");
  expect_error(segments({{"body", nullptr}}), 400, "missing_field", "body");
  expect_error(segments({{"body", 5}}), 400, "invalid_type", "body");
  expect_error(segments({{"body", "x"}, {"smart_encoding", "yes"}}), 400, "invalid_type",
               "smart_encoding");
  expect_error(segments({{"body", "x"}, {"smart", true}}), 400, "unknown_field", "smart");

  auto r = gw_->request("POST", "/v1/segments", *key_, "{\"body\": ", kJsonType);
  expect_error(r, 400, "invalid_json", nullptr);
  r = gw_->request("POST", "/v1/segments", *key_, "[\"hi\"]", kJsonType);
  expect_error(r, 400, "invalid_json", nullptr);
  r = gw_->request("POST", "/v1/segments", *key_, "{\"body\":\"\xC3\x28\"}", kJsonType);
  expect_error(r, 400, "invalid_utf8", nullptr);
  // A lone surrogate escape is not a character: rejected by the JSON parser.
  r = gw_->request("POST", "/v1/segments", *key_, R"({"body":"\ud83d"})", kJsonType);
  expect_error(r, 400, "invalid_json", nullptr);
  r = gw_->request("POST", "/v1/segments", *key_, "body=x", {{"Content-Type", "text/plain"}});
  expect_error(r, 415, "unsupported_media_type", "Content-Type");
}

TEST_F(ToolsApiTest, LookupGbNumbersUseTheConfiguredDefaultRegion) {
  auto r = lookup({{"number", "07400 123456"}});  // no region: [messages] default_region = GB
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["valid"], true);
  EXPECT_EQ(r.json["region"], "GB");
  EXPECT_EQ(r.json["kind"], "phone_number");
  EXPECT_EQ(r.json["e164"], "+447400123456");
  EXPECT_EQ(r.json["value"], "+447400123456");
  EXPECT_EQ(r.json["number_region"], "GB");
  EXPECT_EQ(r.json["country_code"], 44);
  EXPECT_EQ(r.json["type"], "mobile");
  EXPECT_EQ(r.json["national"], "07400 123456");
  EXPECT_EQ(r.json["international"], "+44 7400 123456");
  EXPECT_EQ(r.json["extension"], nullptr);
  EXPECT_EQ(r.json["reason"], nullptr);
  EXPECT_EQ(r.json["valid_as"], (json{{"sender", true}, {"recipient", true}}));

  r = lookup({{"number", "020 7946 0000"}, {"region", "GB"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["e164"], "+442079460000");
  EXPECT_EQ(r.json["type"], "fixed_line");
}

TEST_F(ToolsApiTest, LookupUsNumbers) {
  auto r = lookup({{"number", "(415) 555-0123"}, {"region", "US"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["valid"], true);
  EXPECT_EQ(r.json["region"], "US");
  EXPECT_EQ(r.json["e164"], "+14155550123");
  EXPECT_EQ(r.json["number_region"], "US");
  EXPECT_EQ(r.json["country_code"], 1);
  EXPECT_EQ(r.json["type"], "fixed_line_or_mobile");
  EXPECT_EQ(r.json["national"], "(415) 555-0123");
  EXPECT_EQ(r.json["international"], "+1 415-555-0123");

  // Region codes are accepted in any case; vanity letters are dialled digits.
  r = lookup({{"number", "1-800-FLOWERS"}, {"region", "us"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["region"], "US");
  EXPECT_EQ(r.json["e164"], "+18003569377");
  EXPECT_EQ(r.json["type"], "toll_free");

  // An extension is reported, and such a number cannot receive an SMS.
  r = lookup({{"number", "415-555-0123 ext. 42"}, {"region", "US"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["valid"], true);
  EXPECT_EQ(r.json["extension"], "42");
  EXPECT_EQ(r.json["valid_as"]["recipient"], false);
}

TEST_F(ToolsApiTest, LookupShortCodesAndAlphanumericSenders) {
  auto r = lookup({{"number", "55555"}, {"region", "US"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["valid"], true);
  EXPECT_EQ(r.json["kind"], "short_code");
  EXPECT_EQ(r.json["value"], "55555");
  EXPECT_EQ(r.json["number_region"], "US");
  EXPECT_EQ(r.json["e164"], nullptr);  // never a fake E.164
  EXPECT_EQ(r.json["valid_as"], (json{{"sender", true}, {"recipient", true}}));

  r = lookup({{"number", "ACME"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json["valid"], true);
  EXPECT_EQ(r.json["kind"], "alphanumeric");
  EXPECT_EQ(r.json["value"], "ACME");
  EXPECT_EQ(r.json["e164"], nullptr);
  EXPECT_EQ(r.json["number_region"], nullptr);
  EXPECT_EQ(r.json["valid_as"], (json{{"sender", true}, {"recipient", false}}));
}

TEST_F(ToolsApiTest, InvalidNumbersAreAnswersWithReasons) {
  struct Case {
    std::string number;
    std::string region;
    std::string reason;
  };
  const std::vector<Case> cases = {
      {"12345", "US", "too_short"},  // libphonenumber alone would "parse" it as +1 12345
      {"+999 1234567", "US", "invalid_country_code"},
      {"+1 415 555 01234567", "US", "too_long"},
      {"hello, world!", "US", "invalid_alphanumeric"},
      {"", "US", "empty"},
  };
  for (const auto& c : cases) {
    auto r = lookup({{"number", c.number}, {"region", c.region}});
    ASSERT_EQ(r.status, 200) << c.number << ": " << r.body;
    EXPECT_EQ(r.json["valid"], false) << c.number;
    EXPECT_EQ(r.json["reason"], c.reason) << c.number << ": " << r.body;
    EXPECT_TRUE(r.json["message"].is_string()) << c.number;
    EXPECT_EQ(r.json["e164"], nullptr) << c.number;
    EXPECT_EQ(r.json["valid_as"], (json{{"sender", false}, {"recipient", false}})) << c.number;
  }
}

TEST_F(ToolsApiTest, LookupRequestErrors) {
  expect_error(lookup({{"number", "+14155550123"}, {"region", "ZZ"}}), 400, "invalid_parameter",
               "region");
  expect_error(lookup({{"number", "+14155550123"}, {"region", ""}}), 400, "invalid_parameter",
               "region");
  expect_error(lookup({{"number", "+14155550123"}, {"region", 44}}), 400, "invalid_type", "region");
  expect_error(lookup({{"region", "US"}}), 400, "missing_field", "number");
  expect_error(lookup({{"number", 14155550123}}), 400, "invalid_type", "number");
  expect_error(lookup({{"number", "+14155550123"}, {"country", "US"}}), 400, "unknown_field",
               "country");
  auto r = gw_->request("POST", "/v1/lookup", *key_, "{\"number\":\"+1415\xFF\"}", kJsonType);
  expect_error(r, 400, "invalid_utf8", nullptr);
  r = gw_->request("POST", "/v1/lookup", *key_, "not json", kJsonType);
  expect_error(r, 400, "invalid_json", nullptr);
}

TEST_F(ToolsApiTest, ToolsRequireAnApiKey) {
  for (const char* path : {"/v1/segments", "/v1/lookup"}) {
    auto r = gw_->request("POST", path, "", R"({"body":"x","number":"+14155550123"})", kJsonType);
    expect_error(r, 401, "unauthorized", nullptr);
    EXPECT_EQ(r.header("WWW-Authenticate"), "Bearer") << path;
    r = gw_->request("POST", path, "sbk_wrong", R"({"body":"x"})", kJsonType);
    expect_error(r, 401, "unauthorized", nullptr);
    r = gw_->request("GET", path, *key_);
    EXPECT_EQ(r.status, 405) << path;
  }
}

TEST_F(ToolsApiTest, CliJsonIsTheApiAnswer) {
  for (const char* body :
       {"plain text", "\u201Csmart\u201D \u2026", "emoji \U0001F44D\U0001F3FD"}) {
    for (bool smart : {false, true}) {
      std::vector<std::string> argv = {switchboard_bin(), "segments", "--json"};
      if (smart) argv.push_back("--smart");
      argv.push_back(body);
      auto cli = run_command(argv);
      ASSERT_EQ(cli.exit_code, 0) << cli.out;
      auto api = segments({{"body", body}, {"smart_encoding", smart}});
      ASSERT_EQ(api.status, 200) << api.body;
      EXPECT_EQ(json::parse(cli.out), api.json) << body;
    }
  }
  for (const char* number : {"07400 123456", "+1 (415) 555-0123", "ACME", "61234", "12345"}) {
    auto cli = run_command({switchboard_bin(), "phone", "--json", "--region", "GB", number});
    ASSERT_EQ(cli.exit_code, 0) << cli.out;
    auto api = lookup({{"number", number}, {"region", "GB"}});
    ASSERT_EQ(api.status, 200) << api.body;
    EXPECT_EQ(json::parse(cli.out), api.json) << number;
  }
}

// The CLI tools never read a configuration or open a database: point $SWITCHBOARD_CONFIG at a
// file that does not exist, which would fail any command that loaded it.
const std::map<std::string, std::string> kNoConfig = {
    {"SWITCHBOARD_CONFIG", "/nonexistent/switchboard.toml"}};

std::vector<std::string> lines_of(const std::string& out) {
  std::vector<std::string> lines;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(ToolsCliTest, SegmentsPrintsATableByDefault) {
  auto r = run_command({switchboard_bin(), "segments", std::string(161, 'a')}, kNoConfig);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("encoding:       GSM-7\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("segments:       2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("161 septets (153 + 8;"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("part 2:         \"aaaaaaaa\"\n"), std::string::npos) << r.out;

  r = run_command({switchboard_bin(), "segments", "--smart", "It\u2019s \U0001F600"}, kNoConfig);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("encoding:       UCS-2\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\U0001F600 (U+1F600)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("smart encoding: on, not applied"), std::string::npos) << r.out;
}

TEST(ToolsCliTest, SegmentsJsonAndErrors) {
  auto r = run_command({switchboard_bin(), "segments", "--json", "--smart", "\u201Cok\u201D"},
                       kNoConfig);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  ASSERT_EQ(lines_of(r.out).size(), 1u) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["body"], "\"ok\"");
  EXPECT_EQ(j["encoding"], "GSM-7");
  EXPECT_EQ(j["smart_encoding_applied"], true);

  r = run_command({switchboard_bin(), "segments", "--json", "ab\xC3\x28"}, kNoConfig);
  EXPECT_EQ(r.exit_code, 1);
  j = json::parse(r.out);
  EXPECT_EQ(j["error"]["code"], "invalid_utf8");
  EXPECT_EQ(j["error"]["field"], "body");

  r = run_command({switchboard_bin(), "segments", "ab\xC3\x28"}, kNoConfig);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");  // the message goes to stderr
}

TEST(ToolsCliTest, SegmentsReadsOneJsonRequestPerLineFromStdin) {
  const std::string input = R"({"body":"line one\nline two"})"
                            "\n"
                            R"({"body":"\u201cq\u201d","smart_encoding":true})"
                            "\n"
                            "\n"  // blank lines are skipped
                            R"({"body":"x","extra":1})"
                            "\n"
                            "{not json\n"
                            "{\"body\":\"\xC3\x28\"}\n"
                            R"({"body":"Hi 😀"})"
                            "\r\n";  // CRLF line ends are fine
  auto r = run_command_with_input({switchboard_bin(), "segments", "-"}, input, kNoConfig);
  EXPECT_EQ(r.exit_code, 1);  // some lines were errors
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 6u) << r.out;
  json j = json::parse(lines[0]);
  EXPECT_EQ(j["body"], "line one\nline two");
  EXPECT_EQ(j["encoding"], "GSM-7");
  EXPECT_EQ(j["total_units"], 17);
  j = json::parse(lines[1]);
  EXPECT_EQ(j["body"], "\"q\"");
  EXPECT_EQ(j["smart_encoding_applied"], true);
  j = json::parse(lines[2]);
  EXPECT_EQ(j["error"]["code"], "unknown_field");
  EXPECT_EQ(j["error"]["field"], "extra");
  EXPECT_EQ(json::parse(lines[3])["error"]["code"], "invalid_json");
  EXPECT_EQ(json::parse(lines[4])["error"]["code"], "invalid_utf8");
  j = json::parse(lines[5]);
  EXPECT_EQ(j["encoding"], "UCS-2");
  EXPECT_EQ(j["segments"], 1);

  // --smart is the default for lines without "smart_encoding"; all good lines: exit 0.
  r = run_command_with_input(
      {switchboard_bin(), "segments", "--smart", "-"},
      "{\"body\":\"a\u2026\"}\n{\"body\":\"a\u2026\",\"smart_encoding\":false}\n", kNoConfig);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 2u) << r.out;
  EXPECT_EQ(json::parse(lines[0])["body"], "a...");
  EXPECT_EQ(json::parse(lines[1])["body"], "a\u2026");
}

TEST(ToolsCliTest, PhonePrintsATableByDefault) {
  auto r = run_command({switchboard_bin(), "phone", "(415) 555-0123"}, kNoConfig);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("valid:          yes\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("e164:           +14155550123\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("region:         US (country code 1)\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("international:  +1 415-555-0123\n"), std::string::npos) << r.out;

  // An invalid number is an answer, not a failure of the command.
  r = run_command({switchboard_bin(), "phone", "12345"}, kNoConfig);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("valid:          no: too_short\n"), std::string::npos) << r.out;

  r = run_command({switchboard_bin(), "phone", "--region", "GB", "020 7946 0000"}, kNoConfig);
  EXPECT_EQ(r.exit_code, 0) << r.out;
  EXPECT_NE(r.out.find("e164:           +442079460000\n"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("type:           fixed_line\n"), std::string::npos) << r.out;
}

TEST(ToolsCliTest, PhoneJsonAndUnknownRegion) {
  auto r = run_command({switchboard_bin(), "phone", "--json", "ACME"}, kNoConfig);
  ASSERT_EQ(r.exit_code, 0) << r.out;
  json j = json::parse(r.out);
  EXPECT_EQ(j["kind"], "alphanumeric");
  EXPECT_EQ(j["region"], "US");  // the CLI's default region
  EXPECT_EQ(j["valid_as"]["recipient"], false);

  r = run_command({switchboard_bin(), "phone", "--region", "XX", "+14155550123"}, kNoConfig);
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_EQ(r.out, "");
}

TEST(ToolsCliTest, PhoneReadsOneJsonRequestPerLineFromStdin) {
  const std::string input = R"({"number":"(415) 555-0123"})"
                            "\n"
                            R"({"number":"07400 123456","region":"GB"})"
                            "\n"
                            R"({"number":"+14155550123","region":"ZZ"})"
                            "\n"
                            R"({"region":"GB"})"
                            "\n"
                            R"({"number":"55555"})"
                            "\n";
  auto r =
      run_command_with_input({switchboard_bin(), "phone", "--region", "US", "-"}, input, kNoConfig);
  EXPECT_EQ(r.exit_code, 1);
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u) << r.out;
  EXPECT_EQ(json::parse(lines[0])["e164"], "+14155550123");
  EXPECT_EQ(json::parse(lines[1])["e164"], "+447400123456");
  json j = json::parse(lines[2]);
  EXPECT_EQ(j["error"]["code"], "invalid_parameter");
  EXPECT_EQ(j["error"]["field"], "region");
  j = json::parse(lines[3]);
  EXPECT_EQ(j["error"]["code"], "missing_field");
  EXPECT_EQ(j["error"]["field"], "number");
  EXPECT_EQ(json::parse(lines[4])["kind"], "short_code");

  // A large batch streams through without deadlocking on the pipes, answers in order.
  std::string many;
  for (int i = 0; i < 3000; ++i)
    many += "{\"number\":\"+1415555" + std::to_string(1000 + i) + "\"}\n";
  r = run_command_with_input({switchboard_bin(), "phone", "-"}, many, kNoConfig);
  EXPECT_EQ(r.exit_code, 0);
  lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 3000u);
  EXPECT_EQ(json::parse(lines[2999])["e164"], "+14155553999");
}

}  // namespace
}  // namespace sb::test
