// The SMPP connector through the real binary against an independent SMSC: the npm `smpp` server
// (tests/sdk/smpp_smsc.js), which records every submit_sm byte for byte, answers with hex or
// decimal ids, sends receipts in whichever spelling and shape a test asks for, throttles, holds
// and drops, stops answering enquire_link, and sends mobile-originated messages in parts.
#include <gtest/gtest.h>

#include "support/gateway.h"
#include "support/node_peer.h"

namespace sb::test {
namespace {

using nlohmann::json;
using namespace std::chrono_literals;

constexpr const char* kNumber = "+15145550100";       // on connector "smsc" (GSM-7, UDH)
constexpr const char* kLatinNumber = "+15145550101";  // on "smsc-latin" (Latin-1, SAR)
constexpr const char* kPhone = "+15145559999";

bool named(const json& e, const std::string& name) { return e.value("event", "") == name; }

class SmppConnectorTest : public ::testing::Test {
 protected:
  void SetUp() override { smsc_.emplace("smpp_smsc.js", std::vector<std::string>{}); }

  // Starts the gateway with two connectors bound to the fake (`extra` appended to the first).
  void start(const std::string& extra = "") {
    port_ = smsc_->wait_for_event("listening", 10s)["port"].get<int>();
    const std::string common = "host = \"127.0.0.1\"\nport = " + std::to_string(port_) +
                               "\npassword = \"secret\"\nreconnect_min_ms = 50\n"
                               "reconnect_max_ms = 200\ntimeout_ms = 5000\n";
    gw_.emplace(
        Backend::kSqlite,
        "[[connectors]]\nid = \"smsc\"\nprovider = \"smpp\"\nsystem_id = \"sb-main\"\n" + common +
            extra +
            "[[connectors]]\nid = \"smsc-latin\"\nprovider = \"smpp\"\n"
            "system_id = \"sb-latin\"\ndata_coding = \"latin1\"\nlong_messages = \"sar\"\n" +
            common + "[[numbers]]\nnumber = \"" + kNumber +
            "\"\naccount = \"acme\"\nconnector = \"smsc\"\n[[numbers]]\nnumber = \"" +
            kLatinNumber +
            "\"\naccount = \"acme\"\nconnector = \"smsc-latin\"\n"
            "[webhooks]\nsms_parts_timeout_ms = 3000\n");
    key_ = gw_->create_key("acme");
    gw_->start();
    // Both connectors bind before anything is sent.
    smsc_->wait_for([](const json& e) { return named(e, "bind") && e["system_id"] == "sb-main"; },
                    20s);
    smsc_->wait_for([](const json& e) { return named(e, "bind") && e["system_id"] == "sb-latin"; },
                    20s);
  }

  std::string send(const std::string& from, const std::string& body) {
    auto r = gw_->post_json("/v1/messages", key_, {{"from", from}, {"to", kPhone}, {"body", body}});
    EXPECT_EQ(r.status, 202) << r.body;
    return r.json.value("id", "");
  }

  // The fake's submit_sm events whose text (decoded by the fake) starts with `prefix`.
  std::vector<json> submits_of(const std::string& dest) {
    std::vector<json> out;
    for (const auto& e : smsc_->events_named("submit_sm")) {
      if (e.value("destination_addr", "") == dest) out.push_back(e);
    }
    return out;
  }

  json stats() {
    const size_t from = smsc_->events().size();
    smsc_->command({{"cmd", "stats"}});
    return smsc_->wait_for_event("stats", 10s, from);
  }

  std::optional<NodePeer> smsc_;
  std::optional<TestGateway> gw_;
  std::string key_;
  int port_ = 0;
};

TEST_F(SmppConnectorTest, Gsm7Latin1AndUcs2BodiesAreSentAndDelivered) {
  start();
  const std::string gsm = send(kNumber, "Hi @ home: {ok} 5€");
  const std::string latin = send(kLatinNumber, "Café à déjà vu");
  const std::string ucs2 = send(kNumber, "Hello 👋 Zoë");
  for (const auto& id : {gsm, latin, ucs2}) gw_->wait_for_status(id, key_, "delivered");

  const auto subs = submits_of("15145559999");
  ASSERT_EQ(subs.size(), 3u);
  std::map<int, json> by_coding;
  for (const auto& s : subs) by_coding[s["data_coding"].get<int>()] = s;
  ASSERT_EQ(by_coding.size(), 3u);
  // GSM 03.38 unpacked: '@' is 0x00, '{' is ESC 0x28, '€' is ESC 0x65.
  EXPECT_EQ(by_coding[0]["body"], "4869200020686f6d653a201b286f6b1b2920351b65");
  EXPECT_EQ(by_coding[3]["body"], "436166e920e02064e96ae0207675");  // Latin-1
  // UCS-2 big-endian, the emoji as its surrogate pair.
  EXPECT_EQ(by_coding[8]["body"], "00480065006c006c006f0020d83ddc4b0020005a006f00eb");
  for (const auto& s : subs) {
    EXPECT_EQ(s["source_addr"], s["data_coding"] == 3 ? "15145550101" : "15145550100");
    EXPECT_EQ(s["source_addr_ton"], 1);
    EXPECT_EQ(s["source_addr_npi"], 1);
    EXPECT_EQ(s["dest_addr_ton"], 1);
    EXPECT_EQ(s["registered_delivery"], 1);
  }
  // The message records the SMSC's id (the fake's ids are upper-case hex).
  auto m = gw_->get("/v1/messages/" + gsm, key_).json;
  EXPECT_FALSE(m.value("provider_message_id", "").empty());
}

TEST_F(SmppConnectorTest, ALongBodyGoesAsUdhPartsOnOneConnectorAndAsSarOnTheOther) {
  start();
  std::string body;
  while (body.size() < 300) body += "The quick brown fox jumps over the lazy dog. ";
  body.resize(300);
  const std::string udh = send(kNumber, body);
  const std::string sar = send(kLatinNumber, body);
  gw_->wait_for_status(udh, key_, "delivered");
  gw_->wait_for_status(sar, key_, "delivered");

  std::vector<json> udh_parts, sar_parts;
  for (const auto& s : submits_of("15145559999")) {
    (s["source_addr"] == "15145550100" ? udh_parts : sar_parts).push_back(s);
  }
  ASSERT_EQ(udh_parts.size(), 2u);
  ASSERT_EQ(sar_parts.size(), 3u);  // Latin-1: 134 octets a part
  std::string joined;
  for (size_t i = 0; i < udh_parts.size(); ++i) {
    const json& p = udh_parts[i];
    EXPECT_EQ(p["esm_class"].get<int>() & 0x40, 0x40);
    EXPECT_EQ(p["concat"]["kind"], "udh8");
    EXPECT_EQ(p["concat"]["total"], 2);
    EXPECT_EQ(p["concat"]["seq"], static_cast<int>(i + 1));
    EXPECT_EQ(p["concat"]["ref"], udh_parts[0]["concat"]["ref"]);
    // Only the last part asks for a receipt: its id is the message's.
    EXPECT_EQ(p["registered_delivery"], i + 1 == udh_parts.size() ? 1 : 0);
    joined += p["text"].get<std::string>();
  }
  EXPECT_EQ(joined, body);
  for (size_t i = 0; i < sar_parts.size(); ++i) {
    EXPECT_EQ(sar_parts[i]["concat"]["kind"], "sar");
    EXPECT_EQ(sar_parts[i]["concat"]["total"], 3);
    EXPECT_EQ(sar_parts[i]["concat"]["seq"], static_cast<int>(i + 1));
  }
  EXPECT_EQ(gw_->get("/v1/messages/" + udh, key_).json["provider_message_id"],
            udh_parts.back()["message_id"]);
}

TEST_F(SmppConnectorTest, AReceiptSpellingTheHexIdInDecimalDeliversTheMessage) {
  smsc_->command({{"cmd", "config"},
                  {"receipt_id", "decimal"},
                  {"receipt_tlvs", false},
                  {"receipt_enroute", true}});
  start();
  const std::string id = send(kNumber, "decimal receipt");
  auto m = gw_->wait_for_status(id, key_, "delivered");
  const json receipt = smsc_->wait_for_event("receipt_sent", 10s);
  // The fake wrote the id in decimal; the message keeps the hex the submit_sm_resp gave.
  EXPECT_NE(receipt["receipt_id"], m["provider_message_id"]);
  EXPECT_EQ(std::stoull(receipt["receipt_id"].get<std::string>()),
            std::stoull(m["provider_message_id"].get<std::string>(), nullptr, 16));
}

TEST_F(SmppConnectorTest, AReceiptWithoutSubAndDlvrdFieldsIsStillRead) {
  smsc_->command({{"cmd", "config"}, {"receipt_sub_dlvrd", false}, {"receipt_tlvs", false}});
  start();
  const std::string id = send(kNumber, "terse receipt");
  gw_->wait_for_status(id, key_, "delivered");
  smsc_->command({{"cmd", "config"}, {"receipt_stat", "UNDELIV"}, {"receipt_err", "034"}});
  const std::string failed = send(kNumber, "undelivered one");
  auto m = gw_->wait_for_status(failed, key_, "undelivered");
  EXPECT_EQ(m["error_code"], "034");
}

TEST_F(SmppConnectorTest, MobileOriginatedMessagesSingleAndConcatenatedOutOfOrderWithADuplicate) {
  start();
  smsc_->command({{"cmd", "mo"},
                  {"from", kPhone},
                  {"to", kNumber},
                  {"text", "Hello there"},
                  {"data_coding", 0},
                  {"system_id", "sb-main"},
                  {"tag", "single"}});
  // 11 × 35 characters, UCS-2: 6 parts of 67.
  std::string long_text;
  for (int i = 0; i < 11; ++i) long_text += "Ünïcödé parts arrive in any order. ";
  smsc_->command({{"cmd", "mo"},
                  {"from", kPhone},
                  {"to", kNumber},
                  {"text", long_text},
                  {"data_coding", 8},
                  {"split", "udh8"},
                  {"order", {3, 1, 4, 2, 1, 6, 5}},
                  {"system_id", "sb-main"},
                  {"tag", "parts"}});
  const json done = smsc_->wait_for(
      [](const json& e) { return named(e, "mo_done") && e["tag"] == "parts"; }, 20s);
  for (const auto& s : done["statuses"]) EXPECT_EQ(s, 0) << done.dump();

  json inbound;
  ASSERT_TRUE(wait_until(
      [&] {
        inbound = gw_->get("/v1/messages?direction=inbound&limit=10", key_).json["data"];
        return inbound.size() >= 2;
      },
      20s))
      << inbound.dump();
  std::set<std::string> bodies;
  for (const auto& m : inbound) {
    bodies.insert(m["body"].get<std::string>());
    EXPECT_EQ(m["from"], kPhone);
    EXPECT_EQ(m["to"], kNumber);
  }
  EXPECT_EQ(bodies.count("Hello there"), 1u);
  EXPECT_EQ(bodies.count(long_text), 1u) << inbound.dump();
  EXPECT_EQ(inbound.size(), 2u);  // the duplicated part made no third message
}

TEST_F(SmppConnectorTest, APartStoredBeforeACrashIsJoinedWithTheRestAfterTheRestart) {
  start();
  std::string text;
  for (int i = 0; i < 6; ++i) text += "Part of a message that outlives a crash. ";  // 246 chars
  // Both parts on the main connector's bind (parts are joined per connector).
  const json first = {{"cmd", "mo"},   {"from", kPhone},   {"to", kNumber},
                      {"text", text},  {"data_coding", 0}, {"split", "udh8"},
                      {"ref", 77},     {"order", {1}},     {"system_id", "sb-main"},
                      {"tag", "first"}};
  smsc_->command(first);
  const json done = smsc_->wait_for(
      [](const json& e) { return named(e, "mo_done") && e["tag"] == "first"; }, 20s);
  ASSERT_EQ(done["statuses"][0], 0);  // acknowledged: stored
  gw_->kill9();
  const size_t binds = smsc_->events_named("bind").size();
  gw_->start();
  ASSERT_TRUE(wait_until([&] { return smsc_->events_named("bind").size() >= binds + 2; }, 30s));
  json second = first;
  second["order"] = {2};
  second["tag"] = "second";
  smsc_->command(second);
  smsc_->wait_for([](const json& e) { return named(e, "mo_done") && e["tag"] == "second"; }, 20s);
  json inbound;
  ASSERT_TRUE(wait_until(
      [&] {
        inbound = gw_->get("/v1/messages?direction=inbound", key_).json["data"];
        return !inbound.empty();
      },
      20s));
  ASSERT_EQ(inbound.size(), 1u) << inbound.dump();
  EXPECT_EQ(inbound[0]["body"], text);
  EXPECT_EQ(inbound[0]["segments"], 2);
}

TEST_F(SmppConnectorTest, AConcatenatedMessageMissingAPartIsDeliveredWithWhatCameAfterTheTimeout) {
  start();  // [webhooks] sms_parts_timeout_ms = 3000
  std::string text;
  for (int i = 0; i < 8; ++i) text += "Only some parts of this arrive. ";  // 256: 2 parts
  smsc_->command({{"cmd", "mo"},
                  {"from", kPhone},
                  {"to", kNumber},
                  {"text", text},
                  {"data_coding", 0},
                  {"split", "udh8"},
                  {"order", {1}},
                  {"system_id", "sb-main"},
                  {"tag", "half"}});
  smsc_->wait_for([](const json& e) { return named(e, "mo_done") && e["tag"] == "half"; }, 20s);
  EXPECT_TRUE(gw_->get("/v1/messages?direction=inbound", key_).json["data"].empty());
  json inbound;
  ASSERT_TRUE(wait_until(
      [&] {
        inbound = gw_->get("/v1/messages?direction=inbound", key_).json["data"];
        return !inbound.empty();
      },
      20s));
  ASSERT_EQ(inbound.size(), 1u);
  EXPECT_EQ(inbound[0]["body"], text.substr(0, 153));  // part 1: 153 septets
  EXPECT_EQ(inbound[0]["segments"], 1);
}

TEST_F(SmppConnectorTest, AThrottledSubmitIsRetriedAndAcceptedOnce) {
  start();
  smsc_->command({{"cmd", "throttle"}, {"n", 2}});
  const std::string id = send(kNumber, "throttled then accepted");
  gw_->wait_for_status(id, key_, "delivered");
  const auto subs = submits_of("15145559999");
  ASSERT_EQ(subs.size(), 3u);
  EXPECT_EQ(subs[0]["command_status"], 0x58);
  EXPECT_EQ(subs[1]["command_status"], 0x58);
  EXPECT_EQ(subs[2]["command_status"], 0);
  const json s = stats();
  EXPECT_EQ(s["max_accepted"], 1);
  EXPECT_EQ(s["unique_accepted"], 1);
}

TEST_F(SmppConnectorTest, TheSmscDroppingTheLinkWithAFullWindowLosesAndDoublesNothing) {
  start("window = 4\n");
  smsc_->command({{"cmd", "hold"}});
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(send(kNumber, "held " + std::to_string(i)));
  // The window fills: four submits wait unanswered.
  ASSERT_TRUE(wait_until([&] { return submits_of("15145559999").size() >= 4; }, 20s));
  smsc_->command({{"cmd", "drop"}});
  for (const auto& id : ids) gw_->wait_for_status(id, key_, "delivered", 60s);
  const json s = stats();
  EXPECT_EQ(s["unique_accepted"], 12);
  EXPECT_EQ(s["max_accepted"], 1) << s.dump();
  EXPECT_GE(smsc_->events_named("bind").size(), 3u);  // the main connector bound again
}

TEST_F(SmppConnectorTest, AnUnansweredEnquireLinkMarksTheLinkDeadAndTheConnectorRebinds) {
  smsc_->command({{"cmd", "enquire_link"}, {"answer", false}});
  start("enquire_link_s = 1\nenquire_link_timeout_s = 1\n");
  const size_t binds = smsc_->events_named("bind").size();
  // The connector's enquire_link goes unanswered; it gives the link up and binds again.
  smsc_->wait_for([](const json& e) { return named(e, "enquire_link") && !e["answered"]; }, 20s);
  smsc_->command({{"cmd", "enquire_link"}, {"answer", true}});
  ASSERT_TRUE(wait_until([&] { return smsc_->events_named("bind").size() > binds; }, 30s));
  const std::string id = send(kNumber, "after the rebind");
  gw_->wait_for_status(id, key_, "delivered");
}

}  // namespace
}  // namespace sb::test
