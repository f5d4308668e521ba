// The user-space half of the kernel relay for the experiments (probe.c, pingpong.c): forwards what the verdict
// program kept, in order, and hands each direction back to the kernel. pgfloat's own is DataPlane+KernelRelay.
#define _GNU_SOURCE
#include "pump.h"

#include <errno.h>
#include <linux/sockios.h>
#include <netinet/in.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <sys/ioctl.h>
#include <string.h>
#include <sys/socket.h>

int relay_direction_init(relay_direction *direction, int from, int to, uint32_t slot, uint64_t window) {
    memset(direction, 0, offsetof(relay_direction, buffer));
    direction->from = from;
    direction->to = to;
    direction->slot = slot;
    direction->window = window;
    return relay_queued_total(to, &direction->to_base);
}

// Bytes the program redirected from `from` that the peer's psock backlog has not yet written into `to`.
static int backlog_of(relay_maps *maps, const relay_direction *direction, uint64_t *backlog) {
    uint64_t queued;
    if (relay_queued_total(direction->to, &queued) != 0) return -1;
    uint64_t redirected, kept;
    relay_flow_counts(maps, direction->slot, &redirected, &kept);
    uint64_t entered = redirected + direction->sent;
    queued -= direction->to_base;
    if (queued > entered) {
        errno = EPROTO;  // more in `to` than was ever sent to it: the accounting is wrong, stop rather than guess
        return -1;
    }
    *backlog = entered - queued;
    return 0;
}

relay_pump_result relay_pump(relay_maps *maps, relay_direction *direction) {
    for (;;) {
        if (direction->start == direction->end && !direction->eof) {
            ssize_t n = recv(direction->from, direction->buffer, sizeof(direction->buffer), MSG_DONTWAIT);
            if (n > 0) {
                direction->start = 0;
                direction->end = (size_t)n;
                direction->read += (uint64_t)n;
            } else if (n == 0) {
                // The end is seen as soon as TCP has it, while kept bytes before it may still be on their way.
                uint64_t redirected, kept;
                relay_flow_counts(maps, direction->slot, &redirected, &kept);
                if (kept > direction->read) return RELAY_WAITING;
                direction->eof = 1;
            } else if (errno != EAGAIN) {
                return RELAY_FAILED;
            }
        }
        int pending = direction->start < direction->end || (direction->eof && !direction->shut);
        uint64_t redirected, kept;
        relay_flow_counts(maps, direction->slot, &redirected, &kept);
        if (!pending && direction->read < kept) return RELAY_WAITING;  // counted, not yet on the receive queue
        if (!pending && direction->shut) return RELAY_SHUT;
        uint64_t backlog;
        if (backlog_of(maps, direction, &backlog) != 0) return RELAY_FAILED;
        if (backlog > 0) return RELAY_WAITING;
        if (!pending) {
            // Everything kept is out and the backlog is empty: back to the kernel with a fresh grant that fits
            // the destination's free send space, so what it redirects does not wait in the backlog for long.
            uint64_t space = relay_send_space(direction->to) / 2;
            uint64_t window = direction->window < space ? direction->window : space;
            direction->regrants++;
            if (relay_grant(maps, direction->slot, window, direction->read) != direction->read) continue;
            return RELAY_IN_KERNEL;
        }
        if (direction->start == direction->end) {  // end of stream, after every byte before it
            if (shutdown(direction->to, SHUT_WR) != 0) return RELAY_FAILED;
            direction->shut = 1;
            return RELAY_SHUT;
        }
        ssize_t n = send(direction->to, direction->buffer + direction->start, direction->end - direction->start,
                         MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n < 0) return errno == EAGAIN ? RELAY_BLOCKED : RELAY_FAILED;
        direction->start += (size_t)n;
        direction->sent += (uint64_t)n;
        if (direction->start < direction->end) return RELAY_BLOCKED;
        direction->start = direction->end = 0;
    }
}

int relay_take_events(relay_maps *maps, void (*started)(uint32_t slot, void *context), void *context) {
    int count = 0;
    for (int64_t slot; (slot = relay_next_event(maps)) >= 0; count++) started((uint32_t)slot, context);
    return count;
}

int relay_tcp_progress_of(int fd, relay_tcp_progress *out) {
    struct tcp_info info;
    socklen_t len = sizeof(info);
    memset(&info, 0, sizeof(info));
    if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &len) < 0) return -errno;
    int unsent = 0, unread = 0;
    if (ioctl(fd, SIOCOUTQ, &unsent) < 0 || ioctl(fd, SIOCINQ, &unread) < 0) return -errno;
    out->bytes_received = info.tcpi_bytes_received;
    out->bytes_acked = info.tcpi_bytes_acked;
    out->unread = (uint32_t)unread;
    out->unsent_or_unacked = (uint32_t)unsent;
    return 0;
}
