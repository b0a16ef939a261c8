//===- DistEnv.cpp - Rank, world size and rendezvous from the launcher ----===//

#include "runtime/dist/DistEnv.h"

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

#include <optional>

namespace dsc::dist {

namespace {

struct Flavour {
  const char *name, *rank, *size, *localRank;
};

// In precedence order (DistEnv.h).
constexpr Flavour kFlavours[] = {
    {"torchrun", "RANK", "WORLD_SIZE", "LOCAL_RANK"},
    {"slurm", "SLURM_PROCID", "SLURM_NTASKS", "SLURM_LOCALID"},
    {"openmpi", "OMPI_COMM_WORLD_RANK", "OMPI_COMM_WORLD_SIZE", "OMPI_COMM_WORLD_LOCAL_RANK"},
};

/// A set, non-empty variable parsed as an integer in [lo, hi].
absl::StatusOr<int> readInt(const std::function<const char *(const char *)> &getenv,
                            const char *name, int lo, int hi) {
  const char *text = getenv(name);
  if (!text || !*text)
    return absl::InvalidArgumentError(absl::StrCat(name, " is not set"));
  int value = 0;
  if (!absl::SimpleAtoi(text, &value))
    return absl::InvalidArgumentError(absl::StrCat(name, "='", text, "' is not an integer"));
  if (value < lo || value > hi)
    return absl::InvalidArgumentError(
        absl::StrCat(name, "=", value, " is out of range [", lo, ", ", hi, "]"));
  return value;
}

} // namespace

absl::StatusOr<DistEnv> parseDistEnv(const std::function<const char *(const char *)> &getenv) {
  const Flavour *flavour = nullptr;
  for (const Flavour &f : kFlavours) {
    const char *rank = getenv(f.rank);
    if (rank && *rank) {
      flavour = &f;
      break;
    }
  }
  DistEnv env;
  if (!flavour)
    return env;
  env.launcher = flavour->name;
  // 1 << 20 ranks is far beyond any machine; it only keeps the arithmetic small.
  constexpr int kMaxWorld = 1 << 20;
  absl::StatusOr<int> size = readInt(getenv, flavour->size, 1, kMaxWorld);
  if (!size.ok())
    return absl::InvalidArgumentError(absl::StrCat(size.status().message(), " (", flavour->rank,
                                                   " is set, so ", flavour->size, " must be too)"));
  absl::StatusOr<int> rank = readInt(getenv, flavour->rank, 0, kMaxWorld);
  if (!rank.ok())
    return rank.status();
  if (*rank >= *size)
    return absl::InvalidArgumentError(
        absl::StrCat(flavour->rank, "=", *rank, " is not below ", flavour->size, "=", *size));
  env.rank = *rank;
  env.worldSize = *size;
  // A launcher that sets no local rank runs one process per host: GPU 0.
  const char *local = getenv(flavour->localRank);
  if (local && *local) {
    absl::StatusOr<int> localRank = readInt(getenv, flavour->localRank, 0, kMaxWorld);
    if (!localRank.ok())
      return localRank.status();
    env.localRank = *localRank;
  }

  const char *commId = getenv("NCCL_COMM_ID");
  if (commId && *commId) {
    env.ncclCommId = true;
    return env;
  }
  const char *addr = getenv("MASTER_ADDR");
  if (!addr || !*addr)
    return absl::InvalidArgumentError(
        absl::StrCat("MASTER_ADDR is not set (", flavour->rank, "=", *rank,
                     " asks for a rendezvous; set MASTER_ADDR and MASTER_PORT, or NCCL_COMM_ID)"));
  env.masterAddr = addr;
  absl::StatusOr<int> port = readInt(getenv, "MASTER_PORT", 1, 65535);
  if (!port.ok())
    return absl::InvalidArgumentError(absl::StrCat(
        port.status().message(), " (the rendezvous at MASTER_ADDR=", addr, " needs a TCP port)"));
  env.masterPort = *port;
  return env;
}

std::string describe(const DistEnv &env) {
  std::string text = absl::StrCat("rank ", env.rank, " of ", env.worldSize, " (", env.launcher,
                                  ", local rank ", env.localRank);
  if (env.ncclCommId)
    absl::StrAppend(&text, ", NCCL_COMM_ID");
  else if (!env.masterAddr.empty())
    absl::StrAppend(&text, ", rendezvous ", env.masterAddr, ":", env.masterPort);
  return text + ")";
}

} // namespace dsc::dist
