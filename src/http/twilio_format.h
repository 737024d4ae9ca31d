// The Twilio-compatible API's dialect (docs/twilio-compatibility.md): how our messages, errors and
// pages look to Twilio's SDKs. Pure functions; the routes are in twilio_api.cc.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/form.h"
#include "core/message.h"
#include "core/number_record.h"
#include "core/result.h"
#include "http/types.h"

namespace sb::http::twilio {


// "Thu, 30 Jul 2015 20:12:31 +0000" (RFC 2822, always GMT, as Twilio writes it).
std::string rfc2822(TimeMs t);
// SendAt and the DateSent filters: "2026-01-31T09:00:00Z" (any RFC 3339 time), or a date alone
// "2026-01-31" (its first instant, UTC). nullopt when neither.
struct TwilioTime {
  TimeMs at = 0;
  bool date_only = false;
};
std::optional<TwilioTime> parse_twilio_time(std::string_view s);

// The message as Twilio's Message resource. `events`, when known, give date_sent (the first
// `sent` event; else the last update of a message that was sent).
nlohmann::json message_json(const Message& m, const std::string& account_sid,
                             const std::vector<MessageEvent>* events = nullptr);

// One of the account's numbers as Twilio's IncomingPhoneNumber: sms_url/sms_method are its
// forwarding, status_callback its default status callback.
nlohmann::json number_json(const NumberRecord& n, const std::string& account_sid);

// An error as Twilio's {"code", "message", "more_info", "status"} with its HTTP status: our
// code mapped to Twilio's for the same condition (table in docs/twilio-compatibility.md).
Response error_response(const Error& e);
// The Twilio code and HTTP status for our error code and field.
struct TwilioError {
  int code = 0;
  int status = 400;
};
TwilioError twilio_error(const Error& e);

// A request's parameters: the query's, then the form body's (POST), in order.
FormFields form_of(const Request& req);
// The first value of `name`, nullopt when absent.
std::optional<std::string> form_value(const FormFields& f, std::string_view name);
// Every value of `name` (a repeated key), in order.
std::vector<std::string> form_values(const FormFields& f, std::string_view name);
// "true"/"True"/"TRUE" and "false"…: nullopt otherwise.
std::optional<bool> parse_bool(std::string_view v);

// A list page's envelope: `key` holds `items`; uri, first_page_uri and next_page_uri are paths
// relative to the client's base URL (the SDKs add theirs), carrying every filter; next_page_uri
// is null on the last page.
struct PageLinks {
  std::string path;      // "/2010-04-01/Accounts/AC…/Messages.json"
  FormFields filters;    // the request's filters, replayed in every link
  int page_size = 50;
  int page = 0;
  std::optional<std::string> page_token;       // this page's
  std::optional<std::string> next_page_token;  // set: there is a next page
};
nlohmann::json page_json(const std::string& key, nlohmann::json items, const PageLinks& links);

}  // namespace sb::http::twilio
