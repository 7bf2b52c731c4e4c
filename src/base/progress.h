// A one-line progress bar on stderr, drawn only when stderr is a terminal, so logs and pipes stay
// clean.
#pragma once

#include <cstddef>
#include <string>

namespace tessera {

class ProgressBar {
 public:
  explicit ProgressBar(std::string label);
  ~ProgressBar();
  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  void update(size_t done, size_t total);
  void finish();
  bool enabled() const { return enabled_; }

 private:
  std::string label_;
  bool enabled_;
  bool finished_ = false;
};

}  // namespace tessera
