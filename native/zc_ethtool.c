/*
 * A network device's scatter-gather, TSO and GSO, read and set with the SIOCETHTOOL ioctl
 * (the legacy ETHTOOL_[GS]SG, ETHTOOL_GTSO and ETHTOOL_GGSO commands of linux/ethtool.h), so the
 * veth lab needs no ethtool binary. The device is looked up in the network namespace of the
 * calling thread's socket: call from a thread inside the device's namespace. Setting needs
 * CAP_NET_ADMIN. Turning SG off also drops the features that depend on it (TSO); the kernel
 * decides that (netdev_fix_features), so read the features back after setting.
 */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "zc_common.h"

/* One SIOCETHTOOL request: 0, or -errno recorded in the thread state through p. */
static int ethtool_value(zc_progress *p, const char *dev, uint32_t cmd, uint32_t *data)
{
    if (dev == NULL || strlen(dev) == 0 || strlen(dev) >= IFNAMSIZ) {
        return (int)zc_fail(p, ZC_SYS_IOCTL, EINVAL);
    }
    p->syscalls++;
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return (int)zc_fail(p, ZC_SYS_SOCKET, errno);
    }
    p->syscalls += 2; /* ioctl, close */
    struct ethtool_value value = {.cmd = cmd, .data = *data};
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strncpy(ifr.ifr_name, dev, IFNAMSIZ - 1);
    ifr.ifr_data = (char *)&value;
    int err = ioctl(fd, SIOCETHTOOL, &ifr) == 0 ? 0 : errno;
    close(fd);
    *data = value.data;
    return err != 0 ? (int)zc_fail(p, ZC_SYS_IOCTL, err) : 0;
}

/* Bit 0 scatter-gather, bit 1 TSO, bit 2 GSO of dev, or -errno (ENODEV: no such device here). */
ZC_EXPORT int zc_netdev_offloads(const char *dev)
{
    static const uint32_t cmds[] = {ETHTOOL_GSG, ETHTOOL_GTSO, ETHTOOL_GGSO};
    zc_progress p = {0};
    int bits = 0;
    for (int i = 0; i < 3; i++) {
        uint32_t on = 0;
        int rc = ethtool_value(&p, dev, cmds[i], &on);
        if (rc < 0) {
            return rc;
        }
        bits |= (on ? 1 : 0) << i;
    }
    zc_done(&p);
    return bits;
}

/* Sets scatter-gather on dev on (1) or off (0): 0 or -errno (EPERM without CAP_NET_ADMIN). */
ZC_EXPORT int zc_netdev_set_sg(const char *dev, int on)
{
    zc_progress p = {0};
    uint32_t data = on ? 1 : 0;
    int rc = ethtool_value(&p, dev, ETHTOOL_SSG, &data);
    return rc < 0 ? rc : (int)zc_done(&p);
}
