// `switchboard opt-outs import|export`: an account's opt-out list as CSV
// (number,scope,our_number,source,created_at).
#pragma once

#include <iosfwd>
#include <set>
#include <string>

#include "app/config.h"
#include "store/store.h"

namespace sb::app {

// Reads CSV rows (an optional header line "number,..." first) and records each valid one as an
// opt-out of `account`. Numbers are validated with libphonenumber (national forms in `region`);
// scope is account (default) or number; our_number is required for scope number and must be
// one of `our_numbers`; source is keyword|api|provider_error|import (default import);
// created_at is RFC 3339 (default now). Bad lines are reported on `err` by line number and
// skipped. Prints a summary on `out`. Returns 0 when every line was good, 1 otherwise.
int import_opt_outs(store::Store& st, const std::string& account, const std::string& region,
                    const std::set<std::string>& our_numbers, std::istream& in, std::ostream& out,
                    std::ostream& err, TimeMs now);
// Writes the account's opt-outs as CSV with a header line, oldest first. Returns 0.
int export_opt_outs(store::Store& st, const std::string& account, std::ostream& out);

// The CLI commands: open the configured database; `file` "" or "-" means stdin / stdout.
int opt_outs_import(const Config& config, const std::string& account, const std::string& file);
int opt_outs_export(const Config& config, const std::string& account, const std::string& file);

}  // namespace sb::app
