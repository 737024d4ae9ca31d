// Numbers as accounts own them: the stored record, the API's settings change, an import's outcome.
#pragma once

#include <optional>
#include <string>

namespace sb {

struct NumberRecord {
  std::string number;  // E.164 or short code
  std::string account;
  std::string connector;
  bool sms = true;
  bool mms = false;
  std::string type = "long_code";  // long_code | toll_free | short_code
  // Messages per second from this number: < 0 the default for its type, 0 unlimited.
  double throughput = -1;
  std::string source = "config";  // config ([[numbers]]) | import (from the provider's account)
  std::string status = "active";
  // Settings made through the API (PATCH /v1/numbers/{number}); they survive config syncs.
  std::optional<std::string> forward_url;      // inbound messages are forwarded here
  std::string forward_method = "POST";         // POST (JSON body) | GET (query parameters)
  // switchboard (our JSON, Switchboard-Signature) | twilio (Twilio's form parameters signed with
  // X-Twilio-Signature, answered with TwiML; docs/twilio-compatibility.md)
  std::string forward_format = "switchboard";
  std::optional<std::string> status_callback;  // default for messages sent from this number
  std::optional<std::string> friendly_name;    // a label (the Twilio API's FriendlyName)
  // Which messages start a conversation (and its contact): "all" (every message, the default),
  // or "inbound" (only a message from the other party; outbound messages join a conversation
  // that exists and start none). For numbers that send notifications or codes to many people.
  std::string conversations = "all";
};

// What PATCH /v1/numbers/{number} changes; a field not `set_` stays as it is.
struct NumberSettingsUpdate {
  bool set_forwarding = false;
  std::optional<std::string> forward_url;  // nullopt: forwarding off
  std::string forward_method = "POST";     // POST | GET
  std::string forward_format = "switchboard";  // switchboard | twilio
  bool set_status_callback = false;
  std::optional<std::string> status_callback;  // nullopt: no default
  std::optional<std::string> conversations;    // all | inbound; nullopt: unchanged
  bool set_friendly_name = false;
  std::optional<std::string> friendly_name;  // nullopt: none
};

// What an import of a provider's numbers did with one number: added, or skipped with the reason.
struct NumberImportResult {
  std::string number;
  bool added = false;
  // skipped: "already a config number of account x", "already imported into account y"
  std::string reason;
};

}  // namespace sb
