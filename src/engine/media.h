// Media re-hosting (docs/media.md): inbound media fetched off the webhook path, checked (size,
// sniffed type), kept in a content-addressed directory and served by the gateway, plus the
// signed public URLs for clients without an API key.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.h"
#include "core/http_types.h"
#include "core/result.h"
#include "store/store.h"

namespace sb::engine {

struct MediaOptions {
  bool enabled = true;
  std::string dir = "var/media";
  std::string public_url;  // the gateway's; media URLs are <public_url>/v1/media/{id}
  int64_t max_bytes = 5 * 1024 * 1024;
  std::vector<std::string> allowed_types;  // exact types or "major/*"
  int max_attempts = 5;
  int64_t retry_base_ms = 2'000;
  int64_t retry_max_ms = 300'000;
  int64_t lease_ms = 120'000;  // longer than one fetch can take (timeouts x redirects)
  int64_t poll_ms = 250;
  int workers = 2;
  int64_t default_url_ttl_s = 3'600;
  int64_t max_url_ttl_s = 7 * 86'400;
};

// Files named by the SHA-256 of their bytes, so the same content is stored once:
// <dir>/<first two hex digits>/<sha256>. Written to a temporary file, fsynced, then renamed, so
// a reader never sees a partial file.
class MediaFiles {
 public:
  explicit MediaFiles(std::string dir);
  // Stores `bytes` (a no-op when that content is already there); returns its hex SHA-256.
  Result<std::string> put(std::string_view bytes);
  std::string path(const std::string& sha256) const;
  // The stored bytes (not_found when missing, e.g. deleted behind our back).
  Result<std::string> read(const std::string& sha256) const;
  // Deletes the file of `sha256` (a redacted message's media no row refers to any more); true
  // when it is gone afterwards, also when it was never there.
  bool remove(const std::string& sha256) const;

 private:
  std::string dir_;
};

// HMAC-SHA256 over "<id>\n<expires>" with a key every instance shares (stored in the database).
class MediaSigner {
 public:
  explicit MediaSigner(std::string key) : key_(std::move(key)) {}
  std::string sign(const std::string& id, int64_t expires_unix_s) const;  // hex
  // True when `sig` is sign(id, expires) (compared in constant time) and expires > now.
  bool verify(const std::string& id, int64_t expires_unix_s, const std::string& sig,
              int64_t now_unix_s) const;

 private:
  std::string key_;
};

// <public_url>/v1/media/{id}
std::string media_api_url(const std::string& public_url, const std::string& id);
// <public_url>/media/{id}?expires=<unix>&sig=<hex>
std::string signed_media_url(const std::string& public_url, const MediaSigner& signer,
                             const std::string& id, int64_t expires_unix_s);

// Gives each media item of a routed inbound message an id and our URL (the provider's is kept
// as source_url and fetched later); media_urls follow. Called before the message is stored.
void assign_media_ids(Message& m, const std::string& public_url, TimeMs now);

// One fetch: the provider URL with the connector's credentials. Errors carry SafeFetcher's
// codes (providers/transport/safe_fetch.h).
struct FetchedMedia {
  std::string body;
};
using MediaFetch = std::function<Result<FetchedMedia>(const std::string& url, const Headers&)>;
// The credentials a connector adds to a fetch of `url` (Connector::media_fetch_headers).
using MediaHeaders = std::function<Headers(const std::string& connector, const std::string& url)>;
// True when a fetch error is worth another attempt.
using MediaTransient = std::function<bool(const Error&)>;
// The MIME type read from the bytes.
using MediaSniff = std::function<std::string(std::string_view)>;

// The background fetcher: claims pending media (with a lease, so several instances share the
// work and a crashed one's claims come back), fetches, checks and stores each, and records the
// outcome: ready, pending again with a back-off, or failed with the last error.
class MediaFetcher {
 public:
  MediaFetcher(store::Store& store, const Clock& clock, MediaFiles& files, MediaOptions options,
               MediaFetch fetch, MediaHeaders headers, MediaTransient transient, MediaSniff sniff);
  ~MediaFetcher();

  void start();
  void stop();
  // Claims and processes what is due now; returns how many items it handled (tests, and each
  // worker's loop).
  int run_once();
  // Processes one claimed item.
  void process(const MediaRecord& m);

 private:
  void run();

  store::Store& store_;
  const Clock& clock_;
  MediaFiles& files_;
  MediaOptions options_;
  MediaFetch fetch_;
  MediaHeaders headers_;
  MediaTransient transient_;
  MediaSniff sniff_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace sb::engine
