#include "base/progress.h"

#include <unistd.h>

#include <cstdio>

namespace tessera {

ProgressBar::ProgressBar(std::string label)
    : label_(std::move(label)), enabled_(isatty(STDERR_FILENO) == 1) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::update(size_t done, size_t total) {
  if (!enabled_ || finished_ || total == 0) return;
  constexpr int kWidth = 40;
  const int filled = static_cast<int>(done * kWidth / total);
  std::fprintf(stderr, "\r%s [", label_.c_str());
  for (int i = 0; i < kWidth; ++i) std::fputc(i < filled ? '#' : '.', stderr);
  std::fprintf(stderr, "] %zu/%zu (%3zu%%)", done, total, done * 100 / total);
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (!enabled_ || finished_) return;
  finished_ = true;
  std::fputc('\n', stderr);
}

}  // namespace tessera
