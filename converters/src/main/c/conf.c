/*
 * init.conf and kernel command line parsing. Pure functions (no system calls
 * besides allocation and warn()), so that the unit tests can run them on the
 * build host.
 *
 * init.conf is a line format: KEY=VALUE, '#' comments and blank lines
 * ignored, values escaped with \\ \n \t \xHH. Values with several fields
 * (rlimit, mount) are split on blanks first and each field is unescaped, so a
 * blank inside a field is written \x20.
 */
#include "init.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void config_init(struct config *c) {
  memset(c, 0, sizeof *c);
  c->net = NET_STATIC;
}

static int hexval(char ch) {
  if (ch >= '0' && ch <= '9') return ch - '0';
  if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
  if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
  return -1;
}

char *unescape(const char *in, size_t len, int *bad) {
  char *out = xmalloc(len + 1);
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    char ch = in[i];
    if (ch != '\\' || i + 1 >= len) {
      if (ch == '\\' && bad) (*bad)++; /* a lone trailing backslash */
      out[o++] = ch;
      continue;
    }
    char e = in[i + 1];
    if (e == '\\') {
      out[o++] = '\\';
      i++;
    } else if (e == 'n') {
      out[o++] = '\n';
      i++;
    } else if (e == 't') {
      out[o++] = '\t';
      i++;
    } else if (e == 'x' && i + 3 < len && hexval(in[i + 2]) >= 0 && hexval(in[i + 3]) >= 0) {
      out[o++] = (char)(hexval(in[i + 2]) * 16 + hexval(in[i + 3]));
      i += 3;
    } else {
      if (bad) (*bad)++;
      out[o++] = ch; /* keep the backslash; the next char is copied as is */
    }
  }
  out[o] = 0;
  return out;
}

char *escape(const char *in, int spaces) {
  size_t len = strlen(in);
  char *out = xmalloc(len * 4 + 1);
  size_t o = 0;
  for (size_t i = 0; i < len; i++) {
    unsigned char ch = (unsigned char)in[i];
    if (ch == '\\') {
      out[o++] = '\\';
      out[o++] = '\\';
    } else if (ch == '\n') {
      out[o++] = '\\';
      out[o++] = 'n';
    } else if (ch == '\t') {
      out[o++] = '\\';
      out[o++] = 't';
    } else if (ch < 0x20 || ch == 0x7f || (spaces && ch == ' ')) {
      o += sprintf(out + o, "\\x%02x", ch);
    } else {
      out[o++] = (char)ch;
    }
  }
  out[o] = 0;
  return out;
}

int rlimit_by_name(const char *name) {
  static const struct {
    const char *name;
    int resource;
  } table[] = {
      {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"core", RLIMIT_CORE},
      {"stack", RLIMIT_STACK},     {"memlock", RLIMIT_MEMLOCK},   {"as", RLIMIT_AS},
      {"cpu", RLIMIT_CPU},         {"data", RLIMIT_DATA},         {"fsize", RLIMIT_FSIZE},
      {"locks", RLIMIT_LOCKS},     {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
      {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
      {"rss", RLIMIT_RSS},
  };
  const char *n = name;
  if (strncmp(n, "RLIMIT_", 7) == 0) n += 7; /* accept Docker's spelling too */
  for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
    if (strcasecmp(table[i].name, n) == 0) return table[i].resource;
  }
  return -1;
}

static int parse_rlim(const char *s, rlim_t *out) {
  unsigned long v;
  if (strcmp(s, "unlimited") == 0 || strcmp(s, "infinity") == 0 || strcmp(s, "-1") == 0) {
    *out = RLIM_INFINITY;
    return 0;
  }
  if (parse_uint(s, (unsigned long)-1, &v) < 0) return -1;
  *out = v;
  return 0;
}

long env_find(const struct strv *env, const char *key, const char **value) {
  size_t klen = strlen(key);
  for (size_t i = 0; i < env->n; i++) {
    if (strncmp(env->v[i], key, klen) == 0 && env->v[i][klen] == '=') {
      if (value) *value = env->v[i] + klen + 1;
      return (long)i;
    }
  }
  if (value) *value = NULL;
  return -1;
}

void env_set(struct strv *env, const char *key, const char *value) {
  long i = env_find(env, key, NULL);
  if (i >= 0) strv_remove(env, (size_t)i);
  strv_push(env, xasprintf("%s=%s", key, value));
}

/* Splits RAW on blanks and unescapes each field; returns the field count. */
static size_t split_fields(const char *raw, char **fields, size_t max, int *bad) {
  size_t n = 0;
  const char *p = raw;
  while (*p) {
    while (*p == ' ' || *p == '\t') p++;
    if (!*p) break;
    const char *start = p;
    while (*p && *p != ' ' && *p != '\t') p++;
    if (n < max) fields[n] = unescape(start, p - start, bad);
    n++;
  }
  return n;
}

static void free_fields(char **fields, size_t n, size_t max) {
  for (size_t i = 0; i < n && i < max; i++) free(fields[i]);
}

static void set_str(char **dst, char *owned) {
  free(*dst);
  *dst = owned;
}

static int parse_groups(struct config *c, const char *v) {
  unsigned long *groups = NULL;
  size_t n = 0;
  const char *p = v;
  while (*p) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    char *num = xstrndup(p, len);
    unsigned long g;
    int ok = parse_uint(num, 0xFFFFFFFEUL, &g) == 0;
    free(num);
    if (!ok) {
      free(groups);
      return -1;
    }
    groups = xrealloc(groups, (n + 1) * sizeof *groups);
    groups[n++] = g;
    if (!comma) break;
    p = comma + 1;
  }
  free(c->groups);
  c->groups = groups;
  c->ngroups = n;
  c->has_groups = 1;
  return 0;
}

static int parse_net_mode(const char *v, enum net_mode *out) {
  if (strcmp(v, "static") == 0) *out = NET_STATIC;
  else if (strcmp(v, "dhcp") == 0) *out = NET_DHCP;
  else if (strcmp(v, "none") == 0) *out = NET_NONE;
  else return -1;
  return 0;
}

/* Applies one KEY=VALUE of init.conf; returns 0, or -1 for a malformed value, -2 for an unknown key. */
static int config_set(struct config *c, const char *key, const char *raw, int *bad) {
  size_t rawlen = strlen(raw);
  if (strcmp(key, "rlimit") == 0) {
    char *f[4];
    size_t n = split_fields(raw, f, 4, bad);
    int rc = -1;
    if (n == 3) {
      int res = rlimit_by_name(f[0]);
      rlim_t soft, hard;
      if (res >= 0 && parse_rlim(f[1], &soft) == 0 && parse_rlim(f[2], &hard) == 0) {
        /* a later line for the same resource replaces the earlier one */
        size_t i;
        for (i = 0; i < c->nrlimits && c->rlimits[i].resource != res; i++) {
        }
        if (i == c->nrlimits) {
          c->rlimits = xrealloc(c->rlimits, (c->nrlimits + 1) * sizeof *c->rlimits);
          c->nrlimits++;
        } else {
          free(c->rlimits[i].name);
        }
        c->rlimits[i] = (struct rlimit_entry){res, xstrdup(f[0]), soft, hard};
        rc = 0;
      }
    }
    free_fields(f, n, 4);
    return rc;
  }
  if (strcmp(key, "mount") == 0) {
    char *f[5];
    size_t n = split_fields(raw, f, 5, bad);
    if (n != 4) {
      free_fields(f, n, 5);
      return -1;
    }
    c->mounts = xrealloc(c->mounts, (c->nmounts + 1) * sizeof *c->mounts);
    struct mount_entry *m = &c->mounts[c->nmounts++];
    m->source = f[0];
    m->target = f[1];
    m->fstype = f[2];
    if (strcmp(f[3], "-") == 0) {
      free(f[3]);
      m->options = NULL;
    } else {
      m->options = f[3];
    }
    return 0;
  }

  char *v = unescape(raw, rawlen, bad);
  int rc = 0;
  unsigned long num;
  if (strcmp(key, "version") == 0) {
    if (parse_uint(v, 1000000, &num) < 0) rc = -1;
    else c->version = (int)num;
  } else if (strcmp(key, "hostname") == 0) {
    set_str(&c->hostname, v);
    v = NULL;
  } else if (strcmp(key, "entrypoint") == 0) {
    strv_push(&c->entrypoint, v);
    v = NULL;
  } else if (strcmp(key, "cmd") == 0) {
    strv_push(&c->cmd, v);
    v = NULL;
  } else if (strcmp(key, "env") == 0) {
    char *eq = strchr(v, '=');
    if (!eq || eq == v) {
      rc = -1;
    } else {
      *eq = 0;
      env_set(&c->env, v, eq + 1);
    }
  } else if (strcmp(key, "workdir") == 0) {
    set_str(&c->workdir, v);
    v = NULL;
  } else if (strcmp(key, "uid") == 0) {
    if (parse_uint(v, 0xFFFFFFFEUL, &num) < 0) rc = -1;
    else c->uid = num, c->has_uid = 1;
  } else if (strcmp(key, "gid") == 0) {
    if (parse_uint(v, 0xFFFFFFFEUL, &num) < 0) rc = -1;
    else c->gid = num, c->has_gid = 1;
  } else if (strcmp(key, "groups") == 0) {
    rc = parse_groups(c, v);
  } else if (strcmp(key, "user") == 0) {
    set_str(&c->user, v);
    v = NULL;
  } else if (strcmp(key, "module") == 0) {
    strv_push(&c->modules, v);
    v = NULL;
  } else if (strcmp(key, "module?") == 0) {
    /* a driver for hardware the VM may not have (Hyper-V, VMware): no warning if it cannot load */
    strv_push(&c->modules, xasprintf("?%s", v));
    free(v);
    v = NULL;
  } else if (strcmp(key, "net") == 0) {
    rc = parse_net_mode(v, &c->net);
  } else if (strcmp(key, "address") == 0) {
    set_str(&c->address, v);
    v = NULL;
  } else if (strcmp(key, "netmask") == 0) {
    set_str(&c->netmask, v);
    v = NULL;
  } else if (strcmp(key, "gateway") == 0) {
    set_str(&c->gateway, v);
    v = NULL;
  } else if (strcmp(key, "dns") == 0) {
    strv_push(&c->dns, v);
    v = NULL;
  } else if (strcmp(key, "netdev") == 0) {
    set_str(&c->netdev, v);
    v = NULL;
  } else if (strcmp(key, "root") == 0) {
    set_str(&c->root, v);
    v = NULL;
  } else if (strcmp(key, "rootfstype") == 0) {
    set_str(&c->rootfstype, v);
    v = NULL;
  } else if (strcmp(key, "rootflags") == 0) {
    set_str(&c->rootflags, v);
    v = NULL;
  } else if (strcmp(key, "debug") == 0) {
    c->debug = strcmp(v, "0") != 0;
  } else {
    rc = -2;
  }
  free(v);
  return rc;
}

void config_parse(struct config *c, const char *text, const char *origin) {
  int lineno = 0;
  const char *p = text;
  while (*p) {
    lineno++;
    const char *end = strchr(p, '\n');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    char *line = xstrndup(p, len);
    p += len + (end ? 1 : 0);
    if (len && line[len - 1] == '\r') line[--len] = 0;

    char *s = line;
    while (*s == ' ' || *s == '\t') s++;
    if (*s == 0 || *s == '#') {
      free(line);
      continue;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
      warn("%s:%d: ignored, not KEY=VALUE", origin, lineno);
      c->warnings++;
      free(line);
      continue;
    }
    *eq = 0;
    int bad = 0;
    int rc = config_set(c, s, eq + 1, &bad);
    if (rc == -2) {
      warn("%s:%d: unknown key '%s' ignored", origin, lineno, s);
      c->warnings++;
    } else if (rc < 0) {
      warn("%s:%d: malformed value for '%s' ignored", origin, lineno, s);
      c->warnings++;
    } else if (bad) {
      warn("%s:%d: bad escape in value of '%s', kept as written", origin, lineno, s);
      c->warnings++;
    }
    if (strcmp(s, "version") == 0 && rc == 0 && c->version > CONF_VERSION) {
      warn("%s: version %d is newer than this init's %d; reading it anyway", origin, c->version,
           CONF_VERSION);
    }
    free(line);
  }
}

void cmdline_split(const char *text, struct strv *out) {
  size_t len = strlen(text);
  char *tok = xmalloc(len + 1);
  size_t t = 0;
  int quoted = 0, any = 0;
  for (size_t i = 0; i <= len; i++) {
    char ch = text[i];
    if (ch == '"') {
      quoted = !quoted;
      any = 1;
      continue;
    }
    if (ch == 0 || (!quoted && (ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'))) {
      if (t || any) strv_push(out, xstrndup(tok, t));
      t = 0;
      any = 0;
      continue;
    }
    tok[t++] = ch;
  }
  free(tok);
}

/* ip=CLIENT:SERVER:GW:NETMASK:HOSTNAME:DEVICE:AUTOCONF:DNS0:DNS1 (as the kernel's nfsroot doc). */
static void apply_ip(struct config *c, const char *v) {
  if (!strcmp(v, "off") || !strcmp(v, "none")) {
    c->net = NET_NONE;
    return;
  }
  if (!strcmp(v, "dhcp") || !strcmp(v, "on") || !strcmp(v, "any") || !strcmp(v, "both") ||
      !strcmp(v, "bootp") || !strcmp(v, "rarp")) {
    c->net = NET_DHCP;
    return;
  }
  char *f[10] = {0};
  size_t n = 0;
  const char *p = v;
  while (n < 10) {
    const char *colon = strchr(p, ':');
    size_t len = colon ? (size_t)(colon - p) : strlen(p);
    f[n++] = xstrndup(p, len);
    if (!colon) break;
    p = colon + 1;
  }
  const char *autoconf = n > 6 ? f[6] : "";
  int dhcp = !strcmp(autoconf, "dhcp") || !strcmp(autoconf, "on") || !strcmp(autoconf, "any") ||
             !strcmp(autoconf, "both") || !strcmp(autoconf, "bootp");
  if (!strcmp(autoconf, "none") || !strcmp(autoconf, "off") || !strcmp(autoconf, "static") ||
      !*autoconf) {
    dhcp = f[0][0] == 0; /* no client address: the kernel would autoconfigure too */
  }
  c->net = dhcp ? NET_DHCP : NET_STATIC;
  if (f[0][0]) set_str(&c->address, xstrdup(f[0]));
  if (n > 2 && f[2][0]) set_str(&c->gateway, xstrdup(f[2]));
  if (n > 3 && f[3][0]) set_str(&c->netmask, xstrdup(f[3]));
  if (n > 4 && f[4][0]) set_str(&c->hostname, xstrdup(f[4]));
  if (n > 5 && f[5][0]) set_str(&c->netdev, xstrdup(f[5]));
  if ((n > 7 && f[7][0]) || (n > 8 && f[8][0])) {
    strv_clear(&c->dns);
    if (f[7][0]) strv_push(&c->dns, xstrdup(f[7]));
    if (n > 8 && f[8][0]) strv_push(&c->dns, xstrdup(f[8]));
  }
  for (size_t i = 0; i < n; i++) free(f[i]);
}

void config_apply_cmdline(struct config *c, const struct strv *tokens) {
  int entrypoint_seen = 0, cmd_seen = 0;
  for (size_t i = 0; i < tokens->n; i++) {
    const char *tok = tokens->v[i];
    const char *eq = strchr(tok, '=');
    if (strncmp(tok, "oci2vm.", 7) == 0) {
      const char *k = tok + 7;
      size_t klen = eq ? (size_t)(eq - k) : strlen(k);
      char *key = xstrndup(k, klen);
      /* taken literally: the converter cannot escape what it passes at boot */
      char *v = eq ? xstrdup(eq + 1) : NULL;
      if (!strcmp(key, "entrypoint")) {
        if (!entrypoint_seen) strv_clear(&c->entrypoint);
        entrypoint_seen = 1;
        if (v && *v) strv_push(&c->entrypoint, v), v = NULL;
      } else if (!strcmp(key, "cmd")) {
        if (!cmd_seen) strv_clear(&c->cmd);
        cmd_seen = 1;
        if (v && *v) strv_push(&c->cmd, v), v = NULL;
      } else if (!strcmp(key, "env") && v) {
        char *e = strchr(v, '=');
        if (e && e != v) {
          *e = 0;
          env_set(&c->env, v, e + 1);
        } else {
          warn("kernel command line: %s ignored, expected oci2vm.env=KEY=VALUE", tok);
        }
      } else if (!strcmp(key, "user") && v && *v) {
        set_str(&c->user, v), v = NULL;
        c->has_uid = c->has_gid = c->has_groups = 0;
      } else if (!strcmp(key, "workdir") && v && *v) {
        set_str(&c->workdir, v), v = NULL;
      } else if (!strcmp(key, "debug")) {
        c->debug = !v || strcmp(v, "0") != 0;
      } else {
        warn("kernel command line: %s ignored, unknown", tok);
      }
      free(key);
      free(v);
    } else if (strncmp(tok, "ip=", 3) == 0) {
      apply_ip(c, tok + 3);
    } else if (strncmp(tok, "root=", 5) == 0) {
      set_str(&c->root, xstrdup(tok + 5));
    } else if (strncmp(tok, "rootfstype=", 11) == 0) {
      set_str(&c->rootfstype, xstrdup(tok + 11));
    } else if (strncmp(tok, "rootflags=", 10) == 0) {
      set_str(&c->rootflags, xstrdup(tok + 10));
    }
  }
  /* As `docker run --entrypoint`: a new entrypoint drops the image's Cmd unless one is given. */
  if (entrypoint_seen && !cmd_seen) strv_clear(&c->cmd);
}

static void print_kv(int fd, const char *key, const char *value) {
  char *e = escape(value, 0);
  dprintf(fd, "%s=%s\n", key, e);
  free(e);
}

static void print_rlim(int fd, rlim_t v) {
  if (v == RLIM_INFINITY) dprintf(fd, "unlimited");
  else dprintf(fd, "%llu", (unsigned long long)v);
}

void config_print(const struct config *c, int fd) {
  static const char *nets[] = {"static", "dhcp", "none"};
  dprintf(fd, "version=%d\n", c->version ? c->version : CONF_VERSION);
  if (c->hostname) print_kv(fd, "hostname", c->hostname);
  for (size_t i = 0; i < c->entrypoint.n; i++) print_kv(fd, "entrypoint", c->entrypoint.v[i]);
  for (size_t i = 0; i < c->cmd.n; i++) print_kv(fd, "cmd", c->cmd.v[i]);
  for (size_t i = 0; i < c->env.n; i++) print_kv(fd, "env", c->env.v[i]);
  if (c->workdir) print_kv(fd, "workdir", c->workdir);
  if (c->has_uid) dprintf(fd, "uid=%lu\n", c->uid);
  if (c->has_gid) dprintf(fd, "gid=%lu\n", c->gid);
  if (c->has_groups) {
    dprintf(fd, "groups=");
    for (size_t i = 0; i < c->ngroups; i++) dprintf(fd, "%s%lu", i ? "," : "", c->groups[i]);
    dprintf(fd, "\n");
  }
  if (c->user) print_kv(fd, "user", c->user);
  for (size_t i = 0; i < c->modules.n; i++) {
    const char *m = c->modules.v[i];
    print_kv(fd, m[0] == '?' ? "module?" : "module", m[0] == '?' ? m + 1 : m);
  }
  dprintf(fd, "net=%s\n", nets[c->net]);
  if (c->address) print_kv(fd, "address", c->address);
  if (c->netmask) print_kv(fd, "netmask", c->netmask);
  if (c->gateway) print_kv(fd, "gateway", c->gateway);
  for (size_t i = 0; i < c->dns.n; i++) print_kv(fd, "dns", c->dns.v[i]);
  if (c->netdev) print_kv(fd, "netdev", c->netdev);
  for (size_t i = 0; i < c->nrlimits; i++) {
    dprintf(fd, "rlimit=%s ", c->rlimits[i].name);
    print_rlim(fd, c->rlimits[i].soft);
    dprintf(fd, " ");
    print_rlim(fd, c->rlimits[i].hard);
    dprintf(fd, "\n");
  }
  for (size_t i = 0; i < c->nmounts; i++) {
    const struct mount_entry *m = &c->mounts[i];
    char *f[4] = {escape(m->source, 1), escape(m->target, 1), escape(m->fstype, 1),
                  escape(m->options ? m->options : "-", 1)};
    dprintf(fd, "mount=%s %s %s %s\n", f[0], f[1], f[2], f[3]);
    for (int j = 0; j < 4; j++) free(f[j]);
  }
  if (c->root) print_kv(fd, "root", c->root);
  if (c->rootfstype) print_kv(fd, "rootfstype", c->rootfstype);
  if (c->rootflags) print_kv(fd, "rootflags", c->rootflags);
  if (c->debug) dprintf(fd, "debug=1\n");
}
