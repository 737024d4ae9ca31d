// switchboard: the command-line entry point (serve, keys, migrate, signing-secret, tools, ...).
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <filesystem>
#include <iostream>

#include "app/app.h"
#include "app/config.h"
#include "app/log_format.h"
#include "app/numbers_cli.h"
#include "app/opt_outs_cli.h"
#include "app/sim_cli.h"
#include "app/tools_cli.h"

namespace {

// --config, else $SWITCHBOARD_CONFIG, else ./switchboard.toml if present, else embedded defaults.
std::string config_path(const std::string& flag) {
  if (!flag.empty()) return flag;
  if (const char* env = std::getenv("SWITCHBOARD_CONFIG"); env && *env) return env;
  if (std::filesystem::exists("switchboard.toml")) return "switchboard.toml";
  return {};
}

void setup_logging(const std::string& level, const std::string& format) {
  auto logger = spdlog::stderr_logger_mt("switchboard");
  logger->set_formatter(sb::app::make_log_formatter(format));
  logger->set_level(spdlog::level::from_str(level));
  spdlog::set_default_logger(logger);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App cli{"Switchboard: self-hosted SMS/MMS gateway"};
  cli.set_version_flag("--version", std::string("switchboard ") + SWITCHBOARD_VERSION);
  cli.require_subcommand(1);
  std::string config_flag;

  auto* serve = cli.add_subcommand("serve", "Run the gateway");
  serve->add_option("--config", config_flag, "Path to switchboard.toml");
  bool print_routes = false;
  serve->add_flag("--print-routes", print_routes, "Print the HTTP routes and exit");

  auto* keys = cli.add_subcommand("keys", "Create, list and revoke API keys (docs/api.md)");
  keys->require_subcommand(1);
  sb::app::KeysCommand keys_cmd;
  auto* keys_create = keys->add_subcommand("create", "Create an API key (and the account if new)");
  keys_create->add_option("--name", keys_cmd.name, "What the key is for");
  keys_create
      ->add_option("--scopes", keys_cmd.scopes,
                   "Comma-separated: messages:send, messages:read, conversations, numbers, "
                   "compliance, admin (default admin)")
      ->delimiter(',');
  auto* expires_at = keys_create->add_option("--expires-at", keys_cmd.expires_at,
                                             "Expiry time (RFC 3339)");
  keys_create->add_option("--expires-in-days", keys_cmd.expires_in_days, "Expiry in days")
      ->excludes(expires_at);
  keys_create->add_option("--rate-limit", keys_cmd.rate_limit,
                          "Requests per second per instance (default 0: unlimited)");
  auto* keys_list = keys->add_subcommand("list", "List the account's keys (never a secret)");
  auto* keys_revoke = keys->add_subcommand("revoke", "Revoke a key: refused within a second");
  keys_revoke->add_option("key", keys_cmd.key, "The key's id, listed prefix, or the key itself")
      ->required();
  for (auto* sub : {keys_create, keys_list, keys_revoke}) {
    sub->add_option("--account", keys_cmd.account, "Account name")->capture_default_str();
    sub->add_option("--config", config_flag, "Path to switchboard.toml");
  }
  for (auto* sub : {keys_create, keys_list}) {
    sub->add_flag("--json", keys_cmd.json, "Print JSON (one object a line)");
  }

  auto* migrate = cli.add_subcommand("migrate", "Apply database migrations and exit");
  migrate->add_option("--config", config_flag, "Path to switchboard.toml");

  auto* backup = cli.add_subcommand(
      "backup", "Copy the running gateway's SQLite database to a file (consistent, online)");
  std::string backup_to;
  backup->add_option("--to", backup_to, "The copy's path (replaced only once it is complete)")
      ->required();
  backup->add_option("--config", config_flag, "Path to switchboard.toml");

  std::string account;
  auto* opt_outs = cli.add_subcommand("opt-outs", "Import or export an account's opt-outs (CSV)");
  opt_outs->require_subcommand(1);
  std::string opt_outs_file;
  auto* opt_outs_import = opt_outs->add_subcommand(
      "import", "Record opt-outs from CSV: number,scope,our_number,source,created_at");
  auto* opt_outs_export = opt_outs->add_subcommand("export", "Write the opt-outs as CSV");
  for (auto* sub : {opt_outs_import, opt_outs_export}) {
    sub->add_option("--account", account, "Account name")->required();
    sub->add_option("--config", config_flag, "Path to switchboard.toml");
    sub->add_option("--file", opt_outs_file, "CSV file (default: stdin / stdout)");
  }

  // Forwarding: the account's webhook signing secret.
  auto* signing = cli.add_subcommand("signing-secret",
                                     "Print (or --rotate) an account's webhook signing secret");
  bool signing_rotate = false;
  signing->add_option("--account", account, "Account name")->required();
  signing->add_option("--config", config_flag, "Path to switchboard.toml");
  signing->add_flag("--rotate", signing_rotate, "Replace the secret with a new one first");
  // The Twilio-compatible API's credentials.
  auto* twilio = cli.add_subcommand(
      "twilio-credentials",
      "Print an account's Twilio-compatible account SID and auth token (created on first use)");
  sb::app::TwilioCredentialsCommand twilio_cmd;
  twilio->add_option("--account", account, "Account name")->required();
  twilio->add_option("--config", config_flag, "Path to switchboard.toml");
  auto* rotate_flag = twilio->add_flag(
      "--rotate", twilio_cmd.rotate, "New auth token; the old one stays accepted until dropped");
  auto* drop_flag =
      twilio->add_flag("--drop-previous", twilio_cmd.drop_previous,
                       "Stop accepting the token a rotation replaced")
          ->excludes(rotate_flag);
  twilio->add_flag("--json", twilio_cmd.json,
                   R"(Print JSON: {"account_sid", "auth_token"}, or the key(s))");
  auto* create_key_opt =
      twilio->add_option("--create-key", twilio_cmd.create_key,
                         "Create an API key (SK…) with this friendly name; prints its secret once")
          ->excludes(rotate_flag)
          ->excludes(drop_flag);
  auto* list_keys_flag = twilio->add_flag("--list-keys", twilio_cmd.list_keys,
                                          "List the account's API keys (never their secrets)")
                             ->excludes(rotate_flag)
                             ->excludes(drop_flag)
                             ->excludes(create_key_opt);
  twilio->add_option("--delete-key", twilio_cmd.delete_key, "Delete the API key with this SID")
      ->excludes(rotate_flag)
      ->excludes(drop_flag)
      ->excludes(create_key_opt)
      ->excludes(list_keys_flag);
  // The SMPP server's credentials.
  auto* smpp_creds = cli.add_subcommand(
      "smpp-credentials",
      "Print an account's SMPP system_id, with a password when made or --rotate'd (docs/smpp.md)");
  bool smpp_rotate = false;
  bool smpp_json = false;
  smpp_creds->add_option("--account", account, "Account name")->required();
  smpp_creds->add_option("--config", config_flag, "Path to switchboard.toml");
  smpp_creds->add_flag("--rotate", smpp_rotate,
                       "A new password; binds with the old one are refused from then on");
  smpp_creds->add_flag("--json", smpp_json,
                       R"(Print JSON: {"system_id", "password"} (password null unless new))");
  // --- numbers: list, import from a provider account, sync provider webhooks ---
  auto* numbers = cli.add_subcommand("numbers", "List, import and configure sending numbers");
  numbers->require_subcommand(1);
  std::string numbers_connector;
  std::string numbers_account;
  std::string numbers_number;
  bool numbers_dry_run = false;
  auto* numbers_list = numbers->add_subcommand("list", "Print the numbers as JSON lines");
  numbers_list->add_option("--account", numbers_account, "Only this account's numbers");
  auto* numbers_import =
      numbers->add_subcommand("import", "Add the numbers a connector's provider account owns");
  numbers_import->add_option("--connector", numbers_connector, "Connector id")->required();
  numbers_import->add_option("--account", numbers_account,
                             "Account to add them to (default: accounts.bootstrap_account)");
  numbers_import->add_flag("--dry-run", numbers_dry_run, "Show what would be added; change nothing");
  auto* numbers_sync = numbers->add_subcommand(
      "sync", "Point the numbers' provider-side webhooks at this gateway");
  numbers_sync->add_option("--number", numbers_number, "Only this number");
  for (auto* sub : {numbers_list, numbers_import, numbers_sync}) {
    sub->add_option("--config", config_flag, "Path to switchboard.toml");
  }
  // --- users: the console's people ---
  auto* users = cli.add_subcommand("users", "The console's users (docs/console.md)");
  users->require_subcommand(1);
  sb::app::UsersCommand users_cmd;
  auto* users_create = users->add_subcommand("create", "Create a console user");
  users_create->add_option("--account", users_cmd.account, "Account name")->required();
  users_create->add_option("--email", users_cmd.email, "Sign-in email")->required();
  users_create->add_option("--role", users_cmd.role, "admin or agent")
      ->check(CLI::IsMember({"admin", "agent"}));
  auto* users_list = users->add_subcommand("list", "List the users (never a password)");
  users_list->add_option("--account", users_cmd.account, "Only this account's");
  users_list->add_flag("--json", users_cmd.json, "One JSON object per line");
  auto* users_disable = users->add_subcommand("disable", "Disable a user (its sessions end)");
  auto* users_enable = users->add_subcommand("enable", "Enable a disabled user");
  auto* users_reset = users->add_subcommand(
      "reset-password", "Set a new password (its sessions end)");
  for (auto* sub : {users_disable, users_enable, users_reset}) {
    sub->add_option("--email", users_cmd.email, "The user's email")->required();
  }
  for (auto* sub : {users_create, users_reset}) {
    sub->add_flag("--password-stdin", users_cmd.password_stdin,
                  "Read the password from stdin (else one is generated and printed once)");
  }
  for (auto* sub : {users_create, users_list, users_disable, users_enable, users_reset}) {
    sub->add_option("--config", config_flag, "Path to switchboard.toml");
  }
  // --- sim inbound: the simulated carrier texts one of our numbers, through a running gateway ---
  auto* sim = cli.add_subcommand("sim", "The simulated carrier");
  sim->require_subcommand(1);
  sb::app::SimInboundArgs sim_args;
  auto* sim_inbound = sim->add_subcommand(
      "inbound", "Deliver an inbound message to one of your sim numbers (POST /v1/sim/inbound)");
  sim_inbound->add_option("--from", sim_args.from, "The sender")->required();
  sim_inbound->add_option("--to", sim_args.to, "One of your numbers on a sim connector")->required();
  sim_inbound->add_option("--body", sim_args.body, "The text");
  sim_inbound->add_option("--media-url", sim_args.media_urls, "A media URL (repeatable)");
  sim_inbound->add_option("--url", sim_args.url,
                          "The gateway (default: http:// and [server] listen of the config)");
  sim_inbound->add_option("--key", sim_args.key,
                          "An API key of the number's account (default: $SWITCHBOARD_API_KEY)");
  sim_inbound->add_option("--config", config_flag, "Path to switchboard.toml");

  sb::app::SegmentsArgs segments_args;
  auto* segments = cli.add_subcommand("segments", "Show how a message body is encoded and split");
  segments->add_flag("--json", segments_args.json, "Print the POST /v1/segments JSON object");
  segments->add_flag("--smart", segments_args.smart, "Apply smart encoding first");
  segments
      ->add_option("TEXT", segments_args.text,
                   "Message body, or - for one JSON request per line on stdin")
      ->required();

  sb::app::PhoneArgs phone_args;
  auto* phone = cli.add_subcommand("phone", "Parse and validate a phone number or sender ID");
  phone->add_flag("--json", phone_args.json, "Print the POST /v1/lookup JSON object");
  phone->add_option("--region", phone_args.region, "Region for national formats")
      ->capture_default_str();
  phone
      ->add_option("INPUT", phone_args.input,
                   "Number or sender ID, or - for one JSON request per line on stdin")
      ->required();

  CLI11_PARSE(cli, argc, argv);

  // The text and number tools need no configuration or database.
  try {
    if (*segments) return sb::app::run_segments(segments_args, std::cin, std::cout, std::cerr);
    if (*phone) return sb::app::run_phone(phone_args, std::cin, std::cout, std::cerr);
  } catch (const std::exception& e) {
    std::cerr << "switchboard: " << e.what() << std::endl;
    return 1;
  }

  auto config = sb::app::load_config(config_path(config_flag), sb::app::switchboard_env());
  if (!config) {
    std::cerr << "switchboard: configuration error: " << config.error().message << std::endl;
    return 2;
  }
  setup_logging(config->log_level, config->log_format);
  try {
    if (*serve) return sb::app::serve(*config, print_routes);
    if (*keys) {
      keys_cmd.action = *keys_create ? "create" : *keys_list ? "list" : "revoke";
      return sb::app::keys_command(*config, keys_cmd);
    }
    if (*migrate) return sb::app::migrate(*config);
    if (*backup) return sb::app::backup(*config, backup_to);
    if (*opt_outs_import) return sb::app::opt_outs_import(*config, account, opt_outs_file);
    if (*opt_outs_export) return sb::app::opt_outs_export(*config, account, opt_outs_file);
    if (*signing) return sb::app::signing_secret(*config, account, signing_rotate);
    if (*twilio) {
      return sb::app::twilio_credentials(*config, account, twilio_cmd);
    }
    if (*smpp_creds) return sb::app::smpp_credentials(*config, account, smpp_rotate, smpp_json);
    // numbers
    const auto opt = [](const std::string& v) {
      return v.empty() ? std::nullopt : std::optional<std::string>(v);
    };
    if (*numbers_list) return sb::app::numbers_list(*config, opt(numbers_account));
    if (*numbers_import) {
      return sb::app::numbers_import(
          *config, numbers_connector,
          numbers_account.empty() ? config->bootstrap_account : numbers_account, numbers_dry_run);
    }
    if (*numbers_sync) return sb::app::numbers_sync(*config, opt(numbers_number));
    if (*sim_inbound) return sb::app::sim_inbound(*config, sim_args);
    for (auto [sub, action] : {std::pair{users_create, "create"}, {users_list, "list"},
                               {users_disable, "disable"}, {users_enable, "enable"},
                               {users_reset, "reset-password"}}) {
      if (*sub) {
        users_cmd.action = action;
        return sb::app::users_command(*config, users_cmd);
      }
    }
  } catch (const std::exception& e) {
    spdlog::critical("{}", e.what());
    std::cerr << "switchboard: " << e.what() << std::endl;
    return 1;
  }
  return 0;
}
