// Interleaved timing of the candidate and the cuBLAS baselines.
//
// Each round visits every requested mode; inside a mode the contenders run in
// an order shuffled by a seeded generator, each exactly once. All launches of
// a round are queued without host synchronization; the round ends with one
// stream synchronization, after which the event pairs are read.
#pragma once

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "baselines.h"
#include "candidate.h"
#include "context.h"
#include "correctness.h"
#include "json.h"

namespace kf {

constexpr double kHotBatchTargetUs = 200.0;
constexpr int kHotBatchMin = 3;
constexpr int kHotBatchMax = 1000;  // keeps a round well inside the launch queue
constexpr int kAutotuneSamples = 5;
constexpr int kAutotuneWarmup = 3;

struct TimeOptions {
  bool hot = true, cold = true;
  std::vector<std::string> modeOrder{"hot", "cold"};
  std::vector<std::string> baselines{"cublas", "cublaslt-heuristic", "cublaslt-autotuned"};
  int samples = 50;
  int warmup = 10;
  int bufferSets = 4;
  uint64_t shuffleSeed = 0x5eed;
};

// Thrown from a candidate enqueue when the driver refuses the launch.
struct CandidateLaunchRefused {
  LaunchFailure failure;
};

struct Contender {
  std::string name;
  std::function<void(const BufferSet&)> enqueue;
  int batch = kHotBatchMin;
  size_t rotation = 0;
  std::vector<double> hot, cold;
  json::Value extra;  // contender-specific facts (autotuning)
};

class EventPool {
 public:
  ~EventPool() {
    for (CUevent e : events_) cuEventDestroy(e);
  }
  CUevent get(size_t i) {
    while (events_.size() <= i) {
      CUevent e;
      KF_CU(cuEventCreate(&e, CU_EVENT_DEFAULT));
      events_.push_back(e);
    }
    return events_[i];
  }

 private:
  std::vector<CUevent> events_;
};

inline double elapsedUs(CUevent a, CUevent b) {
  float ms = 0;
  KF_CU(cuEventElapsedTime(&ms, a, b));
  return double(ms) * 1000.0;
}

// splitmix64 stream: deterministic across platforms (unlike std::shuffle).
struct Shuffler {
  uint64_t state;
  explicit Shuffler(uint64_t s) : state(s) {}
  uint64_t next() { return dev::mix64(state++); }
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[size_t(next() % i)]);
  }
};

inline double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return NAN;
  double pos = q * double(sorted.size() - 1);
  size_t lo = size_t(std::floor(pos));
  size_t hi = std::min(lo + 1, sorted.size() - 1);
  double f = pos - double(lo);
  return sorted[lo] * (1.0 - f) + sorted[hi] * f;
}

inline json::Value statsJson(const std::vector<double>& samples, double flops, int batch) {
  json::Value o = json::Value::object();
  json::Value arr = json::Value::array();
  double sum = 0;
  for (double s : samples) {
    arr.push(s);
    sum += s;
  }
  std::vector<double> sorted = samples;
  std::sort(sorted.begin(), sorted.end());
  double med = quantile(sorted, 0.5);
  o.set("samplesUs", arr);
  o.set("medianUs", med);
  o.set("p25Us", quantile(sorted, 0.25));
  o.set("p75Us", quantile(sorted, 0.75));
  o.set("minUs", sorted.empty() ? NAN : sorted.front());
  o.set("maxUs", sorted.empty() ? NAN : sorted.back());
  o.set("meanUs", samples.empty() ? NAN : sum / double(samples.size()));
  o.set("tflops", med > 0 ? flops / (med * 1e-6) / 1e12 : NAN);
  if (batch > 0) o.set("batch", batch);
  return o;
}

// Runs `warmup` launches, then sizes the hot batch from a 3-launch probe.
inline void calibrate(Context& c, Arena& a, int nsets, Contender& ct, int warmup, EventPool& ev) {
  for (int i = 0; i < warmup; ++i) ct.enqueue(a.sets[ct.rotation++ % nsets]);
  CUevent e0 = ev.get(0), e1 = ev.get(1);
  unsigned int ticket = enqueueGate(c);
  KF_CU(cuEventRecord(e0, c.stream));
  for (int i = 0; i < 3; ++i) ct.enqueue(a.sets[ct.rotation++ % nsets]);
  KF_CU(cuEventRecord(e1, c.stream));
  releaseGate(c, ticket);
  syncStream(c.stream, (ct.name + " warm-up").c_str());
  double per = elapsedUs(e0, e1) / 3.0;
  int batch = per > 0 ? int(std::ceil(kHotBatchTargetUs / per)) : kHotBatchMax;
  ct.batch = std::max(kHotBatchMin, std::min(kHotBatchMax, batch));
}

// Hot median of one algorithm of a cuBLASLt plan (used by autotuning).
inline double timeLtAlgo(Context& c, Baselines& bl, Baselines::LtPlan& p, int idx, Arena& a, int nsets,
                         EventPool& ev) {
  // A first launch tells whether this algorithm runs at all for this shape.
  if (bl.ltMatmul(p, idx, a.sets[0].A.data(), a.sets[0].B.data(), a.sets[0].C.data()) != CUBLAS_STATUS_SUCCESS)
    return -1;
  Contender ct;
  ct.name = "cublaslt-autotune";
  ct.enqueue = [&](const BufferSet& s) { bl.ltMatmulChecked(p, idx, s.A.data(), s.B.data(), s.C.data()); };
  calibrate(c, a, nsets, ct, kAutotuneWarmup, ev);
  std::vector<double> v;
  unsigned int ticket = enqueueGate(c);
  for (int r = 0; r < kAutotuneSamples; ++r) {
    CUevent e0 = ev.get(2 + 2 * r), e1 = ev.get(3 + 2 * r);
    KF_CU(cuEventRecord(e0, c.stream));
    for (int i = 0; i < ct.batch; ++i) ct.enqueue(a.sets[ct.rotation++ % nsets]);
    KF_CU(cuEventRecord(e1, c.stream));
  }
  releaseGate(c, ticket);
  syncStream(c.stream, "cuBLASLt autotuning");
  for (int r = 0; r < kAutotuneSamples; ++r) v.push_back(elapsedUs(ev.get(2 + 2 * r), ev.get(3 + 2 * r)) / ct.batch);
  std::sort(v.begin(), v.end());
  return quantile(v, 0.5);
}

inline void autotune(Context& c, Baselines& bl, Baselines::LtPlan& p, Arena& a, int nsets, EventPool& ev) {
  if (p.tuned) return;
  p.tunedMedianUs.assign(p.algos.size(), -1.0);
  int best = -1;
  p.tried = 0;
  for (size_t i = 0; i < p.algos.size(); ++i) {
    ++p.tried;
    double us = timeLtAlgo(c, bl, p, int(i), a, nsets, ev);
    p.tunedMedianUs[i] = us;
    if (us > 0 && (best < 0 || us < p.tunedMedianUs[size_t(best)])) best = int(i);
  }
  if (best < 0) throw HarnessError("cublas_error", "no cuBLASLt algorithm could be run for this shape");
  p.winner = best;
  p.tuned = true;
}

struct TimingResult {
  json::Value report;
  bool launchRefused = false;
  LaunchFailure failure;
  bool guardsDamaged = false;
  json::Value guardViolations;
  // A timed launch of the candidate left a wrong or unwritten output.
  bool timedOutputWrong = false;
  std::string timedReason;
  json::Value timedDetail;
};

// Error bound for the outputs of timed launches. An honest kernel errs by about 2e-4 (fp16 output rounding);
// a launch that skipped work, or wrote anything but the product, errs by O(1) or leaves NaNs.
constexpr double kTimedTolerance = 2e-3;

// The candidate's own outputs during timing, one per buffer set, each with guard bands, and the fp32 reference
// of each set's inputs. Baselines keep writing the sets' own C, so the candidate's outputs survive the round.
struct TimedOutputs {
  std::vector<GuardedBuffer> c;
  std::vector<CUdeviceptr> ref;
  TimedOutputs() = default;
  TimedOutputs(const TimedOutputs&) = delete;
  TimedOutputs& operator=(const TimedOutputs&) = delete;
  ~TimedOutputs() {
    for (auto& g : c) freeGuarded(g);
    for (CUdeviceptr r : ref)
      if (r) cuMemFree(r);
  }
};

// Candidate may be null (baselines only). Throws HarnessError for protocol
// level failures (missing cuBLAS, sticky errors); a refused candidate launch
// is returned in the result.
inline TimingResult runTiming(Context& c, Baselines& bl, Arena& arena, Kernel* k, const LaunchDesc* d,
                              const Task& t, const TimeOptions& opt) {
  TimingResult res;
  for (const auto& b : opt.baselines) {
    if (b == "cublas") bl.requireBlas();
    else if (b == "cublaslt-heuristic" || b == "cublaslt-autotuned") bl.requireLt();
    else throw badRequest("unknown baseline '" + b + "' (expected cublas, cublaslt-heuristic, cublaslt-autotuned)");
  }
  if (!k && opt.baselines.empty()) throw badRequest("nothing to time: no handle and no baselines");

  const size_t wsBytes = d ? d->wsBytes : 0;
  int nsets = ensureArena(c, arena, t, wsBytes, std::max(1, opt.bufferSets));
  const size_t cHalves = size_t(t.m) * t.n;
  TimedOutputs outs;
  // Gives every buffer set up to `count` its candidate output buffer and room for its reference.
  auto ensureOutputs = [&](int count) {
    while (int(outs.c.size()) < count) {
      GuardedBuffer g;
      allocGuarded(c, g, arena.cBytes());
      outs.c.push_back(g);
      CUdeviceptr r = 0;
      KF_CU(cuMemAlloc(&r, cHalves * 4));
      outs.ref.push_back(r);
    }
  };
  // The reference of every set's inputs, computed once the inputs are final (after the baseline checks and
  // calibration, right before the timed rounds; nothing writes A or B during them).
  auto computeReferences = [&]() {
    for (size_t i = 0; i < outs.ref.size(); ++i)
      runReference(c, t, arena.sets[i].A.data(), arena.sets[i].B.data(), outs.ref[i], false);
    syncStream(c.stream, "timing references");
  };
  if (k) ensureOutputs(nsets);
  // Tensor maps are encoded before the timed rounds, for every set the candidate writes (its own C buffer in
  // place of the set's), so that no host-side encoding delays a timed launch. The arena may hold more sets than
  // this candidate uses (a previous candidate of the shape grew it): only the first nsets have outputs here.
  auto encodeTensorMapsForSets = [&]() {
    if (!d || d->tensorMaps.empty()) return;
    for (int i = 0; i < nsets; ++i) {
      BufferSet own = arena.sets[size_t(i)];
      own.C = outs.c[size_t(i)];
      tensorMapsFor(*d, t, own);
    }
  };
  // Resolved before anything is timed, so an unknown KFORGE_COLD_FLUSH is refused up front.
  const char* coldFlush = opt.cold ? coldFlushMode() : nullptr;
  const bool readFlush = coldFlush && std::string(coldFlush) == "read";
  if (opt.cold) ensureFlushBuffer(c);
  EventPool ev;
  json::Value baselineChecks = json::Value::object();

  std::vector<Contender> cts;
  if (k) {
    std::string v = validateLaunch(c, *k, *d, t);
    if (!v.empty()) {
      res.launchRefused = true;
      res.failure.failed = true;
      res.failure.message = "invalid launch descriptor: " + v;
      return res;
    }
    LaunchFailure f = prepareKernel(*k, *d);
    if (f.failed) {
      res.launchRefused = true;
      res.failure = f;
      return res;
    }
    encodeTensorMapsForSets();
    Contender ct;
    ct.name = "candidate";
    Kernel* kk = k;
    const LaunchDesc* dd = d;
    ct.enqueue = [&c, kk, dd, &t, &arena, &outs](const BufferSet& s) {
      // Same inputs and workspace as the set, but the candidate's own output buffer.
      BufferSet own = s;
      own.C = outs.c[size_t(&s - arena.sets.data())];
      CUresult r = enqueueCandidate(c, *kk, *dd, t, own);
      if (r != CUDA_SUCCESS) {
        if (isStickyCode(int(r))) throw cudaFailure(int(r), "cuLaunchKernelEx");
        throw CandidateLaunchRefused{launchFailureFrom(r, *kk, *dd)};
      }
    };
    cts.push_back(std::move(ct));
  }
  for (const auto& b : opt.baselines) {
    Contender ct;
    ct.name = b;
    if (b == "cublas") {
      ct.enqueue = [&bl, &t](const BufferSet& s) { bl.gemmEx(t, s.A.data(), s.B.data(), s.C.data()); };
      baselineChecks.set(b, checkBaselineOnce(c, arena, t, [&](CUdeviceptr A, CUdeviceptr B, CUdeviceptr C) {
                           bl.gemmEx(t, A, B, C);
                         }));
    } else {
      Baselines::LtPlan& p = bl.plan(t);
      int idx = 0;
      json::Value extra = json::Value::object();
      extra.set("returned", p.returned);
      extra.set("usable", double(p.algos.size()));
      if (b == "cublaslt-autotuned") {
        bool cached = p.tuned;
        autotune(c, bl, p, arena, nsets, ev);
        idx = p.winner;
        extra.set("tried", p.tried);
        extra.set("winnerIndex", p.winner);
        extra.set("cached", cached);
        json::Value meds = json::Value::array();
        for (double m : p.tunedMedianUs) meds.push(m > 0 ? json::Value(m) : json::Value());
        extra.set("tunedMedianUs", meds);
      } else {
        extra.set("algorithmIndex", 0);
      }
      Baselines::LtPlan* pp = &p;
      ct.enqueue = [&bl, pp, idx](const BufferSet& s) {
        bl.ltMatmulChecked(*pp, idx, s.A.data(), s.B.data(), s.C.data());
      };
      baselineChecks.set(b, checkBaselineOnce(c, arena, t, [&](CUdeviceptr A, CUdeviceptr B, CUdeviceptr C) {
                           bl.ltMatmulChecked(*pp, idx, A, B, C);
                         }));
      ct.extra = extra;
    }
    cts.push_back(std::move(ct));
  }

  unsigned int gateTimeouts = 0;
  json::Value verification = json::Value::object();
  try {
    resetGateTimeouts(c);
    for (auto& ct : cts) calibrate(c, arena, nsets, ct, opt.warmup, ev);
    Contender* candidate = k ? &cts[0] : nullptr;
    if (candidate) {
      // Every launch of the candidate in a round must write its own buffer set, so that each one is verified:
      // more sets when the hot batch needs them (as memory allows), else a smaller batch.
      const int cold = opt.cold ? 1 : 0;
      const int perRound = (opt.hot ? candidate->batch : 0) + cold;
      if (perRound > nsets) {
        nsets = ensureArena(c, arena, t, wsBytes, perRound);
        ensureOutputs(nsets);
        encodeTensorMapsForSets();
      }
      if (opt.hot) candidate->batch = std::max(1, std::min(candidate->batch, nsets - cold));
    }
    if (candidate) computeReferences();
    unsigned long long verifiedLaunches = 0;
    double maxTimedError = 0;

    Shuffler rng(opt.shuffleSeed);
    struct Pending {
      Contender* ct;
      bool hot;
      CUevent e0, e1;
    };
    std::vector<Pending> pending;
    uint32_t flushValue = 1;
    std::vector<size_t> candidateSets;
    for (int round = 0; round < opt.samples; ++round) {
      pending.clear();
      candidateSets.clear();
      size_t evIdx = 0;
      if (candidate) {
        // Outside the timed region: poison the candidate's outputs and re-randomize the workspaces, so that
        // nothing a launch finds there can stand in for computing the product.
        for (int i = 0; i < nsets; ++i) {
          poisonOutput(c, outs.c[size_t(i)].data(), cHalves, dev::mix64(opt.shuffleSeed * 1000003ull + round * 131ull + i));
          if (wsBytes >= 2 && !d->zeroWs)
            fillNormalHalf(c, arena.sets[size_t(i)].W.data(), wsBytes / 2, dev::mix64(round * 7919ull + i), dev::kStreamPoison);
        }
      }
      // The whole round is queued behind the gate, then released at once.
      unsigned int ticket = enqueueGate(c);
      for (const auto& mode : opt.modeOrder) {
        bool hot = mode == "hot";
        std::vector<Contender*> order;
        for (auto& ct : cts) order.push_back(&ct);
        rng.shuffle(order);
        for (Contender* ct : order) {
          CUevent e0 = ev.get(evIdx++), e1 = ev.get(evIdx++);
          const int launches = hot ? ct->batch : 1;
          if (ct == candidate)
            for (int i = 0; i < launches; ++i) candidateSets.push_back((ct->rotation + size_t(i)) % size_t(nsets));
          if (hot) {
            KF_CU(cuEventRecord(e0, c.stream));
            for (int i = 0; i < ct->batch; ++i) ct->enqueue(arena.sets[ct->rotation++ % nsets]);
            KF_CU(cuEventRecord(e1, c.stream));
          } else {
            enqueueFlush(c, flushValue++, readFlush);
            KF_CU(cuEventRecord(e0, c.stream));
            ct->enqueue(arena.sets[ct->rotation++ % nsets]);
            KF_CU(cuEventRecord(e1, c.stream));
          }
          pending.push_back({ct, hot, e0, e1});
        }
      }
      releaseGate(c, ticket);
      syncStream(c.stream, "timing round");
      for (const auto& p : pending) {
        double us = elapsedUs(p.e0, p.e1);
        if (p.hot) p.ct->hot.push_back(us / p.ct->batch);
        else p.ct->cold.push_back(us);
      }
      // Every output the candidate's timed launches left must be written and right.
      for (size_t i : candidateSets) {
        ErrorStats e = measureError(c, outs.c[i].data(), outs.ref[i], cHalves);
        ++verifiedLaunches;
        if (std::isfinite(e.relError)) maxTimedError = std::max(maxTimedError, e.relError);
        if (e.nan == 0 && e.inf == 0 && e.relError <= kTimedTolerance) continue;
        res.timedOutputWrong = true;
        res.timedReason = e.nan ? "unwritten_output" : "wrong_result";
        json::Value det = json::Value::object();
        det.set("round", round);
        det.set("bufferSet", double(i));
        det.set("nanCount", double(e.nan));
        det.set("relError", std::isfinite(e.relError) ? json::Value(e.relError) : json::Value());
        det.set("tolerance", kTimedTolerance);
        det.set("message", "a timed launch of the candidate left a wrong or unwritten output");
        res.timedDetail = det;
        break;
      }
      if (res.timedOutputWrong) break;
    }
    gateTimeouts = readGateTimeouts(c);
    verification.set("verifiedLaunches", double(verifiedLaunches));
    verification.set("maxRelError", maxTimedError);
    verification.set("tolerance", kTimedTolerance);
  } catch (const CandidateLaunchRefused& r) {
    releaseGate(c, c.gateTicket);  // let the partly queued round drain
    syncStream(c.stream, "timing after a refused launch");
    res.launchRefused = true;
    res.failure = r.failure;
    return res;
  }

  // Guard bands of every set after all timed launches.
  json::Value viol = json::Value::array();
  if (k) {
    for (size_t i = 0; i < outs.c.size(); ++i) {
      GuardCount gc = checkGuarded(c, outs.c[i]);
      if (!gc.damaged()) continue;
      json::Value v = json::Value::object();
      v.set("bufferSet", double(i));
      v.set("buffer", "C (timed)");
      v.set("region", "guard");
      v.set("before", gc.before);
      v.set("after", gc.after);
      viol.push(v);
    }
    for (int i = 0; i < nsets; ++i) {
      BufferSet& s = arena.sets[size_t(i)];
      struct {
        const char* name;
        GuardedBuffer* g;
      } bufs[] = {{"A", &s.A}, {"B", &s.B}, {"C", &s.C}, {"workspace", &s.W}};
      for (auto& b : bufs) {
        GuardCount gc = checkGuarded(c, *b.g);
        if (!gc.damaged()) continue;
        json::Value v = json::Value::object();
        v.set("bufferSet", i);
        v.set("buffer", b.name);
        v.set("region", "guard");
        v.set("before", gc.before);
        v.set("after", gc.after);
        viol.push(v);
      }
    }
  }
  res.guardsDamaged = viol.size() > 0;
  res.guardViolations = viol;

  json::Value modes = json::Value::object();
  for (const auto& mode : opt.modeOrder) {
    bool hot = mode == "hot";
    json::Value m = json::Value::object();
    for (auto& ct : cts) {
      json::Value s = statsJson(hot ? ct.hot : ct.cold, t.flops(), hot ? ct.batch : 0);
      if (!ct.extra.isNull())
        for (const auto& kv : ct.extra.members()) s.set(kv.first, kv.second);
      m.set(ct.name, s);
    }
    modes.set(mode, m);
  }
  json::Value rep = json::Value::object();
  rep.set("modes", modes);
  rep.set("samples", opt.samples);
  rep.set("warmup", opt.warmup);
  rep.set("bufferSets", nsets);
  rep.set("bufferSetsRequested", opt.bufferSets);
  rep.set("flushBytes", opt.cold ? double(c.flushBytes) : 0.0);
  if (coldFlush) rep.set("coldFlush", std::string(coldFlush));
  rep.set("shuffleSeed", double(opt.shuffleSeed));
  rep.set("gateTimeouts", gateTimeouts);
  rep.set("baselineChecks", baselineChecks);
  rep.set("guardViolations", viol);
  if (k) {
    if (res.timedOutputWrong) verification.set("failure", res.timedDetail);
    rep.set("timedOutputs", verification);
  }
  res.report = rep;
  return res;
}

}  // namespace kf
