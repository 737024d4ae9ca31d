// One easy handle per request; libcurl is initialised once per process.
#include "providers/transport/curl_client.h"

#include <curl/curl.h>

#include <mutex>

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

class CurlClient final : public HttpClient {
 public:
  explicit CurlClient(CurlClientOptions o) : o_(std::move(o)) {
    curl_init_once();
  }

  HttpResponse send(const HttpRequest& req) override {
    HttpResponse resp;
    CURL* h = curl_easy_init();
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
    set_common_options(h, o_.user_agent, static_cast<long>(req.timeout_ms),
                       static_cast<long>(o_.connect_timeout_ms));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
    const CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK) {
      long code = 0;
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
      resp.status = static_cast<int>(code);
    } else {
      resp.timed_out = rc == CURLE_OPERATION_TIMEDOUT;
      resp.error = sink.overflow ? "response body too large" : curl_easy_strerror(rc);
      resp.status = 0;
    }
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(h);
    return resp;
  }

 private:
  CurlClientOptions o_;
};

}  // namespace

std::unique_ptr<HttpClient> make_curl_client(CurlClientOptions options) {
  return std::make_unique<CurlClient>(std::move(options));
}

}  // namespace sb::providers
