//===- ThreadPool.cpp - The interpreter's worker threads ------------------===//

#include "interp/ThreadPool.h"

#include <algorithm>

namespace dsc::interp {

/// Set while a thread runs a chunk, so that a kernel called from a chunk runs
/// its own loops inline instead of waiting on the pool it occupies.
static thread_local bool insideChunk = false;

ThreadPool::ThreadPool(unsigned numThreads) {
  for (unsigned i = 1; i < numThreads; ++i)
    workers.emplace_back([this] { workerLoop(); });
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mutex);
    stopping = true;
  }
  wake.notify_all();
  for (std::thread &t : workers)
    t.join();
}

ThreadPool &ThreadPool::global() {
  static ThreadPool pool(std::max(1u, std::thread::hardware_concurrency()));
  return pool;
}

void ThreadPool::runChunks() {
  bool wasInside = insideChunk;
  insideChunk = true;
  for (int64_t c = nextChunk.fetch_add(1); c < numChunks;
       c = nextChunk.fetch_add(1))
    (*body)(c * grainSize, std::min(total, (c + 1) * grainSize));
  insideChunk = wasInside;
}

void ThreadPool::workerLoop() {
  uint64_t seen = 0;
  std::unique_lock<std::mutex> lock(mutex);
  while (true) {
    wake.wait(lock, [&] { return stopping || generation != seen; });
    if (stopping)
      return;
    seen = generation;
    lock.unlock();
    runChunks();
    lock.lock();
    if (--busyWorkers == 0)
      done.notify_one();
  }
}

void ThreadPool::parallelFor(int64_t n, int64_t grain,
                             const std::function<void(int64_t, int64_t)> &fn) {
  if (n <= 0)
    return;
  grain = std::max<int64_t>(grain, 1);
  int64_t chunks = (n + grain - 1) / grain;
  if (workers.empty() || chunks == 1 || insideChunk) {
    fn(0, n);
    return;
  }
  std::lock_guard<std::mutex> submit(submitMutex);
  {
    std::lock_guard<std::mutex> lock(mutex);
    body = &fn;
    total = n;
    grainSize = grain;
    numChunks = chunks;
    nextChunk = 0;
    busyWorkers = workers.size();
    ++generation;
  }
  wake.notify_all();
  runChunks();
  std::unique_lock<std::mutex> lock(mutex);
  done.wait(lock, [&] { return busyWorkers == 0; });
}

void parallelFor(int64_t n, int64_t grain,
                 const std::function<void(int64_t, int64_t)> &body) {
  ThreadPool::global().parallelFor(n, grain, body);
}

} // namespace dsc::interp
