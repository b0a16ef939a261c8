//===- trace_test.cpp - the trace writer and summary, without a GPU -------===//

#include "artifact_builder.h"

#include "runtime/exec/Trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

namespace dsc {
namespace {

using ::testing::HasSubstr;

TraceSlice slice(int rank, uint32_t stream, std::string name, double start, double duration,
                 bool communication = false) {
  TraceSlice s;
  s.rank = rank;
  s.stream = stream;
  s.name = std::move(name);
  s.startUs = start;
  s.durationUs = duration;
  s.communication = communication;
  return s;
}

TEST(TraceTest, WritesTrackNamesAndCompleteSlices) {
  TraceSlice gemm = slice(0, 0, "gemm 4x2x4", 1.5, 2.25);
  gemm.args = {{"types", "bf16"}};
  std::string json = traceJson({gemm, slice(0, 1, "AllReduce 64 B", 2, 3, true)});
  EXPECT_EQ(json, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
                  "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":0,\"tid\":0,\"args\":{\"name\":"
                  "\"rank 0\"}},\n"
                  "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,\"tid\":0,\"args\":{\"name\":"
                  "\"stream 0\"}},\n"
                  "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":0,\"tid\":1,\"args\":{\"name\":"
                  "\"stream 1\"}},\n"
                  "{\"name\":\"gemm 4x2x4\",\"cat\":\"compute\",\"ph\":\"X\",\"pid\":0,\"tid\":0,"
                  "\"ts\":1.500,\"dur\":2.250,\"args\":{\"types\":\"bf16\"}},\n"
                  "{\"name\":\"AllReduce 64 B\",\"cat\":\"communication\",\"ph\":\"X\",\"pid\":0,"
                  "\"tid\":1,\"ts\":2.000,\"dur\":3.000,\"args\":{}}\n"
                  "]}\n");
}

TEST(TraceTest, EscapesStrings) {
  TraceSlice s = slice(1, 0, "k\"1\\", 0, 1);
  s.args = {{"loc", "a\nb"}};
  std::string json = traceJson({s});
  EXPECT_THAT(json, HasSubstr(R"("name":"k\"1\\")"));
  EXPECT_THAT(json, HasSubstr(R"("loc":"a\u000ab")"));
  EXPECT_THAT(json, HasSubstr(R"("pid":1,"tid":0,"args":{"name":"rank 1"})"));
}

TEST(TraceTest, SummaryCountsCommunicationUnderCompute) {
  // Rank 0: compute [0, 10) and [12, 20) on stream 0; communication [5, 15) on stream 1, of
  // which [5, 10) and [12, 15) run under compute: 8 of 10 us hidden.
  // Rank 1: communication [0, 4) alone, nothing hidden.
  TraceSummary summary =
      summarizeTrace({slice(0, 0, "a", 0, 10), slice(0, 0, "b", 12, 8),
                      slice(0, 1, "c", 5, 10, true), slice(1, 1, "d", 0, 4, true)});
  ASSERT_EQ(summary.streams.size(), 3u);
  EXPECT_DOUBLE_EQ(summary.streams[0].busyUs, 18);
  EXPECT_DOUBLE_EQ(summary.streams[0].communicationUs, 0);
  EXPECT_DOUBLE_EQ(summary.streams[1].communicationUs, 10);
  EXPECT_EQ(summary.streams[2].rank, 1);
  EXPECT_DOUBLE_EQ(summary.computeUs, 18);
  EXPECT_DOUBLE_EQ(summary.communicationUs, 14);
  EXPECT_DOUBLE_EQ(summary.hiddenUs, 8);
  EXPECT_DOUBLE_EQ(summary.spanUs, 20);
  EXPECT_NEAR(summary.hiddenFraction(), 8.0 / 14.0, 1e-12);
  EXPECT_THAT(formatTraceSummary(summary), HasSubstr("(57.1% of communication hidden)"));
}

TEST(TraceTest, OverlappingSlicesOfOneStreamCountOnce) {
  TraceSummary summary = summarizeTrace({slice(0, 0, "a", 0, 10), slice(0, 0, "b", 5, 10)});
  EXPECT_DOUBLE_EQ(summary.streams[0].busyUs, 15);
  EXPECT_DOUBLE_EQ(summary.hiddenFraction(), 0);
}

TEST(TraceTest, NamesStepsFromThePlan) {
  std::unique_ptr<fb::ArtifactT> tiny = test::makeValidArtifact();
  std::vector<uint8_t> payload = test::packPayload(*tiny);
  const fb::Artifact &plan = *fb::GetArtifact(payload.data());
  TraceSlice gemm = describeTraceStep(plan, 0, 3);
  EXPECT_EQ(gemm.name, "gemm 4x2x4");
  EXPECT_EQ(gemm.rank, 3);
  EXPECT_FALSE(gemm.communication);
  EXPECT_THAT(gemm.args,
              testing::Contains(std::make_pair(std::string("loc"), std::string("tiny.dsg:2:7"))));
  TraceSlice kernel = describeTraceStep(plan, 1, 0);
  EXPECT_EQ(kernel.name, "dsc_softmax_0");
  EXPECT_EQ(kernel.stream, 1u);
  EXPECT_EQ(describeTraceStep(plan, 3, 0).name, "memset 32 B");
}

TEST(TraceTest, NamesCollectivesWithTheirBytes) {
  std::unique_ptr<fb::ArtifactT> tiny = test::makeValidArtifact();
  fb::CollectiveT c;
  c.kind = fb::CollectiveKind::AllGather;
  c.count = 1024;
  c.dtype = fb::DType::BF16;
  c.mesh_axes = {1};
  tiny->steps[3]->op.Set(std::move(c));
  std::vector<uint8_t> payload = test::packPayload(*tiny);
  TraceSlice s = describeTraceStep(*fb::GetArtifact(payload.data()), 3, 0);
  EXPECT_TRUE(s.communication);
  EXPECT_EQ(s.name, "AllGather 2.0 KiB");
  EXPECT_THAT(s.args, testing::Contains(std::make_pair(std::string("bytes"), std::string("2048"))));
}

TEST(TraceTest, OneFilePerRank) {
  EXPECT_EQ(rankTracePath("out/trace.json", 0, 1), "out/trace.json");
  EXPECT_EQ(rankTracePath("out/trace.json", 1, 2), "out/trace.rank1.json");
  EXPECT_EQ(rankTracePath("out.d/trace", 0, 2), "out.d/trace.rank0");
}

TEST(TraceTest, WritesTheFile) {
  test::ScratchDir dir;
  std::string path = dir.file("t.json");
  ASSERT_TRUE(writeTrace(path, {slice(0, 0, "a", 0, 1)}).ok());
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_EQ(text.str(), traceJson({slice(0, 0, "a", 0, 1)}));
  absl::Status bad = writeTrace(dir.file("missing/t.json"), {});
  EXPECT_FALSE(bad.ok());
  EXPECT_THAT(std::string(bad.message()), HasSubstr("--trace"));
}

} // namespace
} // namespace dsc
