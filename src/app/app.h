// Wiring: the only place concrete classes meet. Commands of the CLI are implemented here.
#pragma once

#include <string>

#include <memory>

#include "app/config.h"
#include "store/store.h"

namespace sb::app {

// Runs the gateway until SIGINT/SIGTERM. Returns the process exit code.
int serve(const Config& config);
// Creates `account` if needed and a new API key for it; prints the key alone on the last line.
int create_key(const Config& config, const std::string& account);
// Applies migrations and exits.
int migrate(const Config& config);
// Opens the configured database (creating a SQLite file's directory) and migrates it; throws
// with the reason when it cannot.
std::unique_ptr<store::Store> open_migrated_store(const Config& config);

}  // namespace sb::app
