// Console users, passwords and sessions (see console_users.h).
#include "engine/console_users.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>

#include "core/crypto.h"
#include "core/ids.h"
#include "engine/unavailable.h"

namespace sb::engine {
namespace {

constexpr size_t kMinPassword = 10;
constexpr size_t kMaxPassword = 1024;

std::string lower(std::string s) {
  for (auto& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool valid_email(const std::string& e) {
  const auto at = e.find('@');
  if (e.size() > 254 || at == std::string::npos || at == 0 || at + 1 >= e.size() ||
      e.find('@', at + 1) != std::string::npos) {
    return false;
  }
  return std::none_of(e.begin(), e.end(), [](unsigned char c) { return c <= 0x20 || c == 0x7F; });
}

// 16 characters from an alphabet without look-alikes: about 90 bits.
std::string generated_password() {
  static constexpr std::string_view kAlphabet = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKMNPQRSTUVWXYZ23456789";
  const std::string raw = crypto::random_bytes(16);
  std::string out;
  for (unsigned char b : raw) out.push_back(kAlphabet[b % kAlphabet.size()]);
  return out;
}

Error wrong_credentials() {
  return Error::make("unauthorized", "the email or the password is wrong");
}

}  // namespace

ConsoleUsers::ConsoleUsers(store::Store& store, const Clock& clock, ConsoleUserOptions options)
    : store_(store), clock_(clock), options_(options) {}

Result<ConsoleUsers::Created> ConsoleUsers::create(const std::string& account,
                                                   const std::string& email_in,
                                                   const std::string& role,
                                                   const std::string& password) {
  const std::string email = lower(email_in);
  if (!valid_email(email)) return Error::make("invalid_email", "not an email address", "email");
  if (role != "admin" && role != "agent") {
    return Error::make("invalid_role", "role must be admin or agent", "role");
  }
  Created out;
  out.password = password.empty() ? generated_password() : "";
  const std::string& pw = password.empty() ? out.password : password;
  if (pw.size() < kMinPassword || pw.size() > kMaxPassword) {
    return Error::make("weak_password",
                       "a password has at least " + std::to_string(kMinPassword) + " characters",
                       "password");
  }
  const TimeMs now = clock_.now_ms();
  if (auto r = store_.accounts().ensure_account(account, now); !r) return unavailable();
  ConsoleUser& u = out.user;
  u.id = new_id("usr_", now);
  u.account = account;
  u.email = email;
  u.role = role;
  u.password_hash = crypto::password_hash(pw);
  u.created_at = now;
  auto added = store_.users().add_user(u);
  if (!added) return unavailable();
  if (!*added) return Error::make("user_exists", "a user with this email exists", "email");
  spdlog::info("console: user {} ({}) created for {}", email, role, account);
  return out;
}

Result<std::vector<ConsoleUser>> ConsoleUsers::list(const std::string& account) {
  auto users = store_.users().list_users(account);
  if (!users) return unavailable();
  return std::move(*users);
}

Result<ConsoleUser> ConsoleUsers::of_account(const std::string& account, const std::string& id) {
  auto users = list(account);
  if (!users) return users.error();
  for (auto& u : *users) {
    if (u.id == id) return std::move(u);
  }
  return Error::make("not_found", "no user " + id);
}

Result<ConsoleUser> ConsoleUsers::set_disabled_of(const std::string& account, const std::string& id,
                                                  bool disabled, const std::string& by_email) {
  auto user = of_account(account, id);
  if (!user) return user.error();
  if (disabled && !by_email.empty() && user->email == lower(by_email)) {
    return Error::make("cannot_disable_self", "you cannot disable your own user", "disabled");
  }
  if (auto r = set_disabled(user->email, disabled); !r) return r.error();
  user->disabled = disabled;
  return user;
}

Result<ConsoleUsers::Reset> ConsoleUsers::reset_password_of(const std::string& account,
                                                           const std::string& id,
                                                           const std::string& password) {
  auto user = of_account(account, id);
  if (!user) return user.error();
  auto generated = reset_password(user->email, password);
  if (!generated) return generated.error();
  return Reset{std::move(*user), std::move(*generated)};
}

Result<void> ConsoleUsers::set_disabled(const std::string& email, bool disabled) {
  auto r = store_.users().set_user_disabled(lower(email), disabled);
  if (!r) return unavailable();
  if (!*r) return Error::make("not_found", "no user " + email, "email");
  spdlog::info("console: user {} {}", lower(email), disabled ? "disabled" : "enabled");
  return Ok();
}

Result<std::string> ConsoleUsers::reset_password(const std::string& email,
                                                 const std::string& password) {
  const std::string pw = password.empty() ? generated_password() : password;
  if (pw.size() < kMinPassword || pw.size() > kMaxPassword) {
    return Error::make("weak_password",
                       "a password has at least " + std::to_string(kMinPassword) + " characters",
                       "password");
  }
  auto r = store_.users().set_user_password(lower(email), crypto::password_hash(pw));
  if (!r) return unavailable();
  if (!*r) return Error::make("not_found", "no user " + email, "email");
  spdlog::info("console: password of {} reset; its sessions ended", lower(email));
  return password.empty() ? pw : std::string();
}

int64_t ConsoleUsers::wait_ms(const std::string& key, TimeMs now) {
  auto it = failures_.find(key);
  if (it == failures_.end()) return 0;
  Failures& f = it->second;
  if (now - f.last_at > options_.failure_window_ms) {
    failures_.erase(it);
    return 0;
  }
  if (f.count < options_.free_failures) return 0;
  // 1 s after the free ones, doubling with each further failure, up to the ceiling.
  const int extra = std::min(f.count - options_.free_failures, 20);
  const int64_t delay = std::min<int64_t>(int64_t{1000} << extra, options_.max_delay_ms);
  return std::max<int64_t>(0, f.last_at + delay - now);
}

void ConsoleUsers::failed(const std::string& key, TimeMs now) {
  if (failures_.size() > 100'000) failures_.clear();  // bounded under a flood of addresses
  Failures& f = failures_[key];
  ++f.count;
  f.last_at = now;
}

Result<ConsoleUsers::SignedIn> ConsoleUsers::sign_in(const std::string& email_in,
                                                     const std::string& password,
                                                     const std::string& address) {
  const std::string email = lower(email_in);
  const TimeMs now = clock_.now_ms();
  const std::string by_email = "email:" + email;
  const std::string by_address = "addr:" + address;
  {
    std::lock_guard lk(mu_);
    const int64_t wait = std::max(wait_ms(by_email, now), wait_ms(by_address, now));
    if (wait > 0) {
      Error e = Error::make("rate_limited", "too many failed sign-ins; try again later");
      e.retry_after_s = (wait + 999) / 1000;
      return e;
    }
    if (dummy_hash_.empty()) dummy_hash_ = crypto::password_hash(generated_password());
  }
  auto found = store_.users().find_user_by_email(email);
  if (!found) return unavailable();
  // An unknown email costs the same Argon2id verification as a known one.
  const bool match = password.size() <= kMaxPassword &&
                     crypto::password_verify(*found ? (*found)->password_hash : dummy_hash_,
                                             password);
  if (!*found || !match || (*found)->disabled) {
    std::lock_guard lk(mu_);
    failed(by_email, now);
    failed(by_address, now);
    spdlog::info("console: sign-in refused for {} from {}", email, address);
    return wrong_credentials();
  }
  {
    std::lock_guard lk(mu_);
    failures_.erase(by_email);
  }
  const ConsoleUser& u = **found;
  SignedIn out;
  out.token = crypto::hex(crypto::random_bytes(32));
  out.who = {u.account, u.id, u.email, u.role};
  out.expires_at = now + options_.session_max_ms;
  ConsoleSession s{crypto::hex(crypto::sha256(out.token)), u.id, now, now, out.expires_at};
  if (auto r = store_.users().add_session(s); !r) return unavailable();
  (void)store_.users().note_sign_in(u.id, now);
  // Sessions abandoned without a sign-out go when someone signs in (rare and cheap enough).
  (void)store_.users().prune_sessions(now, now - options_.session_idle_ms);
  spdlog::info("console: {} signed in from {}", u.email, address);
  return out;
}

Result<std::optional<ConsolePrincipal>> ConsoleUsers::authenticate(const std::string& token) {
  using Found = std::optional<ConsolePrincipal>;
  if (token.size() != 64) return Found();
  const std::string hash = crypto::hex(crypto::sha256(token));
  auto found = store_.users().find_session(hash);
  if (!found) return found.error();
  if (!*found) return Found();
  const auto& [s, u] = **found;
  const TimeMs now = clock_.now_ms();
  if (u.disabled || now >= s.expires_at || now - s.last_seen_at > options_.session_idle_ms) {
    (void)store_.users().delete_session(hash);
    return Found();
  }
  // Idle expiry counts from the last use, noted at most once a minute.
  if (now - s.last_seen_at > 60'000) (void)store_.users().touch_session(hash, now);
  return Found(ConsolePrincipal{u.account, u.id, u.email, u.role});
}

Result<void> ConsoleUsers::sign_out(const std::string& token) {
  if (token.size() != 64) return Ok();
  if (auto r = store_.users().delete_session(crypto::hex(crypto::sha256(token))); !r) {
    return unavailable();
  }
  return Ok();
}

}  // namespace sb::engine
