// Twilio-shaped IncomingPhoneNumbers: list and webhook configuration requests and their answers.
#include "providers/twilio/twilio_numbers.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "providers/transport/http_util.h"

namespace sb::providers::twilio {

using nlohmann::json;

namespace {

bool is_success(int status) { return status >= 200 && status < 300; }

// "https://host[:port]" of an API root such as "https://space.signalwire.com/api/laml".
std::string origin(const std::string& root) {
  const auto scheme = root.find("://");
  if (scheme == std::string::npos) return root;
  const auto slash = root.find('/', scheme + 3);
  return slash == std::string::npos ? root : root.substr(0, slash);
}

bool json_true(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_boolean() && it->get<bool>();
}

std::string json_string(const json& obj, const char* key) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : std::string();
}

// A failed call: classified as the Messages API classifies it, said with the provider's words.
SendFailure call_failed(std::string_view provider, const std::string& what, const HttpResponse& r) {
  const SendFailure f = classify_error(r, 0, parse_error_body(r.body));
  return call_failure(provider, what, failure_detail(r), f.kind, f.code);
}

// An answer we cannot read: as a send's unreadable answer, transient.
SendFailure unreadable(std::string_view provider, const std::string& what,
                       const std::string& detail) {
  return call_failure(provider, what, detail, FailureKind::kTransient, "invalid_response");
}

}  // namespace

std::string failure_detail(const HttpResponse& r) {
  const ProviderError e = parse_error_body(r.body);
  return providers::failure_detail(r, e.code, e.message);
}

HttpRequest build_number_lookup_request(const TwilioApi& api, const std::string& number) {
  return authed(api, "GET",
                account_path(api) + "/IncomingPhoneNumbers.json?PhoneNumber=" + url_encode(number));
}

HttpRequest build_number_list_request(const TwilioApi& api) {
  return authed(
      api, "GET",
      account_path(api) + "/IncomingPhoneNumbers.json?PageSize=" + std::to_string(kNumberPageSize));
}

HttpRequest build_number_next_page_request(const TwilioApi& api, const std::string& next_page_uri) {
  return authed(api, "GET", origin(api.api_root) + next_page_uri);
}

ProviderResult<NumberPage> parse_number_page(const HttpResponse& r, std::string_view provider) {
  if (!is_success(r.status)) return call_failed(provider, "listing numbers", r);
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("incoming_phone_numbers") ||
      !j["incoming_phone_numbers"].is_array()) {
    return unreadable(provider, "listing numbers", "the answer has no incoming_phone_numbers list");
  }
  NumberPage page;
  for (const auto& n : j["incoming_phone_numbers"]) {
    if (!n.is_object()) continue;
    OwnedNumber o;
    o.number = json_string(n, "phone_number");
    o.provider_id = json_string(n, "sid");
    if (o.number.empty()) continue;
    if (auto caps = n.find("capabilities"); caps != n.end() && caps->is_object()) {
      // Twilio spells the keys in lower case; older SignalWire answers capitalise them.
      o.sms = json_true(*caps, "sms") || json_true(*caps, "SMS");
      o.mms = json_true(*caps, "mms") || json_true(*caps, "MMS");
    }
    o.type = infer_number_type(o.number);
    page.numbers.push_back(std::move(o));
  }
  page.next_page_uri = json_string(j, "next_page_uri");
  return page;
}

HttpRequest build_number_update_request(const TwilioApi& api, const std::string& sid,
                                        const std::string& inbound_url,
                                        const std::string& status_url) {
  HttpRequest req =
      authed(api, "POST", account_path(api) + "/IncomingPhoneNumbers/" + url_encode(sid) + ".json");
  req.headers.emplace_back("Content-Type", "application/x-www-form-urlencoded");
  req.body =
      form_encode({{"SmsUrl", inbound_url}, {"SmsMethod", "POST"}, {"StatusCallback", status_url}});
  return req;
}

ProviderResult<std::string> parse_number_update_response(const HttpResponse& r,
                                                         std::string_view provider) {
  if (!is_success(r.status)) return call_failed(provider, "updating the number's webhooks", r);
  const json j = json::parse(r.body, nullptr, false);
  const std::string sid = j.is_object() ? json_string(j, "sid") : std::string();
  if (sid.empty()) {
    return unreadable(provider, "updating the number's webhooks", "the answer has no sid");
  }
  return sid;
}

ProviderResult<std::vector<OwnedNumber>> list_numbers(
    const TwilioApi& api, std::string_view provider,
    const std::function<HttpResponse(const HttpRequest&)>& send) {
  std::vector<OwnedNumber> out;
  HttpRequest req = build_number_list_request(api);
  for (int page_no = 0; page_no < kMaxNumberPages; ++page_no) {
    auto page = parse_number_page(send(req), provider);
    if (!page) return page.error();
    for (auto& n : page->numbers) out.push_back(std::move(n));
    if (page->next_page_uri.empty()) return out;
    // Only a path on the same host is followed (it is appended to our own origin).
    if (page->next_page_uri.front() != '/') {
      return unreadable(provider, "listing numbers",
                        "next_page_uri is not a path: " + page->next_page_uri);
    }
    req = build_number_next_page_request(api, page->next_page_uri);
  }
  return call_failure(
      provider, "listing numbers",
      std::string("more than ").append(std::to_string(kMaxNumberPages)).append(" pages of numbers"),
      FailureKind::kPermanent, "too_many_pages");
}

ProviderResult<NumberWebhooks> configure_number(
    const TwilioApi& api, std::string_view provider, const std::string& number,
    const std::string& inbound_url, const std::string& status_url,
    const std::function<HttpResponse(const HttpRequest&)>& send) {
  auto page = parse_number_page(send(build_number_lookup_request(api, number)), provider);
  if (!page) return page.error();
  const auto it = std::find_if(page->numbers.begin(), page->numbers.end(),
                               [&](const OwnedNumber& n) { return n.number == number; });
  if (it == page->numbers.end() || it->provider_id.empty()) {
    return call_failure(provider, "looking up " + number,
                        "the account " + api.account_sid + " has no such number",
                        FailureKind::kPermanent, "not_found");
  }
  auto sid = parse_number_update_response(
      send(build_number_update_request(api, it->provider_id, inbound_url, status_url)), provider);
  if (!sid) return sid.error();
  return NumberWebhooks{inbound_url, status_url, {{"phone_number_sid", *sid}}};
}

}  // namespace sb::providers::twilio
