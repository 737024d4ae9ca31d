// A migrated SQLite store in its own temporary directory (removed with it), with accounts: what
// the engine's unit tests run against.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <initializer_list>
#include <memory>
#include <string>

#include "core/clock.h"
#include "store/store.h"

namespace sb::engine {

class SqliteTestStore {
 public:
  SqliteTestStore(const std::string& name, const Clock& clock,
                  std::initializer_list<const char*> accounts, TimeMs at) {
    dir_ = std::filesystem::temp_directory_path() /
           ("sb-" + name + "-test-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    auto s = store::open_store("sqlite://" + (dir_ / "db.sqlite").string(), clock);
    if (!s) {
      ADD_FAILURE() << s.error().message;
      return;
    }
    store_ = std::move(*s);
    EXPECT_TRUE(store_->migrate().ok());
    for (const char* a : accounts) EXPECT_TRUE(store_->accounts().ensure_account(a, at).ok());
  }
  ~SqliteTestStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  SqliteTestStore(const SqliteTestStore&) = delete;
  SqliteTestStore& operator=(const SqliteTestStore&) = delete;

  store::Store& operator*() { return *store_; }
  store::Store* operator->() { return store_.get(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<store::Store> store_;
};

}  // namespace sb::engine
