// The libcurl client over HTTPS: requests reuse one TLS connection, and a new connection
// resumes the TLS session another handle negotiated (the handles share a session cache)
// instead of a full handshake. The server is a small OpenSSL one with a certificate made at
// start, trusted through CurlClientOptions::ca_file.
#include <gtest/gtest.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "providers/transport/curl_client.h"
#include "support/raw_http.h"
#include "support/tls_identity.h"

namespace sb::providers {
namespace {

// Answers every request on a connection with 200 {} (keep-alive) until the client closes it;
// one connection at a time. Records, per connection, whether its TLS session was resumed.
class TlsServer {
 public:
  explicit TlsServer(const test::TlsIdentity& id) : ctx_(SSL_CTX_new(TLS_server_method())) {
    SSL_CTX_use_certificate(ctx_, id.cert);
    SSL_CTX_use_PrivateKey(ctx_, id.key);
    server_.emplace([this](int c) { on_connection(c); });
    EXPECT_TRUE(server_->listening());
  }
  ~TlsServer() {
    server_.reset();  // stops accepting before the context goes
    SSL_CTX_free(ctx_);
  }
  std::string url() const { return "https://127.0.0.1:" + std::to_string(server_->port()) + "/x"; }
  // One entry per closed connection that completed a handshake: true if it resumed a
  // session. Waits (5 s at most) until there are `n`.
  std::vector<bool> resumed(size_t n) {
    std::unique_lock lk(mu_);
    cv_.wait_for(lk, std::chrono::seconds(5), [&] { return resumed_.size() >= n; });
    return resumed_;
  }
  int requests() const { return requests_.load(); }

 private:
  void on_connection(int c) {
    SSL* ssl = SSL_new(ctx_);
    SSL_set_fd(ssl, c);
    if (SSL_accept(ssl) == 1) {
      serve(ssl);
      std::lock_guard lk(mu_);
      resumed_.push_back(SSL_session_reused(ssl) == 1);
      cv_.notify_all();
    }
    SSL_free(ssl);
  }
  void serve(SSL* ssl) {
    std::string in;
    const auto read_some = [&](char* buf, size_t size) {
      return static_cast<long>(SSL_read(ssl, buf, static_cast<int>(size)));
    };
    while (test::read_request(in, read_some)) {  // until the client closes the connection
      ++requests_;
      if (SSL_write(ssl, test::kOkJson.data(), static_cast<int>(test::kOkJson.size())) <= 0) {
        return;
      }
    }
  }
  SSL_CTX* ctx_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<bool> resumed_;
  std::atomic<int> requests_{0};
  std::optional<test::RawServer> server_;
};

class CurlTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ca_ = (std::filesystem::temp_directory_path() /
           ("sb-curl-tls-" + std::to_string(::getpid()) + ".pem"))
              .string();
    id_.write_cert(ca_);
  }
  void TearDown() override { std::filesystem::remove(ca_); }
  HttpRequest post(const std::string& url) {
    HttpRequest r;
    r.method = "POST";
    r.url = url;
    r.headers = {{"Content-Type", "application/json"}};
    r.body = R"({"n":1})";
    r.timeout_ms = 5000;
    return r;
  }
  test::TlsIdentity id_;
  std::string ca_;
};

TEST_F(CurlTlsTest, RequestsReuseOneTlsConnection) {
  TlsServer server(id_);
  CurlClientOptions o;
  o.ca_file = ca_;
  auto client = make_curl_client(o);
  for (int i = 0; i < 4; ++i) {
    const HttpResponse r = client->send(post(server.url()));
    ASSERT_EQ(r.status, 200) << r.error;
    EXPECT_EQ(r.body, "{}");
  }
  client.reset();  // closes the connection, so the server records it
  EXPECT_EQ(server.requests(), 4);
  EXPECT_EQ(server.resumed(1).size(), 1u) << "a TLS handshake per request";
}

TEST_F(CurlTlsTest, ANewConnectionResumesTheSessionOfAnother) {
  TlsServer server(id_);
  CurlClientOptions o;
  o.ca_file = ca_;
  o.max_idle_ms = 0;  // no connection is reused: each request opens one, on a new handle
  auto client = make_curl_client(o);
  for (int i = 0; i < 3; ++i) {
    const HttpResponse r = client->send(post(server.url()));
    ASSERT_EQ(r.status, 200) << r.error;
  }
  client.reset();
  const std::vector<bool> resumed = server.resumed(3);
  ASSERT_EQ(resumed.size(), 3u);
  EXPECT_FALSE(resumed[0]);
  EXPECT_TRUE(resumed[1]) << "the second connection did a full handshake";
  EXPECT_TRUE(resumed[2]);
}

TEST_F(CurlTlsTest, AnUntrustedCertificateIsRefused) {
  TlsServer server(id_);
  auto client = make_curl_client();  // the system's CAs only
  const HttpResponse r = client->send(post(server.url()));
  EXPECT_EQ(r.status, 0);
  EXPECT_FALSE(r.error.empty());
  EXPECT_EQ(server.requests(), 0);
}

}  // namespace
}  // namespace sb::providers
