// libmagic wrapper: one cookie loaded once, used under a lock (a cookie is not thread-safe).
#include "providers/transport/sniff.h"

#include <magic.h>

#include <mutex>

namespace sb::providers {
namespace {

struct Magic {
  magic_t cookie = nullptr;
  std::mutex mu;
  Magic() {
    cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS | MAGIC_NO_CHECK_ELF);
    if (cookie && magic_load(cookie, nullptr) != 0) {
      magic_close(cookie);
      cookie = nullptr;
    }
  }
  ~Magic() {
    if (cookie) magic_close(cookie);
  }
};

Magic& magic() {
  static Magic m;
  return m;
}

}  // namespace

std::string sniff_content_type(std::string_view bytes) {
  Magic& m = magic();
  std::lock_guard lk(m.mu);
  if (!m.cookie || bytes.empty()) return "application/octet-stream";
  const char* t = magic_buffer(m.cookie, bytes.data(), bytes.size());
  return t && *t ? std::string(t) : "application/octet-stream";
}

bool content_type_allowed(const std::string& type, const std::vector<std::string>& allowed) {
  const auto slash = type.find('/');
  for (const auto& a : allowed) {
    if (a == type) return true;
    if (a.size() > 2 && a.compare(a.size() - 2, 2, "/*") == 0 && slash != std::string::npos &&
        type.compare(0, slash, a, 0, a.size() - 2) == 0) {
      return true;
    }
  }
  return false;
}

const std::vector<std::string>& default_allowed_media_types() {
  static const std::vector<std::string> kTypes = {
      "image/*", "video/*", "audio/*", "text/vcard", "text/x-vcard", "text/directory",
      "application/pdf", "text/plain"};
  return kTypes;
}

}  // namespace sb::providers
