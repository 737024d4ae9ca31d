// Inbound automation: compliance keywords (opt-out, opt-in, help) and keyword auto-replies. Runs
// as the WebhookProcessor's inbound hook, after the message is stored; replies go through the
// normal outbox (Gateway::send) from our number to the sender, so they thread into the
// conversation and are retried like any message.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/keywords.h"
#include "engine/gateway.h"
#include "store/store.h"

namespace sb::engine {

struct ComplianceSettings {
  ComplianceProfile defaults = ComplianceProfile::defaults();
  std::map<std::string, ComplianceProfile> accounts;  // account -> its profile
  std::map<std::string, ComplianceProfile> numbers;   // our number -> its profile
  // Connectors whose provider answers STOP/HELP itself: we record, but send no confirmation.
  std::set<std::string> provider_handles_keywords;
};

// What on_inbound decided for one message (for logs and tests).
struct AutomationAction {
  enum class Kind { kNone, kOptOut, kOptIn, kHelp, kAutoReply } kind = Kind::kNone;
  std::string reply_body;               // "" : no reply sent
  std::vector<std::string> media_urls;
  std::string rule_id;                  // kAutoReply
};

class Automation {
 public:
  Automation(store::Store& store, Gateway& gateway, const Clock& clock,
             ComplianceSettings settings);

  // The profile in force for our number `our_number` of `account`: the number's, else the
  // account's, else the defaults.
  const ComplianceProfile& profile(const std::string& account,
                                   const std::string& our_number) const;

  // Handles one stored inbound message: a keyword records the opt-out / opt-in and sends its
  // confirmation (unless the connector's provider answers keywords itself); otherwise the first
  // matching enabled auto-reply rule (highest priority, then rules of this number before
  // account-wide ones) sends its reply. Keywords always win over rules. Never throws.
  AutomationAction on_inbound(const Message& m);

 private:
  void reply(const Message& in, const std::string& body, const std::vector<std::string>& media,
             bool compliance, const std::string& tag);

  store::Store& store_;
  Gateway& gateway_;
  const Clock& clock_;
  ComplianceSettings settings_;
};

}  // namespace sb::engine
