// Process wiring for serve / keys create / migrate.
#include "app/app.h"

#include <signal.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <set>
#include <thread>
#include <tuple>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/metrics.h"
#include "core/number_types.h"
#include "engine/api_keys.h"
#include "engine/automation.h"
#include "engine/batches.h"
#include "engine/callbacks.h"
#include "engine/console_users.h"
#include "engine/dispatcher.h"
#include "engine/gateway.h"
#include "engine/media.h"
#include "engine/metrics.h"
#include "engine/outbox.h"
#include "engine/pools.h"
#include "engine/retention.h"
#include "engine/scheduling.h"
#include "engine/services.h"
#include "engine/status_ingest.h"
#include "engine/verifications.h"
#include "engine/webhooks.h"
#include "http/api.h"
#include "http/batches_api.h"
#include "http/console_assets.h"
#include "http/events_api.h"
#include "http/keys_api.h"
#include "http/media_api.h"
#include "http/metrics_api.h"
#include "http/pools_api.h"
#include "http/server.h"
#include "http/session_api.h"
#include "http/sim_api.h"
#include "http/twilio_api.h"
#include "http/users_api.h"
#include "http/webhooks_api.h"
#include "providers/registry.h"
#include "providers/transport/curl_client.h"
#include "providers/transport/safe_fetch.h"
#include "providers/transport/sniff.h"
#include "smpp_server/smpp_server.h"
#include "store/db.h"
#include "store/store.h"

namespace sb::app {
namespace {

// Creates the directory of a relative or absolute file path if it is missing.
void ensure_parent_dir(const std::string& file) {
  const auto parent = std::filesystem::path(file).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
}

std::unique_ptr<store::Store> open_and_migrate(const Config& c) {
  if (c.database_url.rfind("sqlite://", 0) == 0) ensure_parent_dir(c.database_url.substr(9));
  auto s = store::open_store(c.database_url, SystemClock::instance());
  if (!s) throw std::runtime_error("database: " + s.error().message);
  auto v = (*s)->migrate();
  if (!v) throw std::runtime_error("database migration: " + v.error().message);
  return std::move(*s);
}

void setup_accounts(store::Store& st, const Config& c) {
  const TimeMs now = SystemClock::instance().now_ms();
  std::set<std::string> accounts{c.bootstrap_account};
  for (const auto& n : c.numbers) accounts.insert(n.account);
  for (const auto& a : accounts) {
    if (auto r = st.accounts().ensure_account(a, now); !r)
      throw std::runtime_error(r.error().message);
  }
}

// Quiet hours: the rules of [[quiet_hours]] and the phone-prefix time-zone table. The table is
// read from messages.phone_timezones (must exist) or, unset, data/phone-timezones.txt when
// present; without a table every recipient gets its rule's timezone.
std::shared_ptr<const engine::QuietHours> make_quiet_hours(const Config& c) {
  PhoneTimezones zones;
  std::string path = c.phone_timezones;
  if (path.empty() && std::filesystem::exists("data/phone-timezones.txt")) {
    path = "data/phone-timezones.txt";
  }
  if (!path.empty()) {
    auto loaded = PhoneTimezones::load(path);
    if (!loaded) throw std::runtime_error("messages.phone_timezones: " + loaded.error().message);
    zones = std::move(*loaded);
    spdlog::info("quiet hours: {} number prefixes with time zones from {}", zones.size(), path);
  } else if (!c.quiet_hours.empty()) {
    spdlog::warn(
        "quiet hours: no phone time-zone table (messages.phone_timezones); using each "
        "rule's timezone for every recipient");
  }
  std::vector<engine::QuietHoursRule> rules;
  for (const auto& q : c.quiet_hours) {
    rules.push_back({q.account, q.number, q.enabled,
                     QuietWindow{*parse_clock_time(q.start), *parse_clock_time(q.end)},
                     q.timezone});
  }
  return std::make_shared<const engine::QuietHours>(std::move(rules), std::move(zones));
}

std::vector<NumberRecord> number_records(const Config& c) {
  std::vector<NumberRecord> out;
  for (const auto& n : c.numbers) {
    NumberRecord r{n.number, n.account, n.connector, n.sms, n.mms, n.type};
    r.throughput = n.throughput;
    out.push_back(std::move(r));
  }
  return out;
}

engine::ComplianceSettings compliance_settings(const Config& c) {
  engine::ComplianceSettings s;
  s.defaults = c.compliance;
  for (const auto& o : c.compliance_overrides) {
    if (o.number.empty()) {
      s.accounts[o.account] = o.profile;
    } else {
      s.numbers[o.number] = o.profile;
    }
  }
  for (const auto& cs : c.connectors) {
    if (cs.provider_handles_keywords) s.provider_handles_keywords.insert(cs.id);
  }
  return s;
}

// --- numbers: the directory and throughput limits follow the stored numbers ---
// How often a running gateway reloads its numbers from the database, so numbers imported by
// `switchboard numbers import` (another process) or changed through another instance are used
// within this long without a restart. A reload is one small query.
constexpr int64_t kNumbersRefreshMs = 5'000;
// The console's first user, made (with a generated password, printed once) on the first start
// when the bootstrap account has none.
constexpr const char* kFirstConsoleAdmin = "admin@switchboard.local";

// Messages/s per sending number, from the stored numbers (config ones carry their configured or
// default rate; imported ones get their type's default).
std::unordered_map<std::string, double> number_throughput(const std::vector<NumberRecord>& numbers,
                                                          const Config& c) {
  std::unordered_map<std::string, double> out;
  for (const auto& n : numbers) {
    // A number whose connector is gone keeps its carrier's defaults.
    const providers::ProviderSpec* spec = c.provider_of(n.connector);
    const bool carrier = !spec || spec->capabilities.carrier_throughput;
    const double rate = effective_throughput(n.throughput, n.type, carrier);
    if (rate > 0) out[n.number] = rate;
  }
  return out;
}

// Reloads the numbers every kNumbersRefreshMs until destroyed.
class NumbersRefresher {
 public:
  explicit NumbersRefresher(std::function<Result<void>()> reload)
      : reload_(std::move(reload)), thread_([this] { run(); }) {}
  ~NumbersRefresher() {
    {
      std::lock_guard lk(mu_);
      stop_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }

 private:
  void run() {
    std::unique_lock lk(mu_);
    while (
        !cv_.wait_for(lk, std::chrono::milliseconds(kNumbersRefreshMs), [this] { return stop_; })) {
      lk.unlock();
      if (auto r = reload_(); !r) {
        spdlog::warn("numbers: reload failed (keeping the previous numbers): {}",
                     r.error().message);
      }
      lk.lock();
    }
  }

  std::function<Result<void>()> reload_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread thread_;
};

}  // namespace

// numbers: the CLI's numbers commands open the database as every command does.
std::unique_ptr<store::Store> open_migrated_store(const Config& config) {
  return open_and_migrate(config);
}

int migrate(const Config& config) {
  auto st = open_and_migrate(config);
  std::cout << "schema version " << st->schema_version() << std::endl;
  return 0;
}

int backup(const Config& config, const std::string& to) {
  if (config.database_url.rfind("sqlite://", 0) != 0) {
    std::cerr << "switchboard backup copies a SQLite database; for PostgreSQL use pg_dump "
                 "(docs/operations.md)"
              << std::endl;
    return 2;
  }
  if (to.empty()) {
    std::cerr << "switchboard backup: --to FILE is required" << std::endl;
    return 2;
  }
  const auto t0 = std::chrono::steady_clock::now();
  auto r = store::backup_sqlite(config.database_url.substr(9), to);
  if (!r) {
    std::cerr << "switchboard backup: " << r.error().message << std::endl;
    return 1;
  }
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - t0)
          .count();
  std::cout << "backup of " << config.database_url << " written to " << to << ": " << r->pages
            << " pages, " << r->bytes << " bytes, integrity ok, " << ms << " ms" << std::endl;
  return 0;
}

int keys_command(const Config& config, const KeysCommand& cmd) {
  auto st = open_and_migrate(config);
  const Clock& clock = SystemClock::instance();
  engine::ApiKeys keys(*st, clock);
  const auto fail = [](const Error& e) -> int {
    std::cerr << "switchboard: " << e.message << std::endl;
    return e.code == "not_found" ? 2 : 1;
  };
  if (cmd.action == "create") {
    if (auto r = st->accounts().ensure_account(cmd.account, clock.now_ms()); !r) {
      throw std::runtime_error(r.error().message);
    }
    engine::ApiKeys::Spec spec;
    spec.name = cmd.name;
    if (!cmd.scopes.empty()) {
      auto set = parse_scopes(cmd.scopes, "--scopes");
      if (!set) return fail(set.error());
      spec.scopes = *set;
    }
    if (!cmd.expires_at.empty()) {
      auto t = parse_rfc3339(cmd.expires_at);
      if (!t)
        return fail(Error::make("invalid_parameter", "--expires-at must be an RFC 3339 time"));
      spec.expires_at = *t;
    } else if (cmd.expires_in_days > 0) {
      spec.expires_at = clock.now_ms() + cmd.expires_in_days * 86'400'000;
    }
    spec.rate_limit = cmd.rate_limit;
    auto created = keys.create(cmd.account, spec);
    if (!created) return fail(created.error());
    if (cmd.json) {
      auto out = api_key_json(created->key, clock.now_ms());
      out["key"] = created->secret;
      std::cout << out.dump() << std::endl;
      return 0;
    }
    std::cout << "API key " << created->key.id << " for account " << cmd.account << " (scopes "
              << scopes_to_text(created->key.scopes) << "; store it now, it is not shown again):\n"
              << created->secret << std::endl;
    return 0;
  }
  if (cmd.action == "list") {
    auto list = keys.list(cmd.account);
    if (!list) return fail(list.error());
    const TimeMs now = clock.now_ms();
    for (const auto& k : *list) {
      if (cmd.json) {
        std::cout << api_key_json(k, now).dump() << "\n";
        continue;
      }
      std::cout << k.id << "  " << k.prefix << "…  " << api_key_state(k, now) << "  "
                << scopes_to_text(k.scopes) << "  "
                << (k.name.empty() ? std::string("(no name)") : k.name) << "  last used "
                << (k.last_used_at ? format_rfc3339(k.last_used_at) : std::string("never")) << "\n";
    }
    std::cout << std::flush;
    return 0;
  }
  auto k = keys.revoke(cmd.account, cmd.key);
  if (!k) return fail(k.error());
  std::cout << "API key " << k->id << " (" << k->prefix << "…) of account " << k->account
            << " revoked; every instance refuses it within a second" << std::endl;
  return 0;
}

// Forwarding: `switchboard signing-secret [--rotate] --account NAME`.
int signing_secret(const Config& config, const std::string& account, bool rotate) {
  auto st = open_and_migrate(config);
  if (!value_or_throw(st->accounts().account_exists(account))) {
    throw std::runtime_error("no account " + account);
  }
  const TimeMs now = SystemClock::instance().now_ms();
  auto s = rotate ? st->accounts().rotate_signing_secret(account, now)
                  : st->accounts().signing_secret(account, now);
  if (!s) throw std::runtime_error(s.error().message);
  std::cout << "webhook signing secret of account " << account
            << (rotate ? " (rotated; update your app now)" : "") << ":\n"
            << s->secret << std::endl;
  return 0;
}

namespace {

int twilio_api_keys(engine::AccountService& accounts, const std::string& account,
                    const TwilioCredentialsCommand& cmd) {
  if (cmd.create_key) {
    auto k = accounts.create_twilio_api_key(account, *cmd.create_key);
    if (!k) throw std::runtime_error(k.error().message);
    if (cmd.json) {
      std::cout << nlohmann::json{{"sid", k->key.sid},
                                  {"secret", k->secret},
                                  {"account_sid", k->key.account_sid},
                                  {"friendly_name", k->key.friendly_name}}
                       .dump()
                << std::endl;
    } else {
      std::cout << "API key of account " << account
                << " (the secret is shown only now):\nsid:    " << k->key.sid
                << "\nsecret: " << k->secret << std::endl;
    }
    return 0;
  }
  if (!cmd.delete_key.empty()) {
    if (auto r = accounts.delete_twilio_api_key(account, cmd.delete_key); !r) {
      throw std::runtime_error(r.error().message);
    }
    std::cout << "API key " << cmd.delete_key << " deleted" << std::endl;
    return 0;
  }
  auto keys = accounts.twilio_api_keys(account);
  if (!keys) throw std::runtime_error(keys.error().message);
  nlohmann::json out = nlohmann::json::array();
  for (const auto& k : *keys) {
    if (cmd.json) {
      out.push_back({{"sid", k.sid},
                     {"friendly_name", k.friendly_name},
                     {"created_at", format_rfc3339(k.created_at)}});
    } else {
      std::cout << k.sid << "  " << format_rfc3339(k.created_at) << "  " << k.friendly_name << "\n";
    }
  }
  if (cmd.json) std::cout << out.dump() << "\n";
  std::cout << std::flush;
  return 0;
}

}  // namespace

engine::ConsoleUserOptions console_user_options(const Config& config) {
  engine::ConsoleUserOptions o;
  o.session_idle_ms = config.console_session_idle_min * 60'000;
  o.session_max_ms = config.console_session_max_h * 3'600'000;
  return o;
}

int users_command(const Config& config, const UsersCommand& cmd) {
  auto st = open_and_migrate(config);
  engine::ConsoleUsers users(*st, SystemClock::instance(), console_user_options(config));
  const auto fail = [](const Error& e) -> int {
    std::cerr << "switchboard: " << e.message << std::endl;
    return 1;
  };
  std::string password;
  if (cmd.password_stdin) {
    std::getline(std::cin, password);
    while (!password.empty() && (password.back() == '\n' || password.back() == '\r')) {
      password.pop_back();
    }
    if (password.empty()) return fail(Error::make("weak_password", "no password on stdin"));
  }
  if (cmd.action == "create") {
    auto c = users.create(cmd.account, cmd.email, cmd.role, password);
    if (!c) return fail(c.error());
    std::cout << "user " << c->user.email << " (" << c->user.role << ") of account "
              << c->user.account << " created";
    if (!c->password.empty()) {
      std::cout << "; one-time password (shown only now):\n" << c->password;
    }
    std::cout << std::endl;
    return 0;
  }
  if (cmd.action == "list") {
    auto list = users.list(cmd.account);
    if (!list) return fail(list.error());
    for (const auto& u : *list) {
      if (cmd.json) {
        std::cout << nlohmann::json{{"email", u.email},
                                    {"account", u.account},
                                    {"role", u.role},
                                    {"disabled", u.disabled},
                                    {"created_at", format_rfc3339(u.created_at)},
                                    {"last_sign_in_at",
                                     u.last_sign_in_at
                                         ? nlohmann::json(format_rfc3339(u.last_sign_in_at))
                                         : nlohmann::json(nullptr)}}
                         .dump()
                  << "\n";
      } else {
        std::cout << u.email << "  " << u.account << "  " << u.role
                  << (u.disabled ? "  disabled" : "") << "\n";
      }
    }
    std::cout << std::flush;
    return 0;
  }
  if (cmd.action == "disable" || cmd.action == "enable") {
    if (auto r = users.set_disabled(cmd.email, cmd.action == "disable"); !r) return fail(r.error());
    std::cout << "user " << cmd.email << " " << cmd.action << "d" << std::endl;
    return 0;
  }
  auto r = users.reset_password(cmd.email, password);
  if (!r) return fail(r.error());
  std::cout << "password of " << cmd.email << " reset; its sessions ended";
  if (!r->empty()) std::cout << "; one-time password (shown only now):\n" << *r;
  std::cout << std::endl;
  return 0;
}

int twilio_credentials(const Config& config, const std::string& account,
                       const TwilioCredentialsCommand& cmd) {
  auto st = open_and_migrate(config);
  engine::AccountService accounts(*st, SystemClock::instance());
  if (cmd.create_key || cmd.list_keys || !cmd.delete_key.empty()) {
    return twilio_api_keys(accounts, account, cmd);
  }
  const bool rotate = cmd.rotate;
  const bool json = cmd.json;
  auto c = rotate              ? accounts.rotate_twilio_token(account)
           : cmd.drop_previous ? accounts.drop_previous_twilio_token(account)
                               : accounts.twilio_credentials(account);
  if (!c) throw std::runtime_error(c.error().message);
  if (json) {
    nlohmann::json j = {{"account_sid", c->account_sid}, {"auth_token", c->auth_token}};
    if (c->previous_token) j["previous_auth_token"] = *c->previous_token;
    std::cout << j.dump() << std::endl;
    return 0;
  }
  std::cout << "Twilio-compatible credentials of account " << account
            << (rotate ? " (token rotated; the previous one is accepted until dropped)" : "")
            << ":\naccount SID: " << c->account_sid << "\nauth token:  " << c->auth_token << "\n";
  if (c->previous_token) {
    std::cout << "previous token, still accepted (--drop-previous): " << *c->previous_token << "\n";
  }
  std::cout << std::flush;
  return 0;
}

int smpp_credentials(const Config& config, const std::string& account, bool rotate, bool json) {
  auto st = open_and_migrate(config);
  engine::AccountService accounts(*st, SystemClock::instance());
  auto c = accounts.smpp_credentials(account, rotate);
  if (!c) throw std::runtime_error(c.error().message);
  if (json) {
    nlohmann::json j = {{"system_id", c->system_id}, {"password", nullptr}};
    if (c->password) j["password"] = *c->password;
    std::cout << j.dump() << std::endl;
    return 0;
  }
  std::cout << "SMPP credentials of account " << account << ":\nsystem_id: " << c->system_id
            << "\npassword:  "
            << (c->password ? *c->password
                            : "(set earlier and stored only hashed; --rotate for a new one)")
            << (c->rotated ? "\n(rotated: binds with the old password are refused)" : "") << "\n"
            << std::flush;
  return 0;
}

int serve(const Config& config, bool print_routes) {
  // Signals are taken synchronously by this thread; every thread started below inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  const Clock& clock = SystemClock::instance();
  auto st = open_and_migrate(config);
  // The live event stream: read from the store's log, woken by every commit here (the listener
  // is set before any other thread uses the store).
  engine::EventStreamOptions ev_opt;
  ev_opt.gap_timeout_ms = config.events_gap_timeout_ms;
  ev_opt.poll_ms = config.events_poll_ms;
  engine::EventStream events(*st, clock, ev_opt);
  st->set_commit_listener([&events] { events.wake(); });
  setup_accounts(*st, config);
  const auto numbers = number_records(config);
  if (auto r = st->accounts().sync_numbers(numbers, clock.now_ms()); !r) {
    throw std::runtime_error(r.error().message);
  }

  auto http_client = providers::make_curl_client();
  // The outbound URL policy (docs/operations.md): what the gateway calls on someone's behalf
  // (apps' callbacks and forwards, media) goes to public addresses only, plus [network]
  // outbound_allow (and, for media, [media] fetch_allow).
  auto outbound_allow =
      providers::parse_allow_list(config.network_outbound_allow, "network.outbound_allow");
  if (!outbound_allow) throw std::runtime_error(outbound_allow.error().message);
  providers::CurlClientOptions app_http_options;
  app_http_options.outbound_guard = *outbound_allow;
  auto app_http = providers::make_curl_client(app_http_options);
  providers::ConnectorDeps deps{clock, *http_client, config.public_url};
  std::vector<std::unique_ptr<providers::Connector>> connectors;
  std::map<std::string, providers::Connector*> by_id;
  for (const auto& cs : config.connectors) {
    auto made = providers::make_connector(cs, deps);
    if (!made) throw std::runtime_error(made.error().message);
    by_id[cs.id] = made->get();
    connectors.push_back(std::move(*made));
  }

  engine::CallbackOptions cb_opt;
  cb_opt.workers = static_cast<int>(config.callback_workers);
  cb_opt.timeout_ms = static_cast<int>(config.callback_timeout_ms);
  // A claimed delivery comes back to another worker when its lease ends (its claimer died): the
  // lease covers one attempt (the HTTP timeout, then up to 10 s to queue the app's reply) plus a
  // margin, rather than a fixed minute, so a crash delays a forward by as little as it can.
  cb_opt.lease_ms = config.callback_timeout_ms + 20'000;
  cb_opt.max_age_ms = config.callback_max_age_ms;
  cb_opt.base_delay_ms = config.callback_retry_base_ms;
  cb_opt.max_delay_ms = config.callback_retry_max_ms;
  cb_opt.poll_interval_ms = std::min<int64_t>(1000, config.callback_retry_base_ms);
  engine::CallbackSender callbacks(*st, *app_http, clock, cb_opt);

  engine::DispatcherOptions d_opt;
  d_opt.workers = static_cast<int>(config.dispatcher_workers);
  d_opt.batch_size = static_cast<int>(config.dispatcher_batch_size);
  d_opt.lease_ms = config.lease_ms;
  d_opt.poll_interval_ms = config.poll_interval_ms;
  d_opt.retry.max_attempts = static_cast<int>(config.max_attempts);
  d_opt.retry.base_delay_ms = config.retry_base_ms;
  d_opt.retry.max_delay_ms = config.retry_max_ms;
  d_opt.send_threads = static_cast<int>(config.send_threads);
  d_opt.circuit.failure_threshold = static_cast<int>(config.circuit_failure_threshold);
  d_opt.circuit.open_ms = config.circuit_open_ms;
  d_opt.reconcile_interval_ms = config.reconcile_interval_ms;
  d_opt.reconcile_after_ms = config.reconcile_after_ms;
  d_opt.health_check_at_start = config.health_check_at_start;
  // numbers: limits of every stored number, imported ones included.
  const auto stored_numbers = value_or_throw(st->accounts().all_numbers());
  const auto throughput = number_throughput(stored_numbers, config);
  engine::Dispatcher dispatcher(*st, by_id, clock, d_opt, new_id("wrk_", clock.now_ms()),
                                throughput, [&callbacks] { callbacks.wake(); });
  // Every provider status report (pushed, reconciled, by webhook) is applied through it.
  engine::StatusIngest ingest(*st, clock, [&callbacks] { callbacks.wake(); });
  dispatcher.set_status_ingest(ingest);

  engine::Outbox outbox(*st, [&dispatcher] { dispatcher.wake(); });
  engine::GatewayOptions gw_opt;
  gw_opt.default_region = config.default_region;
  gw_opt.min_schedule_ahead_s = config.min_schedule_ahead_s;
  gw_opt.max_schedule_ahead_s = config.max_schedule_ahead_s;
  engine::Gateway gateway(*st, outbox, clock, gw_opt);
  gateway.set_numbers(stored_numbers);
  // Scheduling, quiet hours, verifications.
  const auto quiet_hours = make_quiet_hours(config);
  gateway.set_quiet_hours(quiet_hours);
  dispatcher.set_quiet_hours(quiet_hours);
  engine::VerificationOptions v_opt;
  v_opt.sends_per_hour = static_cast<int>(config.verification_sends_per_hour);
  v_opt.max_checks = static_cast<int>(config.verification_max_checks);
  v_opt.min_ttl_s = config.verification_min_ttl_s;
  v_opt.max_ttl_s = config.verification_max_ttl_s;
  engine::Verifier verifier(*st, gateway, clock, v_opt);
  gateway.set_connector_states([&dispatcher] { return dispatcher.connector_states(); });
  dispatcher.set_rerouter(
      [&gateway](const Message& m, const std::unordered_set<std::string>& down) {
        return gateway.reroute(m, down);
      });
  gateway.set_on_dequeued([&dispatcher](const std::string& id) { dispatcher.forget(id); });

  engine::WebhookOptions wh_opt;
  wh_opt.mms_timeout_ms = config.mms_timeout_ms;
  wh_opt.mms_settle_ms = config.mms_settle_ms;
  wh_opt.sms_parts_timeout_ms = config.sms_parts_timeout_ms;
  wh_opt.retention_ms = config.webhook_retention_days * 86'400'000;
  if (config.media_enabled) wh_opt.media_public_url = config.public_url;  // media re-hosting
  engine::WebhookProcessor webhooks(*st, clock, gateway, wh_opt, ingest);
  std::vector<engine::WebhookEndpoint> endpoints;
  for (const auto& cs : config.connectors) {
    auto secrets = providers::webhook_secrets(cs);
    if (!secrets) throw std::runtime_error(secrets.error().message);
    // "" also for a provider that sends no webhooks (the simulated carrier).
    if (auto missing = providers::missing_webhook_material(*secrets); !missing.empty()) {
      spdlog::warn(
          "webhooks: connector {} has no {}: its webhooks will be refused (403) "
          "until it is configured",
          cs.id, missing);
    }
    endpoints.push_back({cs.id, config.provider_of(cs.id)->webhook, std::move(*secrets)});
  }
  webhooks.set_endpoints(std::move(endpoints));

  // Compliance keywords and auto-replies run on each stored inbound message.
  engine::Automation automation(*st, gateway, clock, compliance_settings(config));
  // Forwarding: a stored inbound message may have queued a forward in its
  // transaction; wake the sender, which also sends the app's replies through the gateway.
  callbacks.set_gateway(&gateway);
  webhooks.set_inbound_hook([&automation, &callbacks](const Message& m, bool forward_queued) {
    automation.on_inbound(m);
    if (forward_queued) callbacks.wake();  // else it would only probe for nothing
  });

  // The engine operations every surface calls (docs/architecture.md).
  engine::MessageService message_service(*st, gateway, clock);
  engine::ConversationService conversation_service(*st, clock);
  engine::ContactService contact_service(*st, clock, config.default_region);
  engine::ComplianceService compliance_service(*st, gateway, clock);
  engine::NumberService number_service(*st, gateway, clock, by_id, config.public_url);
  engine::AccountService account_service(*st, clock);
  engine::Services services{gateway,
                            message_service,
                            conversation_service,
                            contact_service,
                            compliance_service,
                            number_service,
                            account_service,
                            verifier};

  http::Router router;
  http::register_api(router, services);
  http::register_webhooks(router, webhooks, config.public_url);
  http::register_sim_api(router, services, webhooks);
  NumbersRefresher numbers_refresher([&]() -> Result<void> {
    auto numbers = st->accounts().all_numbers();
    if (!numbers) return numbers.error();
    gateway.set_numbers(*numbers);
    dispatcher.set_throughput(number_throughput(*numbers, config));
    return Ok();
  });

  // Media re-hosting and the SSRF guard (docs/media.md).
  auto media_allow = providers::parse_allow_list(config.media_fetch_allow);
  if (!media_allow) throw std::runtime_error(media_allow.error().message);
  media_allow->insert(media_allow->end(), outbound_allow->begin(), outbound_allow->end());
  gateway.set_app_url_check(
      [allow = *outbound_allow](const std::string& url, const std::string& field) {
        return providers::precheck_url(url, allow, field, "url_refused");
      });
  gateway.set_media_url_check(
      [allow = *media_allow](const std::string& url, const std::string& field) {
        return providers::precheck_url(url, allow, field);
      });
  providers::SafeFetchOptions f_opt;
  f_opt.allow = *media_allow;
  f_opt.max_bytes = config.media_max_bytes;
  f_opt.connect_timeout_ms = static_cast<int>(config.media_connect_timeout_ms);
  f_opt.timeout_ms = static_cast<int>(config.media_fetch_timeout_ms);
  f_opt.max_redirects = static_cast<int>(config.media_max_redirects);
  providers::SafeFetcher safe_fetcher(f_opt);
  engine::MediaOptions m_opt;
  m_opt.enabled = config.media_enabled;
  m_opt.dir = config.media_dir;
  m_opt.public_url = config.public_url;
  m_opt.max_bytes = config.media_max_bytes;
  m_opt.allowed_types = config.media_allowed_types.empty()
                            ? providers::default_allowed_media_types()
                            : config.media_allowed_types;
  m_opt.max_attempts = static_cast<int>(config.media_max_attempts);
  m_opt.retry_base_ms = config.media_retry_base_ms;
  m_opt.retry_max_ms = config.media_retry_max_ms;
  m_opt.workers = static_cast<int>(config.media_workers);
  m_opt.lease_ms = 2 * (config.media_connect_timeout_ms + config.media_fetch_timeout_ms) *
                   (config.media_max_redirects + 1);
  engine::MediaFiles media_files(config.media_dir);
  gateway.set_media_remover([&media_files](const std::vector<std::string>& shas) {
    for (const auto& sha : shas) {
      if (!media_files.remove(sha)) spdlog::warn("media: could not remove file {}", sha);
    }
  });
  auto signing_key = st->accounts().ensure_secret(
      "media_url_key", crypto::hex(crypto::random_bytes(32)), clock.now_ms());
  if (!signing_key) throw std::runtime_error(signing_key.error().message);
  engine::MediaSigner media_signer(*signing_key);
  engine::MediaFetcher media_fetcher(
      *st, clock, media_files, m_opt,
      [&safe_fetcher](const std::string& url, const Headers& h) -> Result<engine::FetchedMedia> {
        auto got = safe_fetcher.fetch(url, h);
        if (!got) return got.error();
        return engine::FetchedMedia{std::move(got->body)};
      },
      [&by_id](const std::string& connector, const std::string& url) {
        auto it = by_id.find(connector);
        return it == by_id.end() ? Headers{} : it->second->media_fetch_headers(url);
      },
      [](const Error& e) { return providers::is_transient(e); },
      [](std::string_view bytes) { return providers::sniff_content_type(bytes); });
  http::register_media_api(router, services, media_files, media_signer,
                           {config.public_url, config.media_url_ttl_s, config.media_max_url_ttl_s});
  http::register_twilio_api(router, services, media_files);
  // The console's users and sessions.
  engine::ConsoleUsers console_users(*st, clock, console_user_options(config));
  gateway.set_session_authenticator(
      [&console_users](
          const std::string& token) -> Result<std::optional<engine::Gateway::SessionPrincipal>> {
        auto who = console_users.authenticate(token);
        if (!who) return who.error();
        if (!*who) return std::optional<engine::Gateway::SessionPrincipal>();
        return std::optional<engine::Gateway::SessionPrincipal>(
            engine::Gateway::SessionPrincipal{(*who)->account, (*who)->role, (*who)->email});
      });
  http::register_session_api(
      router, gateway, console_users,
      {config.public_url.rfind("https://", 0) == 0, config.console_session_max_h * 3'600});
  http::register_users_api(router, gateway, console_users);
  engine::ApiKeys api_keys(*st, clock);
  api_keys.set_on_revoked([&gateway] { gateway.forget_authentications(); });
  http::register_keys_api(router, gateway, api_keys);
  engine::Pools pools(*st, gateway, clock);
  http::register_pools_api(router, gateway, pools);
  engine::BatchOptions batch_opt;
  batch_opt.max_rows = config.batch_max_rows;
  batch_opt.lease_ms = config.batch_lease_ms;
  engine::Batches batches(*st, gateway, clock, batch_opt);
  batches.set_on_messages([&dispatcher] { dispatcher.wake(); });
  http::register_batches_api(router, gateway, batches);
  http::register_console(router);
  http::register_events_api(router, services, events,
                            {static_cast<size_t>(config.events_queue_limit)});
  http::register_metrics_api(router, {config.metrics_enabled, config.metrics_token, false});
  // the route table, for the test that holds docs/openapi.yaml to it.
  if (print_routes) {
    for (const auto& [method, pattern] : router.routes()) {
      std::cout << method << ' ' << pattern << '\n';
    }
    std::cout << std::flush;
    return 0;
  }
  http::ServerOptions s_opt;
  s_opt.host = config.listen_host();
  s_opt.port = config.listen_port();
  s_opt.io_threads = static_cast<int>(config.io_threads);
  s_opt.handler_threads = static_cast<int>(config.handler_threads);
  s_opt.max_body_bytes = static_cast<size_t>(config.max_body_bytes);
  s_opt.max_header_bytes = static_cast<size_t>(config.max_header_bytes);
  s_opt.read_timeout_ms = static_cast<int>(config.read_timeout_ms);
  s_opt.write_timeout_ms = static_cast<int>(config.write_timeout_ms);
  s_opt.shutdown_grace_ms = static_cast<int>(config.shutdown_grace_ms);
  // Batch uploads go to a file, not memory, up to their own cap (docs/batches.md).
  s_opt.spool_body = [cap = static_cast<size_t>(config.batch_max_upload_bytes)](
                         std::string_view method, std::string_view path) -> std::optional<size_t> {
    if (method == "POST" && path == "/v1/batches") return cap;
    return std::nullopt;
  };
  s_opt.spool_dir = config.batch_spool_dir;
  http::Server server(s_opt, router);
  server.start();
  // Metrics (docs/operations.md#metrics): what only a scrape reads, and the dedicated listener.
  auto& registry = metrics::registry();
  registry.gauge("switchboard_build_info", "The running version (always 1).", {"version"})
      .with({SWITCHBOARD_VERSION})
      .set(1);
  registry.gauge("process_start_time_seconds", "When the process started, in Unix seconds.")
      .with({})
      .set(static_cast<double>(clock.now_ms()) / 1000.0);
  engine::watch_gauges(*st, clock, [&dispatcher] { return dispatcher.connector_states(); });
  http::Router metrics_router;
  std::unique_ptr<http::Server> metrics_server;
  if (config.metrics_enabled && !config.metrics_listen.empty()) {
    http::register_metrics_api(metrics_router, {true, config.metrics_token, true});
    http::ServerOptions m_opt = s_opt;
    m_opt.host = config.metrics_listen.substr(0, config.metrics_listen.rfind(':'));
    m_opt.port = static_cast<unsigned short>(
        std::stoi(config.metrics_listen.substr(config.metrics_listen.rfind(':') + 1)));
    m_opt.spool_body = nullptr;
    m_opt.io_threads = 1;
    m_opt.handler_threads = 1;
    metrics_server = std::make_unique<http::Server>(m_opt, metrics_router);
    metrics_server->start();
  }

  webhooks.start();
  for (auto& c : connectors) {
    if (c->capabilities().own_inbound) c->set_inbound_sink(webhooks);
    c->start(ingest);
  }
  dispatcher.start();
  callbacks.start();
  if (config.media_enabled) media_fetcher.start();
  events.start();
  engine::Retention retention(*st, services.messages, clock,
                              {config.retention_redact_after_days * 86'400'000, 60'000, 500,
                               new_id("ret_", clock.now_ms())});
  retention.start();
  batches.start();

  // The SMPP server: a surface over the engine services started above (stopped before them).
  std::unique_ptr<smpp_server::SmppServer> smpp;
  if (!config.smpp_listen.empty() || !config.smpp_tls_listen.empty()) {
    smpp_server::SmppServerOptions smpp_opt;
    const auto host_port = [](const std::string& v) {
      return std::pair{v.substr(0, v.rfind(':')),
                       static_cast<unsigned short>(std::stoi(v.substr(v.rfind(':') + 1)))};
    };
    smpp_opt.plain = !config.smpp_listen.empty();
    if (smpp_opt.plain) std::tie(smpp_opt.host, smpp_opt.port) = host_port(config.smpp_listen);
    smpp_opt.tls = !config.smpp_tls_listen.empty();
    if (smpp_opt.tls) {
      std::tie(smpp_opt.tls_host, smpp_opt.tls_port) = host_port(config.smpp_tls_listen);
      smpp_opt.tls_cert_file = config.smpp_tls_cert_file;
      smpp_opt.tls_key_file = config.smpp_tls_key_file;
    }
    smpp_opt.max_pdu_size = static_cast<uint32_t>(config.smpp_max_pdu_size);
    smpp_opt.bind_throughput = config.smpp_bind_throughput;
    smpp_opt.window = config.smpp_window;
    smpp_opt.enquire_link_s = config.smpp_enquire_link_s;
    smpp_opt.concat_timeout_ms = config.smpp_concat_timeout_ms;
    smpp_opt.queue_limit = static_cast<size_t>(config.events_queue_limit);
    smpp = std::make_unique<smpp_server::SmppServer>(smpp_opt, message_service, account_service,
                                                     events);
    smpp->start();
    if (smpp_opt.plain) spdlog::info("smpp: listening on {}:{}", smpp_opt.host, smpp->port());
    if (smpp_opt.tls) {
      spdlog::info("smpp: listening for TLS on {}:{}", smpp_opt.tls_host, smpp->tls_port());
    }
  }

  if (config.print_first_key &&
      value_or_throw(st->accounts().count_api_keys(config.bootstrap_account)) == 0) {
    engine::ApiKeys::Spec first;
    first.name = "first key";
    auto key = api_keys.create(config.bootstrap_account, first);
    if (!key) throw std::runtime_error(key.error().message);
    std::cout << "First start: API key for account " << config.bootstrap_account
              << " (store it now; it is not shown again):\n"
              << key->secret << std::endl;
    // And someone to open the console as, unless the account already has users.
    auto users = console_users.list(config.bootstrap_account);
    if (users && users->empty()) {
      auto admin = console_users.create(config.bootstrap_account, kFirstConsoleAdmin, "admin", "");
      if (admin) {
        std::cout << "Console: http://" << s_opt.host << ":" << server.port() << "/ (sign in as "
                  << kFirstConsoleAdmin << ", password " << admin->password
                  << "; shown only now, `switchboard users reset-password` sets another)"
                  << std::endl;
      }
    }
  }
  // Before "listening on": whoever waits for that line finds this one printed.
  if (metrics_server) {
    spdlog::info("metrics: listening on {}:{}",
                 config.metrics_listen.substr(0, config.metrics_listen.rfind(':')),
                 metrics_server->port());
    std::cout << "metrics on http://"
              << config.metrics_listen.substr(0, config.metrics_listen.rfind(':')) << ":"
              << metrics_server->port() << "/metrics" << std::endl;
  }
  spdlog::info("switchboard {} listening on {}:{} (database {})", SWITCHBOARD_VERSION, s_opt.host,
               server.port(),
               config.database_url.rfind("sqlite://", 0) == 0 ? config.database_url : "postgresql");
  std::cout << "listening on http://" << s_opt.host << ":" << server.port() << std::endl;

  int sig = 0;
  sigwait(&signals, &sig);
  spdlog::info("received {}, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
  if (smpp) smpp->stop();  // binds closed and delivery cursors saved before the engine stops
  events.stop();           // subscribers are told the gateway is going away (1001)
  retention.stop();
  batches.stop();  // a chunk in progress finishes; the next resumes from the store
  if (metrics_server) metrics_server->stop();
  server.stop();             // in-flight requests finish; their messages reach the outbox
  engine::unwatch_gauges();  // they read the store and the dispatcher, which go next
  webhooks.stop();
  media_fetcher.stop();
  outbox.stop();      // commit everything accepted
  dispatcher.stop();  // finish and record in-flight sends
  for (auto& c : connectors) c->stop();
  callbacks.stop();
  spdlog::info("shutdown complete");
  return 0;
}

}  // namespace sb::app
