// A delivery status reported by a provider about one of our outbound messages.
#pragma once

#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace sb {

struct StatusReport {
  std::string connector;
  std::string provider_message_id;
  Status status = Status::kSent;
  TimeMs at = 0;
  std::string provider_status;  // the provider's own word, kept verbatim
  std::string error_code;
  std::string error_message;
  // The recipient this report is about, when the provider says (a message to several recipients
  // gets one report each); "" when it does not.
  std::string recipient;
  // How the report came, when not by the provider's own push (recorded on the message's event):
  // "reconciled by status query".
  std::string detail;
};

}  // namespace sb
