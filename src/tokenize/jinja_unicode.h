// UTF-8 helpers for the Jinja interpreter. Python strings index, slice, measure and case-map by
// code point, so the interpreter's std::string values (UTF-8) need code-point views of themselves.
// Case mapping covers ASCII, Latin-1, Latin Extended-A, Greek and Cyrillic; other scripts pass
// through.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::jinja {

// Decodes the code point starting at byte `pos` and returns its length in bytes (at least 1). A
// malformed byte decodes as U+FFFD of length 1, so every byte belongs to exactly one code point.
size_t utf8_decode(std::string_view s, size_t pos, char32_t* code_point);
void utf8_append(std::string& out, char32_t code_point);
// Byte offset of every code point, followed by s.size(): offsets[i]..offsets[i+1] is character i.
std::vector<size_t> utf8_boundaries(std::string_view s);
size_t utf8_length(std::string_view s);

bool is_space(char32_t c);       // Python str.isspace()
bool is_line_break(char32_t c);  // the separators of Python str.splitlines()
bool is_digit(char32_t c);
bool is_alpha(char32_t c);
char32_t to_lower(char32_t c);
char32_t to_upper(char32_t c);
bool is_cased(char32_t c);

std::string lower(std::string_view s);
std::string upper(std::string_view s);
std::string title(std::string_view s);       // Python str.title()
std::string capitalize(std::string_view s);  // Python str.capitalize()
// Python str.strip()/lstrip()/rstrip(): whitespace when `chars` is null, else any code point in
// chars.
std::string strip(std::string_view s, const std::string* chars, bool left, bool right);
// Python str.splitlines(keepends).
std::vector<std::string> split_lines(std::string_view s, bool keep_ends);

}  // namespace tessera::jinja
