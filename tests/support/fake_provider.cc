// FakeProvider on the project's own HTTP server.
#include "support/fake_provider.h"

#include <cstdio>
#include <thread>

#include <nlohmann/json.hpp>

#include "core/form.h"

#include "support/process.h"

namespace sb::test {

std::string RecordedRequest::header(const std::string& lower_name) const {
  for (const auto& [k, v] : headers) {
    if (k == lower_name) return v;
  }
  return {};
}

FakeProvider::FakeProvider() {
  router_.set_fallback([this](http::Request& req, http::Reply reply) {
    RecordedRequest rec{req.method, req.target, req.path, req.headers, req.body,
                        std::chrono::steady_clock::now(), req.remote_port};
    FakeReply r;
    {
      std::lock_guard lk(mu_);
      requests_.push_back(rec);
      if (!script_.empty()) {
        r = std::move(script_.front());
        script_.pop_front();
      } else if (responder_) {
        r = responder_(rec);
      }
    }
    if (r.hold.valid()) r.hold.wait_for(std::chrono::seconds(30));
    if (r.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(r.delay_ms));
    http::Response resp;
    resp.status = r.status;
    resp.body = r.body;
    resp.content_type = r.content_type;
    resp.headers = r.headers;
    reply(std::move(resp));
  });
  http::ServerOptions o;
  o.port = 0;
  o.io_threads = 1;
  o.handler_threads = 16;
  o.shutdown_grace_ms = 1000;
  server_ = std::make_unique<http::Server>(o, router_);
  server_->start();
}

FakeProvider::~FakeProvider() { server_->stop(); }

std::string FakeProvider::base_url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port());
}

void FakeProvider::push(FakeReply r) {
  std::lock_guard lk(mu_);
  script_.push_back(std::move(r));
}

void FakeProvider::set_responder(std::function<FakeReply(const RecordedRequest&)> fn) {
  std::lock_guard lk(mu_);
  responder_ = std::move(fn);
}

std::vector<RecordedRequest> FakeProvider::requests() {
  std::lock_guard lk(mu_);
  return requests_;
}

size_t FakeProvider::request_count() {
  std::lock_guard lk(mu_);
  return requests_.size();
}

bool FakeProvider::wait_for_requests(size_t n, std::chrono::milliseconds timeout) {
  return wait_until([&] { return request_count() >= n; }, timeout);
}

FakeReply twilio_created(const RecordedRequest& r, int n) {
  std::string to, from;
  for (const auto& [k, v] : form_decode(r.body)) {
    if (k == "To") to = v;
    if (k == "From") from = v;
  }
  char sid[35];
  std::snprintf(sid, sizeof sid, "SM%032x", n);
  nlohmann::json body = {{"sid", sid},       {"account_sid", "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
               {"to", to},         {"from", from},
               {"body", "hello"},  {"status", "queued"},
               {"num_segments", "1"}, {"num_media", "0"},
               {"direction", "outbound-api"}, {"api_version", "2010-04-01"},
               {"error_code", nullptr}, {"error_message", nullptr}};
  return FakeReply{201, body.dump()};
}

}  // namespace sb::test
