/* Kernel modules, loaded in the order the config lists them (dependencies first). */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

void load_modules(const struct strv *modules) {
  for (size_t i = 0; i < modules->n; i++) {
    const char *path = modules->v[i];
    int optional = path[0] == '?';
    if (optional) path++;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      warn("cannot open module %s: %s", path, strerror(errno));
      continue;
    }
    long long t0 = now_ms();
    if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST) {
      if (optional) {
        debug("optional module %s not loaded: %s", path, strerror(errno));
      } else {
        warn("cannot load module %s: %s", path, strerror(errno));
      }
    } else {
      debug("loaded %s in %lld ms", path, now_ms() - t0);
    }
    close(fd);
  }
}
