// The user-space half of the kernel relay for the experiments (pump.c).
#ifndef PGFLOAT_BENCH_SOCKMAP_PUMP_H
#define PGFLOAT_BENCH_SOCKMAP_PUMP_H

#include "sockmap_relay.h"

/// The user-space half of one direction of a session: bytes the program kept on `from`, on their way to `to`.
typedef struct {
    int from, to;
    uint32_t slot;        // `from`'s flow
    uint64_t window;      // the grant renewed each time the direction goes back to the kernel
    uint64_t to_base;     // `to`'s queued bytes (TCP acked + SIOCOUTQ) when the pair was added
    uint64_t sent;        // bytes this half wrote into `to`
    uint64_t read;        // kept bytes read from `from`
    uint64_t regrants;    // times the direction went back to the kernel
    size_t start, end;
    int eof, shut;
    char buffer[65536];
} relay_direction;

typedef enum {
    RELAY_IN_KERNEL,  // nothing held: the program redirects again
    RELAY_WAITING,    // bytes held until the peer's backlog drains or kept bytes arrive: pump again soon
    RELAY_BLOCKED,    // `to` is full: pump again when it is writable
    RELAY_SHUT,       // end of stream forwarded
    RELAY_FAILED,     // a socket error (errno set)
} relay_pump_result;

/// Prepares `direction` for a pair about to be added (call just before relay_add_pair, while nothing is in flight).
int relay_direction_init(relay_direction *direction, int from, int to, uint32_t slot, uint64_t window);
/// Forwards what the program kept, in order: a kept byte is written to `to` only once everything redirected
/// before it has left the peer's backlog, and the direction is handed back to the kernel only once every kept
/// byte is out and the backlog is empty, with a fresh grant of `window` bytes. So the backlog never holds more
/// than `window` bytes, and bytes beyond it stay in `from`'s receive queue, closing its TCP window.
relay_pump_result relay_pump(relay_maps *maps, relay_direction *direction);

/// Calls `started` with the slot of every socket that began keeping bytes since the last call; returns how many.
int relay_take_events(relay_maps *maps, void (*started)(uint32_t slot, void *context), void *context);

/// SIOCINQ and SIOCOUTQ of a socket and TCP_INFO's byte counters. 0 or -errno.
typedef struct {
    uint64_t bytes_received;
    uint64_t bytes_acked;
    uint32_t unread;
    uint32_t unsent_or_unacked;
} relay_tcp_progress;
int relay_tcp_progress_of(int fd, relay_tcp_progress *out);

#endif
