/* Kernel file systems, the console, switching to a disk root, extra mounts. */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#define RAMFS_MAGIC_ 0x858458f6
#define TMPFS_MAGIC_ 0x01021994
#define DEVICE_WAIT_MS 10000
/* What mount_run_tmp copies from the image's /run and /tmp onto the fresh tmpfs. */
#define KEEP_MAX_BYTES (8L << 20)

static int mount_at(const char *src, const char *target, const char *type, unsigned long flags,
                    const char *data) {
  if (mkdir(target, 0755) < 0 && errno != EEXIST) {
    warn("cannot create %s: %s", target, strerror(errno));
    return -1;
  }
  if (mount(src, target, type, flags, data) < 0) {
    if (errno == EBUSY) return 0; /* already there */
    warn("cannot mount %s on %s: %s", type, target, strerror(errno));
    return -1;
  }
  return 0;
}

static void symlink_if_missing(const char *target, const char *path) {
  struct stat st;
  if (lstat(path, &st) == 0) return;
  if (symlink(target, path) < 0) warn("cannot create %s: %s", path, strerror(errno));
}

void mount_early(void) {
  mount_at("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_at("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
  mount_at("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");
  mount_at("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
           "mode=0620,gid=5,ptmxmode=0666");
  mount_at("shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777");
  symlink_if_missing("/proc/self/fd", "/dev/fd");
  symlink_if_missing("/proc/self/fd/0", "/dev/stdin");
  symlink_if_missing("/proc/self/fd/1", "/dev/stdout");
  symlink_if_missing("/proc/self/fd/2", "/dev/stderr");
  /* devtmpfs has a ptmx node that serves the devpts at /dev/pts; a symlink if it has not */
  symlink_if_missing("pts/ptmx", "/dev/ptmx");
}

void open_console(void) {
  int fd = open("/dev/console", O_RDWR | O_NOCTTY);
  if (fd < 0) fd = open("/dev/null", O_RDWR | O_NOCTTY);
  if (fd < 0) return; /* nowhere to write to; keep going */
  for (int i = 0; i < 3; i++) {
    if (fd != i) dup2(fd, i);
  }
  if (fd > 2) close(fd);
}

int wait_for_path(const char *path, long timeout_ms) {
  long long deadline = now_ms() + timeout_ms;
  struct stat st;
  while (stat(path, &st) < 0) {
    if (now_ms() >= deadline) return -1;
    sleep_ms(10);
  }
  return 0;
}

unsigned long mount_flags(const char *opts, char **data) {
  static const struct {
    const char *name;
    unsigned long set, clear;
  } table[] = {
      {"defaults", 0, 0},
      {"ro", MS_RDONLY, 0},
      {"rw", 0, MS_RDONLY},
      {"nosuid", MS_NOSUID, 0},
      {"suid", 0, MS_NOSUID},
      {"nodev", MS_NODEV, 0},
      {"dev", 0, MS_NODEV},
      {"noexec", MS_NOEXEC, 0},
      {"exec", 0, MS_NOEXEC},
      {"sync", MS_SYNCHRONOUS, 0},
      {"async", 0, MS_SYNCHRONOUS},
      {"dirsync", MS_DIRSYNC, 0},
      {"remount", MS_REMOUNT, 0},
      {"bind", MS_BIND, 0},
      {"rbind", MS_BIND | MS_REC, 0},
      {"noatime", MS_NOATIME, 0},
      {"atime", 0, MS_NOATIME},
      {"nodiratime", MS_NODIRATIME, 0},
      {"diratime", 0, MS_NODIRATIME},
      {"relatime", MS_RELATIME, 0},
      {"norelatime", 0, MS_RELATIME},
      {"strictatime", MS_STRICTATIME, 0},
      {"lazytime", MS_LAZYTIME, 0},
      {"silent", MS_SILENT, 0},
      {"mand", MS_MANDLOCK, 0},
      {"nomand", 0, MS_MANDLOCK},
  };
  unsigned long flags = 0;
  size_t len = opts ? strlen(opts) : 0;
  char *rest = xmalloc(len + 1);
  size_t r = 0;
  const char *p = opts;
  while (p && *p) {
    const char *comma = strchr(p, ',');
    size_t n = comma ? (size_t)(comma - p) : strlen(p);
    int known = 0;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
      if (strlen(table[i].name) == n && strncmp(table[i].name, p, n) == 0) {
        flags = (flags | table[i].set) & ~table[i].clear;
        known = 1;
        break;
      }
    }
    if (!known && n) {
      if (r) rest[r++] = ',';
      memcpy(rest + r, p, n);
      r += n;
    }
    p = comma ? comma + 1 : NULL;
  }
  rest[r] = 0;
  if (data) {
    *data = r ? rest : NULL;
    if (!r) free(rest);
  } else {
    free(rest);
  }
  return flags;
}

/* Deletes what is left of the initramfs (same device as "/" only), freeing its memory. */
static void remove_tree(int dirfd, dev_t dev, int depth, const char *skip) {
  DIR *d = fdopendir(dirfd);
  if (!d) {
    close(dirfd);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..") || (skip && !strcmp(name, skip))) continue;
    struct stat st;
    if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev) continue;
    if (S_ISDIR(st.st_mode)) {
      if (depth < 64) {
        int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (fd >= 0) remove_tree(fd, dev, depth + 1, NULL);
      }
      unlinkat(dirfd, name, AT_REMOVEDIR);
    } else {
      unlinkat(dirfd, name, 0);
    }
  }
  closedir(d);
}

/* Formats the ext2/3/4 UUID of the filesystem on DEV into OUT (37 bytes); -1 if none. */
static int ext_uuid(const char *dev, char out[37]) {
  /* O_NONBLOCK: an empty CD-ROM drive must neither block the search nor close its tray */
  int fd = open(dev, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) return -1;
  unsigned char sb[256];
  ssize_t n = pread(fd, sb, sizeof sb, 1024);
  close(fd);
  if (n != (ssize_t)sizeof sb || sb[0x38] != 0x53 || sb[0x39] != 0xef) return -1;
  const unsigned char *u = sb + 0x68;
  snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", u[0],
           u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10], u[11], u[12], u[13], u[14],
           u[15]);
  return 0;
}

/* Looks through every block device for an ext filesystem with UUID; the device path or NULL. */
static char *find_by_uuid(const char *uuid) {
  DIR *d = opendir("/sys/class/block");
  if (!d) return NULL;
  char *found = NULL;
  struct dirent *e;
  while (!found && (e = readdir(d)) != NULL) {
    if (e->d_name[0] == '.') continue;
    char *dev = xasprintf("/dev/%s", e->d_name);
    char got[37];
    if (ext_uuid(dev, got) == 0 && strcasecmp(got, uuid) == 0) {
      found = dev;
    } else {
      free(dev);
    }
  }
  closedir(d);
  return found;
}

/* Resolves root= (a device path or UUID=...) to a device path, waiting for it to appear. */
static char *wait_for_root(const char *spec) {
  if (strncmp(spec, "UUID=", 5) == 0) {
    const char *uuid = spec + 5;
    debug("waiting for a filesystem with UUID %s", uuid);
    long long deadline = now_ms() + DEVICE_WAIT_MS;
    for (;;) {
      char *dev = find_by_uuid(uuid);
      if (dev) return dev;
      if (now_ms() >= deadline) break;
      sleep_ms(10);
    }
    fatal(STATUS_SETUP_FAILED,
          "no disk with a filesystem of UUID %s appeared within %d s (is the disk attached, and "
          "its driver in module=?)",
          uuid, DEVICE_WAIT_MS / 1000);
  }
  if (spec[0] != '/') {
    fatal(STATUS_SETUP_FAILED,
          "root=%s: give a device path (like /dev/vda) or UUID=<filesystem uuid>", spec);
  }
  debug("waiting for %s", spec);
  if (wait_for_path(spec, DEVICE_WAIT_MS) < 0) {
    fatal(STATUS_SETUP_FAILED, "root device %s did not appear within %d s (is its driver in module=?)",
          spec, DEVICE_WAIT_MS / 1000);
  }
  return xstrdup(spec);
}

void switch_root(const struct config *c) {
  char *dev = wait_for_root(c->root);
  char *data = NULL;
  unsigned long flags = mount_flags(c->rootflags, &data);
  const char *type = c->rootfstype ? c->rootfstype : "ext4";
  mkdir("/newroot", 0755);
  if (mount(dev, "/newroot", type, flags, data) < 0) {
    fatal(STATUS_SETUP_FAILED, "cannot mount root %s (%s) on /newroot: %s", dev, type,
          strerror(errno));
  }
  free(data);
  debug("mounted %s on /newroot", dev);

  static const char *moved[] = {"/dev", "/proc", "/sys"};
  for (size_t i = 0; i < sizeof moved / sizeof moved[0]; i++) {
    char *target = xasprintf("/newroot%s", moved[i]);
    mkdir(target, 0755);
    if (mount(moved[i], target, NULL, MS_MOVE, NULL) < 0) {
      warn("cannot move %s to the new root: %s", moved[i], strerror(errno));
      umount2(moved[i], MNT_DETACH);
    }
    free(target);
  }

  struct stat root_st;
  struct statfs sfs;
  if (stat("/", &root_st) == 0 && statfs("/", &sfs) == 0 &&
      (sfs.f_type == RAMFS_MAGIC_ || sfs.f_type == TMPFS_MAGIC_)) {
    int fd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) remove_tree(fd, root_st.st_dev, 0, "newroot");
  }

  if (chdir("/newroot") < 0 || mount(".", "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
      chdir("/") < 0) {
    fatal(STATUS_SETUP_FAILED, "cannot switch to the root on %s: %s", dev, strerror(errno));
  }
  debug("switched root to %s", dev);
  free(dev);
}

/* Copies the tree under FROM (a directory fd) into TO, within *budget bytes of file data. */
static void copy_tree(int from, int to, dev_t dev, long *budget, int depth) {
  int dupfd = dup(from);
  DIR *d = dupfd >= 0 ? fdopendir(dupfd) : NULL;
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *name = e->d_name;
    if (!strcmp(name, ".") || !strcmp(name, "..")) continue;
    struct stat st;
    if (fstatat(from, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || st.st_dev != dev) continue;
    if (S_ISDIR(st.st_mode)) {
      if (depth >= 32) continue;
      mkdirat(to, name, st.st_mode & 07777);
      int a = openat(from, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      int b = openat(to, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
      if (a >= 0 && b >= 0) {
        copy_tree(a, b, dev, budget, depth + 1);
        fchown(b, st.st_uid, st.st_gid);
        fchmod(b, st.st_mode & 07777);
      }
      if (a >= 0) close(a);
      if (b >= 0) close(b);
    } else if (S_ISLNK(st.st_mode)) {
      char target[4096];
      ssize_t n = readlinkat(from, name, target, sizeof target - 1);
      if (n < 0) continue;
      target[n] = 0;
      if (symlinkat(target, to, name) == 0) fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
    } else if (S_ISREG(st.st_mode)) {
      if (st.st_size > *budget) {
        warn("not copying %s (%lld bytes) onto the new tmpfs: over the %ld MiB limit", name,
             (long long)st.st_size, KEEP_MAX_BYTES >> 20);
        continue;
      }
      int a = openat(from, name, O_RDONLY | O_CLOEXEC);
      int b = openat(to, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
      if (a >= 0 && b >= 0) {
        char buf[16384];
        ssize_t n;
        while ((n = read(a, buf, sizeof buf)) > 0 && write(b, buf, n) == n) *budget -= n;
        fchown(b, st.st_uid, st.st_gid);
        fchmod(b, st.st_mode & 07777);
      }
      if (a >= 0) close(a);
      if (b >= 0) close(b);
    } else if (S_ISFIFO(st.st_mode)) {
      if (mkfifoat(to, name, st.st_mode & 07777) == 0) {
        fchownat(to, name, st.st_uid, st.st_gid, AT_SYMLINK_NOFOLLOW);
      }
    }
  }
  closedir(d);
}

/*
 * A tmpfs on DIR. What the image has there stays visible: it is copied onto
 * the tmpfs (Debian images have /run/lock, and /var/lock points into it).
 */
static void mount_tmpfs_keeping(const char *dir, const char *mode) {
  if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
    warn("cannot create %s: %s; no tmpfs there", dir, strerror(errno));
    return;
  }
  struct stat st;
  int old = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (old >= 0 && fstat(old, &st) < 0) {
    close(old);
    old = -1;
  }
  char *data = xasprintf("mode=%s", mode);
  int rc = mount("tmpfs", dir, "tmpfs", MS_NOSUID | MS_NODEV, data);
  free(data);
  if (rc < 0) {
    warn("cannot mount tmpfs on %s: %s", dir, strerror(errno));
  } else if (old >= 0) {
    int fresh = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    long budget = KEEP_MAX_BYTES;
    if (fresh >= 0) {
      copy_tree(old, fresh, st.st_dev, &budget, 0);
      close(fresh);
    }
  }
  if (old >= 0) close(old);
}

void mount_run_tmp(void) {
  mount_tmpfs_keeping("/run", "0755");
  mount_tmpfs_keeping("/tmp", "1777");
}

void mount_extra(const struct config *c) {
  for (size_t i = 0; i < c->nmounts; i++) {
    const struct mount_entry *m = &c->mounts[i];
    char *data = NULL;
    unsigned long flags = mount_flags(m->options, &data);
    const char *type = m->fstype;
    if (flags & MS_BIND || !strcmp(type, "bind") || !strcmp(type, "none")) type = NULL;
    if (!strcmp(m->fstype, "bind")) flags |= MS_BIND;
    if (!strncmp(m->source, "/dev/", 5) && wait_for_path(m->source, DEVICE_WAIT_MS) < 0) {
      fatal(STATUS_SETUP_FAILED, "mount: device %s did not appear within %d s", m->source,
            DEVICE_WAIT_MS / 1000);
    }
    struct stat st;
    int file_target = (flags & MS_BIND) && stat(m->source, &st) == 0 && !S_ISDIR(st.st_mode);
    if (file_target) {
      char *parent = xstrdup(m->target);
      char *slash = strrchr(parent, '/');
      if (slash && slash != parent) {
        *slash = 0;
        mkdir_p(parent, 0755);
      }
      free(parent);
      int fd = open(m->target, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
      if (fd >= 0) close(fd);
    } else if (mkdir_p(m->target, 0755) < 0) {
      fatal(STATUS_SETUP_FAILED, "mount: cannot create %s: %s", m->target, strerror(errno));
    }
    if (mount(m->source, m->target, type, flags & ~(MS_REMOUNT), data) < 0) {
      fatal(STATUS_SETUP_FAILED, "cannot mount %s on %s: %s", m->source, m->target,
            strerror(errno));
    }
    /* A bind mount ignores ro and the like until it is remounted. */
    if ((flags & MS_BIND) && (flags & ~(MS_BIND | MS_REC))) {
      if (mount(NULL, m->target, NULL, MS_REMOUNT | MS_BIND | (flags & ~MS_REC), NULL) < 0) {
        warn("cannot remount %s with %s: %s", m->target, m->options, strerror(errno));
      }
    }
    debug("mounted %s on %s", m->source, m->target);
    free(data);
  }
}
