// Twilio's 2010-04-01 dialect: each handler authenticates (Basic AccountSid:AuthToken), reads the
// form parameters, calls the engine operation /v1 calls, and renders Twilio's shapes.
#include "http/twilio_api.h"

#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/phone.h"
#include "core/twilio_ids.h"
#include "http/api_util.h"
#include "http/media_api.h"
#include "http/twilio_format.h"

namespace sb::http {
namespace {

using nlohmann::json;
using twilio::error_response;
using twilio::form_value;

constexpr int kMaxPageSize = 1000;


Response json_reply(int status, const json& body) {
  Response r = Response::json(status, body);
  r.content_type = "application/json; charset=utf-8";
  return r;
}

// Basic AccountSid:AuthToken, and the path's AccountSid must be the caller's: another account's
// SID is not found (20404), never another account's data.
Handler twilio_authed(engine::Services& s, std::function<void(Request&, const TwilioCaller&, Reply)> fn) {
  return [&s, fn = std::move(fn)](Request& req, Reply reply) {
    const std::string h = req.header("authorization");
    constexpr std::string_view kPrefix = "Basic ";
    std::optional<std::string> decoded;
    if (h.size() > kPrefix.size() && strncasecmp(h.data(), kPrefix.data(), kPrefix.size()) == 0) {
      decoded = crypto::base64_decode(std::string_view(h).substr(kPrefix.size()));
    }
    const auto colon = decoded ? decoded->find(':') : std::string::npos;
    std::optional<TwilioCaller> caller;
    if (colon != std::string::npos) {
      auto found =
          s.gateway.authenticate_twilio(decoded->substr(0, colon), decoded->substr(colon + 1));
      if (!found) {
        spdlog::error("auth: twilio credentials lookup failed: {}", found.error().message);
        return reply(error_response(
            Error::make("database_unavailable", "cannot check credentials right now")));
      }
      caller = std::move(*found);
    }
    if (!caller) {
      return reply(error_response(Error::make("unauthorized", "Authenticate")));
    }
    if (strcasecmp(req.params["AccountSid"].c_str(), caller->account_sid.c_str()) != 0) {
      return reply(error_response(Error::make(
          "not_found", "The requested resource " + req.path + " was not found")));
    }
    try {
      fn(req, *caller, reply);
    } catch (const std::exception& e) {
      spdlog::error("twilio api: {} {}: {}", req.method, req.path, e.what());
      reply(error_response(Error::make("database_unavailable", "the database is unavailable")));
    }
  };
}

std::string account_uri(const TwilioCaller& c) { return "/2010-04-01/Accounts/" + c.account_sid; }

json account_json(const TwilioCaller& c, const TwilioCredentials& creds) {
  const std::string base = account_uri(c);
  return {{"auth_token", nullptr},  // shown only by `switchboard twilio-credentials`
          {"date_created", twilio::rfc2822(creds.created_at)},
          {"date_updated", twilio::rfc2822(std::max(creds.created_at, creds.rotated_at))},
          {"friendly_name", c.account},
          {"owner_account_sid", c.account_sid},
          {"sid", c.account_sid},
          {"status", "active"},
          {"subresource_uris",
           {{"messages", base + "/Messages.json"},
            {"incoming_phone_numbers", base + "/IncomingPhoneNumbers.json"}}},
          {"type", "Full"},
          {"uri", base + ".json"}};
}

// POST Messages.json's parameters as a send request. Twilio's unknown parameters are ignored,
// as Twilio does.
Result<engine::SendRequest> parse_send(const FormFields& f, const Request& req) {
  engine::SendRequest r;
  auto to = form_value(f, "To");
  if (!to || to->empty()) return Error::make("missing_field", "A 'To' phone number is required.", "To");
  r.to = *to;
  auto from = form_value(f, "From");
  auto service = form_value(f, "MessagingServiceSid");
  if (from && !from->empty()) {
    r.from = *from;  // with a MessagingServiceSid too, From names the sender (as at Twilio)
  } else if (service && !service->empty()) {
    // A Messaging Service is a sender pool (docs/pools.md): MG + its id's 128 bits.
    auto pool = pool_id_of_twilio_sid(*service);
    if (!pool) {
      return Error::make("unknown_pool", "The MessagingServiceSid is not a Messaging Service SID",
                         "MessagingServiceSid");
    }
    r.pool = *pool;
  } else {
    return Error::make("missing_field", "A 'From' phone number is required.", "From");
  }
  r.body = form_value(f, "Body").value_or("");
  r.media_urls = twilio::form_values(f, "MediaUrl");
  r.status_callback = form_value(f, "StatusCallback").value_or("");
  r.callback_format = "twilio";
  if (auto v = form_value(f, "ValidityPeriod")) {
    char* end = nullptr;
    const long long n = std::strtoll(v->c_str(), &end, 10);
    if (v->empty() || *end != '\0') {
      return Error::make("invalid_validity_period", "ValidityPeriod must be a number of seconds",
                         "ValidityPeriod");
    }
    r.validity_period_s = n;
  }
  if (auto v = form_value(f, "SmartEncoded")) {
    r.smart_encoding = twilio::parse_bool(*v);
    if (!r.smart_encoding) {
      return Error::make("invalid_parameter", "SmartEncoded must be true or false", "SmartEncoded");
    }
  }
  if (auto v = form_value(f, "MaxPrice"); v && !v->empty()) {
    if (!valid_price(*v)) {
      return Error::make("invalid_max_price",
                         "MaxPrice must be a positive decimal amount with at most 4 decimals",
                         "MaxPrice");
    }
    r.max_price = *v;
  }
  auto type = form_value(f, "ScheduleType");
  auto send_at = form_value(f, "SendAt");
  if (type && *type != "fixed") {
    return Error::make("invalid_parameter", "ScheduleType must be fixed", "ScheduleType");
  }
  if (type && !send_at) {
    return Error::make("missing_field", "SendAt is required with ScheduleType=fixed", "SendAt");
  }
  if (send_at) {
    if (!type) {
      return Error::make("missing_field", "ScheduleType=fixed is required with SendAt",
                         "ScheduleType");
    }
    auto t = twilio::parse_twilio_time(*send_at);
    if (!t || t->date_only) {
      return Error::make("invalid_send_at", "SendAt must be a time such as 2026-01-31T09:00:00Z",
                         "SendAt");
    }
    r.send_at = t->at;
  }
  // Idempotency as on /v1 (Idempotency-Key), over the parameters in a canonical order.
  auto key = idempotency_key(req);
  if (!key) return key.error();
  if (!key->empty()) {
    FormFields sorted = f;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    r.idempotency_key = *key;
    r.request_hash = crypto::hex(crypto::sha256("twilio\n" + form_encode(sorted)));
  }
  return r;
}

void send_message(engine::Services& s, Request& req, const TwilioCaller& c, Reply reply) {
  auto parsed = parse_send(twilio::form_of(req), req);
  if (!parsed) {
    spdlog::info("twilio api: send rejected for {}: {} ({})", c.account, parsed.error().code,
                 parsed.error().field);
    return reply(error_response(parsed.error()));
  }
  s.messages.send(c.account, *parsed,
                  [reply = std::move(reply), c](Result<store::InsertResult> r) {
                    if (!r) {
                      if (r.error().code != "storage_error" &&
                          r.error().code != "shutting_down") {
                        spdlog::info("twilio api: send rejected for {}: {} ({})", c.account,
                                     r.error().code, r.error().field);
                      }
                      return reply(error_response(r.error()));
                    }
                    if (r->kind == store::InsertKind::kConflict) {
                      return reply(error_response(Error::make(
                          "idempotency_conflict",
                          "this Idempotency-Key was already used with a different request",
                          "Idempotency-Key")));
                    }
                    reply(json_reply(201, twilio::message_json(r->message, c.account_sid)));
                  });
}

Result<std::optional<int>> int_param(const FormFields& f, const char* name, int min) {
  auto v = form_value(f, name);
  if (!v) return std::optional<int>();
  char* end = nullptr;
  const long n = std::strtol(v->c_str(), &end, 10);
  if (v->empty() || *end != '\0' || n < min) {
    return Error::make("invalid_parameter",
                       std::string(name) + " must be a whole number of at least " +
                           std::to_string(min),
                       name);
  }
  return std::optional<int>(static_cast<int>(std::min<long>(n, 1'000'000)));
}

// PageSize (at least 1; more than 1000 is read as 1000, as the SDKs may ask for more) and Page
// into `links`; returns the PageToken for the caller to resolve. A Page after the first needs
// the PageToken of next_page_uri.
Result<std::optional<std::string>> read_paging(const FormFields& f, twilio::PageLinks& links) {
  auto size = int_param(f, "PageSize", 1);
  if (!size) return size.error();
  links.page_size = std::min(size->value_or(50), kMaxPageSize);
  auto page = int_param(f, "Page", 0);
  if (!page) return page.error();
  links.page = page->value_or(0);
  auto token = form_value(f, "PageToken");
  if (!token && links.page > 0) {
    return Error::make("invalid_parameter",
                       "a Page after the first needs the PageToken of next_page_uri", "PageToken");
  }
  if (token) links.page_token = *token;
  return token;
}

Error unknown_page_token() {
  return Error::make("invalid_parameter", "PageToken is not one this API returned", "PageToken");
}

void list_messages(engine::Services& s, Request& req, const TwilioCaller& c, Reply reply) {
  const FormFields f = twilio::form_of(req);
  MessageFilter filter;
  filter.account = c.account;
  twilio::PageLinks links;
  links.path = account_uri(c) + "/Messages.json";
  const auto& region = s.gateway.options().default_region;
  for (const char* name : {"To", "From"}) {
    if (auto v = form_value(f, name)) {
      auto p = normalize_phone(*v, region, name);
      if (!p) return reply(error_response(p.error()));
      (std::string_view(name) == "To" ? filter.to : filter.from) = p->e164;
      links.filters.emplace_back(name, *v);
    }
  }
  // DateSent (that day, or that instant), DateSent< (on or before), DateSent> (on or after),
  // over the time the message was created here.
  for (const char* name : {"DateSent", "DateSent<", "DateSent>"}) {
    auto v = form_value(f, name);
    if (!v) continue;
    auto t = twilio::parse_twilio_time(*v);
    if (!t) {
      return reply(error_response(Error::make(
          "invalid_parameter", std::string(name) + " must be YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ",
          name)));
    }
    const TimeMs end = t->at + (t->date_only ? 86'400'000 : 1);
    const std::string_view n(name);
    if (n == "DateSent") {
      filter.since = t->at;
      filter.until = end;
    } else if (n == "DateSent<") {
      filter.until = end;
    } else {
      filter.since = t->at;
    }
    links.filters.emplace_back(name, *v);
  }
  auto token = read_paging(f, links);
  if (!token) return reply(error_response(token.error()));
  if (*token) {
    std::optional<std::string> id;
    if ((*token)->size() > 2 && (*token)->substr(0, 2) == "PA") {
      id = message_id_of_twilio_sid(std::string_view(**token).substr(2));
    }
    if (!id) return reply(error_response(unknown_page_token()));
    filter.before_id = *id;
  }
  filter.limit = links.page_size;
  auto listed = s.messages.list(std::move(filter));
  if (!listed) return reply(error_response(listed.error()));
  json items = json::array();
  for (const auto& m : listed->items) items.push_back(twilio::message_json(m, c.account_sid));
  if (listed->more) {
    links.next_page_token = "PA" + twilio_message_sid(listed->items.back().id, false);
  }
  reply(json_reply(200, twilio::page_json("messages", std::move(items), links)));
}

// The message the path's Sid names, as an id: not_found for anything that is not a message SID.
Result<std::string> message_id(const Request& req) {
  auto id = message_id_of_twilio_sid(req.params.at("Sid"));
  if (!id) {
    return Error::make("not_found", "The requested resource " + req.path + " was not found",
                       "Sid");
  }
  return *id;
}

// The message the path's Sid names, with its events: not_found for another account's.
Result<engine::MessageView> path_message(engine::Services& s, const Request& req,
                                         const TwilioCaller& c) {
  auto id = message_id(req);
  if (!id) return id.error();
  return s.messages.get(c.account, *id);
}

// POST Messages/{Sid}.json: Body="" redacts it, Status=canceled cancels it (scheduled or still
// queued); with neither, the message as it is.
void update_message(engine::Services& s, Request& req, const TwilioCaller& c, Reply reply) {
  auto id = message_id(req);
  if (!id) return reply(error_response(id.error()));
  const FormFields f = twilio::form_of(req);
  auto body = form_value(f, "Body");
  auto status = form_value(f, "Status");
  if (body && !body->empty()) {
    return reply(error_response(Error::make(
        "invalid_parameter", "Body can only be set to \"\" (redacting the message)", "Body")));
  }
  if (status && *status != "canceled") {
    return reply(error_response(
        Error::make("invalid_parameter", "Status can only be set to canceled", "Status")));
  }
  if (status) {
    auto m = s.messages.cancel(c.account, *id);
    if (!m) return reply(error_response(m.error()));
    if (!body) return reply(json_reply(200, twilio::message_json(*m, c.account_sid)));
  }
  if (body) {
    auto v = s.messages.redact(c.account, *id);
    if (!v) return reply(error_response(v.error()));
    return reply(json_reply(200, twilio::message_json(v->message, c.account_sid, &v->events)));
  }
  auto v = s.messages.get(c.account, *id);
  if (!v) return reply(error_response(v.error()));
  reply(json_reply(200, twilio::message_json(v->message, c.account_sid, &v->events)));
}

// GET IncomingPhoneNumbers.json: the account's numbers in their configured order, filtered by
// PhoneNumber (exact, or a part of it) and FriendlyName (its label, else the number), paged by PageToken.
void list_numbers(engine::Services& s, Request& req, const TwilioCaller& c, Reply reply) {
  const FormFields f = twilio::form_of(req);
  twilio::PageLinks links;
  links.path = account_uri(c) + "/IncomingPhoneNumbers.json";
  auto numbers = s.numbers.list(c.account);
  if (!numbers) return reply(error_response(numbers.error()));
  std::vector<const NumberRecord*> matching;
  const auto phone = form_value(f, "PhoneNumber");
  const auto friendly = form_value(f, "FriendlyName");
  for (const auto& v : *numbers) {
    if (phone && v.number.number.find(*phone) == std::string::npos) continue;
    if (friendly && v.number.friendly_name.value_or(v.number.number) != *friendly) continue;
    matching.push_back(&v.number);
  }
  if (phone) links.filters.emplace_back("PhoneNumber", *phone);
  if (friendly) links.filters.emplace_back("FriendlyName", *friendly);
  auto token = read_paging(f, links);
  if (!token) return reply(error_response(token.error()));
  size_t from = 0;
  if (*token) {
    const auto after = std::find_if(matching.begin(), matching.end(), [&](const NumberRecord* n) {
      return "PA" + twilio_number_sid(n->account, n->number) == **token;
    });
    if (after == matching.end()) return reply(error_response(unknown_page_token()));
    from = static_cast<size_t>(after - matching.begin()) + 1;
  }
  json items = json::array();
  size_t i = from;
  for (; i < matching.size() && items.size() < static_cast<size_t>(links.page_size); ++i) {
    items.push_back(twilio::number_json(*matching[i], c.account_sid));
  }
  if (i < matching.size()) {
    links.next_page_token = "PA" + twilio_number_sid(c.account, matching[i - 1]->number);
  }
  reply(json_reply(200, twilio::page_json("incoming_phone_numbers", std::move(items), links)));
}

// The number the path's PN SID names, among the account's.
Result<NumberRecord> number_of(engine::Services& s, const Request& req, const TwilioCaller& c) {
  auto numbers = s.numbers.list(c.account);
  if (!numbers) return numbers.error();
  const std::string& sid = req.params.at("Sid");
  for (auto& v : *numbers) {
    if (twilio_number_sid(c.account, v.number.number) == sid) return std::move(v.number);
  }
  return Error::make("not_found", "The requested resource " + req.path + " was not found", "Sid");
}

// A URL parameter: "" clears the setting; otherwise the engine checks it as it checks /v1's
// (Gateway::check_app_url).
std::optional<std::string> url_param(const std::string& v) {
  if (v.empty()) return std::nullopt;
  return v;
}

// POST IncomingPhoneNumbers/{Sid}.json: SmsUrl and SmsMethod are the number's forwarding (in
// Twilio's format from then on), StatusCallback its default status callback, FriendlyName its
// label. A parameter not given leaves its setting as it is; "" clears it.
void update_number(engine::Services& s, Request& req, const TwilioCaller& c, Reply reply) {
  auto n = number_of(s, req, c);
  if (!n) return reply(error_response(n.error()));
  const FormFields f = twilio::form_of(req);
  NumberSettingsUpdate u;
  const auto sms_url = form_value(f, "SmsUrl");
  const auto sms_method = form_value(f, "SmsMethod");
  if (sms_method && *sms_method != "POST" && *sms_method != "GET") {
    return reply(error_response(
        Error::make("invalid_method", "SmsMethod must be GET or POST", "SmsMethod")));
  }
  if (sms_url || sms_method) {
    u.set_forwarding = true;
    u.forward_url = url_param(sms_url.value_or(n->forward_url.value_or("")));
    u.forward_method = sms_method.value_or(n->forward_url ? n->forward_method : "POST");
    u.forward_format = "twilio";
  }
  if (auto cb = form_value(f, "StatusCallback")) {
    u.set_status_callback = true;
    u.status_callback = url_param(*cb);
  }
  if (auto name = form_value(f, "FriendlyName")) {
    if (name->size() > 64) {
      return reply(error_response(Error::make(
          "invalid_parameter", "FriendlyName is at most 64 characters", "FriendlyName")));
    }
    u.set_friendly_name = true;
    if (!name->empty()) u.friendly_name = *name;
  }
  auto stored = s.numbers.update_settings(c.account, n->number, u);
  if (!stored) return reply(error_response(stored.error()));
  reply(json_reply(200, twilio::number_json(stored->number, c.account_sid)));
}

// The message's media as Twilio's Media resources, and the path of each one.
std::string media_base(const TwilioCaller& c, const std::string& message_id) {
  return account_uri(c) + "/Messages/" + twilio_message_sid(message_id, false) + "/Media";
}

json media_json(const TwilioCaller& c, const Message& m, size_t i) {
  const std::string sid = twilio_media_sid(m.id, i);
  std::string type = i < m.media.size() ? m.media[i].content_type : "";
  return {{"account_sid", c.account_sid},
          {"content_type", type.empty() ? json(nullptr) : json(type)},
          {"date_created", twilio::rfc2822(m.created_at)},
          {"date_updated", twilio::rfc2822(m.updated_at)},
          {"parent_sid", twilio_message_sid(m.id, false)},
          {"sid", sid},
          {"uri", media_base(c, m.id) + "/" + sid + ".json"}};
}

// The index of the media item the path's MediaSid names; not_found otherwise.
Result<size_t> media_index(const Request& req, const Message& m) {
  const std::string& sid = req.params.at("MediaSid");
  for (size_t i = 0; i < m.media_urls.size(); ++i) {
    if (twilio_media_sid(m.id, i) == sid) return i;
  }
  return Error::make("not_found", "The requested resource " + req.path + " was not found",
                     "MediaSid");
}

// GET Messages/{Sid}/Media.json: every media item of the message (at most 10: one page).
void list_media(engine::Services& s, Request& req, const TwilioCaller& c, Reply reply) {
  auto v = path_message(s, req, c);
  if (!v) return reply(error_response(v.error()));
  const FormFields f = twilio::form_of(req);
  twilio::PageLinks links;
  links.path = media_base(c, v->message.id) + ".json";
  auto token = read_paging(f, links);
  if (!token) return reply(error_response(token.error()));
  if (*token) return reply(error_response(unknown_page_token()));
  json items = json::array();
  for (size_t i = 0; i < v->message.media_urls.size(); ++i) {
    items.push_back(media_json(c, v->message, i));
  }
  reply(json_reply(200, twilio::page_json("media_list", std::move(items), links)));
}

// GET Messages/{Sid}/Media/{MediaSid}: the content. A re-hosted item is served from here (the
// same answer as /v1/media/{id}); another is a redirect to its URL, as Twilio redirects to
// its storage.
void media_content(engine::Services& s, const engine::MediaFiles& files, Request& req,
                   const TwilioCaller& c, Reply reply) {
  auto v = path_message(s, req, c);
  if (!v) return reply(error_response(v.error()));
  auto i = media_index(req, v->message);
  if (!i) return reply(error_response(i.error()));
  const Message& m = v->message;
  if (*i < m.media.size() && !m.media[*i].id.empty()) {
    auto record = s.accounts.media(c.account, m.media[*i].id);
    if (!record) return reply(error_response(record.error()));
    return reply(serve_media(req, *record, files));
  }
  Response r;
  r.status = 307;
  r.content_type.clear();
  r.headers.emplace_back("Location", m.media_urls[*i]);
  reply(std::move(r));
}

json key_json(const TwilioApiKey& k, const std::string* secret = nullptr) {
  json j = {{"sid", k.sid},
            {"friendly_name", k.friendly_name},
            {"date_created", twilio::rfc2822(k.created_at)},
            {"date_updated", twilio::rfc2822(k.created_at)}};
  if (secret) j["secret"] = *secret;
  return j;
}

// Keys are managed with the account's own credentials, as Twilio's standard keys may not.
Handler key_admin(engine::Services& s, std::function<void(Request&, const TwilioCaller&, Reply)> fn) {
  return twilio_authed(s, [fn = std::move(fn)](Request& req, const TwilioCaller& c, Reply reply) {
    if (c.api_key) {
      return reply(error_response(Error::make(
          "forbidden", "API keys cannot manage keys; use the account's auth token")));
    }
    fn(req, c, std::move(reply));
  });
}

void register_keys(Router& router, engine::Services& s, const std::string& base) {
  router.add("POST", base + "/Keys.json",
             key_admin(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               const FormFields f = twilio::form_of(req);
               auto created =
                   s.accounts.create_twilio_api_key(c.account, form_value(f, "FriendlyName").value_or(""));
               if (!created) return reply(error_response(created.error()));
               Response r = json_reply(201, key_json(created->key, &created->secret));
               r.headers.emplace_back("Cache-Control", "no-store");
               reply(std::move(r));
             }));
  router.add("GET", base + "/Keys.json",
             key_admin(s, [&s, base](Request& req, const TwilioCaller& c, Reply reply) {
               auto keys = s.accounts.twilio_api_keys(c.account);
               if (!keys) return reply(error_response(keys.error()));
               twilio::PageLinks links;
               links.path = account_uri(c) + "/Keys.json";
               auto token = read_paging(twilio::form_of(req), links);
               if (!token) return reply(error_response(token.error()));
               if (*token) return reply(error_response(unknown_page_token()));
               json items = json::array();
               for (const auto& k : *keys) items.push_back(key_json(k));
               reply(json_reply(200, twilio::page_json("keys", std::move(items), links)));
             }));
  router.add("GET", base + "/Keys/{Sid}.json",
             key_admin(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               auto keys = s.accounts.twilio_api_keys(c.account);
               if (!keys) return reply(error_response(keys.error()));
               for (const auto& k : *keys) {
                 if (k.sid == req.params.at("Sid")) return reply(json_reply(200, key_json(k)));
               }
               reply(error_response(Error::make(
                   "not_found", "The requested resource " + req.path + " was not found", "Sid")));
             }));
  router.add("DELETE", base + "/Keys/{Sid}.json",
             key_admin(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               auto r = s.accounts.delete_twilio_api_key(c.account, req.params.at("Sid"));
               if (!r) return reply(error_response(r.error()));
               s.gateway.forget_authentications();
               Response resp;
               resp.status = 204;
               resp.content_type.clear();
               reply(std::move(resp));
             }));
}

}  // namespace

void register_twilio_api(Router& router, engine::Services& s, const engine::MediaFiles& files) {
  const std::string base = "/2010-04-01/Accounts/{AccountSid}";

  router.add("GET", base + ".json",
             twilio_authed(s, [&s](Request&, const TwilioCaller& c, Reply reply) {
               auto creds = s.accounts.twilio_credentials(c.account);
               if (!creds) return reply(error_response(creds.error()));
               reply(json_reply(200, account_json(c, *creds)));
             }));

  router.add("POST", base + "/Messages.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               send_message(s, req, c, std::move(reply));
             }),
             // Inline as POST /v1/messages: parsing is CPU-only and the outbox replies when the
             // message is on disk; only an uncached credential check reads the database.
             Run::kInline);

  router.add("GET", base + "/Messages.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               list_messages(s, req, c, std::move(reply));
             }));

  router.add("GET", base + "/Messages/{Sid}.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               auto v = path_message(s, req, c);
               if (!v) return reply(error_response(v.error()));
               reply(json_reply(200, twilio::message_json(v->message, c.account_sid, &v->events)));
             }));

  router.add("POST", base + "/Messages/{Sid}.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               update_message(s, req, c, std::move(reply));
             }));

  router.add("GET", base + "/IncomingPhoneNumbers.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               list_numbers(s, req, c, std::move(reply));
             }));

  router.add("GET", base + "/IncomingPhoneNumbers/{Sid}.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               auto n = number_of(s, req, c);
               if (!n) return reply(error_response(n.error()));
               reply(json_reply(200, twilio::number_json(*n, c.account_sid)));
             }));

  router.add("POST", base + "/IncomingPhoneNumbers/{Sid}.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               update_number(s, req, c, std::move(reply));
             }));

  register_keys(router, s, base);

  router.add("GET", base + "/Messages/{Sid}/Media.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               list_media(s, req, c, std::move(reply));
             }));

  router.add("GET", base + "/Messages/{Sid}/Media/{MediaSid}.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               auto v = path_message(s, req, c);
               if (!v) return reply(error_response(v.error()));
               auto i = media_index(req, v->message);
               if (!i) return reply(error_response(i.error()));
               reply(json_reply(200, media_json(c, v->message, *i)));
             }));

  router.add("GET", base + "/Messages/{Sid}/Media/{MediaSid}",
             twilio_authed(s, [&s, &files](Request& req, const TwilioCaller& c, Reply reply) {
               media_content(s, files, req, c, std::move(reply));
             }));

  // Twilio deletes the record; here the message's body and media are erased (as /v1's DELETE)
  // and its record stays for the audit trail (docs/twilio-compatibility.md).
  router.add("DELETE", base + "/Messages/{Sid}.json",
             twilio_authed(s, [&s](Request& req, const TwilioCaller& c, Reply reply) {
               auto id = message_id(req);
               if (!id) return reply(error_response(id.error()));
               auto v = s.messages.redact(c.account, *id);
               if (!v) return reply(error_response(v.error()));
               Response r;
               r.status = 204;
               r.content_type.clear();
               reply(std::move(r));
             }));
}

}  // namespace sb::http
