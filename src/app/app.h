// Wiring: the only place concrete classes meet. Commands of the CLI are implemented here.
#pragma once

#include <string>

#include "app/config.h"

namespace sb::app {

// Runs the gateway until SIGINT/SIGTERM. Returns the process exit code.
int serve(const Config& config);
// Creates `account` if needed and a new API key for it; prints the key alone on the last line.
int create_key(const Config& config, const std::string& account);
// Applies migrations and exits.
int migrate(const Config& config);
// Forwarding (issue #6): prints the account's webhook signing secret alone on the last line
// (created on first use), after replacing it with a new one when `rotate`.
int signing_secret(const Config& config, const std::string& account, bool rotate);

}  // namespace sb::app
