// An account's credentials for the SMPP server (docs/smpp.md): the system_id an app binds with
// and its password, stored only as an Argon2id hash (it is shown once, when made or rotated).
#pragma once

#include <string>

#include "core/clock.h"

namespace sb {

struct SmppCredential {
  std::string system_id;  // at most 15 characters (SMPP's C-octet string of 16)
  std::string account;
  std::string password_hash;
  TimeMs created_at = 0;
  TimeMs rotated_at = 0;  // 0: never rotated
};

}  // namespace sb
