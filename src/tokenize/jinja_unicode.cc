#include "tokenize/jinja_unicode.h"

namespace tessera::jinja {
namespace {

constexpr char32_t kReplacement = 0xFFFD;

bool is_continuation(unsigned char b) { return (b & 0xC0) == 0x80; }

// Case pairs outside ASCII where upper and lower differ by a fixed offset over a range.
struct CaseRange {
  char32_t upper_first;
  char32_t upper_last;
  int32_t delta;  // lower = upper + delta
};

constexpr CaseRange kCaseRanges[] = {
    {0x00C0, 0x00D6, 32}, {0x00D8, 0x00DE, 32}, {0x0391, 0x03A1, 32},
    {0x03A3, 0x03AB, 32}, {0x0410, 0x042F, 32}, {0x0400, 0x040F, 80},
};

// Latin Extended-A and Cyrillic supplements alternate upper (even) and lower (odd) code points.
bool alternating_upper(char32_t c) {
  if (c >= 0x0100 && c <= 0x0137) return c % 2 == 0;
  if (c >= 0x0139 && c <= 0x0148) return c % 2 == 1;
  if (c >= 0x014A && c <= 0x0177) return c % 2 == 0;
  if (c >= 0x0179 && c <= 0x017E) return c % 2 == 1;
  if (c >= 0x0460 && c <= 0x0481) return c % 2 == 0;
  if (c >= 0x048A && c <= 0x04BF) return c % 2 == 0;
  return false;
}

bool alternating_lower(char32_t c) {
  if (c >= 0x0101 && c <= 0x0137) return c % 2 == 1;
  if (c >= 0x013A && c <= 0x0148) return c % 2 == 0;
  if (c >= 0x014B && c <= 0x0177) return c % 2 == 1;
  if (c >= 0x017A && c <= 0x017E) return c % 2 == 0;
  if (c >= 0x0461 && c <= 0x0481) return c % 2 == 1;
  if (c >= 0x048B && c <= 0x04BF) return c % 2 == 1;
  return false;
}

}  // namespace

size_t utf8_decode(std::string_view s, size_t pos, char32_t* code_point) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) {
    *code_point = b0;
    return 1;
  }
  size_t length = 0;
  char32_t value = 0;
  char32_t minimum = 0;
  if ((b0 & 0xE0) == 0xC0) {
    length = 2, value = b0 & 0x1F, minimum = 0x80;
  } else if ((b0 & 0xF0) == 0xE0) {
    length = 3, value = b0 & 0x0F, minimum = 0x800;
  } else if ((b0 & 0xF8) == 0xF0) {
    length = 4, value = b0 & 0x07, minimum = 0x10000;
  } else {
    *code_point = kReplacement;
    return 1;
  }
  if (pos + length > s.size()) {
    *code_point = kReplacement;
    return 1;
  }
  for (size_t i = 1; i < length; ++i) {
    const auto b = static_cast<unsigned char>(s[pos + i]);
    if (!is_continuation(b)) {
      *code_point = kReplacement;
      return 1;
    }
    value = (value << 6) | (b & 0x3F);
  }
  if (value < minimum || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    *code_point = kReplacement;
    return 1;
  }
  *code_point = value;
  return length;
}

void utf8_append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::vector<size_t> utf8_boundaries(std::string_view s) {
  std::vector<size_t> offsets;
  offsets.reserve(s.size() + 1);
  char32_t c = 0;
  for (size_t pos = 0; pos < s.size(); pos += utf8_decode(s, pos, &c)) offsets.push_back(pos);
  offsets.push_back(s.size());
  return offsets;
}

size_t utf8_length(std::string_view s) {
  size_t count = 0;
  char32_t c = 0;
  for (size_t pos = 0; pos < s.size(); pos += utf8_decode(s, pos, &c)) ++count;
  return count;
}

bool is_space(char32_t c) {
  return (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x20) || c == 0x85 || c == 0xA0 ||
         c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
         c == 0x205F || c == 0x3000;
}

bool is_line_break(char32_t c) {
  return c == '\n' || c == '\r' || c == 0x0B || c == 0x0C || (c >= 0x1C && c <= 0x1E) ||
         c == 0x85 || c == 0x2028 || c == 0x2029;
}

bool is_digit(char32_t c) { return c >= '0' && c <= '9'; }

bool is_alpha(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
  if (is_cased(c)) return true;
  // Scripts without case (CJK, kana, Hangul, Arabic, Hebrew, Devanagari, Thai) are still letters.
  return (c >= 0x05D0 && c <= 0x05EA) || (c >= 0x0620 && c <= 0x064A) ||
         (c >= 0x0904 && c <= 0x0939) || (c >= 0x0E01 && c <= 0x0E30) ||
         (c >= 0x3041 && c <= 0x30FF && c != 0x30FB) || (c >= 0x3400 && c <= 0x4DBF) ||
         (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) || c == 0xAA || c == 0xBA ||
         c == 0xDF;
}

char32_t to_lower(char32_t c) {
  if (c < 0x80) return (c >= 'A' && c <= 'Z') ? c + 32 : c;
  for (const CaseRange& r : kCaseRanges) {
    if (c >= r.upper_first && c <= r.upper_last) return static_cast<char32_t>(c + r.delta);
  }
  if (alternating_upper(c)) return c + 1;
  if (c == 0x0178) return 0x00FF;
  if (c == 0x0130) return 'i';
  return c;
}

char32_t to_upper(char32_t c) {
  if (c < 0x80) return (c >= 'a' && c <= 'z') ? c - 32 : c;
  for (const CaseRange& r : kCaseRanges) {
    if (c >= r.upper_first + r.delta && c <= r.upper_last + r.delta) {
      return static_cast<char32_t>(c - r.delta);
    }
  }
  if (c == 0x03C2) return 0x03A3;  // final sigma
  if (alternating_lower(c)) return c - 1;
  if (c == 0x00FF) return 0x0178;
  if (c == 0x00B5) return 0x039C;
  if (c == 0x0131) return 'I';
  return c;
}

bool is_cased(char32_t c) {
  return to_lower(c) != c || to_upper(c) != c || c == 0xDF || c == 0x0138 || c == 0x0149;
}

namespace {

template <typename Fn>
std::string map_code_points(std::string_view s, Fn fn) {
  std::string out;
  out.reserve(s.size());
  char32_t c = 0;
  for (size_t pos = 0; pos < s.size();) {
    const size_t n = utf8_decode(s, pos, &c);
    if (c == kReplacement && n == 1 && static_cast<unsigned char>(s[pos]) >= 0x80) {
      out.push_back(s[pos]);  // keep malformed bytes as they were
    } else {
      utf8_append(out, fn(c));
    }
    pos += n;
  }
  return out;
}

}  // namespace

std::string lower(std::string_view s) { return map_code_points(s, to_lower); }
std::string upper(std::string_view s) { return map_code_points(s, to_upper); }

std::string title(std::string_view s) {
  bool previous_cased = false;
  return map_code_points(s, [&](char32_t c) {
    const char32_t mapped = previous_cased ? to_lower(c) : to_upper(c);
    previous_cased = is_cased(c);
    return mapped;
  });
}

std::string capitalize(std::string_view s) {
  bool first = true;
  return map_code_points(s, [&](char32_t c) {
    const char32_t mapped = first ? to_upper(c) : to_lower(c);
    first = false;
    return mapped;
  });
}

std::string strip(std::string_view s, const std::string* chars, bool left, bool right) {
  std::vector<char32_t> set;
  if (chars != nullptr) {
    char32_t c = 0;
    for (size_t pos = 0; pos < chars->size();) {
      pos += utf8_decode(*chars, pos, &c);
      set.push_back(c);
    }
  }
  auto strippable = [&](char32_t c) {
    if (chars == nullptr) return is_space(c);
    for (char32_t x : set) {
      if (x == c) return true;
    }
    return false;
  };
  const std::vector<size_t> at = utf8_boundaries(s);
  size_t begin = 0;
  size_t end = at.size() - 1;  // in code points
  char32_t c = 0;
  if (left) {
    while (begin < end && (utf8_decode(s, at[begin], &c), strippable(c))) ++begin;
  }
  if (right) {
    while (end > begin && (utf8_decode(s, at[end - 1], &c), strippable(c))) --end;
  }
  return std::string(s.substr(at[begin], at[end] - at[begin]));
}

std::vector<std::string> split_lines(std::string_view s, bool keep_ends) {
  std::vector<std::string> lines;
  size_t start = 0;
  char32_t c = 0;
  for (size_t pos = 0; pos < s.size();) {
    const size_t n = utf8_decode(s, pos, &c);
    if (!is_line_break(c)) {
      pos += n;
      continue;
    }
    size_t end = pos + n;
    if (c == '\r' && end < s.size() && s[end] == '\n') ++end;
    lines.emplace_back(s.substr(start, (keep_ends ? end : pos) - start));
    start = pos = end;
  }
  if (start < s.size()) lines.emplace_back(s.substr(start));
  return lines;
}

}  // namespace tessera::jinja
