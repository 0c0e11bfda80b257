// Error handling shared by every part of the harness.
//
// Every CUDA driver/runtime call is checked. A failure becomes a HarnessError
// carrying a protocol error code, the CUresult name and whether the error is
// "sticky" (the context is unusable and the process must be restarted).
#pragma once

#include <cuda.h>
#include <cuda_runtime.h>

#include <cstdarg>
#include <cstdio>
#include <stdexcept>
#include <string>

namespace kf {

struct HarnessError : std::exception {
  std::string code;      // protocol error code, e.g. "cuda_error", "bad_request"
  std::string message;   // human readable
  bool sticky = false;   // true: the CUDA context is corrupted
  std::string cuResult;  // CUresult name when a CUDA call failed
  int cuCode = 0;

  HarnessError(std::string c, std::string m) : code(std::move(c)), message(std::move(m)) {}
  const char* what() const noexcept override { return message.c_str(); }
};

inline HarnessError badRequest(const std::string& m) { return HarnessError("bad_request", m); }

inline std::string cuResultName(int code) {
  const char* name = nullptr;
  if (cuGetErrorName(static_cast<CUresult>(code), &name) == CUDA_SUCCESS && name) return name;
  const char* rt = cudaGetErrorName(static_cast<cudaError_t>(code));
  if (rt) return rt;
  return "CUDA_ERROR_" + std::to_string(code);
}

inline std::string cuResultText(int code) {
  const char* s = nullptr;
  if (cuGetErrorString(static_cast<CUresult>(code), &s) == CUDA_SUCCESS && s) return s;
  const char* rt = cudaGetErrorString(static_cast<cudaError_t>(code));
  return rt ? rt : "unknown CUDA error";
}

// Errors after which the context cannot be used any more. Numeric values are
// shared by the driver (CUresult) and runtime (cudaError_t) APIs.
inline bool isStickyCode(int code) {
  switch (code) {
    case 214:  // ECC uncorrectable
    case 700:  // illegal address
    case 702:  // launch timeout
    case 710:  // device-side assert / trap
    case 714:  // hardware stack error
    case 715:  // illegal instruction
    case 716:  // misaligned address
    case 717:  // invalid address space
    case 718:  // invalid program counter
    case 719:  // launch failed
    case 999:  // unknown
      return true;
    default:
      return false;
  }
}

inline HarnessError cudaFailure(int code, const std::string& where) {
  HarnessError e(isStickyCode(code) ? "cuda_sticky_error" : "cuda_error",
                 where + " failed: " + cuResultName(code) + " (" + cuResultText(code) + ")");
  e.sticky = isStickyCode(code);
  e.cuResult = cuResultName(code);
  e.cuCode = code;
  return e;
}

#define KF_CU(expr)                                                              \
  do {                                                                           \
    CUresult kf_r_ = (expr);                                                     \
    if (kf_r_ != CUDA_SUCCESS) throw ::kf::cudaFailure(static_cast<int>(kf_r_), #expr); \
  } while (0)

#define KF_RT(expr)                                                              \
  do {                                                                           \
    cudaError_t kf_e_ = (expr);                                                  \
    if (kf_e_ != cudaSuccess) throw ::kf::cudaFailure(static_cast<int>(kf_e_), #expr); \
  } while (0)

// Checks the launch of one of the harness's own kernels.
#define KF_LAUNCHED(name)                                                          \
  do {                                                                             \
    cudaError_t kf_e_ = cudaGetLastError();                                        \
    if (kf_e_ != cudaSuccess) throw ::kf::cudaFailure(static_cast<int>(kf_e_), "launch of " #name); \
  } while (0)

// Synchronizes a stream after launches that may include candidate code. Any
// failure here comes from device execution; it is treated as sticky when the
// code is known to be sticky or when the context keeps failing afterwards.
inline void syncStream(CUstream s, const char* what) {
  CUresult r = cuStreamSynchronize(s);
  if (r == CUDA_SUCCESS) return;
  HarnessError e = cudaFailure(static_cast<int>(r), std::string("synchronizing after ") + what);
  if (!e.sticky) {
    if (cuCtxSynchronize() != CUDA_SUCCESS) {
      e.sticky = true;
      e.code = "cuda_sticky_error";
    }
  }
  throw e;
}

inline void logMessage(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
inline void logMessage(const char* fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  std::fputs("[kforge-harness] ", stderr);
  std::vfprintf(stderr, fmt, ap);
  std::fputc('\n', stderr);
  va_end(ap);
}

}  // namespace kf
