// The libcurl client keeps connections: requests to the same server reuse one connection per
// concurrent caller, and a connection the server closed, a transfer aborted for size and a
// timed-out request never break the next request.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "providers/transport/curl_client.h"
#include "support/fake_provider.h"
#include "support/raw_http.h"

namespace sb::providers {
namespace {

HttpRequest post(const std::string& url, int timeout_ms = 5000) {
  HttpRequest r;
  r.method = "POST";
  r.url = url;
  r.headers = {{"Content-Type", "application/json"}};
  r.body = R"({"n":1})";
  r.timeout_ms = timeout_ms;
  return r;
}

std::set<uint16_t> client_ports(test::FakeProvider& fake) {
  std::set<uint16_t> ports;
  for (const auto& r : fake.requests()) ports.insert(r.client_port);
  return ports;
}

TEST(CurlClientTest, SequentialRequestsShareOneConnection) {
  test::FakeProvider fake;
  auto client = make_curl_client();
  for (int i = 0; i < 5; ++i) {
    const HttpResponse r = client->send(post(fake.base_url() + "/x"));
    ASSERT_EQ(r.status, 200) << r.error;
  }
  ASSERT_EQ(fake.request_count(), 5u);
  EXPECT_EQ(client_ports(fake).size(), 1u) << "each request opened its own connection";
  EXPECT_NE(*client_ports(fake).begin(), 0);
}

TEST(CurlClientTest, AConnectionIdleForTooLongIsNotReused) {
  test::FakeProvider fake;
  CurlClientOptions o;
  o.max_idle_ms = 0;  // every connection is too old by the next request
  auto client = make_curl_client(o);
  for (int i = 0; i < 3; ++i) {
    const HttpResponse r = client->send(post(fake.base_url() + "/x"));
    ASSERT_EQ(r.status, 200) << r.error;
  }
  EXPECT_EQ(client_ports(fake).size(), 3u);
}

TEST(CurlClientTest, ConcurrentCallersUseAtMostOneConnectionEach) {
  test::FakeProvider fake;
  fake.set_responder([](const test::RecordedRequest&) {
    test::FakeReply r;
    r.delay_ms = 10;  // the callers overlap
    return r;
  });
  auto client = make_curl_client();
  constexpr int kThreads = 6;
  constexpr int kEach = 5;
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kEach; ++i) {
        if (client->send(post(fake.base_url() + "/x")).status == 200) ++ok;
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), kThreads * kEach);
  ASSERT_EQ(fake.request_count(), static_cast<size_t>(kThreads * kEach));
  EXPECT_LE(client_ports(fake).size(), static_cast<size_t>(kThreads));
}

TEST(CurlClientTest, AnOversizeResponseOrATimeoutDoesNotBreakTheNextRequest) {
  test::FakeProvider fake;
  CurlClientOptions o;
  o.max_response_bytes = 1024;
  auto client = make_curl_client(o);
  test::FakeReply big;
  big.body = "\"" + std::string(4096, 'a') + "\"";
  fake.push(big);
  const HttpResponse r1 = client->send(post(fake.base_url() + "/x"));
  EXPECT_EQ(r1.status, 0);
  EXPECT_EQ(r1.error, "response body too large");
  EXPECT_EQ(client->send(post(fake.base_url() + "/x")).status, 200);

  test::FakeReply slow;
  slow.delay_ms = 600;
  fake.push(slow);
  const HttpResponse r2 = client->send(post(fake.base_url() + "/x", 200));
  EXPECT_TRUE(r2.timed_out);
  const HttpResponse r3 = client->send(post(fake.base_url() + "/x"));
  EXPECT_EQ(r3.status, 200) << r3.error;
  EXPECT_EQ(r3.body, "{}");
}

// A server that answers each request as keep-alive and then closes the connection anyway (what
// a provider's load balancer does to an idle connection): the next request must not fail on
// the dead connection.
class ClosingServer {
 public:
  ClosingServer() { EXPECT_TRUE(server_.listening()); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()) + "/x"; }
  int connections() const { return accepted_.load(); }

 private:
  std::atomic<int> accepted_{0};
  test::RawServer server_{[this](int c) {
    ++accepted_;
    std::string in;
    test::read_request(in, [&](char* buf, size_t size) { return ::read(c, buf, size); });
    EXPECT_EQ(::write(c, test::kOkJson.data(), test::kOkJson.size()),
              static_cast<ssize_t>(test::kOkJson.size()));
  }};
};

TEST(CurlClientTest, AConnectionTheServerClosedIsReplacedNotReported) {
  ClosingServer server;
  auto client = make_curl_client();
  for (int i = 0; i < 4; ++i) {
    const HttpResponse r = client->send(post(server.url()));
    ASSERT_EQ(r.status, 200) << "request " << i << ": " << r.error;
    EXPECT_EQ(r.body, "{}");
  }
  EXPECT_EQ(server.connections(), 4);
}

}  // namespace
}  // namespace sb::providers
