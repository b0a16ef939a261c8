//===- Rendezvous.cpp - Hands rank 0's NCCL unique id to every rank -------===//

#include "runtime/dist/Rendezvous.h"

#include "runtime/dist/Launcher.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

#include <arpa/inet.h>
#include <cerrno>
#include <cstring>
#include <memory>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

namespace dsc::dist {

namespace {

// "DSCR" plus a version: a hello from another program, or another protocol, is refused.
constexpr uint32_t kMagic = 0x44534352;
constexpr uint32_t kVersion = 1;

struct Hello {
  uint32_t magic, version, worldSize, rank;
};

/// Closes a descriptor when it goes out of scope.
class Fd {
public:
  explicit Fd(int fd = -1) : fd(fd) {}
  Fd(Fd &&other) : fd(other.fd) { other.fd = -1; }
  Fd &operator=(Fd &&other) {
    std::swap(fd, other.fd);
    return *this;
  }
  ~Fd() {
    if (fd >= 0)
      ::close(fd);
  }
  int get() const { return fd; }

private:
  int fd;
};

std::string errnoText() { return std::strerror(errno); }

int msLeft(absl::Time deadline) {
  return static_cast<int>(std::max<int64_t>(0, absl::ToInt64Milliseconds(deadline - absl::Now())));
}

absl::Status stopped(absl::string_view what) {
  return absl::AbortedError(absl::StrCat(what, ": stopped: ", StopSignal::reason()));
}

/// Waits until `fd` is ready for `events`, the deadline passes or the launcher says stop
/// (its signal interrupts poll).
absl::Status waitFor(int fd, short events, absl::Time deadline, absl::string_view what) {
  while (true) {
    if (StopSignal::requested())
      return stopped(what);
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, msLeft(deadline));
    if (n > 0)
      return absl::OkStatus();
    if (n == 0)
      return absl::DeadlineExceededError(absl::StrCat(what, ": timed out"));
    if (errno != EINTR)
      return absl::InternalError(absl::StrCat(what, ": poll: ", errnoText()));
  }
}

/// Sends or receives exactly `size` bytes before the deadline.
absl::Status transfer(int fd, void *data, size_t size, bool send, absl::Time deadline,
                      absl::string_view what) {
  char *p = static_cast<char *>(data);
  while (size > 0) {
    if (absl::Status s = waitFor(fd, send ? POLLOUT : POLLIN, deadline, what); !s.ok())
      return s;
    ssize_t n = send ? ::send(fd, p, size, MSG_NOSIGNAL) : ::recv(fd, p, size, 0);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      return absl::UnavailableError(absl::StrCat(
          what, ": ", n == 0 ? std::string("connection closed by the peer") : errnoText()));
    p += n;
    size -= static_cast<size_t>(n);
  }
  return absl::OkStatus();
}

absl::StatusOr<UniqueId> serve(const DistEnv &env, absl::Time deadline, const UniqueId &id) {
  std::string where = absl::StrCat("rendezvous server on port ", env.masterPort);
  Fd listener(::socket(AF_INET6, SOCK_STREAM, 0));
  bool v6 = listener.get() >= 0;
  if (!v6)
    listener = Fd(::socket(AF_INET, SOCK_STREAM, 0));
  if (listener.get() < 0)
    return absl::InternalError(absl::StrCat(where, ": socket: ", errnoText()));
  int one = 1, zero = 0;
  ::setsockopt(listener.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  int bound;
  if (v6) {
    // Dual-stack: IPv4 ranks connect as ::ffff:a.b.c.d.
    ::setsockopt(listener.get(), IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_any;
    addr.sin6_port = htons(static_cast<uint16_t>(env.masterPort));
    bound = ::bind(listener.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr));
  } else {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    addr.sin_port = htons(static_cast<uint16_t>(env.masterPort));
    bound = ::bind(listener.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr));
  }
  if (bound != 0)
    return absl::UnavailableError(
        absl::StrCat(where, ": bind: ", errnoText(), " (is MASTER_PORT in use by another job?)"));
  if (::listen(listener.get(), SOMAXCONN) != 0)
    return absl::InternalError(absl::StrCat(where, ": listen: ", errnoText()));

  std::vector<bool> served(env.worldSize, false);
  served[0] = true;
  for (int remaining = env.worldSize - 1; remaining > 0;) {
    if (absl::Status s = waitFor(listener.get(), POLLIN, deadline, where); !s.ok()) {
      if (s.code() == absl::StatusCode::kAborted)
        return s;
      std::vector<int> missing;
      for (int r = 0; r < env.worldSize; ++r)
        if (!served[r])
          missing.push_back(r);
      return absl::DeadlineExceededError(
          absl::StrCat(where, ": rank", missing.size() > 1 ? "s " : " ",
                       absl::StrJoin(missing, ", "), " did not connect in time"));
    }
    Fd client(::accept(listener.get(), nullptr, nullptr));
    if (client.get() < 0)
      continue;
    Hello hello{};
    // A client that stalls, or is not one of ours, is dropped; the deadline still holds.
    if (!transfer(client.get(), &hello, sizeof(hello), false, deadline, where).ok() ||
        hello.magic != kMagic)
      continue;
    if (hello.version != kVersion || hello.worldSize != static_cast<uint32_t>(env.worldSize))
      return absl::InvalidArgumentError(absl::StrCat(
          where, ": a rank ", hello.rank, " connected with world size ", hello.worldSize,
          " (protocol ", hello.version, "); rank 0 has world size ", env.worldSize));
    if (hello.rank == 0 || hello.rank >= static_cast<uint32_t>(env.worldSize))
      return absl::InvalidArgumentError(absl::StrCat(where, ": a client claims rank ", hello.rank));
    if (served[hello.rank])
      return absl::InvalidArgumentError(absl::StrCat(where, ": rank ", hello.rank,
                                                     " connected twice (two processes with one "
                                                     "rank?)"));
    UniqueId reply = id;
    if (absl::Status s = transfer(client.get(), reply.data(), reply.size(), true, deadline,
                                  absl::StrCat(where, ": sending the id to rank ", hello.rank));
        !s.ok())
      return s;
    served[hello.rank] = true;
    --remaining;
  }
  return id;
}

absl::StatusOr<UniqueId> fetch(const DistEnv &env, absl::Time deadline) {
  std::string where =
      absl::StrCat("rank ", env.rank, ": rendezvous with ", env.masterAddr, ":", env.masterPort);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *found = nullptr;
  std::string port = std::to_string(env.masterPort);
  if (int rc = ::getaddrinfo(env.masterAddr.c_str(), port.c_str(), &hints, &found); rc != 0)
    return absl::InvalidArgumentError(
        absl::StrCat(where, ": cannot resolve MASTER_ADDR: ", ::gai_strerror(rc)));
  std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, ::freeaddrinfo);
  std::string lastError = "no address";
  // Rank 0 may not listen yet: retry every 100 ms (short against any useful timeout, long
  // enough not to spin) until the deadline.
  while (true) {
    for (addrinfo *a = addresses.get(); a; a = a->ai_next) {
      Fd fd(::socket(a->ai_family, a->ai_socktype, a->ai_protocol));
      if (fd.get() < 0)
        continue;
      if (::connect(fd.get(), a->ai_addr, a->ai_addrlen) != 0) {
        lastError = errnoText();
        continue;
      }
      Hello hello{kMagic, kVersion, static_cast<uint32_t>(env.worldSize),
                  static_cast<uint32_t>(env.rank)};
      UniqueId id{};
      absl::Status s = transfer(fd.get(), &hello, sizeof(hello), true, deadline, where);
      if (s.ok())
        s = transfer(fd.get(), id.data(), id.size(), false, deadline, where);
      if (s.ok())
        return id;
      lastError = std::string(s.message());
    }
    if (StopSignal::requested())
      return stopped(where);
    if (absl::Now() + absl::Milliseconds(100) >= deadline)
      return absl::DeadlineExceededError(
          absl::StrCat(where, ": rank 0 did not answer in time (last error: ", lastError, ")"));
    absl::SleepFor(absl::Milliseconds(100));
  }
}

} // namespace

absl::StatusOr<UniqueId> exchangeUniqueId(const DistEnv &env, absl::Duration timeout,
                                          const std::function<absl::StatusOr<UniqueId>()> &makeId) {
  absl::Time deadline = absl::Now() + timeout;
  if (env.rank != 0)
    return fetch(env, deadline);
  absl::StatusOr<UniqueId> id = makeId();
  if (!id.ok() || env.worldSize == 1)
    return id;
  return serve(env, deadline, *id);
}

absl::StatusOr<int> pickFreePort() {
  Fd fd(::socket(AF_INET, SOCK_STREAM, 0));
  if (fd.get() < 0)
    return absl::InternalError(absl::StrCat("socket: ", errnoText()));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (::bind(fd.get(), reinterpret_cast<sockaddr *>(&addr), sizeof(addr)) != 0 ||
      ::getsockname(fd.get(), reinterpret_cast<sockaddr *>(&addr), &len) != 0)
    return absl::InternalError(absl::StrCat("finding a free port: ", errnoText()));
  return static_cast<int>(ntohs(addr.sin_port));
}

} // namespace dsc::dist
