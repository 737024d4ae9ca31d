// A VFS over SQLite's default one that hands each transaction's WAL frames to the kernel in one
// write instead of two per page.
#pragma once

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

// Process-wide counts since start: frames that went out in a batched write, and the writes
// issued for them (for tests and diagnostics).
struct WalVfsCounts {
  uint64_t batched_frames = 0;
  uint64_t batched_writes = 0;
};
WalVfsCounts wal_vfs_counts();

}  // namespace sb::store
