// The settings checks every provider shares.
#include "providers/settings.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

namespace sb::providers {

Error setting_error(const ConnectorSettings& s, const std::string& key, const std::string& why) {
  return Error::make("invalid_config", "connectors[" + s.id + "]." + key + ": " + why,
                     "connectors[" + s.id + "]." + key);
}

std::string setting_value(const ConnectorSettings& s, const std::string& key) {
  auto it = s.values.find(key);
  return it == s.values.end() ? std::string() : it->second;
}

Result<int64_t> int_setting(const ConnectorSettings& s, const std::string& key, int64_t fallback) {
  auto it = s.values.find(key);
  if (it == s.values.end()) return fallback;
  char* end = nullptr;
  const long long v = std::strtoll(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end) return setting_error(s, key, "must be an integer");
  return static_cast<int64_t>(v);
}

bool has_space_or_control(std::string_view v) {
  for (unsigned char c : v) {
    if (c <= ' ' || c == 0x7F) return true;
  }
  return false;
}

bool is_uuid(std::string_view v) {
  if (v.size() != 36) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? v[i] != '-' : !std::isxdigit(static_cast<unsigned char>(v[i]))) return false;
  }
  return true;
}

Result<std::string> http_url_setting(const ConnectorSettings& s, const std::string& key,
                                     std::string url) {
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    return setting_error(s, key, "must be an http:// or https:// URL");
  }
  if (std::any_of(url.begin(), url.end(), [](unsigned char c) { return std::isspace(c); })) {
    return setting_error(s, key, "must not contain whitespace");
  }
  while (url.back() == '/') url.pop_back();
  if (url.size() <= std::string_view("https://").size())
    return setting_error(s, key, "has no host");
  return url;
}

Result<void> check_secret(const ConnectorSettings& s, const std::string& key) {
  const std::string v = setting_value(s, key);
  if (v.empty()) return setting_error(s, key, "must not be empty");
  if (std::any_of(v.begin(), v.end(), [](unsigned char c) { return std::isspace(c); })) {
    return setting_error(s, key, "must not contain whitespace");
  }
  return Ok();
}

}  // namespace sb::providers
