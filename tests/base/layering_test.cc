// The layers' dependencies are declared once, in CMakeLists.txt (tessera_add_module ... DEPS);
// every `#include "module/..."` in src/<module>/ must name the module itself or one it declares.
// All headers share the src/ include root, so without this check a new edge between layers would
// build silently. Models in particular must not reach the CPU kernels: they run on a Backend.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>

namespace tessera {
namespace {

namespace fs = std::filesystem;

// "module:dep dep dep" per line, written by tests/CMakeLists.txt from the modules' declarations.
std::map<std::string, std::set<std::string>> declared_edges() {
  std::map<std::string, std::set<std::string>> edges;
  std::ifstream in(TESSERA_MODULE_EDGES_FILE);
  std::string line;
  while (std::getline(in, line)) {
    const size_t colon = line.find(':');
    if (colon == std::string::npos) continue;
    std::set<std::string>& deps = edges[line.substr(0, colon)];
    std::istringstream words(line.substr(colon + 1));
    for (std::string dep; words >> dep;) deps.insert(dep);
  }
  return edges;
}

TEST(Layering, EveryIncludeAcrossModulesIsDeclared) {
  const std::map<std::string, std::set<std::string>> edges = declared_edges();
  ASSERT_GE(edges.size(), 12u) << "module edges missing from " << TESSERA_MODULE_EDGES_FILE;
  const fs::path src = fs::path(TESSERA_TEST_SOURCE_DIR).parent_path() / "src";
  const std::regex include(R"re(^\s*#\s*include\s+"([a-z_]+)/)re");
  int checked = 0;
  for (const fs::directory_entry& dir : fs::directory_iterator(src)) {
    if (!dir.is_directory()) continue;
    const std::string module = dir.path().filename().string();
    auto declared = edges.find(module);
    ASSERT_NE(declared, edges.end()) << "src/" << module << " is not a declared module";
    for (const fs::directory_entry& file : fs::recursive_directory_iterator(dir.path())) {
      const std::string ext = file.path().extension().string();
      if (ext != ".h" && ext != ".cc") continue;
      std::ifstream in(file.path());
      std::string line;
      for (int n = 1; std::getline(in, line); ++n) {
        std::smatch m;
        if (!std::regex_search(line, m, include)) continue;
        const std::string target = m[1];
        if (target == module || !edges.count(target)) continue;  // own files; generated protos
        ++checked;
        EXPECT_TRUE(declared->second.count(target))
            << fs::relative(file.path(), src).string() << ":" << n << " includes " << target
            << "/, which module " << module << " does not declare in CMakeLists.txt";
      }
    }
  }
  EXPECT_GT(checked, 100);
}

TEST(Layering, ModelsReachNoCpuKernel) {
  const std::map<std::string, std::set<std::string>> edges = declared_edges();
  EXPECT_FALSE(edges.at("models").count("kernels"));
  EXPECT_FALSE(edges.at("runtime").count("kernels"));
}

}  // namespace
}  // namespace tessera
