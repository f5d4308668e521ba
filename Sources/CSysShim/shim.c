#define _GNU_SOURCE
#include "CSysShim.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

int shim_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

static int epoll_op(int epfd, int op, int fd, uint32_t events, uint64_t token) {
    struct epoll_event ev = {.events = events, .data.u64 = token};
    return epoll_ctl(epfd, op, fd, &ev) < 0 ? -errno : 0;
}

int shim_epoll_add(int epfd, int fd, uint32_t events, uint64_t token) {
    return epoll_op(epfd, EPOLL_CTL_ADD, fd, events, token);
}

int shim_epoll_mod(int epfd, int fd, uint32_t events, uint64_t token) {
    return epoll_op(epfd, EPOLL_CTL_MOD, fd, events, token);
}

int shim_epoll_del(int epfd, int fd) { return epoll_op(epfd, EPOLL_CTL_DEL, fd, 0, 0); }

int shim_epoll_wait(int epfd, shim_event *out, int max, int timeout_ms) {
    struct epoll_event evs[256];
    if (max > 256) max = 256;
    int n = epoll_wait(epfd, evs, max, timeout_ms);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) {
        out[i].events = evs[i].events;
        out[i].token = evs[i].data.u64;
    }
    return n;
}

int shim_tcp_socket(int family) {
    int fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
    return fd < 0 ? -errno : fd;
}

int shim_accept(int fd, struct sockaddr_storage *addr, socklen_t *len) {
    int c = accept4(fd, (struct sockaddr *)addr, len, SOCK_NONBLOCK | SOCK_CLOEXEC);
    return c < 0 ? -errno : c;
}

int shim_connect(int fd, const struct sockaddr *addr, socklen_t len) {
    if (connect(fd, addr, len) == 0) return 0;
    return errno == EINPROGRESS ? 1 : -errno;
}

int shim_socket_error(int fd) {
    int err = 0;
    socklen_t len = sizeof(err);
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0) return errno;
    return err;
}

long shim_unread_bytes(int fd) {
    int unread = 0;
    return ioctl(fd, FIONREAD, &unread) < 0 ? -errno : unread;
}

int shim_set_int_option(int fd, int level, int name, int value) {
    return setsockopt(fd, level, name, &value, sizeof(value)) < 0 ? -errno : 0;
}

int shim_set_reuseaddr(int fd) { return shim_set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1); }
int shim_set_reuseport(int fd) { return shim_set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1); }
int shim_set_nodelay(int fd) { return shim_set_int_option(fd, IPPROTO_TCP, TCP_NODELAY, 1); }
int shim_set_defer_accept(int fd, int seconds) {
    return shim_set_int_option(fd, IPPROTO_TCP, TCP_DEFER_ACCEPT, seconds);
}
int shim_set_v6only(int fd) { return shim_set_int_option(fd, IPPROTO_IPV6, IPV6_V6ONLY, 1); }

int shim_set_freebind(int fd, int family) {
    if (family == AF_INET6) return shim_set_int_option(fd, IPPROTO_IPV6, IPV6_FREEBIND, 1);
    return shim_set_int_option(fd, IPPROTO_IP, IP_FREEBIND, 1);
}

long shim_read(int fd, void *buf, long len) {
    ssize_t n = read(fd, buf, len);
    return n < 0 ? -errno : n;
}

long shim_write(int fd, const void *buf, long len) {
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    return n < 0 ? -errno : n;
}

int shim_eventfd(void) {
    int fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int shim_eventfd_signal(int fd) {
    uint64_t one = 1;
    return write(fd, &one, sizeof(one)) < 0 ? -errno : 0;
}

int shim_eventfd_drain(int fd) {
    uint64_t value;
    return read(fd, &value, sizeof(value)) < 0 ? -errno : 0;
}

uint64_t shim_monotonic_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int shim_set_thread_name(const char *name) {
    return prctl(PR_SET_NAME, (unsigned long)name, 0, 0, 0) < 0 ? -errno : 0;
}
