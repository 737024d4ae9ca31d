// Message reads and changes on behalf of a surface; the send path itself is Gateway's.
#include "engine/message_service.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "core/log.h"
#include "engine/unavailable.h"

namespace sb::engine {
namespace {

Error no_message(const std::string& id) {
  return Error::make("not_found", "no message " + id + " in this account", "id");
}

}  // namespace

MessageService::MessageService(store::Store& store, Gateway& gateway, const Clock& clock)
    : store_(store), gateway_(gateway), clock_(clock) {}

Result<Message> MessageService::find(const std::string& account, const std::string& id) {
  if (!is_valid_id(id, "msg_")) return no_message(id);
  auto m = store_.messages().get(account, id);
  if (!m) return unavailable();
  if (!*m) return no_message(id);
  return std::move(**m);
}

Result<MessageView> MessageService::get(const std::string& account, const std::string& id) {
  auto m = find(account, id);
  if (!m) return m.error();
  auto events = store_.status().list_events(m->id);
  if (!events) return unavailable();
  return MessageView{std::move(*m), std::move(*events)};
}

Result<Page<Message>> MessageService::list(MessageFilter f) {
  const int limit = f.limit;
  f.limit = limit + 1;  // one extra row tells whether another page exists
  auto rows = store_.messages().list(f);
  if (!rows) return unavailable();
  return page_of(std::move(*rows), limit);
}

Result<std::map<std::string, int64_t>> MessageService::count_by_status(const std::string& account) {
  auto counts = store_.messages().count_by_status(account);
  if (!counts) return unavailable();
  return counts;
}

Result<Message> MessageService::cancel(const std::string& account, const std::string& id) {
  auto m = find(account, id);
  if (!m) return m.error();
  // The expect guard makes this lose cleanly to a dispatcher that claims the message first.
  for (int round = 0; round < 3; ++round) {
    if (m->status == Status::kCanceled) return std::move(*m);
    if (m->direction != Direction::kOutbound || !can_transition(m->status, Status::kCanceled)) {
      return Error::make("not_cancelable",
                         "message " + id + " is " + std::string(to_string(m->status)) +
                             "; only scheduled or queued messages can be canceled",
                         "id");
    }
    store::Transition t;
    t.message_id = id;
    t.to = Status::kCanceled;
    t.at = clock_.now_ms();
    t.expect = m->status;
    t.detail = "canceled by API request";
    auto r = store_.status().apply({t});
    if (!r) return r.error();
    if (!r->empty() && (*r)[0].applied) {
      spdlog::info("message {} canceled", id);
      gateway_.dequeued(id);
      return std::move(*(*r)[0].message);
    }
    m = find(account, id);
    if (!m) {
      if (m.error().code == "not_found") break;
      return m.error();
    }
  }
  return Error::make("not_cancelable", "message " + id + " is being sent", "id");
}

Result<MessageView> MessageService::redact(const std::string& account, const std::string& id) {
  if (!is_valid_id(id, "msg_")) return no_message(id);
  auto r = store_.messages().redact(account, id, clock_.now_ms());
  if (!r) return r.error();
  switch (r->outcome) {
    case RedactOutcome::kNotFound:
      return no_message(id);
    case RedactOutcome::kInFlight: {
      // The provider request carrying the body is under way: its outcome decides whether the
      // provider holds a copy, so redaction waits for it (seconds at most).
      Error e = Error::make("message_in_flight",
                            "message " + id +
                                " is being handed to its provider; retry in a few seconds",
                            "id");
      e.retry_after_s = 2;
      return e;
    }
    case RedactOutcome::kRedacted:
      log::info({.message_id = id},
                "message {} redacted (provider copy: {}, media files removed: {})", id,
                r->message.redaction->provider, r->orphaned_media.size());
      // After the commit: a crash in between leaves a file no row reaches (never served).
      gateway_.remove_media_files(r->orphaned_media);
      if (r->message.status == Status::kCanceled) gateway_.dequeued(id);  // it was waiting
      break;
    case RedactOutcome::kAlreadyRedacted:
      break;
  }
  auto events = store_.status().list_events(id);
  if (!events) return unavailable();
  return MessageView{std::move(r->message), std::move(*events)};
}

Result<DeliveryLog> MessageService::deliveries(const std::string& account, const std::string& id) {
  auto m = find(account, id);
  if (!m) return m.error();
  DeliveryLog log;
  log.message_id = m->id;
  auto deliveries = store_.deliveries().list(m->id);
  auto attempts = store_.deliveries().list_attempts(m->id);
  if (!deliveries || !attempts) return unavailable();
  log.deliveries = std::move(*deliveries);
  log.attempts = std::move(*attempts);
  return log;
}

}  // namespace sb::engine
