/*
 * USER resolution against the root's /etc/passwd and /etc/group, with runc's
 * rules (libcontainer/user.GetExecUser):
 *  - "name" must be in passwd; a number matches a passwd uid, or is used as is
 *    with gid 0 when no entry has it;
 *  - ":group" sets the primary gid (a number as is, a name must be in group)
 *    and then no supplementary groups are added;
 *  - otherwise the supplementary groups are those listing the user's name.
 * Our own parser rather than getpwnam(3): musl would also ask nscd, and the
 * unit tests need to point it at fixture files.
 */
#include "init.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DB_BYTES (16 << 20)

/* Splits LINE on ':' in place into at most MAX fields; returns the count. */
static int split_colons(char *line, char **f, int max) {
  int n = 0;
  f[n++] = line;
  for (char *p = line; *p && n < max; p++) {
    if (*p == ':') {
      *p = 0;
      f[n++] = p + 1;
    }
  }
  return n;
}

struct pw {
  char *name;
  unsigned long uid, gid;
  char *home;
};

/* Finds the first passwd entry with NAME (if non-NULL) or UID. Returns 1 when found. */
static int find_passwd(const char *path, const char *name, unsigned long uid, struct pw *out) {
  char *text = read_text_file(path, MAX_DB_BYTES, NULL);
  if (!text) return 0;
  int found = 0;
  for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
    char *f[7];
    int n = split_colons(line, f, 7);
    if (n < 4) continue;
    unsigned long u, g;
    if (parse_uint(f[2], 0xFFFFFFFEUL, &u) < 0 || parse_uint(f[3], 0xFFFFFFFEUL, &g) < 0) continue;
    if (name ? strcmp(f[0], name) == 0 : u == uid) {
      out->name = xstrdup(f[0]);
      out->uid = u;
      out->gid = g;
      out->home = xstrdup(n > 5 && *f[5] ? f[5] : "/");
      found = 1;
    }
  }
  free(text);
  return found;
}

/*
 * Walks the group file. With GROUP_NAME: sets *gid_out to that group's gid and
 * returns 1 if found. With MEMBER: collects the gids of groups listing MEMBER.
 */
static int scan_groups(const char *path, const char *group_name, unsigned long *gid_out,
                       const char *member, struct ids *ids) {
  char *text = read_text_file(path, MAX_DB_BYTES, NULL);
  if (!text) return 0;
  int found = 0;
  for (char *line = strtok(text, "\n"); line && !found; line = strtok(NULL, "\n")) {
    char *f[4];
    int n = split_colons(line, f, 4);
    if (n < 3) continue;
    unsigned long g;
    if (parse_uint(f[2], 0xFFFFFFFEUL, &g) < 0) continue;
    if (group_name) {
      if (strcmp(f[0], group_name) == 0) {
        *gid_out = g;
        found = 1;
      }
      continue;
    }
    if (n < 4) continue;
    char *save = NULL;
    for (char *m = strtok_r(f[3], ",", &save); m; m = strtok_r(NULL, ",", &save)) {
      while (*m == ' ') m++;
      if (strcmp(m, member) == 0) {
        int dup = 0;
        for (size_t i = 0; i < ids->ngroups; i++) dup |= ids->groups[i] == g;
        if (!dup) {
          ids->groups = xrealloc(ids->groups, (ids->ngroups + 1) * sizeof *ids->groups);
          ids->groups[ids->ngroups++] = g;
        }
        break;
      }
    }
  }
  free(text);
  return found;
}

int resolve_user(const char *spec, const char *passwd_path, const char *group_path,
                 struct ids *out, char *err, size_t errlen) {
  memset(out, 0, sizeof *out);
  char *user = xstrdup(spec);
  char *group = strchr(user, ':');
  if (group) *group++ = 0;
  int rc = -1;
  struct pw pw = {0};
  unsigned long num;
  int matched = 0;

  if (*user == 0) {
    /* ":group" alone: root with that group, as Docker */
    out->uid = 0;
    matched = find_passwd(passwd_path, NULL, 0, &pw);
  } else if (parse_uint(user, 0xFFFFFFFEUL, &num) == 0) {
    out->uid = num;
    matched = find_passwd(passwd_path, NULL, num, &pw);
  } else {
    matched = find_passwd(passwd_path, user, 0, &pw);
    if (!matched) {
      snprintf(err, errlen, "unable to find user %s: no matching entries in passwd file", user);
      goto out;
    }
  }
  if (matched) {
    out->uid = pw.uid;
    out->gid = pw.gid;
    out->home = pw.home;
    pw.home = NULL;
  }
  if (group && *group) {
    if (parse_uint(group, 0xFFFFFFFEUL, &num) == 0) {
      out->gid = num;
    } else if (!scan_groups(group_path, group, &out->gid, NULL, NULL)) {
      snprintf(err, errlen, "unable to find group %s: no matching entries in group file", group);
      goto out;
    }
  } else if (matched) {
    scan_groups(group_path, NULL, NULL, pw.name, out);
  }
  rc = 0;
out:
  free(pw.name);
  free(pw.home);
  free(user);
  return rc;
}
