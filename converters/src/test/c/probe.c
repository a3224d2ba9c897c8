/*
 * The app of bench/init-smoke.sh's VMs: reports what oci2vm-init gave it
 * (argv, env, cwd, ids, limits, hostname, interfaces), then runs the actions
 * named by its --options, in order:
 *   --exit N          exit with N (at the end; default 0)
 *   --cat FILE        print FILE
 *   --ls DIR          print DIR's entries
 *   --orphans N       make N orphans that exit under PID 1, then count zombies
 *   --stubborn        leave a child that ignores SIGTERM (init must SIGKILL it)
 *   --connect IP:PORT send a line over TCP, print the reply
 *   --wait-term       print "probe: ready", wait for SIGTERM (at most 60 s)
 *   --kill-self SIG   die of signal SIG
 * Every line starts with "probe: " so that the harness can grep it.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <fcntl.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static void print_escaped(const char *label, const char *s) {
  printf("probe: %s", label);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '\n') printf("\\n");
    else if (c == '\t') printf("\\t");
    else if (c == '\\') printf("\\\\");
    else if (c < 0x20 || c == 0x7f) printf("\\x%02x", c);
    else putchar(c);
  }
  putchar('\n');
}

static double uptime(void) {
  struct timespec ts;
  clock_gettime(CLOCK_BOOTTIME, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void report(int argc, char **argv) {
  printf("probe: uptime=%.3f\n", uptime());
  printf("probe: pid=%d argc=%d\n", getpid(), argc);
  for (int i = 0; i < argc; i++) {
    char label[32];
    snprintf(label, sizeof label, "argv[%d]=", i);
    print_escaped(label, argv[i]);
  }
  for (char **e = environ; *e; e++) print_escaped("env ", *e);
  char cwd[4096];
  printf("probe: cwd=%s\n", getcwd(cwd, sizeof cwd) ? cwd : "?");
  gid_t groups[64];
  int n = getgroups(64, groups);
  printf("probe: uid=%d gid=%d groups=", getuid(), getgid());
  for (int i = 0; i < n; i++) printf("%s%d", i ? "," : "", groups[i]);
  printf("\n");
  struct rlimit rl;
  getrlimit(RLIMIT_NOFILE, &rl);
  printf("probe: nofile=%llu/%llu\n", (unsigned long long)rl.rlim_cur, (unsigned long long)rl.rlim_max);
  char host[256] = "";
  gethostname(host, sizeof host);
  printf("probe: hostname=%s\n", host);
  struct ifaddrs *ifs;
  if (getifaddrs(&ifs) == 0) {
    for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
      if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
      char a[INET_ADDRSTRLEN];
      inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof a);
      printf("probe: if %s %s\n", i->ifa_name, a);
    }
    freeifaddrs(ifs);
  }
  fflush(stdout);
}

static void cat(const char *path) {
  FILE *f = fopen(path, "r");
  if (!f) {
    printf("probe: cannot open %s\n", path);
    return;
  }
  char line[1024];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\n")] = 0;
    printf("probe: %s: %s\n", path, line);
  }
  fclose(f);
}

static void ls(const char *path) {
  DIR *d = opendir(path);
  if (!d) {
    printf("probe: cannot list %s\n", path);
    return;
  }
  struct dirent *e;
  while ((e = readdir(d))) {
    if (e->d_name[0] != '.') printf("probe: %s/%s\n", path, e->d_name);
  }
  closedir(d);
}

static int count_zombies(void) {
  DIR *d = opendir("/proc");
  int z = 0;
  struct dirent *e;
  while (d && (e = readdir(d))) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char path[300], buf[512];
    snprintf(path, sizeof path, "/proc/%s/stat", e->d_name);
    int fd = open(path, O_RDONLY);
    if (fd < 0) continue;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0) continue;
    buf[n] = 0;
    char *rp = strrchr(buf, ')');
    if (rp && rp[1] == ' ' && rp[2] == 'Z') z++;
  }
  if (d) closedir(d);
  return z;
}

static void orphans(int n) {
  for (int i = 0; i < n; i++) {
    pid_t c = fork();
    if (c == 0) {
      if (fork() == 0) {
        usleep(200000); /* outlive the parent: die as PID 1's child */
        _exit(0);
      }
      _exit(0);
    }
    waitpid(c, NULL, 0);
  }
  usleep(1000000);
  printf("probe: zombies=%d\n", count_zombies());
}

static volatile sig_atomic_t got_term;
static void on_term(int sig) { (void)sig; got_term = 1; }

static void connect_to(const char *spec) {
  char host[64];
  snprintf(host, sizeof host, "%s", spec);
  char *colon = strchr(host, ':');
  if (!colon) return;
  *colon = 0;
  struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(atoi(colon + 1))};
  inet_pton(AF_INET, host, &sa.sin_addr);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval tv = {10, 0};
  setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(s, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (connect(s, (struct sockaddr *)&sa, sizeof sa) < 0) {
    printf("probe: connect %s failed: %m\n", spec);
    close(s);
    return;
  }
  const char msg[] = "hello from probe\n";
  write(s, msg, sizeof msg - 1);
  char buf[256];
  ssize_t n = read(s, buf, sizeof buf - 1);
  buf[n > 0 ? n : 0] = 0;
  buf[strcspn(buf, "\n")] = 0;
  printf("probe: reply=%s\n", buf);
  close(s);
}

int main(int argc, char **argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  report(argc, argv);
  int code = 0;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
    if (!strcmp(a, "--exit")) code = atoi(v), i++;
    else if (!strcmp(a, "--cat")) cat(v), i++;
    else if (!strcmp(a, "--ls")) ls(v), i++;
    else if (!strcmp(a, "--orphans")) orphans(atoi(v)), i++;
    else if (!strcmp(a, "--connect")) connect_to(v), i++;
    else if (!strcmp(a, "--kill-self")) {
      int sig = atoi(v);
      printf("probe: killing myself with %d\n", sig);
      signal(sig, SIG_DFL);
      kill(getpid(), sig);
      pause();
    } else if (!strcmp(a, "--stubborn")) {
      if (fork() == 0) {
        signal(SIGTERM, SIG_IGN);
        for (;;) pause();
      }
      printf("probe: left a stubborn child\n");
    } else if (!strcmp(a, "--wait-term")) {
      signal(SIGTERM, on_term);
      printf("probe: ready\n");
      for (int t = 0; t < 600 && !got_term; t++) usleep(100000);
      printf(got_term ? "probe: got SIGTERM\n" : "probe: no SIGTERM within 60 s\n");
    }
  }
  printf("probe: exiting with %d\n", code);
  return code;
}
