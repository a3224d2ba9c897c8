/*
 * PID 1's duties once the app runs: forward signals to it, reap every zombie,
 * and when it exits stop the rest, sync, print "oci2vm: exit status N" and
 * power off. PID 1 must never return: the kernel panics if it does.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#define GRACE_MS 2000

static const int forwarded[] = {SIGTERM, SIGINT, SIGHUP, SIGUSR1, SIGUSR2, SIGQUIT, SIGPWR};
static volatile sig_atomic_t pending[_NSIG];

static void on_signal(int sig) { pending[sig] = 1; }

/* Blocks the signals we handle; they are delivered only inside ppoll(2). Call first thing. */
void signals_setup(void) {
  sigset_t set;
  sigemptyset(&set);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaddset(&set, forwarded[i]);
  sigaddset(&set, SIGCHLD);
  sigprocmask(SIG_BLOCK, &set, NULL);
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_signal;
  sigfillset(&sa.sa_mask);
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaction(forwarded[i], &sa, NULL);
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, NULL);
}

static int decode_status(int st) {
  if (WIFEXITED(st)) return WEXITSTATUS(st);
  if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
  return 255;
}

/* 0 if PATH can be executed, else the errno execve would most likely give. */
static int check_program(const char *path) {
  struct stat st;
  if (stat(path, &st) < 0) return errno;
  if (!S_ISREG(st.st_mode)) return EACCES;
  if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0) return errno;
  return 0;
}

/* execvp's search, but with the app's PATH rather than ours. */
static int find_program(const char *name, char *const *envp, char **out) {
  if (strchr(name, '/')) {
    *out = xstrdup(name);
    return check_program(name);
  }
  const char *path = DEFAULT_PATH;
  for (char *const *e = envp; *e; e++) {
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  }
  int seen_eacces = 0;
  for (const char *p = path;; p++) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    char *cand = len ? xasprintf("%.*s/%s", (int)len, p, name) : xstrdup(name);
    int err = check_program(cand);
    if (err == 0) {
      *out = cand;
      return 0;
    }
    free(cand);
    if (err == EACCES) seen_eacces = 1;
    if (!colon) break;
    p = colon;
  }
  *out = xstrdup(name);
  return seen_eacces ? EACCES : ENOENT;
}

static void __attribute__((noreturn)) run_child(const struct app *app) {
  struct sigaction dfl;
  memset(&dfl, 0, sizeof dfl);
  dfl.sa_handler = SIG_DFL;
  for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) sigaction(forwarded[i], &dfl, NULL);
  sigaction(SIGCHLD, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  setsid(); /* its own session and process group; the console is not its controlling tty */

  for (size_t i = 0; i < app->nrlimits; i++) { /* before setuid: raising a hard limit needs root */
    const struct rlimit_entry *r = &app->rlimits[i];
    struct rlimit rl = {r->soft, r->hard};
    if (setrlimit(r->resource, &rl) < 0) warn("cannot set rlimit %s: %s", r->name, strerror(errno));
  }
  int cwd_err = chdir(app->workdir) < 0 ? errno : 0;
  gid_t *groups = xmalloc((app->ids.ngroups + 1) * sizeof *groups);
  for (size_t i = 0; i < app->ids.ngroups; i++) groups[i] = (gid_t)app->ids.groups[i];
  if (setgroups(app->ids.ngroups, groups) < 0 || setgid((gid_t)app->ids.gid) < 0 ||
      setuid((uid_t)app->ids.uid) < 0) {
    say("cannot run as %lu:%lu: %s", app->ids.uid, app->ids.gid, strerror(errno));
    _exit(STATUS_CANNOT_EXEC);
  }
  if (cwd_err && chdir(app->workdir) < 0) { /* it may be readable by the user only */
    say("cannot change directory to %s: %s", app->workdir, strerror(errno));
    _exit(STATUS_CANNOT_EXEC);
  }
  char *path;
  int err = find_program(app->argv[0], app->envp, &path);
  if (err) {
    say("cannot run %s: %s", app->argv[0], strerror(err));
    _exit(err == ENOENT || err == ENOTDIR ? STATUS_NOT_FOUND : STATUS_CANNOT_EXEC);
  }
  say("starting %s", path);
  execve(path, app->argv, app->envp);
  err = errno;
  if (err == ENOENT) {
    /* the file is there (we checked): its ELF interpreter or #! interpreter is not */
    say("cannot run %s: %s (its interpreter is missing)", path, strerror(err));
    _exit(STATUS_NOT_FOUND);
  }
  say("cannot run %s: %s", path, strerror(err));
  _exit(STATUS_CANNOT_EXEC);
}

int supervise(const struct app *app, const struct power_watch *pw) {
  pid_t pid = fork();
  if (pid < 0) fatal(STATUS_SETUP_FAILED, "cannot fork: %s", strerror(errno));
  if (pid == 0) run_child(app);
  debug("app is pid %d", (int)pid);

  struct pollfd pfd[POWER_MAX_FDS];
  for (int i = 0; i < pw->n; i++) pfd[i] = (struct pollfd){pw->fds[i], POLLIN, 0};
  sigset_t none;
  sigemptyset(&none);
  int status = -1;
  for (;;) {
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++) {
      int sig = forwarded[i];
      if (!pending[sig]) continue;
      pending[sig] = 0;
      int to = sig == SIGPWR ? SIGTERM : sig;
      debug("forwarding signal %d to the app", to);
      kill(pid, to);
    }
    if (pending[SIGCHLD]) {
      pending[SIGCHLD] = 0;
      int st;
      pid_t w;
      while ((w = waitpid(-1, &st, WNOHANG)) > 0) {
        if (w == pid) status = decode_status(st);
        else debug("reaped pid %d", (int)w);
      }
    }
    if (status >= 0) return status;
    if (ppoll(pfd, pw->n, NULL, &none) <= 0) continue;
    for (int i = 0; i < pw->n; i++) {
      if (pfd[i].revents & (POLLERR | POLLNVAL | POLLHUP)) pfd[i].fd = -1;
      if ((pfd[i].revents & POLLIN) && power_watch_pressed(pw, i)) {
        say("power button: sending SIGTERM to the app");
        kill(pid, SIGTERM);
      }
    }
  }
}

/* Reaps until no child is left or TIMEOUT_MS passes; 1 if none is left. */
static int reap_all(long timeout_ms) {
  long long deadline = now_ms() + timeout_ms;
  sigset_t none;
  sigemptyset(&none);
  for (;;) {
    pid_t w = waitpid(-1, NULL, WNOHANG);
    if (w > 0) continue;
    if (w < 0 && errno == ECHILD) return 1;
    long long left = deadline - now_ms();
    if (left <= 0) return 0;
    struct timespec ts = {0, (left > 20 ? 20 : left) * 1000000L};
    ppoll(NULL, 0, &ts, &none);
  }
}

void shutdown_vm(int status) {
  if (kill(-1, SIGTERM) == 0) {
    kill(-1, SIGCONT);
    if (!reap_all(GRACE_MS)) {
      debug("processes left after %d ms: SIGKILL", GRACE_MS);
      kill(-1, SIGKILL);
      reap_all(GRACE_MS);
    }
  } else {
    reap_all(0);
  }
  sync();
  struct statfs sfs;
  if (statfs("/", &sfs) == 0 && sfs.f_type != 0x858458f6 /* ramfs */ &&
      sfs.f_type != 0x01021994 /* tmpfs */) {
    mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY, NULL); /* a clean journal on a disk root */
  }
  say("exit status %d", status);
  /*
   * Without ACPI (QEMU microvm, Firecracker) the kernel cannot power off and
   * would halt forever; a reboot is what those VMMs (and -no-reboot) end on.
   */
  struct stat st;
  int no_acpi = stat("/sys/firmware", &st) == 0 && stat("/sys/firmware/acpi", &st) < 0;
  reboot(no_acpi ? RB_AUTOBOOT : RB_POWER_OFF);
  reboot(RB_AUTOBOOT);
  for (;;) pause();
}

void fatal(int status, const char *fmt, ...) {
  char buf[900];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  say("%s", buf);
  shutdown_vm(status);
}
