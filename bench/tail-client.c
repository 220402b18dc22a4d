// The load of tail-timeline.sh: redis-benchmark's unpipelined requests (-c 50 -r 100000, the
// same commands and key patterns, 3-byte values) in a closed loop over 50 connections,
// printing for every reply the CLOCK_MONOTONIC ns it arrived at and its latency in ns (from
// the request's write, as redis-benchmark counts it), so that slow replies can be set beside
// the server's collections on one time line.
//   tail-client PORT REQUESTS set|get|incr|hset|sadd|zadd|lrange_100
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define CLIENTS 50
#define KEYSPACE 100000

typedef unsigned long long u64;

static u64 now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

// A reply being read: its first line, then (a bulk) `bulk` more bytes; in an array of bulks
// (LRANGE's), `left` more elements after this one.
struct conn { int fd; u64 sent; int in_line; long bulk; char head; long num; int neg; long left; };

static int format(char *buf, const char *test) {
  int r = rand() % KEYSPACE;
  if (!strcmp(test, "set")) return sprintf(buf, "*3\r\n$3\r\nSET\r\n$16\r\nkey:%012d\r\n$3\r\nxxx\r\n", r);
  if (!strcmp(test, "get")) return sprintf(buf, "*2\r\n$3\r\nGET\r\n$16\r\nkey:%012d\r\n", r);
  if (!strcmp(test, "incr")) return sprintf(buf, "*2\r\n$4\r\nINCR\r\n$20\r\ncounter:%012d\r\n", r);
  if (!strcmp(test, "hset")) return sprintf(buf, "*4\r\n$4\r\nHSET\r\n$6\r\nmyhash\r\n$20\r\nelement:%012d\r\n$3\r\nxxx\r\n", r);
  if (!strcmp(test, "sadd")) return sprintf(buf, "*3\r\n$4\r\nSADD\r\n$5\r\nmyset\r\n$20\r\nelement:%012d\r\n", r);
  if (!strcmp(test, "zadd")) return sprintf(buf, "*4\r\n$4\r\nZADD\r\n$6\r\nmyzset\r\n$1\r\n0\r\n$20\r\nelement:%012d\r\n", r);
  if (!strcmp(test, "lrange_100")) return sprintf(buf, "*4\r\n$6\r\nLRANGE\r\n$6\r\nmylist\r\n$1\r\n0\r\n$2\r\n99\r\n");
  fprintf(stderr, "unknown test %s\n", test);
  exit(2);
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: tail-client PORT REQUESTS TEST\n"); return 2; }
  int port = atoi(argv[1]);
  long n = atol(argv[2]), done = 0, issued = 0;
  const char *test = argv[3];
  u64 *end = malloc(n * sizeof *end), *lat = malloc(n * sizeof *lat);
  struct conn c[CLIENTS];
  char req[128], rb[16384];
  int ep = epoll_create1(0);
  srand(1);
  for (int i = 0; i < CLIENTS; i++) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
    int one = 1;
    c[i] = (struct conn){ .fd = socket(AF_INET, SOCK_STREAM, 0), .in_line = 1, .bulk = -1 };
    if (connect(c[i].fd, (struct sockaddr *)&a, sizeof a) != 0) { perror("connect"); return 1; }
    setsockopt(c[i].fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
    epoll_ctl(ep, EPOLL_CTL_ADD, c[i].fd, &ev);
  }
  for (int i = 0; i < CLIENTS && issued < n; i++, issued++) {
    int len = format(req, test);
    c[i].sent = now_ns();
    if (write(c[i].fd, req, len) != len) { perror("write"); return 1; }
  }
  struct epoll_event evs[CLIENTS];
  while (done < n) {
    int k = epoll_wait(ep, evs, CLIENTS, -1);
    for (int j = 0; j < k; j++) {
      struct conn *x = &c[evs[j].data.u32];
      int r = read(x->fd, rb, sizeof rb);
      if (r <= 0) { perror("read"); return 1; }
      for (int p = 0; p < r; p++) {
        int complete = 0;
        if (x->in_line) {
          char ch = rb[p];
          if (x->head == 0) { x->head = ch; x->num = 0; x->neg = 0; }
          else if (ch == '-' && x->num == 0) x->neg = 1;
          else if (ch >= '0' && ch <= '9') x->num = x->num * 10 + (ch - '0');
          else if (ch == '\n') {
            x->in_line = 0;
            if (x->head == '$' && !x->neg) x->bulk = x->num + 2;
            else if (x->head == '*' && x->num > 0) { x->left = x->num; x->in_line = 1; x->head = 0; }
            else complete = 1;
          }
        } else if (--x->bulk == 0) complete = 1;
        // An array's element: the reply is complete with its last one.
        if (complete && x->left > 0 && --x->left > 0) { x->in_line = 1; x->head = 0; x->bulk = -1; continue; }
        if (!complete) continue;
        u64 t = now_ns();
        end[done] = t;
        lat[done] = t - x->sent;
        done++;
        *x = (struct conn){ .fd = x->fd, .in_line = 1, .bulk = -1 };
        if (issued < n) {
          int len = format(req, test);
          x->sent = now_ns();
          if (write(x->fd, req, len) != len) { perror("write"); return 1; }
          issued++;
        }
      }
    }
  }
  for (long i = 0; i < n; i++) printf("%llu %llu\n", end[i], lat[i]);
  return 0;
}
