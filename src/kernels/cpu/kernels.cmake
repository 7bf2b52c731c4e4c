# Per-file instruction-set flags for the CPU kernels (src/kernels/cpu/). Each SIMD variant lives
# in its own file compiled with its own -m flags; nothing else in the build gets them, so the one
# binary runs on any x86-64 CPU and cpu_features.cc picks at run time what the CPU can execute.
# Included from the top-level CMakeLists.txt (source file properties are per directory).
if(CMAKE_SYSTEM_PROCESSOR MATCHES "^(x86_64|AMD64|amd64)$")
  set(_tessera_kernels ${CMAKE_CURRENT_LIST_DIR})
  set(_tessera_avx2 "-mavx2;-mfma;-mf16c")
  set(_tessera_avx512 "${_tessera_avx2};-mavx512f;-mavx512bw;-mavx512vl")
  if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    # GCC 12's AVX-512 intrinsics start from self-initialised "undefined" vectors, which its own
    # -Wuninitialized then reports inside the headers (GCC bug 105593, fixed in GCC 13).
    list(APPEND _tessera_avx512 "-Wno-uninitialized;-Wno-maybe-uninitialized")
  endif()
  set_source_files_properties(${_tessera_kernels}/matmul_avx2.cc
    PROPERTIES COMPILE_OPTIONS "${_tessera_avx2}")
  set_source_files_properties(${_tessera_kernels}/matmul_avxvnni.cc
    PROPERTIES COMPILE_OPTIONS "${_tessera_avx2};-mavxvnni")
  set_source_files_properties(${_tessera_kernels}/matmul_avx512.cc
    PROPERTIES COMPILE_OPTIONS "${_tessera_avx512}")
  set_source_files_properties(${_tessera_kernels}/matmul_avx512vnni.cc
    PROPERTIES COMPILE_OPTIONS "${_tessera_avx512};-mavx512vnni")
endif()
# Other architectures build the scalar kernels only (tessera_add_module leaves the AVX files out).
