/*
 * oci2vm-init's entry point: the boot sequence as PID 1, or a small tool
 * (--print-config) when run as anything else, so that the converter's tests
 * can check what they write against the real parser.
 */
#include "init.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONF_MAX_BYTES (4 << 20)

static void read_config(struct config *c, const char *path, const char *cmdline_text) {
  config_init(c);
  char *text = read_text_file(path, CONF_MAX_BYTES, NULL);
  if (text) {
    config_parse(c, text, path);
    free(text);
  } else {
    warn("cannot read %s: %s", path, strerror(errno));
    c->warnings++;
  }
  if (cmdline_text) {
    struct strv tokens = {0};
    cmdline_split(cmdline_text, &tokens);
    config_apply_cmdline(c, &tokens);
    strv_clear(&tokens);
    free(tokens.v);
  }
}

static int tool_main(int argc, char **argv) {
  if (argc >= 3 && strcmp(argv[1], "--print-config") == 0) {
    struct config c;
    read_config(&c, argv[2], argc >= 4 ? argv[3] : NULL);
    config_print(&c, 1);
    return c.warnings ? 1 : 0;
  }
  if (argc == 2 && strcmp(argv[1], "--version") == 0) {
    printf("oci2vm-init config version %d\n", CONF_VERSION);
    return 0;
  }
  fprintf(stderr,
          "usage: oci2vm-init runs as PID 1 of an oci2vm VM; otherwise:\n"
          "  oci2vm-init --print-config INIT.CONF [KERNEL-CMDLINE]\n"
          "  oci2vm-init --version\n");
  return 2;
}

static void resolve_ids(const struct config *c, struct ids *ids) {
  char err[256];
  if (c->user) {
    if (resolve_user(c->user, "/etc/passwd", "/etc/group", ids, err, sizeof err) < 0) {
      fatal(STATUS_SETUP_FAILED, "%s", err);
    }
    return;
  }
  char spec[32];
  snprintf(spec, sizeof spec, "%lu", c->has_uid ? c->uid : 0);
  /* always succeeds for a number; gives HOME and, without gid=/groups=, runc's defaults */
  resolve_user(spec, "/etc/passwd", "/etc/group", ids, err, sizeof err);
  if (c->has_gid) ids->gid = c->gid;
  if (c->has_groups || c->has_gid) {
    free(ids->groups);
    ids->groups = NULL;
    ids->ngroups = 0;
    if (c->has_groups) {
      ids->groups = xmalloc((c->ngroups + 1) * sizeof *ids->groups);
      memcpy(ids->groups, c->groups, c->ngroups * sizeof *ids->groups);
      ids->ngroups = c->ngroups;
    }
  }
}

int main(int argc, char **argv) {
  if (getpid() != 1) return tool_main(argc, argv);

  signals_setup();
  umask(022);
  mount_early();
  open_console();

  struct config c;
  char *cmdline = read_text_file("/proc/cmdline", 1 << 16, NULL);
  read_config(&c, INIT_CONF_PATH, cmdline);
  free(cmdline);
  g_debug = c.debug;
  debug("oci2vm-init (config version %d) is running", CONF_VERSION);

  load_modules(&c.modules);
  /* console=hvc0 (virtio_console, a module) only has a driver now: reopen */
  if (c.modules.n) open_console();
  if (c.root) {
    switch_root(&c); /* deletes the initramfs, modules included */
  } else {
    /* our copies (never the image's files) hold RAM for nothing once loaded */
    for (size_t i = 0; i < c.modules.n; i++) {
      const char *m = c.modules.v[i] + (c.modules.v[i][0] == '?');
      if (strncmp(m, "/oci2vm/", 8) == 0) unlink(m);
    }
  }
  mount_run_tmp();
  mount_extra(&c);

  const char *hostname = c.hostname && *c.hostname ? c.hostname : "oci2vm";
  if (sethostname(hostname, strlen(hostname)) < 0) {
    warn("cannot set hostname %s: %s", hostname, strerror(errno));
  }
  struct net_result net;
  net_setup(&c, &net);
  write_etc_files(hostname, &net);

  struct power_watch pw;
  power_watch_open(&pw);

  struct app app = {0};
  app.rlimits = c.rlimits;
  app.nrlimits = c.nrlimits;
  resolve_ids(&c, &app.ids);

  struct strv argv_ = {0};
  for (size_t i = 0; i < c.entrypoint.n; i++) strv_push(&argv_, xstrdup(c.entrypoint.v[i]));
  for (size_t i = 0; i < c.cmd.n; i++) strv_push(&argv_, xstrdup(c.cmd.v[i]));
  if (!argv_.n) fatal(STATUS_NOT_FOUND, "no command: the image has no Entrypoint or Cmd");
  app.argv = argv_.v;

  /* Docker's defaults for what the image does not set */
  if (env_find(&c.env, "PATH", NULL) < 0) env_set(&c.env, "PATH", DEFAULT_PATH);
  if (env_find(&c.env, "HOSTNAME", NULL) < 0) env_set(&c.env, "HOSTNAME", hostname);
  if (env_find(&c.env, "HOME", NULL) < 0) {
    env_set(&c.env, "HOME", app.ids.home ? app.ids.home : "/");
  }
  app.envp = c.env.v;

  app.workdir = c.workdir && *c.workdir ? c.workdir : "/";
  struct stat st;
  if (stat(app.workdir, &st) < 0 && errno == ENOENT && mkdir_p(app.workdir, 0755) < 0) {
    warn("cannot create workdir %s: %s", app.workdir, strerror(errno));
  }

  debug("app: %s (%zu args) as %lu:%lu in %s", app.argv[0], argv_.n, app.ids.uid, app.ids.gid,
        app.workdir);
  shutdown_vm(supervise(&app, &pw));
}
