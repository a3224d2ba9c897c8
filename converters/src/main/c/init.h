/*
 * oci2vm-init: the PID 1 of an oci2vm microVM. Shared declarations.
 *
 * The binary is static (musl) and uses nothing from the image: it mounts the
 * kernel file systems, loads modules, optionally switches to a disk root,
 * configures the network, then runs the image's Entrypoint+Cmd as its only
 * child, forwards signals to it, reaps zombies, and powers the VM off with
 * the app's exit status printed as "oci2vm: exit status N".
 */
#ifndef OCI2VM_INIT_H
#define OCI2VM_INIT_H

#define _GNU_SOURCE
#include <stddef.h>
#include <sys/resource.h>
#include <sys/types.h>

#define INIT_CONF_PATH "/oci2vm/init.conf"
#define CONF_VERSION 1

/* Exit statuses of our own, printed when the app could not be started. */
#define STATUS_SETUP_FAILED 125 /* like `docker run` when the container cannot start */
#define STATUS_CANNOT_EXEC 126
#define STATUS_NOT_FOUND 127

#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

/* ---- util.c ------------------------------------------------------------ */

extern int g_debug;

/* "oci2vm: MESSAGE" on the console, in one write(2). */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable NULL-terminated vector of owned strings. */
struct strv {
  char **v;
  size_t n, cap;
};
void strv_push(struct strv *s, char *owned);
void strv_clear(struct strv *s);
void strv_remove(struct strv *s, size_t i);

/* Reads a whole file (NUL-terminated); NULL with errno set on failure. */
char *read_text_file(const char *path, size_t max, size_t *len_out);
/* Creates or truncates PATH and writes DATA; -1 with errno set on failure. */
int write_text_file(const char *path, const char *data, mode_t mode);
int mkdir_p(const char *path, mode_t mode);
double uptime_seconds(void);
/* Milliseconds on CLOCK_MONOTONIC. */
long long now_ms(void);
void sleep_ms(long ms);
int parse_uint(const char *s, unsigned long max, unsigned long *out);

/* ---- conf.c (pure: no system calls besides allocation) ------------------ */

enum net_mode { NET_STATIC, NET_DHCP, NET_NONE };

struct rlimit_entry {
  int resource;
  char *name;
  rlim_t soft, hard;
};

struct mount_entry {
  char *source, *target, *fstype, *options; /* options NULL for "-" */
};

struct config {
  int version;
  char *hostname;
  struct strv entrypoint, cmd, env, modules, dns, search;
  char *workdir;
  int has_uid, has_gid, has_groups;
  unsigned long uid, gid;
  unsigned long *groups;
  size_t ngroups;
  char *user; /* a USER spec to resolve in the final root, if any */
  enum net_mode net;
  char *address; /* "A.B.C.D" or "A.B.C.D/PREFIX" */
  char *netmask; /* from ip=, when not given as a prefix */
  char *gateway;
  char *netdev; /* from ip=; default: the first non-lo NIC */
  struct rlimit_entry *rlimits;
  size_t nrlimits;
  struct mount_entry *mounts;
  size_t nmounts;
  char *root, *rootfstype, *rootflags;
  int debug;
  int warnings; /* how many lines were ignored or malformed */
};

void config_init(struct config *c);
/* Decodes \\ \n \t \xHH; an unknown escape is kept as written (counted in *bad). */
char *unescape(const char *in, size_t len, int *bad);
/* The inverse, for --print-config; SPACES also escapes ' ' (multi-field values). */
char *escape(const char *in, int spaces);
/* Parses init.conf text; warnings go through warn() with ORIGIN and line number. */
void config_parse(struct config *c, const char *text, const char *origin);
/* Splits a kernel command line on blanks outside double quotes, removing the quotes (no escapes). */
void cmdline_split(const char *text, struct strv *out);
/* Applies oci2vm.* / ip= / root= tokens of the kernel command line. */
void config_apply_cmdline(struct config *c, const struct strv *tokens);
/* Prints the configuration in init.conf form (canonical, for tests). */
void config_print(const struct config *c, int fd);
int rlimit_by_name(const char *name);
/* Sets *value to the value of KEY in ENV ("KEY=VALUE" strings) or NULL; returns its index or -1. */
long env_find(const struct strv *env, const char *key, const char **value);
void env_set(struct strv *env, const char *key, const char *value);

/* ---- users.c ------------------------------------------------------------ */

struct ids {
  unsigned long uid, gid;
  unsigned long *groups;
  size_t ngroups;
  char *home; /* from passwd, or NULL */
};

/* Resolves "user", "user:group", "uid", "uid:gid" as runc does, with the
 * given passwd and group files; on failure returns -1 with a message in ERR. */
int resolve_user(const char *spec, const char *passwd_path, const char *group_path,
                 struct ids *out, char *err, size_t errlen);

/* ---- mounts.c ----------------------------------------------------------- */

void mount_early(void);
void open_console(void);
/* Waits for ROOT, mounts it on /newroot and makes it "/". Exits on failure. */
void switch_root(const struct config *c);
void mount_run_tmp(void);
void mount_extra(const struct config *c);
/* Parses comma-separated mount options into flags and leftover data. */
unsigned long mount_flags(const char *opts, char **data);
/* Waits up to TIMEOUT_MS for PATH to exist; 0 if it does. */
int wait_for_path(const char *path, long timeout_ms);

/* ---- modules.c ---------------------------------------------------------- */

void load_modules(const struct strv *modules);

/* ---- net.c -------------------------------------------------------------- */

struct net_result {
  char ifname[16];
  char address[16]; /* dotted quad, empty when none */
  struct strv dns, search;
};
void net_setup(const struct config *c, struct net_result *r);
void write_etc_files(const char *hostname, const struct net_result *r);

/* ---- power.c ------------------------------------------------------------ */

#define POWER_MAX_FDS 8
struct power_watch {
  int fds[POWER_MAX_FDS];
  int kinds[POWER_MAX_FDS];
  int n;
};
void power_watch_open(struct power_watch *pw);
/* Drains FD; returns 1 if a power-button press was among what it read. */
int power_watch_pressed(const struct power_watch *pw, int index);

/* ---- supervise.c -------------------------------------------------------- */

struct app {
  char **argv; /* NULL-terminated */
  char **envp;
  const char *workdir;
  struct ids ids;
  const struct rlimit_entry *rlimits; /* set in the app only: PID 1 keeps its own */
  size_t nrlimits;
};
/* Blocks the handled signals; they are only delivered inside ppoll(2). Call first. */
void signals_setup(void);
/* Runs the app, supervises it as PID 1; returns its exit status (or 128+signal). */
int supervise(const struct app *app, const struct power_watch *pw);
/* Stops what is left, syncs, prints the status and powers off. Never returns. */
void shutdown_vm(int status) __attribute__((noreturn));
/* Prints the message and powers off with STATUS. */
void fatal(int status, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));

#endif
