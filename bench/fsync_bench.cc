// What a checkpoint's writes do to the outbox's WAL fsync, on this machine's disk, without
// SQLite: one thread plays the outbox (appends of --wal-kb KB to a preallocated file, each
// followed by fdatasync, as the completion thread syncs a batch's WAL frames) while another plays
// the checkpointer (--pass-mb MB of random 4 KB page writes into a second preallocated file, then
// a pause of 100 ms, over and over). The checkpointer either syncs once at the end of a pass (as
// SQLite does) or every --pace-kb KB (as the paced VFS does, store/sqlite/wal_vfs.h). Reports the
// outbox's fdatasync latency: alone, with unpaced passes, and with paced passes, in one run; and
// alone again with a stat() of the WAL file before each sync (on a kernel with multigrain
// timestamps that makes the next write update mtime at full precision, so the fdatasync also
// writes the inode).
//
// Usage: fsync_bench [--dir DIR] [--syncs N] [--wal-kb K] [--pass-mb M] [--pace-kb P,...]
//   DIR defaults to the current directory (use the disk the database lives on).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kFileBytes = 64u << 20;

int prealloc(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::perror(path.c_str());
    std::exit(1);
  }
  const std::vector<char> zero(1 << 20, 0);
  for (size_t off = 0; off < kFileBytes; off += zero.size()) {
    if (::pwrite(fd, zero.data(), zero.size(), static_cast<off_t>(off)) < 0) std::exit(1);
  }
  ::fsync(fd);
  return fd;
}

// pace_kb: -1 no checkpointer; 0 one sync per pass; else a sync every pace_kb KB.
void run(const std::string& dir, int syncs, size_t wal_kb, size_t pass_mb, long pace_kb,
         bool stat_each = false) {
  const std::string wal_path = dir + "/fsync_bench.wal";
  const std::string db_path = dir + "/fsync_bench.db";
  const int wal = prealloc(wal_path);
  const int db = prealloc(db_path);
  std::atomic<bool> stop{false};
  std::thread checkpointer([&] {
    if (pace_kb < 0) return;
    const std::vector<char> page(4096, 'c');
    uint32_t r = 1;
    while (!stop.load()) {
      size_t since = 0;
      for (size_t w = 0; w < (pass_mb << 20) && !stop.load(); w += page.size()) {
        r = r * 1103515245u + 12345u;
        const off_t off = static_cast<off_t>((r >> 8) % (kFileBytes / page.size()) * page.size());
        if (::pwrite(db, page.data(), page.size(), off) < 0) std::exit(1);
        since += page.size();
        if (pace_kb > 0 && since >= static_cast<size_t>(pace_kb) << 10) {
          ::fdatasync(db);
          since = 0;
        }
      }
      ::fdatasync(db);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const std::vector<char> frames(wal_kb << 10, 'w');
  std::vector<double> us;
  us.reserve(static_cast<size_t>(syncs));
  off_t off = 0;
  for (int i = 0; i < syncs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    if (::pwrite(wal, frames.data(), frames.size(), off) < 0) std::exit(1);
    if (stat_each) {
      struct stat st {};
      ::stat(wal_path.c_str(), &st);
    }
    ::fdatasync(wal);
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count());
    off = static_cast<off_t>((static_cast<size_t>(off) + frames.size()) %
                             (kFileBytes - frames.size()));
    std::this_thread::sleep_for(std::chrono::microseconds(500));  // the next batch's commit
  }
  stop = true;
  checkpointer.join();
  ::close(wal);
  ::close(db);
  ::unlink(wal_path.c_str());
  ::unlink(db_path.c_str());
  std::sort(us.begin(), us.end());
  const auto at = [&](double q) { return us[static_cast<size_t>(q * (us.size() - 1))]; };
  const std::string what = stat_each     ? "no checkpointer, stat() before each"
                           : pace_kb < 0 ? "no checkpointer"
                           : pace_kb == 0
                               ? "passes synced once at the end"
                               : "passes synced every " + std::to_string(pace_kb) + " KB";
  std::printf("%-36s WAL fdatasync of %zu KB: p50 %6.0f  p90 %6.0f  p99 %6.0f  max %6.0f us\n",
              what.c_str(), wal_kb, at(0.5), at(0.9), at(0.99), us.back());
}

}  // namespace

int main(int argc, char** argv) {
  std::string dir = ".";
  int syncs = 3000;
  size_t wal_kb = 160, pass_mb = 8;
  std::string paces = "64,256,1024";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string a = argv[i];
    if (a == "--dir")
      dir = argv[i + 1];
    else if (a == "--syncs")
      syncs = std::atoi(argv[i + 1]);
    else if (a == "--wal-kb")
      wal_kb = static_cast<size_t>(std::atol(argv[i + 1]));
    else if (a == "--pass-mb")
      pass_mb = static_cast<size_t>(std::atol(argv[i + 1]));
    else if (a == "--pace-kb")
      paces = argv[i + 1];
  }
  std::printf("checkpointer: %zu MB passes of random 4 KB pages, 100 ms apart\n", pass_mb);
  run(dir, syncs, wal_kb, pass_mb, -1);
  run(dir, syncs, wal_kb, pass_mb, 0);
  std::stringstream ss(paces);
  for (std::string p; std::getline(ss, p, ',');)
    run(dir, syncs, wal_kb, pass_mb, std::atol(p.c_str()));
  run(dir, syncs, wal_kb, pass_mb, -1, /*stat_each=*/true);
  return 0;
}
