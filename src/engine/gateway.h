// The engine's front: what the API layer may ask of the system (accept a message, read
// messages, authenticate a key), independent of HTTP.
#pragma once

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/api_key.h"
#include "core/clock.h"
#include "core/number_record.h"
#include "core/sender_pool.h"
#include "engine/circuit.h"
#include "engine/outbox.h"
#include "engine/scheduling.h"
#include "store/store.h"

namespace sb::engine {

// A send request after syntactic parsing, before validation.
struct SendRequest {
  std::string to;
  std::optional<std::string> from;
  // A sender pool's id or name instead of `from` (docs/pools.md): the gateway picks the sender.
  std::optional<std::string> pool;
  std::string body;
  std::vector<std::string> media_urls;
  std::string status_callback;
  // How status callbacks are written: "" (Switchboard's JSON) | "twilio" (the Twilio-compatible
  // API and TwiML answers). Set by the surface, never read from a request.
  std::string callback_format;
  std::optional<int64_t> validity_period_s;
  std::string max_price;               // decimal, e.g. "0.05" ("" : none)
  std::optional<bool> smart_encoding;
  Metadata metadata;
  std::string idempotency_key;
  std::string request_hash;  // hash of the canonical request, for idempotency
  // Scheduling and quiet hours (docs/scheduling.md).
  std::optional<TimeMs> send_at;
  // send_at was checked when its batch was accepted (docs/batches.md): a row materialised later
  // keeps it even once it is near or past (the message is then due at once). Internal.
  bool send_at_checked = false;
  std::string category = "transactional";  // transactional | marketing
  // Compliance: a HELP or opt-in confirmation, the only messages an opted-out recipient may
  // get. Internal (keyword handling sets it); never read from the API.
  bool compliance_reply = false;
  // Contacts: the recipient as one of the account's contacts, instead of `to`;
  // send() looks it up and sends to its number.
  std::optional<std::string> contact_id;
};

struct GatewayOptions {
  std::string default_region = "US";
  size_t max_body_chars = 1600;
  size_t max_media = 10;
  int64_t max_validity_period_s = 36'000;
  // Scheduling: how far ahead send_at may be.
  int64_t min_schedule_ahead_s = 60;
  int64_t max_schedule_ahead_s = 35 * 86'400;
};

class Gateway {
 public:
  Gateway(store::Store& store, Outbox& outbox, const Clock& clock, GatewayOptions options);

  // Replaces the number directory (who owns which number, through which connector).
  void set_numbers(const std::vector<NumberRecord>& numbers);

  // The configured number `number` (exactly as configured), or nullopt.
  std::optional<NumberRecord> find_number(const std::string& number) const;

  // Validates and builds the message to store (E.164 numbers, sender ownership, limits,
  // segments). Errors name the offending field.
  Result<store::NewMessage> prepare(const std::string& account, const SendRequest& req) const;
  // Validates, then queues for durable insert; the outbox refuses an opted-out recipient
  // (recipient_opted_out, field to) unless req.compliance_reply. `done` runs once committed (or
  // on failure). With req.contact_id, first reads
  // the contact: not_found (field contact_id) when the account has none with that id.
  void send(const std::string& account, const SendRequest& req, Outbox::Done done);
  // The recipient as prepare() stores it (a short code's digits, else E.164); errors name `to`.
  Result<std::string> normalize_recipient(const std::string& to) const;
  // Queues an already prepared message for durable insert (verifications build their own).
  void submit(store::NewMessage message, Outbox::Done done);

  // Quiet hours: marketing messages accepted inside a recipient's window are held (queued with
  // deferred_until). Unset: nothing is held.
  void set_quiet_hours(std::shared_ptr<const QuietHours> q) { quiet_hours_ = std::move(q); }
  const QuietHours* quiet_hours() const { return quiet_hours_.get(); }

  // Who an API key is: its account, id and scopes.
  struct KeyPrincipal {
    std::string account;
    std::string key_id;
    ScopeSet scopes = kScopeNone;
  };
  // How long an authentication answer is reused by this instance: a key revoked or expired
  // elsewhere is refused here within this time.
  static constexpr TimeMs kAuthCacheMs = 500;
  // The key's principal, or nullopt for an unknown, revoked or expired key. Admits the request
  // against the key's rate: rate_limited (with retry_after_s) when it is over. Errors:
  // database_unavailable when the keys cannot be read. Records when a key was last used (at
  // most once a minute). The secret is only ever hashed.
  Result<std::optional<KeyPrincipal>> authenticate(const std::string& api_key);
  static std::string hash_api_key(const std::string& api_key);
  // Console sessions (engine/console_users.h), as the surfaces see them: the account and role of
  // a session token, or nullopt. Unset: no session is valid.
  struct SessionPrincipal {
    std::string account;
    std::string role;  // admin | agent
    std::string email;
  };
  using SessionAuthenticator =
      std::function<Result<std::optional<SessionPrincipal>>(const std::string& token)>;
  void set_session_authenticator(SessionAuthenticator fn) { sessions_ = std::move(fn); }
  Result<std::optional<SessionPrincipal>> authenticate_session(const std::string& token) {
    if (!sessions_) return std::optional<SessionPrincipal>();
    return sessions_(token);
  }
  // Forgets every cached authentication (after a credential is deleted here, so it is refused at
  // once by this instance; other instances within kAuthCacheMs).
  void forget_authentications();
  // Whose Twilio-compatible credentials these are (HTTP Basic AccountSid:AuthToken, the previous
  // token too until it is dropped, or SK…:secret of an API key), or nullopt; compared in constant
  // time, cached briefly like API keys.
  Result<std::optional<TwilioCaller>> authenticate_twilio(const std::string& username,
                                                          const std::string& password);

  // Where /readyz learns the connectors' circuit states.
  void set_connector_states(std::function<std::vector<ConnectorState>()> fn) {
    connector_states_ = std::move(fn);
  }
  std::vector<ConnectorState> connector_states() const;

  // A queued message left the queue by an API request (canceled; redacted before it was sent):
  // the dispatcher releases what it holds for it (its place in its number's throughput line,
  // which would otherwise hold up the number's next messages until it went stale).
  void set_on_dequeued(std::function<void(const std::string& message_id)> fn) {
    on_dequeued_ = std::move(fn);
  }
  void dequeued(const std::string& message_id) const {
    if (on_dequeued_) on_dequeued_(message_id);
  }

  // Media re-hosting (docs/media.md): checks each outbound media URL at accept time without
  // network access (the SSRF guard's pre-check); its error names media_urls[i]. Unset: none.
  // Apps' URLs (status callbacks, forwarding targets, their Twilio-format twins): the outbound
  // URL policy's pre-check without DNS (set by the app: a loopback, private, link-local or
  // metadata address literal, or a local name, is url_refused naming the field; hostnames are
  // resolved and checked again when called). Unset: only the syntax of core/url.h applies.
  void set_app_url_check(std::function<Result<void>(const std::string&, const std::string&)> c) {
    app_url_check_ = std::move(c);
  }
  // The syntax (invalid_url), then the policy (url_refused); both name `field`.
  Result<void> check_app_url(const std::string& url, const std::string& field) const;
  void set_media_url_check(
      std::function<Result<void>(const std::string& url, const std::string& field)> check) {
    media_url_check_ = std::move(check);
  }
  // That check on one URL (Ok when none is set); auto-reply rules use it too.
  Result<void> check_media_url(const std::string& url, const std::string& field) const {
    return media_url_check_ ? media_url_check_(url, field) : Ok();
  }

  // Removes the files of re-hosted media a redaction left unreferenced (set where the media
  // store is wired; unset: nothing to remove).
  void set_media_remover(std::function<void(const std::vector<std::string>& sha256s)> remove) {
    media_remover_ = std::move(remove);
  }
  void remove_media_files(const std::vector<std::string>& sha256s) const {
    if (media_remover_ && !sha256s.empty()) media_remover_(sha256s);
  }

  const Clock& clock() const { return clock_; }
  const GatewayOptions& options() const { return options_; }

  // Failover (docs/pools.md): another sender of pooled message `m`'s pool, for a message that
  // cannot leave from m.from: not m.from, on a connector not in `down`, able to carry it, chosen
  // as a new message's sender is (the move itself, sticky sender included, is the dispatcher's
  // transition). nullopt: no such sender, the pool is gone or its fallback is off, or the store
  // cannot be read.
  std::optional<PoolMove> reroute(const Message& m,
                                  const std::unordered_set<std::string>& down) const;

 private:
  // The pool's numbers as the chooser sees them; those on a connector in `down` cannot send.
  std::vector<PoolSender> pool_senders(const SenderPool& pool, const std::string& account,
                                       bool mms, const std::unordered_set<std::string>& down) const;
  uint64_t next_turn(const std::string& pool_id) const;
  // A pooled message's sender (docs/pools.md): sets m.from, m.pool and m.pool_sticky. Errors:
  // conflicting_fields (both from and pool), unknown_pool, no_capable_sender (field pool),
  // database_unavailable.
  Result<void> choose_pool_sender(const std::string& account, const SendRequest& req,
                                  Message& m) const;

  store::Store& store_;
  Outbox& outbox_;
  const Clock& clock_;
  GatewayOptions options_;
  std::function<std::vector<ConnectorState>()> connector_states_;
  std::function<void(const std::string&)> on_dequeued_;
  std::shared_ptr<const QuietHours> quiet_hours_;
  std::function<Result<void>(const std::string&, const std::string&)> media_url_check_;
  std::function<Result<void>(const std::string&, const std::string&)> app_url_check_;
  std::function<void(const std::vector<std::string>&)> media_remover_;
  SessionAuthenticator sessions_;
  // Each pool's next turn among equally good senders (this instance's; see choose_sender).
  mutable std::mutex pool_turns_mu_;
  mutable std::unordered_map<std::string, uint64_t> pool_turns_;
  mutable std::shared_mutex numbers_mu_;
  std::unordered_map<std::string, NumberRecord> numbers_;
  std::unordered_map<std::string, std::string> default_number_;  // account -> first number
  std::shared_mutex auth_mu_;
  struct CachedKey {
    std::string account;
    TimeMs expires_at;
    std::string account_sid;  // Twilio-compatible credentials
    bool api_key = false;
    // API keys: the key, its scopes and rate, and when it stops being valid (0: never).
    std::string key_id;
    ScopeSet scopes = kScopeNone;
    int rate_limit = 0;
    TimeMs key_expires_at = 0;
  };
  std::unordered_map<std::string, CachedKey> auth_cache_;
  // The authentication cache: what a credential hash proved, while fresh.
  std::optional<CachedKey> cached(const std::string& hash, TimeMs now);
  void remember(const std::string& hash, CachedKey entry, TimeMs now);
  // Per-key token buckets of rate-limited keys: a second's worth of requests, refilled evenly.
  struct Bucket {
    double tokens = 0;
    TimeMs at = 0;
  };
  std::mutex rate_mu_;
  std::unordered_map<std::string, Bucket> buckets_;
  // 0 when the key may make a request now, else the seconds to wait.
  int64_t admit(const std::string& key_id, int rate_limit, TimeMs now);
};

}  // namespace sb::engine
