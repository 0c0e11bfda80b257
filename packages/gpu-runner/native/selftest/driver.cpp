// Self-test driver for the KernelForge harness: starts the harness as a child
// process, sends JSON requests line by line, checks the verdicts of the sample
// kernels against the expected ones and prints a summary table, then times the
// naive kernel and the cuBLAS baselines at 4096^3 (twice).
//
// usage: kforge-selftest-driver HARNESS CUBIN_DIR LOG_FILE [--no-timing]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "../json.h"

using kf::json::Value;

namespace {

std::string gHarness, gCubinDir;
FILE* gLog = nullptr;
int gNextId = 1;

struct Child {
  pid_t pid = -1;
  FILE* to = nullptr;
  FILE* from = nullptr;
};

Child spawnHarness(bool withoutCublas = false, const char* coldFlush = nullptr) {
  int inPipe[2], outPipe[2];
  if (pipe(inPipe) != 0 || pipe(outPipe) != 0) {
    perror("pipe");
    std::exit(2);
  }
  pid_t pid = fork();
  if (pid < 0) {
    perror("fork");
    std::exit(2);
  }
  if (pid == 0) {
    dup2(inPipe[0], 0);
    dup2(outPipe[1], 1);
    close(inPipe[0]);
    close(inPipe[1]);
    close(outPipe[0]);
    close(outPipe[1]);
    if (withoutCublas) setenv("KFORGE_CUBLAS_DISABLE", "1", 1);
    if (coldFlush) setenv("KFORGE_COLD_FLUSH", coldFlush, 1);
    execl(gHarness.c_str(), gHarness.c_str(), (char*)nullptr);
    perror("exec harness");
    _exit(127);
  }
  close(inPipe[0]);
  close(outPipe[1]);
  Child c;
  c.pid = pid;
  c.to = fdopen(inPipe[1], "w");
  c.from = fdopen(outPipe[0], "r");
  return c;
}

int finish(Child& c) {
  if (c.to) fclose(c.to);
  c.to = nullptr;
  int status = 0;
  waitpid(c.pid, &status, 0);
  if (c.from) fclose(c.from);
  c.from = nullptr;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

bool readLine(FILE* f, std::string& line) {
  line.clear();
  int ch;
  while ((ch = fgetc(f)) != EOF) {
    if (ch == '\n') return true;
    line += char(ch);
  }
  return !line.empty();
}

// Sends one raw line and returns the parsed reply (null Value if none).
Value sendRaw(Child& c, const std::string& line) {
  fprintf(gLog, ">> %s\n", line.c_str());
  fputs(line.c_str(), c.to);
  fputc('\n', c.to);
  fflush(c.to);
  std::string reply;
  if (!readLine(c.from, reply)) {
    fprintf(gLog, "<< (no reply: harness closed its output)\n");
    fflush(gLog);
    return Value();
  }
  fprintf(gLog, "<< %s\n", reply.c_str());
  fflush(gLog);
  try {
    return kf::json::parse(reply);
  } catch (const std::exception& e) {
    fprintf(stderr, "unparseable reply: %s\n", e.what());
    return Value();
  }
}

Value send(Child& c, Value req) {
  req.set("id", gNextId++);
  return sendRaw(c, kf::json::serialize(req));
}

Value arr3(double x, double y, double z) {
  Value a = Value::array();
  a.push(x);
  a.push(y);
  a.push(z);
  return a;
}

Value task(int m, int n, int k, const char* layout) {
  Value t = Value::object();
  t.set("m", m);
  t.set("n", n);
  t.set("k", k);
  t.set("layout", layout);
  return t;
}

// Launch for the (32, 8)-thread naive kernels.
Value naiveLaunch(int m, int n, int splits = 1, int bx = 32, int by = 8) {
  Value l = Value::object();
  l.set("grid", arr3((n + bx - 1) / bx, (m + by - 1) / by, splits));
  l.set("block", arr3(bx, by, 1));
  l.set("dynamicSharedBytes", 0);
  l.set("cluster", Value());
  l.set("workspaceBytes", 0);
  l.set("zeroWorkspace", false);
  return l;
}

std::string str(const Value* v) {
  if (!v) return "";
  if (v->isString()) return v->asString();
  return kf::json::serialize(*v);
}

double num(const Value* v) { return (v && v->isNumber()) ? v->asNumber() : NAN; }

// "ok", "recheck:unwritten_output", "error:load_error", ...
std::string outcome(const Value& r) {
  if (r.isNull()) return "no_reply";
  const Value* ok = r.get("ok");
  if (!ok || !ok->asBool()) {
    const Value* e = r.get("error");
    std::string s = "error:" + str(e ? e->get("code") : nullptr);
    if (e && e->get("cuResult")) s += "(" + str(e->get("cuResult")) + ")";
    return s;
  }
  const Value* v = r.get("verdict");
  if (!v) return "ok";
  std::string reason = str(v->get("reason"));
  std::string phase = str(v->get("phase"));
  if (!phase.empty() && phase != "null" && phase != "check") return phase + ":" + reason;
  return reason;
}

struct Row {
  std::string name, expected, actual, status, note;
};
std::vector<Row> gRows;

void record(const std::string& name, const std::string& expected, const std::string& actual,
            const std::string& note, bool infoOnly = false) {
  bool pass = actual == expected || (expected.size() > 1 && expected.back() == '*' &&
                                     actual.compare(0, expected.size() - 1, expected, 0, expected.size() - 1) == 0);
  gRows.push_back({name, expected, actual, infoOnly ? "INFO" : (pass ? "PASS" : "FAIL"), note});
}

std::string cubin(const char* name) { return gCubinDir + "/" + name + ".cubin"; }
bool exists(const std::string& p) { return access(p.c_str(), R_OK) == 0; }

std::string loadKernel(Child& c, const char* file, const char* entry, std::string* err = nullptr) {
  Value req = Value::object();
  req.set("op", "load");
  req.set("cubinPath", cubin(file));
  req.set("entry", entry);
  req.set("dynamicSharedBytes", 0);
  Value r = send(c, req);
  if (r.isNull() || !r.get("ok") || !r.get("ok")->asBool()) {
    if (err) *err = outcome(r);
    return "";
  }
  return str(r.get("handle"));
}

// Asks the harness to exit and waits for it; its exit status.
int shutdownHarness(Child& c) {
  Value bye = Value::object();
  bye.set("op", "shutdown");
  send(c, bye);
  return finish(c);
}

// A three-sample `time` request for the loaded naive kernel on task t (m x n output), default modes and baselines.
Value naiveTimeRequest(const std::string& handle, const Value& t, int m, int n) {
  Value req = Value::object();
  req.set("op", "time");
  req.set("handle", handle);
  req.set("task", t);
  req.set("launch", naiveLaunch(m, n));
  req.set("samples", 3);
  return req;
}

// Figures worth showing next to a verdict.
std::string noteFor(const Value& r) {
  char buf[256];
  const Value* v = r.get("verdict");
  const Value* d = v ? v->get("detail") : nullptr;
  std::string reason = v ? str(v->get("reason")) : "";
  const Value* chk = r.get("check");
  const Value* seeds = chk ? chk->get("seeds") : nullptr;
  if (reason == "ok" && seeds && seeds->size()) {
    const Value& s0 = seeds->items()[0];
    snprintf(buf, sizeof buf, "relErr %.3g cublas %.3g tol %.3g (%s)", num(s0.get("relError")),
             num(s0.get("cublasRelError")), num(s0.get("tolerance")), str(s0.get("toleranceSource")).c_str());
    return buf;
  }
  if (!d || d->isNull()) {
    const Value* e = r.get("error");
    return e ? str(e->get("message")).substr(0, 90) : "";
  }
  if (reason == "wrong_result")
    snprintf(buf, sizeof buf, "relErr %.3g > tol %.3g", num(d->get("relError")), num(d->get("tolerance")));
  else if (reason == "unwritten_output")
    snprintf(buf, sizeof buf, "%g NaN output(s)", num(d->get("count")));
  else if (reason == "integer_mismatch")
    snprintf(buf, sizeof buf, "%g mismatch(es), first (%g,%g) want %s got %s", num(d->get("count")),
             num(d->get("row")), num(d->get("col")), str(d->get("expected")).c_str(), str(d->get("got")).c_str());
  else if (reason == "out_of_bounds_write")
    return str(d->get("violations")).substr(0, 90);
  else if (reason == "launch_error")
    return (str(d->get("cuResult")) + " " + str(d->get("message"))).substr(0, 90);
  else
    return str(d).substr(0, 90);
  return buf;
}

Value evalReq(const char* op, const std::string& handle, Value t, Value launch, bool withTiming) {
  Value req = Value::object();
  req.set("op", op);
  req.set("handle", handle);
  req.set("task", t);
  req.set("launch", launch);
  Value seeds = Value::array();
  seeds.push(11);
  seeds.push(12);
  req.set("seeds", seeds);
  if (withTiming) {
    req.set("samples", 5);
    req.set("warmup", 2);
    req.set("baselines", Value::array());
  }
  return req;
}

void runCase(Child& c, const char* name, const char* file, const char* entry, const char* op, Value t, Value launch,
             const std::string& expected, bool infoOnly = false, Value extra = Value()) {
  std::string err;
  std::string h = loadKernel(c, file, entry, &err);
  if (h.empty()) {
    record(name, expected, err, "load failed", infoOnly);
    return;
  }
  Value req = evalReq(op, h, t, launch, std::string(op) == "evaluate");
  if (extra.isObject())
    for (const auto& kv : extra.members()) req.set(kv.first, kv.second);
  Value r = send(c, req);
  record(name, expected, outcome(r), noteFor(r), infoOnly);
  Value u = Value::object();
  u.set("op", "unload");
  u.set("handle", h);
  send(c, u);
}

struct Medians {
  double hot = NAN, cold = NAN;
};

void timingSection(Child& c, std::string& summary) {
  std::string h = loadKernel(c, "naive", "hgemm_naive_nn");
  if (h.empty()) {
    summary += "timing skipped: naive kernel did not load\n";
    return;
  }
  const int S = 4096;
  const char* names[] = {"candidate", "cublas", "cublaslt-heuristic", "cublaslt-autotuned"};
  Medians med[2][4];
  for (int run = 0; run < 2; ++run) {
    Value req = Value::object();
    req.set("op", "time");
    req.set("handle", h);
    req.set("task", task(S, S, S, "nn"));
    req.set("launch", naiveLaunch(S, S));
    Value modes = Value::array();
    modes.push("hot");
    modes.push("cold");
    req.set("modes", modes);
    Value bl = Value::array();
    for (int i = 1; i < 4; ++i) bl.push(names[i]);
    req.set("baselines", bl);
    req.set("samples", 10);
    req.set("warmup", 3);
    req.set("bufferSets", 4);
    req.set("shuffleSeed", 100 + run);
    Value r = send(c, req);
    if (outcome(r) != "ok") {
      summary += "timing run " + std::to_string(run + 1) + " failed: " + outcome(r) + " " +
                 str(r.get("error") ? r.get("error")->get("message") : nullptr) + "\n";
      return;
    }
    const Value* modesV = r.get("timing")->get("modes");
    for (int i = 0; i < 4; ++i) {
      med[run][i].hot = num(modesV->get("hot")->get(names[i])->get("medianUs"));
      med[run][i].cold = num(modesV->get("cold")->get(names[i])->get("medianUs"));
    }
    if (run == 0) {
      const Value* bc = r.get("timing")->get("baselineChecks");
      char buf[256];
      for (int i = 1; i < 4; ++i) {
        const Value* b = bc->get(names[i]);
        snprintf(buf, sizeof buf, "  baseline check %-19s relErr %.3g nan %g ok %s\n", names[i],
                 num(b->get("relError")), num(b->get("nanCount")), str(b->get("ok")).c_str());
        summary += buf;
      }
      const Value* at = modesV->get("hot")->get("cublaslt-autotuned");
      snprintf(buf, sizeof buf, "  cublaslt-autotuned: tried %g algorithms, winner index %g\n", num(at->get("tried")),
               num(at->get("winnerIndex")));
      summary += buf;
    }
  }
  const double flops = 2.0 * S * double(S) * S;
  char buf[256];
  summary += "\nTiming at 4096x4096x4096 (nn), median us and TFLOP/s, two independent runs:\n";
  snprintf(buf, sizeof buf, "  %-20s %12s %12s %9s %9s\n", "contender", "hot us", "cold us", "hot TF/s", "cold TF/s");
  summary += buf;
  for (int run = 0; run < 2; ++run)
    for (int i = 0; i < 4; ++i) {
      snprintf(buf, sizeof buf, "  %-20s %12.1f %12.1f %9.1f %9.1f   (run %d)\n", names[i], med[run][i].hot,
               med[run][i].cold, flops / (med[run][i].hot * 1e-6) / 1e12, flops / (med[run][i].cold * 1e-6) / 1e12,
               run + 1);
      summary += buf;
    }
  for (int i = 0; i < 4; ++i) {
    double dh = std::fabs(med[0][i].hot - med[1][i].hot) / std::fmin(med[0][i].hot, med[1][i].hot) * 100;
    double dc = std::fabs(med[0][i].cold - med[1][i].cold) / std::fmin(med[0][i].cold, med[1][i].cold) * 100;
    snprintf(buf, sizeof buf, "  run-to-run difference %-20s hot %.2f%%  cold %.2f%%\n", names[i], dh, dc);
    summary += buf;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    fprintf(stderr, "usage: %s HARNESS CUBIN_DIR LOG_FILE [--no-timing]\n", argv[0]);
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  gHarness = argv[1];
  gCubinDir = argv[2];
  gLog = fopen(argv[3], "w");
  if (!gLog) {
    perror("log file");
    return 2;
  }
  bool timing = !(argc > 4 && std::string(argv[4]) == "--no-timing");

  Child c = spawnHarness();
  Value hello = Value::object();
  hello.set("op", "hello");
  Value hr = send(c, hello);
  if (outcome(hr) != "ok") {
    fprintf(stderr, "hello failed: %s\n", kf::json::serialize(hr).c_str());
    finish(c);
    return 1;
  }
  printf("device: %s  cc %s  SMs %g  L2 %g MB  driver %g  runtime %g\n", str(hr.get("name")).c_str(),
         str(hr.get("computeCapability")).c_str(), num(hr.get("smCount")), num(hr.get("l2Bytes")) / 1e6,
         num(hr.get("driverVersion")), num(hr.get("runtimeVersion")));
  printf("cublas:   %s\ncublasLt: %s\n", kf::json::serialize(*hr.get("cublas")).c_str(),
         kf::json::serialize(*hr.get("cublasLt")).c_str());
  fflush(stdout);

  // -- protocol robustness
  {
    Value r = sendRaw(c, "{\"id\": 1, \"op\": \"hello\"");  // truncated
    record("malformed JSON line", "error:bad_request", outcome(r), "");
    r = sendRaw(c, "[1,2,3]");
    record("non-object request", "error:bad_request", outcome(r), "");
    Value u = Value::object();
    u.set("op", "frobnicate");
    r = send(c, u);
    record("unknown op", "error:bad_request", outcome(r), "");
  }
  // -- loading problems
  {
    std::string err;
    Value req = Value::object();
    req.set("op", "load");
    req.set("cubinPath", gCubinDir + "/does-not-exist.cubin");
    req.set("entry", "x");
    record("load: missing file", "error:load_error", outcome(send(c, req)), "");
    req.set("cubinPath", cubin("naive"));
    req.set("entry", "no_such_entry");
    record("load: unknown entry", "error:load_error*", outcome(send(c, req)), "");
    req.set("cubinPath", gCubinDir + "/naive.log");  // ptxas report: text, not a cubin
    req.set("entry", "hgemm_naive_nn");
    record("load: not a cubin", "error:load_error*", outcome(send(c, req)), "");
    req.set("cubinPath", cubin("abi_mismatch"));
    req.set("entry", "hgemm_abi_mismatch");
    record("load: 6-parameter entry", "error:abi_mismatch", outcome(send(c, req)), "");
  }
  // -- compile failure is detected by the build script: no cubin exists
  record("no_compile", "compile_error", exists(cubin("no_compile")) ? "compiled" : "compile_error",
         "nvcc rejected the source");

  // -- verdicts of the sample kernels
  const int M = 768, N = 1024, K = 512;
  Value T = task(M, N, K, "nn");
  runCase(c, "naive nn (evaluate)", "naive", "hgemm_naive_nn", "evaluate", T, naiveLaunch(M, N), "ok");
  runCase(c, "naive linear 513x1000x777", "naive", "hgemm_naive_linear", "check", task(513, 1000, 777, "linear"),
          naiveLaunch(513, 1000), "ok");
  {
    Value l = naiveLaunch(M, N);
    l.set("cluster", arr3(2, 1, 1));
    runCase(c, "naive nn, cluster 2x1x1", "naive", "hgemm_naive_nn", "check", T, l, "ok");
  }
  runCase(c, "naive nn K=4096 (int stride)", "naive", "hgemm_naive_nn", "check", task(256, 256, 4096, "nn"),
          naiveLaunch(256, 256), "ok");
  {
    // Split-K through a zeroed fp32 workspace (also exercises all baselines).
    const int S = 4, tiles = ((N + 31) / 32) * ((M + 7) / 8);
    Value l = naiveLaunch(M, N, S);
    l.set("workspaceBytes", double(size_t(M) * N * 4 + size_t(tiles) * 4));
    l.set("zeroWorkspace", true);
    Value extra = Value::object();
    Value bl = Value::array();
    bl.push("cublas");
    bl.push("cublaslt-heuristic");
    bl.push("cublaslt-autotuned");
    extra.set("baselines", bl);
    runCase(c, "splitk, zeroWorkspace", "splitk", "hgemm_splitk", "evaluate", T, l, "ok", false, extra);
    l.set("zeroWorkspace", false);
    runCase(c, "splitk, workspace not zeroed", "splitk", "hgemm_splitk", "check", T, l, "unwritten_output");
  }
  runCase(c, "wrong_result", "wrong_result", "hgemm_wrong_result", "check", T, naiveLaunch(M, N), "wrong_result");
  runCase(c, "unwritten", "unwritten", "hgemm_unwritten", "check", T, naiveLaunch(M, N), "unwritten_output");
  runCase(c, "oob_write", "oob_write", "hgemm_oob_write", "check", T, naiveLaunch(M, N), "out_of_bounds_write");
  runCase(c, "one_off (int check only)", "one_off", "hgemm_one_off", "check", T, naiveLaunch(M, N),
          "integer_mismatch");
  runCase(c, "fp16_accum K=512", "fp16_accum", "hgemm_fp16_accum", "check", T, naiveLaunch(M, N), "wrong_result",
          true);
  runCase(c, "fp16_accum K=4096", "fp16_accum", "hgemm_fp16_accum", "check", task(256, 256, 4096, "nn"),
          naiveLaunch(256, 256), "wrong_result", true);
  // Its timed launches skip work once a pointer has been seen a few times: the verification of every timed
  // launch catches that before the re-check does.
  runCase(c, "ptr_cache (evaluate)", "ptr_cache", "hgemm_ptr_cache", "evaluate", T, naiveLaunch(M, N),
          "timing:unwritten_output");
  runCase(c, "bounded: 256 thr > bounds 128", "bounded", "hgemm_bounded", "check", T, naiveLaunch(M, N),
          "launch_error");
  runCase(c, "descriptor: 2048-thread block", "naive", "hgemm_naive_nn", "check", T, naiveLaunch(M, N, 1, 64, 32),
          "launch_error");
  {
    Value l = naiveLaunch(M, N);
    l.set("dynamicSharedBytes", 300 * 1024);
    runCase(c, "descriptor: 300 KiB smem", "naive", "hgemm_naive_nn", "check", T, l, "launch_error");
    l = naiveLaunch(M, N);
    l.set("cluster", arr3(3, 1, 1));
    runCase(c, "descriptor: cluster !| grid", "naive", "hgemm_naive_nn", "check", T, l, "launch_error");
    l = naiveLaunch(M, N);
    Value map = Value::object();
    map.set("operand", "a");
    Value box = Value::array();
    box.push(64);
    box.push(64);
    map.set("box", box);
    map.set("swizzle", "128B");
    Value maps = Value::array();
    maps.push(map);
    l.set("tensorMaps", maps);
    runCase(c, "descriptor: tensor map, entry takes none", "naive", "hgemm_naive_nn", "check", T, l,
            "launch_error");
    map.set("operand", "workspace");
    maps = Value::array();
    maps.push(map);
    l.set("tensorMaps", maps);
    runCase(c, "descriptor: workspace tensor map", "naive", "hgemm_naive_nn", "check", T, l, "error:unsupported");
  }

  // -- baselines only (no candidate handle)
  {
    Value req = Value::object();
    req.set("op", "time");
    req.set("handle", Value());
    req.set("task", task(M, N, K, "linear"));
    Value bl = Value::array();
    bl.push("cublas");
    bl.push("cublaslt-autotuned");
    req.set("baselines", bl);
    req.set("samples", 5);
    Value r = send(c, req);
    std::string note;
    if (outcome(r) == "ok") {
      const Value* hot = r.get("timing")->get("modes")->get("hot");
      char buf[160];
      snprintf(buf, sizeof buf, "linear hot median: cublas %.2f us, lt-autotuned %.2f us",
               num(hot->get("cublas")->get("medianUs")), num(hot->get("cublaslt-autotuned")->get("medianUs")));
      note = buf;
    }
    record("time: baselines only", "ok", outcome(r), note);
  }

  std::string timingSummary;
  if (timing) timingSection(c, timingSummary);

  record("shutdown exit status", "0", std::to_string(shutdownHarness(c)), "");

  // -- sticky error: fresh process, expect sticky reply and exit status 3
  {
    Child t = spawnHarness();
    std::string h = loadKernel(t, "trap", "hgemm_trap");
    Value r = send(t, evalReq("check", h, T, naiveLaunch(M, N), false));
    const Value* e = r.get("error");
    bool sticky = e && e->get("sticky") && e->get("sticky")->asBool();
    int ec = finish(t);
    record("trap", "error:cuda_sticky_error*", outcome(r),
           std::string("sticky ") + (sticky ? "true" : "false") + ", exit status " + std::to_string(ec));
    record("trap: exit status", "3", std::to_string(ec), "");
  }

  // -- cold mode's flush, from KFORGE_COLD_FLUSH: "read" times and says so; an unknown value is refused
  {
    // A cold-only timing of the naive kernel by a harness started with KFORGE_COLD_FLUSH=flush.
    auto timeColdWith = [&](const char* flush) {
      Child f = spawnHarness(false, flush);
      Value req = naiveTimeRequest(loadKernel(f, "naive", "hgemm_naive_nn"), T, M, N);
      Value modes = Value::array();
      modes.push(Value("cold"));
      req.set("modes", modes);
      req.set("baselines", Value::array());
      Value r = send(f, req);
      shutdownHarness(f);
      return r;
    };
    Value read = timeColdWith("read");
    const Value* timingReply = read.get("timing");
    const std::string reported = timingReply && timingReply->get("coldFlush") ? str(timingReply->get("coldFlush")) : "";
    record("cold flush read: time", "ok, coldFlush=read", outcome(read) + ", coldFlush=" + reported, "");
    Value unknown = timeColdWith("zero");
    record("cold flush unknown: time", "error:bad_request", outcome(unknown),
           str(unknown.get("error") ? unknown.get("error")->get("message") : nullptr).substr(0, 80));
  }

  // -- without cuBLAS: fixed tolerance, clear errors for baselines
  {
    Child nb = spawnHarness(true);
    Value hq = Value::object();
    hq.set("op", "hello");
    Value hr2 = send(nb, hq);
    const Value* cb = hr2.get("cublas");
    std::string found = cb && cb->get("found") ? str(cb->get("found")) : "?";
    record("no cuBLAS: hello", "found=false", "found=" + found, cb ? str(cb->get("error")).substr(0, 80) : "");
    runCase(nb, "no cuBLAS: check naive", "naive", "hgemm_naive_nn", "check", T, naiveLaunch(M, N), "ok");
    Value req = naiveTimeRequest(loadKernel(nb, "naive", "hgemm_naive_nn"), T, M, N);
    Value r = send(nb, req);
    record("no cuBLAS: time w/ baselines", "error:cublas_unavailable", outcome(r),
           str(r.get("error") ? r.get("error")->get("message") : nullptr).substr(0, 80));
    req.set("baselines", Value::array());
    record("no cuBLAS: time candidate only", "ok", outcome(send(nb, req)), "");
    shutdownHarness(nb);
  }

  printf("\n%-32s %-28s %-36s %-6s %s\n", "case", "expected", "actual", "result", "notes");
  printf("%s\n", std::string(130, '-').c_str());
  int fails = 0;
  for (const auto& r : gRows) {
    printf("%-32s %-28s %-36s %-6s %s\n", r.name.c_str(), r.expected.c_str(), r.actual.c_str(), r.status.c_str(),
           r.note.c_str());
    if (r.status == "FAIL") ++fails;
  }
  printf("\n%d case(s) failed\n", fails);
  if (!timingSummary.empty()) printf("%s", timingSummary.c_str());
  fclose(gLog);
  return fails ? 1 : 0;
}
