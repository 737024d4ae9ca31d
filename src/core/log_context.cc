// The thread's log fields.
#include "core/log_context.h"

namespace sb::log {
namespace {
thread_local Fields current_fields;
}

const Fields& current() { return current_fields; }

Scope::Scope(const Fields& f) : saved_(current_fields) {
  if (!f.request_id.empty()) current_fields.request_id = f.request_id;
  if (!f.message_id.empty()) current_fields.message_id = f.message_id;
  if (!f.account.empty()) current_fields.account = f.account;
  if (!f.connector.empty()) current_fields.connector = f.connector;
}

Scope::~Scope() { current_fields = saved_; }

}  // namespace sb::log
