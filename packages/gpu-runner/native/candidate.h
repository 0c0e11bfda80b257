// Candidate kernels: loading a cubin, checking its parameter list against the
// kernel ABI, parsing/validating launch descriptors and launching.
#pragma once

#include <cuda.h>

#include <cmath>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "context.h"
#include "json.h"

namespace kf {

struct Kernel {
  std::string handle, path, entry;
  CUmodule module = nullptr;
  CUfunction fn = nullptr;
  int dynSmemLimitSet = 0;     // current CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
  bool nonPortableSet = false;  // CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED set
  int numRegs = 0, sharedSizeBytes = 0, localSizeBytes = 0, maxThreadsPerBlock = 0, constSizeBytes = 0;
  int ptxVersion = 0, binaryVersion = 0;
  int tensorMapParams = 0;  // 128-byte parameters after the ABI's seven: one per tensor map the launch declares
};

// A failed launch that leaves the context usable (bad configuration, too many
// resources, ...). Carried as a verdict, not as a protocol error.
struct LaunchFailure {
  bool failed = false;
  std::string cuResult;  // empty when the descriptor itself was rejected
  std::string message;
};

// A TMA tensor map the launch declares: the harness encodes it for the operand of each buffer set it launches
// on and appends it to the parameter list as a __grid_constant__ CUtensorMap (see docs/kernel-abi.md).
struct TensorMapRequest {
  char operand = 'a';  // 'a', 'b' or 'c'
  unsigned box[2] = {1, 1};
  CUtensorMapSwizzle swizzle = CU_TENSOR_MAP_SWIZZLE_NONE;
  CUtensorMapInterleave interleave = CU_TENSOR_MAP_INTERLEAVE_NONE;
};

struct LaunchDesc {
  unsigned grid[3] = {1, 1, 1};
  unsigned block[3] = {1, 1, 1};
  unsigned dynSmem = 0;
  bool hasCluster = false;
  unsigned cluster[3] = {1, 1, 1};
  size_t wsBytes = 0;
  bool zeroWs = false;
  std::vector<TensorMapRequest> tensorMaps;
  // Encoded maps per set of (A, B, C) addresses: encoding is host work, done once per set, before timing.
  mutable std::map<std::tuple<CUdeviceptr, CUdeviceptr, CUdeviceptr>, std::vector<CUtensorMap>> encoded;
};

// ---- small JSON field helpers shared by the request handlers ----
inline double numField(const json::Value& o, const char* key, double def, bool required = false) {
  const json::Value* v = o.getNonNull(key);
  if (!v) {
    if (required) throw badRequest(std::string("missing field '") + key + "'");
    return def;
  }
  if (!v->isNumber()) throw badRequest(std::string("field '") + key + "' must be a number");
  return v->asNumber();
}

inline long long intField(const json::Value& o, const char* key, long long def, long long lo, long long hi,
                          bool required = false) {
  double d = numField(o, key, double(def), required);
  if (d != std::floor(d)) throw badRequest(std::string("field '") + key + "' must be an integer");
  if (d < double(lo) || d > double(hi))
    throw badRequest(std::string("field '") + key + "' out of range [" + std::to_string(lo) + ", " +
                     std::to_string(hi) + "]");
  return static_cast<long long>(d);
}

inline bool boolField(const json::Value& o, const char* key, bool def) {
  const json::Value* v = o.getNonNull(key);
  if (!v) return def;
  if (!v->isBool()) throw badRequest(std::string("field '") + key + "' must be a boolean");
  return v->asBool();
}

inline std::string strField(const json::Value& o, const char* key, bool required = true) {
  const json::Value* v = o.getNonNull(key);
  if (!v) {
    if (required) throw badRequest(std::string("missing field '") + key + "'");
    return std::string();
  }
  if (!v->isString()) throw badRequest(std::string("field '") + key + "' must be a string");
  return v->asString();
}

inline Task parseTask(const json::Value& req) {
  const json::Value* t = req.getNonNull("task");
  if (!t || !t->isObject()) throw badRequest("missing object field 'task' ({m, n, k, layout})");
  Task task;
  task.m = int(intField(*t, "m", 0, 1, 0x7fffffff, true));
  task.n = int(intField(*t, "n", 0, 1, 0x7fffffff, true));
  task.k = int(intField(*t, "k", 0, 1, 0x7fffffff, true));
  std::string layout = strField(*t, "layout", false);
  if (layout.empty() || layout == "nn") task.linear = false;
  else if (layout == "linear") task.linear = true;
  else throw badRequest("task.layout must be \"nn\" or \"linear\"");
  return task;
}

// Reads [x, y, z] (1 to 3 positive integers; missing entries are 1).
inline void parseDim3(const json::Value& v, const char* what, unsigned out[3]) {
  if (!v.isArray() || v.size() < 1 || v.size() > 3)
    throw badRequest(std::string("launch.") + what + " must be an array of 1 to 3 integers");
  out[0] = out[1] = out[2] = 1;
  for (size_t i = 0; i < v.size(); ++i) {
    const json::Value& e = v.items()[i];
    if (!e.isNumber() || e.asNumber() != std::floor(e.asNumber()))
      throw badRequest(std::string("launch.") + what + " entries must be integers");
    double d = e.asNumber();
    if (d < 1 || d > 2147483647.0)
      throw badRequest(std::string("launch.") + what + "[" + std::to_string(i) + "] must be a positive integer");
    out[i] = unsigned(d);
  }
}

inline LaunchDesc parseLaunch(const json::Value& req) {
  const json::Value* l = req.getNonNull("launch");
  if (!l || !l->isObject()) throw badRequest("missing object field 'launch'");
  LaunchDesc d;
  const json::Value* g = l->getNonNull("grid");
  const json::Value* b = l->getNonNull("block");
  if (!g) throw badRequest("missing field 'launch.grid'");
  if (!b) throw badRequest("missing field 'launch.block'");
  parseDim3(*g, "grid", d.grid);
  parseDim3(*b, "block", d.block);
  d.dynSmem = unsigned(intField(*l, "dynamicSharedBytes", 0, 0, 0x7fffffff));
  if (const json::Value* c = l->getNonNull("cluster")) {
    parseDim3(*c, "cluster", d.cluster);
    d.hasCluster = true;
  }
  d.wsBytes = size_t(intField(*l, "workspaceBytes", 0, 0, (1ll << 40)));
  d.zeroWs = boolField(*l, "zeroWorkspace", false);
  if (const json::Value* maps = l->getNonNull("tensorMaps")) {
    if (!maps->isArray() || maps->size() > 8) throw badRequest("launch.tensorMaps must be an array of at most 8 requests");
    for (size_t i = 0; i < maps->size(); ++i) {
      const json::Value& m = maps->items()[i];
      const std::string where = "launch.tensorMaps[" + std::to_string(i) + "]";
      if (!m.isObject()) throw badRequest(where + " must be an object {operand, box, swizzle, interleave}");
      TensorMapRequest r;
      const std::string operand = strField(m, "operand");
      if (operand == "a" || operand == "b" || operand == "c") r.operand = operand[0];
      else if (operand == "workspace")
        throw HarnessError("unsupported", where + ": tensor maps of the workspace are not supported by this harness version");
      else throw badRequest(where + ".operand must be \"a\", \"b\" or \"c\"");
      const json::Value* box = m.getNonNull("box");
      if (!box || !box->isArray() || box->size() != 2)
        throw badRequest(where + ".box must be [inner, outer]: two extents, the contiguous one first");
      for (size_t j = 0; j < 2; ++j) {
        const json::Value& e = box->items()[j];
        if (!e.isNumber() || e.asNumber() != std::floor(e.asNumber()) || e.asNumber() < 1 || e.asNumber() > 256)
          throw badRequest(where + ".box entries must be integers from 1 to 256");
        r.box[j] = unsigned(e.asNumber());
      }
      const std::string swizzle = strField(m, "swizzle", false);
      if (swizzle.empty() || swizzle == "none") r.swizzle = CU_TENSOR_MAP_SWIZZLE_NONE;
      else if (swizzle == "32B") r.swizzle = CU_TENSOR_MAP_SWIZZLE_32B;
      else if (swizzle == "64B") r.swizzle = CU_TENSOR_MAP_SWIZZLE_64B;
      else if (swizzle == "128B") r.swizzle = CU_TENSOR_MAP_SWIZZLE_128B;
      else throw badRequest(where + ".swizzle must be \"none\", \"32B\", \"64B\" or \"128B\"");
      const std::string interleave = strField(m, "interleave", false);
      if (interleave.empty() || interleave == "none") r.interleave = CU_TENSOR_MAP_INTERLEAVE_NONE;
      else if (interleave == "16B") r.interleave = CU_TENSOR_MAP_INTERLEAVE_16B;
      else if (interleave == "32B") r.interleave = CU_TENSOR_MAP_INTERLEAVE_32B;
      else throw badRequest(where + ".interleave must be \"none\", \"16B\" or \"32B\"");
      d.tensorMaps.push_back(r);
    }
  }
  return d;
}

// Rows, row length and row pitch (elements) of an operand, as the kernel ABI stores it.
struct OperandGeometry {
  unsigned long long rows, cols;
  const char* name;
};

inline OperandGeometry operandGeometry(char operand, const Task& t) {
  if (operand == 'a') return {(unsigned long long)t.m, (unsigned long long)t.k, "A (M x K)"};
  if (operand == 'b')
    return t.linear ? OperandGeometry{(unsigned long long)t.n, (unsigned long long)t.k, "B (N x K, linear)"}
                    : OperandGeometry{(unsigned long long)t.k, (unsigned long long)t.n, "B (K x N)"};
  return {(unsigned long long)t.m, (unsigned long long)t.n, "C (M x N)"};
}

// Why a tensor map request cannot be encoded for this task, or an empty string.
inline std::string tensorMapIssue(const TensorMapRequest& r, const Task& t, size_t index) {
  char buf[320];
  OperandGeometry g = operandGeometry(r.operand, t);
  if ((g.cols * 2) % 16 != 0) {
    std::snprintf(buf, sizeof buf,
                  "tensorMaps[%zu]: rows of %s are %llu bytes long; TMA needs a row pitch that is a multiple of 16 "
                  "bytes",
                  index, g.name, g.cols * 2);
    return buf;
  }
  if ((r.box[0] * 2) % 16 != 0) {
    std::snprintf(buf, sizeof buf, "tensorMaps[%zu]: box inner extent %u halves is not a multiple of 16 bytes", index,
                  r.box[0]);
    return buf;
  }
  const unsigned swizzleBytes = r.swizzle == CU_TENSOR_MAP_SWIZZLE_128B  ? 128
                                : r.swizzle == CU_TENSOR_MAP_SWIZZLE_64B ? 64
                                : r.swizzle == CU_TENSOR_MAP_SWIZZLE_32B ? 32
                                                                         : 0;
  if (swizzleBytes && r.interleave == CU_TENSOR_MAP_INTERLEAVE_NONE && r.box[0] * 2 > swizzleBytes) {
    std::snprintf(buf, sizeof buf, "tensorMaps[%zu]: a %u-byte box row is wider than its %u-byte swizzle span", index,
                  r.box[0] * 2, swizzleBytes);
    return buf;
  }
  return std::string();
}

// Encodes the declared tensor maps for one buffer set.
inline std::vector<CUtensorMap> encodeTensorMaps(const LaunchDesc& d, const Task& t, const BufferSet& s) {
  std::vector<CUtensorMap> maps(d.tensorMaps.size());
  for (size_t i = 0; i < d.tensorMaps.size(); ++i) {
    const TensorMapRequest& r = d.tensorMaps[i];
    OperandGeometry g = operandGeometry(r.operand, t);
    CUdeviceptr base = r.operand == 'a' ? s.A.data() : r.operand == 'b' ? s.B.data() : s.C.data();
    cuuint64_t dims[2] = {g.cols, g.rows};
    cuuint64_t strides[1] = {g.cols * 2};
    cuuint32_t box[2] = {r.box[0], r.box[1]};
    cuuint32_t elementStrides[2] = {1, 1};
    CUresult res = cuTensorMapEncodeTiled(&maps[i], CU_TENSOR_MAP_DATA_TYPE_FLOAT16, 2, reinterpret_cast<void*>(base),
                                          dims, strides, box, elementStrides, r.interleave, r.swizzle,
                                          CU_TENSOR_MAP_L2_PROMOTION_L2_256B, CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
    if (res != CUDA_SUCCESS) {
      HarnessError e = cudaFailure(int(res), "cuTensorMapEncodeTiled(tensorMaps[" + std::to_string(i) + "])");
      e.code = "launch_error";
      e.sticky = false;
      throw e;
    }
  }
  return maps;
}

// The task-dependent part of the check: every tensor map can be encoded for this task.
inline std::string validateTensorMaps(const LaunchDesc& d, const Task& t) {
  for (size_t i = 0; i < d.tensorMaps.size(); ++i) {
    std::string issue = tensorMapIssue(d.tensorMaps[i], t, i);
    if (!issue.empty()) return issue;
  }
  return std::string();
}

// The launch's tensor maps for one buffer set, encoded on first use.
inline const std::vector<CUtensorMap>& tensorMapsFor(const LaunchDesc& d, const Task& t, const BufferSet& s) {
  auto key = std::make_tuple(s.A.data(), s.B.data(), s.C.data());
  auto found = d.encoded.find(key);
  if (found == d.encoded.end()) found = d.encoded.emplace(key, encodeTensorMaps(d, t, s)).first;
  return found->second;
}

// Checks the descriptor against the device and the kernel; returns an empty
// string when valid, otherwise a message naming the violated limit.
inline std::string validateLaunch(const Context& c, const Kernel& k, const LaunchDesc& d, const Task& t) {
  char buf[256];
  std::string mapIssue = validateTensorMaps(d, t);
  if (!mapIssue.empty()) return mapIssue;
  if (d.grid[1] > 65535 || d.grid[2] > 65535) return "grid y and z must be at most 65535";
  if (d.block[0] > 1024 || d.block[1] > 1024 || d.block[2] > 64)
    return "block dimensions exceed the device limits (1024, 1024, 64)";
  unsigned long long threads = 1ull * d.block[0] * d.block[1] * d.block[2];
  if (threads > 1024) {
    std::snprintf(buf, sizeof buf, "block has %llu threads; at most 1024 are allowed", threads);
    return buf;
  }
  if (d.dynSmem > unsigned(c.info.sharedPerBlockOptin)) {
    std::snprintf(buf, sizeof buf, "dynamicSharedBytes %u exceeds the device opt-in limit %d", d.dynSmem,
                  c.info.sharedPerBlockOptin);
    return buf;
  }
  if (d.dynSmem + unsigned(k.sharedSizeBytes) > unsigned(c.info.sharedPerBlockOptin)) {
    std::snprintf(buf, sizeof buf, "dynamicSharedBytes %u plus static shared %d exceeds the opt-in limit %d",
                  d.dynSmem, k.sharedSizeBytes, c.info.sharedPerBlockOptin);
    return buf;
  }
  if (int(d.tensorMaps.size()) != k.tensorMapParams) {
    std::snprintf(buf, sizeof buf,
                  "the launch declares %zu tensor maps but entry '%s' takes %d CUtensorMap parameters after the "
                  "seven of the ABI",
                  d.tensorMaps.size(), k.entry.c_str(), k.tensorMapParams);
    return buf;
  }
  if (d.hasCluster) {
    unsigned size = d.cluster[0] * d.cluster[1] * d.cluster[2];
    if (d.cluster[0] > 16 || d.cluster[1] > 16 || d.cluster[2] > 16 || size > 16)
      return "cluster has more than 16 blocks";
    for (int i = 0; i < 3; ++i)
      if (d.grid[i] % d.cluster[i] != 0) {
        std::snprintf(buf, sizeof buf, "grid[%d]=%u is not a multiple of cluster[%d]=%u", i, d.grid[i], i,
                      d.cluster[i]);
        return buf;
      }
  }
  return std::string();
}

// Raises per-function limits the descriptor needs. Failures are launch failures.
inline LaunchFailure prepareKernel(Kernel& k, const LaunchDesc& d) {
  LaunchFailure f;
  if (int(d.dynSmem) > k.dynSmemLimitSet) {
    CUresult r = cuFuncSetAttribute(k.fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, int(d.dynSmem));
    if (r != CUDA_SUCCESS) {
      f.failed = true;
      f.cuResult = cuResultName(r);
      f.message = "setting the dynamic shared memory limit failed: " + cuResultText(r);
      return f;
    }
    k.dynSmemLimitSet = int(d.dynSmem);
  }
  if (d.hasCluster && d.cluster[0] * d.cluster[1] * d.cluster[2] > 8 && !k.nonPortableSet) {
    CUresult r = cuFuncSetAttribute(k.fn, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1);
    if (r != CUDA_SUCCESS) {
      f.failed = true;
      f.cuResult = cuResultName(r);
      f.message = "allowing a non-portable cluster size failed: " + cuResultText(r);
      return f;
    }
    k.nonPortableSet = true;
  }
  return f;
}

// Enqueues (optional workspace zeroing +) one candidate launch on the stream.
// Returns the launch call's result; configuration errors are not sticky.
inline CUresult enqueueCandidate(Context& c, const Kernel& k, const LaunchDesc& d, const Task& t,
                                 const BufferSet& s) {
  if (d.zeroWs && d.wsBytes) KF_CU(cuMemsetD8Async(s.W.data(), 0, d.wsBytes, c.stream));
  CUlaunchConfig cfg = {};
  cfg.gridDimX = d.grid[0];
  cfg.gridDimY = d.grid[1];
  cfg.gridDimZ = d.grid[2];
  cfg.blockDimX = d.block[0];
  cfg.blockDimY = d.block[1];
  cfg.blockDimZ = d.block[2];
  cfg.sharedMemBytes = d.dynSmem;
  cfg.hStream = c.stream;
  CUlaunchAttribute attr[1];
  if (d.hasCluster) {
    attr[0] = {};
    attr[0].id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
    attr[0].value.clusterDim.x = d.cluster[0];
    attr[0].value.clusterDim.y = d.cluster[1];
    attr[0].value.clusterDim.z = d.cluster[2];
    cfg.attrs = attr;
    cfg.numAttrs = 1;
  }
  CUdeviceptr a = s.A.data(), b = s.B.data(), cc = s.C.data(), w = s.W.data();
  int M = t.m, N = t.n, K = t.k;
  void* params[7 + 8] = {&a, &b, &cc, &M, &N, &K, &w};
  if (!d.tensorMaps.empty()) {
    const std::vector<CUtensorMap>& maps = tensorMapsFor(d, t, s);
    for (size_t i = 0; i < maps.size(); ++i) params[7 + i] = const_cast<CUtensorMap*>(&maps[i]);
  }
  return cuLaunchKernelEx(&cfg, k.fn, params, nullptr);
}

// Kernel-specific limits (launch bounds, register use) are left to the driver;
// when it refuses the launch, the message names the likely cause.
inline LaunchFailure launchFailureFrom(CUresult r, const Kernel& k, const LaunchDesc& d) {
  LaunchFailure f;
  f.failed = true;
  f.cuResult = cuResultName(r);
  f.message = "cuLaunchKernelEx failed: " + cuResultText(r);
  unsigned long long threads = 1ull * d.block[0] * d.block[1] * d.block[2];
  if (k.maxThreadsPerBlock > 0 && threads > (unsigned long long)k.maxThreadsPerBlock)
    f.message += "; the block has " + std::to_string(threads) + " threads but this kernel allows at most " +
                 std::to_string(k.maxThreadsPerBlock) + " (launch bounds or register use)";
  return f;
}

inline json::Value launchFailureJson(const LaunchFailure& f) {
  json::Value o = json::Value::object();
  o.set("cuResult", f.cuResult.empty() ? json::Value() : json::Value(f.cuResult));
  o.set("message", f.message);
  return o;
}

// ---- loading ----

class KernelRegistry {
 public:
  Kernel& load(Context& c, const std::string& path, const std::string& entry, int dynSmem) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw HarnessError("load_error", "cannot open cubin file '" + path + "'");
    std::vector<char> image((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (image.empty()) throw HarnessError("load_error", "cubin file '" + path + "' is empty");
    image.push_back('\0');  // harmless for ELF/fatbin, required if a PTX text is passed

    char errLog[8192] = {0};
    CUjit_option opts[] = {CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES};
    void* vals[] = {errLog, reinterpret_cast<void*>(uintptr_t(sizeof errLog))};
    CUmodule mod = nullptr;
    CUresult r = cuModuleLoadDataEx(&mod, image.data(), 2, opts, vals);
    if (r != CUDA_SUCCESS) {
      HarnessError e = cudaFailure(int(r), "cuModuleLoadData(" + path + ")");
      if (e.sticky) throw e;
      e.code = "load_error";
      if (errLog[0]) e.message += "; loader log: " + std::string(errLog);
      throw e;
    }
    CUfunction fn = nullptr;
    r = cuModuleGetFunction(&fn, mod, entry.c_str());
    if (r != CUDA_SUCCESS) {
      cuModuleUnload(mod);
      HarnessError e = cudaFailure(int(r), "cuModuleGetFunction(" + entry + ")");
      e.code = "load_error";
      e.message = "entry '" + entry + "' not found in '" + path + "' (" + e.cuResult +
                  "); is it declared extern \"C\"?";
      throw e;
    }
    auto k = std::make_unique<Kernel>();
    k->path = path;
    k->entry = entry;
    k->module = mod;
    k->fn = fn;
    try {
      checkAbi(*k);
      if (dynSmem > 0) {
        if (dynSmem > c.info.sharedPerBlockOptin)
          throw HarnessError("load_error", "dynamicSharedBytes " + std::to_string(dynSmem) +
                                               " exceeds the device opt-in limit " +
                                               std::to_string(c.info.sharedPerBlockOptin));
        CUresult sr = cuFuncSetAttribute(fn, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, dynSmem);
        if (sr != CUDA_SUCCESS) {
          HarnessError e = cudaFailure(int(sr), "cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES)");
          if (!e.sticky) e.code = "load_error";
          throw e;
        }
        k->dynSmemLimitSet = dynSmem;
      }
      KF_CU(cuFuncGetAttribute(&k->numRegs, CU_FUNC_ATTRIBUTE_NUM_REGS, fn));
      KF_CU(cuFuncGetAttribute(&k->sharedSizeBytes, CU_FUNC_ATTRIBUTE_SHARED_SIZE_BYTES, fn));
      KF_CU(cuFuncGetAttribute(&k->localSizeBytes, CU_FUNC_ATTRIBUTE_LOCAL_SIZE_BYTES, fn));
      KF_CU(cuFuncGetAttribute(&k->maxThreadsPerBlock, CU_FUNC_ATTRIBUTE_MAX_THREADS_PER_BLOCK, fn));
      KF_CU(cuFuncGetAttribute(&k->constSizeBytes, CU_FUNC_ATTRIBUTE_CONST_SIZE_BYTES, fn));
      KF_CU(cuFuncGetAttribute(&k->ptxVersion, CU_FUNC_ATTRIBUTE_PTX_VERSION, fn));
      KF_CU(cuFuncGetAttribute(&k->binaryVersion, CU_FUNC_ATTRIBUTE_BINARY_VERSION, fn));
    } catch (...) {
      cuModuleUnload(mod);
      throw;
    }
    k->handle = "k" + std::to_string(++counter_);
    Kernel& ref = *k;
    kernels_[k->handle] = std::move(k);
    return ref;
  }

  Kernel& get(const std::string& handle) {
    auto it = kernels_.find(handle);
    if (it == kernels_.end()) throw HarnessError("unknown_handle", "no loaded kernel with handle '" + handle + "'");
    return *it->second;
  }

  void unload(const std::string& handle) {
    auto it = kernels_.find(handle);
    if (it == kernels_.end()) throw HarnessError("unknown_handle", "no loaded kernel with handle '" + handle + "'");
    KF_CU(cuModuleUnload(it->second->module));
    kernels_.erase(it);
  }

  size_t count() const { return kernels_.size(); }

 private:
  std::map<std::string, std::unique_ptr<Kernel>> kernels_;
  unsigned long long counter_ = 0;

  // The ABI fixes seven parameters: three pointers, three ints, one pointer; a kernel that uses TMA takes one
  // 128-byte CUtensorMap (__grid_constant__) per declared tensor map after them.
  static void checkAbi(Kernel& k) {
    static const size_t expectSize[7] = {8, 8, 8, 4, 4, 4, 8};
    static const size_t expectOffset[7] = {0, 8, 16, 24, 28, 32, 40};
    for (size_t i = 0; i < 7; ++i) {
      size_t off = 0, sz = 0;
      CUresult r = cuFuncGetParamInfo(k.fn, i, &off, &sz);
      if (r == CUDA_ERROR_NOT_SUPPORTED) return;  // older driver: cannot check
      if (r != CUDA_SUCCESS)
        throw HarnessError("abi_mismatch", "entry '" + k.entry + "' has " + std::to_string(i) +
                                               " parameters; the kernel ABI requires 7 "
                                               "(A, B, C, M, N, K, workspace)");
      if (sz != expectSize[i] || off != expectOffset[i])
        throw HarnessError("abi_mismatch", "parameter " + std::to_string(i) + " of '" + k.entry + "' has size " +
                                               std::to_string(sz) + " at offset " + std::to_string(off) +
                                               "; expected size " + std::to_string(expectSize[i]) + " at offset " +
                                               std::to_string(expectOffset[i]));
    }
    for (size_t i = 7;; ++i) {
      size_t off = 0, sz = 0;
      if (cuFuncGetParamInfo(k.fn, i, &off, &sz) != CUDA_SUCCESS) break;
      if (sz != sizeof(CUtensorMap))
        throw HarnessError("abi_mismatch", "parameter " + std::to_string(i) + " of '" + k.entry + "' has size " +
                                               std::to_string(sz) + " at offset " + std::to_string(off) +
                                               "; after the seven of the ABI only CUtensorMap parameters (128 bytes) "
                                               "are allowed");
      if (i - 7 >= 8) throw HarnessError("abi_mismatch", "entry '" + k.entry + "' takes more than 8 tensor maps");
      k.tensorMapParams = int(i - 6);
    }
  }
};

}  // namespace kf
