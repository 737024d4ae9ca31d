// `switchboard numbers list|import|sync`: the numbers a provider account owns, brought into an
// account, and their provider-side webhooks pointed at this gateway (docs/numbers.md).
#pragma once

#include <iosfwd>
#include <map>
#include <optional>
#include <string>

#include "app/config.h"
#include "providers/connector.h"
#include "providers/spec.h"
#include "store/store.h"

namespace sb::app {

// Lists `connector`'s provider account numbers and imports them into `account` (which must
// exist unless `dry_run`): one line per number on `out`, "added <number> (<type>, sms[, mms])" or
// "skipped <number>: <why>" ("would add" in a dry run, which writes nothing). Numbers that are
// not E.164 (or short codes), or have neither SMS nor MMS, are skipped. Returns 0, or 1 with the
// reason on `err` when the provider could not be listed or the database failed.
int import_numbers(store::Store& st, providers::Connector& connector, const std::string& account,
                   const std::string& region, bool dry_run, std::ostream& out, std::ostream& err,
                   TimeMs now);

// Configures the provider-side webhooks of every stored number (or only `number`) through its
// connector: one line per number, "configured <number> (<connector>): <inbound url> [ids]",
// "skipped <number> (<connector>): <why>" when the provider has no API for it, or
// "failed <number> (<connector>): <provider message>". Returns 1 if any failed (or `number` is
// unknown), else 0.
int sync_number_webhooks(store::Store& st,
                         const std::map<std::string, providers::Connector*>& connectors,
                         const std::string& public_url, const std::optional<std::string>& number,
                         std::ostream& out, std::ostream& err);

// One JSON object per line (the GET /v1/numbers shape plus "account") for every number, or
// `account`'s. Returns 0.
int list_numbers(store::Store& st,
                 const std::map<std::string, const providers::ProviderSpec*>& spec_by_connector,
                 const std::string& public_url, const std::optional<std::string>& account,
                 std::ostream& out);

// The CLI commands over the configured database and connectors.
int numbers_import(const Config& config, const std::string& connector, const std::string& account,
                   bool dry_run);
int numbers_sync(const Config& config, const std::optional<std::string>& number);
int numbers_list(const Config& config, const std::optional<std::string>& account);

}  // namespace sb::app
