// A VFS over SQLite's default one that hands each transaction's WAL frames to the kernel in one
// write instead of two per page.
#pragma once

#include <atomic>
#include <cstdint>

namespace sb::store {

// The name of the VFS to open connections with ("sb-wal"); registered on first use. Files other
// than WAL files are the default VFS's own, untouched.
//
// SQLite appends a frame as two writes, a 24-byte header then the page: a commit of 100 pages
// is 200 pwrite calls, each through the filesystem's per-call and per-folio paths (frames are
// not block-aligned, so a page straddles two folios). In bench/run.sh that was ~27 % of the
// writer thread. This VFS buffers the frames a transaction appends and writes them with one call
// when the commit frame's page arrives, which is still inside COMMIT: before SQLite publishes the
// new frames in the WAL index, so no reader can look for a frame that is not in the file yet.
//
// Only strict appends are buffered (the WAL header at offset 0, then header/page pairs, each at
// the end of what was written before). Anything else (a page overwritten in place, checksums
// rewritten, a read, a sync, a truncate, a size query, a file control, close) first writes out
// what is buffered and then goes straight to the file, so the file never lacks a byte SQLite has
// acted on. A commit frame's page is never left in the buffer.
const char* wal_batching_vfs();

// The same VFS, but the main database file syncs itself after every kPaceBytes written. For the
// checkpointer's connection: a checkpoint pass writes megabytes of pages into the database file,
// and on a virtual disk the first fsync after them (usually the outbox's WAL sync, which a 202
// waits for) paid for all of them: one 8 MB pass took a concurrent 160 KB fsync's p99 from 1.5
// to 9.7 ms, against 2.0 ms when the pass synced every 64 KB (docs/benchmarks.md). Synced in
// small pieces on the checkpointer's own thread, the pages reach the disk a little at a time
// and the WAL sync waits behind at most one piece. Connections on this VFS must not memory-map
// the database file (PRAGMA mmap_size stays 0, SQLite's default).
const char* wal_paced_vfs();
constexpr unsigned kPaceBytes = 256u << 10;
// sqlite3_file_control(db, "main", kPacingSwitchOp, const std::atomic<bool>*) on a paced
// connection: pace only while *switch is true (the checkpointer turns pacing off when it falls
// behind, so the WAL never grows to where commits checkpoint themselves).
constexpr int kPacingSwitchOp = 0x53420001;

// Process-wide counts since start: frames that went out in a batched write, the writes issued
// for them, and the syncs the paced VFS added (for tests and diagnostics).
struct WalVfsCounts {
  uint64_t batched_frames = 0;
  uint64_t batched_writes = 0;
  uint64_t paced_syncs = 0;
};
WalVfsCounts wal_vfs_counts();

}  // namespace sb::store
