// Telnyx number listing, profile assignment and profile webhook requests and their answers.
#include "providers/telnyx/telnyx_numbers.h"

#include <nlohmann/json.hpp>

#include "providers/transport/http_util.h"

namespace sb::providers::telnyx {

using nlohmann::json;

namespace {

HttpRequest json_request(const TelnyxConfig& c, std::string method, std::string path,
                         const json& body) {
  HttpRequest req = base_request(c, std::move(method), std::move(path));
  req.headers.emplace_back("Content-Type", "application/json");
  req.body = body.dump();
  return req;
}

bool is_success(const HttpResponse& r) { return r.status >= 200 && r.status < 300; }

// A failed call, classified as a send's failure, said as "HTTP 404: 10005 Resource not found"
// (or the transport error).
SendFailure call_failed(const std::string& what, const HttpResponse& r) {
  const SendFailure f = classify_response(r, 0);
  return call_failure("telnyx", what, failure_detail(r, f.code, f.message), f.kind, f.code);
}

// A refusal of ours, before or between calls.
SendFailure refused(const std::string& what, const std::string& detail, std::string code) {
  return call_failure("telnyx", what, detail, FailureKind::kPermanent, std::move(code));
}

std::string str(const json& obj, const char* key) {
  auto it = obj.find(key);
  if (it == obj.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return std::to_string(it->get<int64_t>());
  return {};
}

int64_t int_or(const json& obj, const char* key, int64_t fallback) {
  auto it = obj.find(key);
  return it != obj.end() && it->is_number_integer() ? it->get<int64_t>() : fallback;
}

std::string our_type(const std::string& telnyx_type, const std::string& number) {
  if (telnyx_type == "longcode") return "long_code";
  if (telnyx_type == "tollfree") return "toll_free";
  if (telnyx_type == "shortcode") return "short_code";
  return infer_number_type(number);
}

}  // namespace

HttpRequest build_number_list_request(const TelnyxConfig& c, int64_t page_number) {
  return base_request(c, "GET",
                      std::string("/v2/phone_numbers/messaging?page%5Bnumber%5D=")
                          .append(std::to_string(page_number))
                          .append("&page%5Bsize%5D=")
                          .append(std::to_string(kNumberPageSize)));
}

HttpRequest build_number_lookup_request(const TelnyxConfig& c, const std::string& number) {
  return base_request(c, "GET",
                      "/v2/phone_numbers/messaging?filter%5Bphone_number%5D=" + url_encode(number));
}

ProviderResult<TelnyxNumberPage> parse_number_list(const HttpResponse& r) {
  if (!is_success(r)) return call_failed("listing numbers", r);
  const json j = json::parse(r.body, nullptr, false);
  if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) {
    return call_failure("telnyx", "listing numbers", "the answer has no data list",
                        FailureKind::kTransient, "invalid_response");
  }
  TelnyxNumberPage page;
  for (const auto& n : j["data"]) {
    if (!n.is_object()) continue;
    TelnyxNumber t;
    t.owned.number = str(n, "phone_number");
    if (t.owned.number.empty()) continue;
    t.owned.provider_id = str(n, "id");
    t.owned.type = our_type(str(n, "type"), t.owned.number);
    if (auto f = n.find("features"); f != n.end() && f->is_object()) {
      t.owned.sms = f->contains("sms") && (*f)["sms"].is_object();
      t.owned.mms = f->contains("mms") && (*f)["mms"].is_object();
    }
    t.messaging_profile_id = str(n, "messaging_profile_id");
    page.numbers.push_back(std::move(t));
  }
  if (auto m = j.find("meta"); m != j.end() && m->is_object()) {
    page.page_number = int_or(*m, "page_number", 1);
    page.total_pages = int_or(*m, "total_pages", 1);
  }
  return page;
}

HttpRequest build_assign_profile_request(const TelnyxConfig& c, const std::string& number_id,
                                         const std::string& profile_id) {
  return json_request(c, "PATCH", "/v2/phone_numbers/" + url_encode(number_id) + "/messaging",
                      {{"messaging_profile_id", profile_id}});
}

HttpRequest build_profile_webhook_request(const TelnyxConfig& c, const std::string& profile_id,
                                          const std::string& webhook_url) {
  return json_request(c, "PATCH", "/v2/messaging_profiles/" + url_encode(profile_id),
                      {{"webhook_url", webhook_url}, {"webhook_api_version", "2"}});
}

ProviderResult<void> parse_update_response(const HttpResponse& r, const std::string& what) {
  if (!is_success(r)) return call_failed(what, r);
  return {};
}

ProviderResult<std::vector<OwnedNumber>> list_numbers(
    const TelnyxConfig& c, const std::function<HttpResponse(const HttpRequest&)>& send) {
  std::vector<OwnedNumber> out;
  for (int64_t page_no = 1; page_no <= kMaxNumberPages; ++page_no) {
    auto page = parse_number_list(send(build_number_list_request(c, page_no)));
    if (!page) return page.error();
    for (auto& n : page->numbers) out.push_back(std::move(n.owned));
    if (page->numbers.empty() || page_no >= page->total_pages) return out;
  }
  return refused(
      "listing numbers",
      std::string("more than ").append(std::to_string(kMaxNumberPages)).append(" pages of numbers"),
      "too_many_pages");
}

ProviderResult<NumberWebhooks> configure_number(
    const TelnyxConfig& c, const std::string& number, const std::string& inbound_url,
    const std::string& status_url, const std::function<HttpResponse(const HttpRequest&)>& send) {
  if (inbound_url != status_url) {
    return refused("configuring " + number,
                   "Telnyx has one webhook URL per messaging profile for inbound messages and "
                   "status reports",
                   "webhook_urls_differ");
  }
  auto page = parse_number_list(send(build_number_lookup_request(c, number)));
  if (!page) return page.error();
  const TelnyxNumber* found = nullptr;
  for (const auto& n : page->numbers) {
    if (n.owned.number == number) found = &n;
  }
  if (!found) {
    return refused("looking up " + number, "the Telnyx account has no such messaging number",
                   "not_found");
  }
  NumberWebhooks out{inbound_url, status_url, {{"phone_number_id", found->owned.provider_id}}};
  std::string profile = c.messaging_profile_id;
  if (profile.empty()) {
    profile = found->messaging_profile_id;
    if (profile.empty()) {
      return refused(
          "configuring " + number,
          "the number is on no messaging profile and the connector has no messaging_profile_id",
          "no_messaging_profile");
    }
  } else if (found->messaging_profile_id != profile) {
    auto assigned = parse_update_response(
        send(build_assign_profile_request(c, found->owned.provider_id, profile)),
        "assigning " + number + " to messaging profile " + profile);
    if (!assigned) return assigned.error();
  }
  auto updated = parse_update_response(send(build_profile_webhook_request(c, profile, inbound_url)),
                                       "updating messaging profile " + profile);
  if (!updated) return updated.error();
  out.provider_ids.emplace_back("messaging_profile_id", profile);
  return out;
}

}  // namespace sb::providers::telnyx
