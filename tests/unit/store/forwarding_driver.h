// Test support for the store's tests: a Driver that passes everything to the driver it wraps,
// for tests that override what they watch or break.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "store/db.h"

namespace sb::store {

// Passes everything to the driver it wraps; tests override what they watch.
class ForwardingDriver : public Driver {
 public:
  explicit ForwardingDriver(std::unique_ptr<Driver> inner) : inner_(std::move(inner)) {}
  Dialect dialect() const override { return inner_->dialect(); }
  ConnectionLease writer() override { return inner_->writer(); }
  ConnectionLease reader() override { return inner_->reader(); }
  std::string_view begin_write_sql() const override { return inner_->begin_write_sql(); }
  std::string_view begin_sql(bool durable) const override { return inner_->begin_sql(durable); }
  void begin(Connection& c, bool durable) override { inner_->begin(c, durable); }
  void begin_deferred(Connection& c) override { inner_->begin_deferred(c); }
  void note_deferred_commit() override { inner_->note_deferred_commit(); }
  int64_t wal_syncs() const override { return inner_->wal_syncs(); }
  void sync_deferred() override { inner_->sync_deferred(); }

 protected:
  std::unique_ptr<Driver> inner_;
};

}  // namespace sb::store
