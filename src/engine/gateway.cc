// Send validation and key authentication.
#include "engine/gateway.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <unordered_set>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/phone.h"
#include "core/segments.h"
#include "core/sender_pool.h"
#include "core/smart_encoding.h"
#include "core/url.h"
#include "core/utf8.h"
#include "engine/unavailable.h"

namespace sb::engine {
namespace {

constexpr TimeMs kTouchEveryMs = 60'000;  // how stale a key's last_used_at may get

// The digits of `input` when it is a short code of `region` (spaces and hyphens allowed).
std::optional<std::string> short_code(std::string_view input, std::string_view region) {
  std::string digits;
  for (char c : input) {
    if (c >= '0' && c <= '9') {
      digits.push_back(c);
    } else if (c != ' ' && c != '-') {
      return std::nullopt;
    }
  }
  if (digits.size() < 3 || digits.size() > 8 || !is_short_code(digits, region)) return std::nullopt;
  return digits;
}

}  // namespace

Gateway::Gateway(store::Store& store, Outbox& outbox, const Clock& clock, GatewayOptions options)
    : store_(store), outbox_(outbox), clock_(clock), options_(std::move(options)) {}

void Gateway::set_numbers(const std::vector<NumberRecord>& numbers) {
  std::unordered_map<std::string, NumberRecord> by_number;
  std::unordered_map<std::string, std::string> defaults;
  for (const auto& n : numbers) {
    defaults.emplace(n.account, n.number);  // the account's first number is its default
    by_number.emplace(n.number, n);
  }
  std::unique_lock lk(numbers_mu_);
  numbers_ = std::move(by_number);
  default_number_ = std::move(defaults);
}

std::optional<NumberRecord> Gateway::find_number(const std::string& number) const {
  std::shared_lock lk(numbers_mu_);
  auto it = numbers_.find(number);
  if (it == numbers_.end()) return std::nullopt;
  return it->second;
}

Result<void> Gateway::check_app_url(const std::string& url, const std::string& field) const {
  if (auto problem = url_problem(url, UrlRule::kAppEndpoint)) {
    return Error::make("invalid_url", field + " " + *problem, field);
  }
  return app_url_check_ ? app_url_check_(url, field) : Ok();
}

std::vector<PoolSender> Gateway::pool_senders(const SenderPool& pool, const std::string& account,
                                              bool mms,
                                              const std::unordered_set<std::string>& down) const {
  std::vector<PoolSender> senders;
  std::shared_lock lk(numbers_mu_);
  for (const auto& number : pool.numbers) {
    auto it = numbers_.find(number);
    if (it == numbers_.end() || it->second.account != account) continue;  // since removed
    PoolSender s;
    s.number = number;
    if (auto parsed = normalize_phone(number, options_.default_region, "from");
        parsed && number.front() == '+') {
      s.region = parsed->region;
      s.area_code = nanp_area_code(number);
    }
    s.capable = it->second.sms && (!mms || it->second.mms);
    s.can_send = !down.count(it->second.connector);
    senders.push_back(std::move(s));
  }
  return senders;
}

uint64_t Gateway::next_turn(const std::string& pool_id) const {
  std::lock_guard lk(pool_turns_mu_);
  return pool_turns_[pool_id]++;
}

namespace {
PoolRecipient pool_recipient(const std::string& to, const std::string& default_region) {
  PoolRecipient r;
  if (auto parsed = normalize_phone(to, default_region, "to")) {
    r.region = parsed->region;
    r.area_code = nanp_area_code(to);
  }
  return r;
}
}  // namespace

Result<void> Gateway::choose_pool_sender(const std::string& account, const SendRequest& req,
                                         Message& m) const {
  if (req.from) {
    return Error::make("conflicting_fields", "give `from` or `pool`, not both", "pool");
  }
  auto found = store_.pools().find_pool(account, *req.pool);
  if (!found) return unavailable();
  if (!*found) return Error::make("unknown_pool", "no pool " + *req.pool, "pool");
  const SenderPool& pool = **found;
  std::optional<std::string> sticky;
  if (pool.sticky) {
    auto s = store_.pools().sticky_sender(pool.id, m.to);
    if (!s) return unavailable();
    sticky = *s;
  }
  // A connector whose circuit is open cannot send now: its numbers are the last resort (without
  // fallback the pool ignores this and a message waits for its sender).
  std::unordered_set<std::string> down;
  if (pool.fallback) {
    for (const auto& c : connector_states()) {
      if (c.circuit.state == CircuitState::kOpen) down.insert(c.id);
    }
  }
  auto chosen =
      choose_sender(pool_senders(pool, account, !req.media_urls.empty(), down),
                    pool_recipient(m.to, options_.default_region), sticky, pool.geomatch,
                    next_turn(pool.id));
  if (!chosen) {
    return Error::make("no_capable_sender",
                       "no number of pool " + pool.name + " can send this message" +
                           (req.media_urls.empty() ? "" : " (MMS)"),
                       "pool");
  }
  m.from = *chosen;
  m.pool = pool.id;
  m.pool_sticky = pool.sticky;
  return Ok();
}

std::optional<PoolMove> Gateway::reroute(const Message& m,
                                         const std::unordered_set<std::string>& down) const {
  if (m.pool.empty()) return std::nullopt;
  auto found = store_.pools().find_pool(m.account, m.pool);
  if (!found || !*found || !(*found)->fallback) return std::nullopt;
  const SenderPool& pool = **found;
  std::vector<PoolSender> senders = pool_senders(pool, m.account, !m.media_urls.empty(), down);
  // Only a sender that can send now, and never the one the message is leaving.
  std::erase_if(senders, [&](const PoolSender& s) { return !s.can_send || s.number == m.from; });
  // The message's own turn (its id's hash): a move leaves new messages' turns as they were.
  auto chosen = choose_sender(senders, pool_recipient(m.to, options_.default_region),
                              std::nullopt, pool.geomatch, std::hash<std::string>{}(m.id));
  if (!chosen) return std::nullopt;
  auto number = find_number(*chosen);
  if (!number) return std::nullopt;
  return PoolMove{*chosen, number->connector};
}

Result<store::NewMessage> Gateway::prepare(const std::string& account,
                                           const SendRequest& req) const {
  const TimeMs now = clock_.now_ms();
  Message m;
  m.account = account;
  m.direction = Direction::kOutbound;

  // Short codes are recipients as dialled (never turned into fake E.164); everything else is a
  // phone number normalized to E.164.
  if (auto code = short_code(req.to, options_.default_region)) {
    m.to = *code;
  } else {
    auto to = normalize_phone(req.to, options_.default_region, "to");
    if (!to) return to.error();
    m.to = to->e164;
  }

  if (req.pool) {
    if (auto chosen = choose_pool_sender(account, req, m); !chosen) return chosen.error();
  }
  {
    std::shared_lock lk(numbers_mu_);
    std::string from;
    if (req.pool) {
      from = m.from;
    } else if (req.from && numbers_.count(*req.from)) {
      from = *req.from;  // as configured: E.164, a short code or an alphanumeric sender ID
    } else if (req.from) {
      auto parsed = normalize_phone(*req.from, options_.default_region, "from");
      if (!parsed) return parsed.error();
      from = parsed->e164;
    } else {
      auto it = default_number_.find(account);
      if (it == default_number_.end()) {
        return Error::make("no_sender",
                           "this account has no numbers; configure one in [[numbers]] or pass "
                           "`from`",
                           "from");
      }
      from = it->second;
    }
    auto it = numbers_.find(from);
    if (it == numbers_.end() || it->second.account != account) {
      return Error::make("from_not_owned", "`from` " + from + " is not a number of this account",
                         "from");
    }
    if (!req.media_urls.empty() && !it->second.mms) {
      return Error::make("mms_not_supported",
                         "number " + from + " cannot send MMS; remove media_urls or use another "
                         "number",
                         "media_urls");
    }
    m.from = from;
    m.connector = it->second.connector;
    m.start_conversation = it->second.conversations != "inbound";
    // Forwarding: the number's default status_callback (PATCH /v1/numbers/{number})
    // for messages that name none; validated when it was set.
    // A number whose forwards are Twilio-format (set through IncomingPhoneNumbers) gets its
    // default callbacks in that format too.
    if (req.status_callback.empty() && it->second.status_callback) {
      m.status_callback = *it->second.status_callback;
      if (it->second.forward_format == "twilio") m.callback_format = "twilio";
    }
  }

  if (auto bad = utf8::find_invalid(req.body)) {
    return Error::make("invalid_utf8", "body is not valid UTF-8 (byte " + std::to_string(*bad) + ")",
                       "body");
  }
  // The limit counts characters as users see them (grapheme clusters), not bytes or code units.
  // With smart encoding the provider sends the look-alike-free text: count what it will send.
  const bool smart = req.smart_encoding.value_or(false);
  const SegmentInfo seg = analyze_segments(smart ? smart_encode(req.body).body : req.body);
  if (static_cast<size_t>(seg.characters) > options_.max_body_chars) {
    return Error::make("body_too_long",
                       "body has " + std::to_string(seg.characters) + " characters; the limit is " +
                           std::to_string(options_.max_body_chars),
                       "body");
  }
  if (req.body.empty() && req.media_urls.empty()) {
    return Error::make("missing_content", "a message needs a body or media_urls", "body");
  }
  if (req.media_urls.size() > options_.max_media) {
    return Error::make("too_many_media",
                       "at most " + std::to_string(options_.max_media) + " media_urls are allowed",
                       "media_urls");
  }
  for (size_t i = 0; i < req.media_urls.size(); ++i) {
    if (url_problem(req.media_urls[i], UrlRule::kHttp)) {
      return Error::make("invalid_media_url", "media URLs must be absolute http or https URLs",
                         "media_urls[" + std::to_string(i) + "]");
    }
    // Media re-hosting: the SSRF guard's pre-check (docs/media.md).
    if (auto ok = check_media_url(
            req.media_urls[i], std::string("media_urls[").append(std::to_string(i)).append("]"));
        !ok) {
      return ok.error();
    }
  }
  // The same rule as a number's default status_callback (PATCH /v1/numbers/{number}).
  if (!req.status_callback.empty()) {
    if (auto ok = check_app_url(req.status_callback, "status_callback"); !ok) return ok.error();
  }
  if (req.validity_period_s &&
      (*req.validity_period_s < 1 || *req.validity_period_s > options_.max_validity_period_s)) {
    return Error::make("invalid_validity_period",
                       "validity_period must be between 1 and " +
                           std::to_string(options_.max_validity_period_s) + " seconds",
                       "validity_period");
  }

  m.body = req.body;
  m.media_urls = req.media_urls;
  m.segments = seg.segments;
  m.encoding = seg.encoding;
  if (!req.status_callback.empty()) m.status_callback = req.status_callback;
  if (!req.callback_format.empty()) m.callback_format = req.callback_format;
  m.validity_period_s = req.validity_period_s;
  m.max_price = req.max_price;
  m.smart_encoding = req.smart_encoding;
  m.metadata = req.metadata;
  m.idempotency_key = req.idempotency_key;
  m.request_hash = req.request_hash;
  m.id = new_id("msg_", now);
  m.created_at = m.updated_at = now;
  m.status = Status::kQueued;
  m.next_attempt_at = now;

  store::NewMessage nm;
  MessageEvent accepted;
  accepted.status = Status::kAccepted;
  accepted.at = now;
  MessageEvent queued = accepted;
  queued.status = Status::kQueued;

  // Scheduling and quiet hours: a scheduled message waits in `scheduled` until send_at (the
  // dispatcher claims it then and checks quiet hours at that time); a marketing message inside
  // its recipient's quiet hours waits in `queued` until they end.
  if (req.category != "transactional" && req.category != "marketing") {
    return Error::make("invalid_category", "category must be transactional or marketing",
                       "category");
  }
  m.category = req.category;
  if (req.send_at) {
    auto at = req.send_at_checked
                  ? Result<TimeMs>(*req.send_at)
                  : validate_send_at(*req.send_at, now, options_.min_schedule_ahead_s,
                                     options_.max_schedule_ahead_s);
    if (!at) return at.error();
    m.send_at = *at;
    m.status = Status::kScheduled;
    m.next_attempt_at = *at;
    queued.status = Status::kScheduled;
    queued.detail = "scheduled for " + format_rfc3339(*at);
  } else if (quiet_hours_) {
    if (auto until = quiet_hours_->hold_until(m, now)) {
      m.deferred_until = *until;
      m.next_attempt_at = *until;
      queued.detail = "quiet hours: held until " + format_rfc3339(*until);
    }
  }
  nm.events = {accepted, queued};
  nm.message = std::move(m);
  return nm;
}

void Gateway::send(const std::string& account, const SendRequest& req, Outbox::Done done) {
  if (req.contact_id) {
    auto contact = store_.conversations().get_contact(account, *req.contact_id);
    if (!contact) {
      spdlog::error("contact lookup {} failed: {}", *req.contact_id, contact.error().message);
      return done(Error::make(contact.error().code, "the contact could not be read"));
    }
    if (!*contact) {
      return done(Error::make("not_found", "no contact " + *req.contact_id + " in this account",
                              "contact_id"));
    }
    SendRequest resolved = req;
    resolved.contact_id.reset();
    resolved.to = (*contact)->number;
    return send(account, resolved, std::move(done));
  }
  auto prepared = prepare(account, req);
  if (!prepared) return done(prepared.error());
  // The outbox checks the opt-out list once per batch, on its own thread.
  prepared->check_opt_out = !req.compliance_reply;
  outbox_.submit(std::move(*prepared), std::move(done));
}

Result<std::string> Gateway::normalize_recipient(const std::string& to) const {
  if (auto code = short_code(to, options_.default_region)) return *code;
  auto p = normalize_phone(to, options_.default_region, "to");
  if (!p) return p.error();
  return p->e164;
}

void Gateway::submit(store::NewMessage message, Outbox::Done done) {
  // Paths that prepare their own message (verification codes) meet the opt-out list too.
  message.check_opt_out = true;
  outbox_.submit(std::move(message), std::move(done));
}

std::vector<ConnectorState> Gateway::connector_states() const {
  return connector_states_ ? connector_states_() : std::vector<ConnectorState>{};
}

std::string Gateway::hash_api_key(const std::string& api_key) {
  return crypto::hex(crypto::sha256(api_key));
}

std::optional<Gateway::CachedKey> Gateway::cached(const std::string& hash, TimeMs now) {
  std::shared_lock lk(auth_mu_);
  auto it = auth_cache_.find(hash);
  if (it != auth_cache_.end() && it->second.expires_at > now) return it->second;
  return std::nullopt;
}

void Gateway::forget_authentications() {
  std::unique_lock lk(auth_mu_);
  auth_cache_.clear();
}

void Gateway::remember(const std::string& hash, CachedKey entry, TimeMs now) {
  std::unique_lock lk(auth_mu_);
  if (auth_cache_.size() > 10'000) auth_cache_.clear();
  entry.expires_at = now + kAuthCacheMs;
  if (entry.key_expires_at != 0) entry.expires_at = std::min(entry.expires_at, entry.key_expires_at);
  auth_cache_[hash] = std::move(entry);
}

int64_t Gateway::admit(const std::string& key_id, int rate_limit, TimeMs now) {
  if (rate_limit <= 0) return 0;
  const double rate = rate_limit;
  std::lock_guard lk(rate_mu_);
  if (buckets_.size() > 100'000) buckets_.clear();
  auto [it, fresh] = buckets_.try_emplace(key_id, Bucket{rate, now});
  Bucket& b = it->second;
  if (!fresh) {
    b.tokens = std::min(rate, b.tokens + static_cast<double>(now - b.at) * rate / 1000.0);
    b.at = now;
  }
  if (b.tokens >= 1.0) {
    b.tokens -= 1.0;
    return 0;
  }
  const double wait_ms = (1.0 - b.tokens) * 1000.0 / rate;
  return std::max<int64_t>(1, static_cast<int64_t>((wait_ms + 999.0) / 1000.0));
}

Result<std::optional<Gateway::KeyPrincipal>> Gateway::authenticate(const std::string& api_key) {
  using Found = std::optional<KeyPrincipal>;
  if (api_key.empty() || api_key.size() > 256) return Found();
  const std::string hash = hash_api_key(api_key);
  const TimeMs now = clock_.now_ms();
  std::optional<CachedKey> entry = cached(hash, now);
  if (entry && entry->key_id.empty()) return Found();  // another kind of credential's entry
  if (!entry) {
    // The lookup is by hash (an index probe), so response time does not depend on how much of a
    // guessed key matched.
    auto key = store_.accounts().find_api_key(hash);
    if (!key) return key.error();
    if (!*key || api_key_state(**key, now) != "active") return Found();
    const ApiKey& k = **key;
    if (now - k.last_used_at >= kTouchEveryMs) {
      if (auto t = store_.accounts().touch_api_key(k.id, now); !t) {
        spdlog::warn("keys: last use of {} not recorded: {}", k.id, t.error().message);
      }
    }
    entry = CachedKey{k.account, 0, "", false, k.id, k.scopes, k.rate_limit, k.expires_at};
    remember(hash, *entry, now);
  }
  if (const int64_t wait = admit(entry->key_id, entry->rate_limit, now); wait > 0) {
    Error e = Error::make("rate_limited", "this API key is over its rate of " +
                                              std::to_string(entry->rate_limit) +
                                              " requests per second; retry later");
    e.retry_after_s = wait;
    return e;
  }
  return Found(KeyPrincipal{entry->account, entry->key_id, entry->scopes});
}

Result<std::optional<TwilioCaller>> Gateway::authenticate_twilio(const std::string& username,
                                                                 const std::string& password) {
  using Found = std::optional<TwilioCaller>;
  if (username.empty() || username.size() > 64 || password.empty() || password.size() > 256) {
    return Found();
  }
  const std::string hash = hash_api_key("twilio:" + username + ":" + password);
  const TimeMs now = clock_.now_ms();
  if (auto hit = cached(hash, now)) return Found({hit->account, hit->account_sid, hit->api_key});
  if (username.size() > 2 && username.compare(0, 2, "SK") == 0) {
    // An API key: its secret is kept as a hash, compared in constant time.
    auto key = store_.accounts().find_twilio_api_key(username);
    if (!key) return key.error();
    if (!*key || !crypto::constant_time_equal(crypto::hex(crypto::sha256(password)),
                                              (*key)->secret_hash)) {
      return Found();
    }
    remember(hash, {(*key)->account, 0, (*key)->account_sid, true}, now);
    return Found({(*key)->account, (*key)->account_sid, true});
  }
  auto creds = store_.accounts().find_twilio_credentials(username);
  if (!creds) return creds.error();
  if (!*creds) return Found();
  const TwilioCredentials& c = **creds;
  const bool current = crypto::constant_time_equal(password, c.auth_token);
  const bool previous =
      c.previous_token && crypto::constant_time_equal(password, *c.previous_token);
  if (!current && !previous) return Found();
  remember(hash, {c.account, 0, c.account_sid, false}, now);
  return Found({c.account, c.account_sid, false});
}

}  // namespace sb::engine
