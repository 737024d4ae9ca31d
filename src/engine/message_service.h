// Message operations every surface calls (the /v1 API, the console, the Twilio-compatible API,
// SMPP): send, read, list, count, cancel, redact, and the message's delivery log. Each one checks
// the account owns the message and answers with a Result whose error code the surface maps.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/message.h"
#include "core/result.h"
#include "engine/gateway.h"
#include "engine/page.h"

namespace sb::engine {

// A message with its full status history.
struct MessageView {
  Message message;
  std::vector<MessageEvent> events;
};

// What happened to the app notifications of one message: each delivery with its attempts.
struct DeliveryLog {
  std::string message_id;
  std::vector<Delivery> deliveries;
  std::vector<DeliveryAttempt> attempts;  // by delivery, then attempt
};

class MessageService {
 public:
  MessageService(store::Store& store, Gateway& gateway, const Clock& clock);

  // Validates and queues `req` for durable insert (Gateway::send); `done` runs once committed.
  void send(const std::string& account, const SendRequest& req, Outbox::Done done) {
    gateway_.send(account, req, std::move(done));
  }
  // The account's message with its events; not_found (field id) otherwise.
  Result<MessageView> get(const std::string& account, const std::string& id);
  // The account's messages matching `f`; f.limit is the page size.
  Result<Page<Message>> list(MessageFilter f);
  // The account's message counts by status.
  Result<std::map<std::string, int64_t>> count_by_status(const std::string& account);
  // Cancels a scheduled or queued outbound message (idempotent for a canceled one). Errors:
  // not_found, not_cancelable (any other status, or a dispatcher claimed it meanwhile).
  Result<Message> cancel(const std::string& account, const std::string& id);
  // Erases the message's body and media (the store's redact_message), removes re-hosted media
  // files no longer referenced, and releases a queued message's place in the dispatcher.
  // Errors: not_found, message_in_flight (being handed to a provider; retry_after_s set).
  Result<MessageView> redact(const std::string& account, const std::string& id);
  // The status-callback and forward deliveries of the account's message, with their attempts.
  Result<DeliveryLog> deliveries(const std::string& account, const std::string& id);

 private:
  Result<Message> find(const std::string& account, const std::string& id);

  store::Store& store_;
  Gateway& gateway_;
  const Clock& clock_;
};

}  // namespace sb::engine
