// Run-time loading of cuBLAS and cuBLASLt.
//
// The harness must build on machines that have the CUDA compiler but neither
// cuBLAS headers nor cuBLAS libraries, so the few types, enum values and entry
// points it needs are declared here and the libraries are opened with dlopen
// when the process starts. Only the subset used by the baselines is declared.
#pragma once

#include <dirent.h>
#include <dlfcn.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdlib>
#include <deque>
#include <string>
#include <utility>
#include <vector>

#include <library_types.h>  // cudaDataType (ships with the CUDA runtime headers)

namespace kf {

// ---- cuBLAS declarations (values match the public cuBLAS 12/13 headers) ----
typedef int cublasStatus_t;
constexpr cublasStatus_t CUBLAS_STATUS_SUCCESS = 0;

struct cublasContext;
typedef cublasContext* cublasHandle_t;

typedef int cublasOperation_t;
constexpr cublasOperation_t CUBLAS_OP_N = 0;
constexpr cublasOperation_t CUBLAS_OP_T = 1;

typedef int cublasComputeType_t;
constexpr cublasComputeType_t CUBLAS_COMPUTE_32F = 68;

typedef int cublasGemmAlgo_t;
constexpr cublasGemmAlgo_t CUBLAS_GEMM_DEFAULT = -1;

// ---- cuBLASLt declarations ----
struct cublasLtContext;
typedef cublasLtContext* cublasLtHandle_t;
struct cublasLtMatmulDescOpaque;
typedef cublasLtMatmulDescOpaque* cublasLtMatmulDesc_t;
struct cublasLtMatrixLayoutOpaque;
typedef cublasLtMatrixLayoutOpaque* cublasLtMatrixLayout_t;
struct cublasLtMatmulPreferenceOpaque;
typedef cublasLtMatmulPreferenceOpaque* cublasLtMatmulPreference_t;

struct cublasLtMatmulAlgo_t {
  uint64_t data[8];
};
struct cublasLtMatmulHeuristicResult_t {
  cublasLtMatmulAlgo_t algo;
  size_t workspaceSize;
  cublasStatus_t state;
  float wavesCount;
  int reserved[4];
};
static_assert(sizeof(cublasLtMatmulHeuristicResult_t) == 96, "heuristic result layout");

typedef int cublasLtMatmulDescAttributes_t;
constexpr cublasLtMatmulDescAttributes_t CUBLASLT_MATMUL_DESC_TRANSA = 3;
constexpr cublasLtMatmulDescAttributes_t CUBLASLT_MATMUL_DESC_TRANSB = 4;

typedef int cublasLtMatmulPreferenceAttributes_t;
constexpr cublasLtMatmulPreferenceAttributes_t CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES = 1;

// ---- entry point signatures ----
typedef cublasStatus_t (*PFN_cublasCreate)(cublasHandle_t*);
typedef cublasStatus_t (*PFN_cublasDestroy)(cublasHandle_t);
typedef cublasStatus_t (*PFN_cublasSetStream)(cublasHandle_t, void* stream);
typedef cublasStatus_t (*PFN_cublasGetVersion)(cublasHandle_t, int*);
typedef const char* (*PFN_cublasGetStatusName)(cublasStatus_t);
typedef cublasStatus_t (*PFN_cublasGemmEx)(cublasHandle_t, cublasOperation_t, cublasOperation_t, int m, int n,
                                           int k, const void* alpha, const void* A, cudaDataType Atype, int lda,
                                           const void* B, cudaDataType Btype, int ldb, const void* beta, void* C,
                                           cudaDataType Ctype, int ldc, cublasComputeType_t, cublasGemmAlgo_t);

typedef cublasStatus_t (*PFN_cublasLtCreate)(cublasLtHandle_t*);
typedef cublasStatus_t (*PFN_cublasLtDestroy)(cublasLtHandle_t);
typedef size_t (*PFN_cublasLtGetVersion)();
typedef cublasStatus_t (*PFN_cublasLtMatmulDescCreate)(cublasLtMatmulDesc_t*, cublasComputeType_t, cudaDataType);
typedef cublasStatus_t (*PFN_cublasLtMatmulDescDestroy)(cublasLtMatmulDesc_t);
typedef cublasStatus_t (*PFN_cublasLtMatmulDescSetAttribute)(cublasLtMatmulDesc_t, cublasLtMatmulDescAttributes_t,
                                                             const void*, size_t);
typedef cublasStatus_t (*PFN_cublasLtMatrixLayoutCreate)(cublasLtMatrixLayout_t*, cudaDataType, uint64_t rows,
                                                         uint64_t cols, int64_t ld);
typedef cublasStatus_t (*PFN_cublasLtMatrixLayoutDestroy)(cublasLtMatrixLayout_t);
typedef cublasStatus_t (*PFN_cublasLtMatmulPreferenceCreate)(cublasLtMatmulPreference_t*);
typedef cublasStatus_t (*PFN_cublasLtMatmulPreferenceDestroy)(cublasLtMatmulPreference_t);
typedef cublasStatus_t (*PFN_cublasLtMatmulPreferenceSetAttribute)(cublasLtMatmulPreference_t,
                                                                   cublasLtMatmulPreferenceAttributes_t, const void*,
                                                                   size_t);
typedef cublasStatus_t (*PFN_cublasLtMatmulAlgoGetHeuristic)(cublasLtHandle_t, cublasLtMatmulDesc_t,
                                                             cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,
                                                             cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,
                                                             cublasLtMatmulPreference_t, int requested,
                                                             cublasLtMatmulHeuristicResult_t* results,
                                                             int* returned);
typedef cublasStatus_t (*PFN_cublasLtMatmul)(cublasLtHandle_t, cublasLtMatmulDesc_t, const void* alpha,
                                             const void* A, cublasLtMatrixLayout_t, const void* B,
                                             cublasLtMatrixLayout_t, const void* beta, const void* C,
                                             cublasLtMatrixLayout_t, void* D, cublasLtMatrixLayout_t,
                                             const cublasLtMatmulAlgo_t*, void* workspace, size_t workspaceBytes,
                                             void* stream);

// One dynamically opened library plus the record of where it was looked for.
struct LoadedLibrary {
  bool found = false;
  void* handle = nullptr;
  std::string path;                   // full path that was opened
  std::vector<std::string> searched;  // every candidate tried, in order
  std::string error;                  // summary when not found
  std::string lastDlError;
};

struct CublasApi {
  LoadedLibrary lib;
  PFN_cublasCreate create = nullptr;
  PFN_cublasDestroy destroy = nullptr;
  PFN_cublasSetStream setStream = nullptr;
  PFN_cublasGetVersion getVersion = nullptr;
  PFN_cublasGetStatusName getStatusName = nullptr;  // optional
  PFN_cublasGemmEx gemmEx = nullptr;
};

struct CublasLtApi {
  LoadedLibrary lib;
  PFN_cublasLtCreate create = nullptr;
  PFN_cublasLtDestroy destroy = nullptr;
  PFN_cublasLtGetVersion getVersion = nullptr;
  PFN_cublasLtMatmulDescCreate descCreate = nullptr;
  PFN_cublasLtMatmulDescDestroy descDestroy = nullptr;
  PFN_cublasLtMatmulDescSetAttribute descSetAttribute = nullptr;
  PFN_cublasLtMatrixLayoutCreate layoutCreate = nullptr;
  PFN_cublasLtMatrixLayoutDestroy layoutDestroy = nullptr;
  PFN_cublasLtMatmulPreferenceCreate prefCreate = nullptr;
  PFN_cublasLtMatmulPreferenceDestroy prefDestroy = nullptr;
  PFN_cublasLtMatmulPreferenceSetAttribute prefSetAttribute = nullptr;
  PFN_cublasLtMatmulAlgoGetHeuristic algoGetHeuristic = nullptr;
  PFN_cublasLtMatmul matmul = nullptr;
};

namespace cublas_loader_detail {

inline bool isDirectory(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

inline void addUnique(std::vector<std::string>& v, const std::string& s) {
  if (s.empty()) return;
  for (const auto& e : v)
    if (e == s) return;
  v.push_back(s);
}

inline void splitColonList(const char* s, std::vector<std::string>& out) {
  if (!s) return;
  std::string cur;
  for (const char* p = s;; ++p) {
    if (*p == ':' || *p == '\0') {
      addUnique(out, cur);
      cur.clear();
      if (*p == '\0') break;
    } else {
      cur += *p;
    }
  }
}

// Bounded breadth-first walk under `root` looking for Python package folders
// ("site-packages" or "dist-packages"), then for the NVIDIA wheel layouts that
// carry cuBLAS inside them. Symbolic links are not followed, the depth and the
// number of directories visited are capped, so the walk stays fast.
inline void findWheelLibDirs(const std::string& root, std::vector<std::string>& out) {
  const int kMaxDepth = 7;
  const size_t kMaxVisited = 20000;
  size_t visited = 0;
  std::deque<std::pair<std::string, int>> queue;
  queue.emplace_back(root, 0);
  while (!queue.empty() && visited < kMaxVisited) {
    auto [dir, depth] = queue.front();
    queue.pop_front();
    ++visited;
    DIR* d = ::opendir(dir.c_str());
    if (!d) continue;
    while (struct dirent* ent = ::readdir(d)) {
      const char* name = ent->d_name;
      if (name[0] == '.') continue;  // ".", "..", hidden folders (".venv" handled below)
      std::string child = dir + "/" + name;
      bool isDir = false;
      if (ent->d_type == DT_DIR) isDir = true;
      else if (ent->d_type == DT_UNKNOWN) {
        struct stat st;
        isDir = ::lstat(child.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      }
      if (!isDir) continue;
      std::string n(name);
      if (n == "site-packages" || n == "dist-packages") {
        for (const char* sub : {"/nvidia/cu13/lib", "/nvidia/cublas/lib"})
          if (isDirectory(child + sub)) addUnique(out, child + sub);
        continue;
      }
      // Skip large trees that never hold Python packages.
      if (depth == 0 && (n == "share" || n == "include" || n == "src" || n == "games")) continue;
      if (depth + 1 <= kMaxDepth) queue.emplace_back(child, depth + 1);
    }
    // Virtual environments usually live in hidden ".venv" folders; look there too.
    std::string venv = dir + "/.venv";
    if (depth + 1 <= kMaxDepth && isDirectory(venv)) queue.emplace_back(venv, depth + 1);
    ::closedir(d);
  }
}

}  // namespace cublas_loader_detail

// Ordered list of folders to try, as documented in docs/kernel-abi.md.
inline std::vector<std::string> cublasSearchDirs() {
  using namespace cublas_loader_detail;
  std::vector<std::string> dirs;
  if (const char* d = std::getenv("KFORGE_CUBLAS_DIR")) splitColonList(d, dirs);
  if (const char* home = std::getenv("CUDA_HOME")) {
    if (*home) {
      addUnique(dirs, std::string(home) + "/lib64");
      addUnique(dirs, std::string(home) + "/targets/x86_64-linux/lib");
    }
  }
  addUnique(dirs, "/usr/local/cuda/lib64");
  addUnique(dirs, "/usr/local/cuda/targets/x86_64-linux/lib");
  if (const char* extra = std::getenv("KFORGE_CUBLAS_SEARCH")) {
    splitColonList(extra, dirs);
  } else {
    std::vector<std::string> wheelDirs;
    findWheelLibDirs("/opt", wheelDirs);
    findWheelLibDirs("/usr", wheelDirs);
    for (const auto& w : wheelDirs) addUnique(dirs, w);
  }
  return dirs;
}

// Tries every folder (in order) with every soname, then the default loader
// search with the bare sonames. `preferDir` is tried first when not empty.
inline LoadedLibrary openLibrary(const char* base, const std::vector<std::string>& dirs,
                                 const std::string& preferDir) {
  LoadedLibrary lib;
  const std::string sonames[] = {std::string(base) + ".so.13", std::string(base) + ".so.12",
                                 std::string(base) + ".so"};
  std::vector<std::string> order;
  if (!preferDir.empty()) order.push_back(preferDir);
  for (const auto& d : dirs)
    if (d != preferDir) order.push_back(d);
  for (const auto& dir : order) {
    for (const auto& so : sonames) {
      std::string p = dir + "/" + so;
      lib.searched.push_back(p);
      struct stat st;
      if (::stat(p.c_str(), &st) != 0) continue;
      void* h = ::dlopen(p.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (h) {
        lib.found = true;
        lib.handle = h;
        lib.path = p;
        return lib;
      }
      const char* e = ::dlerror();
      lib.lastDlError = p + ": " + (e ? e : "dlopen failed");
    }
  }
  for (const auto& so : sonames) {
    lib.searched.push_back("(default loader search) " + so);
    void* h = ::dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (h) {
      lib.found = true;
      lib.handle = h;
      char origin[4096] = {0};
      // Report where the loader actually found it when possible.
      if (::dlinfo(h, RTLD_DI_ORIGIN, origin) == 0 && origin[0]) lib.path = std::string(origin) + "/" + so;
      else lib.path = so;
      return lib;
    }
  }
  lib.error = std::string(base) + " (.so.13/.so.12/.so) was not found in any searched location";
  if (!lib.lastDlError.empty()) lib.error += "; last open failure: " + lib.lastDlError;
  return lib;
}

template <typename Fn>
inline bool bindSymbol(LoadedLibrary& lib, Fn& slot, const char* name, bool required = true) {
  slot = reinterpret_cast<Fn>(::dlsym(lib.handle, name));
  if (!slot && required) {
    lib.found = false;
    lib.error = std::string("symbol ") + name + " missing in " + lib.path;
    return false;
  }
  return true;
}

inline std::string dirOf(const std::string& path) {
  size_t p = path.rfind('/');
  return p == std::string::npos ? std::string() : path.substr(0, p);
}

// Opens cuBLASLt first (libcublas depends on it; having it loaded from the same
// folder lets the dependency resolve even outside the default search path).
inline void loadCublasLibraries(CublasApi& blas, CublasLtApi& lt) {
  // KFORGE_CUBLAS_DISABLE=1 behaves as if no cuBLAS existed (tests the
  // fallback paths on machines that have it).
  const char* off = std::getenv("KFORGE_CUBLAS_DISABLE");
  if (off && *off && std::string(off) != "0") {
    blas.lib.error = "libcublas not loaded: disabled by KFORGE_CUBLAS_DISABLE";
    lt.lib.error = "libcublasLt not loaded: disabled by KFORGE_CUBLAS_DISABLE";
    return;
  }
  std::vector<std::string> dirs = cublasSearchDirs();

  lt.lib = openLibrary("libcublasLt", dirs, "");
  if (lt.lib.found) {
    LoadedLibrary& L = lt.lib;
    bool ok = bindSymbol(L, lt.create, "cublasLtCreate") && bindSymbol(L, lt.destroy, "cublasLtDestroy") &&
              bindSymbol(L, lt.getVersion, "cublasLtGetVersion") &&
              bindSymbol(L, lt.descCreate, "cublasLtMatmulDescCreate") &&
              bindSymbol(L, lt.descDestroy, "cublasLtMatmulDescDestroy") &&
              bindSymbol(L, lt.descSetAttribute, "cublasLtMatmulDescSetAttribute") &&
              bindSymbol(L, lt.layoutCreate, "cublasLtMatrixLayoutCreate") &&
              bindSymbol(L, lt.layoutDestroy, "cublasLtMatrixLayoutDestroy") &&
              bindSymbol(L, lt.prefCreate, "cublasLtMatmulPreferenceCreate") &&
              bindSymbol(L, lt.prefDestroy, "cublasLtMatmulPreferenceDestroy") &&
              bindSymbol(L, lt.prefSetAttribute, "cublasLtMatmulPreferenceSetAttribute") &&
              bindSymbol(L, lt.algoGetHeuristic, "cublasLtMatmulAlgoGetHeuristic") &&
              bindSymbol(L, lt.matmul, "cublasLtMatmul");
    (void)ok;
  }

  std::string prefer = lt.lib.found ? dirOf(lt.lib.path) : std::string();
  blas.lib = openLibrary("libcublas", dirs, prefer);
  if (blas.lib.found) {
    LoadedLibrary& L = blas.lib;
    bool ok = bindSymbol(L, blas.create, "cublasCreate_v2") && bindSymbol(L, blas.destroy, "cublasDestroy_v2") &&
              bindSymbol(L, blas.setStream, "cublasSetStream_v2") &&
              bindSymbol(L, blas.getVersion, "cublasGetVersion_v2") && bindSymbol(L, blas.gemmEx, "cublasGemmEx");
    if (ok) bindSymbol(L, blas.getStatusName, "cublasGetStatusName", /*required=*/false);
  }
}

}  // namespace kf
