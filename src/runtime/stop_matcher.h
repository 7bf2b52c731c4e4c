// Stop strings over streamed text: text is released only once it can no longer be the start of a
// stop string, so a client never sees part of a stop string that later completes.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace tessera {

class StopMatcher {
 public:
  explicit StopMatcher(std::vector<std::string> stops);

  // Adds generated text; returns what can be released now. After a stop string is found,
  // `stopped()` is true, the text before it has been released and the rest is dropped.
  std::string push(std::string_view text);
  // Releases what was held back (generation ended without a stop string).
  std::string finish();
  bool stopped() const { return stopped_; }

 private:
  std::vector<std::string> stops_;
  std::string held_;
  bool stopped_ = false;
};

}  // namespace tessera
