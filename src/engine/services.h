// The engine operations a surface may call, bundled for wiring: the /v1 API, the console and the
// other surfaces take this and nothing of the store, so each behaves the same for the same input.
#pragma once

#include "engine/account_service.h"
#include "engine/compliance_service.h"
#include "engine/conversation_service.h"
#include "engine/gateway.h"
#include "engine/message_service.h"
#include "engine/number_service.h"
#include "engine/verifications.h"

namespace sb::engine {

struct Services {
  Gateway& gateway;  // authentication, number directory, send validation
  MessageService& messages;
  ConversationService& conversations;
  ContactService& contacts;
  ComplianceService& compliance;
  NumberService& numbers;
  AccountService& accounts;
  Verifier& verifications;
};

}  // namespace sb::engine
