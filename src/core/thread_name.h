// Names the calling thread (visible in top -H, perf and gdb); at most 15 characters.
#pragma once

#include <pthread.h>

namespace sb {

inline void set_thread_name(const char* name) { pthread_setname_np(pthread_self(), name); }

}  // namespace sb
