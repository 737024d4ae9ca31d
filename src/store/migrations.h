// Versioned schema migrations, shared by both dialects ({{autoid}} is the one spelling that differs).
#pragma once

#include <string_view>
#include <vector>

namespace sb::store {

struct Migration {
  int version;
  std::string_view name;
  std::string_view sql;
};

const std::vector<Migration>& migrations();

}  // namespace sb::store
