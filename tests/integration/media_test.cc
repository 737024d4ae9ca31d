// Media re-hosting end to end (docs/media.md): a signed Twilio inbound MMS whose media sits on a
// fake Twilio media server (Basic auth required, lying Content-Type) is fetched, sniffed, stored
// and served back byte-identical; oversize, flaky and SSRF cases; signed URLs; tenant isolation.
// SQLite and PostgreSQL.
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "core/twilio_signature.h"
#include "core/crypto.h"
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
constexpr char kAccountSid[] = "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
constexpr char kTwilioToken[] = "0123456789abcdef0123456789abcdef";
constexpr char kTwNumber[] = "+14155552671";

// A 1x1 PNG (PNG spec: signature, IHDR, IDAT, IEND) with a byte that is not valid UTF-8, so a
// text-mangling path would show.
constexpr char kPngBytes[] =
    "\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\1\0\0\0\1\x08\x06\0\0\0\x1f\x15\xc4\x89\0\0\0\rIDATx\x9c"
    "c\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\0\0\0\0IEND\xae\x42\x60\x82";
// The bytes of the literal without its terminating NUL (AddressSanitizer caught a hand count
// that read one byte past it).
const std::string kPng(kPngBytes, sizeof(kPngBytes) - 1);

int port_of(const std::string& base) { return std::stoi(base.substr(base.rfind(':') + 1)); }

class MediaTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    if (GetParam() == Backend::kPostgres && !pg_admin_url()) {
      if (pg_required()) FAIL() << "SWITCHBOARD_TEST_PG_URL is required";
      GTEST_SKIP() << "no PostgreSQL (set SWITCHBOARD_TEST_PG_URL)";
    }
    // The fake Twilio: its API root is the connector's base_url, so its media URLs are the
    // provider's own media host and get the account's Basic auth.
    twilio_.set_responder([this](const RecordedRequest& r) { return media_reply(r); });
    std::string t;
    t += "[[connectors]]\nid = \"tw\"\nprovider = \"twilio\"\nbase_url = \"" +
         twilio_.base_url() + "\"\naccount_sid = \"" + kAccountSid + "\"\nauth_token = \"" +
         kTwilioToken + "\"\n";
    t += std::string("[[numbers]]\nnumber = \"") + std::string(kTwNumber) + "\"\naccount = \"acme\"\n"
         "connector = \"tw\"\n";
    t += "[network]\noutbound_allow = []\n";  // loopback only where [media] fetch_allow says
    gw_ = std::make_unique<TestGateway>(GetParam(), t, std::string("public_url = \"") + std::string(kPublicUrl) + "\"\n");
    // [media] after the gateway's own tables: its dir, the fakes' port allowed, small limits.
    std::ofstream cfg(gw_->config_path(), std::ios::app);
    cfg << "[media]\ndir = \"" << gw_->dir() << "/media\"\nmax_bytes = 4096\n"
        << "retry_base_ms = 50\nretry_max_ms = 100\nmax_attempts = 4\n"
        << "fetch_allow = [\"127.0.0.1:" << port_of(twilio_.base_url()) << "\"]\n";
    cfg.close();
    acme_ = gw_->create_key("acme");
    other_ = gw_->create_key("other");
    gw_->start();
  }

  // Serves /Media/<name>: "png" (lying Content-Type), "big" (past max_bytes), "flaky" (503
  // twice), "redirect-private" (302 to the metadata address); 401 without Basic auth.
  FakeReply media_reply(const RecordedRequest& r) {
    const std::string want =
        std::string("Basic ") + crypto::base64(std::string(kAccountSid) + ":" + kTwilioToken);
    if (r.header("authorization") != want) return FakeReply{401, "{\"code\":20003}"};
    const std::string name = r.path.substr(r.path.rfind('/') + 1);
    if (name == "png") return FakeReply{200, kPng, "text/html"};
    if (name == "big") return FakeReply{200, std::string(5000, 'x'), "image/jpeg"};
    if (name == "flaky") {
      if (++flaky_calls_ <= 2) return FakeReply{503, "busy", "text/plain"};
      return FakeReply{200, kPng, "application/octet-stream"};
    }
    if (name == "redirect-private") {
      return FakeReply{302, "", "text/plain",
                       {{"Location", "http://169.254.169.254/latest/meta-data/"}}};
    }
    return FakeReply{404, "{}"};
  }

  std::string media_url(const std::string& name) {
    return twilio_.base_url() + "/2010-04-01/Accounts/" + kAccountSid +
           "/Messages/MM0123/Media/" + name;
  }

  // POSTs a Twilio-signed inbound MMS (Twilio docs "Messaging webhooks": MediaUrl{i},
  // MediaContentType{i}, NumMedia) and returns the stored message's id.
  std::string inbound_mms(const std::string& sid, const std::vector<std::string>& urls) {
    FormFields f = {{"MessageSid", sid},        {"SmsSid", sid},
                    {"AccountSid", kAccountSid}, {"From", "+14155550102"},
                    {"To", kTwNumber},           {"Body", ""},
                    {"NumMedia", std::to_string(urls.size())}, {"ApiVersion", "2010-04-01"}};
    for (size_t i = 0; i < urls.size(); ++i) {
      f.emplace_back(std::string("MediaContentType") + std::to_string(i), "image/jpeg");
      f.emplace_back(std::string("MediaUrl") + std::to_string(i), urls[i]);
    }
    const std::string path = "/webhooks/tw";
    auto r = gw_->request(
        "POST", path, "", sb::form_encode(f),
        {{"Content-Type", "application/x-www-form-urlencoded"},
         {"X-Twilio-Signature",
          sb::twilio_signature(kTwilioToken, kPublicUrl + path, f)}});
    EXPECT_EQ(r.status, 200) << r.body;
    auto list = gw_->get("/v1/messages?direction=inbound&limit=100", acme_);
    for (const auto& m : list.json["data"]) {
      if (m["provider_message_id"] == sid) return m["id"];
    }
    ADD_FAILURE() << "no inbound message " << sid << ": " << list.body;
    return "";
  }

  // Waits until every media item of the message has left `pending`; returns the message.
  json wait_media_settled(const std::string& id) {
    const auto deadline = std::chrono::steady_clock::now() + 20s;
    json m;
    while (std::chrono::steady_clock::now() < deadline) {
      m = gw_->get(std::string("/v1/messages/") + id, acme_).json;
      bool pending = false;
      for (const auto& item : m["media"]) pending |= item["state"] == "pending";
      if (!pending) return m;
      std::this_thread::sleep_for(20ms);
    }
    ADD_FAILURE() << "media still pending: " << m.dump();
    return m;
  }

  // The path part of one of our media URLs (the public URL is not where the test server runs).
  static std::string path_of(const std::string& url) { return url.substr(std::string(kPublicUrl).size()); }

  FakeProvider twilio_;
  std::atomic<int> flaky_calls_{0};
  std::unique_ptr<TestGateway> gw_;
  std::string acme_, other_;
};

TEST_P(MediaTest, InboundMediaIsFetchedWithCredentialsSniffedAndServedByteIdentical) {
  const std::string id = inbound_mms("MM00000000000000000000000000000001", {media_url("png")});
  const json m = wait_media_settled(id);
  ASSERT_EQ(m["media"].size(), 1u) << m.dump();
  const json item = m["media"][0];
  EXPECT_EQ(item["state"], "ready") << m.dump();
  EXPECT_EQ(item["content_type"], "image/png");  // sniffed: the server said text/html
  EXPECT_EQ(item["size"], static_cast<int64_t>(kPng.size()));
  EXPECT_TRUE(item["error"].is_null());
  const std::string url = item["url"];
  EXPECT_EQ(url, std::string(kPublicUrl) + "/v1/media/" + item["id"].get<std::string>());
  EXPECT_EQ(m["media_urls"], json::array({url}));
  EXPECT_EQ(m.dump().find(twilio_.base_url()), std::string::npos) << "provider URL leaked";

  auto got = gw_->get(path_of(url), acme_);
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, kPng);
  EXPECT_EQ(got.header("Content-Type"), "image/png");
  EXPECT_EQ(got.header("Content-Length"), std::to_string(kPng.size()));
  EXPECT_EQ(got.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(got.header("ETag"), std::string("\"") + crypto::hex(crypto::sha256(kPng)) + "\"");
  EXPECT_EQ(got.header("Content-Disposition").rfind("inline", 0), 0u);
  // Content-addressed: the file is named by its SHA-256.
  const std::string sha = crypto::hex(crypto::sha256(kPng));
  EXPECT_TRUE(std::filesystem::exists(gw_->dir() + "/media/" + sha.substr(0, 2) + "/" + sha));

  // The same picture again is stored once (same file), under a new media id.
  const std::string id2 = inbound_mms("MM00000000000000000000000000000002", {media_url("png")});
  const json m2 = wait_media_settled(id2);
  EXPECT_EQ(m2["media"][0]["state"], "ready");
  EXPECT_NE(m2["media"][0]["id"], item["id"]);
  size_t files = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(gw_->dir() + "/media")) {
    files += e.is_regular_file();
  }
  EXPECT_EQ(files, 1u);

  // Without a key: 401; another account: 404 (not 403: ids are not confirmed to others).
  EXPECT_EQ(gw_->get(path_of(url), "").status, 401);
  auto other = gw_->get(path_of(url), other_);
  EXPECT_EQ(other.status, 404);
  EXPECT_EQ(other.json["error"]["code"], "not_found");
  EXPECT_EQ(gw_->get("/v1/media/med_01JNOSUCHMEDIA00000000000", acme_).status, 404);
}

// DELETE /v1/messages/{id} takes the message's re-hosted media with it: its media ids answer 404
// at once, and the file goes when no other message's media has the same content.
TEST_P(MediaTest, RedactionRemovesTheMessagesMediaAndUnsharedFiles) {
  const std::string first = inbound_mms("MM00000000000000000000000000000011", {media_url("png")});
  const std::string second = inbound_mms("MM00000000000000000000000000000012", {media_url("png")});
  const json m1 = wait_media_settled(first);
  const json m2 = wait_media_settled(second);
  ASSERT_EQ(m1["media"][0]["state"], "ready") << m1.dump();
  ASSERT_EQ(m2["media"][0]["state"], "ready") << m2.dump();
  const std::string sha = crypto::hex(crypto::sha256(kPng));
  const std::string file = gw_->dir() + "/media/" + sha.substr(0, 2) + "/" + sha;
  ASSERT_TRUE(std::filesystem::exists(file));

  // Another account cannot delete it.
  EXPECT_EQ(gw_->request("DELETE", std::string("/v1/messages/") + first, other_).status, 404);
  EXPECT_EQ(gw_->get(path_of(m1["media"][0]["url"]), acme_).status, 200);

  auto del = gw_->request("DELETE", std::string("/v1/messages/") + first, acme_);
  ASSERT_EQ(del.status, 200) << del.body;
  EXPECT_TRUE(del.json["media"].empty());
  EXPECT_TRUE(del.json["media_urls"].empty());
  EXPECT_EQ(gw_->get(path_of(m1["media"][0]["url"]), acme_).status, 404);
  EXPECT_TRUE(std::filesystem::exists(file)) << "still the second message's picture";
  EXPECT_EQ(gw_->get(path_of(m2["media"][0]["url"]), acme_).body, kPng);

  ASSERT_EQ(gw_->request("DELETE", std::string("/v1/messages/") + second, acme_).status, 200);
  EXPECT_EQ(gw_->get(path_of(m2["media"][0]["url"]), acme_).status, 404);
  EXPECT_FALSE(std::filesystem::exists(file));
  // Idempotent.
  EXPECT_EQ(gw_->request("DELETE", std::string("/v1/messages/") + second, acme_).status, 200);
}

TEST_P(MediaTest, OversizeMediaFailsVisiblyAndNothingIsStored) {
  const std::string id = inbound_mms("MM00000000000000000000000000000003", {media_url("big")});
  const json m = wait_media_settled(id);
  const json item = m["media"][0];
  EXPECT_EQ(item["state"], "failed") << m.dump();
  EXPECT_NE(item["error"].get<std::string>().find("larger than 4096"), std::string::npos)
      << m.dump();
  auto got = gw_->get(path_of(item["url"]), acme_);
  EXPECT_EQ(got.status, 409);
  EXPECT_EQ(got.json["error"]["code"], "media_failed");
  EXPECT_FALSE(std::filesystem::exists(gw_->dir() + "/media") &&
               !std::filesystem::is_empty(gw_->dir() + "/media"));
}

TEST_P(MediaTest, AFetchThatFailsTwiceIsRetriedToReady) {
  const std::string id = inbound_mms("MM00000000000000000000000000000004", {media_url("flaky")});
  const json m = wait_media_settled(id);
  EXPECT_EQ(m["media"][0]["state"], "ready") << m.dump();
  EXPECT_EQ(m["media"][0]["content_type"], "image/png");
  EXPECT_EQ(flaky_calls_.load(), 3);
  EXPECT_EQ(gw_->get(path_of(m["media"][0]["url"]), acme_).body, kPng);
}

TEST_P(MediaTest, SsrfTargetsAreRefused) {
  // A redirect from the (allowed) provider host to the metadata address: failed, not retried.
  const std::string id = inbound_mms("MM00000000000000000000000000000005",
                                     {media_url("redirect-private")});
  const json m = wait_media_settled(id);
  EXPECT_EQ(m["media"][0]["state"], "failed") << m.dump();
  EXPECT_NE(m["media"][0]["error"].get<std::string>().find("169.254.169.254"), std::string::npos);

  // Inbound media pointing inward, on nothing the allow-list names: each refused, none retried.
  const std::string fake_port = std::to_string(port_of(twilio_.base_url()));
  const std::vector<std::string> inward = {
      "http://127.0.0.1/a.png", "http://localhost/a.png",
      "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/a.png",
      "http://[::1]:" + fake_port + "/a.png", "http://[::ffff:127.0.0.1]/a.png"};
  const size_t before = twilio_.request_count();
  const std::string id_in = inbound_mms("MM00000000000000000000000000000008", inward);
  const json m_in = wait_media_settled(id_in);
  ASSERT_EQ(m_in["media"].size(), inward.size()) << m_in.dump();
  for (size_t i = 0; i < inward.size(); ++i) {
    EXPECT_EQ(m_in["media"][i]["state"], "failed") << inward[i] << ": " << m_in.dump();
    EXPECT_NE(m_in["media"][i]["error"].get<std::string>().find("refusing"), std::string::npos)
        << inward[i] << ": " << m_in.dump();
  }
  EXPECT_EQ(twilio_.request_count(), before);

  // Inbound media on loopback ports the allow-list does not name: refused before connecting.
  FakeProvider elsewhere;
  elsewhere.set_responder([](const RecordedRequest&) { return FakeReply{200, kPng, "image/png"}; });
  const std::string id2 =
      inbound_mms("MM00000000000000000000000000000006", {elsewhere.base_url() + "/a.png"});
  const json m2 = wait_media_settled(id2);
  EXPECT_EQ(m2["media"][0]["state"], "failed") << m2.dump();
  EXPECT_EQ(elsewhere.request_count(), 0u);

  // Outbound: refused at accept time, naming the field.
  for (const std::string& url : std::vector<std::string>{"http://127.0.0.1/a.png", "http://localhost/a.png", "http://169.254.169.254/latest/",
        "http://10.0.0.1/a.png", "http://[::1]/a.png", "http://[::ffff:127.0.0.1]/a.png",
        std::string(elsewhere.base_url()) + "/a.png"}) {
    auto r = gw_->post_json("/v1/messages", acme_,
                            {{"to", "+14155550123"}, {"from", "+12025550100"},
                             {"media_urls", {"https://example.com/ok.png", url}}});
    EXPECT_EQ(r.status, 422) << url << ": " << r.body;
    EXPECT_EQ(r.json["error"]["code"], "media_url_refused") << url;
    EXPECT_EQ(r.json["error"]["field"], "media_urls[1]") << url;
  }
  // Auto-reply rules carry outbound media too: the same check when the rule is written.
  auto rule = gw_->post_json("/v1/auto-replies", acme_,
                             {{"match", "contains"},
                              {"pattern", "hello"},
                              {"body", "hi"},
                              {"media_urls", {"http://169.254.169.254/latest/meta-data/"}}});
  EXPECT_EQ(rule.status, 422) << rule.body;
  EXPECT_EQ(rule.json["error"]["code"], "media_url_refused");
  EXPECT_EQ(rule.json["error"]["field"], "media_urls[0]");
  auto ok = gw_->post_json("/v1/messages", acme_,
                           {{"to", "+14155550123"}, {"from", "+12025550100"},
                            {"media_urls", {"https://example.com/ok.png"}}});
  EXPECT_EQ(ok.status, 202) << ok.body;
}

TEST_P(MediaTest, SignedPublicUrlsWorkWithoutAKeyUntilTheyExpire) {
  const std::string id = inbound_mms("MM00000000000000000000000000000007", {media_url("png")});
  const json m = wait_media_settled(id);
  const std::string media_id = m["media"][0]["id"];

  auto minted = gw_->request("POST", std::string("/v1/media/") + media_id + "/url?ttl=60", acme_);
  ASSERT_EQ(minted.status, 200) << minted.body;
  const std::string url = minted.json["url"];
  ASSERT_EQ(url.rfind(std::string(kPublicUrl) + std::string("/media/") + media_id + "?expires=", 0), 0u) << url;
  const std::string path = path_of(url);
  auto got = gw_->get(path, "");
  EXPECT_EQ(got.status, 200);
  EXPECT_EQ(got.body, kPng);
  EXPECT_EQ(got.header("Content-Type"), "image/png");

  // Tampered signature, another id under the same signature, a moved expiry, an expired URL.
  std::string tampered = path;
  tampered.back() = tampered.back() == '0' ? '1' : '0';
  const std::string expires = path.substr(path.find("expires=") + 8,
                                          path.find('&') - path.find("expires=") - 8);
  const std::string sig = path.substr(path.find("sig=") + 4);
  const std::string moved = std::string("/media/") + media_id + "?expires=" +
                            std::to_string(std::stoll(expires) + 3600) + "&sig=" + sig;
  for (const std::string& bad : std::vector<std::string>{tampered, moved, std::string("/media/") + media_id + "?expires=" + expires,
        std::string("/media/") + media_id + "?expires=1&sig=" + sig, std::string("/media/") + media_id}) {
    auto r = gw_->get(bad, "");
    EXPECT_EQ(r.status, 403) << bad << ": " << r.body;
    EXPECT_EQ(r.json["error"]["code"], "media_url_invalid") << bad;
  }
  // Minting is per account, and ttl is bounded.
  EXPECT_EQ(gw_->request("POST", std::string("/v1/media/") + media_id + "/url", other_).status, 404);
  auto bad_ttl = gw_->request("POST", std::string("/v1/media/") + media_id + "/url?ttl=0", acme_);
  EXPECT_EQ(bad_ttl.status, 400);
  EXPECT_EQ(bad_ttl.json["error"]["field"], "ttl");

  // The signing key is in the database: a URL minted before a restart still works after it.
  ASSERT_EQ(gw_->terminate(), 0);
  gw_->start();
  EXPECT_EQ(gw_->get(path, "").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, MediaTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         [](const auto& info) { return backend_name(info.param); });

}  // namespace
}  // namespace sb::test
