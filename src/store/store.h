// The storage contract: everything the engine and API persist goes through this interface.
// Implementations: SQLite (embedded default) and PostgreSQL (several instances on one database).
// Every method is thread-safe and atomic: it commits before returning. Commits are durable (on
// disk before returning) except the dispatcher's and callback sender's bookkeeping (claim_due,
// apply, claim_deliveries, finish_delivery), which survives a process crash but may roll back
// with a machine crash until the next durable commit; leases make such a rollback a retry.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/message.h"
#include "core/result.h"
#include "core/status_report.h"

namespace sb::store {

struct ApiKey {
  std::string id;
  std::string account;
  std::string key_hash;  // hex SHA-256 of the secret; the secret itself is never stored
  std::string prefix;    // first characters of the key, safe to show
  TimeMs created_at = 0;
};

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
  std::optional<std::string> forward_url;  // inbound messages are forwarded here
  std::string forward_method = "POST";     // POST (JSON body) | GET (query parameters)
  std::optional<std::string> status_callback;  // default for messages sent from this number
  // Which messages start a conversation (and its contact): "all" (every message, the default),
  // or "inbound" (only a message from the other party; outbound messages join a conversation
  // that exists and start none). For numbers that send notifications or codes to many people.
  std::string conversations = "all";
};

// --- numbers import (numbers) ---
// What import_numbers did with one number: added, or skipped with the reason.
struct NumberImportResult {
  std::string number;
  bool added = false;
  std::string reason;  // skipped: "already a config number of account x", "already imported into account y"
};

enum class InsertKind { kCreated, kDuplicate, kConflict };

// A new message with its first events, inserted atomically (see Store::insert_messages).
struct NewMessage {
  Message message;
  std::vector<MessageEvent> events;
  // The outbox refuses it when the recipient opted out (false only for keyword confirmations,
  // which must reach an opted-out number). The store itself ignores this.
  bool check_opt_out = true;
};

struct InsertResult {
  InsertKind kind = InsertKind::kCreated;
  Message message;  // the stored message (the earlier one for kDuplicate)
};

struct MessageFilter {
  std::string account;
  std::optional<std::string> to, from;
  std::optional<Direction> direction;
  std::optional<Status> status;
  std::optional<TimeMs> since, until;  // created_at, inclusive since / exclusive until
  std::optional<std::string> before_id;  // cursor: only ids strictly older than this
  std::optional<std::string> after_id;   // cursor: only ids strictly newer than this
  std::optional<std::string> conversation_id;
  bool oldest_first = false;             // default: newest first
  int limit = 50;
  // messages whose side of ours is this number (from_addr of outbound,
  // to_addr of inbound); index messages_our_number.
  std::optional<std::string> number;
};

// A requested status change. The store applies it only if core::can_transition allows it; either
// way it records an event. Optional fields update the message alongside an applied change.
struct Transition {
  std::string message_id;
  Status to = Status::kQueued;
  TimeMs at = 0;
  std::string provider_status;
  std::string error_code;
  std::string error_message;
  std::string detail;
  std::optional<std::string> provider_message_id;
  std::optional<std::string> connector;
  std::optional<TimeMs> next_attempt_at;  // for retries (status queued)
  // Only apply if the message is currently in this status (guards against races with leases).
  std::optional<Status> expect;
  // Replaces the attempt count (a deferral that was not an attempt gives its claim back).
  std::optional<int> attempts;
  // Internal bookkeeping the app need not hear about: no status callback is queued.
  bool quiet = false;
  int64_t webhook_event_id = 0;  // the provider webhook that reported it (0: none)
  // Quiet hours: the message is held until this instant (recorded on the message when applied).
  std::optional<TimeMs> deferred_until;
};

struct TransitionResult {
  bool found = false;
  bool applied = false;
  Message message;  // after the change
};

// What a transition did, without the message: the answer of the narrow apply methods.
struct TransitionSummary {
  bool found = false;
  bool applied = false;
  bool callback_queued = false;  // an app status callback was enqueued in the same transaction
  std::string message_id;
  Status status = Status::kQueued;  // the message's status afterwards
};

// A status report from a provider, matched to our message by (connector, provider message id).
using ProviderStatus = StatusReport;

// An outgoing HTTP notification to an app (status callback or inbound forward), retried until
// acknowledged.
struct Delivery {
  std::string id;
  std::string account;
  std::string message_id;
  std::string kind;  // "status_callback" | "forward"
  std::string url;
  std::string payload;  // JSON body (status callbacks); "" for forwards, built at attempt time
  int attempts = 0;
  TimeMs created_at = 0;
  TimeMs next_attempt_at = 0;
  // v10 (forwarding): the HTTP method (forwards may use GET); list_deliveries also fills the rest.
  std::string method = "POST";
  std::string state;  // pending | delivered | failed
  int last_status = 0;
  std::string last_error;
  TimeMs updated_at = 0;
};

// --- forwarding (migration 10) ---

// One attempt at a delivery, as logged for GET /v1/messages/{id}/deliveries.
struct DeliveryAttempt {
  std::string delivery_id;
  int attempt = 0;  // 1-based
  TimeMs at = 0;
  int64_t duration_ms = 0;
  int http_status = 0;           // 0: no response (see error)
  std::string error;             // transport error, HTTP error, or why an app's reply was not sent
  std::string response_excerpt;  // the start of the response body (bounded by the sender)
  std::string reply_message_id;  // forwards: the reply the app's answer sent
};

// An account's webhook signing secret: an HMAC key, so stored as it is (a hash cannot sign); it
// is shown only to its account and never logged.
struct SigningSecret {
  std::string account;
  std::string secret;
  TimeMs created_at = 0;
};

// What PATCH /v1/numbers/{number} changes; a field not `set_` stays as it is.
struct NumberSettingsUpdate {
  bool set_forwarding = false;
  std::optional<std::string> forward_url;  // nullopt: forwarding off
  std::string forward_method = "POST";     // POST | GET
  bool set_status_callback = false;
  std::optional<std::string> status_callback;  // nullopt: no default
  std::optional<std::string> conversations;    // all | inbound; nullopt: unchanged
};


// --- provider webhooks in ---

// One verified webhook as received: the dedupe key makes a provider's retry a no-op, and the raw
// payload is kept for audit (until the retention prunes it).
struct WebhookRecord {
  std::string connector;
  std::string dedupe_key;
  std::string kind;        // inbound | status | mms_part | unrouted | ignored
  std::string event_type;  // the provider's own name
  TimeMs received_at = 0;
  std::string content_type;
  std::string payload;
};

// An inbound message whose `to` number belongs to no account: kept for an operator.
struct UnroutedInbound {
  std::string id;
  std::string from, to, body;
  std::vector<MediaItem> media;
  std::string provider_message_id;
};

// One part of a provider's split MMS (VoiceMeUp), buffered durably until its group completes.
struct MmsPart {
  int64_t id = 0;
  std::string connector;
  std::string key;
  bool text_part = false;
  Message message;  // the part, read as an inbound message (account and routing filled in)
  TimeMs received_at = 0;
};

// What one webhook does, applied atomically with its dedupe record.
struct WebhookIngest {
  WebhookRecord webhook;
  // A routed inbound message (status received, account set): stored with its `received` event,
  // its contact and conversation found or created, the conversation's counters updated.
  std::optional<Message> inbound;
  std::optional<UnroutedInbound> unrouted;
  std::optional<MmsPart> mms_part;
  // Status reports (connector set). One that matches no message yet is kept as an orphan and
  // applied by match_orphans once the message's provider id is known.
  std::vector<ProviderStatus> statuses;
};

struct WebhookIngestResult {
  bool duplicate = false;             // seen before: nothing was done
  std::optional<Message> inbound;     // the stored inbound message
  std::vector<TransitionResult> statuses;  // per report; found=false: kept as an orphan
};

struct Contact {
  std::string id;
  std::string account;
  std::string number;
  std::string name;
  Metadata metadata;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

struct Conversation {
  std::string id;
  std::string account;
  std::string our_number;
  Contact contact;
  TimeMs created_at = 0;
  TimeMs last_message_at = 0;
  std::string last_message_id;
  std::string last_message_preview;
  int64_t unread_count = 0;
  int64_t inbound_count = 0;
  int64_t outbound_count = 0;
};

struct ConversationFilter {
  std::string account;
  std::optional<std::string> our_number;
  std::optional<std::string> contact_id;
  bool unread_only = false;
  // Cursor: conversations strictly older than (last_message_at, id).
  std::optional<std::pair<TimeMs, std::string>> before;
  int limit = 50;
};

// --- verifications (2FA) ---

// One verification code sent to a recipient; only the salted hash of the code is stored.
struct Verification {
  std::string id;
  std::string account;
  std::string to;
  std::string message_id;  // the message that carried the code
  std::string salt;
  std::string code_hash;
  std::string status = "pending";  // pending | approved | failed (check limit) | canceled
  int checks = 0;                  // check attempts so far
  TimeMs created_at = 0;
  TimeMs expires_at = 0;
  TimeMs updated_at = 0;
};

struct VerificationStart {
  bool created = false;
  TimeMs retry_at = 0;  // when not created (rate limited): when the next send is allowed
};

// --- compliance: opt-outs and keyword auto-replies (migration v4) ---

// A recipient who asked for no more messages. scope "account": nothing from any number of the
// account; scope "number": nothing from `our_number`. (account, number, our_number) is unique,
// our_number being "" for account scope.
struct OptOut {
  std::string id;
  std::string account;
  std::string number;  // the recipient, E.164 (or a short code as dialled)
  std::string scope = "account";  // account | number
  std::string our_number;         // scope number: the sender it applies to; else ""
  std::string source;             // keyword | api | provider_error | import
  TimeMs created_at = 0;
};

// The audit trail of opt-outs: one row per change.
struct OptOutEvent {
  int64_t id = 0;
  std::string account;
  std::string number;
  std::string scope;
  std::string our_number;
  std::string action;      // opt_out | opt_in
  std::string source;      // keyword | api | provider_error | import
  std::string message_id;  // the inbound keyword or the refused message, when there is one
  TimeMs at = 0;
};

struct OptOutFilter {
  std::string account;
  std::optional<std::string> number;
  std::optional<std::string> after_id;  // cursor: ids strictly greater (oldest first)
  int limit = 50;
};

struct AddOptOutResult {
  bool created = false;  // false: an opt-out with the same key already existed (unchanged)
  OptOut opt_out;        // the stored row
};

// A keyword auto-reply rule of an account (our_number "": every number of the account).
struct AutoReply {
  std::string id;
  std::string account;
  std::string our_number;
  std::string match_type = "contains";  // exact | prefix | contains | regex
  std::string pattern;
  std::string reply_body;
  std::vector<std::string> media_urls;
  int64_t priority = 0;  // higher is tried first
  bool enabled = true;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

// --- contacts: the account's address book (migration v6) ---

// A contact's search key: its name with ASCII letters lower-cased (the same on both backends;
// other characters are compared as they are). Contacts list in (name key, id) order.
std::string contact_name_key(std::string_view name);

struct ContactFilter {
  std::string account;
  // Search: contacts whose name key starts with `name_prefix` or whose number starts with
  // `number_prefix` (either or both; none set: every contact).
  std::optional<std::string> name_prefix;
  std::optional<std::string> number_prefix;
  // Cursor: contacts strictly after (name key, id).
  std::optional<std::pair<std::string, std::string>> after;
  int limit = 50;
};

// --- message redaction (migration v12) ---
enum class RedactOutcome {
  kRedacted,         // erased now (an event `redacted` was recorded)
  kAlreadyRedacted,  // erased earlier: nothing changed
  kNotFound,         // no such message in the account
  kInFlight,         // `sending`: a provider request is under way; ask again in a moment
};

struct RedactResult {
  RedactOutcome outcome = RedactOutcome::kNotFound;
  Message message;  // afterwards (kRedacted, kAlreadyRedacted, kInFlight)
  // kRedacted: the SHA-256s of re-hosted media files no media row refers to any more (the
  // message's media rows are deleted with it); the caller removes those files.
  std::vector<std::string> orphaned_media;
};

// A provider-side redaction claimed by the dispatcher (Message::redaction->provider "pending").
struct RedactionJob {
  Message message;   // body and media already erased; provider ids kept
  int attempts = 0;  // including this one
};

struct CreateContactResult {
  bool created = false;  // false: the account already had a contact with this number
  Contact contact;       // the stored contact (the existing one when not created)
};

// --- media re-hosting (migration v11; docs/media.md) ---

// One media item of an inbound message, as the gateway keeps it: fetched from the provider's
// source_url in the background, stored content-addressed (sha256), served at /v1/media/{id}.
struct MediaRecord {
  std::string id;  // med_<ULID>
  std::string account;
  std::string message_id;
  int index = 0;           // position in the message's media
  std::string source_url;  // the provider's URL: never shown through the API
  std::string connector;   // whose credentials fetch it
  std::string sha256;      // hex; set when ready
  std::string content_type;  // sniffed from the bytes; set when ready
  std::optional<int64_t> size;
  std::string state = "pending";  // pending | ready | failed
  int attempts = 0;
  TimeMs next_attempt_at = 0;
  std::string last_error;
  TimeMs created_at = 0;
  TimeMs updated_at = 0;
};

// How one fetch attempt ended: ready (sha256, content_type, size), failed (error), or pending
// again (error, retry_at).
struct MediaOutcome {
  std::string state;
  std::string sha256;
  std::string content_type;
  std::optional<int64_t> size;
  std::string error;
  std::optional<TimeMs> retry_at;
};

class Store {
 public:
  virtual ~Store() = default;

  // Applies pending migrations; returns the resulting schema version.
  virtual Result<int> migrate() = 0;
  virtual int schema_version() = 0;
  // Cheap connectivity check for /readyz.
  virtual Result<void> ping() = 0;

  // --- accounts, keys, numbers ---
  virtual Result<void> ensure_account(const std::string& account, TimeMs now) = 0;
  virtual bool account_exists(const std::string& account) = 0;
  virtual Result<void> insert_api_key(const ApiKey& key) = 0;
  virtual std::optional<ApiKey> find_api_key(const std::string& key_hash) = 0;
  virtual int count_api_keys(const std::string& account) = 0;
  // Makes the config-sourced numbers match `numbers` (the [[numbers]] of the config): upserts
  // each one (number, account, connector, capabilities, type, throughput; source becomes
  // "config") and deletes config-sourced numbers no longer listed. API settings (forwarding,
  // status_callback) and imported numbers are kept.
  virtual Result<void> sync_numbers(const std::vector<NumberRecord>& numbers, TimeMs now) = 0;
  // An account's numbers, config order first, then imported ones by number.
  virtual std::vector<NumberRecord> list_numbers(const std::string& account) = 0;
  // Every account's numbers (same order per account).
  virtual std::vector<NumberRecord> all_numbers() = 0;

  // --- messages ---
  // Inserts a batch in one transaction (group commit). A message whose
  // (account, idempotency_key) exists is not inserted: kDuplicate when its request_hash matches,
  // kConflict otherwise. Results are in input order.
  //
  // kDurable: on disk when this returns. kDeferred: committed and visible to readers, on disk
  // once sync_deferred() returns (the outbox answers its callers only then; see Driver). Claims
  // (claim_due) sync before handing such messages out, so nothing is sent that a power cut
  // could erase.
  enum class Commit { kDurable, kDeferred };
  virtual Result<std::vector<InsertResult>> insert_messages(std::vector<NewMessage>& batch,
                                                            Commit commit) = 0;
  Result<std::vector<InsertResult>> insert_messages(std::vector<NewMessage>& batch) {
    return insert_messages(batch, Commit::kDurable);
  }
  // Returns once every kDeferred insert so far is on disk.
  virtual void sync_deferred() = 0;
  virtual std::optional<Message> get_message(const std::string& account, const std::string& id) = 0;
  virtual std::vector<MessageEvent> list_events(const std::string& message_id) = 0;
  virtual std::vector<Message> list_messages(const MessageFilter& filter) = 0;

  // Claims up to `limit` outbound messages that are due: queued with next_attempt_at <= now,
  // scheduled whose send_at (kept in next_attempt_at) has come, or sending whose lease expired
  // (a crashed worker's). Claimed messages become `sending` with a
  // lease until now + lease_ms, attempts + 1, and a `sending` event.
  virtual Result<std::vector<Message>> claim_due(const std::string& owner, TimeMs now,
                                                 int64_t lease_ms, int limit) = 0;
  // Applies transitions in one transaction. Applied changes to messages with a status_callback
  // enqueue a Delivery in the same transaction.
  virtual Result<std::vector<TransitionResult>> apply(const std::vector<Transition>& ts) = 0;
  virtual Result<std::vector<TransitionResult>> apply_provider_status(
      const std::vector<ProviderStatus>& reports) = 0;
  // The same as apply and apply_provider_status (same transaction, guards, events and
  // callbacks) for callers that do not need the messages back: no full-row read unless a status
  // callback's payload needs one. The dispatcher's and status ingest's hot path.
  virtual Result<std::vector<TransitionSummary>> apply_summary(const std::vector<Transition>& ts) {
    auto r = apply(ts);
    if (!r) return r.error();
    auto out = summarize(*r);
    for (size_t i = 0; i < out.size() && i < ts.size(); ++i) out[i].callback_queued &= !ts[i].quiet;
    return out;
  }
  virtual Result<std::vector<TransitionSummary>> apply_provider_status_summary(
      const std::vector<ProviderStatus>& reports) {
    auto r = apply_provider_status(reports);
    if (!r) return r.error();
    return summarize(*r);
  }
  // Number of messages per status for an account (all directions).
  virtual std::map<std::string, int64_t> count_by_status(const std::string& account) = 0;
  // Outbound messages of `connector` in status `status` last updated in [after, before), oldest
  // first (reconciliation of messages whose provider report never came).
  virtual std::vector<Message> list_stale(const std::string& connector, Status status,
                                          TimeMs after, TimeMs before, int limit) = 0;
  // Earliest next_attempt_at among queued/sending/scheduled messages, for the dispatcher's sleep.
  virtual std::optional<TimeMs> next_due() = 0;

  // --- deliveries (outgoing callbacks) ---
  virtual Result<std::vector<Delivery>> claim_deliveries(TimeMs now, int64_t lease_ms,
                                                         int limit) = 0;
  // Records an attempt's outcome: done (acknowledged or given up) or retry at `retry_at`.
  virtual Result<void> finish_delivery(const std::string& id, bool done, bool success,
                                       int http_status, const std::string& error, TimeMs now,
                                       std::optional<TimeMs> retry_at) = 0;
  virtual std::vector<Delivery> list_deliveries(const std::string& message_id) = 0;

  // --- webhooks in, contacts, conversations ---
  // Applies a batch of webhooks in one durable transaction (group commit); each one unless its
  // (connector, dedupe_key) was seen, earlier or in this batch. Results in input order.
  virtual Result<std::vector<WebhookIngestResult>> ingest_webhooks(
      std::vector<WebhookIngest>& batch) = 0;
  // One webhook on its own.
  Result<WebhookIngestResult> ingest_webhook(WebhookIngest& in) {
    std::vector<WebhookIngest> one{in};
    auto r = ingest_webhooks(one);
    if (!r) return r.error();
    in = std::move(one.front());
    return std::move(r->front());
  }
  // Applies kept orphan statuses whose message is now known; returns the applied results.
  virtual Result<std::vector<TransitionResult>> match_orphans() = 0;
  // Every buffered split-MMS part, oldest first.
  virtual std::vector<MmsPart> list_mms_parts() = 0;
  // Removes the parts `part_ids` and stores `messages` (routed inbound, threaded) in one durable
  // transaction. Returns false, storing nothing, if any part was already taken (another
  // instance completed the group first).
  virtual Result<bool> complete_mms_group(const std::vector<int64_t>& part_ids,
                                          std::vector<Message>& messages) = 0;
  // Drops raw webhook payloads received before `before` (audit retention) and orphans older than
  // it; returns how many payloads were dropped.
  virtual Result<int64_t> prune_webhooks(TimeMs before) = 0;
  virtual int64_t count_unrouted() = 0;
  virtual std::vector<Conversation> list_conversations(const ConversationFilter& f) = 0;
  virtual std::optional<Conversation> get_conversation(const std::string& account,
                                                       const std::string& id) = 0;
  virtual std::optional<Contact> find_contact(const std::string& account,
                                              const std::string& number) = 0;

  // --- verifications (2FA) ---
  // Inserts `v` unless (v.account, v.to) already has `max_per_window` verifications created in
  // (v.created_at - window_ms, v.created_at]; the check and the insert are one transaction, so
  // concurrent starts cannot exceed the limit. When limited: created=false and retry_at = the
  // instant the oldest of those leaves the window. A new verification cancels the recipient's
  // earlier pending ones (status canceled): only the newest code can be approved.
  virtual Result<VerificationStart> start_verification(const Verification& v, int max_per_window,
                                                       TimeMs window_ms) = 0;
  // The newest verification of (account, to) that is pending and not expired at `now`.
  virtual std::optional<Verification> find_pending_verification(const std::string& account,
                                                                const std::string& to,
                                                                TimeMs now) = 0;
  // Records one check of verification `id`: checks + 1 and the new status, only if it still has
  // `checks_before` checks and is pending (compare-and-set: a concurrent check makes this
  // return false and change nothing).
  virtual Result<bool> record_verification_check(const std::string& id, int checks_before,
                                                 const std::string& new_status, TimeMs now) = 0;
  // --- compliance: opt-outs and auto-replies ---
  // Records an opt-out (with an opt_out event) unless one with the same (account, number,
  // our_number) exists, which is returned unchanged. `message_id` is for the event ("" : none).
  virtual Result<AddOptOutResult> add_opt_out(const OptOut& o, const std::string& message_id) = 0;
  // Removes `number`'s opt-outs in `account`: the account-wide one and the one for
  // `our_number` (nullopt: every one). Each removal writes an opt_in event. Returns the removed.
  virtual Result<std::vector<OptOut>> remove_opt_outs(const std::string& account,
                                                      const std::string& number,
                                                      const std::optional<std::string>& our_number,
                                                      const std::string& source,
                                                      const std::string& message_id,
                                                      TimeMs at) = 0;
  // Removes one opt-out by id (with an opt_in event); false when the account has no such id.
  virtual Result<bool> remove_opt_out(const std::string& account, const std::string& id,
                                      const std::string& source, TimeMs at) = 0;
  // Every opt-out of these recipients, in any account (the send paths filter by account and
  // sender). Throws DbError-derived exceptions like other reads.
  virtual std::vector<OptOut> find_opt_outs(const std::vector<std::string>& numbers) = 0;
  // An account's opt-outs, oldest first, paged by id.
  virtual std::vector<OptOut> list_opt_outs(const OptOutFilter& f) = 0;
  virtual std::vector<OptOutEvent> list_opt_out_events(const std::string& account,
                                                       const std::string& number) = 0;

  virtual Result<void> insert_auto_reply(const AutoReply& r) = 0;
  virtual std::optional<AutoReply> get_auto_reply(const std::string& account,
                                                  const std::string& id) = 0;
  // An account's rules, highest priority first (ties: oldest first).
  virtual std::vector<AutoReply> list_auto_replies(const std::string& account) = 0;
  // Replaces the rule's mutable fields (all but id, account, created_at); false when not found.
  virtual Result<bool> update_auto_reply(const AutoReply& r) = 0;
  virtual Result<bool> delete_auto_reply(const std::string& account, const std::string& id) = 0;

  // --- contacts and conversation actions ---
  // Creates a contact from c.account, c.number (E.164), c.name, c.metadata, c.created_at (also
  // its updated_at); the id is derived from (account, number) like the contacts inbound traffic
  // creates, so c.id is ignored. When the account already has the number: created=false and the
  // existing contact, unchanged.
  virtual Result<CreateContactResult> create_contact(const Contact& c) = 0;
  virtual std::optional<Contact> get_contact(const std::string& account,
                                             const std::string& id) = 0;
  // An account's contacts in (name key, id) order, filtered and paged by `f`.
  virtual std::vector<Contact> list_contacts(const ContactFilter& f) = 0;
  // Sets the name and/or metadata given, and updated_at = now; nullopt when the account has no
  // such contact. The number never changes (the id derives from it).
  virtual Result<std::optional<Contact>> update_contact(const std::string& account,
                                                        const std::string& id,
                                                        const std::optional<std::string>& name,
                                                        const std::optional<Metadata>& metadata,
                                                        TimeMs now) = 0;
  // Deletes the contact and its conversations in one transaction; the messages stay (in
  // list_messages) but leave the thread (conversation_id cleared). False when not found. If the
  // number texts again it is a new "Unknown" contact with the same derived id and a new thread.
  virtual Result<bool> delete_contact(const std::string& account, const std::string& id) = 0;
  // Sets the conversation's unread_count to 0; returns it afterwards (nullopt: not found).
  virtual Result<std::optional<Conversation>> mark_conversation_read(const std::string& account,
                                                                     const std::string& id) = 0;

  // --- message redaction ---
  // Erases the message's body and media everywhere the store keeps them (the message row, raw
  // webhook payloads linked to it, status-callback payloads, the conversation preview), keeps
  // metadata and status history, and records an event `redacted` (status unchanged), in one
  // durable transaction; its re-hosted media rows go too (RedactResult::orphaned_media names the
  // files left unreferenced). A message not yet handed to a provider (accepted, scheduled, queued)
  // is canceled first; one in `sending` is kInFlight (nothing changes). The provider's copy is
  // left "pending" when the message has a provider message id (claim_redactions), else "none".
  virtual Result<RedactResult> redact_message(const std::string& account, const std::string& id,
                                              TimeMs now) = 0;
  // Claims up to `limit` pending provider redactions due at `now`: each is leased until
  // now + lease_ms (a crashed claimer's come back) and its attempt counted.
  virtual Result<std::vector<RedactionJob>> claim_redactions(TimeMs now, int64_t lease_ms,
                                                             int limit) = 0;
  // Records a provider redaction's outcome: state done | unsupported | failed, or pending again
  // at `retry_at` with the error that made it wait.
  virtual Result<void> finish_redaction(const std::string& id, const std::string& state,
                                        const std::string& error, std::optional<TimeMs> retry_at,
                                        TimeMs now) = 0;
  // --- forwarding (migration 10) ---
  // Inbound messages stored by ingest_webhooks / complete_mms_group to a number with a
  // forward_url get a "forward" Delivery in the same transaction (nothing lost if the process
  // dies right after the provider's 2xx).
  //
  // Changes the API settings of `number` if `account` owns it; nullopt when it does not (or the
  // number is unknown), so another account's number looks absent.
  virtual Result<std::optional<NumberRecord>> update_number_settings(
      const std::string& account, const std::string& number, const NumberSettingsUpdate& u,
      TimeMs now) = 0;
  // The account's signing secret, created (256 random bits) on first use.
  virtual Result<SigningSecret> signing_secret(const std::string& account, TimeMs now) = 0;
  // Replaces the account's signing secret with a new random one.
  virtual Result<SigningSecret> rotate_signing_secret(const std::string& account, TimeMs now) = 0;
  // Records one attempt of a claimed delivery and its outcome (as finish_delivery) together.
  virtual Result<void> record_delivery_attempt(const DeliveryAttempt& a, bool done, bool success,
                                               std::optional<TimeMs> retry_at) = 0;
  // Gives a claimed delivery back without an attempt (the message is not ready to forward yet):
  // its attempt count is restored and it is due again at `at`.
  virtual Result<void> defer_delivery(const std::string& id, TimeMs at) = 0;
  // Every logged attempt of the deliveries of `message_id`, by delivery then attempt.
  virtual std::vector<DeliveryAttempt> list_delivery_attempts(const std::string& message_id) = 0;
  // --- numbers import (numbers) ---
  // Inserts each number (its account, connector, capabilities and type; throughput unset: its
  // type's default) with source "import" unless the number is already present in any account
  // (config or import): present numbers, and repeats within `numbers`, are skipped unchanged.
  // The account must exist. One result per input, in order; all or nothing on a database error.
  virtual Result<std::vector<NumberImportResult>> import_numbers(
      const std::vector<NumberRecord>& numbers, TimeMs now) = 0;
  // --- media re-hosting (docs/media.md) ---
  // Media rows are created pending with their inbound message (same transaction, one per media
  // item that has an id). get_message and list_messages fill each such item's state,
  // content_type, size and error from its row.
  // Claims up to `limit` pending media due at `now`: attempts + 1, next_attempt_at = now +
  // lease_ms (a crashed fetcher's claim comes back after the lease).
  virtual Result<std::vector<MediaRecord>> claim_media(TimeMs now, int64_t lease_ms,
                                                       int limit) = 0;
  // Records an attempt's outcome (see MediaOutcome).
  virtual Result<void> finish_media(const std::string& id, const MediaOutcome& outcome,
                                    TimeMs now) = 0;
  // One media item of `account` (nullopt: no such id in this account).
  virtual std::optional<MediaRecord> get_media(const std::string& account,
                                               const std::string& id) = 0;
  // Any account's media item by id: only for requests that prove their right to it otherwise
  // (a signed media URL).
  virtual std::optional<MediaRecord> get_media_by_id(const std::string& id) = 0;
  // A message's media rows, in index order.
  virtual std::vector<MediaRecord> list_media(const std::string& message_id) = 0;
  // The value stored under `name`, storing `candidate` first when there is none (the first
  // writer wins: every instance of a shared database agrees). For keys generated once, such
  // as the media URL signing key.
  virtual Result<std::string> ensure_secret(const std::string& name, const std::string& candidate,
                                            TimeMs now) = 0;

 private:
  static std::vector<TransitionSummary> summarize(const std::vector<TransitionResult>& rs) {
    std::vector<TransitionSummary> out;
    out.reserve(rs.size());
    for (const auto& r : rs) {
      out.push_back({r.found, r.applied, r.applied && !r.message.status_callback.empty(),
                     r.message.id, r.message.status});
    }
    return out;
  }
};

// Opens the store named by a database URL: sqlite:///abs/path, sqlite://rel/path, or
// postgresql://user@host:port/db (also postgres://).
Result<std::unique_ptr<Store>> open_store(const std::string& url, const Clock& clock);

class Driver;
// The store over a driver made by make_sqlite_driver or make_postgres_driver (store/db.h);
// open_store does this for a URL.
std::unique_ptr<Store> make_store(std::unique_ptr<Driver> driver, const Clock& clock);

}  // namespace sb::store
