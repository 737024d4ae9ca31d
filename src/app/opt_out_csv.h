// The opt-out CSV format of `switchboard opt-outs import|export`:
// number,scope,our_number,source,created_at. Pure functions; the commands are in opt_outs_cli.h.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/compliance.h"
#include "core/result.h"

namespace sb::app {

// The header line export writes and import skips (as line 1).
inline constexpr std::string_view kOptOutCsvHeader = "number,scope,our_number,source,created_at";

// Splits one CSV line; fields may be double-quoted ("" inside quotes is a quote); spaces and tabs
// around fields are dropped.
std::vector<std::string> split_csv(std::string_view line);

// Reads line `line_no` (from 1) of an import as an opt-out of `account`: nullopt for a blank
// line or (line 1) the header. Numbers are validated with libphonenumber (national forms in
// `region`); scope is account (default) or number; our_number is required for scope number and
// must be one of `our_numbers`; source is keyword|api|provider_error|import (default import);
// created_at is RFC 3339 (default `now`). A trailing '\r' is ignored. Errors: code
// invalid_opt_out, the message saying what is wrong with the line.
Result<std::optional<OptOut>> read_opt_out_line(std::string_view line, int line_no,
                                                const std::string& account,
                                                const std::string& region,
                                                const std::set<std::string>& our_numbers,
                                                TimeMs now);

// One exported line (no newline): what read_opt_out_line reads back as the same opt-out.
std::string opt_out_csv_line(const OptOut& o);

}  // namespace sb::app
