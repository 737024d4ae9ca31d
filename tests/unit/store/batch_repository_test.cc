// BatchRepository: uploads that become visible only when finished, leases on materialising,
// chunks recorded once and in order, errors paged by row, the batch's messages held, released
// and counted; every test runs on SQLite and PostgreSQL (store_test_fixture.h).
#include "store_test_fixture.h"

namespace sb::store {
namespace {

class BatchRepositoryTest : public StoreContractTest {
 protected:
  Batch batch(const std::string& id, const std::string& account = kAcctA) {
    Batch b;
    b.id = id;
    b.account = account;
    b.spec.body = "Hi {{name}}";
    b.spec.from = "+15550000001";
    b.spec.source = "csv";
    b.spec.columns = {"to", "name"};
    b.created_at = kT0;
    return b;
  }
  // An uploaded batch of `chunks` chunks, visible and materializing.
  void uploaded(const std::string& id, int chunks) {
    auto& batches = store_->batches();
    ASSERT_TRUE(batches.begin_upload(batch(id)).ok());
    for (int i = 0; i < chunks; ++i) {
      BatchRow r{i + 2, {std::string("+1555000") + std::to_string(1000 + i), "Ann"}};
      ASSERT_TRUE(batches.add_chunk(id, i, batch_rows_to_json({r})).ok());
    }
    ASSERT_TRUE(batches.finish_upload(id, chunks, chunks, "materializing", kT0 + 1).ok());
  }
  // A queued (or scheduled) message of the batch.
  Message of_batch(const std::string& batch_id, const std::string& id, TimeMs at,
                   std::optional<TimeMs> send_at = std::nullopt) {
    Message m = send_at ? scheduled_at(kAcctA, at, *send_at) : outbound(kAcctA, at);
    m.id = id;
    m.batch = batch_id;
    m.to = "+1999" + id;
    m.idempotency_key = "batch:" + batch_id + ":" + id;
    return add(m);
  }
};

TEST_P(BatchRepositoryTest, AnUploadIsInvisibleUntilFinishedAndDiscardedWhole) {
  auto& batches = store_->batches();
  ASSERT_TRUE(batches.begin_upload(batch("batch_1")).ok());
  BatchRow row{2, {std::string("+15551234567"), std::nullopt}};
  ASSERT_TRUE(batches.add_chunk("batch_1", 0, batch_rows_to_json({row})).ok());
  EXPECT_FALSE(unwrap(batches.get(kAcctA, "batch_1")));
  EXPECT_TRUE(unwrap(batches.list(kAcctA, "", 10)).empty());
  EXPECT_FALSE(unwrap(batches.claim("r1", kT0, 1000)));

  ASSERT_TRUE(batches.finish_upload("batch_1", 1, 1, "materializing", kT0 + 5).ok());
  auto b = unwrap(another_instance().batches().get(kAcctA, "batch_1"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, "materializing");
  EXPECT_EQ(b->total, 1);
  EXPECT_EQ(b->chunks, 1);
  EXPECT_EQ(b->spec.body, "Hi {{name}}");
  EXPECT_EQ(b->spec.columns, (std::vector<std::string>{"to", "name"}));
  EXPECT_FALSE(unwrap(batches.get(kAcctB, "batch_1")));  // another account's
  auto rows = batch_rows_from_json(unwrap(batches.chunk("batch_1", 0)));
  ASSERT_TRUE(rows.ok());
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0].row, 2);
  EXPECT_EQ((*rows)[0].fields[0], "+15551234567");
  EXPECT_FALSE((*rows)[0].fields[1]);

  // A failed upload, and one a crash left behind, leave nothing.
  ASSERT_TRUE(batches.begin_upload(batch("batch_2")).ok());
  ASSERT_TRUE(batches.add_chunk("batch_2", 0, "[]").ok());
  ASSERT_TRUE(batches.discard_upload("batch_2").ok());
  EXPECT_FALSE(batches.chunk("batch_2", 0).ok());
  Batch old = batch("batch_3");
  old.created_at = kT0 - 10;
  ASSERT_TRUE(batches.begin_upload(old).ok());
  EXPECT_EQ(unwrap(batches.discard_stale_uploads(kT0)), 1);
  EXPECT_EQ(unwrap(batches.discard_stale_uploads(kT0)), 0);
  EXPECT_TRUE(unwrap(batches.get(kAcctA, "batch_1")));  // a finished one stays
}

TEST_P(BatchRepositoryTest, OneRunnerHoldsABatchAndRecordsEachChunkOnceInOrder) {
  uploaded("batch_1", 3);
  auto& batches = store_->batches();
  auto mine = unwrap(batches.claim("r1", kT0, 1000));
  ASSERT_TRUE(mine);
  EXPECT_EQ(mine->id, "batch_1");
  EXPECT_FALSE(unwrap(another_instance().batches().claim("r2", kT0 + 500, 1000)));

  BatchSkips skips{1, 2, 3};
  std::vector<BatchError> errors{{2, "to", "invalid_phone_number", "bad"}};
  EXPECT_FALSE(unwrap(batches.advance("batch_1", "r2", 0, skips, errors, kT0, 1000)));  // not its
  EXPECT_FALSE(unwrap(batches.advance("batch_1", "r1", 1, skips, errors, kT0, 1000)));  // ahead
  EXPECT_TRUE(unwrap(batches.advance("batch_1", "r1", 0, skips, errors, kT0 + 10, 1000)));
  EXPECT_FALSE(unwrap(batches.advance("batch_1", "r1", 0, skips, errors, kT0 + 10, 1000)));

  // The lease ran out (advance renewed it to kT0 + 1010): another runner takes over where the
  // first stopped, and the first can no longer record anything.
  EXPECT_FALSE(unwrap(batches.claim("r2", kT0 + 1000, 1000)));
  auto taken = unwrap(another_instance().batches().claim("r2", kT0 + 1010, 1000));
  ASSERT_TRUE(taken);
  EXPECT_EQ(taken->next_chunk, 1);
  EXPECT_FALSE(unwrap(batches.advance("batch_1", "r1", 1, {}, {}, kT0 + 1010, 1000)));
  EXPECT_TRUE(unwrap(batches.advance("batch_1", "r2", 1, {}, {}, kT0 + 1020, 1000)));
  EXPECT_TRUE(unwrap(batches.advance("batch_1", "r2", 2, {0, 0, 1}, {}, kT0 + 1030, 1000)));

  auto b = unwrap(batches.get(kAcctA, "batch_1"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, "sending");
  EXPECT_EQ(b->next_chunk, 3);
  EXPECT_EQ(b->skips.invalid, 1);
  EXPECT_EQ(b->skips.opted_out, 2);
  EXPECT_EQ(b->skips.duplicates, 4);
  EXPECT_FALSE(unwrap(batches.claim("r3", kT0 + 10'000, 1000)));  // nothing left to materialise
  auto listed = unwrap(batches.errors("batch_1", 0, 10));
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(listed[0].code, "invalid_phone_number");
}

TEST_P(BatchRepositoryTest, ErrorsArePagedByRow) {
  uploaded("batch_1", 1);
  auto& batches = store_->batches();
  ASSERT_TRUE(unwrap(batches.claim("r1", kT0, 1000)));
  std::vector<BatchError> errors;
  for (int row : {9, 3, 5, 7}) errors.push_back({row, "to", "x", "y"});
  ASSERT_TRUE(unwrap(batches.advance("batch_1", "r1", 0, {4, 0, 0}, errors, kT0, 1000)));
  auto first = unwrap(batches.errors("batch_1", 0, 2));
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].row, 3);
  EXPECT_EQ(first[1].row, 5);
  auto rest = unwrap(batches.errors("batch_1", 5, 10));
  ASSERT_EQ(rest.size(), 2u);
  EXPECT_EQ(rest[0].row, 7);
  EXPECT_EQ(rest[1].row, 9);
}

TEST_P(BatchRepositoryTest, PausingHoldsTheBatchsUnsentMessagesAndResumingReleasesThem) {
  uploaded("batch_1", 1);
  auto& batches = store_->batches();
  of_batch("batch_1", "msg_1", kT0);
  of_batch("batch_1", "msg_2", kT0 + 1, kT0 + 60'000);  // scheduled
  Message sent = of_batch("batch_1", "msg_3", kT0 + 2);
  add(outbound(kAcctA, kT0 + 3));  // not the batch's
  apply1({.message_id = "msg_3", .to = Status::kCanceled, .at = kT0 + 5});  // left the queue

  auto paused = unwrap(batches.set_status(kAcctA, "batch_1", {"materializing", "sending"},
                                          "paused", kT0 + 10));
  ASSERT_TRUE(paused);
  EXPECT_EQ(paused->status, "paused");
  EXPECT_EQ(paused->paused_from, "materializing");
  EXPECT_EQ(unwrap(batches.hold_messages("batch_1")), 2);
  // Nothing of the batch is due, however late it gets; the other message is.
  auto due = claim(kT0 + 100'000'000);
  ASSERT_EQ(due.size(), 1u);
  EXPECT_TRUE(due[0].batch.empty());

  // Not paused from a status outside `from`: the batch comes back as it is.
  auto again = unwrap(batches.set_status(kAcctA, "batch_1", {"materializing"}, "paused", kT0));
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, "paused");
  EXPECT_FALSE(unwrap(batches.set_status(kAcctB, "batch_1", {"paused"}, "sending", kT0)));

  ASSERT_TRUE(unwrap(batches.set_status(kAcctA, "batch_1", {"paused"}, "materializing", kT0)));
  EXPECT_EQ(unwrap(batches.release_messages("batch_1", kT0 + 20)), 2);
  EXPECT_EQ(unwrap(batches.release_messages("batch_1", kT0 + 20)), 0);
  EXPECT_EQ(get("msg_1").next_attempt_at, kT0 + 20);
  EXPECT_EQ(get("msg_2").next_attempt_at, kT0 + 60'000);  // at its time again

  auto counts = unwrap(batches.message_counts("batch_1"));
  EXPECT_EQ(counts, (std::map<std::string, int64_t>{{"canceled", 1}, {"queued", 1}, {"scheduled", 1}}));
  auto unsent = unwrap(batches.unsent_messages("batch_1", 10));
  EXPECT_EQ(unsent.size(), 2u);
  auto recipients = unwrap(batches.recipients("batch_1"));
  EXPECT_EQ(recipients.size(), 3u);
  EXPECT_NE(std::find(recipients.begin(), recipients.end(),
                      std::pair<std::string, std::string>{sent.to, sent.idempotency_key}),
            recipients.end());
}

TEST_P(BatchRepositoryTest, AFinishedBatchIsFinishedOnce) {
  uploaded("batch_1", 1);
  auto& batches = store_->batches();
  EXPECT_FALSE(unwrap(batches.finish("batch_1", "sending", "completed", kT0 + 5)));
  ASSERT_TRUE(unwrap(batches.claim("r1", kT0, 1000)));
  ASSERT_TRUE(unwrap(batches.advance("batch_1", "r1", 0, {}, {}, kT0, 1000)));
  EXPECT_TRUE(unwrap(batches.finish("batch_1", "sending", "completed", kT0 + 5)));
  EXPECT_FALSE(unwrap(batches.finish("batch_1", "sending", "completed", kT0 + 6)));
  auto b = unwrap(batches.get(kAcctA, "batch_1"));
  ASSERT_TRUE(b);
  EXPECT_EQ(b->status, "completed");
  EXPECT_EQ(b->finished_at, kT0 + 5);
  auto in = unwrap(batches.in_status({"sending", "canceling"}, 10));
  EXPECT_TRUE(in.empty());
  EXPECT_EQ(unwrap(batches.in_status({"completed"}, 10)).size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Backends, BatchRepositoryTest,
                         testing::Values(Backend::kSqlite, Backend::kPostgres), backend_name);

}  // namespace
}  // namespace sb::store
