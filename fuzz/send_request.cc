// The body of POST /v1/messages (and conversation replies): JSON object reading
// (http/request_fields.h) and the send request's fields (http/send_request.h), then the checks
// the engine applies to what was read (core: addresses, body text, URLs). Input: a request
// (fuzz_support.h) whose headers are Content-Type and Idempotency-Key; JSON body.
#include "http/send_request.h"

#include "core/ids.h"
#include "core/phone.h"
#include "core/segments.h"
#include "core/url.h"
#include "fuzz_support.h"
#include "http/request_fields.h"

using namespace sb;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto raw = fuzz::split_request(fuzz::as_text(data, size), "/v1/messages", "");
  http::Request req;
  req.method = "POST";
  req.target = raw.url;
  req.path = "/v1/messages";
  for (const auto& [k, v] : raw.headers) {
    std::string name = k;
    for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    req.headers.emplace_back(std::move(name), v);
  }
  req.body = raw.body;

  auto sent = http::parse_send_request(req);
  if (!sent) {
    FUZZ_CHECK(!sent.error().code.empty());
    return 0;
  }
  const engine::SendRequest& r = *sent;
  if (r.contact_id) FUZZ_CHECK(r.to.empty() && is_contact_id(*r.contact_id));
  FUZZ_CHECK(r.category == "transactional" || r.category == "marketing");
  FUZZ_CHECK(r.max_price.empty() || http::valid_price(r.max_price));
  FUZZ_CHECK(r.metadata.size() <= 50);
  if (r.idempotency_key.empty()) {
    FUZZ_CHECK(r.request_hash.empty());
  } else {
    FUZZ_CHECK(r.request_hash.size() == 64);
    // The hash is of the canonical form: the same request written differently hashes the same.
    auto again = http::parse_json_object(http::parse_json_object(req.body)->dump(2));
    FUZZ_CHECK(again.ok());
    auto resent = http::parse_send_json(*again, req);
    FUZZ_CHECK(resent.ok() && resent->request_hash == r.request_hash);
  }

  // What the engine does next with the fields (Gateway::send's checks).
  if (!r.to.empty()) {
    auto to = parse_address(r.to, "US", AddressRole::kRecipient, "to");
    if (to) FUZZ_CHECK(to->kind != AddressKind::kAlphanumeric);
  }
  if (r.from) (void)parse_address(*r.from, "US", AddressRole::kSender, "from");
  if (auto body = validate_body(r.body); body) FUZZ_CHECK(!r.body.empty());
  if (!r.status_callback.empty()) {
    if (!url_problem(r.status_callback, UrlRule::kAppEndpoint)) {
      FUZZ_CHECK(!url_problem(r.status_callback, UrlRule::kHttp));
    }
  }
  for (const auto& u : r.media_urls) (void)url_problem(u, UrlRule::kHttp);
  return 0;
}
