// Inbound forwarding through the real binary, on SQLite and PostgreSQL: PATCH /v1/numbers/{number}
// (validation, tenant isolation, default status_callback), forwards that an app server refuses
// (500), lets time out, then answers with a reply, sent once and threaded into the conversation;
// signatures recomputed here with OpenSSL (a tampered body fails); GET forwarding with a signed
// query string; the delivery log and its tenant isolation; the signing secret's read and
// rotation; and a forward that survives kill -9 while the app is down.
//
// Inbound messages arrive as Twilio webhooks signed like Twilio does (X-Twilio-Signature:
// base64 HMAC-SHA1 over the public URL and sorted form fields, sb::twilio_signature,
// pinned to Twilio's published vectors by tests/unit/providers/twilio_webhook_test.cc); the
// fields are those of Twilio's "Messaging webhooks: the request" (inbound SMS).
#include <gtest/gtest.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>

#include "core/twilio_signature.h"
#include "http/router.h"
#include "http/server.h"
#include "providers/transport/http_util.h"
#include "providers/twilio/twilio_webhook.h"
#include "support/fake_provider.h"
#include "support/gateway.h"

namespace sb::test {
namespace {

using nlohmann::json;
using sb::FormFields;
using namespace std::chrono_literals;

constexpr char kPublicUrl[] = "https://sms.example.test";
constexpr char kAccountSid[] = "ACffffffffffffffffffffffffffffffff";
constexpr char kTwilioToken[] = "fedcba9876543210fedcba9876543210";
constexpr char kOurs[] = "+12025550100";     // acme (sim connector for sending)
constexpr char kOtherNumber[] = "+12025550199";  // account other
constexpr char kPhone[] = "+14155550123";    // a customer

std::string twilio_toml() {
  return std::string("[[connectors]]\nid = \"tw\"\nprovider = \"twilio\"\n") +
         "base_url = \"http://127.0.0.1:9\"\naccount_sid = \"" + kAccountSid +
         "\"\nauth_token = \"" + kTwilioToken + "\"\n";
}

// Fast retries; a 700 ms timeout so a hung app is one failed attempt, not a stuck test.
std::string callbacks_toml(int base_ms = 50, int max_ms = 200) {
  return "[callbacks]\nretry_base_ms = " + std::to_string(base_ms) +
         "\nretry_max_ms = " + std::to_string(max_ms) + "\ntimeout_ms = 700\n";
}

// The app's check, written from the documentation (docs/forwarding.md) with OpenSSL directly:
// "t=<ts>,v1=<hex HMAC-SHA256(secret, "<ts>.<signed>")>".
bool signature_valid(const std::string& header, const std::string& secret,
                     const std::string& signed_part) {
  const auto comma = header.find(",v1=");
  if (header.rfind("t=", 0) != 0 || comma == std::string::npos) return false;
  const std::string ts = header.substr(2, comma - 2);
  const std::string v1 = header.substr(comma + 4);
  const std::string data = ts + "." + signed_part;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &len);
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[mac[i] >> 4]);
    hex.push_back(kHex[mac[i] & 15]);
  }
  const int64_t t = std::stoll(ts);
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                          std::chrono::system_clock::now().time_since_epoch())
                          .count();
  return hex == v1 && std::llabs(now - t) < 300;  // the documented 5-minute tolerance
}

class ForwardingTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !pg_admin_url()) {
      if (pg_required()) FAIL() << "SWITCHBOARD_TEST_PG_URL is required";
      GTEST_SKIP() << "no PostgreSQL (set SWITCHBOARD_TEST_PG_URL)";
    }
  }

  void start(const std::string& extra = callbacks_toml()) {
    gw_ = std::make_unique<TestGateway>(GetParam(), twilio_toml() + extra,
                                        "public_url = \"" + std::string(kPublicUrl) + "\"\n");
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }

  // A customer's SMS to `to`, as Twilio posts it (signed).
  HttpResult inbound(const std::string& body, const std::string& to = kOurs,
                     const std::string& from = kPhone) {
    static std::atomic<int> n{0};
    char sid[40];
    std::snprintf(sid, sizeof sid, "SM%032d", ++n + static_cast<int>(::getpid() % 100000) * 1000);
    const FormFields f = {{"MessageSid", sid}, {"SmsSid", sid},     {"AccountSid", kAccountSid},
                          {"From", from},      {"To", to},          {"Body", body},
                          {"NumMedia", "0"},   {"NumSegments", "1"}, {"SmsStatus", "received"},
                          {"ApiVersion", "2010-04-01"}};
    const std::string path = "/webhooks/tw";
    return gw_->request(
        "POST", path, "", sb::form_encode(f),
        {{"Content-Type", "application/x-www-form-urlencoded"},
         {"X-Twilio-Signature",
          sb::twilio_signature(kTwilioToken, kPublicUrl + path, f)}});
  }

  HttpResult patch(const std::string& number_path, const std::string& key, const std::string& body) {
    return gw_->request("PATCH", "/v1/numbers/" + number_path, key, body,
                        {{"Content-Type", "application/json"}});
  }
  HttpResult patch(const std::string& number_path, const std::string& key, const json& body) {
    return patch(number_path, key, body.dump());
  }

  std::string secret(const std::string& key) {
    auto r = gw_->get("/v1/signing-secret", key);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json.value("secret", "");
  }

  // The newest inbound message of acme with this body.
  json inbound_message(const std::string& body) {
    json found;
    wait_until(
        [&] {
          auto r = gw_->get("/v1/messages?direction=inbound&limit=100", acme_);
          for (const auto& m : r.json["data"]) {
            if (m["body"] == body) {
              found = m;
              return true;
            }
          }
          return false;
        },
        10s);
    return found;
  }

  json deliveries(const std::string& message_id, const std::string& key) {
    auto r = gw_->get("/v1/messages/" + message_id + "/deliveries", key);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.json["data"];
  }

  // Waits until the message's forward is no longer pending; returns it.
  json settled_forward(const std::string& message_id, std::chrono::milliseconds timeout = 20s) {
    json forward;
    wait_until(
        [&] {
          for (const auto& d : deliveries(message_id, acme_)) {
            if (d["kind"] == "forward" && d["state"] != "pending") {
              forward = d;
              return true;
            }
          }
          return false;
        },
        timeout);
    return forward;
  }

  // Outbound messages of acme whose metadata says they answer `delivery_id`.
  std::vector<json> replies_to(const std::string& delivery_id) {
    std::vector<json> out;
    auto r = gw_->get("/v1/messages?direction=outbound&limit=100", acme_);
    for (const auto& m : r.json["data"]) {
      if (m["metadata"].value("forward_reply", "") == delivery_id) out.push_back(m);
    }
    return out;
  }

  int submissions(const std::string& id) { return gw_->sim_submissions(id); }

  FakeProvider app_;  // the customer's app server
  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

TEST_P(ForwardingTest, RetriedUntilTheAppRepliesAndTheReplyIsSentOnceInTheConversation) {
  start();
  // The app fails twice (a 500, then hangs past the 700 ms timeout), then replies.
  app_.push({.status = 500, .body = "{\"error\":\"boom\"}"});
  app_.push({.status = 200, .body = "{}", .delay_ms = 2000});
  app_.push({.status = 200,
             .body = R"({"reply": {"body": "Thanks! We got it.", "media_urls": []}})"});
  auto p = patch("%2B12025550100", acme_,
                 json{{"forwarding", {{"url", app_.base_url() + "/inbound"}, {"method", "POST"}}}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json["forwarding"]["url"], app_.base_url() + "/inbound");

  ASSERT_EQ(inbound("Hello, is the shop open?").status, 200);
  const json in = inbound_message("Hello, is the shop open?");
  ASSERT_TRUE(in.is_object());
  const std::string in_id = in["id"];

  const json forward = settled_forward(in_id);
  ASSERT_TRUE(forward.is_object()) << deliveries(in_id, acme_).dump(2);
  EXPECT_EQ(forward["state"], "delivered");
  EXPECT_EQ(forward["method"], "POST");
  EXPECT_EQ(forward["attempt_count"], 3);
  const auto& attempts = forward["attempts"];
  ASSERT_EQ(attempts.size(), 3u) << forward.dump(2);
  EXPECT_EQ(attempts[0]["attempt"], 1);
  EXPECT_EQ(attempts[0]["http_status"], 500);
  EXPECT_EQ(attempts[0]["error"], "HTTP 500");
  EXPECT_EQ(attempts[0]["response_excerpt"], "{\"error\":\"boom\"}");
  EXPECT_TRUE(attempts[1]["http_status"].is_null()) << "no response: timed out";
  EXPECT_FALSE(attempts[1]["error"].is_null());
  EXPECT_GE(attempts[1]["duration_ms"].get<int64_t>(), 600);
  EXPECT_EQ(attempts[2]["http_status"], 200);
  EXPECT_TRUE(attempts[2]["error"].is_null()) << attempts[2].dump();
  ASSERT_TRUE(attempts[2]["reply_message_id"].is_string()) << attempts[2].dump();
  const std::string reply_id = attempts[2]["reply_message_id"];

  // What the app received: three signed attempts of one delivery, the message as the API shows it.
  const std::string key = secret(acme_);
  auto reqs = app_.requests();
  ASSERT_EQ(reqs.size(), 3u);
  for (size_t i = 0; i < reqs.size(); ++i) {
    const auto& r = reqs[i];
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.path, "/inbound");
    EXPECT_EQ(r.header("content-type"), "application/json");
    EXPECT_EQ(r.header("switchboard-event"), "message.received");
    EXPECT_EQ(r.header("switchboard-delivery"), forward["id"].get<std::string>());
    EXPECT_EQ(r.header("switchboard-attempt"), std::to_string(i + 1));
    EXPECT_TRUE(signature_valid(r.header("switchboard-signature"), key, r.body))
        << r.header("switchboard-signature");
    std::string tampered = r.body;
    tampered.replace(tampered.find("shop"), 4, "SHOP");
    EXPECT_FALSE(signature_valid(r.header("switchboard-signature"), key, tampered));
    EXPECT_FALSE(signature_valid(r.header("switchboard-signature"), key + "x", r.body));
    const json body = json::parse(r.body);
    EXPECT_EQ(body["id"], in_id);
    EXPECT_EQ(body["direction"], "inbound");
    EXPECT_EQ(body["from"], kPhone);
    EXPECT_EQ(body["to"], kOurs);
    EXPECT_EQ(body["body"], "Hello, is the shop open?");
    EXPECT_EQ(body["conversation_id"], in["conversation_id"]);
    EXPECT_EQ(body["contact"]["number"], kPhone);
    EXPECT_EQ(body["contact"]["name"], "Unknown");
  }

  // The reply: one message, from our number to the customer, in the same conversation, at the
  // carrier once.
  const auto replies = replies_to(forward["id"].get<std::string>());
  ASSERT_EQ(replies.size(), 1u);
  EXPECT_EQ(replies[0]["id"], reply_id);
  EXPECT_EQ(replies[0]["from"], kOurs);
  EXPECT_EQ(replies[0]["to"], kPhone);
  EXPECT_EQ(replies[0]["body"], "Thanks! We got it.");
  EXPECT_EQ(replies[0]["conversation_id"], in["conversation_id"]);
  EXPECT_EQ(replies[0]["metadata"]["in_reply_to"], in_id);
  gw_->wait_for_status(reply_id, acme_, "delivered");
  EXPECT_EQ(submissions(reply_id), 1);
  auto conv = gw_->get("/v1/conversations/" + in["conversation_id"].get<std::string>(), acme_);
  ASSERT_EQ(conv.status, 200) << conv.body;
  EXPECT_EQ(conv.json["inbound_count"], 1);
  EXPECT_EQ(conv.json["outbound_count"], 1);
  EXPECT_EQ(app_.request_count(), 3u) << "acknowledged: not delivered again";
}

TEST_P(ForwardingTest, GetForwardingSendsSignedQueryParametersAndNoReplyWhenNoneIsAsked) {
  start();
  auto p = patch("12025550100", acme_,  // without the '+'
                 json{{"forwarding", {{"url", app_.base_url() + "/sms?source=gw"},
                                      {"method", "GET"}}}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.json["forwarding"]["method"], "GET");
  ASSERT_EQ(inbound("Price for 2 items & shipping?").status, 200);
  ASSERT_TRUE(app_.wait_for_requests(1, 20s));
  const json in = inbound_message("Price for 2 items & shipping?");
  const json forward = settled_forward(in["id"].get<std::string>());
  EXPECT_EQ(forward["state"], "delivered");
  EXPECT_EQ(forward["attempts"].size(), 1u);

  const auto r = app_.requests().at(0);
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/sms");
  EXPECT_TRUE(r.body.empty());
  const std::string query = r.target.substr(r.target.find('?') + 1);
  EXPECT_EQ(query.rfind("source=gw&", 0), 0u) << query;
  EXPECT_TRUE(signature_valid(r.header("switchboard-signature"), secret(acme_), query)) << query;
  EXPECT_FALSE(signature_valid(r.header("switchboard-signature"), secret(acme_),
                               query + "&extra=1"));
  std::map<std::string, std::string> params;
  for (const auto& [k, v] : sb::form_decode(query)) params[k] = v;
  EXPECT_EQ(params["id"], in["id"].get<std::string>());
  EXPECT_EQ(params["from"], kPhone);
  EXPECT_EQ(params["to"], kOurs);
  EXPECT_EQ(params["body"], "Price for 2 items & shipping?");
  EXPECT_EQ(params["conversation_id"], in["conversation_id"].get<std::string>());
  EXPECT_EQ(params["num_media"], "0");
  EXPECT_FALSE(params["contact_id"].empty());
  EXPECT_TRUE(replies_to(forward["id"].get<std::string>()).empty());
}

TEST_P(ForwardingTest, AnInvalidOrRefusedReplyIsLoggedOnTheAttemptAndNothingIsSent) {
  start();
  ASSERT_EQ(patch("+12025550100", acme_, json{{"forwarding", {{"url", app_.base_url()}}}}).status,
            200);
  // A malformed reply, then a reply to a customer who has opted out.
  app_.push({.status = 200, .body = R"({"reply": {"body": 42}})"});
  ASSERT_EQ(inbound("first").status, 200);
  const json first = settled_forward(inbound_message("first")["id"].get<std::string>());
  EXPECT_EQ(first["state"], "delivered");
  ASSERT_EQ(first["attempts"].size(), 1u);
  EXPECT_EQ(first["attempts"][0]["http_status"], 200);
  EXPECT_NE(first["attempts"][0]["error"].get<std::string>().find("reply.body"),
            std::string::npos)
      << first.dump();
  EXPECT_TRUE(first["attempts"][0]["reply_message_id"].is_null());
  EXPECT_TRUE(replies_to(first["id"].get<std::string>()).empty());

  auto opt = gw_->post_json("/v1/opt-outs", acme_, {{"number", kPhone}});
  ASSERT_EQ(opt.status, 201) << opt.body;
  app_.push({.status = 200, .body = R"({"reply": {"body": "Buy now!"}})"});
  ASSERT_EQ(inbound("second").status, 200);
  const json second = settled_forward(inbound_message("second")["id"].get<std::string>());
  ASSERT_EQ(second["attempts"].size(), 1u);
  EXPECT_NE(second["attempts"][0]["error"].get<std::string>().find("recipient_opted_out"),
            std::string::npos)
      << second.dump();
  EXPECT_TRUE(replies_to(second["id"].get<std::string>()).empty());
}

TEST_P(ForwardingTest, PatchValidatesItsBodyAndSetsTheDefaultStatusCallback) {
  start();
  struct Case {
    std::string body;
    int status;
    std::string code, field;
  };
  const std::string url = app_.base_url() + "/x";
  const std::vector<Case> cases = {
      {R"({"forwarding": {"url": ")" + url + R"("}, "colour": "red"})", 400, "unknown_field",
       "colour"},
      {R"({"forwarding": {"url": ")" + url + R"(", "retries": 3}})", 400, "unknown_field",
       "forwarding.retries"},
      {R"({"forwarding": {"url": "ftp://example.com/in"}})", 422, "invalid_url", "forwarding.url"},
      {R"({"forwarding": {"url": "https://user:pw@example.com/in"}})", 422, "invalid_url",
       "forwarding.url"},
      {R"({"forwarding": {"url": "https:///in"}})", 422, "invalid_url", "forwarding.url"},
      {R"({"forwarding": {"url": "https://example.com:99999/"}})", 422, "invalid_url",
       "forwarding.url"},
      {R"({"forwarding": {"url": 7}})", 400, "invalid_type", "forwarding.url"},
      {R"({"forwarding": {"method": "POST"}})", 400, "missing_field", "forwarding.url"},
      {R"({"forwarding": {"url": ")" + url + R"(", "method": "PUT"}})", 422, "invalid_method",
       "forwarding.method"},
      {R"({"forwarding": {"url": ")" + url + R"(", "method": "post"}})", 422, "invalid_method",
       "forwarding.method"},
      {R"({"forwarding": "https://example.com"})", 400, "invalid_type", "forwarding"},
      {R"({"status_callback": "not a url"})", 422, "invalid_url", "status_callback"},
      {R"({"status_callback": true})", 400, "invalid_type", "status_callback"},
      {R"({"forwarding": )", 400, "invalid_json", ""},
      {R"([1, 2])", 400, "invalid_json", ""},
  };
  for (const auto& c : cases) {
    auto r = patch("%2B12025550100", acme_, c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    EXPECT_EQ(r.json["error"].value("code", ""), c.code) << c.body;
    if (!c.field.empty()) {
      EXPECT_EQ(r.json["error"].value("field", ""), c.field) << c.body;
    }
  }
  // Nothing above changed the number.
  auto unchanged = patch("%2B12025550100", acme_, json::object());
  ASSERT_EQ(unchanged.status, 200) << unchanged.body;
  EXPECT_TRUE(unchanged.json["forwarding"].is_null());
  EXPECT_TRUE(unchanged.json["status_callback"].is_null());
  EXPECT_EQ(unchanged.json["number"], kOurs);
  EXPECT_EQ(unchanged.json["connector"], "sim");

  // Tenant isolation: another account's number is not found; so is an unknown one.
  for (const std::string& path : {std::string("%2B12025550199"), std::string("12025550199")}) {
    auto r = patch(path, acme_, json{{"forwarding", {{"url", url}}}});
    EXPECT_EQ(r.status, 404) << r.body;
    EXPECT_EQ(r.json["error"]["code"], "not_found");
  }
  EXPECT_EQ(patch("%2B12025550100", other_, json{{"status_callback", url}}).status, 404);
  EXPECT_EQ(patch("%2B19995550000", acme_, json{{"status_callback", url}}).status, 404);
  EXPECT_EQ(patch("%2B12025550100", "", json{{"status_callback", url}}).status, 401);
  auto theirs = patch("%2B12025550199", other_, json::object());
  EXPECT_EQ(theirs.status, 200);
  EXPECT_TRUE(theirs.json["status_callback"].is_null()) << "acme's attempts changed nothing";

  // The number's status_callback becomes the default of messages sent from it (signed too).
  auto set = patch("%2B12025550100", acme_, json{{"status_callback", url}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json["status_callback"], url);
  auto sent = gw_->post_json("/v1/messages", acme_,
                             {{"to", kPhone}, {"from", kOurs}, {"body", "your order shipped"}});
  ASSERT_EQ(sent.status, 202) << sent.body;
  EXPECT_EQ(sent.json["status_callback"], url);
  auto own = gw_->post_json("/v1/messages", acme_,
                            {{"to", kPhone},
                             {"from", kOurs},
                             {"body", "own callback"},
                             {"status_callback", app_.base_url() + "/own"}});
  EXPECT_EQ(own.json["status_callback"], app_.base_url() + "/own");
  ASSERT_TRUE(app_.wait_for_requests(1, 20s));
  const auto first = app_.requests().front();
  EXPECT_EQ(first.header("switchboard-event"), "message.status");
  EXPECT_TRUE(signature_valid(first.header("switchboard-signature"), secret(acme_), first.body));

  // null clears.
  auto cleared = patch("%2B12025550100", acme_, json{{"status_callback", nullptr}});
  EXPECT_TRUE(cleared.json["status_callback"].is_null());
  auto later = gw_->post_json("/v1/messages", acme_, {{"to", kPhone}, {"body", "no callback"}});
  EXPECT_TRUE(later.json["status_callback"].is_null()) << later.body;
}

TEST_P(ForwardingTest, TheDeliveryLogAndTheSigningSecretAreTenantIsolated) {
  start();
  ASSERT_EQ(patch("+12025550100", acme_, json{{"forwarding", {{"url", app_.base_url()}}}}).status,
            200);
  ASSERT_EQ(inbound("log me").status, 200);
  const std::string id = inbound_message("log me")["id"];
  ASSERT_TRUE(settled_forward(id).is_object());

  auto theirs = gw_->get("/v1/messages/" + id + "/deliveries", other_);
  EXPECT_EQ(theirs.status, 404) << theirs.body;
  EXPECT_EQ(theirs.json["error"]["code"], "not_found");
  EXPECT_EQ(gw_->get("/v1/messages/msg_nope/deliveries", acme_).status, 404);
  EXPECT_EQ(gw_->get("/v1/messages/" + id + "/deliveries", "").status, 401);
  // A message without deliveries has an empty log.
  ASSERT_EQ(inbound("to the other account", kOtherNumber).status, 200);
  wait_until(
      [&] {
        auto r = gw_->get("/v1/messages?direction=inbound", other_);
        return r.status == 200 && r.json["data"].size() == 1;
      },
      10s);
  const std::string other_id = gw_->get("/v1/messages?direction=inbound", other_)
                                   .json["data"][0]["id"];
  EXPECT_EQ(gw_->get("/v1/messages/" + other_id + "/deliveries", acme_).status, 404);
  auto empty = gw_->get("/v1/messages/" + other_id + "/deliveries", other_);
  EXPECT_EQ(empty.status, 200);
  EXPECT_TRUE(empty.json["data"].empty()) << "other's number does not forward";

  // The secret: stable, per account, rotated on request; new attempts use the new one.
  auto a1 = gw_->get("/v1/signing-secret", acme_);
  ASSERT_EQ(a1.status, 200);
  EXPECT_EQ(a1.header("Cache-Control"), "no-store");
  EXPECT_EQ(a1.json["algorithm"], "HMAC-SHA256");
  EXPECT_EQ(secret(acme_), a1.json["secret"]);
  EXPECT_NE(secret(other_), a1.json["secret"]);
  EXPECT_EQ(gw_->get("/v1/signing-secret", "").status, 401);
  auto rotated = gw_->request("POST", "/v1/signing-secret/rotate", acme_);
  ASSERT_EQ(rotated.status, 200) << rotated.body;
  EXPECT_NE(rotated.json["secret"], a1.json["secret"]);
  EXPECT_EQ(secret(acme_), rotated.json["secret"]);
  ASSERT_EQ(inbound("after rotation").status, 200);
  ASSERT_TRUE(app_.wait_for_requests(2, 20s));
  const auto r = app_.requests().back();
  EXPECT_TRUE(signature_valid(r.header("switchboard-signature"), rotated.json["secret"].get<std::string>(), r.body));
  EXPECT_FALSE(signature_valid(r.header("switchboard-signature"), a1.json["secret"].get<std::string>(), r.body));
  // The secret never reaches the log.
  EXPECT_EQ(gw_->server_log().find(rotated.json["secret"].get<std::string>()), std::string::npos);
}

// The app server of the restart test: answers on a fixed port once it is up, so the gateway
// meets a closed port (connection refused) while it is down.
class AppServer {
 public:
  explicit AppServer(unsigned short port) {
    router_.set_fallback([this](http::Request& req, http::Reply reply) {
      {
        std::lock_guard lk(mu_);
        bodies_.push_back(req.body);
      }
      reply(http::Response::json(200, json::object()));
    });
    http::ServerOptions o;
    o.host = "127.0.0.1";
    o.port = port;
    o.io_threads = 1;
    o.handler_threads = 1;
    server_ = std::make_unique<http::Server>(o, router_);
    server_->start();
  }
  unsigned short port() const { return server_->port(); }
  std::vector<std::string> bodies() {
    std::lock_guard lk(mu_);
    return bodies_;
  }

 private:
  http::Router router_;
  std::unique_ptr<http::Server> server_;
  std::mutex mu_;
  std::vector<std::string> bodies_;
};

TEST_P(ForwardingTest, AForwardSurvivesKill9WhileTheAppIsDown) {
  // Slower retries here: a kill in the middle of an attempt would leave a 60 s lease.
  start(callbacks_toml(400, 800));
  unsigned short port;
  {
    AppServer probe(0);  // a free port, closed again: the app is down
    port = probe.port();
  }
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/in";
  ASSERT_EQ(patch("+12025550100", acme_, json{{"forwarding", {{"url", url}}}}).status, 200);
  ASSERT_EQ(inbound("are you there?").status, 200);  // the provider has its 2xx
  const std::string id = inbound_message("are you there?")["id"];
  // At least one refused attempt is on record before the crash.
  ASSERT_TRUE(wait_until(
      [&] {
        auto ds = deliveries(id, acme_);
        return !ds.empty() && !ds[0]["attempts"].empty();
      },
      20s));
  gw_->kill9();

  AppServer app(port);
  gw_->start();
  ASSERT_TRUE(wait_until([&] { return !app.bodies().empty(); }, 90s));
  EXPECT_EQ(json::parse(app.bodies().front())["id"], id);
  const json forward = settled_forward(id);
  EXPECT_EQ(forward["state"], "delivered");
  const auto& attempts = forward["attempts"];
  ASSERT_GE(attempts.size(), 2u);
  EXPECT_TRUE(attempts[0]["http_status"].is_null());  // refused while down
  EXPECT_EQ(attempts.back()["http_status"], 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, ForwardingTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::test
