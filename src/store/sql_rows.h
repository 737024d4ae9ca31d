// Row converters and statements more than one repository shares: message rows (read, insert),
// event rows, media JSON, and the media rows of re-hosted items.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/compliance.h"
#include "core/media_record.h"
#include "core/message.h"
#include "store/db.h"

namespace sb::store {

// A message is two rows: `messages`, what it is (written once; redaction erases its content), and
// `message_states`, where it is (the row its status changes write; migration 28).
inline constexpr std::string_view kMessagesFrom = "messages JOIN message_states ON message_id = id";

// The columns of a message as read from kMessagesFrom (their names are unique to one of the two
// tables, so a WHERE after it needs no table names).
inline constexpr std::string_view kMessageColumns =
    "id, account_id, direction, from_addr, to_addr, body, media_urls, status, segments, encoding, "
    "created_at, updated_at, error_code, error_message, metadata, connector_id, "
    "provider_message_id, status_callback, validity_period_s, attempts, next_attempt_at, "
    "idempotency_key, request_hash, conversation_id, media, "
    // v5: scheduling and quiet hours
    "send_at, category, deferred_until, "
    // v7: provider options
    "max_price, smart_encoding, "
    // v18: Twilio-format status callbacks
    "callback_format, "
    // v22: the sender pool the message was sent through
    "pool_id, "
    // v23: the batch the message is a row of
    "batch_id";

// read with every message, never inserted (a new message is unredacted).
inline constexpr std::string_view kRedactionColumns =
    "redacted_at, redaction_state, redaction_error";

// "SELECT <kMessageColumns>, <kRedactionColumns> FROM <kMessagesFrom>".
const std::string& select_messages_sql();

// A message from a row of kMessageColumns (and kRedactionColumns when present).
Message row_to_message(const Row& r);

// Inserts new messages (both rows of each) with multi-row statements. None may have an
// idempotency key another stored message has (see insert_message_row).
void insert_messages(Connection& c, const std::vector<const Message*>& messages);

// Inserts one message (both rows); returns false, inserting nothing, when (account,
// idempotency_key) already exists. The conflict waits for a concurrent inserter of the same key
// to commit or roll back.
bool insert_message_row(Connection& c, const Message& m);

// Inserts one event row.
void insert_event(Connection& c, const MessageEvent& e);
// Inserts event rows in input order (their ids keep that order) with multi-row statements;
// moves their strings out and leaves `events` empty.
void insert_events(Connection& c, std::vector<MessageEvent>& events);

// Every opt-out of these numbers (any account, scope or sender; repeats allowed), read on `c`
// (compliance_repository.cc, beside the rest of the opt-out SQL).
std::vector<OptOut> opt_outs_of(Connection& c, std::vector<std::string> numbers);

// A message's media items as stored in its `media` column (and a split-MMS part's payload).
nlohmann::json media_json(const std::vector<MediaItem>& media);
std::vector<MediaItem> media_from_json(const std::string& text);

// "SELECT <media columns> FROM media".
inline constexpr std::string_view kMediaSelect =
    "SELECT id, account_id, message_id, position, source_url, connector_id, sha256, "
    "content_type, size, state, attempts, next_attempt_at, last_error, created_at, updated_at "
    "FROM media";
MediaRecord row_to_media(const Row& r);

// One pending row per re-hosted media item of a new inbound message, due at once.
void insert_media_rows(Connection& c, const Message& m);

// Fills re-hosted items' state, sniffed type, size and error from their media rows: what the
// gateway knows now, not what the provider claimed (docs/media.md).
void attach_media(Connection& c, std::vector<Message>& msgs);

}  // namespace sb::store
