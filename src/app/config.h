// switchboard.toml: every key optional, unknown keys rejected, SWITCHBOARD_* env overrides.
// docs/configuration.md documents each key; keep the two in step.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/keywords.h"
#include "core/result.h"
#include "providers/registry.h"

namespace sb::app {

struct NumberConfig {
  std::string number;
  std::string connector;
  std::string account = "default";
  bool sms = true;
  bool mms = true;
  std::string type = "long_code";
  // Messages per second from this number; < 0: the default for its type (long_code 1,
  // toll_free 3, short_code 100; unlimited on the simulated carrier); 0: unlimited.
  double throughput = -1;
  // The limit in force after defaults are applied (0: unlimited).
  double effective_throughput() const;
};

// One [[quiet_hours]] entry: account-wide, or (number set) an override for one sending number.
struct QuietHoursConfig {
  std::string account = "default";
  std::string number;  // empty: the whole account
  bool enabled = true;
  std::string start = "21:00";
  std::string end = "08:00";
  std::string timezone = "UTC";  // when the recipient's number maps to no zone
};

// [[compliance.accounts]]: the compliance profile of one account, or of one of its numbers.
struct ComplianceOverride {
  std::string account;  // "" when only `number` was given (filled in from [[numbers]])
  std::string number;   // "" : the whole account
  ComplianceProfile profile;
};

struct Config {
  // [server]
  std::string listen = "127.0.0.1:8080";
  std::string public_url;  // default: http://<listen>
  int64_t io_threads = 2;
  int64_t handler_threads = 8;
  int64_t max_body_bytes = 1 << 20;
  int64_t max_header_bytes = 16 << 10;
  int64_t read_timeout_ms = 30'000;
  int64_t write_timeout_ms = 30'000;
  int64_t shutdown_grace_ms = 10'000;
  // [database]
  std::string database_url = "sqlite://var/switchboard.db";
  // [messages]
  std::string default_region = "US";
  // [accounts]
  std::string bootstrap_account = "default";
  bool print_first_key = true;
  // [dispatcher]
  int64_t dispatcher_workers = 4;
  int64_t dispatcher_batch_size = 64;
  int64_t lease_ms = 60'000;
  int64_t poll_interval_ms = 500;
  int64_t max_attempts = 10;
  int64_t retry_base_ms = 1'000;
  int64_t retry_max_ms = 300'000;
  int64_t send_threads = 64;
  int64_t circuit_failure_threshold = 5;
  int64_t circuit_open_ms = 10'000;
  int64_t reconcile_interval_ms = 60'000;
  int64_t reconcile_after_ms = 600'000;
  bool health_check_at_start = true;
  // [callbacks]
  int64_t callback_workers = 4;
  int64_t callback_timeout_ms = 10'000;
  int64_t callback_max_age_ms = 86'400'000;
  int64_t callback_retry_base_ms = 5'000;
  int64_t callback_retry_max_ms = 3'600'000;
  // [webhooks]
  int64_t mms_timeout_ms = 5'000;
  int64_t mms_settle_ms = 500;
  int64_t sms_parts_timeout_ms = 60'000;  // a concatenated SMS's parts wait this long for the rest
  int64_t webhook_retention_days = 30;
  // [log]
  std::string log_level = "info";
  std::string log_format = "text";  // text | json (docs/operations.md#logs)
  // [metrics] (docs/operations.md#metrics)
  bool metrics_enabled = true;
  std::string metrics_listen;  // host:port of a dedicated metrics listener; empty: none
  std::string metrics_token;   // Bearer token for non-loopback scrapers; empty: none
  // Scheduling, quiet hours, verifications (docs/scheduling.md).
  // [messages]
  int64_t min_schedule_ahead_s = 60;
  int64_t max_schedule_ahead_s = 35 * 86'400;
  std::string phone_timezones;  // empty: data/phone-timezones.txt when it exists
  // [verifications]
  int64_t verification_sends_per_hour = 5;
  int64_t verification_max_checks = 5;
  int64_t verification_min_ttl_s = 60;
  int64_t verification_max_ttl_s = 86'400;
  std::vector<QuietHoursConfig> quiet_hours;

  // [compliance] (defaults) and [[compliance.accounts]] (per account / per number); the
  // overrides' profiles are complete (inherited keys filled in) after load_config.
  ComplianceProfile compliance = ComplianceProfile::defaults();
  std::vector<ComplianceOverride> compliance_overrides;

  // [batches] (docs/batches.md)
  int64_t batch_max_upload_bytes = int64_t{1} << 30;  // a CSV upload's cap (413 above it)
  int64_t batch_max_rows = 5'000'000;
  int64_t batch_lease_ms = 30'000;  // a materialising runner's hold on its batch
  std::string batch_spool_dir;      // where uploads are spooled ("" : the system's temp directory)
  // [media]: inbound media re-hosting and the SSRF guard (docs/media.md).
  bool media_enabled = true;
  std::string media_dir = "var/media";
  int64_t media_max_bytes = 5 * 1024 * 1024;
  std::vector<std::string> media_fetch_allow;  // ADDRESS[/PREFIX][:PORT] entries
  // [network] outbound_allow: addresses beyond the public ones the gateway may call on someone's
  // behalf (apps' callbacks and forwards, media fetches); same entry syntax.
  std::vector<std::string> network_outbound_allow;
  std::vector<std::string> media_allowed_types;  // empty: the default list
  int64_t media_max_attempts = 5;
  int64_t media_retry_base_ms = 2'000;
  int64_t media_retry_max_ms = 300'000;
  int64_t media_connect_timeout_ms = 5'000;
  int64_t media_fetch_timeout_ms = 30'000;
  int64_t media_max_redirects = 5;
  int64_t media_workers = 2;
  int64_t media_url_ttl_s = 3'600;
  int64_t media_max_url_ttl_s = 7 * 86'400;
  // The live event stream (docs/events.md).
  int64_t events_queue_limit = 1'000;
  int64_t events_gap_timeout_ms = 5'000;
  int64_t events_poll_ms = 100;
  // The console's sessions (docs/console.md).
  int64_t console_session_idle_min = 12 * 60;
  int64_t console_session_max_h = 7 * 24;
  // [smpp]: the SMPP server, where apps bind as ESMEs (docs/configuration.md). Off unless listen
  // is set.
  std::string smpp_listen;                  // HOST:PORT; "" : no SMPP server
  int64_t smpp_bind_throughput = 500;       // submits per second per bind; 0: unlimited
  int64_t smpp_window = 10;                 // deliver_sm awaiting their resp, per bind
  int64_t smpp_enquire_link_s = 30;         // idle keep-alive; a bind silent 3x this is closed
  int64_t smpp_max_pdu_size = 65536;        // a longer command_length closes the session
  std::string smpp_tls_listen;              // HOST:PORT for SMPP over TLS; "" : none
  std::string smpp_tls_cert_file;           // PEM certificate chain (with tls_listen)
  std::string smpp_tls_key_file;            // PEM private key (with tls_listen)
  int64_t smpp_concat_timeout_ms = 10'000;  // an incomplete concatenated submit is stored after
  // Message bodies and media redacted after this many days (0: kept).
  int64_t retention_redact_after_days = 0;

  std::vector<providers::ConnectorSettings> connectors;
  std::vector<NumberConfig> numbers;
  // The spec of connector `connector_id`'s provider; nullptr when there is no such connector.
  const providers::ProviderSpec* provider_of(const std::string& connector_id) const;

  std::string listen_host() const;
  unsigned short listen_port() const;
};

// Loads `path` (or the embedded defaults when path is empty), applies environment overrides
// from `env` (name -> value), validates. Errors name the offending key.
Result<Config> load_config(const std::string& path, const std::map<std::string, std::string>& env);
// The same for the text of a configuration file; `source` names it in errors ("<source>:<line>").
Result<Config> load_config_text(std::string_view text, const std::string& source,
                                const std::map<std::string, std::string>& env);

// The process environment's SWITCHBOARD_* variables.
std::map<std::string, std::string> switchboard_env();

}  // namespace sb::app
