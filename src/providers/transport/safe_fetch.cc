// The SSRF-safe fetcher: resolve and check, pin, fetch bounded, follow redirects by hand.
#include "providers/transport/safe_fetch.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>

#include "providers/transport/curl_common.h"

namespace sb::providers {
namespace {

using UrlPtr = std::unique_ptr<CURLU, decltype(&curl_url_cleanup)>;

std::string url_part(CURLU* u, CURLUPart p, unsigned flags = 0) {
  char* v = nullptr;
  std::string out;
  if (curl_url_get(u, p, &v, flags) == CURLUE_OK && v) out = v;
  curl_free(v);
  return out;
}

struct Target {
  std::string url;
  std::string scheme, host;  // host as in the URL (brackets kept for IPv6 literals)
  int port = 0;
};

std::optional<IpAddress> from_sockaddr(int family, const sockaddr* sa) {
  if (family == AF_INET) {
    uint8_t b[4];
    std::memcpy(b, &reinterpret_cast<const sockaddr_in*>(sa)->sin_addr, 4);
    return ipv4_from_bytes(b);
  }
  if (family == AF_INET6) {
    IpAddress a;
    std::memcpy(a.bytes.data(), &reinterpret_cast<const sockaddr_in6*>(sa)->sin6_addr, 16);
    return a;
  }
  return std::nullopt;
}

Result<Target> parse_target(const std::string& url) {
  UrlPtr u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return Error::make("url_invalid", "not an absolute http or https URL");
  }
  Target t;
  t.scheme = url_part(u.get(), CURLUPART_SCHEME);
  for (auto& c : t.scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (t.scheme != "http" && t.scheme != "https") {
    return Error::make("url_invalid", "only http and https URLs are called");
  }
  t.host = url_part(u.get(), CURLUPART_HOST);
  if (t.host.empty()) return Error::make("url_invalid", "the URL has no host");
  t.port = std::atoi(url_part(u.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT).c_str());
  t.url = url_part(u.get(), CURLUPART_URL);
  return t;
}

Error refused(const std::string& host, const IpAddress& a) {
  return Error::make("url_refused",
                     std::string("refusing to connect to ").append(host).append(" (")
                         .append(to_string(a)).append(", ")
                         .append(to_string(classify(a))).append(" address)"));
}

// The media fetcher's codes for the guard's errors (docs/media.md).
Error as_media_error(const Error& e) {
  if (e.code == "url_refused") return Error::make("media_url_refused", e.message, e.field);
  if (e.code == "url_unresolvable") return Error::make("media_fetch_failed", e.message, e.field);
  if (e.code == "url_invalid") return Error::make("invalid_media_url", e.message, e.field);
  return e;
}

Result<std::vector<IpAddress>> resolve(const Target& t, const std::vector<AllowRule>& allow) {
  std::vector<IpAddress> out;
  if (auto ip = parse_ip(t.host)) {
    out.push_back(*ip);
  } else {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    const int rc = getaddrinfo(t.host.c_str(), nullptr, &hints, &res);
    if (rc != 0) {
      return Error::make("url_unresolvable",
                         std::string("cannot resolve ").append(t.host).append(": ")
                             .append(gai_strerror(rc)));
    }
    for (addrinfo* ai = res; ai; ai = ai->ai_next) {
      auto a = from_sockaddr(ai->ai_family, ai->ai_addr);
      if (!a) continue;
      if (std::find(out.begin(), out.end(), *a) == out.end()) out.push_back(*a);
    }
    freeaddrinfo(res);
    if (out.empty()) {
      return Error::make("url_unresolvable", std::string("no address for ").append(t.host));
    }
  }
  // Every address must pass: a name that also points inward is refused as a whole.
  for (const auto& a : out) {
    if (!address_allowed(a, t.port, allow)) return refused(t.host, a);
  }
  return out;
}

struct Transfer {
  std::string* body;
  int64_t limit;
  bool overflow = false;
};

size_t on_body(char* data, size_t size, size_t n, void* user) {
  auto* t = static_cast<Transfer*>(user);
  const size_t len = size * n;
  if (static_cast<int64_t>(t->body->size() + len) > t->limit) {
    t->overflow = true;
    return 0;  // aborts the transfer
  }
  t->body->append(data, len);
  return len;
}

}  // namespace

Result<std::unique_ptr<OutboundPin>> OutboundPin::apply(CURL* h, const std::string& url,
                                                        const std::vector<AllowRule>& allow) {
  auto t = parse_target(url);
  if (!t) return t.error();
  auto addrs = resolve(*t, allow);
  if (!addrs) return addrs.error();
  std::unique_ptr<OutboundPin> pin(new OutboundPin());
  pin->allow_ = &allow;
  pin->host_ = t->host;
  pin->port_ = t->port;
  if (!parse_ip(t->host)) {
    const IpAddress& a = addrs->front();
    std::string entry = t->host;
    entry.append(":").append(std::to_string(t->port)).append(":");
    entry.append(a.v4 ? to_string(a) : std::string("[").append(to_string(a)).append("]"));
    pin->resolve_ = curl_slist_append(nullptr, entry.c_str());
    curl_easy_setopt(h, CURLOPT_RESOLVE, pin->resolve_);
  }
  curl_easy_setopt(h, CURLOPT_PROXY, "");  // a proxy would connect where we did not check
  curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, &OutboundPin::on_open_socket);
  curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, pin.get());
  return pin;
}

OutboundPin::~OutboundPin() { curl_slist_free_all(resolve_); }

// The last line of defence: whatever curl decided to connect to is checked again here.
curl_socket_t OutboundPin::on_open_socket(void* user, curlsocktype, curl_sockaddr* addr) {
  auto* pin = static_cast<OutboundPin*>(user);
  auto a = from_sockaddr(addr->family, reinterpret_cast<const sockaddr*>(&addr->addr));
  if (!a || !address_allowed(*a, pin->port_, *pin->allow_)) {
    pin->socket_refused_ = true;
    return CURL_SOCKET_BAD;
  }
  return socket(addr->family, addr->socktype, addr->protocol);
}

bool is_transient(const Error& e) { return e.code == "media_fetch_failed"; }

SafeFetcher::SafeFetcher(SafeFetchOptions options) : o_(std::move(options)) {
  curl_init_once();
}

Result<Fetched> SafeFetcher::fetch(const std::string& url, const Headers& headers) const {
  auto first = parse_target(url);
  if (!first) return as_media_error(first.error());
  Target t = *first;
  for (int hop = 0; hop <= o_.max_redirects; ++hop) {
    Fetched out;
    Transfer tr{&out.body, o_.max_bytes, false};
    CURL* h = curl_easy_init();
    if (!h) return Error::make("media_fetch_failed", "curl_easy_init failed");
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> guard(h, curl_easy_cleanup);
    // Every hop resolved, checked and pinned again.
    auto pin = OutboundPin::apply(h, t.url, o_.allow);
    if (!pin) return as_media_error(pin.error());
    curl_slist* hdrs = nullptr;
    // Credentials are for the URL's own host; a redirect elsewhere (a CDN) gets none.
    if (t.host == first->host && t.port == first->port && t.scheme == first->scheme) {
      for (const auto& [k, v] : headers) {
        hdrs = curl_slist_append(hdrs, std::string(k).append(": ").append(v).c_str());
      }
    }
    curl_easy_setopt(h, CURLOPT_URL, t.url.c_str());
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
    if (hdrs) curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    set_common_options(h, o_.user_agent, static_cast<long>(o_.timeout_ms),
                       static_cast<long>(o_.connect_timeout_ms));
    curl_easy_setopt(h, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(o_.max_bytes));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &tr);
    const CURLcode rc = curl_easy_perform(h);
    long code = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
    char* ct = nullptr;
    curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct);
    if (ct) out.content_type = ct;
    char* location = nullptr;
    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &location);
    const std::string next = location ? location : "";
    curl_slist_free_all(hdrs);
    if ((*pin)->socket_refused()) {
      return Error::make("media_url_refused",
                         std::string("refusing to connect to ").append(t.host));
    }
    if (tr.overflow || rc == CURLE_FILESIZE_EXCEEDED) {
      return Error::make("media_too_large",
                         std::string("the media is larger than ")
                             .append(std::to_string(o_.max_bytes)).append(" bytes"));
    }
    if (rc != CURLE_OK) {
      return Error::make("media_fetch_failed",
                         std::string("fetching ").append(t.host).append(": ")
                             .append(curl_easy_strerror(rc)));
    }
    out.status = static_cast<int>(code);
    if (code == 301 || code == 302 || code == 303 || code == 307 || code == 308) {
      if (next.empty()) {
        return Error::make("media_fetch_rejected", "a redirect without a Location");
      }
      auto nt = parse_target(next);
      if (!nt) return Error::make("media_url_refused", "a redirect to a non-http(s) URL");
      t = *nt;
      continue;
    }
    if (code < 200 || code > 299) {
      const bool transient = code >= 500 || code == 408 || code == 429;
      return Error::make(transient ? "media_fetch_failed" : "media_fetch_rejected",
                         std::string("the media server answered HTTP ")
                             .append(std::to_string(code)));
    }
    out.final_url = t.url;
    return out;
  }
  return Error::make("media_fetch_rejected",
                     std::string("more than ").append(std::to_string(o_.max_redirects))
                         .append(" redirects"));
}

}  // namespace sb::providers
