// Table-driven config loading: one row per scalar key, so parsing, env overrides and unknown-key
// checks share a single list.
#include "app/config.h"

#include <toml++/toml.h>

#include <algorithm>
#include <cstdlib>
#include <functional>
#include <set>
#include <type_traits>
#include <variant>

#include "core/number_types.h"
#include "core/phone.h"
#include "core/quiet_hours.h"
#include "core/utf8.h"
#include "providers/transport/net_guard.h"

extern char** environ;

namespace sb::app {
namespace {

using Field = std::variant<std::string Config::*, int64_t Config::*, bool Config::*>;

struct Key {
  const char* section;
  const char* name;
  Field field;
  int64_t min = 0;  // for integers
};

const std::vector<Key>& keys() {
  static const std::vector<Key> kKeys = {
      {"server", "listen", &Config::listen},
      {"server", "public_url", &Config::public_url},
      {"server", "io_threads", &Config::io_threads, 1},
      {"server", "handler_threads", &Config::handler_threads, 1},
      {"server", "max_body_bytes", &Config::max_body_bytes, 1024},
      {"server", "max_header_bytes", &Config::max_header_bytes, 1024},
      {"server", "read_timeout_ms", &Config::read_timeout_ms, 100},
      {"server", "write_timeout_ms", &Config::write_timeout_ms, 100},
      {"server", "shutdown_grace_ms", &Config::shutdown_grace_ms, 0},
      {"database", "url", &Config::database_url},
      {"messages", "default_region", &Config::default_region},
      {"accounts", "bootstrap", &Config::bootstrap_account},
      {"accounts", "print_first_key", &Config::print_first_key},
      {"dispatcher", "workers", &Config::dispatcher_workers, 0},
      {"dispatcher", "batch_size", &Config::dispatcher_batch_size, 1},
      {"dispatcher", "lease_ms", &Config::lease_ms, 1000},
      {"dispatcher", "poll_interval_ms", &Config::poll_interval_ms, 10},
      {"dispatcher", "max_attempts", &Config::max_attempts, 1},
      {"dispatcher", "retry_base_ms", &Config::retry_base_ms, 1},
      {"dispatcher", "retry_max_ms", &Config::retry_max_ms, 1},
      {"dispatcher", "send_threads", &Config::send_threads, 1},
      {"dispatcher", "circuit_failure_threshold", &Config::circuit_failure_threshold, 1},
      {"dispatcher", "circuit_open_ms", &Config::circuit_open_ms, 100},
      {"dispatcher", "reconcile_interval_ms", &Config::reconcile_interval_ms, 0},
      {"dispatcher", "reconcile_after_ms", &Config::reconcile_after_ms, 1000},
      {"dispatcher", "health_check_at_start", &Config::health_check_at_start},
      {"callbacks", "workers", &Config::callback_workers, 1},
      {"callbacks", "timeout_ms", &Config::callback_timeout_ms, 100},
      {"callbacks", "max_age_ms", &Config::callback_max_age_ms, 1000},
      {"callbacks", "retry_base_ms", &Config::callback_retry_base_ms, 1},
      {"callbacks", "retry_max_ms", &Config::callback_retry_max_ms, 1},
      {"webhooks", "mms_timeout_ms", &Config::mms_timeout_ms, 100},
      {"webhooks", "mms_settle_ms", &Config::mms_settle_ms, 0},
      {"webhooks", "sms_parts_timeout_ms", &Config::sms_parts_timeout_ms, 100},
      {"webhooks", "retention_days", &Config::webhook_retention_days, 1},
      {"log", "level", &Config::log_level},
      {"log", "format", &Config::log_format},
      {"metrics", "enabled", &Config::metrics_enabled},
      {"metrics", "listen", &Config::metrics_listen},
      {"metrics", "token", &Config::metrics_token},
      // Scheduling, quiet hours, verifications.
      {"messages", "min_schedule_ahead_s", &Config::min_schedule_ahead_s, 0},
      {"messages", "max_schedule_ahead_s", &Config::max_schedule_ahead_s, 60},
      {"messages", "phone_timezones", &Config::phone_timezones},
      {"verifications", "sends_per_hour", &Config::verification_sends_per_hour, 1},
      {"verifications", "max_checks", &Config::verification_max_checks, 1},
      {"verifications", "min_ttl_seconds", &Config::verification_min_ttl_s, 1},
      {"verifications", "max_ttl_seconds", &Config::verification_max_ttl_s, 1},
      // Media re-hosting (docs/media.md); the list keys fetch_allow and allowed_types are read
      // by read_list.
      // Batches (docs/batches.md)
      {"batches", "max_upload_bytes", &Config::batch_max_upload_bytes, 1024},
      {"batches", "max_rows", &Config::batch_max_rows, 1},
      {"batches", "lease_ms", &Config::batch_lease_ms, 1000},
      {"batches", "spool_dir", &Config::batch_spool_dir},
      {"media", "enabled", &Config::media_enabled},
      {"media", "dir", &Config::media_dir},
      {"media", "max_bytes", &Config::media_max_bytes, 1},
      {"media", "max_attempts", &Config::media_max_attempts, 1},
      {"media", "retry_base_ms", &Config::media_retry_base_ms, 1},
      {"media", "retry_max_ms", &Config::media_retry_max_ms, 1},
      {"media", "connect_timeout_ms", &Config::media_connect_timeout_ms, 100},
      {"media", "fetch_timeout_ms", &Config::media_fetch_timeout_ms, 100},
      {"media", "max_redirects", &Config::media_max_redirects, 0},
      {"media", "workers", &Config::media_workers, 1},
      {"media", "url_ttl_seconds", &Config::media_url_ttl_s, 1},
      {"media", "max_url_ttl_seconds", &Config::media_max_url_ttl_s, 1},
      // The live event stream (docs/events.md).
      {"events", "queue_limit", &Config::events_queue_limit, 1},
      {"events", "gap_timeout_ms", &Config::events_gap_timeout_ms, 10},
      {"events", "poll_ms", &Config::events_poll_ms, 1},
      // The console's sessions (docs/console.md).
      {"console", "session_idle_minutes", &Config::console_session_idle_min, 1},
      {"console", "session_max_hours", &Config::console_session_max_h, 1},
      // The SMPP server (docs/configuration.md, [smpp]).
      {"smpp", "listen", &Config::smpp_listen},
      {"smpp", "bind_throughput", &Config::smpp_bind_throughput, 0},
      {"smpp", "window", &Config::smpp_window, 1},
      {"smpp", "enquire_link_s", &Config::smpp_enquire_link_s, 1},
      {"smpp", "max_pdu_size", &Config::smpp_max_pdu_size, 1024},
      {"smpp", "concat_timeout_ms", &Config::smpp_concat_timeout_ms, 100},
      {"smpp", "tls_listen", &Config::smpp_tls_listen},
      {"smpp", "tls_cert_file", &Config::smpp_tls_cert_file},
      {"smpp", "tls_key_file", &Config::smpp_tls_key_file},
      // Retention (docs/operations.md): 0 keeps message content forever.
      {"retention", "redact_after_days", &Config::retention_redact_after_days, 0},
  };
  return kKeys;
}

Error bad(const std::string& key, const std::string& why) {
  return Error::make("invalid_config", key + ": " + why, key);
}

std::string env_name(const std::string& section, const std::string& name) {
  std::string s = "SWITCHBOARD_" + section + "_" + name;
  for (auto& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

Result<void> set_from_toml(Config& c, const Key& k, const toml::node& n) {
  const std::string key = std::string(k.section) + "." + k.name;
  if (auto* s = std::get_if<std::string Config::*>(&k.field)) {
    if (!n.is_string()) return bad(key, "must be a string");
    c.*(*s) = *n.value<std::string>();
  } else if (auto* i = std::get_if<int64_t Config::*>(&k.field)) {
    if (!n.is_integer()) return bad(key, "must be an integer");
    const int64_t v = *n.value<int64_t>();
    if (v < k.min) return bad(key, "must be at least " + std::to_string(k.min));
    c.*(*i) = v;
  } else {
    if (!n.is_boolean()) return bad(key, "must be true or false");
    c.*std::get<bool Config::*>(k.field) = *n.value<bool>();
  }
  return Ok();
}

Result<void> set_from_env(Config& c, const Key& k, const std::string& name, const std::string& v) {
  if (auto* s = std::get_if<std::string Config::*>(&k.field)) {
    c.*(*s) = v;
  } else if (auto* i = std::get_if<int64_t Config::*>(&k.field)) {
    char* end = nullptr;
    const long long n = std::strtoll(v.c_str(), &end, 10);
    if (v.empty() || *end) return bad(name, "must be an integer");
    if (n < k.min) return bad(name, "must be at least " + std::to_string(k.min));
    c.*(*i) = n;
  } else {
    if (v != "true" && v != "false") return bad(name, "must be true or false");
    c.*std::get<bool Config::*>(k.field) = v == "true";
  }
  return Ok();
}

template <typename T>
Result<void> read_opt(const toml::table& t, const std::string& where, const char* name, T& out) {
  const toml::node* n = t.get(name);
  if (!n) return Ok();
  // toml++ converts a float to an integer type on request, out of range included (undefined
  // behaviour: 7e80 as an int64): an integer setting takes an integer only.
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
    if (!n->is_integer()) return bad(where + "." + name, "must be an integer");
  }
  if (auto v = n->value<T>()) {
    out = *v;
    return Ok();
  }
  return bad(where + "." + name, "has the wrong type");
}

// Expands a value that is exactly "${NAME}" from the process environment.
Result<std::string> expand_env(const std::string& where, const std::string& v) {
  if (v.size() < 4 || v.rfind("${", 0) != 0 || v.back() != '}') return v;
  const std::string name = v.substr(2, v.size() - 3);
  const char* value = std::getenv(name.c_str());
  if (!value) return bad(where, "environment variable " + name + " is not set");
  return std::string(value);
}

Result<void> parse_connectors(Config& c, const toml::node& node) {
  const auto* arr = node.as_array();
  if (!arr) return bad("connectors", "must be an array of tables ([[connectors]])");
  for (size_t i = 0; i < arr->size(); ++i) {
    std::string where = "connectors[" + std::to_string(i) + "]";
    const auto* t = arr->get(i)->as_table();
    if (!t) return bad(where, "must be a table");
    providers::ConnectorSettings cs;
    for (auto r :
         {read_opt(*t, where, "id", cs.id), read_opt(*t, where, "provider", cs.provider),
          read_opt(*t, where, "base_url", cs.base_url),
          read_opt(*t, where, "timeout_ms", cs.timeout_ms),
          read_opt(*t, where, "max_concurrency", cs.max_concurrency),
          read_opt(*t, where, "verify_webhooks", cs.verify_webhooks),
          read_opt(*t, where, "provider_handles_keywords", cs.provider_handles_keywords)}) {
      if (!r) return r;
    }
    if (cs.id.empty()) return bad(where + ".id", "is required");
    where = "connectors[" + cs.id + "]";
    if (cs.provider.empty()) return bad(where + ".provider", "is required");
    const providers::ProviderSpec* spec = providers::find_provider(cs.provider);
    if (!spec) return bad(where + ".provider", "unknown provider '" + cs.provider + "'");
    if (cs.timeout_ms < 100) return bad(where + ".timeout_ms", "must be at least 100");
    if (cs.max_concurrency < 1) return bad(where + ".max_concurrency", "must be at least 1");
    for (const auto& [k, v] : *t) {
      const std::string key(k.str());
      if (key == "id" || key == "provider" || key == "base_url" || key == "timeout_ms" ||
          key == "max_concurrency" || key == "verify_webhooks" ||
          key == "provider_handles_keywords") {
        continue;
      }
      if (!spec->takes(key)) {
        return bad(where + "." + key, "unknown key for provider " + cs.provider);
      }
      std::string value;
      if (auto sv = v.value<std::string>()) {
        auto expanded = expand_env(where + "." + key, *sv);
        if (!expanded) return expanded.error();
        value = *expanded;
      } else if (v.is_integer()) {  // asked first: value<int64_t>() converts floats (see read_opt)
        value = std::to_string(*v.value<int64_t>());
      } else if (auto bv = v.value<bool>()) {
        value = *bv ? "true" : "false";
      } else {
        return bad(where + "." + key, "must be a string, an integer or a boolean");
      }
      cs.values[key] = value;
    }
    for (const auto& k : spec->required) {
      if (cs.values.count(k) == 0 || cs.values[k].empty()) {
        return bad(where + "." + k, "is required for provider " + cs.provider);
      }
    }
    for (const auto& other : c.connectors) {
      if (other.id == cs.id) return bad(where + ".id", "duplicate connector id '" + cs.id + "'");
    }
    c.connectors.push_back(std::move(cs));
  }
  return Ok();
}

Result<void> parse_numbers(Config& c, const toml::node& node) {
  const auto* arr = node.as_array();
  if (!arr) return bad("numbers", "must be an array of tables ([[numbers]])");
  static const std::set<std::string> kKnown = {"number", "connector", "account",   "sms",
                                               "mms",    "type",      "throughput"};
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string where = "numbers[" + std::to_string(i) + "]";
    const auto* t = arr->get(i)->as_table();
    if (!t) return bad(where, "must be a table");
    for (const auto& [k, _] : *t) {
      if (!kKnown.count(std::string(k.str()))) {
        return bad(where + "." + std::string(k.str()), "unknown key");
      }
    }
    NumberConfig n;
    for (auto r :
         {read_opt(*t, where, "number", n.number), read_opt(*t, where, "connector", n.connector),
          read_opt(*t, where, "account", n.account), read_opt(*t, where, "sms", n.sms),
          read_opt(*t, where, "mms", n.mms), read_opt(*t, where, "type", n.type)}) {
      if (!r) return r;
    }
    if (const toml::node* tp = t->get("throughput")) {
      if (auto d = tp->value<double>()) {
        n.throughput = *d;
      } else {
        return bad(where + ".throughput", "must be a number (messages per second)");
      }
      if (n.throughput < 0) return bad(where + ".throughput", "must be >= 0 (0: unlimited)");
    }
    c.numbers.push_back(std::move(n));
  }
  return Ok();
}

// [[quiet_hours]]: one table per account rule or number override.
Result<void> parse_quiet_hours(Config& c, const toml::node& node) {
  const auto* arr = node.as_array();
  if (!arr) return bad("quiet_hours", "must be an array of tables ([[quiet_hours]])");
  static const std::set<std::string> kKnown = {"account", "number", "enabled",
                                               "start",   "end",    "timezone"};
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string where = "quiet_hours[" + std::to_string(i) + "]";
    const auto* t = arr->get(i)->as_table();
    if (!t) return bad(where, "must be a table");
    for (const auto& [k, _] : *t) {
      if (!kKnown.count(std::string(k.str()))) {
        return bad(where + "." + std::string(k.str()), "unknown key");
      }
    }
    QuietHoursConfig q;
    for (auto r :
         {read_opt(*t, where, "account", q.account), read_opt(*t, where, "number", q.number),
          read_opt(*t, where, "enabled", q.enabled), read_opt(*t, where, "start", q.start),
          read_opt(*t, where, "end", q.end), read_opt(*t, where, "timezone", q.timezone)}) {
      if (!r) return r;
    }
    if (!parse_clock_time(q.start)) return bad(where + ".start", "must be HH:MM (00:00-23:59)");
    if (!parse_clock_time(q.end)) return bad(where + ".end", "must be HH:MM (00:00-23:59)");
    if (!is_known_time_zone(q.timezone)) {
      return bad(where + ".timezone", "unknown time zone '" + q.timezone + "'");
    }
    c.quiet_hours.push_back(std::move(q));
  }
  return Ok();
}

namespace {
// "host:port" with a port 0-65535; the host may be empty (all addresses) unless `need_host`.
bool is_host_port(const std::string& v, bool need_host) {
  const auto colon = v.rfind(':');
  if (colon == std::string::npos || colon + 1 == v.size() || (need_host && colon == 0)) {
    return false;
  }
  char* end = nullptr;
  const long port = std::strtol(v.c_str() + colon + 1, &end, 10);
  return !*end && port >= 0 && port <= 65535;
}
}  // namespace

bool valid_account_name(const std::string& s) {
  if (s.empty() || s.size() > 64) return false;
  for (unsigned char ch : s) {
    if (!std::isalnum(ch) && ch != '-' && ch != '_' && ch != '.') return false;
  }
  return true;
}

// --- [compliance]: keyword lists and replies, table-driven like keys() ---

using LangField =
    std::variant<std::string KeywordLanguage::*, std::vector<std::string> KeywordLanguage::*>;
struct LangKey {
  const char* name;
  LangField field;
};

// Keys of one language: in [compliance], [[compliance.languages]], [[compliance.accounts]] and
// [[compliance.accounts.languages]].
const std::vector<LangKey>& lang_keys() {
  static const std::vector<LangKey> kKeys = {
      {"language", &KeywordLanguage::language},
      {"opt_out_keywords", &KeywordLanguage::opt_out},
      {"opt_in_keywords", &KeywordLanguage::opt_in},
      {"help_keywords", &KeywordLanguage::help},
      {"opt_out_reply", &KeywordLanguage::opt_out_reply},
      {"opt_in_reply", &KeywordLanguage::opt_in_reply},
      {"help_reply", &KeywordLanguage::help_reply},
  };
  return kKeys;
}

Result<void> set_lang_key(KeywordLanguage& l, const LangKey& k, const toml::node& n,
                          const std::string& key) {
  if (auto* s = std::get_if<std::string KeywordLanguage::*>(&k.field)) {
    if (!n.is_string()) return bad(key, "must be a string");
    std::string v = *n.value<std::string>();
    if (!utf8::is_valid(v)) return bad(key, "is not valid UTF-8");
    if (std::string_view(k.name) == "language" && (v.empty() || v.size() > 35)) {
      return bad(key, "must be a language tag such as \"en\" or \"fr-CA\"");
    }
    if (v.size() > 1600 * 4) return bad(key, "is too long for a message");
    l.*(*s) = std::move(v);
    return Ok();
  }
  const auto* arr = n.as_array();
  if (!arr) return bad(key, "must be an array of strings");
  std::vector<std::string> words;
  for (const auto& item : *arr) {
    auto v = item.value<std::string>();
    if (!v || v->empty() || v->size() > 64 || !utf8::is_valid(*v)) {
      return bad(key, "must hold non-empty keyword strings of at most 64 bytes");
    }
    words.push_back(*v);
  }
  l.*std::get<std::vector<std::string> KeywordLanguage::*>(k.field) = std::move(words);
  return Ok();
}

// Reads one compliance table onto `p` (which holds the inherited values). `where` names it in
// errors; `override_keys` are also accepted (account, number).
Result<void> parse_profile(ComplianceProfile& p, const toml::table& t, const std::string& where,
                           const std::set<std::string>& override_keys) {
  for (const auto& [kk, n] : t) {
    const std::string name(kk.str());
    const std::string key = where + "." + name;
    if (override_keys.count(name)) continue;
    if (name == "enabled") {
      if (!n.is_boolean()) return bad(key, "must be true or false");
      p.enabled = *n.value<bool>();
      continue;
    }
    if (name == "opt_out_scope") {
      auto v = n.value<std::string>();
      if (!n.is_string() || (*v != "account" && *v != "number")) {
        return bad(key, "must be \"account\" or \"number\"");
      }
      p.opt_out_scope = *v;
      continue;
    }
    if (name == "languages") {
      const auto* arr = n.as_array();
      if (!arr) return bad(key, "must be an array of tables ([[...languages]])");
      p.languages.resize(1);  // an override's list replaces the inherited extra languages
      for (size_t i = 0; i < arr->size(); ++i) {
        const std::string lw = key + "[" + std::to_string(i) + "]";
        const auto* lt = arr->get(i)->as_table();
        if (!lt) return bad(lw, "must be a table");
        KeywordLanguage lang;
        lang.opt_out_reply.clear();
        for (const auto& [lk, ln] : *lt) {
          const std::string lname(lk.str());
          const LangKey* found = nullptr;
          for (const auto& k : lang_keys()) {
            if (lname == k.name) found = &k;
          }
          if (!found) return bad(lw + "." + lname, "unknown key");
          if (auto r = set_lang_key(lang, *found, ln, lw + "." + lname); !r) return r;
        }
        if (!lt->get("language")) return bad(lw + ".language", "is required");
        p.languages.push_back(std::move(lang));
      }
      continue;
    }
    const LangKey* found = nullptr;
    for (const auto& k : lang_keys()) {
      if (name == k.name) found = &k;
    }
    if (!found) return bad(key, "unknown key");
    if (auto r = set_lang_key(p.languages.front(), *found, n, key); !r) return r;
  }
  return Ok();
}

Result<void> parse_compliance(Config& c, const toml::node& node) {
  const auto* t = node.as_table();
  if (!t) return bad("compliance", "must be a table");
  if (auto r = parse_profile(c.compliance, *t, "compliance", {"accounts"}); !r) return r;
  const toml::node* accounts = t->get("accounts");
  if (!accounts) return Ok();
  const auto* arr = accounts->as_array();
  if (!arr)
    return bad("compliance.accounts", "must be an array of tables ([[compliance.accounts]])");
  // Account overrides first (they inherit [compliance]); number overrides then inherit their
  // account's override when there is one (resolved in validate, once numbers are known).
  for (size_t i = 0; i < arr->size(); ++i) {
    const std::string where = "compliance.accounts[" + std::to_string(i) + "]";
    const auto* ot = arr->get(i)->as_table();
    if (!ot) return bad(where, "must be a table");
    ComplianceOverride o;
    if (auto r = read_opt(*ot, where, "account", o.account); !r) return r;
    if (auto r = read_opt(*ot, where, "number", o.number); !r) return r;
    if (o.account.empty() && o.number.empty()) {
      return bad(where + ".account", "an override needs an account, a number or both");
    }
    c.compliance_overrides.push_back(std::move(o));
  }
  return Ok();
}

// Second pass, after [[numbers]] are normalized: fills in accounts, checks numbers and builds
// each override's complete profile (defaults < account override < number override).
Result<void> resolve_compliance(Config& c, const toml::table* compliance_table) {
  const toml::array* arr = nullptr;
  if (compliance_table) {
    if (const toml::node* n = compliance_table->get("accounts")) arr = n->as_array();
  }
  if (!arr) return Ok();
  std::map<std::string, ComplianceProfile> by_account;
  std::set<std::string> seen;
  for (int pass = 0; pass < 2; ++pass) {
    for (size_t i = 0; i < c.compliance_overrides.size(); ++i) {
      auto& o = c.compliance_overrides[i];
      const std::string where = "compliance.accounts[" + std::to_string(i) + "]";
      if ((pass == 0) != o.number.empty()) continue;
      if (!o.number.empty()) {
        const NumberConfig* found = nullptr;
        auto parsed = parse_phone(o.number, c.default_region, where + ".number");
        for (const auto& n : c.numbers) {
          if (n.number == o.number || (parsed && n.number == parsed->e164)) found = &n;
        }
        if (!found) return bad(where + ".number", "is not one of the [[numbers]]");
        o.number = found->number;
        if (o.account.empty()) o.account = found->account;
        if (o.account != found->account) {
          return bad(where + ".account",
                     "number " + o.number + " belongs to account " + found->account);
        }
      } else if (!valid_account_name(o.account)) {
        return bad(where + ".account", "account names are 1-64 of [A-Za-z0-9._-]");
      }
      if (!seen.insert(o.account + "\n" + o.number).second) {
        return bad(where, "a second override for the same account/number");
      }
      auto base = by_account.find(o.account);
      o.profile = base != by_account.end() ? base->second : c.compliance;
      if (auto r = parse_profile(o.profile, *arr->get(i)->as_table(), where, {"account", "number"});
          !r) {
        return r;
      }
      if (o.number.empty()) by_account[o.account] = o.profile;
    }
  }
  return Ok();
}

// The list-valued keys (arrays of strings in TOML, comma-separated in the environment).
std::vector<std::string>* list_key(Config& c, const std::string& section, const std::string& name) {
  if (section == "media" && name == "fetch_allow") return &c.media_fetch_allow;
  if (section == "media" && name == "allowed_types") return &c.media_allowed_types;
  if (section == "network" && name == "outbound_allow") return &c.network_outbound_allow;
  return nullptr;
}

// [media] fetch_allow / allowed_types, [network] outbound_allow: arrays of strings.
Result<void> read_list(Config& c, const std::string& section, const std::string& name,
                       const toml::node& n) {
  const std::string key = section + "." + name;
  const auto* arr = n.as_array();
  if (!arr) return bad(key, "must be an array of strings");
  auto& out = *list_key(c, section, name);
  out.clear();
  for (size_t i = 0; i < arr->size(); ++i) {
    auto v = arr->get(i)->value<std::string>();
    if (!v) return bad(key + "[" + std::to_string(i) + "]", "must be a string");
    out.push_back(*v);
  }
  return Ok();
}

// [media]: the allow-list parses, allowed types look like MIME types or "major/*".
Result<void> validate_media(const Config& c) {
  if (auto r = providers::parse_allow_list(c.media_fetch_allow); !r) {
    return Error::make("invalid_config", r.error().message, r.error().field);
  }
  if (auto r = providers::parse_allow_list(c.network_outbound_allow, "network.outbound_allow");
      !r) {
    return Error::make("invalid_config", r.error().message, r.error().field);
  }
  for (size_t i = 0; i < c.media_allowed_types.size(); ++i) {
    const auto& t = c.media_allowed_types[i];
    const auto slash = t.find('/');
    if (slash == std::string::npos || slash == 0 || slash + 1 == t.size() ||
        t.find_first_of(" ;,") != std::string::npos) {
      return bad("media.allowed_types[" + std::to_string(i) + "]",
                 "must be a MIME type such as image/png or image/*");
    }
  }
  if (c.media_url_ttl_s > c.media_max_url_ttl_s) {
    return bad("media.url_ttl_seconds", "must be at most media.max_url_ttl_seconds");
  }
  if (c.media_dir.empty()) return bad("media.dir", "must not be empty");
  return Ok();
}

Result<void> validate(Config& c) {
  if (auto r = validate_media(c); !r) return r;
  if (c.listen.rfind(':') == std::string::npos) return bad("server.listen", "must be host:port");
  const std::string port = c.listen.substr(c.listen.rfind(':') + 1);
  char* end = nullptr;
  const long p = std::strtol(port.c_str(), &end, 10);
  if (port.empty() || *end || p < 0 || p > 65535) return bad("server.listen", "bad port");
  if (c.public_url.empty()) c.public_url = "http://" + c.listen;
  if (c.public_url.rfind("http://", 0) != 0 && c.public_url.rfind("https://", 0) != 0) {
    return bad("server.public_url", "must be an http:// or https:// URL");
  }
  if (!is_supported_region(c.default_region)) {
    return bad("messages.default_region", "unknown region '" + c.default_region + "'");
  }
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "off"};
  if (!kLevels.count(c.log_level)) return bad("log.level", "must be one of trace..off");
  if (c.log_format != "text" && c.log_format != "json") {
    return bad("log.format", "must be \"text\" or \"json\"");
  }
  if (!c.metrics_listen.empty() && !is_host_port(c.metrics_listen, false)) {
    return bad("metrics.listen", "must be host:port");
  }
  if (!c.smpp_listen.empty() && !is_host_port(c.smpp_listen, true)) {
    return bad("smpp.listen", "must be host:port");
  }
  if (!c.smpp_tls_listen.empty()) {
    if (!is_host_port(c.smpp_tls_listen, true)) return bad("smpp.tls_listen", "must be host:port");
    if (c.smpp_tls_cert_file.empty()) {
      return bad("smpp.tls_cert_file", "is required with tls_listen (a PEM certificate chain)");
    }
    if (c.smpp_tls_key_file.empty()) {
      return bad("smpp.tls_key_file", "is required with tls_listen (a PEM private key)");
    }
  }
  if (c.smpp_max_pdu_size > 16 * 1024 * 1024) {
    return bad("smpp.max_pdu_size", "must be at most 16777216");
  }
  if (!valid_account_name(c.bootstrap_account)) {
    return bad("accounts.bootstrap", "account names are 1-64 of [A-Za-z0-9._-]");
  }

  if (c.connectors.empty()) {
    providers::ConnectorSettings sim;
    sim.id = "sim";
    sim.provider = "sim";
    c.connectors.push_back(std::move(sim));
  }
  if (c.numbers.empty()) {
    for (const char* n : {"+12025550100", "+12025550101", "+12025550102"}) {
      c.numbers.push_back(
          {n, c.connectors.front().id, c.bootstrap_account, true, true, "long_code"});
    }
  }
  if (c.max_schedule_ahead_s < c.min_schedule_ahead_s) {
    return bad("messages.max_schedule_ahead_s", "must be at least messages.min_schedule_ahead_s");
  }
  if (c.verification_max_ttl_s < c.verification_min_ttl_s) {
    return bad("verifications.max_ttl_seconds", "must be at least verifications.min_ttl_seconds");
  }
  std::set<std::string> seen;
  for (size_t i = 0; i < c.numbers.size(); ++i) {
    auto& n = c.numbers[i];
    const std::string where = "numbers[" + std::to_string(i) + "]";
    if (n.type != "long_code" && n.type != "toll_free" && n.type != "short_code") {
      return bad(where + ".type", "must be long_code, toll_free or short_code");
    }
    if (n.type == "short_code") {
      const bool digits = n.number.size() >= 3 && n.number.size() <= 8 &&
                          n.number.find_first_not_of("0123456789") == std::string::npos;
      if (!digits) return bad(where + ".number", "a short code is 3-8 digits");
    } else {
      auto parsed = parse_phone(n.number, c.default_region, where + ".number");
      if (!parsed) return bad(where + ".number", parsed.error().message);
      n.number = parsed->e164;
    }
    if (!seen.insert(n.number).second) {
      return bad(where + ".number", "number " + n.number + " is listed twice");
    }
    if (!valid_account_name(n.account)) {
      return bad(where + ".account", "account names are 1-64 of [A-Za-z0-9._-]");
    }
    if (n.connector.empty()) n.connector = c.connectors.front().id;
    bool found = false;
    for (const auto& cc : c.connectors) found |= cc.id == n.connector;
    if (!found) return bad(where + ".connector", "no connector with id '" + n.connector + "'");
    if (!n.sms && !n.mms) return bad(where, "a number needs sms or mms capability");
    // Carrier defaults by number type (core/number_types.h, shared with imported numbers).
    if (n.throughput < 0) {
      n.throughput =
          default_throughput(n.type, c.provider_of(n.connector)->capabilities.carrier_throughput);
    }
  }
  // Quiet-hours number overrides name sending numbers as configured in [[numbers]].
  for (size_t i = 0; i < c.quiet_hours.size(); ++i) {
    auto& q = c.quiet_hours[i];
    if (q.number.empty()) continue;
    const std::string where = "quiet_hours[" + std::to_string(i) + "].number";
    auto parsed = parse_phone(q.number, c.default_region, where);
    if (parsed) q.number = parsed->e164;
    if (!seen.count(q.number)) return bad(where, "is not a number in [[numbers]]");
  }
  return Ok();
}

}  // namespace

const providers::ProviderSpec* Config::provider_of(const std::string& connector_id) const {
  for (const auto& c : connectors) {
    if (c.id == connector_id) return providers::find_provider(c.provider);
  }
  return nullptr;
}

double NumberConfig::effective_throughput() const { return throughput; }

std::string Config::listen_host() const { return listen.substr(0, listen.rfind(':')); }
unsigned short Config::listen_port() const {
  return static_cast<unsigned short>(std::stoi(listen.substr(listen.rfind(':') + 1)));
}

std::map<std::string, std::string> switchboard_env() {
  std::map<std::string, std::string> out;
  for (char** e = environ; e && *e; ++e) {
    std::string_view kv(*e);
    if (kv.rfind("SWITCHBOARD_", 0) != 0) continue;
    const auto eq = kv.find('=');
    if (eq == std::string_view::npos) continue;
    out.emplace(std::string(kv.substr(0, eq)), std::string(kv.substr(eq + 1)));
  }
  return out;
}

namespace {

Error syntax_error(const std::string& source, const toml::parse_error& e) {
  return Error::make("invalid_config", source + ":" + std::to_string(e.source().begin.line) + ": " +
                                           std::string(e.description()));
}

// The configuration a parsed file (`root`, empty for the embedded defaults) and the environment
// give, validated.
Result<Config> config_from(const toml::table& root, const std::map<std::string, std::string>& env) {
  Config c;
  const toml::table* compliance_table = nullptr;
  for (const auto& [sk, node] : root) {
    const std::string section(sk.str());
    if (section == "connectors") {
      if (auto r = parse_connectors(c, node); !r) return r.error();
      continue;
    }
    if (section == "numbers") {
      if (auto r = parse_numbers(c, node); !r) return r.error();
      continue;
    }
    if (section == "quiet_hours") {
      if (auto r = parse_quiet_hours(c, node); !r) return r.error();
      continue;
    }
    if (section == "compliance") {
      if (auto r = parse_compliance(c, node); !r) return r.error();
      compliance_table = node.as_table();
      continue;
    }
    const auto* table = node.as_table();
    if (section == "network" && table) {
      for (const auto& [kk, value] : *table) {
        const std::string name(kk.str());
        if (!list_key(c, section, name)) return bad(section + "." + name, "unknown key");
        if (auto r = read_list(c, section, name, value); !r) return r.error();
      }
      continue;
    }
    bool known_section = false;
    for (const auto& k : keys()) known_section |= section == k.section;
    if (!known_section || !table) return bad(section, "unknown section");
    for (const auto& [kk, value] : *table) {
      const std::string name(kk.str());
      if (list_key(c, section, name)) {
        if (auto r = read_list(c, section, name, value); !r) return r.error();
        continue;
      }
      const Key* key = nullptr;
      for (const auto& k : keys()) {
        if (section == k.section && name == k.name) key = &k;
      }
      if (!key) return bad(section + "." + name, "unknown key");
      if (auto r = set_from_toml(c, *key, value); !r) return r.error();
    }
  }
  for (const auto& k : keys()) {
    const std::string name = env_name(k.section, k.name);
    if (auto it = env.find(name); it != env.end()) {
      if (auto r = set_from_env(c, k, name, it->second); !r) return r.error();
    }
  }
  // List keys from the environment: comma-separated.
  for (const auto& [section, name] : {std::pair<std::string, std::string>{"media", "fetch_allow"},
                                      {"media", "allowed_types"},
                                      {"network", "outbound_allow"}}) {
    if (auto it = env.find(env_name(section, name)); it != env.end()) {
      auto& out = *list_key(c, section, name);
      out.clear();
      std::string item;
      for (size_t i = 0; i <= it->second.size(); ++i) {
        if (i == it->second.size() || it->second[i] == ',') {
          if (!item.empty()) out.push_back(item);
          item.clear();
        } else if (it->second[i] != ' ') {
          item.push_back(it->second[i]);
        }
      }
    }
  }
  if (auto r = validate(c); !r) return r.error();
  if (auto r = resolve_compliance(c, compliance_table); !r) return r.error();
  return c;
}

}  // namespace

Result<Config> load_config(const std::string& path, const std::map<std::string, std::string>& env) {
  if (path.empty()) return config_from(toml::table{}, env);
  toml::table root;
  try {
    root = toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    return syntax_error(path, e);
  }
  return config_from(root, env);
}

Result<Config> load_config_text(std::string_view text, const std::string& source,
                                const std::map<std::string, std::string>& env) {
  toml::table root;
  try {
    root = toml::parse(text, std::string_view(source));
  } catch (const toml::parse_error& e) {
    return syntax_error(source, e);
  }
  return config_from(root, env);
}

}  // namespace sb::app
