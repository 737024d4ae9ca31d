// The schema history. Never edit a released migration; add a new one.
#include "store/migrations.h"

namespace sb::store {

const std::vector<Migration>& migrations() {
  static const std::vector<Migration> kMigrations = {
      {1, "initial", R"SQL(
CREATE TABLE accounts (
  id TEXT PRIMARY KEY,
  created_at BIGINT NOT NULL
);
CREATE TABLE api_keys (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  key_hash TEXT NOT NULL UNIQUE,
  prefix TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT
);
CREATE TABLE numbers (
  number TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  connector_id TEXT NOT NULL,
  sms INTEGER NOT NULL,
  mms INTEGER NOT NULL,
  type TEXT NOT NULL,
  position INTEGER NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE TABLE messages (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  direction TEXT NOT NULL,
  from_addr TEXT NOT NULL,
  to_addr TEXT NOT NULL,
  body TEXT NOT NULL,
  media_urls TEXT NOT NULL,
  status TEXT NOT NULL,
  segments INTEGER NOT NULL,
  encoding TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  error_code TEXT,
  error_message TEXT,
  metadata TEXT NOT NULL,
  connector_id TEXT,
  provider_message_id TEXT,
  status_callback TEXT,
  validity_period_s BIGINT,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  lease_owner TEXT,
  idempotency_key TEXT,
  request_hash TEXT
);
CREATE UNIQUE INDEX messages_idempotency ON messages (account_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
CREATE INDEX messages_outbox ON messages (next_attempt_at)
  WHERE status IN ('queued', 'sending');
CREATE INDEX messages_account_id ON messages (account_id, id);
CREATE INDEX messages_provider_id ON messages (connector_id, provider_message_id)
  WHERE provider_message_id IS NOT NULL;
CREATE TABLE message_events (
  id {{autoid}},
  message_id TEXT NOT NULL REFERENCES messages(id),
  type TEXT NOT NULL,
  status TEXT NOT NULL,
  at BIGINT NOT NULL,
  applied INTEGER NOT NULL,
  provider_status TEXT,
  error_code TEXT,
  error_message TEXT,
  detail TEXT
);
CREATE INDEX message_events_message ON message_events (message_id, id);
CREATE TABLE deliveries (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL,
  message_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  url TEXT NOT NULL,
  payload TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_status INTEGER,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX deliveries_due ON deliveries (next_attempt_at) WHERE state = 'pending';
CREATE INDEX deliveries_message ON deliveries (message_id);
)SQL"},
      {2, "reconciliation index", R"SQL(
CREATE INDEX messages_in_flight ON messages (connector_id, status, updated_at)
  WHERE status IN ('sending', 'sent');
)SQL"},
      {3, "webhooks, contacts, conversations", R"SQL(
CREATE TABLE contacts (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  number TEXT NOT NULL,
  name TEXT NOT NULL,
  metadata TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX contacts_number ON contacts (account_id, number);
CREATE TABLE conversations (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  our_number TEXT NOT NULL,
  contact_id TEXT NOT NULL REFERENCES contacts(id),
  created_at BIGINT NOT NULL,
  last_message_at BIGINT NOT NULL,
  last_message_id TEXT NOT NULL,
  last_message_preview TEXT NOT NULL,
  unread_count INTEGER NOT NULL,
  inbound_count INTEGER NOT NULL,
  outbound_count INTEGER NOT NULL
);
CREATE UNIQUE INDEX conversations_pair ON conversations (account_id, our_number, contact_id);
CREATE INDEX conversations_recent ON conversations (account_id, last_message_at, id);
ALTER TABLE messages ADD COLUMN conversation_id TEXT;
ALTER TABLE messages ADD COLUMN media TEXT;
CREATE INDEX messages_conversation ON messages (conversation_id, id)
  WHERE conversation_id IS NOT NULL;
ALTER TABLE message_events ADD COLUMN webhook_event_id BIGINT;
CREATE TABLE webhook_events (
  id {{autoid}},
  connector_id TEXT NOT NULL,
  dedupe_key TEXT NOT NULL,
  kind TEXT NOT NULL,
  event_type TEXT,
  message_id TEXT,
  received_at BIGINT NOT NULL,
  content_type TEXT,
  payload TEXT
);
CREATE UNIQUE INDEX webhook_events_dedupe ON webhook_events (connector_id, dedupe_key);
CREATE INDEX webhook_events_received ON webhook_events (received_at);
CREATE TABLE orphan_statuses (
  id {{autoid}},
  connector_id TEXT NOT NULL,
  provider_message_id TEXT NOT NULL,
  status TEXT NOT NULL,
  at BIGINT NOT NULL,
  provider_status TEXT,
  error_code TEXT,
  error_message TEXT,
  webhook_event_id BIGINT,
  created_at BIGINT NOT NULL
);
CREATE INDEX orphan_statuses_key ON orphan_statuses (connector_id, provider_message_id);
CREATE TABLE unrouted_inbound (
  id TEXT PRIMARY KEY,
  connector_id TEXT NOT NULL,
  from_addr TEXT NOT NULL,
  to_addr TEXT NOT NULL,
  body TEXT NOT NULL,
  media TEXT NOT NULL,
  provider_message_id TEXT,
  received_at BIGINT NOT NULL,
  webhook_event_id BIGINT
);
CREATE TABLE mms_parts (
  id {{autoid}},
  connector_id TEXT NOT NULL,
  part_key TEXT NOT NULL,
  text_part INTEGER NOT NULL,
  payload TEXT NOT NULL,
  received_at BIGINT NOT NULL,
  webhook_event_id BIGINT
);
CREATE INDEX mms_parts_key ON mms_parts (connector_id, part_key);
)SQL"},
      {4, "compliance: opt-outs, auto-replies", R"SQL(
CREATE TABLE opt_outs (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  number TEXT NOT NULL,
  scope TEXT NOT NULL,
  our_number TEXT NOT NULL,
  source TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX opt_outs_key ON opt_outs (account_id, number, our_number);
CREATE INDEX opt_outs_number ON opt_outs (number);
CREATE TABLE opt_out_events (
  id {{autoid}},
  account_id TEXT NOT NULL,
  number TEXT NOT NULL,
  scope TEXT NOT NULL,
  our_number TEXT NOT NULL,
  action TEXT NOT NULL,
  source TEXT NOT NULL,
  message_id TEXT,
  at BIGINT NOT NULL
);
CREATE INDEX opt_out_events_number ON opt_out_events (account_id, number, id);
CREATE TABLE auto_replies (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  our_number TEXT NOT NULL,
  match_type TEXT NOT NULL,
  pattern TEXT NOT NULL,
  reply_body TEXT NOT NULL,
  media_urls TEXT NOT NULL,
  priority BIGINT NOT NULL,
  enabled INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX auto_replies_account ON auto_replies (account_id, priority);
)SQL"},
      // v4 is opt-outs/keywords (another branch); v5 needs nothing from it.
      {5, "scheduled messages, quiet hours, verifications", R"SQL(
ALTER TABLE messages ADD COLUMN send_at BIGINT;
ALTER TABLE messages ADD COLUMN category TEXT;
ALTER TABLE messages ADD COLUMN deferred_until BIGINT;
DROP INDEX messages_outbox;
CREATE INDEX messages_outbox ON messages (next_attempt_at)
  WHERE status IN ('queued', 'sending', 'scheduled');
CREATE TABLE verifications (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  to_addr TEXT NOT NULL,
  message_id TEXT,
  salt TEXT NOT NULL,
  code_hash TEXT NOT NULL,
  status TEXT NOT NULL,
  checks INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX verifications_recipient ON verifications (account_id, to_addr, created_at);
)SQL"},
      {6, "contacts API: name search key", R"SQL(
ALTER TABLE contacts ADD COLUMN name_key TEXT NOT NULL DEFAULT '';
UPDATE contacts SET name_key = lower(name);
CREATE INDEX contacts_name ON contacts (account_id, name_key, id);
)SQL"},
      {7, "per-message provider options", R"SQL(
ALTER TABLE messages ADD COLUMN max_price TEXT;
ALTER TABLE messages ADD COLUMN smart_encoding INTEGER;
)SQL"},
      {8, "numbers: source, status, throughput, forwarding and defaults", R"SQL(
ALTER TABLE numbers ADD COLUMN source TEXT NOT NULL DEFAULT 'config';
ALTER TABLE numbers ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE numbers ADD COLUMN throughput TEXT;
ALTER TABLE numbers ADD COLUMN forward_url TEXT;
ALTER TABLE numbers ADD COLUMN forward_method TEXT;
ALTER TABLE numbers ADD COLUMN status_callback TEXT;
)SQL"},
      // --- forwarding: signing secrets, forward deliveries, per-attempt log ---
      // The signing secret is an HMAC key, so it is stored as it is (a hash could not sign).
      {10, "forwarding: signing secrets, delivery method, delivery attempts", R"SQL(
CREATE TABLE signing_secrets (
  account_id TEXT PRIMARY KEY,
  secret TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
ALTER TABLE deliveries ADD COLUMN method TEXT;
CREATE TABLE delivery_attempts (
  id {{autoid}},
  delivery_id TEXT NOT NULL,
  attempt INTEGER NOT NULL,
  at BIGINT NOT NULL,
  duration_ms BIGINT NOT NULL,
  http_status INTEGER,
  error TEXT,
  response_excerpt TEXT,
  reply_message_id TEXT
);
CREATE INDEX delivery_attempts_delivery ON delivery_attempts (delivery_id, attempt);
)SQL"},
      {11, "media re-hosting", R"SQL(
CREATE TABLE media (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  message_id TEXT NOT NULL,
  position INTEGER NOT NULL,
  source_url TEXT NOT NULL,
  connector_id TEXT,
  sha256 TEXT,
  content_type TEXT,
  size BIGINT,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT NOT NULL,
  last_error TEXT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE INDEX media_message ON media (message_id, position);
CREATE INDEX media_due ON media (next_attempt_at) WHERE state = 'pending';
CREATE INDEX media_sha256 ON media (sha256);
CREATE TABLE gateway_secrets (
  name TEXT PRIMARY KEY,
  value TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
)SQL"},
      // --- redaction, the `number` filter, webhook payloads by message ---
      // (9 was reserved for a branch that needed no migration.)
      {12, "message redaction, number filter index", R"SQL(
ALTER TABLE messages ADD COLUMN redacted_at BIGINT;
ALTER TABLE messages ADD COLUMN redaction_state TEXT;
ALTER TABLE messages ADD COLUMN redaction_error TEXT;
ALTER TABLE messages ADD COLUMN redaction_attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE messages ADD COLUMN redaction_next_at BIGINT;
CREATE INDEX messages_redaction_due ON messages (redaction_next_at)
  WHERE redaction_state = 'pending';
CREATE INDEX messages_our_number ON messages
  (account_id, (CASE WHEN direction = 'outbound' THEN from_addr ELSE to_addr END), id);
CREATE INDEX webhook_events_message ON webhook_events (message_id)
  WHERE message_id IS NOT NULL;
)SQL"},
      {13, "numbers: which messages start a conversation", R"SQL(
ALTER TABLE numbers ADD COLUMN conversations TEXT NOT NULL DEFAULT 'all';
)SQL"},
      // The same index, its predicate without an IN list (see kOutboxStatuses).
      {14, "outbox index predicate without a temporary b-tree per write", R"SQL(
DROP INDEX messages_outbox;
CREATE INDEX messages_outbox ON messages (next_attempt_at)
  WHERE (status = 'queued' OR status = 'sending' OR status = 'scheduled');
)SQL"},
      // A conversation's id is derived from (account, our number, contact), so its primary key
      // already keeps the pair unique. A second unique index made concurrent first messages
      // fail on PostgreSQL: ON CONFLICT arbitrates one index, and a writer that lost the race
      // on the other got a duplicate-key error instead of an update. The index stays, for
      // lookups by the pair.
      {15, "conversations: one unique key", R"SQL(
DROP INDEX conversations_pair;
CREATE INDEX conversations_pair ON conversations (account_id, our_number, contact_id);
)SQL"},
      // Reports from any source may wait as orphans now, not only webhooks: keep how they came.
      {16, "orphan reports: how each came", R"SQL(
ALTER TABLE orphan_statuses ADD COLUMN detail TEXT;
)SQL"},
      // The auth token signs requests to apps (an HMAC key), so it is stored as it is.
      {17, "credentials of the Twilio-compatible API", R"SQL(
CREATE TABLE twilio_credentials (
  account_id TEXT PRIMARY KEY REFERENCES accounts(id),
  account_sid TEXT NOT NULL UNIQUE,
  auth_token TEXT NOT NULL,
  previous_token TEXT,
  created_at BIGINT NOT NULL,
  rotated_at BIGINT
);
)SQL"},
      // Twilio-format forwards and status callbacks (a number's forward_format, a message's
      // callback_format, each delivery's format), IncomingPhoneNumbers' friendly names, and API
      // keys (SK…), whose secrets are kept as SHA-256 hashes: they are never read back.
      {18, "Twilio-format requests to apps, friendly names, Twilio API keys", R"SQL(
ALTER TABLE numbers ADD COLUMN forward_format TEXT;
ALTER TABLE numbers ADD COLUMN friendly_name TEXT;
ALTER TABLE messages ADD COLUMN callback_format TEXT;
ALTER TABLE deliveries ADD COLUMN format TEXT;
CREATE TABLE twilio_api_keys (
  sid TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  secret_hash TEXT NOT NULL,
  friendly_name TEXT NOT NULL,
  created_at BIGINT NOT NULL
);
CREATE INDEX twilio_api_keys_account ON twilio_api_keys (account_id);
)SQL"},
      // The live event stream (GET /v1/events) reads message events by account; rows written
      // before this migration have no account and are not replayed.
      {19, "live events: message events by account", R"SQL(
ALTER TABLE message_events ADD COLUMN account_id TEXT;
CREATE INDEX message_events_account ON message_events (account_id, id);
)SQL"},
      // The console's users (Argon2id password hashes) and sessions (SHA-256 of the token).
      {20, "console users and sessions", R"SQL(
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  email TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_at BIGINT NOT NULL,
  last_sign_in_at BIGINT
);
CREATE INDEX users_account ON users (account_id);
CREATE TABLE console_sessions (
  token_hash TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users(id),
  created_at BIGINT NOT NULL,
  last_seen_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL
);
CREATE INDEX console_sessions_user ON console_sessions (user_id);
)SQL"},
      // API keys as a resource: a name, scopes (space-separated; keys made before are admin),
      // an optional expiry, when last used, and a per-key request rate (0: unlimited).
      {21, "API keys with names, scopes, expiry and rate limits", R"SQL(
ALTER TABLE api_keys ADD COLUMN name TEXT NOT NULL DEFAULT '';
ALTER TABLE api_keys ADD COLUMN scopes TEXT NOT NULL DEFAULT 'admin';
ALTER TABLE api_keys ADD COLUMN expires_at BIGINT;
ALTER TABLE api_keys ADD COLUMN last_used_at BIGINT;
ALTER TABLE api_keys ADD COLUMN rate_limit INTEGER NOT NULL DEFAULT 0;
CREATE INDEX api_keys_account ON api_keys (account_id);
)SQL"},
      // Sender pools: named sets of an account's numbers a message may name instead of `from`,
      // each recipient's sticky sender, and the pool a message went out through.
      {22, "sender pools", R"SQL(
CREATE TABLE pools (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  name TEXT NOT NULL,
  sticky INTEGER NOT NULL,
  geomatch INTEGER NOT NULL,
  fallback INTEGER NOT NULL,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX pools_account_name ON pools (account_id, name);
CREATE TABLE pool_numbers (
  pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  number TEXT NOT NULL,
  position INTEGER NOT NULL,
  PRIMARY KEY (pool_id, number)
);
CREATE TABLE pool_senders (
  pool_id TEXT NOT NULL REFERENCES pools(id) ON DELETE CASCADE,
  recipient TEXT NOT NULL,
  number TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (pool_id, recipient)
);
ALTER TABLE messages ADD COLUMN pool_id TEXT;
)SQL"},
      // Batches (docs/batches.md): a batch, its rows as uploaded (in chunks, the materialiser's
      // unit of work and of resumption), the rows that could not become messages, and the
      // batch each message is a row of.
      {23, "batches", R"SQL(
CREATE TABLE batches (
  id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL REFERENCES accounts(id),
  status TEXT NOT NULL,
  spec TEXT NOT NULL,
  total BIGINT NOT NULL,
  chunks INTEGER NOT NULL,
  next_chunk INTEGER NOT NULL,
  invalid BIGINT NOT NULL,
  opted_out BIGINT NOT NULL,
  duplicates BIGINT NOT NULL,
  paused_from TEXT,
  lease_owner TEXT,
  lease_until BIGINT,
  created_at BIGINT NOT NULL,
  updated_at BIGINT NOT NULL,
  finished_at BIGINT
);
CREATE INDEX batches_account ON batches (account_id, id);
CREATE INDEX batches_status ON batches (status);
CREATE TABLE batch_chunks (
  batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  rows_json TEXT NOT NULL,
  PRIMARY KEY (batch_id, seq)
);
CREATE TABLE batch_errors (
  batch_id TEXT NOT NULL REFERENCES batches(id) ON DELETE CASCADE,
  row_number BIGINT NOT NULL,
  field TEXT NOT NULL,
  code TEXT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (batch_id, row_number)
);
ALTER TABLE messages ADD COLUMN batch_id TEXT;
CREATE INDEX messages_batch ON messages (batch_id, status) WHERE batch_id IS NOT NULL;
CREATE TABLE batch_events (
  id {{autoid}},
  batch_id TEXT NOT NULL,
  account_id TEXT NOT NULL,
  type TEXT NOT NULL,
  at BIGINT NOT NULL,
  data TEXT NOT NULL
);
CREATE INDEX batch_events_account ON batch_events (account_id, id);
)SQL"},
      {24, "concatenated inbound SMS parts", R"SQL(
ALTER TABLE mms_parts RENAME TO inbound_parts;
ALTER TABLE inbound_parts ADD COLUMN part_seq INTEGER NOT NULL DEFAULT 0;
ALTER TABLE inbound_parts ADD COLUMN part_total INTEGER NOT NULL DEFAULT 0;
)SQL"},
      {25, "SMPP server credentials and delivery cursors", R"SQL(
CREATE TABLE smpp_credentials (
  system_id TEXT PRIMARY KEY,
  account_id TEXT NOT NULL UNIQUE REFERENCES accounts(id),
  password_hash TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  rotated_at BIGINT NOT NULL DEFAULT 0
);
CREATE TABLE smpp_cursors (
  system_id TEXT PRIMARY KEY,
  cursor TEXT NOT NULL,
  updated_at BIGINT NOT NULL
);
)SQL"},
      {26, "shared send slots and cluster leases", R"SQL(
CREATE TABLE sender_slots (
  number TEXT PRIMARY KEY,
  next_at BIGINT NOT NULL,
  queue_at BIGINT NOT NULL,
  granted_at BIGINT
);
CREATE TABLE sender_slot_places (
  message_id TEXT PRIMARY KEY,
  number TEXT NOT NULL,
  place BIGINT NOT NULL
);
CREATE INDEX sender_slot_places_number ON sender_slot_places (number, place);
CREATE TABLE cluster_leases (
  name TEXT PRIMARY KEY,
  owner TEXT NOT NULL,
  expires_at BIGINT NOT NULL
);
)SQL"},
      // Reconciliation asks about messages `sent` for a while, and only those: an index over
      // `sending` too cost every message two more index writes (in at the claim, out at the
      // send), and its IN-list predicate a temporary b-tree per write (see migration 14).
      {27, "reconciliation index over sent messages only", R"SQL(
DROP INDEX messages_in_flight;
CREATE INDEX messages_in_flight ON messages (connector_id, updated_at) WHERE status = 'sent';
)SQL"},
      // A message's state, the part its status changes write, in a narrow table of its own: the
      // messages row (its content, nine indexes) is written once. On SQLite an update rewrote
      // the wide row; on PostgreSQL every status change was a new version of it and an entry in
      // each of its indexes (an indexed column changes, so no update is HOT). The indexes that
      // serve the outbox, reports and reconciliation move with the columns they index. No
      // foreign key: both rows are written in one transaction, and a check per insert (on
      // PostgreSQL a row lock on the message) would cost the path this table exists to spare.
      {28, "message state in a narrow table of its own", R"SQL(
CREATE TABLE message_states (
  message_id TEXT PRIMARY KEY,
  status TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at BIGINT,
  lease_owner TEXT,
  connector_id TEXT,
  provider_message_id TEXT,
  error_code TEXT,
  error_message TEXT
){{without_rowid}};
INSERT INTO message_states (message_id, status, updated_at, attempts, next_attempt_at,
  lease_owner, connector_id, provider_message_id, error_code, error_message)
  SELECT id, status, updated_at, attempts, next_attempt_at, lease_owner, connector_id,
  provider_message_id, error_code, error_message FROM messages;
DROP INDEX messages_outbox;
DROP INDEX messages_provider_id;
DROP INDEX messages_in_flight;
DROP INDEX messages_batch;
ALTER TABLE messages DROP COLUMN status;
ALTER TABLE messages DROP COLUMN updated_at;
ALTER TABLE messages DROP COLUMN attempts;
ALTER TABLE messages DROP COLUMN next_attempt_at;
ALTER TABLE messages DROP COLUMN lease_owner;
ALTER TABLE messages DROP COLUMN connector_id;
ALTER TABLE messages DROP COLUMN provider_message_id;
ALTER TABLE messages DROP COLUMN error_code;
ALTER TABLE messages DROP COLUMN error_message;
CREATE INDEX message_states_outbox ON message_states (next_attempt_at)
  WHERE (status = 'queued' OR status = 'sending' OR status = 'scheduled');
CREATE INDEX message_states_provider_id ON message_states (connector_id, provider_message_id)
  WHERE provider_message_id IS NOT NULL;
CREATE INDEX message_states_in_flight ON message_states (connector_id, updated_at)
  WHERE status = 'sent';
CREATE INDEX messages_batch ON messages (batch_id) WHERE batch_id IS NOT NULL;
)SQL"},
  };
  return kMigrations;
}

}  // namespace sb::store
