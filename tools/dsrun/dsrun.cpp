//===- dsrun.cpp - Load, verify and run a dsc artifact --------------------===//
//
// `dsrun model.dsx --info` prints what the artifact holds; `dsrun model.dsx`
// loads and verifies it, and will run it once the CUDA executor lands. Every
// error is one line on stderr and exit code 1. No LLVM here: Abseil flags.
//
//===----------------------------------------------------------------------===//

#include "runtime/artifact/Artifact.h"
#include "runtime/artifact/ArtifactInfo.h"

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/string_view.h"

#include <cstdio>
#include <string>
#include <vector>

ABSL_FLAG(bool, info, false,
          "print a summary of the artifact (archs, tensors, memory, steps, "
          "FLOPs) and exit");
ABSL_FLAG(std::string, device_arch, "",
          "check the artifact against this GPU arch (e.g. sm_80) instead of "
          "the GPU's; lets a machine without a GPU check compatibility");

namespace {

int fail(absl::string_view message) {
  std::fprintf(stderr, "dsrun: %.*s\n", static_cast<int>(message.size()),
               message.data());
  return 1;
}

} // namespace

int main(int argc, char **argv) {
  absl::SetProgramUsageMessage(
      "runs a dsc artifact.\n  dsrun MODEL.dsx [--info] [--device_arch=sm_XY]");
  std::vector<char *> args = absl::ParseCommandLine(argc, argv);
  if (args.size() != 2)
    return fail("expected one artifact: dsrun MODEL.dsx [--info]");

  dsc::LoadOptions options;
  if (std::string arch = absl::GetFlag(FLAGS_device_arch); !arch.empty())
    options.deviceArch = arch;
  absl::StatusOr<dsc::LoadedArtifact> loaded =
      dsc::loadArtifact(args[1], options);
  if (!loaded.ok())
    return fail(loaded.status().message());

  if (absl::GetFlag(FLAGS_info)) {
    std::fputs(dsc::formatArtifactInfo(*loaded).c_str(), stdout);
    return 0;
  }
  return fail(loaded->name() +
              ": verified, but execution is not implemented yet (--info "
              "prints what the artifact holds)");
}
