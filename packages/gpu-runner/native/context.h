// Process-wide state: the device, its primary context, the work stream, the
// guard pattern, and the guarded buffer arena shared by check and time.
#pragma once

#include <cuda.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "cublas-loader.h"
#include "cuda-util.h"
#include "device-kernels.cuh"

namespace kf {

constexpr size_t kGuardBytes = 512 * 1024;  // guard band on each side of every checked buffer

struct DeviceInfo {
  std::string name;
  int ccMajor = 0, ccMinor = 0;
  int smCount = 0;
  int l2Bytes = 0;
  int sharedPerBlockOptin = 0;
  int sharedPerBlock = 0;
  int clockKHz = 0;
  int memClockKHz = 0;
  size_t memoryBytes = 0;
  int driverVersion = 0;
  int runtimeVersion = 0;
  int maxClusterSize = 0;
};

struct Task {
  int m = 0, n = 0, k = 0;
  bool linear = false;  // false: B is K x N ("nn"); true: B is N x K ("linear")
  const char* layoutName() const { return linear ? "linear" : "nn"; }
  double flops() const { return 2.0 * double(m) * double(n) * double(k); }
  std::string key() const {
    return std::to_string(m) + "x" + std::to_string(n) + "x" + std::to_string(k) + ":" + layoutName();
  }
};

struct Context {
  bool ready = false;
  std::string initError;
  int ordinal = 0;
  CUdevice device = 0;
  CUcontext ctx = nullptr;
  CUstream stream = nullptr;
  DeviceInfo info;
  uint32_t guardPattern = 0;
  CublasApi blas;
  CublasLtApi lt;
  CUdeviceptr scratch = 0;  // small area for reduction results
  static constexpr size_t kScratchBytes = 4096;
  int gridBlocks = 0;  // blocks for grid-stride helper kernels
  CUdeviceptr flush = 0;
  size_t flushBytes = 0;
  // Timing gate: a host-mapped word the gate kernel polls.
  volatile unsigned int* gateHost = nullptr;
  CUdeviceptr gateDev = 0;
  unsigned int gateTicket = 0;
};

// ---------------------------------------------------------------- buffers

struct GuardedBuffer {
  CUdeviceptr base = 0;
  size_t bytes = 0;  // payload size
  size_t total = 0;  // allocation size
  CUdeviceptr data() const { return base + kGuardBytes; }
  size_t afterStart() const { return kGuardBytes + bytes; }
};

inline void launchFillGuards(Context& c, GuardedBuffer& g) {
  dev::fillGuards<<<c.gridBlocks, 256, 0, (cudaStream_t)c.stream>>>(
      reinterpret_cast<uint8_t*>(g.base), kGuardBytes, g.afterStart(), g.total, c.guardPattern);
  KF_LAUNCHED(fillGuards);
}

inline void allocGuarded(Context& c, GuardedBuffer& g, size_t bytes) {
  g.bytes = bytes;
  size_t payload = (bytes + 255) & ~size_t(255);
  g.total = kGuardBytes + payload + kGuardBytes;
  KF_CU(cuMemAlloc(&g.base, g.total));
  launchFillGuards(c, g);
}

inline void freeGuarded(GuardedBuffer& g) {
  if (g.base) cuMemFree(g.base);
  g.base = 0;
}

struct GuardCount {
  unsigned long long before = 0, after = 0;
  bool damaged() const { return before || after; }
};

// Counts damaged guard bytes; restores the guards when any are damaged.
inline GuardCount checkGuarded(Context& c, GuardedBuffer& g) {
  KF_CU(cuMemsetD8Async(c.scratch, 0, 16, c.stream));
  dev::checkGuards<<<c.gridBlocks, 256, 0, (cudaStream_t)c.stream>>>(
      reinterpret_cast<const uint8_t*>(g.base), kGuardBytes, g.afterStart(), g.total, c.guardPattern,
      reinterpret_cast<unsigned long long*>(c.scratch));
  KF_LAUNCHED(checkGuards);
  unsigned long long h[2];
  KF_CU(cuMemcpyDtoHAsync(h, c.scratch, sizeof h, c.stream));
  syncStream(c.stream, "guard check");
  GuardCount r;
  r.before = h[0];
  r.after = h[1];
  if (r.damaged()) launchFillGuards(c, g);
  return r;
}

struct BufferSet {
  GuardedBuffer A, B, C, W;
};

// Buffers for one (M, N, K, workspace) shape. Set 0 is the one used by every
// checked launch; sets 1.. only serve timing rotation. Pointers stay fixed
// for as long as the shape does, so a re-check sees the same addresses.
struct Arena {
  int m = 0, n = 0, k = 0;
  size_t wsBytes = 0;
  std::vector<BufferSet> sets;
  CUdeviceptr ref = 0;        // M*N floats (or ints for the exact check)
  CUdeviceptr baselineC = 0;  // M*N halves, output of baseline checks
  std::vector<uint64_t> setSeeds;

  bool matches(const Task& t, size_t ws) const { return m == t.m && n == t.n && k == t.k && wsBytes == ws; }
  size_t aBytes() const { return size_t(m) * k * 2; }
  size_t bBytes() const { return size_t(k) * n * 2; }
  size_t cBytes() const { return size_t(m) * n * 2; }
  size_t setBytes() const {
    return aBytes() + bBytes() + cBytes() + wsBytes + 8 * kGuardBytes + 4 * 256;
  }
};

inline void releaseArena(Arena& a) {
  for (auto& s : a.sets) {
    freeGuarded(s.A);
    freeGuarded(s.B);
    freeGuarded(s.C);
    freeGuarded(s.W);
  }
  a.sets.clear();
  a.setSeeds.clear();
  if (a.ref) cuMemFree(a.ref);
  if (a.baselineC) cuMemFree(a.baselineC);
  a.ref = a.baselineC = 0;
  a.m = a.n = a.k = 0;
  a.wsBytes = 0;
}

inline void fillNormalHalf(Context& c, CUdeviceptr p, size_t n, uint64_t seed, uint64_t stream) {
  dev::fillNormal<<<c.gridBlocks, 256, 0, (cudaStream_t)c.stream>>>(reinterpret_cast<__half*>(p), n, seed, stream);
  KF_LAUNCHED(fillNormal);
}

// Makes sure the arena fits the task and holds at least `wanted` buffer sets
// (fewer when device memory would run short). Returns the number available.
inline int ensureArena(Context& c, Arena& a, const Task& t, size_t wsBytes, int wanted) {
  if (!a.matches(t, wsBytes)) {
    releaseArena(a);
    a.m = t.m;
    a.n = t.n;
    a.k = t.k;
    a.wsBytes = wsBytes;
    KF_CU(cuMemAlloc(&a.ref, size_t(t.m) * t.n * 4));
    KF_CU(cuMemAlloc(&a.baselineC, size_t(t.m) * t.n * 2));
  }
  while (int(a.sets.size()) < wanted) {
    size_t freeB = 0, totalB = 0;
    KF_CU(cuMemGetInfo(&freeB, &totalB));
    // Keep a reserve for cuBLAS, the flush buffer and candidate needs.
    size_t reserve = size_t(1) << 30;
    if (!a.sets.empty() && freeB < a.setBytes() + reserve) break;
    BufferSet s;
    try {
      allocGuarded(c, s.A, a.aBytes());
      allocGuarded(c, s.B, a.bBytes());
      allocGuarded(c, s.C, a.cBytes());
      allocGuarded(c, s.W, wsBytes);
    } catch (...) {
      // Free what this set got before the failure; the sets already complete stay usable.
      freeGuarded(s.A);
      freeGuarded(s.B);
      freeGuarded(s.C);
      freeGuarded(s.W);
      throw;
    }
    uint64_t seed = dev::mix64(0x7157ull + a.sets.size());
    fillNormalHalf(c, s.A.data(), size_t(t.m) * t.k, seed, dev::kStreamA);
    fillNormalHalf(c, s.B.data(), size_t(t.k) * t.n, seed, dev::kStreamB);
    KF_CU(cuMemsetD8Async(s.C.data(), 0, a.cBytes(), c.stream));
    if (wsBytes) KF_CU(cuMemsetD8Async(s.W.data(), 0, wsBytes, c.stream));
    a.sets.push_back(s);
    a.setSeeds.push_back(seed);
  }
  syncStream(c.stream, "buffer preparation");
  return std::min<int>(wanted, int(a.sets.size()));
}

inline void ensureFlushBuffer(Context& c) {
  if (c.flush) return;
  size_t want = std::max<size_t>(size_t(2) * size_t(c.info.l2Bytes), size_t(64) << 20);
  want = (want + (size_t(1) << 20) - 1) & ~((size_t(1) << 20) - 1);
  KF_CU(cuMemAlloc(&c.flush, want));
  c.flushBytes = want;
}

constexpr unsigned long long kGateTimeoutNs = 50ull * 1000 * 1000;  // 50 ms
constexpr size_t kGateTimeoutCounterOffset = 256;                   // in Context::scratch

inline void ensureGate(Context& c) {
  if (c.gateHost) return;
  void* p = nullptr;
  KF_CU(cuMemHostAlloc(&p, 64, CU_MEMHOSTALLOC_DEVICEMAP | CU_MEMHOSTALLOC_PORTABLE));
  c.gateHost = static_cast<volatile unsigned int*>(p);
  *c.gateHost = 0;
  KF_CU(cuMemHostGetDevicePointer(&c.gateDev, p, 0));
}

// Queues the gate; returns the ticket that releases it.
inline unsigned int enqueueGate(Context& c) {
  ensureGate(c);
  unsigned int ticket = ++c.gateTicket;
  dev::gateWait<<<1, 1, 0, (cudaStream_t)c.stream>>>(
      reinterpret_cast<const volatile unsigned int*>(c.gateDev), ticket, kGateTimeoutNs,
      reinterpret_cast<unsigned int*>(c.scratch + kGateTimeoutCounterOffset));
  KF_LAUNCHED(gateWait);
  return ticket;
}

inline void releaseGate(Context& c, unsigned int ticket) {
  __atomic_store_n(const_cast<unsigned int*>(c.gateHost), ticket, __ATOMIC_SEQ_CST);
}

inline void resetGateTimeouts(Context& c) {
  KF_CU(cuMemsetD8Async(c.scratch + kGateTimeoutCounterOffset, 0, 4, c.stream));
}

inline unsigned int readGateTimeouts(Context& c) {
  unsigned int v = 0;
  KF_CU(cuMemcpyDtoHAsync(&v, c.scratch + kGateTimeoutCounterOffset, 4, c.stream));
  syncStream(c.stream, "reading gate timeouts");
  return v;
}

// How cold mode empties L2 before a timed launch, from KFORGE_COLD_FLUSH: "write" (the default) stores over the
// flush buffer, leaving L2 full of dirty lines whose write-back then shares DRAM with the timed kernel; "read"
// loads it, leaving clean lines. Any other value is refused. Read once per timing request, not per launch.
inline const char* coldFlushMode() {
  const char* mode = std::getenv("KFORGE_COLD_FLUSH");
  if (!mode || !*mode || std::string(mode) == "write") return "write";
  if (std::string(mode) == "read") return "read";
  throw badRequest(std::string("KFORGE_COLD_FLUSH is '") + mode +
                   "': expected write (the default: the flush stores) or read (the flush loads, leaving L2 clean)");
}

inline void enqueueFlush(Context& c, uint32_t value, bool readFlush) {
  if (readFlush) {
    dev::flushRead<<<c.info.smCount * 4, 512, 0, (cudaStream_t)c.stream>>>(
        reinterpret_cast<const uint4*>(c.flush), c.flushBytes / 16, value, reinterpret_cast<uint32_t*>(c.flush));
    KF_LAUNCHED(flushRead);
    return;
  }
  dev::flushWrite<<<c.info.smCount * 4, 512, 0, (cudaStream_t)c.stream>>>(reinterpret_cast<uint4*>(c.flush),
                                                                          c.flushBytes / 16, value);
  KF_LAUNCHED(flushWrite);
}

}  // namespace kf
