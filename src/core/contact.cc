// Contacts' search key, the one definition the store indexes and the API's cursors carry.
#include "core/contact.h"

namespace sb {

std::string contact_name_key(std::string_view name) {
  std::string key(name);
  for (char& ch : key) {
    if (ch >= 'A' && ch <= 'Z') ch = static_cast<char>(ch - 'A' + 'a');
  }
  return key;
}

}  // namespace sb
