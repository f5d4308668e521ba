#define _GNU_SOURCE
#include "CNetShim.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <sched.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int cnet_packet_socket(void) {
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0);
    return fd < 0 ? -errno : fd;
}

long cnet_packet_send(int fd, int ifindex, uint16_t ethertype, const uint8_t *destination, const void *frame,
                      size_t length) {
    struct sockaddr_ll address;
    memset(&address, 0, sizeof(address));
    address.sll_family = AF_PACKET;
    address.sll_ifindex = ifindex;
    // The socket was opened with protocol 0, so each send names the frame's protocol for the kernel's skb.
    address.sll_protocol = htons(ethertype);
    address.sll_halen = ETH_ALEN;
    memcpy(address.sll_addr, destination, ETH_ALEN);
    ssize_t sent = sendto(fd, frame, length, 0, (struct sockaddr *)&address, sizeof(address));
    return sent < 0 ? -errno : sent;
}

long cnet_receive_ipv6(int fd, void *buffer, size_t length, cnet_ipv6_packet_info *info) {
    struct sockaddr_in6 source;
    // Room for IPV6_PKTINFO and IPV6_HOPLIMIT together.
    union {
        struct cmsghdr align;
        char bytes[CMSG_SPACE(sizeof(struct in6_pktinfo)) + CMSG_SPACE(sizeof(int))];
    } control;
    struct iovec vector = {.iov_base = buffer, .iov_len = length};
    struct msghdr message = {
        .msg_name = &source,
        .msg_namelen = sizeof(source),
        .msg_iov = &vector,
        .msg_iovlen = 1,
        .msg_control = control.bytes,
        .msg_controllen = sizeof(control.bytes),
    };
    ssize_t received = recvmsg(fd, &message, MSG_DONTWAIT);
    if (received < 0) return -errno;

    memset(info, 0, sizeof(*info));
    info->hop_limit = -1;
    memcpy(info->source, &source.sin6_addr, sizeof(info->source));
    for (struct cmsghdr *header = CMSG_FIRSTHDR(&message); header; header = CMSG_NXTHDR(&message, header)) {
        if (header->cmsg_level != IPPROTO_IPV6) continue;
        if (header->cmsg_type == IPV6_PKTINFO) {
            struct in6_pktinfo packet;
            memcpy(&packet, CMSG_DATA(header), sizeof(packet));
            memcpy(info->destination, &packet.ipi6_addr, sizeof(info->destination));
        } else if (header->cmsg_type == IPV6_HOPLIMIT) {
            int hops;
            memcpy(&hops, CMSG_DATA(header), sizeof(hops));
            info->hop_limit = hops;
        }
    }
    return received;
}

int cnet_enter_network_namespace(const char *path) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int result = setns(fd, CLONE_NEWNET);
    int saved = errno;
    close(fd);
    return result < 0 ? -saved : 0;
}
