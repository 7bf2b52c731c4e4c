#include "models/kv_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <new>

namespace tessera {
namespace {

size_t page_bytes() {
  static const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
  return page;
}

size_t mapped_bytes(uint64_t bytes) {
  const size_t page = page_bytes();
  return (static_cast<size_t>(bytes) + page - 1) / page * page;
}

}  // namespace

KvCache::KvCache(KvCache&& other) noexcept
    : n_layers_(other.n_layers_),
      context_(other.context_),
      kv_dim_(other.kv_dim_),
      seqs_(std::move(other.seqs_)),
      allocated_bytes_(other.allocated_bytes_) {
  other.seqs_.clear();
  other.allocated_bytes_ = 0;
}

KvCache::~KvCache() {
  for (auto& [seq, table] : seqs_) {
    for (const KvBlock& block : table) free_block(block);
  }
}

int64_t KvCache::positions_for_tokens(int64_t tokens) const {
  if (tokens <= 0 || tokens > context_) return context_;
  const int64_t rounded = (tokens + kKvBlockTokens - 1) / kKvBlockTokens * kKvBlockTokens;
  return std::min(rounded, context_);
}

KvBlock KvCache::allocate(int64_t block_index) {
  KvBlock block;
  block.rows = std::min(kKvBlockTokens, context_ - block_index * kKvBlockTokens);
  const uint64_t bytes = static_cast<uint64_t>(block.rows) * bytes_per_token();
  // Straight from the kernel, not malloc: a dropped sequence's blocks go back to the system at
  // once (the slice's arena has already been told), and untouched pages cost nothing.
  void* data = mmap(nullptr, mapped_bytes(bytes), PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (data == MAP_FAILED) throw std::bad_alloc();
  block.data = static_cast<float*>(data);
  allocated_bytes_ += bytes;
  return block;
}

void KvCache::free_block(const KvBlock& block) {
  const uint64_t bytes = static_cast<uint64_t>(block.rows) * bytes_per_token();
  munmap(block.data, mapped_bytes(bytes));
  allocated_bytes_ -= bytes;
}

float* KvCache::slot(int32_t seq, int64_t layer, int64_t pos, int which) {
  std::vector<KvBlock>& table = seqs_[seq];
  const int64_t index = pos / kKvBlockTokens;
  while (static_cast<int64_t>(table.size()) <= index) {
    table.push_back(allocate(static_cast<int64_t>(table.size())));
  }
  const KvBlock& block = table[static_cast<size_t>(index)];
  const int64_t row = pos - index * kKvBlockTokens;
  return block.data + ((which * n_layers_ + layer) * block.rows + row) * kv_dim_;
}

void KvCache::drop(int32_t seq) {
  auto it = seqs_.find(seq);
  if (it == seqs_.end()) return;
  for (const KvBlock& block : it->second) free_block(block);
  seqs_.erase(it);
}

}  // namespace tessera
