/*
 * Network: lo and the first NIC, a static address or a minimal DHCP client
 * (DISCOVER/OFFER/REQUEST/ACK, no renewal: a microVM's lease outlives it on
 * QEMU's user network and on the usual host-side servers), /etc/resolv.conf
 * and /etc/hosts.
 */
#include "init.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

/* Drivers register their interfaces inside finit_module(2); this only covers asynchronous probing. */
#define NIC_WAIT_MS 250
#define DHCP_TIMEOUT_MS 10000

static int ctl_socket(void) { return socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0); }

static void ifreq_for(struct ifreq *ifr, const char *name) {
  memset(ifr, 0, sizeof *ifr);
  strncpy(ifr->ifr_name, name, IFNAMSIZ - 1);
}

static int if_up(int s, const char *name) {
  struct ifreq ifr;
  ifreq_for(&ifr, name);
  if (ioctl(s, SIOCGIFFLAGS, &ifr) < 0) return -1;
  ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
  return ioctl(s, SIOCSIFFLAGS, &ifr);
}

static void set_sin(struct sockaddr *sa, uint32_t addr_be) {
  struct sockaddr_in *sin = (struct sockaddr_in *)sa;
  memset(sin, 0, sizeof *sin);
  sin->sin_family = AF_INET;
  sin->sin_addr.s_addr = addr_be;
}

static int if_set_addr(int s, const char *name, uint32_t addr, uint32_t mask) {
  struct ifreq ifr;
  ifreq_for(&ifr, name);
  set_sin(&ifr.ifr_addr, addr);
  if (ioctl(s, SIOCSIFADDR, &ifr) < 0) return -1;
  ifreq_for(&ifr, name);
  set_sin(&ifr.ifr_netmask, mask);
  return ioctl(s, SIOCSIFNETMASK, &ifr);
}

static int add_default_route(int s, const char *name, uint32_t gw) {
  struct rtentry rt;
  memset(&rt, 0, sizeof rt);
  set_sin(&rt.rt_dst, 0);
  set_sin(&rt.rt_genmask, 0);
  set_sin(&rt.rt_gateway, gw);
  rt.rt_flags = RTF_UP | RTF_GATEWAY;
  rt.rt_dev = (char *)name;
  if (ioctl(s, SIOCADDRT, &rt) < 0 && errno != EEXIST) return -1;
  return 0;
}

static int read_sys_int(const char *ifname, const char *attr, long *out) {
  char path[128];
  snprintf(path, sizeof path, "/sys/class/net/%s/%s", ifname, attr);
  char *text = read_text_file(path, 64, NULL);
  if (!text) return -1;
  *out = strtol(text, NULL, 10);
  free(text);
  return 0;
}

/* The Ethernet interface with the lowest ifindex, other than lo. */
static int first_nic(char *out, size_t outlen) {
  DIR *d = opendir("/sys/class/net");
  if (!d) return -1;
  long best = -1;
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] == '.' || !strcmp(e->d_name, "lo") || strlen(e->d_name) >= IFNAMSIZ) continue;
    long type, index;
    if (read_sys_int(e->d_name, "type", &type) < 0 || type != 1 /* ARPHRD_ETHER */) continue;
    if (read_sys_int(e->d_name, "ifindex", &index) < 0) continue;
    if (best < 0 || index < best) {
      best = index;
      if (strlen(e->d_name) < outlen) memcpy(out, e->d_name, strlen(e->d_name) + 1);
    }
  }
  closedir(d);
  return best < 0 ? -1 : 0;
}

static int parse_ipv4(const char *s, uint32_t *out) {
  struct in_addr a;
  if (!s || inet_pton(AF_INET, s, &a) != 1) return -1;
  *out = a.s_addr;
  return 0;
}

static uint32_t prefix_mask(int prefix) {
  return htonl(prefix == 0 ? 0 : 0xFFFFFFFFu << (32 - prefix));
}

/* "A.B.C.D/N", or "A.B.C.D" with NETMASK (dotted or a prefix length) or /24. */
static int parse_cidr(const char *addr, const char *netmask, uint32_t *ip, uint32_t *mask) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s", addr);
  char *slash = strchr(buf, '/');
  unsigned long prefix = 24;
  if (slash) {
    *slash = 0;
    if (parse_uint(slash + 1, 32, &prefix) < 0) return -1;
  }
  if (parse_ipv4(buf, ip) < 0) return -1;
  *mask = prefix_mask((int)prefix);
  if (!slash && netmask) {
    if (parse_uint(netmask, 32, &prefix) == 0) *mask = prefix_mask((int)prefix);
    else if (parse_ipv4(netmask, mask) < 0) return -1;
  }
  return 0;
}

/* ---- DHCP -------------------------------------------------------------- */

struct dhcp_msg {
  uint8_t op, htype, hlen, hops;
  uint32_t xid;
  uint16_t secs, flags;
  uint32_t ciaddr, yiaddr, siaddr, giaddr;
  uint8_t chaddr[16];
  uint8_t sname[64];
  uint8_t file[128];
  uint8_t options[312];
} __attribute__((packed));

struct lease {
  uint32_t addr, mask, router, server;
  uint32_t dns[4];
  int ndns;
  int mtu;
  char domain[256];
};

enum { DHCPDISCOVER = 1, DHCPOFFER = 2, DHCPREQUEST = 3, DHCPACK = 5, DHCPNAK = 6 };

static size_t put_opt(uint8_t *o, size_t at, uint8_t code, const void *data, uint8_t len) {
  o[at] = code;
  o[at + 1] = len;
  memcpy(o + at + 2, data, len);
  return at + 2 + len;
}

static void dhcp_build(struct dhcp_msg *m, int type, uint32_t xid, const uint8_t *mac,
                       const struct lease *offer, const char *hostname) {
  memset(m, 0, sizeof *m);
  m->op = 1;
  m->htype = 1;
  m->hlen = 6;
  m->xid = xid;
  m->flags = htons(0x8000); /* broadcast replies: we have no address to receive unicast on */
  memcpy(m->chaddr, mac, 6);
  uint8_t *o = m->options;
  size_t at = 0;
  static const uint8_t cookie[4] = {99, 130, 83, 99};
  memcpy(o, cookie, 4);
  at = 4;
  uint8_t t = (uint8_t)type;
  at = put_opt(o, at, 53, &t, 1);
  uint8_t cid[7] = {1};
  memcpy(cid + 1, mac, 6);
  at = put_opt(o, at, 61, cid, 7);
  if (type == DHCPREQUEST) {
    at = put_opt(o, at, 50, &offer->addr, 4);
    at = put_opt(o, at, 54, &offer->server, 4);
  }
  static const uint8_t params[] = {1, 3, 6, 15, 26, 51, 54};
  at = put_opt(o, at, 55, params, sizeof params);
  if (hostname && *hostname) {
    size_t hl = strlen(hostname);
    at = put_opt(o, at, 12, hostname, (uint8_t)(hl > 63 ? 63 : hl));
  }
  o[at] = 255;
}

/* Parses a reply; returns its message type, or -1 if it is not one for us. */
static int dhcp_parse(const struct dhcp_msg *m, size_t len, uint32_t xid, const uint8_t *mac,
                      struct lease *l) {
  static const uint8_t cookie[4] = {99, 130, 83, 99};
  size_t fixed = offsetof(struct dhcp_msg, options);
  if (len < fixed + 4 || m->op != 2 || m->xid != xid || memcmp(m->chaddr, mac, 6) != 0 ||
      memcmp(m->options, cookie, 4) != 0) {
    return -1;
  }
  memset(l, 0, sizeof *l);
  l->addr = m->yiaddr;
  int type = -1;
  const uint8_t *o = m->options;
  size_t olen = len - fixed;
  for (size_t i = 4; i < olen;) {
    uint8_t code = o[i];
    if (code == 0) {
      i++;
      continue;
    }
    if (code == 255 || i + 1 >= olen) break;
    uint8_t n = o[i + 1];
    const uint8_t *v = o + i + 2;
    if (i + 2 + n > olen) break;
    switch (code) {
      case 53:
        if (n >= 1) type = v[0];
        break;
      case 1:
        if (n >= 4) memcpy(&l->mask, v, 4);
        break;
      case 3:
        if (n >= 4) memcpy(&l->router, v, 4);
        break;
      case 54:
        if (n >= 4) memcpy(&l->server, v, 4);
        break;
      case 6:
        for (int k = 0; k + 4 <= n && l->ndns < 4; k += 4) memcpy(&l->dns[l->ndns++], v + k, 4);
        break;
      case 15:
        memcpy(l->domain, v, n);
        l->domain[n] = 0;
        break;
      case 26:
        if (n >= 2) l->mtu = v[0] << 8 | v[1];
        break;
    }
    i += 2 + n;
  }
  return type;
}

/* Sends MSG and waits for a reply of type WANT (or NAK), retrying until DEADLINE. */
static int dhcp_exchange(int s, const struct dhcp_msg *msg, uint32_t xid, const uint8_t *mac,
                         int want, struct lease *l, long long deadline) {
  struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons(67)};
  to.sin_addr.s_addr = INADDR_BROADCAST;
  long wait = 500;
  while (now_ms() < deadline) {
    if (sendto(s, msg, sizeof *msg, 0, (struct sockaddr *)&to, sizeof to) < 0) {
      debug("dhcp: send: %s", strerror(errno));
    }
    long long until = now_ms() + wait;
    if (until > deadline) until = deadline;
    for (long long now; (now = now_ms()) < until;) {
      struct pollfd p = {s, POLLIN, 0};
      if (poll(&p, 1, (int)(until - now)) <= 0) continue;
      struct dhcp_msg reply;
      ssize_t n = recv(s, &reply, sizeof reply, 0);
      if (n <= 0) continue;
      int type = dhcp_parse(&reply, (size_t)n, xid, mac, l);
      if (type == want || type == DHCPNAK) return type;
    }
    if (wait < 4000) wait *= 2;
  }
  return -1;
}

static int dhcp(const char *ifname, const char *hostname, struct lease *lease) {
  int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (s < 0) return -1;
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(s, SOL_SOCKET, SO_BROADCAST, &one, sizeof one);
  if (setsockopt(s, SOL_SOCKET, SO_BINDTODEVICE, ifname, strlen(ifname) + 1) < 0) {
    warn("dhcp: cannot bind to %s: %s", ifname, strerror(errno));
  }
  struct sockaddr_in me = {.sin_family = AF_INET, .sin_port = htons(68)};
  if (bind(s, (struct sockaddr *)&me, sizeof me) < 0) {
    warn("dhcp: cannot bind port 68: %s", strerror(errno));
    close(s);
    return -1;
  }
  struct ifreq ifr;
  ifreq_for(&ifr, ifname);
  if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
    close(s);
    return -1;
  }
  uint8_t mac[6];
  memcpy(mac, ifr.ifr_hwaddr.sa_data, 6);
  uint32_t xid = (uint32_t)now_ms() ^ ((uint32_t)mac[2] << 24 | (uint32_t)mac[3] << 16 |
                                       (uint32_t)mac[4] << 8 | mac[5]);
  long long deadline = now_ms() + DHCP_TIMEOUT_MS;
  struct dhcp_msg msg;
  int rc = -1;
  while (now_ms() < deadline) {
    struct lease offer;
    dhcp_build(&msg, DHCPDISCOVER, xid, mac, NULL, hostname);
    if (dhcp_exchange(s, &msg, xid, mac, DHCPOFFER, &offer, deadline) != DHCPOFFER) break;
    debug("dhcp: offer of %s", inet_ntoa(*(struct in_addr *)&offer.addr));
    dhcp_build(&msg, DHCPREQUEST, xid, mac, &offer, hostname);
    int t = dhcp_exchange(s, &msg, xid, mac, DHCPACK, lease, deadline);
    if (t == DHCPACK) {
      if (!lease->addr) lease->addr = offer.addr;
      rc = 0;
      break;
    }
    if (t != DHCPNAK) break;
    xid++;
  }
  close(s);
  return rc;
}

/* ---- setup ------------------------------------------------------------- */

static void add_dns(struct net_result *r, uint32_t addr) {
  char buf[INET_ADDRSTRLEN];
  inet_ntop(AF_INET, &addr, buf, sizeof buf);
  strv_push(&r->dns, xstrdup(buf));
}

void net_setup(const struct config *c, struct net_result *r) {
  memset(r, 0, sizeof *r);
  int s = ctl_socket();
  if (s < 0) {
    warn("network: no socket: %s", strerror(errno));
    return;
  }
  if (if_set_addr(s, "lo", htonl(INADDR_LOOPBACK), htonl(0xFF000000u)) < 0 || if_up(s, "lo") < 0) {
    warn("cannot bring up lo: %s", strerror(errno));
  }
  if (c->net == NET_NONE) {
    close(s);
    return;
  }

  if (c->netdev) {
    snprintf(r->ifname, sizeof r->ifname, "%s", c->netdev);
    char path[64];
    snprintf(path, sizeof path, "/sys/class/net/%s", r->ifname);
    if (wait_for_path(path, NIC_WAIT_MS) < 0) {
      warn("network: no interface %s", r->ifname);
      r->ifname[0] = 0;
    }
  } else {
    long long deadline = now_ms() + NIC_WAIT_MS;
    while (first_nic(r->ifname, sizeof r->ifname) < 0 && now_ms() < deadline) sleep_ms(10);
    if (!r->ifname[0] && (c->net == NET_DHCP || c->address)) {
      warn("network: no interface besides lo (is the NIC's driver in module=?)");
    } else if (!r->ifname[0]) {
      debug("network: no interface besides lo");
    }
  }
  if (!r->ifname[0]) {
    close(s);
    return;
  }
  if (if_up(s, r->ifname) < 0) {
    warn("cannot bring up %s: %s", r->ifname, strerror(errno));
    close(s);
    return;
  }

  uint32_t ip = 0, mask = 0, gw = 0;
  int mtu = 0;
  if (c->net == NET_DHCP) {
    struct lease l;
    long long t0 = now_ms();
    if (dhcp(r->ifname, c->hostname, &l) < 0) {
      warn("dhcp on %s: no lease within %d s; only lo is configured", r->ifname,
           DHCP_TIMEOUT_MS / 1000);
      close(s);
      return;
    }
    ip = l.addr;
    mask = l.mask ? l.mask : prefix_mask(24);
    gw = l.router;
    mtu = l.mtu;
    for (int i = 0; i < l.ndns; i++) add_dns(r, l.dns[i]);
    if (l.domain[0]) strv_push(&r->search, xstrdup(l.domain));
    debug("dhcp: lease of %s in %lld ms", inet_ntoa(*(struct in_addr *)&ip), now_ms() - t0);
  } else {
    const char *addr = c->address ? c->address : "10.0.2.15/24";
    if (parse_cidr(addr, c->netmask, &ip, &mask) < 0) {
      warn("network: bad address %s%s%s", addr, c->netmask ? " netmask " : "",
           c->netmask ? c->netmask : "");
      close(s);
      return;
    }
    const char *gateway = c->gateway ? c->gateway : (c->address ? NULL : "10.0.2.2");
    if (gateway && parse_ipv4(gateway, &gw) < 0) warn("network: bad gateway %s", gateway);
    if (c->dns.n) {
      for (size_t i = 0; i < c->dns.n; i++) strv_push(&r->dns, xstrdup(c->dns.v[i]));
    } else if (!c->address) {
      strv_push(&r->dns, xstrdup("10.0.2.3"));
    }
  }
  if (if_set_addr(s, r->ifname, ip, mask) < 0) {
    warn("cannot set the address of %s: %s", r->ifname, strerror(errno));
    close(s);
    return;
  }
  inet_ntop(AF_INET, &ip, r->address, sizeof r->address);
  if (mtu >= 576) {
    struct ifreq ifr;
    ifreq_for(&ifr, r->ifname);
    ifr.ifr_mtu = mtu;
    ioctl(s, SIOCSIFMTU, &ifr);
  }
  if (gw && add_default_route(s, r->ifname, gw) < 0) {
    warn("cannot add the default route via %s: %s", inet_ntoa(*(struct in_addr *)&gw),
         strerror(errno));
  }
  debug("network: %s %s/%d", r->ifname, r->address, __builtin_popcount(mask));
  close(s);
}

/* Lexically normalizes an absolute path (".", "..", "//"); the result is owned. */
static char *normalize(const char *path) {
  char *out = xmalloc(strlen(path) + 2);
  size_t o = 0;
  const char *p = path;
  while (*p) {
    while (*p == '/') p++;
    const char *start = p;
    while (*p && *p != '/') p++;
    size_t n = p - start;
    if (n == 0 || (n == 1 && start[0] == '.')) continue;
    if (n == 2 && start[0] == '.' && start[1] == '.') {
      while (o > 0 && out[o - 1] != '/') o--;
      if (o > 0) o--;
      continue;
    }
    out[o++] = '/';
    memcpy(out + o, start, n);
    o += n;
  }
  if (o == 0) out[o++] = '/';
  out[o] = 0;
  return out;
}

/*
 * Writes /etc/NAME. Images often have it as a symlink (systemd-resolved's
 * into /run, which is our tmpfs: written through) or on a read-only root: a
 * symlink elsewhere is replaced by a file when the root is writable, else a
 * file on /run is bind-mounted over the existing one.
 */
static void write_etc(const char *name, const char *content) {
  char path[64], alt[64];
  snprintf(path, sizeof path, "/etc/%s", name);
  struct stat st;
  if (lstat(path, &st) == 0 && S_ISLNK(st.st_mode)) {
    char link[4096];
    ssize_t n = readlink(path, link, sizeof link - 1);
    if (n > 0) {
      link[n] = 0;
      char *abs = link[0] == '/' ? xstrdup(link) : xasprintf("/etc/%s", link);
      char *target = normalize(abs);
      free(abs);
      int done = 0;
      if (strncmp(target, "/run/", 5) == 0) {
        char *dir = xstrdup(target);
        *strrchr(dir, '/') = 0;
        done = mkdir_p(dir, 0755) == 0 && write_text_file(target, content, 0644) == 0;
        free(dir);
      }
      free(target);
      if (done) return;
    }
    if (unlink(path) == 0 && write_text_file(path, content, 0644) == 0) return;
  } else {
    if (write_text_file(path, content, 0644) == 0) return;
    if (errno == ENOENT && mkdir_p("/etc", 0755) == 0 && write_text_file(path, content, 0644) == 0)
      return;
  }
  int why = errno;
  snprintf(alt, sizeof alt, "/run/oci2vm/%s", name);
  if (mkdir_p("/run/oci2vm", 0755) == 0 && write_text_file(alt, content, 0644) == 0 &&
      stat(path, &st) == 0 && mount(alt, path, NULL, MS_BIND, NULL) == 0) {
    debug("%s is read-only (%s): bind-mounted %s over it", path, strerror(why), alt);
    return;
  }
  warn("cannot write %s: %s; skipped", path, strerror(why));
}

void write_etc_files(const char *hostname, const struct net_result *r) {
  char *hosts = xasprintf("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                          "%s\t%s\n",
                          r->address[0] ? r->address : "127.0.1.1", hostname);
  write_etc("hosts", hosts);
  free(hosts);
  if (!r->dns.n) return;
  size_t cap = 64;
  for (size_t i = 0; i < r->dns.n; i++) cap += strlen(r->dns.v[i]) + 16;
  for (size_t i = 0; i < r->search.n; i++) cap += strlen(r->search.v[i]) + 16;
  char *resolv = xmalloc(cap);
  size_t at = 0;
  if (r->search.n) {
    at += sprintf(resolv + at, "search");
    for (size_t i = 0; i < r->search.n; i++) at += sprintf(resolv + at, " %s", r->search.v[i]);
    at += sprintf(resolv + at, "\n");
  }
  for (size_t i = 0; i < r->dns.n; i++) at += sprintf(resolv + at, "nameserver %s\n", r->dns.v[i]);
  write_etc("resolv.conf", resolv);
  free(resolv);
}
