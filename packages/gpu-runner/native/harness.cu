// KernelForge native GPU evaluation harness.
//
// One long-lived process per GPU. Requests arrive as one JSON object per line
// on stdin; exactly one JSON response per request line is written to stdout.
// Diagnostics go to stderr only. See docs/kernel-abi.md for the kernel ABI
// and the protocol.
//
// Build: nvcc -O2 -std=c++17 -o kforge-harness harness.cu -lcuda -ldl
#include <cuda.h>
#include <cuda_runtime.h>
#include <unistd.h>

#include <csignal>

#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>

#include "baselines.h"
#include "candidate.h"
#include "context.h"
#include "correctness.h"
#include "cublas-loader.h"
#include "cuda-util.h"
#include "json.h"
#include "timing.h"

namespace kf {

constexpr const char* kHarnessVersion = "0.1.0";
constexpr int kProtocolVersion = 1;
constexpr size_t kMaxLineBytes = size_t(4) << 20;
constexpr int kExitSticky = 3;

// Replies go to a private duplicate of the original stdout; file descriptor 1 itself is pointed at stderr
// before any kernel runs. Device-side printf (which the driver writes to fd 1) can therefore never be mistaken
// for, or glued onto, a protocol reply.
FILE* gProtocolOut = stdout;

class Harness {
 public:
  Harness() : baselines_(ctx_) {}

  void init(int ordinal) {
    loadCublasLibraries(ctx_.blas, ctx_.lt);
    ctx_.ordinal = ordinal;
    try {
      KF_CU(cuInit(0));
      int count = 0;
      KF_CU(cuDeviceGetCount(&count));
      if (ordinal < 0 || ordinal >= count)
        throw HarnessError("no_device", "device ordinal " + std::to_string(ordinal) + " not present (" +
                                            std::to_string(count) + " visible)");
      KF_CU(cuDeviceGet(&ctx_.device, ordinal));
      // The primary context is shared by the driver API (candidates), the
      // runtime (the harness's own kernels) and cuBLAS.
      KF_CU(cuDevicePrimaryCtxRetain(&ctx_.ctx, ctx_.device));
      KF_CU(cuCtxSetCurrent(ctx_.ctx));
      KF_RT(cudaFree(nullptr));  // binds the runtime to the current context
      KF_CU(cuStreamCreate(&ctx_.stream, CU_STREAM_NON_BLOCKING));
      queryDevice();
      KF_CU(cuMemAlloc(&ctx_.scratch, Context::kScratchBytes));
      ctx_.gridBlocks = ctx_.info.smCount * 8;
      std::random_device rd;
      uint64_t mix = (uint64_t(rd()) << 32) ^ rd() ^
                     uint64_t(std::chrono::steady_clock::now().time_since_epoch().count()) ^ uint64_t(::getpid());
      ctx_.guardPattern = uint32_t(dev::mix64(mix));
      baselines_.init();
      ctx_.ready = true;
    } catch (const HarnessError& e) {
      ctx_.ready = false;
      ctx_.initError = e.message;
      logMessage("device initialization failed: %s", e.message.c_str());
    }
  }

  // Handles one line; returns false when the process should exit.
  bool handleLine(const std::string& line) {
    json::Value id;  // null until known
    std::string op;
    try {
      json::Value req;
      try {
        req = json::parse(line);
      } catch (const json::ParseError& pe) {
        throw badRequest(std::string("malformed JSON: ") + pe.what());
      }
      if (!req.isObject()) throw badRequest("request must be a JSON object");
      const json::Value* idv = req.get("id");
      if (!idv || !idv->isNumber()) throw badRequest("request needs a numeric 'id'");
      id = *idv;
      const json::Value* opv = req.get("op");
      if (!opv || !opv->isString()) throw badRequest("request needs a string 'op'");
      op = opv->asString();

      json::Value resp = json::Value::object();
      resp.set("id", id);
      resp.set("ok", true);
      if (op == "shutdown") {
        reply(resp);
        return false;
      }
      if (op == "hello") {
        opHello(resp);
      } else {
        if (op != "load" && op != "unload" && op != "check" && op != "time" && op != "evaluate")
          throw badRequest("unknown op '" + op + "'");
        requireDevice();
        if (op == "load") opLoad(req, resp);
        else if (op == "unload") opUnload(req, resp);
        else if (op == "check") opCheck(req, resp);
        else if (op == "time") opTime(req, resp);
        else opEvaluate(req, resp);
      }
      reply(resp);
      return true;
    } catch (const HarnessError& e) {
      replyError(id, e);
      if (e.sticky) {
        logMessage("sticky CUDA error (%s); exiting with status %d", e.cuResult.c_str(), kExitSticky);
        std::fflush(gProtocolOut);
        std::fflush(stdout);
        std::fflush(stderr);
        ::_exit(kExitSticky);
      }
      return true;
    } catch (const std::bad_alloc&) {
      replyError(id, HarnessError("internal_error", "host memory exhausted"));
      return true;
    } catch (const std::exception& e) {
      replyError(id, HarnessError("internal_error", e.what()));
      return true;
    }
  }

  void replyLineTooLong() { replyError(json::Value(), badRequest("request line longer than 4 MiB")); }

 private:
  Context ctx_;
  Baselines baselines_;
  KernelRegistry kernels_;
  Arena arena_;

  static void reply(const json::Value& v) {
    std::string s = json::serialize(v);
    s += '\n';
    std::fwrite(s.data(), 1, s.size(), gProtocolOut);
    std::fflush(gProtocolOut);
  }

  static void replyError(const json::Value& id, const HarnessError& e) {
    json::Value r = json::Value::object();
    r.set("id", id);
    r.set("ok", false);
    json::Value err = json::Value::object();
    err.set("code", e.code);
    err.set("message", e.message);
    err.set("sticky", e.sticky);
    if (!e.cuResult.empty()) err.set("cuResult", e.cuResult);
    r.set("error", err);
    reply(r);
  }

  void requireDevice() const {
    if (!ctx_.ready) throw HarnessError("no_device", "no usable CUDA device: " + ctx_.initError);
  }

  void queryDevice() {
    DeviceInfo& d = ctx_.info;
    char name[256] = {0};
    KF_CU(cuDeviceGetName(name, sizeof name, ctx_.device));
    d.name = name;
    auto attr = [&](CUdevice_attribute a) {
      int v = 0;
      KF_CU(cuDeviceGetAttribute(&v, a, ctx_.device));
      return v;
    };
    d.ccMajor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
    d.ccMinor = attr(CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
    d.smCount = attr(CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
    d.l2Bytes = attr(CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE);
    d.sharedPerBlockOptin = attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN);
    d.sharedPerBlock = attr(CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK);
    d.clockKHz = attr(CU_DEVICE_ATTRIBUTE_CLOCK_RATE);
    d.memClockKHz = attr(CU_DEVICE_ATTRIBUTE_MEMORY_CLOCK_RATE);
    KF_CU(cuDeviceTotalMem(&d.memoryBytes, ctx_.device));
    KF_CU(cuDriverGetVersion(&d.driverVersion));
    KF_RT(cudaRuntimeGetVersion(&d.runtimeVersion));
  }

  static std::string versionString(int v) {
    // cuBLAS encodes major*10000 + minor*100 + patch.
    return std::to_string(v / 10000) + "." + std::to_string((v / 100) % 100) + "." + std::to_string(v % 100);
  }

  json::Value libraryJson(const LoadedLibrary& lib, bool ready, int version, const std::string& err) const {
    json::Value o = json::Value::object();
    o.set("found", lib.found && ready);
    if (lib.found && ready) {
      o.set("path", lib.path);
      o.set("version", version);
      o.set("versionString", versionString(version));
    } else {
      json::Value s = json::Value::array();
      for (const auto& p : lib.searched) s.push(p);
      o.set("searched", s);
      o.set("error", err.empty() ? lib.error : err);
      if (lib.found) o.set("path", lib.path);
    }
    return o;
  }

  void opHello(json::Value& resp) {
    resp.set("harnessVersion", kHarnessVersion);
    resp.set("protocolVersion", kProtocolVersion);
    if (!ctx_.ready) {
      HarnessError e("no_device", "no usable CUDA device: " + ctx_.initError);
      json::Value r = json::Value::object();
      r.set("id", *resp.get("id"));
      r.set("ok", false);
      json::Value err = json::Value::object();
      err.set("code", e.code);
      err.set("message", e.message);
      err.set("sticky", false);
      err.set("harnessVersion", kHarnessVersion);
      err.set("cublas", libraryJson(ctx_.blas.lib, false, 0, ""));
      err.set("cublasLt", libraryJson(ctx_.lt.lib, false, 0, ""));
      r.set("error", err);
      resp = r;
      return;
    }
    const DeviceInfo& d = ctx_.info;
    json::Value dev = json::Value::object();
    dev.set("ordinal", ctx_.ordinal);
    dev.set("name", d.name);
    dev.set("computeCapability", std::to_string(d.ccMajor) + "." + std::to_string(d.ccMinor));
    dev.set("smCount", d.smCount);
    dev.set("l2Bytes", d.l2Bytes);
    dev.set("sharedPerBlockOptin", d.sharedPerBlockOptin);
    dev.set("sharedPerBlock", d.sharedPerBlock);
    dev.set("clockKHz", d.clockKHz);
    dev.set("memoryClockKHz", d.memClockKHz);
    dev.set("memoryBytes", double(d.memoryBytes));
    dev.set("driverVersion", d.driverVersion);
    dev.set("runtimeVersion", d.runtimeVersion);
    resp.set("device", dev);
    // The same fields flat at the top level, for simple clients.
    for (const auto& kv : dev.members()) resp.set(kv.first, kv.second);
    resp.set("cublas", libraryJson(ctx_.blas.lib, baselines_.blasReady(), baselines_.blasVersion(),
                                   baselines_.blasError()));
    resp.set("cublasLt",
             libraryJson(ctx_.lt.lib, baselines_.ltReady(), baselines_.ltVersion(), baselines_.ltError()));
    json::Value defs = json::Value::object();
    defs.set("toleranceFactor", kDefaultToleranceFactor);
    defs.set("toleranceFloor", kDefaultToleranceFloor);
    defs.set("fixedTolerance", kFixedTolerance);
    defs.set("guardBytes", double(kGuardBytes));
    defs.set("samples", TimeOptions().samples);
    defs.set("warmup", TimeOptions().warmup);
    defs.set("bufferSets", TimeOptions().bufferSets);
    defs.set("hotBatchTargetUs", kHotBatchTargetUs);
    defs.set("cublasLtWorkspaceBytes", double(Baselines::kLtWorkspaceBytes));
    resp.set("defaults", defs);
    resp.set("pid", int(::getpid()));
  }

  static json::Value kernelJson(const Kernel& k) {
    json::Value a = json::Value::object();
    a.set("numRegs", k.numRegs);
    a.set("sharedSizeBytes", k.sharedSizeBytes);
    a.set("localSizeBytes", k.localSizeBytes);
    a.set("maxThreadsPerBlock", k.maxThreadsPerBlock);
    a.set("constSizeBytes", k.constSizeBytes);
    a.set("maxDynamicSharedSizeBytes", k.dynSmemLimitSet);
    a.set("ptxVersion", k.ptxVersion);
    a.set("binaryVersion", k.binaryVersion);
    return a;
  }

  void opLoad(const json::Value& req, json::Value& resp) {
    std::string path = strField(req, "cubinPath");
    std::string entry = strField(req, "entry");
    int dyn = int(intField(req, "dynamicSharedBytes", 0, 0, 0x7fffffff));
    Kernel& k = kernels_.load(ctx_, path, entry, dyn);
    resp.set("handle", k.handle);
    resp.set("entry", k.entry);
    resp.set("attributes", kernelJson(k));
  }

  void opUnload(const json::Value& req, json::Value& resp) {
    std::string h = strField(req, "handle");
    kernels_.unload(h);
    resp.set("handle", h);
  }

  static std::vector<uint64_t> parseSeeds(const json::Value& req, const char* key, std::vector<uint64_t> def) {
    const json::Value* v = req.getNonNull(key);
    if (!v) return def;
    if (!v->isArray() || v->size() == 0 || v->size() > 64)
      throw badRequest(std::string("'") + key + "' must be an array of 1 to 64 integers");
    std::vector<uint64_t> out;
    for (const auto& e : v->items()) {
      if (!e.isNumber() || e.asNumber() < 0 || e.asNumber() != std::floor(e.asNumber()) ||
          e.asNumber() > 9007199254740991.0)
        throw badRequest(std::string("'") + key + "' entries must be non-negative integers below 2^53");
      out.push_back(uint64_t(e.asNumber()));
    }
    return out;
  }

  static CheckOptions parseCheckOptions(const json::Value& req) {
    CheckOptions o;
    o.seeds = parseSeeds(req, "seeds", {1, 2});
    o.factor = numField(req, "toleranceFactor", kDefaultToleranceFactor);
    o.floor = numField(req, "toleranceFloor", kDefaultToleranceFloor);
    if (!(o.factor > 0) || !(o.floor >= 0)) throw badRequest("toleranceFactor must be > 0 and toleranceFloor >= 0");
    o.integerCheck = boolField(req, "integerCheck", true);
    return o;
  }

  static TimeOptions parseTimeOptions(const json::Value& req) {
    TimeOptions o;
    if (const json::Value* m = req.getNonNull("modes")) {
      if (!m->isArray() || m->size() == 0) throw badRequest("'modes' must be a non-empty array");
      o.hot = o.cold = false;
      o.modeOrder.clear();
      for (const auto& e : m->items()) {
        if (!e.isString() || (e.asString() != "hot" && e.asString() != "cold"))
          throw badRequest("'modes' entries must be \"hot\" or \"cold\"");
        bool& flag = e.asString() == "hot" ? o.hot : o.cold;
        if (!flag) o.modeOrder.push_back(e.asString());
        flag = true;
      }
    }
    if (const json::Value* b = req.get("baselines")) {
      o.baselines.clear();
      if (!b->isNull()) {
        if (!b->isArray()) throw badRequest("'baselines' must be an array");
        for (const auto& e : b->items()) {
          if (!e.isString()) throw badRequest("'baselines' entries must be strings");
          bool dup = false;
          for (const auto& x : o.baselines) dup = dup || x == e.asString();
          if (!dup) o.baselines.push_back(e.asString());
        }
      }
    }
    o.samples = int(intField(req, "samples", o.samples, 1, 100000));
    o.warmup = int(intField(req, "warmup", o.warmup, 0, 100000));
    o.bufferSets = int(intField(req, "bufferSets", o.bufferSets, 1, 64));
    o.shuffleSeed = uint64_t(intField(req, "shuffleSeed", 0x5eed, 0, (1ll << 53) - 1));
    return o;
  }

  static json::Value verdictJson(bool passed, const std::string& reason, const char* phase,
                                 const json::Value& detail) {
    json::Value v = json::Value::object();
    v.set("passed", passed);
    v.set("reason", reason);
    v.set("phase", passed ? json::Value() : json::Value(phase));
    v.set("detail", detail);
    return v;
  }

  void opCheck(const json::Value& req, json::Value& resp) {
    Kernel& k = kernels_.get(strField(req, "handle"));
    Task t = parseTask(req);
    LaunchDesc d = parseLaunch(req);
    CheckOptions opt = parseCheckOptions(req);
    ensureArena(ctx_, arena_, t, d.wsBytes, 1);
    CheckOutcome co = runCheckSuite(ctx_, baselines_, arena_, k, d, t, opt);
    resp.set("verdict", verdictJson(co.passed, co.reason, "check", co.detail));
    resp.set("check", co.report);
  }

  void opTime(const json::Value& req, json::Value& resp) {
    Kernel* k = nullptr;
    LaunchDesc d;
    const json::Value* h = req.getNonNull("handle");
    if (h) {
      if (!h->isString()) throw badRequest("'handle' must be a string or null");
      k = &kernels_.get(h->asString());
      d = parseLaunch(req);
    }
    Task t = parseTask(req);
    TimeOptions opt = parseTimeOptions(req);
    TimingResult tr = runTiming(ctx_, baselines_, arena_, k, k ? &d : nullptr, t, opt);
    if (tr.launchRefused) {
      HarnessError e("launch_error", tr.failure.message);
      e.cuResult = tr.failure.cuResult;
      throw e;
    }
    resp.set("task", taskJson(t));
    resp.set("timing", tr.report);
  }

  static json::Value taskJson(const Task& t) {
    json::Value o = json::Value::object();
    o.set("m", t.m);
    o.set("n", t.n);
    o.set("k", t.k);
    o.set("layout", t.layoutName());
    return o;
  }

  void opEvaluate(const json::Value& req, json::Value& resp) {
    Kernel& k = kernels_.get(strField(req, "handle"));
    Task t = parseTask(req);
    LaunchDesc d = parseLaunch(req);
    CheckOptions opt = parseCheckOptions(req);
    TimeOptions topt = parseTimeOptions(req);
    // Re-check seeds: given explicitly, or derived so that none repeats.
    std::vector<uint64_t> derived;
    for (uint64_t s : opt.seeds) {
      uint64_t n = dev::mix64(s ^ 0x9E3779B97F4A7C15ull) & ((1ull << 53) - 1);
      bool clash = true;
      while (clash) {
        clash = false;
        for (uint64_t o : opt.seeds) clash = clash || o == n;
        for (uint64_t o : derived) clash = clash || o == n;
        if (clash) n = (n + 1) & ((1ull << 53) - 1);
      }
      derived.push_back(n);
    }
    CheckOptions ropt = opt;
    ropt.seeds = parseSeeds(req, "recheckSeeds", derived);

    resp.set("task", taskJson(t));
    resp.set("kernel", kernelJson(k));
    ensureArena(ctx_, arena_, t, d.wsBytes, 1);
    const CUdeviceptr c0 = arena_.sets[0].C.data();

    CheckOutcome first = runCheckSuite(ctx_, baselines_, arena_, k, d, t, opt);
    resp.set("check", first.report);
    if (!first.passed) {
      resp.set("timing", json::Value());
      resp.set("recheck", json::Value());
      resp.set("verdict", verdictJson(false, first.reason, "check", first.detail));
      return;
    }
    TimingResult tr = runTiming(ctx_, baselines_, arena_, &k, &d, t, topt);
    resp.set("timing", tr.launchRefused ? json::Value() : tr.report);
    if (tr.launchRefused) {
      resp.set("recheck", json::Value());
      resp.set("verdict", verdictJson(false, "launch_error", "timing", launchFailureJson(tr.failure)));
      return;
    }
    if (tr.guardsDamaged) {
      json::Value det = json::Value::object();
      det.set("violations", tr.guardViolations);
      resp.set("recheck", json::Value());
      resp.set("verdict", verdictJson(false, "out_of_bounds_write", "timing", det));
      return;
    }
    if (tr.timedOutputWrong) {
      resp.set("recheck", json::Value());
      resp.set("verdict", verdictJson(false, tr.timedReason, "timing", tr.timedDetail));
      return;
    }
    if (arena_.sets[0].C.data() != c0) throw HarnessError("internal_error", "buffer set 0 moved during timing");
    CheckOutcome second = runCheckSuite(ctx_, baselines_, arena_, k, d, t, ropt);
    resp.set("recheck", second.report);
    resp.set("verdict", verdictJson(second.passed, second.reason, "recheck", second.detail));
  }
};

}  // namespace kf

int main(int argc, char** argv) {
  // An interrupt typed at the terminal reaches the whole process group: the orchestrator stops cleanly and closes
  // the harness's stdin, which ends this process after the request in progress. Dying on SIGINT mid-request
  // would instead be recorded as the candidate's failure.
  std::signal(SIGINT, SIG_IGN);
  int ordinal = 0;
  if (const char* e = std::getenv("KFORGE_DEVICE")) ordinal = std::atoi(e);
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "--device" && i + 1 < argc) ordinal = std::atoi(argv[++i]);
    else if (a == "--version") {
      std::printf("%s\n", kf::kHarnessVersion);
      return 0;
    } else if (a == "--print-cublas-search") {
      // Diagnostic: the folders that would be searched, in order.
      for (const auto& d : kf::cublasSearchDirs()) std::printf("%s\n", d.c_str());
      return 0;
    } else {
      std::fprintf(stderr, "usage: %s [--device N] [--version] [--print-cublas-search]\n", argv[0]);
      return 2;
    }
  }
  {
    std::fflush(stdout);
    const int protocolFd = ::dup(STDOUT_FILENO);
    FILE* protocol = protocolFd >= 0 ? ::fdopen(protocolFd, "w") : nullptr;
    if (!protocol || ::dup2(STDERR_FILENO, STDOUT_FILENO) < 0) {
      std::fprintf(stderr, "cannot separate the protocol channel from stdout\n");
      return 1;
    }
    kf::gProtocolOut = protocol;
  }
  static kf::Harness harness;  // static: never destroyed while a sticky context is around
  harness.init(ordinal);
  kf::logMessage("ready (protocol %d)", kf::kProtocolVersion);

  std::string line;
  while (std::getline(std::cin, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;  // blank lines get no reply
    if (line.size() > kf::kMaxLineBytes) {
      harness.replyLineTooLong();
      continue;
    }
    if (!harness.handleLine(line)) break;
  }
  std::fflush(kf::gProtocolOut);
  std::fflush(stdout);
  ::_exit(0);  // skip static teardown of CUDA/cuBLAS state
}
