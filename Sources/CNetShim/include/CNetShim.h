// Wrappers for what Swift's Glibc module lacks for VRRP I/O: sockaddr_ll and AF_PACKET sends, the CMSG macros and
// struct in6_pktinfo behind IPV6_RECVPKTINFO, and setns. Each returns -errno on failure, so the Swift caller need
// not read errno. _GNU_SOURCE stays inside the .c file (see CSysShim.h for why).
#ifndef CNETSHIM_H
#define CNETSHIM_H

#include <stddef.h>
#include <stdint.h>

/// Opens a send-only AF_PACKET SOCK_RAW socket. Protocol 0 hooks it into no receive path, so frames from the wire
/// never queue up on a socket that only ever writes.
int cnet_packet_socket(void);

/// Sends a complete Ethernet frame (header included) out of interface `ifindex` to `destination` (6 bytes).
/// `ethertype` is in host order. Returns the bytes sent or -errno.
long cnet_packet_send(int fd, int ifindex, uint16_t ethertype, const uint8_t *destination, const void *frame,
                      size_t length);

/// Where one IPv6 datagram came from and went to, read from recvmsg's name and control messages.
typedef struct {
    uint8_t source[16];
    /// From IPV6_PKTINFO; all zero when the kernel sent none (the socket lacks IPV6_RECVPKTINFO).
    uint8_t destination[16];
    /// From IPV6_HOPLIMIT; -1 when the kernel sent none (the socket lacks IPV6_RECVHOPLIMIT).
    int32_t hop_limit;
} cnet_ipv6_packet_info;

/// Reads one datagram from an IPv6 raw socket without blocking. Returns its length (the payload after the IPv6
/// header, which raw IPv6 sockets strip) or -errno (-EAGAIN when none is queued).
long cnet_receive_ipv6(int fd, void *buffer, size_t length, cnet_ipv6_packet_info *info);

/// Moves the calling thread (only it) into the network namespace at `path`, e.g. /run/netns/NAME.
/// Returns 0 or -errno.
int cnet_enter_network_namespace(const char *path);

#endif
