//===- dsrun.cpp - Load, verify and run a dsc artifact --------------------===//
//
//   dsrun MODEL.dsx [--info] [--device_arch=sm_XY]
//   dsrun -n N MODEL.dsx ...  (N local ranks; or one rank under torchrun, srun or mpirun)
//   dsrun MODEL.dsx [--device=N] [--weights=W.safetensors |
//   --random_weights=SEED]
//                   [--inputs=DIR | --seed=N] [--out=DIR]
//                   [--check=DIR --rtol=X --atol=Y [--max_rel_l2=Z]] [--bench=N]
//                   [--runs=N] [--profile=N] [--trace=FILE] [--nograph]
//
// `--info` prints what the artifact holds; `--device_arch` checks it against
// an arch without a GPU. Otherwise dsrun runs the plan once (`--runs` times,
// state such as delayed fp8 scaling's amax history carrying over) on the GPU
// and prints one summary line per output of the last run. Every error is one line on stderr and
// exit code 1; a --check mismatch is exit code 2. No LLVM here: Abseil flags.
//
//===----------------------------------------------------------------------===//

#include "runtime/artifact/Artifact.h"
#include "runtime/artifact/ArtifactInfo.h"
#include "runtime/artifact/PipelinePlan.h"
#include "runtime/dist/DistEnv.h"
#include "runtime/dist/Launcher.h"
#include "runtime/exec/HostData.h"
#include "runtime/support/Npy.h"

#ifdef DSC_HAVE_EXEC
#include "runtime/exec/Device.h"
#include "runtime/exec/Executor.h"
#include "runtime/exec/Nccl.h"
#endif

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/string_view.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <vector>

ABSL_FLAG(bool, info, false,
          "print a summary of the artifact (archs, tensors, memory, steps, "
          "FLOPs) and exit");
ABSL_FLAG(std::string, device_arch, "",
          "check the artifact against this GPU arch (e.g. sm_80) instead of "
          "the GPU's, and exit; lets a machine without a GPU check "
          "compatibility");
ABSL_FLAG(int, device, 0, "the CUDA device to run on");
ABSL_FLAG(std::string, weights, "",
          "read each parameter by name from this safetensors file");
ABSL_FLAG(int64_t, random_weights, -1,
          "use random weights from this seed (>= 0), bit-identical to "
          "dsc-interp --random-weights");
ABSL_FLAG(std::string, inputs, "",
          "read each input from DIR/<name>.npy (e.g. what dsc-interp "
          "--save-inputs wrote); without it inputs are random");
ABSL_FLAG(uint64_t, seed, 0,
          "seed of the random inputs used without --inputs: floats in [-1, "
          "1), ints in [0, 16) (so index inputs need tables of at least 16 "
          "rows; use --inputs otherwise)");
ABSL_FLAG(std::string, out, "", "write each output to DIR/<name>.npy");
ABSL_FLAG(std::string, check, "",
          "compare each output with DIR/<name>.npy; exit 2 on a mismatch");
ABSL_FLAG(double, rtol, 1e-2, "relative tolerance of --check");
ABSL_FLAG(double, atol, 1e-3, "absolute tolerance of --check");
ABSL_FLAG(double, max_rel_l2, -1,
          "with --check, also require each output's relative Frobenius error "
          "||out - ref|| / ||ref|| to be at most this (negative: not checked)");
ABSL_FLAG(int, runs, 1,
          "run the plan this many times on the same inputs (state that outlives a "
          "run, such as delayed fp8 scaling's amax history, carries over, as in "
          "dsc-interp --runs; with --inputs, DIR/<name>.run<r>.npy replaces "
          "DIR/<name>.npy in run r); --out and --check see the last run's outputs");
ABSL_FLAG(int, bench, 0,
          "after the run, time this many CUDA graph replays (after --bench_warmup_ms of "
          "untimed replays, at least 3) and print median/min/max ms, TFLOP/s and GB/s");
ABSL_FLAG(double, bench_warmup_ms, 200,
          "with --bench or --profile: replay untimed for at least this many milliseconds first, so "
          "that the GPU's clocks have settled before the timed replays (one rank only; with "
          "more, every rank replays 20 times, since each replay holds collectives)");
ABSL_FLAG(std::string, bench_times, "",
          "with --bench: write every timed replay's milliseconds, in the order they ran, to this "
          ".npy file (f64[N])");
ABSL_FLAG(int, n, 0,
          "start this many local ranks (one per GPU) of the same command, with RANK, "
          "WORLD_SIZE, LOCAL_RANK, MASTER_ADDR=127.0.0.1 and a free MASTER_PORT; returns the "
          "worst exit code");
ABSL_FLAG(int, timeout, 300,
          "seconds NCCL initialization and each run may take before every communicator is "
          "aborted and the rank exits non-zero");
ABSL_FLAG(int, gemm_tune, 5,
          "at load, time each cuBLASLt algorithm the heuristic offers for each distinct GEMM "
          "this many times and keep the fastest; 0 keeps the heuristic's first pick");
ABSL_FLAG(int, profile, 0,
          "after the run, time every step over this many step-by-step runs "
          "(outside the CUDA graph) and print a table: median ms, the step's "
          "operand bytes in GB/s and its TFLOP/s, slowest first");

ABSL_FLAG(std::string, trace, "",
          "after the run, trace one more run step by step (not as the graph: launch gaps "
          "show) with CUDA events around each step on its stream, write it as Chrome / "
          "Perfetto trace JSON (one file per rank: FILE.rankR.json when there are several) "
          "and print busy and communication time per stream and how much communication "
          "ran under compute");
ABSL_FLAG(bool, graph, true,
          "capture the plan as a CUDA graph and replay it (--nograph: enqueue the steps one "
          "by one on every run)");

namespace {

/// The --profile table: one row per step, slowest first, then the total.
/// GB/s counts each operand's bytes once (what a perfectly fused step would
/// move), so it is comparable with the HBM copy ceiling.
void printProfile(const dsc::fb::Artifact &plan, const std::vector<double> &ms,
                  int iterations) {
  std::vector<size_t> order(ms.size());
  for (size_t i = 0; i < order.size(); ++i)
    order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return ms[a] > ms[b]; });
  double total = 0;
  for (double t : ms)
    total += t;
  std::printf("profile: %zu steps, median of %d step-by-step runs; sum %.4f ms\n",
              ms.size(), iterations, total);
  std::printf("%6s %10s %6s %10s %9s  %s\n", "step", "ms", "share", "GB/s", "TFLOP/s",
              "what");
  for (size_t i : order) {
    const dsc::fb::Step *step = plan.steps()->Get(static_cast<flatbuffers::uoffset_t>(i));
    double seconds = ms[i] / 1e3;
    double gbs = seconds > 0 ? static_cast<double>(step->bytes()) / seconds / 1e9 : 0;
    double tfs = seconds > 0 ? static_cast<double>(step->flops()) / seconds / 1e12 : 0;
    std::string what = dsc::describeStep(plan, i);
    std::printf("%6zu %10.4f %5.1f%% %10.1f %9.2f  %s\n", i, ms[i],
                total > 0 ? 100 * ms[i] / total : 0.0, gbs, tfs, what.c_str());
  }
}

int fail(absl::string_view message) {
  std::fprintf(stderr, "dsrun: %.*s\n", static_cast<int>(message.size()),
               message.data());
  return 1;
}

#ifdef DSC_HAVE_EXEC
/// Replays before timing: the first launches of a graph pay for uploading
/// it and for cold caches and clocks.
constexpr int kWarmupReplays = 3;
/// With more than one rank every replay holds collectives, so all ranks must
/// replay the same number of times: a fixed count, not --bench_warmup_ms (each
/// rank's clock could end its warm-up one replay apart, and the ranks would hang).
constexpr int kMultiRankWarmupReplays = 20;

/// --bench's timing (with `iterations` 0, only its warm-up), warmed up as the
/// flags and the rank count allow.
absl::StatusOr<dsc::BenchResult> warmAndBench(dsc::Executor &executor,
                                              const dsc::dist::DistEnv &env, int iterations) {
  if (env.worldSize > 1)
    return executor.bench(kMultiRankWarmupReplays, 0, iterations);
  return executor.bench(kWarmupReplays, absl::GetFlag(FLAGS_bench_warmup_ms), iterations);
}

/// Compares `actual` with DIR/<name>.npy and prints one line; false on a
/// mismatch or a missing reference.
bool checkOutput(const std::string &name, const dsc::HostArray &actual,
                 const std::string &dir, double rtol, double atol,
                 double maxRelL2) {
  std::string path = dir + "/" + name + ".npy";
  dsc::NpyReadOptions options;
  if (dsc::dtypeSize(actual.dtype) == 1)
    options.opaqueByteDType = actual.dtype;
  absl::StatusOr<dsc::HostArray> reference = dsc::readNpy(path, options);
  absl::StatusOr<dsc::Comparison> compared =
      reference.ok() ? dsc::compareArrays(actual, *reference, rtol, atol)
                     : absl::StatusOr<dsc::Comparison>(reference.status());
  if (!compared.ok()) {
    std::printf("check %s: FAILED: %s\n", name.c_str(),
                std::string(compared.status().message()).c_str());
    return false;
  }
  bool l2ok = maxRelL2 < 0 || compared->relL2Error <= maxRelL2;
  bool ok = compared->mismatches == 0 && l2ok;
  std::printf("check %s: %s max abs err %.3g, max rel err %.3g, rel l2 err "
              "%.3g",
              name.c_str(), ok ? "ok" : "MISMATCH", compared->maxAbsError,
              compared->maxRelError, compared->relL2Error);
  if (!l2ok)
    std::printf(" (rel l2 err beyond %g)", maxRelL2);
  if (compared->mismatches != 0)
    std::printf(" (%llu elements beyond rtol %g atol %g, first at flat index "
                "%llu)",
                static_cast<unsigned long long>(compared->mismatches), rtol,
                atol, static_cast<unsigned long long>(compared->firstMismatch));
  std::printf("\n");
  return ok;
}

/// --bench, --profile and --trace, on every rank (their runs hold collectives); rank 0 prints
/// the timings, every rank writes its trace and prints its summary.
int timeAndTrace(dsc::Executor &executor, const dsc::fb::Artifact &plan,
                 const dsc::dist::DistEnv &env) {
  bool print = env.rank == 0;
  if (int iterations = absl::GetFlag(FLAGS_bench); iterations > 0) {
    absl::StatusOr<dsc::BenchResult> timed = warmAndBench(executor, env, iterations);
    if (!timed.ok())
      return fail(timed.status().message());
    if (std::string path = absl::GetFlag(FLAGS_bench_times); print && !path.empty()) {
      dsc::HostArray times;
      times.dtype = dsc::DType::F64;
      times.shape = {static_cast<int64_t>(timed->timesMs.size())};
      times.data.resize(timed->timesMs.size() * sizeof(double));
      std::memcpy(times.data.data(), timed->timesMs.data(), times.data.size());
      if (absl::Status written = dsc::writeNpy(path, times); !written.ok())
        return fail(absl::StrCat("--bench_times: ", written.message()));
    }
    double flops = 0, bytes = 0;
    for (const dsc::fb::Step *step : *plan.steps()) {
      flops += static_cast<double>(step->flops());
      bytes += static_cast<double>(step->bytes());
    }
    if (const dsc::GemmTuningReport &t = executor.gemmTuning(); print && t.problems > 0)
      std::printf("gemm tuning: %d distinct GEMMs, %d changed algorithm; GEMM time per run "
                  "%.4f ms with the heuristic's picks, %.4f ms tuned (each timed alone)\n",
                  t.problems, t.changed, t.heuristicMs, t.tunedMs);
    double seconds = timed->medianMs / 1e3;
    if (print)
      std::printf("bench: %d replays: median %.4f ms (min %.4f, max %.4f); "
                  "%.2f TFLOP/s, %.1f GB/s; after %d warm-up replays\n",
                  iterations, timed->medianMs, timed->minMs, timed->maxMs,
                  seconds > 0 ? flops / seconds / 1e12 : 0.0,
                  seconds > 0 ? bytes / seconds / 1e9 : 0.0, timed->warmupReplays);
  }
  if (int iterations = absl::GetFlag(FLAGS_profile); iterations > 0) {
    // Settle the clocks first, as --bench does (a bench with no timed replays is its warm-up).
    if (absl::StatusOr<dsc::BenchResult> warm = warmAndBench(executor, env, 0); !warm.ok())
      return fail(warm.status().message());
    absl::StatusOr<std::vector<double>> times = executor.profile(iterations);
    if (!times.ok())
      return fail(times.status().message());
    if (print)
      printProfile(plan, *times, iterations);
  }
  if (std::string path = absl::GetFlag(FLAGS_trace); !path.empty()) {
    absl::StatusOr<std::vector<dsc::TraceSlice>> slices = executor.trace(env.rank);
    if (!slices.ok())
      return fail(slices.status().message());
    std::string file = dsc::rankTracePath(path, env.rank, env.worldSize);
    if (absl::Status s = dsc::writeTrace(file, *slices); !s.ok())
      return fail(s.message());
    std::printf("trace: rank %d: %zu steps to %s\n", env.rank, slices->size(), file.c_str());
    std::fputs(dsc::formatTraceSummary(dsc::summarizeTrace(*slices)).c_str(), stdout);
  }
  return 0;
}

int runArtifact(const dsc::LoadedArtifact &loaded) {
  const dsc::fb::Artifact &plan = loaded.artifact();
  absl::StatusOr<dsc::dist::DistEnv> env =
      dsc::dist::parseDistEnv([](const char *name) { return std::getenv(name); });
  if (!env.ok())
    return fail(env.status().message());
  bool distributed = env->worldSize > 1 || plan.mesh();
  // One GPU per local rank under a launcher; --device otherwise.
  absl::StatusOr<std::unique_ptr<dsc::Device>> device =
      dsc::Device::open(env->launcher == "single" ? absl::GetFlag(FLAGS_device) : env->localRank);
  if (!device.ok())
    return fail(device.status().message());
  std::unique_ptr<dsc::Communicators> comms;
  if (distributed) {
    absl::StatusOr<std::unique_ptr<dsc::Communicators>> made = dsc::Communicators::create(
        *env, plan, **device, absl::Seconds(absl::GetFlag(FLAGS_timeout)));
    if (!made.ok())
      return fail(made.status().message());
    comms = std::move(*made);
  }
  absl::StatusOr<std::unique_ptr<dsc::Executor>> executor =
      dsc::Executor::create(**device, loaded, comms.get(),
                            {/*gemmTuneIterations=*/std::max(0, absl::GetFlag(FLAGS_gemm_tune)),
                             /*useGraph=*/absl::GetFlag(FLAGS_graph)});
  if (!executor.ok())
    return fail(executor.status().message());

  dsc::WeightOptions weights;
  if (comms)
    weights.meshCoords = comms->coords();
  weights.safetensorsPath = absl::GetFlag(FLAGS_weights);
  if (int64_t seed = absl::GetFlag(FLAGS_random_weights); seed >= 0)
    weights.randomSeed = static_cast<uint64_t>(seed);
  if (!weights.safetensorsPath.empty() && weights.randomSeed)
    return fail("--weights and --random_weights exclude each other");
  if (absl::Status s =
          dsc::forEachWeight(plan, weights,
                             [&](size_t index, const dsc::HostArray &array) {
                               return (*executor)->uploadParam(index, array);
                             });
      !s.ok())
    return fail(s.message());

  std::string inputsDir = absl::GetFlag(FLAGS_inputs);
  // Run `run`'s inputs (a folder may give a run inputs of its own: loadInput).
  auto uploadInputs = [&](int run) -> absl::Status {
    for (flatbuffers::uoffset_t i = 0; plan.inputs() && i < plan.inputs()->size(); ++i) {
      // A split input: each rank reads the user's whole input and keeps its slice.
      absl::StatusOr<dsc::HostArray> input =
          dsc::loadInput(*plan.inputs()->Get(i), inputsDir, absl::GetFlag(FLAGS_seed), run,
                         plan.mesh(), weights.meshCoords);
      if (!input.ok())
        return input.status();
      if (absl::Status s = (*executor)->uploadInput(i, *input); !s.ok())
        return s;
    }
    return absl::OkStatus();
  };
  int runs = absl::GetFlag(FLAGS_runs);
  if (runs < 1)
    return fail(absl::StrCat("--runs=", runs, ": expected at least 1"));

  std::string outDir = absl::GetFlag(FLAGS_out);
  if (!outDir.empty()) { // like mkdir -p, before the run rather than after it
    std::error_code ec;
    std::filesystem::create_directories(outDir, ec);
    if (ec)
      return fail(absl::StrCat("--out ", outDir,
                               ": cannot create the folder: ",
                               ec.message()));
  }

  for (int run = 0; run < runs; ++run) {
    if (run == 0 || !inputsDir.empty())
      if (absl::Status s = uploadInputs(run); !s.ok())
        return fail(s.message());
    if (absl::Status s = (*executor)->run(); !s.ok())
      return fail(s.message());
  }

  // Outputs are whole on every rank (Artifact.fbs), or with a pipeline on the last stage's:
  // one rank reports and writes them (rank 0, or the last stage's first). Every rank times
  // and traces: the replays run collectives that need them all.
  if (env->rank != dsc::outputRank(plan))
    return timeAndTrace(**executor, plan, *env);
  std::string checkDir = absl::GetFlag(FLAGS_check);
  bool allMatch = true;
  for (flatbuffers::uoffset_t i = 0;
       plan.outputs() && i < plan.outputs()->size(); ++i) {
    std::string name = plan.outputs()->Get(i)->name()->str();
    absl::StatusOr<dsc::HostArray> output = (*executor)->downloadOutput(i);
    if (!output.ok())
      return fail(output.status().message());
    std::printf("%s\n", dsc::summarizeArray(name, *output).c_str());
    if (!outDir.empty())
      if (absl::Status s = dsc::writeNpy(outDir + "/" + name + ".npy", *output);
          !s.ok())
        return fail(s.message());
    if (!checkDir.empty())
      allMatch &=
          checkOutput(name, *output, checkDir, absl::GetFlag(FLAGS_rtol),
                      absl::GetFlag(FLAGS_atol),
                      absl::GetFlag(FLAGS_max_rel_l2));
  }

  if (int code = timeAndTrace(**executor, plan, *env); code != 0)
    return code;
  if (!allMatch) {
    std::fprintf(stderr, "dsrun: %s: outputs differ from %s\n",
                 loaded.name().c_str(), checkDir.c_str());
    return 2;
  }
  return 0;
}
#endif

} // namespace

int main(int argc, char **argv) {
  absl::SetProgramUsageMessage(
      "runs a dsc artifact.\n  dsrun MODEL.dsx [--info] [--device_arch=sm_XY]\n"
      "  dsrun MODEL.dsx [--weights=W.safetensors | --random_weights=SEED] "
      "[--inputs=DIR] [--out=DIR] [--check=DIR] [--bench=N] [--trace=FILE]");
  std::vector<char *> args = absl::ParseCommandLine(argc, argv);
  if (int n = absl::GetFlag(FLAGS_n); n != 0) {
    // The children run this same command line; the last --n wins, so they run one rank each.
    dsc::dist::LaunchOptions launch;
    launch.numProcesses = n;
    launch.program = "/proc/self/exe";
    launch.args.assign(argv + 1, argv + argc);
    launch.args.push_back("--n=0");
    absl::StatusOr<int> worst = dsc::dist::launchLocal(launch);
    if (!worst.ok())
      return fail(worst.status().message());
    return *worst;
  }
  // A rank records the launcher's stop from here on (a launcher forwards signals instead).
  dsc::dist::StopSignal::install();
  if (args.size() != 2)
    return fail("expected one artifact: dsrun MODEL.dsx [--info]");

  dsc::LoadOptions options;
  std::string arch = absl::GetFlag(FLAGS_device_arch);
  if (!arch.empty())
    options.deviceArch = arch;
  absl::StatusOr<dsc::LoadedArtifact> loaded =
      dsc::loadArtifact(args[1], options);
  if (!loaded.ok())
    return fail(loaded.status().message());

  if (absl::GetFlag(FLAGS_info)) {
    std::fputs(dsc::formatArtifactInfo(*loaded).c_str(), stdout);
    return 0;
  }
  if (!arch.empty()) {
    std::printf("%s: verified; runs on %s\n", loaded->name().c_str(),
                arch.c_str());
    return 0;
  }
#ifdef DSC_HAVE_EXEC
  int code = runArtifact(*loaded);
  if (code != 0 && dsc::dist::StopSignal::requested())
    std::fprintf(stderr, "dsrun: stopped: %s\n", dsc::dist::StopSignal::reason().c_str());
  return code;
#else
  return fail(loaded->name() +
              ": verified, but this dsrun was built without the CUDA toolkit "
              "and cannot run it (--info prints what the artifact holds)");
#endif
}
