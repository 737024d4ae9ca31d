// Twilio-format requests to apps (docs/twilio-compatibility.md): a number whose forwarding format
// is "twilio" gets its inbound messages as Twilio's form parameters, and a message sent through the
// Twilio-compatible API (or by a TwiML answer) gets its status callbacks that way; both are signed
// with X-Twilio-Signature under the account's auth token, so an app's unchanged
// `twilio.validateRequest` accepts them. The app's answer to a forward is read as TwiML.
// Pure functions; the callback sender (callbacks.cc) runs the attempts.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/delivery.h"
#include "core/form.h"
#include "core/http_types.h"
#include "core/message.h"
#include "core/result.h"

namespace sb::engine {

// What Twilio posts to a number's SmsUrl for an inbound message: MessageSid, SmsSid,
// SmsMessageSid, AccountSid, From, To, Body, NumMedia, NumSegments, MediaUrl{N},
// MediaContentType{N}, SmsStatus=received, ApiVersion.
FormFields twilio_inbound_params(const Message& m, const std::string& account_sid);

// What Twilio posts to a message's StatusCallback: MessageSid, SmsSid, MessageStatus, SmsStatus,
// AccountSid, From, To, ApiVersion, and ErrorCode when the message has an error. Read from a
// status callback delivery's stored payload (the status it reports, not the message's current
// one); an error when the payload is not one.
Result<FormFields> twilio_status_params(std::string_view payload, const std::string& account_sid);

// One attempt's request: POST with the form body, or GET with the parameters appended to the
// URL's query; X-Twilio-Signature over the URL and (POST) the parameters, keyed with the auth
// token; I-Twilio-Idempotency-Token names the delivery, the same on every retry.
HttpRequest twilio_request(const Delivery& d, const FormFields& params,
                           const std::string& auth_token, int timeout_ms);

// One <Message> of a TwiML answer: its text (the element's own text, or its <Body>), its <Media>
// URLs, and its attributes: to/from ("" : reply to the sender, from our number), action (a
// status callback for the reply) and method (POST; GET is refused when parsed).
struct TwimlMessage {
  std::string body;
  std::vector<std::string> media_urls;
  std::string to;
  std::string from;
  std::string action;
};

constexpr size_t kMaxTwimlMessages = 10;
constexpr size_t kMaxTwimlMedia = 10;

// Reads an app's TwiML answer: an empty body or <Response/> asks for nothing; <Response> holds
// <Message> verbs (at most kMaxTwimlMessages, each at most kMaxTwimlMedia <Media>). Errors
// (code invalid_twiml, saying what and where): not XML, a DOCTYPE (entities are never
// expanded), a root other than <Response>, a verb other than <Message> (Redirect and voice verbs
// included), an unknown element inside <Message>, too many verbs or media.
Result<std::vector<TwimlMessage>> parse_twiml(std::string_view body);

}  // namespace sb::engine
