// Provider API calls and app callbacks over libcurl, on kept-alive connections.
//
// Easy handles are pooled: a handle keeps its connection open after a request
// (curl_easy_reset clears the options, not the live connections), so the next send to the same
// provider is one request on an open connection instead of a TCP connect plus, over HTTPS, a
// TLS handshake. All handles share one DNS cache and one TLS session cache, so a handle opening
// a new connection to a host another handle already talked to resumes the TLS session instead
// of doing a full handshake. libcurl checks a kept connection before reusing it and drops it
// when the server closed it or it sat idle past CurlClientOptions::max_idle_ms.
#include "providers/transport/curl_client.h"

#include <curl/curl.h>

#include <array>
#include <chrono>
#include <mutex>
#include <vector>

#include "providers/transport/curl_common.h"

namespace sb::providers {
namespace {

struct Sink {
  std::string* body;
  Headers* headers;
  size_t limit;
  bool overflow = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const size_t len = size * n;
  if (s->body->size() + len > s->limit) {
    s->overflow = true;
    return 0;  // aborts the transfer
  }
  s->body->append(data, len);
  return len;
}

size_t on_header(char* data, size_t size, size_t n, void* user) {
  auto* s = static_cast<Sink*>(user);
  const size_t len = size * n;
  std::string_view line(data, len);
  const auto colon = line.find(':');
  if (colon != std::string_view::npos && s->headers->size() < 100) {
    auto trim = [](std::string_view v) {
      while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
      while (!v.empty() && (v.back() == '\r' || v.back() == '\n' || v.back() == ' ')) {
        v.remove_suffix(1);
      }
      return std::string(v);
    };
    s->headers->emplace_back(trim(line.substr(0, colon)), trim(line.substr(colon + 1)));
  }
  return len;
}

// What every handle shares: DNS lookups and TLS sessions (libcurl asks for a lock around each
// use, as handles run on many threads).
class Share {
 public:
  Share() : sh_(curl_share_init()) {
    if (!sh_) return;
    curl_share_setopt(sh_, CURLSHOPT_LOCKFUNC, &Share::lock);
    curl_share_setopt(sh_, CURLSHOPT_UNLOCKFUNC, &Share::unlock);
    curl_share_setopt(sh_, CURLSHOPT_USERDATA, this);
    curl_share_setopt(sh_, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(sh_, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
  }
  ~Share() {
    if (sh_) curl_share_cleanup(sh_);
  }
  Share(const Share&) = delete;
  Share& operator=(const Share&) = delete;
  CURLSH* get() const { return sh_; }

 private:
  static void lock(CURL*, curl_lock_data data, curl_lock_access, void* self) {
    static_cast<Share*>(self)->mu_[index(data)].lock();
  }
  static void unlock(CURL*, curl_lock_data data, void* self) {
    static_cast<Share*>(self)->mu_[index(data)].unlock();
  }
  static size_t index(curl_lock_data d) {
    return d >= 0 && d < CURL_LOCK_DATA_LAST ? static_cast<size_t>(d) : 0;
  }
  CURLSH* sh_;
  std::array<std::mutex, CURL_LOCK_DATA_LAST> mu_;
};

class CurlClient final : public HttpClient {
 public:
  // Idle handles kept for reuse (each with its open connections); more than this many requests
  // at once still work, the extra handles are closed afterwards.
  static constexpr size_t kMaxIdleHandles = 256;
  explicit CurlClient(CurlClientOptions o) : o_(std::move(o)) {
    curl_init_once();
    share_ = std::make_unique<Share>();
  }
  ~CurlClient() override {
    for (const Idle& i : idle_) curl_easy_cleanup(i.h);  // before the share they are attached to
    idle_.clear();
    share_.reset();
  }
  CurlClient(const CurlClient&) = delete;
  CurlClient& operator=(const CurlClient&) = delete;

  HttpResponse send(const HttpRequest& req) override {
    HttpResponse resp;
    CURL* h = take();
    if (!h) {
      resp.error = "curl_easy_init failed";
      return resp;
    }
    Sink sink{&resp.body, &resp.headers, o_.max_response_bytes};
    curl_slist* hdrs = nullptr;
    for (const auto& [k, v] : req.headers) hdrs = curl_slist_append(hdrs, (k + ": " + v).c_str());
    hdrs = curl_slist_append(hdrs, "Expect:");
    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method.c_str());
    if (req.method == "GET") {
      curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    } else if (req.method == "HEAD") {
      curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
    } else {
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.data());
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    std::unique_ptr<OutboundPin> pin;
    if (o_.outbound_guard) {
      auto pinned = OutboundPin::apply(h, req.url, *o_.outbound_guard);
      if (!pinned) {
        resp.error = pinned.error().code + ": " + pinned.error().message;
        resp.refused = pinned.error().code != "url_unresolvable";
        curl_slist_free_all(hdrs);
        give_back(h);
        return resp;
      }
      pin = std::move(*pinned);
    }
    set_common_options(h, o_.user_agent, static_cast<long>(req.timeout_ms),
                       static_cast<long>(o_.connect_timeout_ms));
    curl_easy_setopt(h, CURLOPT_MAXAGE_CONN, static_cast<long>(o_.max_idle_ms / 1000));
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    if (!o_.ca_file.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, o_.ca_file.c_str());
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
    const CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
      long code = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
      resp.status = static_cast<int>(code);
    } else if (pin && pin->socket_refused()) {
      resp.refused = true;
      resp.error = "url_refused: refusing to connect to " + pin->host();
    } else {
      resp.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
      resp.error = sink.overflow ? "response body too large" : curl_easy_strerror(rc);
      resp.status = 0;
    }
    curl_slist_free_all(hdrs);
    give_back(h);
    return resp;
  }

 private:
  // The most recently used idle handle (its connection is the likeliest to still be open), or a
  // new one attached to the share. Handles left idle past max_idle_ms (after a burst, the
  // bottom of the stack) are closed on the way, so their connections do not linger.
  CURL* take() {
    std::vector<CURL*> stale;
    CURL* h = nullptr;
    {
      std::lock_guard lk(mu_);
      const auto cutoff =
          std::chrono::steady_clock::now() - std::chrono::milliseconds(o_.max_idle_ms);
      size_t n = 0;
      while (n < idle_.size() && idle_[n].since < cutoff) stale.push_back(idle_[n++].h);
      idle_.erase(idle_.begin(), idle_.begin() + static_cast<std::ptrdiff_t>(n));
      if (!idle_.empty()) {
        h = idle_.back().h;
        idle_.pop_back();
      }
    }
    for (CURL* s : stale) curl_easy_cleanup(s);
    if (h) {
      curl_easy_reset(h);  // options back to defaults; connections and caches stay
      return h;
    }
    h = curl_easy_init();
    if (h && share_->get()) curl_easy_setopt(h, CURLOPT_SHARE, share_->get());
    return h;
  }
  void give_back(CURL* h) {
    {
      std::lock_guard lk(mu_);
      if (idle_.size() < kMaxIdleHandles) {
        idle_.push_back({h, std::chrono::steady_clock::now()});
        return;
      }
    }
    curl_easy_cleanup(h);
  }

  struct Idle {
    CURL* h;
    std::chrono::steady_clock::time_point since;  // returned to the pool
  };
  CurlClientOptions o_;
  std::unique_ptr<Share> share_;
  std::mutex mu_;
  std::vector<Idle> idle_;  // oldest first
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_client(CurlClientOptions options) {
  return std::make_unique<CurlClient>(std::move(options));
}

}  // namespace sb::providers
