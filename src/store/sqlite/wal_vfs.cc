// See wal_vfs.h.
#include "store/sqlite/wal_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>

namespace sb::store {
namespace {

constexpr int kWalHeader = 32;
constexpr int kFrameHeader = 24;
constexpr size_t kMaxBuffer = 8u << 20;  // a bigger transaction goes out 8 MB at a time
constexpr size_t kMaxWrite = 64u << 10;

std::atomic<uint64_t> g_batched_frames{0};
std::atomic<uint64_t> g_batched_writes{0};
std::atomic<uint64_t> g_paced_syncs{0};
sqlite3_vfs* g_real = nullptr;
sqlite3_vfs g_vfs;
sqlite3_vfs g_paced_vfs;

uint32_t big_endian32(const void* p) {
  const auto* b = static_cast<const unsigned char*>(p);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

struct WalState {
  std::string buf;            // appended bytes not yet written
  uint64_t buf_frames = 0;    // pages among them
  sqlite3_int64 buf_off = 0;  // file offset of buf[0]
  sqlite3_int64 end = -1;     // where the next append goes (-1: not known yet)
  int page_size = 0;          // 0: not known yet (nothing is buffered until it is)
  bool want_page = false;     // the last append was a frame header
  bool commit = false;        // ... of a commit frame
  sqlite3_int64 through_header = -1;  // offset of the last frame header written through
};

// SQLite allocates szOsFile bytes for each file: one of our wrappers, then the default VFS's
// file at kRealOffset. Both wrappers (WalFile, PacedFile) start with these two members, so
// real() and the plain forwarders below serve either.
struct Wrapped {
  sqlite3_file base;
  sqlite3_file* real;
};
struct WalFile {
  sqlite3_file base;
  sqlite3_file* real;
  WalState* st;
};
struct PacedFile {
  sqlite3_file base;
  sqlite3_file* real;
  sqlite3_int64 unsynced;            // bytes written since the last sync
  const std::atomic<bool>* enabled;  // null: always paced
};
constexpr size_t kRealOffset =
    (std::max(sizeof(WalFile), sizeof(PacedFile)) + 15) & ~size_t{15};

WalFile* wal(sqlite3_file* f) { return reinterpret_cast<WalFile*>(f); }
sqlite3_file* real(sqlite3_file* f) { return reinterpret_cast<Wrapped*>(f)->real; }

// Opens the default VFS's file behind wrapper `f`. On failure nothing is left open and
// f->pMethods stays null (SQLite then skips xClose); on success the caller sets f->pMethods.
int open_real(sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  auto* w = reinterpret_cast<Wrapped*>(f);
  w->base.pMethods = nullptr;
  w->real = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(f) + kRealOffset);
  std::memset(w->real, 0, static_cast<size_t>(g_real->szOsFile));
  const int rc = g_real->xOpen(g_real, name, w->real, flags, out_flags);
  if (rc != SQLITE_OK && w->real->pMethods) w->real->pMethods->xClose(w->real);
  return rc;
}

int flush(WalFile* w) {
  WalState& s = *w->st;
  int rc = SQLITE_OK;
  // The unix VFS writes at most 128 KB per call (it masks larger sizes), so 64 KB at a time.
  for (size_t done = 0; done < s.buf.size() && rc == SQLITE_OK; done += kMaxWrite) {
    const size_t n = std::min(kMaxWrite, s.buf.size() - done);
    rc = w->real->pMethods->xWrite(w->real, s.buf.data() + done, static_cast<int>(n),
                                   s.buf_off + static_cast<sqlite3_int64>(done));
    g_batched_writes.fetch_add(1, std::memory_order_relaxed);
  }
  g_batched_frames.fetch_add(s.buf_frames, std::memory_order_relaxed);
  s.buf_frames = 0;
  s.buf.clear();
  return rc;
}

int append(WalFile* w, const void* data, int amt, sqlite3_int64 off) {
  WalState& s = *w->st;
  if (s.buf.empty()) s.buf_off = off;
  s.buf.append(static_cast<const char*>(data), static_cast<size_t>(amt));
  s.end = off + amt;
  return SQLITE_OK;
}

int wal_write(sqlite3_file* f, const void* data, int amt, sqlite3_int64 off) {
  WalFile* w = wal(f);
  WalState& s = *w->st;
  if (off == 0 && amt == kWalHeader) {  // the WAL starts over: a new header
    if (const int rc = flush(w); rc != SQLITE_OK) return rc;
    const uint32_t ps = big_endian32(static_cast<const char*>(data) + 8);
    s.page_size = ps == 1 ? 65536 : static_cast<int>(ps);
    s.want_page = false;
    return append(w, data, amt, off);
  }
  if (s.page_size > 0 && off == s.end) {  // a strict append
    if (!s.want_page && amt == kFrameHeader) {
      s.want_page = true;
      // Bytes 4-7 of a frame header: the database size after a commit, 0 in other frames.
      s.commit = big_endian32(static_cast<const char*>(data) + 4) != 0;
      return append(w, data, amt, off);
    }
    if (s.want_page && amt == s.page_size) {
      s.want_page = false;
      append(w, data, amt, off);
      ++s.buf_frames;
      // The commit frame's page: the transaction is complete, and SQLite publishes it in the
      // WAL index as soon as this returns.
      if (s.commit || s.buf.size() >= kMaxBuffer) return flush(w);
      return SQLITE_OK;
    }
  }
  // Anything else goes straight to the file, after what is buffered.
  if (const int rc = flush(w); rc != SQLITE_OK) return rc;
  const int rc = w->real->pMethods->xWrite(w->real, data, amt, off);
  if (rc != SQLITE_OK) return rc;
  // Learn the page size (and so where appends go) from a header/page pair written through:
  // a WAL that already existed when the connection opened has no new header to read it from.
  // (Buffering from any frame boundary is safe: what matters is that a commit's frames are all
  // in the file when its page is written, and that nothing else ever overtakes the buffer.)
  s.want_page = false;
  if (amt == kFrameHeader) {
    s.through_header = off;
  } else if (off == s.through_header + kFrameHeader && amt >= 512 && amt <= 65536 &&
             (amt & (amt - 1)) == 0 && (s.page_size == 0 || s.page_size == amt)) {
    s.page_size = amt;
    s.end = off + amt;
  }
  return SQLITE_OK;
}

int wal_close(sqlite3_file* f) {
  WalFile* w = wal(f);
  const int frc = flush(w);
  const int rc = w->real->pMethods ? w->real->pMethods->xClose(w->real) : SQLITE_OK;
  delete w->st;
  w->st = nullptr;
  return frc != SQLITE_OK ? frc : rc;
}

int wal_read(sqlite3_file* f, void* data, int amt, sqlite3_int64 off) {
  if (const int rc = flush(wal(f)); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xRead(real(f), data, amt, off);
}

int wal_truncate(sqlite3_file* f, sqlite3_int64 size) {
  WalFile* w = wal(f);
  if (const int rc = flush(w); rc != SQLITE_OK) return rc;
  if (w->st->end > size) w->st->end = -1;
  return w->real->pMethods->xTruncate(w->real, size);
}

int wal_sync(sqlite3_file* f, int flags) {
  if (const int rc = flush(wal(f)); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xSync(real(f), flags);
}

int wal_file_size(sqlite3_file* f, sqlite3_int64* size) {
  if (const int rc = flush(wal(f)); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xFileSize(real(f), size);
}

// Plain forwarders, for either wrapper.
int real_lock(sqlite3_file* f, int lock) { return real(f)->pMethods->xLock(real(f), lock); }
int real_unlock(sqlite3_file* f, int lock) { return real(f)->pMethods->xUnlock(real(f), lock); }
int real_check_reserved(sqlite3_file* f, int* out) {
  return real(f)->pMethods->xCheckReservedLock(real(f), out);
}
int real_sector_size(sqlite3_file* f) { return real(f)->pMethods->xSectorSize(real(f)); }
int real_device(sqlite3_file* f) { return real(f)->pMethods->xDeviceCharacteristics(real(f)); }

int wal_file_control(sqlite3_file* f, int op, void* arg) {
  if (const int rc = flush(wal(f)); rc != SQLITE_OK) return rc;
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}

// Version 1: a WAL file is never memory-mapped and has no shared memory (that is the database
// file's), so SQLite calls none of the later methods on it.
const sqlite3_io_methods kWalMethods = {
    1,           wal_close,       wal_read,         wal_write,  wal_truncate,
    wal_sync,    wal_file_size,   real_lock,        real_unlock, real_check_reserved,
    wal_file_control, real_sector_size, real_device,
    nullptr,     nullptr,         nullptr,          nullptr,    nullptr,
    nullptr};

// ---- the paced database file (the checkpointer's connection only; see wal_vfs.h)

PacedFile* paced(sqlite3_file* f) { return reinterpret_cast<PacedFile*>(f); }

int paced_write(sqlite3_file* f, const void* data, int amt, sqlite3_int64 off) {
  PacedFile* p = paced(f);
  if (const int rc = p->real->pMethods->xWrite(p->real, data, amt, off); rc != SQLITE_OK) {
    return rc;
  }
  p->unsynced += amt;
  if (p->unsynced < static_cast<sqlite3_int64>(kPaceBytes)) return SQLITE_OK;
  if (p->enabled && !p->enabled->load(std::memory_order_relaxed)) return SQLITE_OK;
  p->unsynced = 0;
  g_paced_syncs.fetch_add(1, std::memory_order_relaxed);
  return p->real->pMethods->xSync(p->real, SQLITE_SYNC_NORMAL);
}
int paced_sync(sqlite3_file* f, int flags) {
  paced(f)->unsynced = 0;
  return real(f)->pMethods->xSync(real(f), flags);
}
int paced_close(sqlite3_file* f) {
  return real(f)->pMethods ? real(f)->pMethods->xClose(real(f)) : SQLITE_OK;
}
int paced_read(sqlite3_file* f, void* d, int amt, sqlite3_int64 off) {
  return real(f)->pMethods->xRead(real(f), d, amt, off);
}
int paced_truncate(sqlite3_file* f, sqlite3_int64 size) {
  return real(f)->pMethods->xTruncate(real(f), size);
}
int paced_file_size(sqlite3_file* f, sqlite3_int64* size) {
  return real(f)->pMethods->xFileSize(real(f), size);
}
int paced_file_control(sqlite3_file* f, int op, void* arg) {
  if (op == kPacingSwitchOp) {
    paced(f)->enabled = static_cast<const std::atomic<bool>*>(arg);
    return SQLITE_OK;
  }
  if (op == SQLITE_FCNTL_FILE_POINTER) {  // our wrapper, so a sync through it resets the count
    *static_cast<sqlite3_file**>(arg) = f;
    return SQLITE_OK;
  }
  return real(f)->pMethods->xFileControl(real(f), op, arg);
}
int paced_shm_map(sqlite3_file* f, int pg, int pgsz, int extend, void volatile** pp) {
  return real(f)->pMethods->xShmMap(real(f), pg, pgsz, extend, pp);
}
int paced_shm_lock(sqlite3_file* f, int offset, int n, int flags) {
  return real(f)->pMethods->xShmLock(real(f), offset, n, flags);
}
void paced_shm_barrier(sqlite3_file* f) { real(f)->pMethods->xShmBarrier(real(f)); }
int paced_shm_unmap(sqlite3_file* f, int del) {
  return real(f)->pMethods->xShmUnmap(real(f), del);
}

// Version 2 (shared memory, no memory-mapped reads: the connection is opened without mmap, so
// SQLite never calls xFetch on it).
const sqlite3_io_methods kPacedMethods = {
    2,
    paced_close,
    paced_read,
    paced_write,
    paced_truncate,
    paced_sync,
    paced_file_size,
    real_lock,
    real_unlock,
    real_check_reserved,
    paced_file_control,
    real_sector_size,
    real_device,
    paced_shm_map,
    paced_shm_lock,
    paced_shm_barrier,
    paced_shm_unmap,
    nullptr,
    nullptr};

int open_paced(sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  if (const int rc = open_real(name, f, flags, out_flags); rc != SQLITE_OK) return rc;
  PacedFile* p = paced(f);
  p->unsynced = 0;
  p->enabled = nullptr;
  if (p->real->pMethods->iVersion < 2) {  // no shared memory: WAL mode needs it
    p->real->pMethods->xClose(p->real);
    return SQLITE_CANTOPEN;
  }
  p->base.pMethods = &kPacedMethods;
  return SQLITE_OK;
}

int vfs_open(sqlite3_vfs* vfs, sqlite3_filename name, sqlite3_file* f, int flags,
             int* out_flags) {
  if ((flags & SQLITE_OPEN_MAIN_DB) && vfs == &g_paced_vfs) {
    return open_paced(name, f, flags, out_flags);
  }
  if (!(flags & SQLITE_OPEN_WAL)) return g_real->xOpen(g_real, name, f, flags, out_flags);
  if (const int rc = open_real(name, f, flags, out_flags); rc != SQLITE_OK) return rc;
  WalFile* w = wal(f);
  w->st = new (std::nothrow) WalState();
  if (!w->st) {
    w->real->pMethods->xClose(w->real);
    return SQLITE_NOMEM;
  }
  w->base.pMethods = &kWalMethods;
  return SQLITE_OK;
}

}  // namespace

WalVfsCounts wal_vfs_counts() {
  return {g_batched_frames.load(std::memory_order_relaxed),
          g_batched_writes.load(std::memory_order_relaxed),
          g_paced_syncs.load(std::memory_order_relaxed)};
}

namespace {
std::once_flag g_once;
void register_vfs() {
  std::call_once(g_once, [] {
    g_real = sqlite3_vfs_find(nullptr);
    if (!g_real) throw std::runtime_error("SQLite has no default VFS");
    g_vfs = *g_real;  // every method but xOpen is the default VFS's own
    g_vfs.pNext = nullptr;
    g_vfs.zName = "sb-wal";
    g_vfs.szOsFile = static_cast<int>(kRealOffset) + g_real->szOsFile;
    g_vfs.xOpen = vfs_open;
    g_paced_vfs = g_vfs;
    g_paced_vfs.zName = "sb-wal-paced";
    if (sqlite3_vfs_register(&g_vfs, 0) != SQLITE_OK ||
        sqlite3_vfs_register(&g_paced_vfs, 0) != SQLITE_OK) {
      throw std::runtime_error("cannot register the sb-wal SQLite VFS");
    }
  });
}
}  // namespace

const char* wal_batching_vfs() {
  register_vfs();
  return g_vfs.zName;
}

const char* wal_paced_vfs() {
  register_vfs();
  return g_paced_vfs.zName;
}

}  // namespace sb::store
