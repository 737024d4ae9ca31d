// The SQL implementations of the repositories, each over the shared SqlContext (one .cc per
// repository); Store composes them.
#pragma once

#include <memory>

namespace sb::store {

class SqlContext;
class MessageRepository;
class StatusRepository;
class WebhookRepository;
class ConversationRepository;
class ComplianceRepository;
class VerificationRepository;
class DeliveryRepository;
class MediaRepository;
class AccountRepository;
class EventRepository;
class UserRepository;
class PoolRepository;
class BatchRepository;
class ClusterRepository;

std::unique_ptr<MessageRepository> make_sql_message_repository(SqlContext& ctx);
std::unique_ptr<PoolRepository> make_sql_pool_repository(SqlContext& ctx);
std::unique_ptr<BatchRepository> make_sql_batch_repository(SqlContext& ctx);
std::unique_ptr<ClusterRepository> make_sql_cluster_repository(SqlContext& ctx);
std::unique_ptr<StatusRepository> make_sql_status_repository(SqlContext& ctx);
std::unique_ptr<WebhookRepository> make_sql_webhook_repository(SqlContext& ctx);
std::unique_ptr<ConversationRepository> make_sql_conversation_repository(SqlContext& ctx);
std::unique_ptr<ComplianceRepository> make_sql_compliance_repository(SqlContext& ctx);
std::unique_ptr<VerificationRepository> make_sql_verification_repository(SqlContext& ctx);
std::unique_ptr<DeliveryRepository> make_sql_delivery_repository(SqlContext& ctx);
std::unique_ptr<MediaRepository> make_sql_media_repository(SqlContext& ctx);
std::unique_ptr<AccountRepository> make_sql_account_repository(SqlContext& ctx);
std::unique_ptr<EventRepository> make_sql_event_repository(SqlContext& ctx);
std::unique_ptr<UserRepository> make_sql_user_repository(SqlContext& ctx);

}  // namespace sb::store
