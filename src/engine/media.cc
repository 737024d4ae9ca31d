// Media re-hosting: content-addressed files, signed URLs and the background fetcher.
#include "engine/media.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/crypto.h"
#include "core/ids.h"
#include "core/thread_name.h"
#include "providers/transport/sniff.h"

namespace sb::engine {
namespace fs = std::filesystem;

namespace {

std::string trim_slashes(std::string s) {
  while (!s.empty() && s.back() == '/') s.pop_back();
  return s;
}

bool is_hex_sha(const std::string& s) {
  return s.size() == 64 &&
         std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

Result<void> write_all(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Error::make("media_store_failed", std::string("write: ").append(std::strerror(errno)));
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return Ok();
}

void fsync_dir(const std::string& dir) {
  const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (fd >= 0) {
    ::fsync(fd);
    ::close(fd);
  }
}

}  // namespace

// ---------------------------------------------------------------- files

MediaFiles::MediaFiles(std::string dir) : dir_(trim_slashes(std::move(dir))) {}

std::string MediaFiles::path(const std::string& sha256) const {
  return std::string(dir_).append("/").append(sha256.substr(0, 2)).append("/").append(sha256);
}

Result<std::string> MediaFiles::put(std::string_view bytes) {
  const std::string sha = crypto::hex(crypto::sha256(bytes));
  const std::string final_path = path(sha);
  std::error_code ec;
  if (fs::exists(final_path, ec) && fs::file_size(final_path, ec) == bytes.size()) return sha;
  const std::string sub = std::string(dir_).append("/").append(sha.substr(0, 2));
  fs::create_directories(sub, ec);
  if (ec) {
    return Error::make("media_store_failed",
                       std::string("cannot create ").append(sub).append(": ").append(ec.message()));
  }
  const std::string tmp = std::string(sub).append("/.").append(sha).append(".")
                              .append(crypto::hex(crypto::random_bytes(6))).append(".part");
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
  if (fd < 0) {
    return Error::make("media_store_failed",
                       std::string("cannot create ").append(tmp).append(": ")
                           .append(std::strerror(errno)));
  }
  auto w = write_all(fd, bytes);
  const bool synced = w && ::fsync(fd) == 0;
  ::close(fd);
  if (!w || !synced) {
    ::unlink(tmp.c_str());
    return w ? Error::make("media_store_failed", "fsync failed") : w.error();
  }
  // Same content, same name: a concurrent writer of the same bytes renames an identical file.
  if (::rename(tmp.c_str(), final_path.c_str()) != 0) {
    const std::string why = std::strerror(errno);
    ::unlink(tmp.c_str());
    return Error::make("media_store_failed", std::string("rename: ").append(why));
  }
  fsync_dir(sub);
  return sha;
}

Result<std::string> MediaFiles::read(const std::string& sha256) const {
  if (!is_hex_sha(sha256)) return Error::make("not_found", "no such media file");
  std::ifstream in(path(sha256), std::ios::binary);
  if (!in) return Error::make("not_found", "the media file is missing");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool MediaFiles::remove(const std::string& sha256) const {
  if (!is_hex_sha(sha256)) return false;
  std::error_code ec;
  fs::remove(path(sha256), ec);
  return !ec;
}

// ---------------------------------------------------------------- signed URLs

std::string MediaSigner::sign(const std::string& id, int64_t expires_unix_s) const {
  return crypto::hex(crypto::hmac_sha256(
      key_, std::string(id).append("\n").append(std::to_string(expires_unix_s))));
}

bool MediaSigner::verify(const std::string& id, int64_t expires_unix_s, const std::string& sig,
                         int64_t now_unix_s) const {
  if (expires_unix_s <= now_unix_s) return false;
  return crypto::constant_time_equal(sign(id, expires_unix_s), sig);
}

std::string media_api_url(const std::string& public_url, const std::string& id) {
  return trim_slashes(public_url).append("/v1/media/").append(id);
}

std::string signed_media_url(const std::string& public_url, const MediaSigner& signer,
                             const std::string& id, int64_t expires_unix_s) {
  return trim_slashes(public_url)
      .append("/media/")
      .append(id)
      .append("?expires=")
      .append(std::to_string(expires_unix_s))
      .append("&sig=")
      .append(signer.sign(id, expires_unix_s));
}

void assign_media_ids(Message& m, const std::string& public_url, TimeMs now) {
  m.media_urls.clear();
  for (auto& item : m.media) {
    if (item.id.empty()) {
      item.id = new_id("med_", now);
      item.source_url = item.url;
      item.url = media_api_url(public_url, item.id);
      item.state = "pending";
    }
    m.media_urls.push_back(item.url);
  }
}

// ---------------------------------------------------------------- fetcher

MediaFetcher::MediaFetcher(store::Store& store, const Clock& clock, MediaFiles& files,
                           MediaOptions options, MediaFetch fetch, MediaHeaders headers,
                           MediaTransient transient, MediaSniff sniff)
    : store_(store),
      clock_(clock),
      files_(files),
      options_(std::move(options)),
      fetch_(std::move(fetch)),
      headers_(std::move(headers)),
      transient_(std::move(transient)),
      sniff_(std::move(sniff)) {}

MediaFetcher::~MediaFetcher() { stop(); }

void MediaFetcher::process(const MediaRecord& m) {
  const TimeMs started = clock_.now_ms();
  MediaOutcome out;
  auto fail = [&](const Error& e, bool retry) {
    out.error = e.message;
    if (retry && m.attempts < options_.max_attempts) {
      int64_t delay = options_.retry_base_ms;
      for (int i = 1; i < m.attempts && delay < options_.retry_max_ms; ++i) delay *= 2;
      out.state = "pending";
      out.retry_at = clock_.now_ms() + std::min(delay, options_.retry_max_ms);
      spdlog::warn("media {} of message {}: attempt {} failed ({}); retrying", m.id,
                   m.message_id, m.attempts, e.message);
    } else {
      out.state = "failed";
      spdlog::warn("media {} of message {}: failed after {} attempt(s): {}", m.id, m.message_id,
                   m.attempts, e.message);
    }
  };
  const Headers headers = headers_ ? headers_(m.connector, m.source_url) : Headers{};
  auto got = fetch_(m.source_url, headers);
  if (!got) {
    fail(got.error(), transient_ && transient_(got.error()));
  } else if (static_cast<int64_t>(got->body.size()) > options_.max_bytes) {
    fail(Error::make("media_too_large", "the media is larger than the limit"), false);
  } else {
    const std::string type = sniff_(got->body);
    if (!providers::content_type_allowed(type, options_.allowed_types)) {
      fail(Error::make("media_type_refused",
                       std::string("content type ").append(type).append(" is not accepted")),
           false);
    } else if (auto sha = files_.put(got->body); !sha) {
      fail(sha.error(), true);
    } else {
      out.state = "ready";
      out.sha256 = *sha;
      out.content_type = type;
      out.size = static_cast<int64_t>(got->body.size());
      spdlog::info("media {} of message {} stored: {} bytes, {} ({} ms)", m.id, m.message_id,
                   got->body.size(), type, clock_.now_ms() - started);
    }
  }
  if (auto r = store_.media().finish(m.id, out, clock_.now_ms()); !r) {
    // The claim's lease brings the item back: it will be fetched again.
    spdlog::error("media {}: outcome not recorded: {}", m.id, r.error().message);
  }
}

int MediaFetcher::run_once() {
  auto claimed = store_.media().claim(clock_.now_ms(), options_.lease_ms, 1);
  if (!claimed) {
    spdlog::error("media: claim failed: {}", claimed.error().message);
    return 0;
  }
  for (const auto& m : *claimed) process(m);
  return static_cast<int>(claimed->size());
}

void MediaFetcher::run() {
  set_thread_name("sb-media");
  std::unique_lock lk(mu_);
  while (!stopping_) {
    lk.unlock();
    const int n = run_once();
    lk.lock();
    if (n == 0) {
      cv_.wait_for(lk, std::chrono::milliseconds(options_.poll_ms), [&] { return stopping_; });
    }
  }
}

void MediaFetcher::start() {
  for (int i = 0; i < std::max(1, options_.workers); ++i) threads_.emplace_back([this] { run(); });
}

void MediaFetcher::stop() {
  {
    std::lock_guard lk(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
  threads_.clear();
}

}  // namespace sb::engine
