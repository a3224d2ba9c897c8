/*
 * The app of `oci2vm demo`: a static program that shows where it runs. It prints what the image
 * config gave it (argv, env, user, working directory) and what the VM looks like from inside
 * (kernel, hostname, uptime, network addresses), then exits with status 0.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv) {
  struct utsname u;
  char cwd[4096];
  char uptime[64] = "?";
  FILE *f = fopen("/proc/uptime", "r");
  if (f != NULL) {
    if (fscanf(f, "%63s", uptime) != 1) {
      strcpy(uptime, "?");
    }
    fclose(f);
  }
  uname(&u);
  printf("\n  %s\n\n", getenv("GREETING") != NULL ? getenv("GREETING") : "Hello!");
  printf("  This program came from a container image and now runs as the only app of a VM.\n");
  printf("  argv:      ");
  for (int i = 0; i < argc; i++) {
    printf("%s%s", i ? " " : "", argv[i]);
  }
  printf("\n  user:      uid=%d gid=%d\n", (int)getuid(), (int)getgid());
  printf("  workdir:   %s\n", getcwd(cwd, sizeof cwd) != NULL ? cwd : "?");
  printf("  kernel:    %s %s\n", u.sysname, u.release);
  printf("  hostname:  %s\n", u.nodename);
  printf("  uptime:    %s s\n", uptime);
  struct ifaddrs *ifs;
  if (getifaddrs(&ifs) == 0) {
    for (struct ifaddrs *i = ifs; i != NULL; i = i->ifa_next) {
      if (i->ifa_addr != NULL && i->ifa_addr->sa_family == AF_INET) {
        char a[INET_ADDRSTRLEN];
        inet_ntop(AF_INET, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, a, sizeof a);
        printf("  address:   %s %s\n", i->ifa_name, a);
      }
    }
    freeifaddrs(ifs);
  }
  printf("\n");
  return 0;
}
