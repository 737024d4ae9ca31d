// The Twilio dialect's shapes: dates, statuses, messages, errors, pages.
#include "http/twilio_format.h"

#include <array>
#include <ctime>
#include <unordered_map>

#include "core/twilio_ids.h"
#include "core/twilio_vocabulary.h"

namespace sb::http::twilio {

using nlohmann::json;

std::string rfc2822(TimeMs t) {
  static constexpr std::array<const char*, 7> kDays = {"Sun", "Mon", "Tue", "Wed",
                                                       "Thu", "Fri", "Sat"};
  static constexpr std::array<const char*, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t secs = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[40];
  std::snprintf(buf, sizeof buf, "%s, %02d %s %04d %02d:%02d:%02d +0000", kDays[tm.tm_wday],
                tm.tm_mday, kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                tm.tm_sec);
  return buf;
}

std::optional<TwilioTime> parse_twilio_time(std::string_view s) {
  if (s.size() == 10 && s[4] == '-' && s[7] == '-') {
    auto t = parse_rfc3339(std::string(s) + "T00:00:00Z");
    if (!t) return std::nullopt;
    return TwilioTime{*t, true};
  }
  auto t = parse_rfc3339(s);
  if (!t) return std::nullopt;
  return TwilioTime{*t, false};
}

namespace {

bool was_sent(Status s) {
  return s == Status::kSent || s == Status::kDelivered || s == Status::kUndelivered;
}

std::string message_uri(const std::string& account_sid, const std::string& sid) {
  return "/2010-04-01/Accounts/" + account_sid + "/Messages/" + sid;
}

}  // namespace

json message_json(const Message& m, const std::string& account_sid,
                  const std::vector<MessageEvent>* events) {
  const std::string sid = twilio_message_sid(m.id, false);
  json date_sent = nullptr;
  if (m.direction == Direction::kInbound) {
    date_sent = rfc2822(m.created_at);
  } else if (was_sent(m.status)) {
    TimeMs at = m.updated_at;
    if (events) {
      for (const auto& e : *events) {
        if (e.status == Status::kSent && e.applied) {
          at = e.at;
          break;
        }
      }
    }
    date_sent = rfc2822(at);
  }
  const std::string uri = message_uri(account_sid, sid);
  return {{"account_sid", account_sid},
          {"api_version", kTwilioApiVersion},
          {"body", m.body},
          {"date_created", rfc2822(m.created_at)},
          {"date_sent", date_sent},
          {"date_updated", rfc2822(m.updated_at)},
          {"direction", twilio_direction(m)},
          {"error_code", twilio_error_code(m) ? json(*twilio_error_code(m)) : json(nullptr)},
          {"error_message", m.error_message.empty() ? json(nullptr) : json(m.error_message)},
          {"from", m.from},
          {"messaging_service_sid",
           m.pool.empty() ? json(nullptr) : json(twilio_service_sid(m.pool))},
          {"num_media", std::to_string(m.media_urls.size())},
          {"num_segments", std::to_string(m.segments)},
          {"price", nullptr},
          {"price_unit", "USD"},
          {"sid", sid},
          {"status", twilio_status_word(m.status)},
          {"subresource_uris", {{"media", uri + "/Media.json"}}},
          {"to", m.to},
          {"uri", uri + ".json"}};
}

json number_json(const NumberRecord& n, const std::string& account_sid) {
  const std::string sid = twilio_number_sid(n.account, n.number);
  const std::string uri = "/2010-04-01/Accounts/" + account_sid + "/IncomingPhoneNumbers/" + sid;
  return {{"account_sid", account_sid},
          {"address_requirements", "none"},
          {"api_version", kTwilioApiVersion},
          {"beta", false},
          {"capabilities", {{"voice", false}, {"sms", n.sms}, {"mms", n.mms}, {"fax", false}}},
          {"date_created", nullptr},
          {"date_updated", nullptr},
          {"friendly_name", n.friendly_name.value_or(n.number)},
          {"origin", "hosted"},
          {"phone_number", n.number},
          {"sid", sid},
          {"sms_method", n.forward_url ? n.forward_method : "POST"},
          {"sms_url", n.forward_url.value_or("")},
          {"sms_fallback_method", "POST"},
          {"sms_fallback_url", ""},
          {"status", n.status == "active" ? "in-use" : n.status},
          {"status_callback", n.status_callback.value_or("")},
          {"status_callback_method", "POST"},
          {"subresource_uris", json::object()},
          {"uri", uri + ".json"},
          {"voice_method", "POST"},
          {"voice_url", ""}};
}

TwilioError twilio_error(const Error& e) {
  const std::string& c = e.code;
  const std::string& f = e.field;
  if (c == "unauthorized") return {20003, 401};
  if (c == "forbidden") return {20403, 403};
  if (c == "not_found") return {20404, 404};
  if (c == "method_not_allowed") return {20004, 405};
  if (c == "rate_limited") return {20429, 429};
  if (c == "database_unavailable" || c == "storage_error" || c == "storage_full" ||
      c == "commit_unknown" || c == "storage_unavailable" || c == "shutting_down") {
    return {20503, 503};
  }
  if (c == "missing_field" && f == "To") return {21604, 400};
  if ((c == "missing_field" && f == "From") || c == "no_sender") return {21603, 400};
  if (c == "missing_field" && f == "SendAt") return {35111, 400};
  if (c == "invalid_phone_number") return {f == "from" || f == "From" ? 21212 : 21211, 400};
  if (c == "from_not_owned") return {21606, 400};
  if (c == "missing_content") return {21602, 400};
  if (c == "body_too_long") return {21617, 400};
  if (c == "too_many_media") return {21623, 400};
  if (c == "invalid_media_url") return {21620, 400};
  if (c == "recipient_opted_out") return {21610, 400};
  const bool url = c == "invalid_url" || c == "url_refused";
  if (url && (f == "status_callback" || f == "StatusCallback")) return {21609, 400};
  if (url) return {21502, 400};
  if (c == "invalid_send_at") return {35114, 400};
  if (c == "unknown_pool") return {21705, 400};  // the Messaging Service is invalid
  if (c == "invalid_parameter" && f == "PageSize") return {20007, 400};
  // No Twilio code for this condition: the HTTP status stands in for it (what Twilio's Python
  // SDK reports for an error body without a code), validation errors as 400 like Twilio's.
  int status = status_for(c);
  if (status == 422) status = 400;
  return {status, status};
}

Response error_response(const Error& e) {
  const TwilioError t = twilio_error(e);
  json body = {{"code", t.code},
               {"message", e.message},
               {"more_info", "https://www.twilio.com/docs/errors/" + std::to_string(t.code)},
               {"status", t.status}};
  Response r = Response::json(t.status, body);
  r.content_type = "application/json; charset=utf-8";
  if (e.retry_after_s) r.headers.emplace_back("Retry-After", std::to_string(*e.retry_after_s));
  if (t.status == 401) r.headers.emplace_back("WWW-Authenticate", "Basic realm=\"Twilio API\"");
  return r;
}

FormFields form_of(const Request& req) {
  FormFields out = req.query;
  if (req.method == "POST") {
    for (auto& kv : form_decode(req.body)) out.push_back(std::move(kv));
  }
  return out;
}

std::optional<std::string> form_value(const FormFields& f, std::string_view name) {
  for (const auto& [k, v] : f) {
    if (k == name) return v;
  }
  return std::nullopt;
}

std::vector<std::string> form_values(const FormFields& f, std::string_view name) {
  std::vector<std::string> out;
  for (const auto& [k, v] : f) {
    if (k == name) out.push_back(v);
  }
  return out;
}

std::optional<bool> parse_bool(std::string_view v) {
  std::string lower;
  for (char c : v) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  if (lower == "true") return true;
  if (lower == "false") return false;
  return std::nullopt;
}

namespace {

std::string page_uri(const PageLinks& l, int page, const std::optional<std::string>& token) {
  FormFields q = l.filters;
  q.emplace_back("PageSize", std::to_string(l.page_size));
  q.emplace_back("Page", std::to_string(page));
  if (token) q.emplace_back("PageToken", *token);
  return l.path + "?" + form_encode(q);
}

}  // namespace

json page_json(const std::string& key, json items, const PageLinks& l) {
  const int n = static_cast<int>(items.size());
  const int start = l.page * l.page_size;
  json out = {{"first_page_uri", page_uri(l, 0, std::nullopt)},
              {"end", n == 0 ? start : start + n - 1},
              {"previous_page_uri", nullptr},
              {"uri", page_uri(l, l.page, l.page_token)},
              {"page_size", l.page_size},
              {"start", start},
              {"next_page_uri", l.next_page_token
                                    ? json(page_uri(l, l.page + 1, l.next_page_token))
                                    : json(nullptr)},
              {"page", l.page}};
  out[key] = std::move(items);
  return out;
}

}  // namespace sb::http::twilio
