// What a surface hears when the store cannot be read: database_unavailable (503, retry), the
// answer it gave when store reads threw. The store has logged the cause; a failed write passes
// its own error (storage_error) on instead.
#pragma once

#include "core/result.h"

namespace sb::engine {

inline Error unavailable() {
  return Error::make("database_unavailable", "the database is unavailable");
}

}  // namespace sb::engine
