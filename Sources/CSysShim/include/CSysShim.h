// Wrappers for Linux calls that Swift's Glibc module does not expose (epoll, accept4, eventfd, IP_FREEBIND,
// SO_REUSEPORT) or exposes awkwardly (packed epoll_event). _GNU_SOURCE stays inside the .c file: defined in a
// header that Swift imports, it changes fd_set and accept4 across modules.
#ifndef CSYSSHIM_H
#define CSYSSHIM_H

#include <stdint.h>
#include <sys/socket.h>

/// One ready file descriptor as reported by epoll, unpacked.
typedef struct {
    uint32_t events;
    uint64_t token;
} shim_event;

static const uint32_t SHIM_EPOLLIN = 0x001;
static const uint32_t SHIM_EPOLLOUT = 0x004;
static const uint32_t SHIM_EPOLLERR = 0x008;
static const uint32_t SHIM_EPOLLHUP = 0x010;
static const uint32_t SHIM_EPOLLRDHUP = 0x2000;
static const uint32_t SHIM_EPOLLET = 1u << 31;

int shim_epoll_create(void);
/// Adds `fd` with `events` and `token`; returns 0 or -errno.
int shim_epoll_add(int epfd, int fd, uint32_t events, uint64_t token);
int shim_epoll_mod(int epfd, int fd, uint32_t events, uint64_t token);
int shim_epoll_del(int epfd, int fd);
/// Waits up to `timeout_ms`; returns the number of events written to `out`, or -errno.
int shim_epoll_wait(int epfd, shim_event *out, int max, int timeout_ms);

/// A non-blocking, close-on-exec TCP socket of `family`; -errno on failure.
int shim_tcp_socket(int family);
/// accept4 with SOCK_NONBLOCK|SOCK_CLOEXEC; -errno on failure.
int shim_accept(int fd, struct sockaddr_storage *addr, socklen_t *len);
/// Starts a non-blocking connect: 0 connected, 1 in progress, -errno failed.
int shim_connect(int fd, const struct sockaddr *addr, socklen_t len);
/// The pending error of a socket (SO_ERROR), 0 when none.
int shim_socket_error(int fd);
/// Bytes waiting to be read on a socket (FIONREAD), or -errno.
long shim_unread_bytes(int fd);

int shim_set_int_option(int fd, int level, int name, int value);
int shim_set_reuseaddr(int fd);
int shim_set_reuseport(int fd);
/// Lets a listener bind an address this host does not hold yet (the VIP of a backup node).
int shim_set_freebind(int fd, int family);
int shim_set_nodelay(int fd);
/// TCP_DEFER_ACCEPT: the listener wakes for a connection only once it has data, or after `seconds`.
int shim_set_defer_accept(int fd, int seconds);
int shim_set_v6only(int fd);

/// read/write returning -errno instead of setting errno, so Swift never reads a thread-local.
long shim_read(int fd, void *buf, long len);
long shim_write(int fd, const void *buf, long len);

int shim_eventfd(void);
int shim_eventfd_signal(int fd);
int shim_eventfd_drain(int fd);

/// CLOCK_MONOTONIC in nanoseconds.
uint64_t shim_monotonic_ns(void);

/// Names the calling thread for the kernel (`top -H`, ps, /proc/.../comm; at most 15 bytes kept):
/// prctl(PR_SET_NAME), which Swift cannot call (variadic). 0, or -errno.
int shim_set_thread_name(const char *name);

#endif
