// The store: everything the engine and API persist, as one repository per aggregate over a
// shared SQL context. Implementations: SQLite (embedded default) and PostgreSQL (several
// instances on one database), behind one Driver (store/db.h).
// Every repository method is thread-safe and atomic: it commits before returning. Commits are
// durable (on disk before returning) except the dispatcher's and callback sender's bookkeeping
// (claim_due, status changes without ApplyOptions::durable, delivery claims and outcomes), which
// survives a process crash but may roll back with a machine crash until the next durable commit;
// leases make such a rollback a retry. Reads and writes return Result: a database failure is an
// error value (code storage_error), never an exception.
#pragma once

#include <functional>
#include <limits>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/result.h"
#include "store/account_repository.h"
#include "store/batch_repository.h"
#include "store/cluster_repository.h"
#include "store/compliance_repository.h"
#include "store/conversation_repository.h"
#include "store/delivery_repository.h"
#include "store/event_repository.h"
#include "store/media_repository.h"
#include "store/message_repository.h"
#include "store/pool_repository.h"
#include "store/status_repository.h"
#include "store/user_repository.h"
#include "store/verification_repository.h"
#include "store/webhook_repository.h"

namespace sb::store {

class Driver;
class SqlContext;

class Store {
 public:
  Store(std::unique_ptr<Driver> driver, const Clock& clock);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Applies pending migrations (those up to version `up_to`: a test of a data migration stops
  // before it); returns the resulting schema version.
  Result<int> migrate(int up_to = std::numeric_limits<int>::max());
  // The schema's version (0: not migrated, or unreadable).
  int schema_version();
  // Cheap connectivity check for /readyz.
  Result<void> ping();
  // Called after every committed write transaction, on the committing thread: the live event
  // stream's wake-up. Set before the store is shared between threads.
  void set_commit_listener(std::function<void()> fn);

  // Messages and the outbox (inserts, reads, claims, redaction).
  MessageRepository& messages() { return *messages_; }
  // Status changes (the one apply path) and message events.
  StatusRepository& status() { return *status_; }
  // Provider webhooks in, orphan reports, split-MMS groups.
  WebhookRepository& webhooks() { return *webhooks_; }
  // Conversations and contacts.
  ConversationRepository& conversations() { return *conversations_; }
  // Opt-outs and auto-replies.
  ComplianceRepository& compliance() { return *compliance_; }
  // Verification (2FA) codes.
  VerificationRepository& verifications() { return *verifications_; }
  // Status callbacks and forwards to apps, and their attempts.
  DeliveryRepository& deliveries() { return *deliveries_; }
  // Re-hosted media.
  MediaRepository& media() { return *media_; }
  // Accounts, API keys, numbers, signing and gateway secrets.
  AccountRepository& accounts() { return *accounts_; }
  // The live event log (read side).
  EventRepository& events() { return *events_; }
  // Console users and their sessions.
  UserRepository& users() { return *users_; }
  // Sender pools and their sticky senders.
  PoolRepository& pools() { return *pools_; }
  // Batches: their rows, failed rows, and their messages as a whole.
  BatchRepository& batches() { return *batches_; }
  // Shared send slots and leases of instances on one database.
  ClusterRepository& cluster() { return *cluster_; }

 private:
  std::unique_ptr<SqlContext> ctx_;
  std::unique_ptr<MessageRepository> messages_;
  std::unique_ptr<StatusRepository> status_;
  std::unique_ptr<WebhookRepository> webhooks_;
  std::unique_ptr<ConversationRepository> conversations_;
  std::unique_ptr<ComplianceRepository> compliance_;
  std::unique_ptr<VerificationRepository> verifications_;
  std::unique_ptr<DeliveryRepository> deliveries_;
  std::unique_ptr<MediaRepository> media_;
  std::unique_ptr<AccountRepository> accounts_;
  std::unique_ptr<EventRepository> events_;
  std::unique_ptr<UserRepository> users_;
  std::unique_ptr<PoolRepository> pools_;
  std::unique_ptr<BatchRepository> batches_;
  std::unique_ptr<ClusterRepository> cluster_;
};

// Opens the store named by a database URL: sqlite:///abs/path, sqlite://rel/path, or
// postgresql://user@host:port/db (also postgres://).
Result<std::unique_ptr<Store>> open_store(const std::string& url, const Clock& clock);

// The store over a driver made by make_sqlite_driver or make_postgres_driver (store/db.h);
// open_store does this for a URL.
std::unique_ptr<Store> make_store(std::unique_ptr<Driver> driver, const Clock& clock);

}  // namespace sb::store
