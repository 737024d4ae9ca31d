// Signing secrets, media reads and readiness on behalf of a surface.
#include "engine/account_service.h"

#include <spdlog/spdlog.h>

#include "engine/unavailable.h"

namespace sb::engine {

AccountService::AccountService(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Result<SigningSecret> AccountService::signing_secret(const std::string& account) {
  return store_.accounts().signing_secret(account, clock_.now_ms());
}

Result<SigningSecret> AccountService::rotate_signing_secret(const std::string& account) {
  auto s = store_.accounts().rotate_signing_secret(account, clock_.now_ms());
  if (s) spdlog::info("api: signing secret of {} rotated", account);
  return s;
}

Result<MediaRecord> AccountService::media(const std::string& account, const std::string& id) {
  auto m = store_.media().get(account, id);
  if (!m) return unavailable();
  if (!*m) {
    return Error::make("not_found", std::string("no media ").append(id).append(" in this account"),
                       "id");
  }
  return std::move(**m);
}

Result<MediaRecord> AccountService::media_by_id(const std::string& id) {
  auto m = store_.media().get_by_id(id);
  if (!m) {
    spdlog::error("media {}: cannot read: {}", id, m.error().message);
    return Error::make("database_unavailable", "the media cannot be read right now");
  }
  if (!*m) return Error::make("not_found", "no such media", "id");
  return std::move(**m);
}

Readiness AccountService::readiness() {
  Readiness r;
  auto ok = store_.ping();
  if (!ok) {
    r.database_error = ok.error().message;
    return r;
  }
  auto unrouted = store_.webhooks().count_unrouted();
  if (!unrouted) {
    r.database_error = unrouted.error().message;
    return r;
  }
  r.database_ok = true;
  r.unrouted_inbound = *unrouted;
  return r;
}

}  // namespace sb::engine
