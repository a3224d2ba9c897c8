/*
 * Unit tests of oci2vm-init's pure parts: escapes, init.conf, the kernel
 * command line and USER resolution. Built and run on the build host by
 * run-tests.sh; ends with "N passed, N failed".
 */
#include "../../main/c/init.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

static int passed, failed;

#define CHECK(cond)                                                  \
  do {                                                               \
    if (cond) {                                                      \
      passed++;                                                      \
    } else {                                                         \
      failed++;                                                      \
      fprintf(stderr, "FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                \
  } while (0)
#define CHECK_STR(a, b) CHECK((a) != NULL && strcmp((a), (b)) == 0)

static struct config parse(const char *text, const char *cmdline) {
  struct config c;
  config_init(&c);
  config_parse(&c, text, "test.conf");
  if (cmdline) {
    struct strv t = {0};
    cmdline_split(cmdline, &t);
    config_apply_cmdline(&c, &t);
  }
  return c;
}

static void unescape_decodesAllEscapes(void) {
  const char *in = "a\\\\b\\nc\\td\\x41\\x7e";
  int bad = 0;
  char *out = unescape(in, strlen(in), &bad);
  CHECK_STR(out, "a\\b\nc\td" "A~");
  CHECK(bad == 0);
  free(out);
}

static void unescape_badEscape_keptAndCounted(void) {
  int bad = 0;
  char *out = unescape("x\\qy\\x4", 7, &bad);
  CHECK_STR(out, "x\\qy\\x4");
  CHECK(bad == 2);
  free(out);
  bad = 0;
  out = unescape("end\\", 4, &bad);
  CHECK_STR(out, "end\\");
  CHECK(bad == 1);
  free(out);
}

static void escape_roundTrips(void) {
  const char *s = "sp ace\\ \n\t\x01\x7f";
  char *e = escape(s, 1);
  CHECK_STR(e, "sp\\x20ace\\\\\\x20\\n\\t\\x01\\x7f");
  char *back = unescape(e, strlen(e), NULL);
  CHECK_STR(back, s);
  free(e);
  free(back);
}

static void parse_allKeys(void) {
  struct config c = parse(
      "# comment\n"
      "\n"
      "   # indented comment\n"
      "version=1\n"
      "hostname=web\n"
      "entrypoint=/bin/sh\n"
      "entrypoint=-c\n"
      "cmd=echo a\\tb\n"
      "env=A=1\n"
      "env=B=x=y\n"
      "env=A=2\n"
      "workdir=/srv\n"
      "uid=1000\n"
      "gid=100\n"
      "groups=10,20,30\n"
      "user=nobody:nogroup\n"
      "module=/oci2vm/modules/a.ko\n"
      "module=/oci2vm/modules/b.ko\n"
      "module?=/oci2vm/modules/c.ko\n"
      "net=dhcp\n"
      "address=10.0.2.15/24\n"
      "gateway=10.0.2.2\n"
      "dns=10.0.2.3\n"
      "rlimit=nofile 1048576 1048576\n"
      "rlimit=core unlimited -1\n"
      "mount=tmpfs /data\\x20x tmpfs size=1m,mode=0700\n"
      "mount=/dev/vdb /mnt ext4 -\n"
      "root=/dev/vda\r\n"
      "rootfstype=ext4\n",
      NULL);
  CHECK(c.version == 1);
  CHECK_STR(c.hostname, "web");
  CHECK(c.entrypoint.n == 2);
  CHECK_STR(c.entrypoint.v[1], "-c");
  CHECK(c.cmd.n == 1);
  CHECK_STR(c.cmd.v[0], "echo a\tb");
  CHECK(c.env.n == 2); /* A replaced, moved to the end */
  CHECK_STR(c.env.v[0], "B=x=y");
  CHECK_STR(c.env.v[1], "A=2");
  CHECK_STR(c.workdir, "/srv");
  CHECK(c.has_uid && c.uid == 1000 && c.has_gid && c.gid == 100);
  CHECK(c.has_groups && c.ngroups == 3 && c.groups[2] == 30);
  CHECK_STR(c.user, "nobody:nogroup");
  CHECK(c.modules.n == 3);
  CHECK_STR(c.modules.v[2], "?/oci2vm/modules/c.ko"); /* optional: loaded without warnings */
  CHECK(c.net == NET_DHCP);
  CHECK_STR(c.address, "10.0.2.15/24");
  CHECK_STR(c.gateway, "10.0.2.2");
  CHECK(c.dns.n == 1);
  CHECK(c.nrlimits == 2);
  CHECK(c.rlimits[0].resource == RLIMIT_NOFILE && c.rlimits[0].soft == 1048576);
  CHECK(c.rlimits[1].soft == RLIM_INFINITY && c.rlimits[1].hard == RLIM_INFINITY);
  CHECK(c.nmounts == 2);
  CHECK_STR(c.mounts[0].target, "/data x");
  CHECK_STR(c.mounts[0].options, "size=1m,mode=0700");
  CHECK(c.mounts[1].options == NULL);
  CHECK_STR(c.root, "/dev/vda"); /* CR stripped */
  CHECK_STR(c.rootfstype, "ext4");
  CHECK(c.warnings == 0);
}

static void parse_malformedAndUnknown_warnAndIgnore(void) {
  struct config c = parse(
      "noequals\n"
      "uid=abc\n"
      "groups=1,,2\n"
      "net=bridge\n"
      "rlimit=nofile 1\n"
      "rlimit=bogus 1 1\n"
      "mount=a b c\n"
      "env==x\n"
      "futurekey=1\n"
      "cmd=ok\n",
      NULL);
  CHECK(c.warnings == 9);
  CHECK(!c.has_uid && !c.has_groups);
  CHECK(c.net == NET_STATIC);
  CHECK(c.nrlimits == 0 && c.nmounts == 0 && c.env.n == 0);
  CHECK(c.cmd.n == 1);
}

static void parse_emptyValues(void) {
  struct config c = parse("cmd=\ngroups=\n", NULL);
  CHECK(c.cmd.n == 1);
  CHECK_STR(c.cmd.v[0], "");
  CHECK(c.has_groups && c.ngroups == 0);
}

static void cmdline_split_quotes(void) {
  struct strv t = {0};
  cmdline_split("a  b=\"x y\" \"c d\"e \"\" f\n", &t);
  CHECK(t.n == 5);
  CHECK_STR(t.v[0], "a");
  CHECK_STR(t.v[1], "b=x y");
  CHECK_STR(t.v[2], "c de");
  CHECK_STR(t.v[3], "");
  CHECK_STR(t.v[4], "f");
}

static void cmdline_overrides(void) {
  struct config c = parse("entrypoint=/e\ncmd=c1\ncmd=c2\nenv=A=1\nenv=B=2\nuid=5\ngid=6\n",
                          "quiet oci2vm.cmd=\"x y\" oci2vm.cmd=C:\\dir\\n oci2vm.env=A=9 "
                          "oci2vm.env=C=3 oci2vm.user=app:staff oci2vm.workdir=/w oci2vm.debug=1 "
                          "oci2vm.nonsense=1 root=/dev/vda rootflags=ro");
  CHECK(c.entrypoint.n == 1); /* cmd alone keeps the entrypoint */
  CHECK(c.cmd.n == 2);
  CHECK_STR(c.cmd.v[0], "x y");
  CHECK_STR(c.cmd.v[1], "C:\\dir\\n"); /* no unescaping on the command line */
  const char *v;
  CHECK(env_find(&c.env, "A", &v) >= 0 && strcmp(v, "9") == 0);
  CHECK(env_find(&c.env, "C", &v) >= 0 && strcmp(v, "3") == 0);
  CHECK(env_find(&c.env, "B", &v) >= 0 && strcmp(v, "2") == 0);
  CHECK_STR(c.user, "app:staff");
  CHECK(!c.has_uid && !c.has_gid);
  CHECK_STR(c.workdir, "/w");
  CHECK(c.debug == 1);
  CHECK_STR(c.root, "/dev/vda");
  CHECK_STR(c.rootflags, "ro");
}

static void cmdline_entrypoint_dropsCmd(void) {
  struct config c = parse("entrypoint=/e\ncmd=c1\n", "oci2vm.entrypoint=/bin/sh");
  CHECK(c.entrypoint.n == 1 && strcmp(c.entrypoint.v[0], "/bin/sh") == 0);
  CHECK(c.cmd.n == 0);
  c = parse("entrypoint=/e\ncmd=c1\n", "oci2vm.entrypoint=/bin/sh oci2vm.cmd=-c oci2vm.entrypoint=-x");
  CHECK(c.entrypoint.n == 2 && strcmp(c.entrypoint.v[1], "-x") == 0);
  CHECK(c.cmd.n == 1 && strcmp(c.cmd.v[0], "-c") == 0);
  c = parse("entrypoint=/e\ncmd=c1\n", "oci2vm.entrypoint=");
  CHECK(c.entrypoint.n == 0 && c.cmd.n == 0);
}

static void cmdline_ip(void) {
  struct config c = parse("net=none\n", "ip=dhcp");
  CHECK(c.net == NET_DHCP);
  c = parse("net=dhcp\n", "ip=off");
  CHECK(c.net == NET_NONE);
  c = parse("dns=9.9.9.9\n", "ip=192.168.1.5::192.168.1.1:255.255.255.0:box:eth1:off:1.1.1.1:8.8.8.8");
  CHECK(c.net == NET_STATIC);
  CHECK_STR(c.address, "192.168.1.5");
  CHECK_STR(c.gateway, "192.168.1.1");
  CHECK_STR(c.netmask, "255.255.255.0");
  CHECK_STR(c.hostname, "box");
  CHECK_STR(c.netdev, "eth1");
  CHECK(c.dns.n == 2 && strcmp(c.dns.v[1], "8.8.8.8") == 0);
  c = parse("", "ip=:::::eth0:dhcp");
  CHECK(c.net == NET_DHCP);
  CHECK_STR(c.netdev, "eth0");
}

static char dir[] = "/tmp/oci2vm-conf-test.XXXXXX";
static char passwd[512], group[512];

static void write_fixtures(void) {
  if (!mkdtemp(dir)) abort();
  snprintf(passwd, sizeof passwd, "%s/passwd", dir);
  snprintf(group, sizeof group, "%s/group", dir);
  write_text_file(passwd,
                  "root:x:0:0:root:/root:/bin/sh\n"
                  "# not a comment in passwd, just garbage\n"
                  "short:x\n"
                  "app:x:1000:1000:App:/home/app:/bin/sh\n"
                  "nohome:x:1001:1001\n",
                  0644);
  write_text_file(group,
                  "root:x:0:\n"
                  "wheel:x:10:app\n"
                  "staff:x:50:root, app\n"
                  "app:x:1000:\n"
                  "other:x:60:nobody\n",
                  0644);
}

static void resolve_user_cases(void) {
  struct ids ids;
  char err[256];
  CHECK(resolve_user("app", passwd, group, &ids, err, sizeof err) == 0);
  CHECK(ids.uid == 1000 && ids.gid == 1000 && ids.ngroups == 2);
  CHECK(ids.groups[0] == 10 && ids.groups[1] == 50);
  CHECK_STR(ids.home, "/home/app");

  CHECK(resolve_user("app:staff", passwd, group, &ids, err, sizeof err) == 0);
  CHECK(ids.uid == 1000 && ids.gid == 50 && ids.ngroups == 0);

  CHECK(resolve_user("app:77", passwd, group, &ids, err, sizeof err) == 0);
  CHECK(ids.gid == 77);

  CHECK(resolve_user("1000", passwd, group, &ids, err, sizeof err) == 0);
  CHECK(ids.uid == 1000 && ids.gid == 1000 && ids.ngroups == 2);

  CHECK(resolve_user("4242", passwd, group, &ids, err, sizeof err) == 0);
  CHECK(ids.uid == 4242 && ids.gid == 0 && ids.ngroups == 0 && ids.home == NULL);

  CHECK(resolve_user("4242:4343", passwd, group, &ids, err, sizeof err) == 0);
  CHECK(ids.uid == 4242 && ids.gid == 4343);

  CHECK(resolve_user("nohome", passwd, group, &ids, err, sizeof err) == 0);
  CHECK(ids.uid == 1001 && ids.gid == 1001);
  CHECK_STR(ids.home, "/");

  CHECK(resolve_user("ghost", passwd, group, &ids, err, sizeof err) < 0);
  CHECK(strstr(err, "unable to find user ghost") != NULL);
  CHECK(resolve_user("app:ghosts", passwd, group, &ids, err, sizeof err) < 0);
  CHECK(strstr(err, "unable to find group ghosts") != NULL);

  CHECK(resolve_user("root", "/nonexistent", "/nonexistent", &ids, err, sizeof err) < 0);
  CHECK(resolve_user("0", "/nonexistent", "/nonexistent", &ids, err, sizeof err) == 0);
  CHECK(ids.uid == 0 && ids.gid == 0);
}

static void mount_flags_split(void) {
  char *data;
  unsigned long f = mount_flags("ro,nosuid,size=1m,bind,mode=0700", &data);
  CHECK(f == (MS_RDONLY | MS_NOSUID | MS_BIND));
  CHECK_STR(data, "size=1m,mode=0700");
  free(data);
  f = mount_flags(NULL, &data);
  CHECK(f == 0 && data == NULL);
}

int main(void) {
  unescape_decodesAllEscapes();
  unescape_badEscape_keptAndCounted();
  escape_roundTrips();
  parse_allKeys();
  parse_malformedAndUnknown_warnAndIgnore();
  parse_emptyValues();
  cmdline_split_quotes();
  cmdline_overrides();
  cmdline_entrypoint_dropsCmd();
  cmdline_ip();
  write_fixtures();
  resolve_user_cases();
  mount_flags_split();
  unlink(passwd);
  unlink(group);
  rmdir(dir);
  printf("%d passed, %d failed\n", passed, failed);
  return failed ? 1 : 0;
}
