// cuBLAS / cuBLASLt baselines, reached through the run-time loaded libraries.
//
// Row-major C (M x N) = A (M x K) * op(B) is computed as the column-major
// product C^T (N x M) = X * A^T, where column-major A^T is exactly the stored
// row-major A (K x M, ld K). X must be the N x K matrix op(B)^T:
//   "nn":     B row-major K x N is column-major N x K (ld N): X = B, no transpose.
//   "linear": B row-major N x K is column-major K x N (ld K): X = B^T, transpose.
#pragma once

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "context.h"

namespace kf {

class Baselines {
 public:
  static constexpr size_t kLtWorkspaceBytes = size_t(32) << 20;
  static constexpr int kMaxHeuristics = 32;

  struct LtPlan {
    cublasLtMatmulDesc_t desc = nullptr;
    cublasLtMatrixLayout_t first = nullptr;   // describes B storage
    cublasLtMatrixLayout_t second = nullptr;  // describes A storage
    cublasLtMatrixLayout_t out = nullptr;     // describes C storage
    std::vector<cublasLtMatmulHeuristicResult_t> algos;  // heuristic order
    int returned = 0;
    bool tuned = false;
    int winner = 0;
    int tried = 0;
    std::vector<double> tunedMedianUs;  // per algo; negative when it failed
  };

  explicit Baselines(Context& c) : c_(c) {}

  // Creates handles; records why when that is impossible.
  void init() {
    if (c_.blas.lib.found) {
      cublasStatus_t s = c_.blas.create(&blasHandle_);
      if (s != CUBLAS_STATUS_SUCCESS) {
        blasError_ = "cublasCreate failed: " + statusName(s);
        blasHandle_ = nullptr;
      } else {
        s = c_.blas.setStream(blasHandle_, c_.stream);
        if (s != CUBLAS_STATUS_SUCCESS) blasError_ = "cublasSetStream failed: " + statusName(s);
        int v = 0;
        if (c_.blas.getVersion(blasHandle_, &v) == CUBLAS_STATUS_SUCCESS) blasVersion_ = v;
      }
    } else {
      blasError_ = c_.blas.lib.error;
    }
    if (c_.lt.lib.found) {
      cublasStatus_t s = c_.lt.create(&ltHandle_);
      if (s != CUBLAS_STATUS_SUCCESS) {
        ltError_ = "cublasLtCreate failed: " + statusName(s);
        ltHandle_ = nullptr;
      } else {
        ltVersion_ = int(c_.lt.getVersion());
      }
    } else {
      ltError_ = c_.lt.lib.error;
    }
  }

  bool blasReady() const { return blasHandle_ != nullptr && blasError_.empty(); }
  bool ltReady() const { return ltHandle_ != nullptr && ltError_.empty(); }
  int blasVersion() const { return blasVersion_; }
  int ltVersion() const { return ltVersion_; }
  const std::string& blasError() const { return blasError_; }
  const std::string& ltError() const { return ltError_; }

  void requireBlas() const {
    if (!blasReady())
      throw HarnessError("cublas_unavailable", "the \"cublas\" baseline needs libcublas: " + blasError_ +
                                                   " (see the hello reply for the folders searched)");
  }
  void requireLt() const {
    if (!ltReady())
      throw HarnessError("cublas_unavailable", "the cuBLASLt baselines need libcublasLt: " + ltError_ +
                                                   " (see the hello reply for the folders searched)");
  }

  std::string statusName(cublasStatus_t s) const {
    if (c_.blas.getStatusName) {
      const char* n = c_.blas.getStatusName(s);
      if (n) return n;
    }
    return "CUBLAS_STATUS_" + std::to_string(s);
  }

  // Enqueues cublasGemmEx (fp16 in/out, fp32 compute, default algorithm).
  void gemmEx(const Task& t, CUdeviceptr A, CUdeviceptr B, CUdeviceptr C) {
    requireBlas();
    const float alpha = 1.0f, beta = 0.0f;
    cublasOperation_t opX = t.linear ? CUBLAS_OP_T : CUBLAS_OP_N;
    int ldX = t.linear ? t.k : t.n;
    cublasStatus_t s = c_.blas.gemmEx(blasHandle_, opX, CUBLAS_OP_N, t.n, t.m, t.k, &alpha,
                                      reinterpret_cast<const void*>(B), CUDA_R_16F, ldX,
                                      reinterpret_cast<const void*>(A), CUDA_R_16F, t.k, &beta,
                                      reinterpret_cast<void*>(C), CUDA_R_16F, t.n, CUBLAS_COMPUTE_32F,
                                      CUBLAS_GEMM_DEFAULT);
    if (s != CUBLAS_STATUS_SUCCESS) throw HarnessError("cublas_error", "cublasGemmEx failed: " + statusName(s));
  }

  // Descriptors and up to 32 heuristic algorithms for one (shape, layout).
  LtPlan& plan(const Task& t) {
    requireLt();
    auto it = plans_.find(t.key());
    if (it != plans_.end()) return it->second;
    ensureLtWorkspace();
    LtPlan p;
    auto chk = [&](cublasStatus_t s, const char* what) {
      if (s != CUBLAS_STATUS_SUCCESS) throw HarnessError("cublas_error", std::string(what) + " failed: " + statusName(s));
    };
    chk(c_.lt.descCreate(&p.desc, CUBLAS_COMPUTE_32F, CUDA_R_32F), "cublasLtMatmulDescCreate");
    int32_t opX = t.linear ? CUBLAS_OP_T : CUBLAS_OP_N;
    int32_t opN = CUBLAS_OP_N;
    chk(c_.lt.descSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSA, &opX, sizeof opX), "set TRANSA");
    chk(c_.lt.descSetAttribute(p.desc, CUBLASLT_MATMUL_DESC_TRANSB, &opN, sizeof opN), "set TRANSB");
    // Stored shapes (column-major view) of the three operands.
    if (t.linear) chk(c_.lt.layoutCreate(&p.first, CUDA_R_16F, uint64_t(t.k), uint64_t(t.n), t.k), "layout B");
    else chk(c_.lt.layoutCreate(&p.first, CUDA_R_16F, uint64_t(t.n), uint64_t(t.k), t.n), "layout B");
    chk(c_.lt.layoutCreate(&p.second, CUDA_R_16F, uint64_t(t.k), uint64_t(t.m), t.k), "layout A");
    chk(c_.lt.layoutCreate(&p.out, CUDA_R_16F, uint64_t(t.n), uint64_t(t.m), t.n), "layout C");
    cublasLtMatmulPreference_t pref = nullptr;
    chk(c_.lt.prefCreate(&pref), "cublasLtMatmulPreferenceCreate");
    uint64_t wsBytes = uint64_t(kLtWorkspaceBytes);
    cublasStatus_t s =
        c_.lt.prefSetAttribute(pref, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &wsBytes, sizeof wsBytes);
    std::vector<cublasLtMatmulHeuristicResult_t> res(kMaxHeuristics);
    std::memset(res.data(), 0, res.size() * sizeof(res[0]));
    int returned = 0;
    if (s == CUBLAS_STATUS_SUCCESS)
      s = c_.lt.algoGetHeuristic(ltHandle_, p.desc, p.first, p.second, p.out, p.out, pref, kMaxHeuristics,
                                 res.data(), &returned);
    c_.lt.prefDestroy(pref);
    chk(s, "cublasLtMatmulAlgoGetHeuristic");
    for (int i = 0; i < returned; ++i)
      if (res[i].state == CUBLAS_STATUS_SUCCESS && res[i].workspaceSize <= kLtWorkspaceBytes) p.algos.push_back(res[i]);
    p.returned = returned;
    if (p.algos.empty())
      throw HarnessError("cublas_error", "cuBLASLt returned no usable algorithm for " + t.key());
    return plans_.emplace(t.key(), std::move(p)).first->second;
  }

  // Enqueues one cublasLtMatmul with algorithm `idx` of the plan. Returns the
  // status rather than throwing, so autotuning can skip algorithms that fail.
  cublasStatus_t ltMatmul(LtPlan& p, int idx, CUdeviceptr A, CUdeviceptr B, CUdeviceptr C) {
    const float alpha = 1.0f, beta = 0.0f;
    const cublasLtMatmulHeuristicResult_t& h = p.algos[size_t(idx)];
    return c_.lt.matmul(ltHandle_, p.desc, &alpha, reinterpret_cast<const void*>(B), p.first,
                        reinterpret_cast<const void*>(A), p.second, &beta, reinterpret_cast<const void*>(C), p.out,
                        reinterpret_cast<void*>(C), p.out, &h.algo, reinterpret_cast<void*>(ltWorkspace_),
                        kLtWorkspaceBytes, c_.stream);
  }
  void ltMatmulChecked(LtPlan& p, int idx, CUdeviceptr A, CUdeviceptr B, CUdeviceptr C) {
    cublasStatus_t s = ltMatmul(p, idx, A, B, C);
    if (s != CUBLAS_STATUS_SUCCESS) throw HarnessError("cublas_error", "cublasLtMatmul failed: " + statusName(s));
  }

 private:
  Context& c_;
  cublasHandle_t blasHandle_ = nullptr;
  cublasLtHandle_t ltHandle_ = nullptr;
  std::string blasError_, ltError_;
  int blasVersion_ = 0, ltVersion_ = 0;
  CUdeviceptr ltWorkspace_ = 0;
  std::map<std::string, LtPlan> plans_;

  void ensureLtWorkspace() {
    if (!ltWorkspace_) KF_CU(cuMemAlloc(&ltWorkspace_, kLtWorkspaceBytes));
  }
};

}  // namespace kf
