/*
 * The ACPI power button (QEMU's system_powerdown) without acpid.
 *
 * The ACPI "button" driver (button.ko, a module on Debian's cloud kernel)
 * turns the fixed power-button event into both an input key (KEY_POWER) and
 * an ACPI netlink event. We listen on the generic-netlink family "acpi_event"
 * (multicast group "acpi_mc_group"), which the kernel registers at boot
 * whenever ACPI is on, so no evdev module and no /dev/input are needed. If
 * that family is missing we fall back to evdev devices named "Power Button".
 * Without the button driver loaded nothing reports the press at all.
 *
 * The netlink structures are declared here (they are ABI) so that the build
 * needs no kernel headers next to musl's.
 */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef NETLINK_GENERIC
#define NETLINK_GENERIC 16
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif
#define NETLINK_ADD_MEMBERSHIP_ 1
#define NLM_F_REQUEST_ 1
#define NLMSG_ERROR_ 2
#define GENL_ID_CTRL_ 0x10
#define CTRL_CMD_GETFAMILY_ 3
#define CTRL_ATTR_FAMILY_ID_ 1
#define CTRL_ATTR_FAMILY_NAME_ 2
#define CTRL_ATTR_MCAST_GROUPS_ 7
#define CTRL_ATTR_MCAST_GRP_NAME_ 1
#define CTRL_ATTR_MCAST_GRP_ID_ 2
#define ACPI_GENL_ATTR_EVENT_ 1

struct nl_hdr {
  uint32_t len;
  uint16_t type, flags;
  uint32_t seq, pid;
};
struct genl_hdr {
  uint8_t cmd, version;
  uint16_t reserved;
};
struct nl_attr {
  uint16_t len, type;
};
#define NLA_ALIGN_(n) (((n) + 3u) & ~3u)

struct sockaddr_nl_ {
  uint16_t family, pad;
  uint32_t pid, groups;
};

enum { KIND_GENL = 1, KIND_EVDEV = 2 };

/* Finds the multicast group id of GROUP inside a CTRL_ATTR_MCAST_GROUPS attribute. */
static int find_group(const uint8_t *p, size_t len, const char *group) {
  for (size_t off = 0; off + sizeof(struct nl_attr) <= len;) {
    const struct nl_attr *grp = (const void *)(p + off);
    if (grp->len < sizeof *grp || off + grp->len > len) break;
    const uint8_t *q = (const uint8_t *)(grp + 1);
    size_t qlen = grp->len - sizeof *grp;
    const char *name = NULL;
    uint32_t id = 0;
    int have_id = 0;
    for (size_t o = 0; o + sizeof(struct nl_attr) <= qlen;) {
      const struct nl_attr *a = (const void *)(q + o);
      if (a->len < sizeof *a || o + a->len > qlen) break;
      const void *data = a + 1;
      if (a->type == CTRL_ATTR_MCAST_GRP_NAME_) name = data;
      if (a->type == CTRL_ATTR_MCAST_GRP_ID_ && a->len >= sizeof *a + 4) {
        memcpy(&id, data, 4);
        have_id = 1;
      }
      o += NLA_ALIGN_(a->len);
    }
    if (name && have_id && strcmp(name, group) == 0) return (int)id;
    off += NLA_ALIGN_(grp->len);
  }
  return -1;
}

static int genl_open(void) {
  int s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
  if (s < 0) return -1;
  struct sockaddr_nl_ sa = {.family = AF_NETLINK};
  if (bind(s, (struct sockaddr *)&sa, sizeof sa) < 0) goto fail;

  struct {
    struct nl_hdr n;
    struct genl_hdr g;
    struct nl_attr a;
    char name[12];
  } req;
  memset(&req, 0, sizeof req);
  req.n.len = sizeof req;
  req.n.type = GENL_ID_CTRL_;
  req.n.flags = NLM_F_REQUEST_;
  req.n.seq = 1;
  req.g.cmd = CTRL_CMD_GETFAMILY_;
  req.g.version = 1;
  req.a.type = CTRL_ATTR_FAMILY_NAME_;
  req.a.len = sizeof req.a + sizeof "acpi_event";
  strcpy(req.name, "acpi_event");
  struct sockaddr_nl_ kernel = {.family = AF_NETLINK};
  if (sendto(s, &req, sizeof req, 0, (struct sockaddr *)&kernel, sizeof kernel) < 0) goto fail;

  static uint8_t buf[8192];
  ssize_t n = recv(s, buf, sizeof buf, 0);
  if (n < (ssize_t)(sizeof(struct nl_hdr) + sizeof(struct genl_hdr))) goto fail;
  const struct nl_hdr *h = (const void *)buf;
  if (h->type == NLMSG_ERROR_) {
    errno = ENOENT; /* no such family: no ACPI */
    goto fail;
  }
  int group = -1;
  size_t end = h->len < (size_t)n ? h->len : (size_t)n;
  for (size_t off = sizeof *h + sizeof(struct genl_hdr); off + sizeof(struct nl_attr) <= end;) {
    const struct nl_attr *a = (const void *)(buf + off);
    if (a->len < sizeof *a || off + a->len > end) break;
    if (a->type == CTRL_ATTR_MCAST_GROUPS_) {
      group = find_group((const uint8_t *)(a + 1), a->len - sizeof *a, "acpi_mc_group");
    }
    off += NLA_ALIGN_(a->len);
  }
  if (group < 0) {
    errno = ENOENT;
    goto fail;
  }
  if (setsockopt(s, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP_, &group, sizeof group) < 0) goto fail;
  fcntl(s, F_SETFL, O_NONBLOCK);
  return s;
fail:;
  int e = errno;
  close(s);
  errno = e;
  return -1;
}

static void evdev_open(struct power_watch *pw) {
  DIR *d = opendir("/dev/input");
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d)) && pw->n < POWER_MAX_FDS) {
    if (strncmp(e->d_name, "event", 5) != 0) continue;
    char path[300], name[64] = {0};
    snprintf(path, sizeof path, "/dev/input/%s", e->d_name);
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) continue;
    /* EVIOCGNAME(len) = _IOC(_IOC_READ, 'E', 0x06, len) */
    if (ioctl(fd, (2u << 30) | ((unsigned)sizeof name << 16) | ('E' << 8) | 0x06, name) < 0 ||
        strncmp(name, "Power Button", 12) != 0) {
      close(fd);
      continue;
    }
    debug("power button: listening on %s (%s)", path, name);
    pw->fds[pw->n] = fd;
    pw->kinds[pw->n++] = KIND_EVDEV;
  }
  closedir(d);
}

void power_watch_open(struct power_watch *pw) {
  memset(pw, 0, sizeof *pw);
  int s = genl_open();
  if (s >= 0) {
    debug("power button: listening on ACPI netlink events");
    pw->fds[0] = s;
    pw->kinds[0] = KIND_GENL;
    pw->n = 1;
    return;
  }
  debug("power button: no ACPI netlink events (%s); trying evdev", strerror(errno));
  evdev_open(pw);
}

int power_watch_pressed(const struct power_watch *pw, int index) {
  int fd = pw->fds[index], pressed = 0;
  static uint8_t buf[4096];
  ssize_t n;
  while ((n = read(fd, buf, sizeof buf)) > 0) {
    if (pw->kinds[index] == KIND_EVDEV) {
      /* struct input_event on 64-bit: timeval (16), u16 type, u16 code, s32 value */
      for (ssize_t off = 0; off + 24 <= n; off += 24) {
        uint16_t type, code;
        int32_t value;
        memcpy(&type, buf + off + 16, 2);
        memcpy(&code, buf + off + 18, 2);
        memcpy(&value, buf + off + 20, 4);
        if (type == 1 /* EV_KEY */ && code == 116 /* KEY_POWER */ && value == 1) pressed = 1;
      }
      continue;
    }
    for (size_t off = 0; off + sizeof(struct nl_hdr) <= (size_t)n;) {
      const struct nl_hdr *h = (const void *)(buf + off);
      if (h->len < sizeof *h || off + h->len > (size_t)n) break;
      size_t aoff = off + sizeof *h + sizeof(struct genl_hdr);
      while (aoff + sizeof(struct nl_attr) <= off + h->len) {
        const struct nl_attr *a = (const void *)(buf + aoff);
        if (a->len < sizeof *a) break;
        /* struct acpi_genl_event starts with char device_class[20] */
        if (a->type == ACPI_GENL_ATTR_EVENT_ && a->len >= sizeof *a + 20) {
          char cls[21] = {0};
          memcpy(cls, a + 1, 20);
          debug("acpi event: %s", cls);
          if (strcmp(cls, "button/power") == 0) pressed = 1;
        }
        aoff += NLA_ALIGN_(a->len);
      }
      off += NLA_ALIGN_(h->len);
    }
  }
  return pressed;
}
