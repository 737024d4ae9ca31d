// One page of a listing: the rows, and whether another page follows (the cursor is the surface's).
#pragma once

#include <vector>

namespace sb::engine {

template <typename T>
struct Page {
  std::vector<T> items;
  bool more = false;  // rows exist after the last item in the listing's order
};

// Cuts `rows`, read with a limit one above `limit`, to a page of at most `limit`.
template <typename T>
Page<T> page_of(std::vector<T> rows, int limit) {
  Page<T> p;
  p.more = limit >= 0 && rows.size() > static_cast<size_t>(limit);
  if (p.more) rows.resize(static_cast<size_t>(limit));
  p.items = std::move(rows);
  return p;
}

}  // namespace sb::engine
