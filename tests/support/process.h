// Test support: runs the real switchboard binary as a child process and talks to it over HTTP.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/http_types.h"

namespace sb::test {

// A fresh temporary directory, removed when destroyed.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  const std::string& path() const { return path_; }
  std::string file(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

// A child process with stdout captured line by line; stderr goes to `stderr_path`.
class Process {
 public:
  // `open_stdin`: the child reads a pipe that write_line feeds (else it inherits our stdin).
  Process(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
          const std::string& stderr_path, bool open_stdin = false);
  ~Process();  // SIGKILLs the child if it still runs

  // Writes `line` and a newline to the child's stdin (open_stdin); throws when it cannot.
  void write_line(const std::string& line);
  // Closes the child's stdin (end of input).
  void close_stdin();
  // Waits for a stdout line containing `needle`; returns it, or throws after `timeout`.
  std::string wait_for_line(const std::string& needle, std::chrono::milliseconds timeout);
  // All stdout lines read so far.
  const std::vector<std::string>& lines() const { return lines_; }
  // Reads what the child printed within `timeout` into lines(); false when nothing came.
  bool poll(std::chrono::milliseconds timeout) { return read_some(timeout); }
  void signal(int sig);
  // Waits for exit; returns the exit status (or 128+signal), or -1 on timeout.
  int wait(std::chrono::milliseconds timeout);
  pid_t pid() const { return pid_; }

 private:
  bool read_some(std::chrono::milliseconds timeout);
  pid_t pid_ = -1;
  int out_fd_ = -1;
  int in_fd_ = -1;
  std::string buffer_;
  std::vector<std::string> lines_;
  bool exited_ = false;
  int status_ = 0;
};

// Runs a command to completion; returns exit code and stdout.
struct CommandResult {
  int exit_code;
  std::string out;
};
CommandResult run_command(const std::vector<std::string>& argv,
                          const std::map<std::string, std::string>& env = {});
// run_command with `input` written to the child's stdin (then closed), for commands that read it.
CommandResult run_command_with_input(const std::vector<std::string>& argv, const std::string& input,
                                     const std::map<std::string, std::string>& env = {});

// Polls `cond` until true or the deadline passes (no fixed sleeps: short back-off between polls).
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// Path of the binary under test (set by CMake).
std::string switchboard_bin();

}  // namespace sb::test
