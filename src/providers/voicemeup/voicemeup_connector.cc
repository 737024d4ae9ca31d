// VoiceMeUp connector: multi-request sends with per-key progress, bounded concurrency.
#include "providers/voicemeup/voicemeup_connector.h"

#include <spdlog/spdlog.h>

#include "core/log.h"
#include "core/utf8.h"
#include "providers/voicemeup/voicemeup_webhook.h"

namespace sb::providers::voicemeup {
namespace {

constexpr TimeMs kPruneEveryMs = 60 * 1000;

std::string join(const std::vector<std::string>& v, std::string_view sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

}  // namespace

VoiceMeUpConnector::VoiceMeUpConnector(Options options, const Clock& clock, HttpClient& http)
    : options_(std::move(options)),
      clock_(clock),
      http_(http, options_.max_concurrency) {}

size_t VoiceMeUpConnector::tracked_keys() {
  std::lock_guard lk(mu_);
  return progress_.size();
}

void VoiceMeUpConnector::prune(TimeMs now) {
  if (now - last_prune_ < kPruneEveryMs) return;
  last_prune_ = now;
  for (auto it = progress_.begin(); it != progress_.end();) {
    // use_count 1: no send holds this entry (sends take their copy under mu_).
    const Progress& p = *it->second;
    const TimeMs ttl = p.finished() ? kFinishedKeyTtlMs : kUnfinishedKeyTtlMs;
    if (it->second.use_count() == 1 && now - p.touched_at > ttl) {
      it = progress_.erase(it);
    } else {
      ++it;
    }
  }
}

std::shared_ptr<VoiceMeUpConnector::Progress> VoiceMeUpConnector::progress_for(
    const std::string& key, TimeMs now) {
  std::lock_guard lk(mu_);
  prune(now);
  auto& slot = progress_[key];
  if (!slot) {
    slot = std::make_shared<Progress>();
    slot->touched_at = now;
  }
  return slot;
}

HttpResponse VoiceMeUpConnector::exchange(const HttpRequest& req) { return http_.send(req); }

SendResult VoiceMeUpConnector::send(const Message& m, const std::string& idempotency_key) {
  if (!utf8::is_valid(m.body)) {
    return SendFailure{FailureKind::kPermanent, "invalid_utf8", "body is not valid UTF-8", {}};
  }
  const std::vector<Part> parts = plan_requests(m);
  if (parts.empty()) {
    return SendFailure{FailureKind::kPermanent, "empty_message", "no body and no media", {}};
  }
  auto progress = progress_for(idempotency_key, clock_.now_ms());
  std::lock_guard key_lock(progress->mu);
  if (progress->planned != parts.size()) {
    if (!progress->hashes.empty()) {
      // Cannot happen for an unchanged message; start over rather than guess which part is which.
      spdlog::warn(
          "message {}: voicemeup {}: request plan changed from {} to {} parts; sending "
          "all again",
          m.id, options_.id, progress->planned, parts.size());
    }
    progress->planned = parts.size();
    progress->hashes.clear();
  }
  const size_t n = parts.size();
  if (progress->hashes.size() > 0 && !progress->finished()) {
    log::info({.message_id = m.id, .account = m.account, .connector = options_.id},
              "message {}: voicemeup {}: resuming at request {}/{} ({} already queued)", m.id,
              options_.id, progress->hashes.size() + 1, n, progress->hashes.size());
  }
  while (progress->hashes.size() < n) {
    const size_t i = progress->hashes.size();
    const HttpResponse resp = exchange(build_send_request(options_, m, parts[i]));
    const TimeMs now = clock_.now_ms();
    progress->touched_at = now;
    SendResult r = parse_send_response(resp, now);
    if (!r) {
      SendFailure* f = &r.error();
      if (i > 0) {
        f->message += " (request " + std::to_string(i + 1) + "/" + std::to_string(n) +
                      "; requests 1-" + std::to_string(i) + " were already queued as " +
                      join(progress->hashes, ",") +
                      (f->kind == FailureKind::kPermanent
                           ? "; the rest is not sent)"
                           : "; a retry resumes at request " + std::to_string(i + 1) + ")");
        log::warn({.message_id = m.id, .account = m.account, .connector = options_.id},
                  "message {}: voicemeup {}: request {}/{} failed ({} {}) after {} queued", m.id,
                  options_.id, i + 1, n, f->code, to_string(f->kind), i);
      }
      return r;
    }
    const SendAccepted& ok = *r;
    progress->hashes.push_back(ok.provider_message_id);
    if (n > 1) {
      log::info({.message_id = m.id, .account = m.account, .connector = options_.id},
                "message {}: voicemeup {}: request {}/{} queued as {}", m.id, options_.id, i + 1, n,
                ok.provider_message_id);
    }
  }
  SendAccepted a;
  a.provider_message_id = progress->hashes.front();
  a.provider_status = n == 1 ? "queued" : "queued parts=" + join(progress->hashes, ",");
  return a;
}

Result<std::unique_ptr<Connector>> make_voicemeup(const ConnectorSettings& settings,
                                                  ConnectorDeps& deps) {
  auto options = options_from_settings(settings);
  if (!options) return options.error();
  spdlog::info(
      "connector {} (voicemeup): set each DID's SMS/MMS Callback URL in the VoiceMeUp "
      "portal to {}/webhooks/{}",
      options->id, deps.public_url, options->id);
  return std::unique_ptr<Connector>(
      std::make_unique<VoiceMeUpConnector>(std::move(*options), deps.clock, deps.http));
}

namespace {

Result<void> read_webhook_secrets(const ConnectorSettings& s, WebhookSecrets& w) {
  w.path_secret = setting_value(s, "webhook_secret");
  if (!w.path_secret.empty() && w.path_secret.size() < 16) {
    return setting_error(s, "webhook_secret",
                         "must be at least 16 characters (it is the only "
                         "proof a VoiceMeUp webhook is genuine)");
  }
  std::string ips = setting_value(s, "webhook_allow_ips");
  size_t at = 0;
  while (at <= ips.size() && !ips.empty()) {
    size_t comma = ips.find(',', at);
    if (comma == std::string::npos) comma = ips.size();
    std::string ip = ips.substr(at, comma - at);
    ip.erase(0, ip.find_first_not_of(' '));
    ip.erase(ip.find_last_not_of(' ') + 1);
    if (!ip.empty()) w.allow_ips.push_back(ip);
    at = comma + 1;
  }
  return Ok();
}

std::string missing_webhook_material(const WebhookSecrets& w) {
  return w.path_secret.empty() ? "webhook_secret" : "";
}

}  // namespace

ProviderSpec provider_spec() {
  return {.name = "voicemeup",
          .required = {"username", "auth_token"},
          .optional = {"webhook_secret", "webhook_allow_ips"},
          .make = make_voicemeup,
          .webhook_secrets = read_webhook_secrets,
          .missing_webhook_material = missing_webhook_material,
          .webhook = {verify_webhook, parse_webhook, nullptr},
          .capabilities = kCapabilities};
}

}  // namespace sb::providers::voicemeup
