// A fast fake Twilio for bench/dispatch.sh: every POST is answered 201 with Twilio's message
// shape and a sid of its own (SM + 32 hex digits, counting up), after a fixed delay that models
// the provider's latency. GET /stats reports what it saw: requests, POSTs, the most requests in
// flight at once. Other GETs (health checks, status queries) get 200 {}.
//
// Built on the project's HTTP server like tests/support/fake_provider.cc, but with enough handler
// threads for hundreds of delayed requests at once (the test fake has 16) and without keeping
// each request.
//
// Usage: fake_provider [--delay-ms 20] [--threads 256]
// Prints "listening on http://127.0.0.1:PORT" and serves until SIGTERM or SIGINT, then prints the
// stats line again.
#include <signal.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "http/router.h"
#include "http/server.h"

namespace {

std::atomic<int64_t> g_requests{0};
std::atomic<int64_t> g_posts{0};
std::atomic<int64_t> g_in_flight{0};
std::atomic<int64_t> g_max_in_flight{0};

std::string stats_json() {
  return "{\"requests\": " + std::to_string(g_requests.load()) +
         ", \"posts\": " + std::to_string(g_posts.load()) +
         ", \"max_in_flight\": " + std::to_string(g_max_in_flight.load()) + "}";
}

}  // namespace

int main(int argc, char** argv) {
  int delay_ms = 20;
  int threads = 256;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--delay-ms") == 0) {
      delay_ms = std::atoi(argv[i + 1]);
    } else if (std::strcmp(argv[i], "--threads") == 0) {
      threads = std::atoi(argv[i + 1]);
    } else {
      std::fprintf(stderr, "usage: %s [--delay-ms MS] [--threads N]\n", argv[0]);
      return 2;
    }
  }

  // Every thread the server starts inherits this mask; main waits for the signal.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  sb::http::Router router;
  router.add(
      "GET", "/stats",
      [](sb::http::Request&, sb::http::Reply reply) {
        sb::http::Response r;
        r.body = stats_json();
        reply(std::move(r));
      },
      sb::http::Run::kInline);
  router.set_fallback([delay_ms](sb::http::Request& req, sb::http::Reply reply) {
    ++g_requests;
    sb::http::Response r;
    if (req.method != "POST") {
      r.body = "{}";
      reply(std::move(r));
      return;
    }
    const int64_t n = ++g_posts;
    const int64_t now = ++g_in_flight;
    int64_t seen = g_max_in_flight.load();
    while (now > seen && !g_max_in_flight.compare_exchange_weak(seen, now)) {
    }
    if (delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(delay_ms));
    char sid[40];
    std::snprintf(sid, sizeof sid, "SM%032llx", static_cast<unsigned long long>(n));
    r.status = 201;
    r.body = std::string(R"({"account_sid": "ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", )") +
             R"("api_version": "2010-04-01", "direction": "outbound-api", "error_code": null, )" +
             R"("num_segments": "1", "price": null, "sid": ")" + sid + R"(", "status": "queued"})";
    --g_in_flight;
    reply(std::move(r));
  });

  sb::http::ServerOptions o;
  o.port = 0;
  o.io_threads = 1;
  o.handler_threads = threads;
  o.max_body_bytes = 1 << 20;
  o.shutdown_grace_ms = 1000;
  sb::http::Server server(o, router);
  server.start();
  std::printf("listening on http://127.0.0.1:%u (delay %d ms, %d handler threads)\n",
              static_cast<unsigned>(server.port()), delay_ms, threads);
  std::fflush(stdout);

  int sig = 0;
  sigwait(&stop_signals, &sig);
  server.stop();
  std::printf("%s\n", stats_json().c_str());
  return 0;
}
