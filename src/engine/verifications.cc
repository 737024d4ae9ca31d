// Verification code start and check.
#include "engine/verifications.h"

#include <spdlog/spdlog.h>

#include "core/ids.h"
#include "core/verification_code.h"

namespace sb::engine {
namespace {
constexpr TimeMs kHourMs = 3'600'000;
constexpr std::string_view kPlaceholder = "{code}";
}  // namespace

Verifier::Verifier(store::Store& store, Gateway& gateway, const Clock& clock,
                   VerificationOptions options)
    : store_(store), gateway_(gateway), clock_(clock), options_(options) {}

void Verifier::start(const std::string& account, const VerificationRequest& req, StartDone done) {
  const auto fail = [&](Error e, int64_t retry_after_s = 0) {
    done(VerificationStartResult{std::move(e), retry_after_s});
  };
  if (req.code_length < 4 || req.code_length > 10) {
    return fail(Error::make("invalid_code_length", "code_length must be from 4 to 10",
                            "code_length"));
  }
  if (req.ttl_seconds < options_.min_ttl_s || req.ttl_seconds > options_.max_ttl_s) {
    return fail(Error::make("invalid_ttl",
                            "ttl_seconds must be from " + std::to_string(options_.min_ttl_s) +
                                " to " + std::to_string(options_.max_ttl_s),
                            "ttl_seconds"));
  }
  const size_t at = req.template_text.find(kPlaceholder);
  if (at == std::string::npos) {
    return fail(Error::make("invalid_template", "template must contain {code}", "template"));
  }

  const TimeMs now = clock_.now_ms();
  const std::string code = verification::generate_code(static_cast<int>(req.code_length));
  SendRequest send;
  send.to = req.to;
  send.from = req.from;
  send.body = req.template_text;
  send.body.replace(at, kPlaceholder.size(), code);
  send.category = "transactional";  // never held by quiet hours
  auto prepared = gateway_.prepare(account, send);
  if (!prepared) return fail(prepared.error());

  Verification v;
  v.id = new_id("vrf_", now);
  v.account = account;
  v.to = prepared->message.to;
  v.message_id = prepared->message.id;
  v.salt = verification::new_salt();
  v.code_hash = verification::hash_code(v.salt, code);
  v.created_at = v.updated_at = now;
  v.expires_at = now + req.ttl_seconds * 1000;
  auto started = store_.verifications().start(v, options_.sends_per_hour, kHourMs);
  if (!started) return fail(started.error());
  if (!started->created) {
    const int64_t wait_s = std::max<int64_t>(1, (started->retry_at - now + 999) / 1000);
    return fail(Error::make("rate_limited",
                            "too many verification codes sent to " + v.to +
                                " in the last hour; retry in " + std::to_string(wait_s) + " s",
                            "to"),
                wait_s);
  }
  gateway_.submit(std::move(*prepared),
                  [this, v, done = std::move(done)](Result<store::InsertResult> r) {
                    if (!r) {
                      // No message carries the code: it must not stay checkable.
                      (void)store_.verifications().record_check(v.id, 0, "canceled",
                                                                clock_.now_ms());
                      return done(VerificationStartResult{r.error(), 0});
                    }
                    spdlog::info("verification {} sent to {} as message {}", v.id, v.to,
                                 v.message_id);
                    done(VerificationStartResult{v, 0});
                  });
}

Result<bool> Verifier::check(const std::string& account, const std::string& to,
                             const std::string& code) {
  auto recipient = gateway_.normalize_recipient(to);
  if (!recipient) return recipient.error();
  // A concurrent check of the same code wins the compare-and-set; look again after it.
  for (int round = 0; round < 8; ++round) {
    const TimeMs now = clock_.now_ms();
    auto found = store_.verifications().find_pending(account, *recipient, now);
    if (!found) return found.error();
    const std::optional<Verification>& v = *found;
    if (!v) return false;
    if (v->checks >= options_.max_checks) return false;
    const bool ok = verification::code_matches(v->salt, v->code_hash, code);
    const std::string status =
        ok ? "approved" : (v->checks + 1 >= options_.max_checks ? "failed" : "pending");
    auto recorded = store_.verifications().record_check(v->id, v->checks, status, now);
    if (!recorded) return recorded.error();
    if (*recorded) {
      spdlog::info("verification {} check {}: {}", v->id, v->checks + 1,
                   ok ? "approved" : "denied");
      return ok;
    }
  }
  return false;
}

}  // namespace sb::engine
