//===- ArtifactInfo.h - A human-readable summary of an artifact -*- C++ -*-===//
//
// What `dsrun model.dsx --info` prints: producer, target archs, the
// parameter, input and output tables, the memory plan, step counts by kind
// and the cost model's totals.
//
//===----------------------------------------------------------------------===//

#ifndef DSC_RUNTIME_ARTIFACT_ARTIFACTINFO_H
#define DSC_RUNTIME_ARTIFACT_ARTIFACTINFO_H

#include "runtime/artifact/Artifact.h"

#include <string>

namespace dsc {

/// Several lines, each ending in '\n'.
std::string formatArtifactInfo(const LoadedArtifact &artifact);

} // namespace dsc

#endif // DSC_RUNTIME_ARTIFACT_ARTIFACTINFO_H
