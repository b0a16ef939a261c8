//===- ThreadPool.h - The interpreter's worker threads ----------*- C++ -*-===//
//
// A fixed pool of std::threads, created once and reused by every kernel, so
// that a model with hundreds of small ops does not pay a thread start per op.
// Work is split into chunks that the caller and the workers take from a shared
// counter; which thread runs a chunk never changes a result, because each
// output element is computed by one chunk in a fixed order.
//
// Not llvm::ThreadPool: the kernels must build without LLVM (the runtime's
// tests use them).
//
//===----------------------------------------------------------------------===//

#ifndef DSC_INTERP_THREADPOOL_H
#define DSC_INTERP_THREADPOOL_H

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace dsc::interp {

class ThreadPool {
public:
  /// `numThreads` counts the calling thread: 1 means no workers.
  explicit ThreadPool(unsigned numThreads);
  ~ThreadPool();
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;

  /// The process-wide pool, sized by std::thread::hardware_concurrency().
  static ThreadPool &global();

  unsigned numThreads() const { return workers.size() + 1; }

  /// Calls `body(begin, end)` on chunks of at most `grain` indices that cover
  /// [0, n) and returns when all are done. Runs inline when called from inside
  /// a chunk (nested parallelism) or when there is a single chunk.
  void parallelFor(int64_t n, int64_t grain,
                   const std::function<void(int64_t, int64_t)> &body);

private:
  void workerLoop();
  void runChunks();

  std::vector<std::thread> workers;
  /// Serializes callers from different threads (e.g. simulated ranks).
  std::mutex submitMutex;
  std::mutex mutex;
  std::condition_variable wake;
  std::condition_variable done;
  bool stopping = false;
  uint64_t generation = 0;
  unsigned busyWorkers = 0;

  // The current job; written under `mutex` before `generation` moves.
  const std::function<void(int64_t, int64_t)> *body = nullptr;
  int64_t total = 0;
  int64_t grainSize = 1;
  int64_t numChunks = 0;
  std::atomic<int64_t> nextChunk{0};
};

/// ThreadPool::global().parallelFor(n, grain, body).
void parallelFor(int64_t n, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &body);

} // namespace dsc::interp

#endif // DSC_INTERP_THREADPOOL_H
