// Signing secrets, media reads and readiness on behalf of a surface.
#include "engine/account_service.h"

#include <spdlog/spdlog.h>

namespace sb::engine {

AccountService::AccountService(store::Store& store, const Clock& clock)
    : store_(store), clock_(clock) {}

Result<store::SigningSecret> AccountService::signing_secret(const std::string& account) {
  return store_.signing_secret(account, clock_.now_ms());
}

Result<store::SigningSecret> AccountService::rotate_signing_secret(const std::string& account) {
  auto s = store_.rotate_signing_secret(account, clock_.now_ms());
  if (s) spdlog::info("api: signing secret of {} rotated", account);
  return s;
}

Result<store::MediaRecord> AccountService::media(const std::string& account,
                                                 const std::string& id) {
  auto m = store_.get_media(account, id);
  if (!m) {
    return Error::make("not_found", std::string("no media ").append(id).append(" in this account"),
                       "id");
  }
  return std::move(*m);
}

Result<store::MediaRecord> AccountService::media_by_id(const std::string& id) {
  std::optional<store::MediaRecord> m;
  try {
    m = store_.get_media_by_id(id);
  } catch (const std::exception& e) {
    spdlog::error("media {}: cannot read: {}", id, e.what());
    return Error::make("database_unavailable", "the media cannot be read right now");
  }
  if (!m) return Error::make("not_found", "no such media", "id");
  return std::move(*m);
}

Readiness AccountService::readiness() {
  Readiness r;
  auto ok = store_.ping();
  if (!ok) {
    r.database_error = ok.error().message;
    return r;
  }
  r.database_ok = true;
  r.unrouted_inbound = store_.count_unrouted();
  return r;
}

}  // namespace sb::engine
