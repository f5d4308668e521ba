// The parts of libnl-route-3 that VRRPIO uses: rtnetlink sockets, interface addresses and links, error text.
// The include path (/usr/include/libnl3) comes from the libnl-route-3.0 pkg-config file.
#ifndef CNETLINK_SHIM_H
#define CNETLINK_SHIM_H

#include <netlink/netlink.h>
#include <netlink/errno.h>
#include <netlink/addr.h>
#include <netlink/cache.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <linux/if_addr.h>

#endif
