/*
 * Non-filesystem preview1 calls: args, environ, clocks, random, sched_yield,
 * poll_oneoff (clock subscriptions, fd readiness, stdin), sock_* errnos, proc_exit.
 * CLI: wasi_misc.wasm alpha "beta gamma" ""     with env WASI_MISC=x=y
 *      (checks exactly those three arguments and that variable; needs a writable root "/",
 *       works in /misc)
 *      wasi_misc.wasm alpha "beta gamma" "" --node-wasi   skips the past-deadline poll check,
 *                               which hangs node:wasi (uvwasi)
 *      wasi_misc.wasm exit N    prints "# exiting N" and calls proc_exit(N) directly
 *                               (the host checks the exit status N)
 */
#include "tap.h"

static __wasi_fd_t root;
static int skip_node_hangs; /* --node-wasi (given last): skip the check that hangs node:wasi */

static void test_args(int argc, char **argv) {
  __wasi_size_t count = 0, size = 0;
  check_err("args_sizes_get", __wasi_args_sizes_get(&count, &size), 0);
  check_u64("args count is argv[0] plus 3", count, 4 + skip_node_hangs);
  check_u64("args count matches libc argc", count, argc);
  char **av = calloc(count + 1, sizeof(char *));
  char *buf = malloc(size + 1);
  check_err("args_get", __wasi_args_get((uint8_t **)av, (uint8_t *)buf), 0);
  size_t total = 0;
  for (__wasi_size_t i = 0; i < count; i++) total += strlen(av[i]) + 1;
  check_u64("args buffer size is the sum of NUL-terminated args", total, size);
  check_str("args_get argv[1]", count > 1 ? av[1] : NULL, "alpha");
  check_str("args_get argv[2] keeps its space", count > 2 ? av[2] : NULL, "beta gamma");
  check_str("args_get argv[3] is empty", count > 3 ? av[3] : NULL, "");
  check_str("libc argv[2]", argc > 2 ? argv[2] : NULL, "beta gamma");
  free(av);
  free(buf);
}

static void test_environ(void) {
  __wasi_size_t count = 0, size = 0;
  check_err("environ_sizes_get", __wasi_environ_sizes_get(&count, &size), 0);
  char **ev = calloc(count + 1, sizeof(char *));
  char *buf = malloc(size + 1);
  check_err("environ_get", __wasi_environ_get((uint8_t **)ev, (uint8_t *)buf), 0);
  size_t total = 0;
  int found = 0;
  for (__wasi_size_t i = 0; i < count; i++) {
    total += strlen(ev[i]) + 1;
    if (strcmp(ev[i], "WASI_MISC=x=y") == 0) found = 1;
  }
  check_u64("environ buffer size is the sum of NUL-terminated entries", total, size);
  check_true("environ_get holds WASI_MISC=x=y", found, "present", "absent");
  check_str("libc getenv keeps the = in the value", getenv("WASI_MISC"), "x=y");
  free(ev);
  free(buf);
}

static void test_clocks(void) {
  __wasi_timestamp_t res = 0, t = 0, prev = 0;
  check_err("clock_res_get REALTIME", __wasi_clock_res_get(__WASI_CLOCKID_REALTIME, &res), 0);
  check_true("REALTIME resolution is between 1ns and 1s", res > 0 && res <= 1000000000ULL, "(0, 1s]", "other");
  check_err("clock_res_get MONOTONIC", __wasi_clock_res_get(__WASI_CLOCKID_MONOTONIC, &res), 0);
  check_true("MONOTONIC resolution is between 1ns and 1s", res > 0 && res <= 1000000000ULL, "(0, 1s]", "other");
  check_err("clock_res_get of an unknown clock is EINVAL", __wasi_clock_res_get(99, &res), __WASI_ERRNO_INVAL);
  check_err("clock_time_get REALTIME", __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &t), 0);
  check_true("REALTIME is after 2020", t > 1577836800ULL * 1000000000ULL, "> 2020-01-01", "earlier");
  check_err("clock_time_get of an unknown clock is EINVAL", __wasi_clock_time_get(99, 1, &t), __WASI_ERRNO_INVAL);
  int monotonic = 1;
  for (int i = 0; i < 1000; i++) {
    if (__wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t)) monotonic = 0;
    if (t < prev) monotonic = 0;
    prev = t;
  }
  check_true("MONOTONIC never goes backwards", monotonic, "non-decreasing", "decreased");
}

static void test_random_yield(void) {
  uint8_t a[64] = {0}, b[64] = {0};
  check_err("random_get", __wasi_random_get(a, sizeof a), 0);
  check_err("random_get again", __wasi_random_get(b, sizeof b), 0);
  int zero = 1;
  for (int i = 0; i < 64; i++) zero &= a[i] == 0;
  check_true("random bytes are not all zero", !zero, "random", "zeros");
  check_true("two random draws differ", memcmp(a, b, 64) != 0, "different", "equal");
  check_err("random_get of 0 bytes", __wasi_random_get(a, 0), 0);
  check_err("sched_yield", __wasi_sched_yield(), 0);
}

static __wasi_subscription_t clock_sub(uint64_t ud, __wasi_clockid_t id, uint64_t timeout, int abs) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = __WASI_EVENTTYPE_CLOCK;
  s.u.u.clock.id = id;
  s.u.u.clock.timeout = timeout;
  s.u.u.clock.precision = 0;
  s.u.u.clock.flags = abs ? __WASI_SUBCLOCKFLAGS_SUBSCRIPTION_CLOCK_ABSTIME : 0;
  return s;
}

static __wasi_subscription_t fd_sub(uint64_t ud, int type, __wasi_fd_t fd) {
  __wasi_subscription_t s;
  memset(&s, 0, sizeof s);
  s.userdata = ud;
  s.u.tag = type;
  s.u.u.fd_read.file_descriptor = fd;
  return s;
}

#define MS 1000000ULL

static void test_poll(void) {
  __wasi_subscription_t subs[4];
  __wasi_event_t ev[4];
  __wasi_size_t n = 0;
  check_err("poll_oneoff with no subscriptions is EINVAL", __wasi_poll_oneoff(subs, ev, 0, &n), __WASI_ERRNO_INVAL);
  /* relative monotonic clock */
  subs[0] = clock_sub(42, __WASI_CLOCKID_MONOTONIC, 20 * MS, 0);
  uint64_t t0 = now_ns();
  check_err("poll_oneoff on a 20ms clock", __wasi_poll_oneoff(subs, ev, 1, &n), 0);
  uint64_t dt = now_ns() - t0;
  check_u64("one clock event", n, 1);
  check_true("the clock event carries its userdata and type",
             ev[0].userdata == 42 && ev[0].type == __WASI_EVENTTYPE_CLOCK && ev[0].error == 0, "42/CLOCK/SUCCESS",
             "other");
  check_true("poll waited about 20ms", dt >= 18 * MS && dt < 2000 * MS, "[18ms, 2s)", "other");
  /* absolute realtime clock */
  __wasi_timestamp_t rt;
  __wasi_clock_time_get(__WASI_CLOCKID_REALTIME, 1, &rt);
  subs[0] = clock_sub(7, __WASI_CLOCKID_REALTIME, rt + 20 * MS, 1);
  t0 = now_ns();
  check_err("poll_oneoff on an absolute clock", __wasi_poll_oneoff(subs, ev, 1, &n), 0);
  dt = now_ns() - t0;
  check_true("absolute clock fires at its time", n == 1 && ev[0].userdata == 7 && dt >= 15 * MS && dt < 2000 * MS,
             "1 event after ~20ms", "other");
  if (!skip_node_hangs) {
    subs[0] = clock_sub(8, __WASI_CLOCKID_MONOTONIC, 0, 1);
    t0 = now_ns();
    check_err("poll_oneoff on a clock in the past", __wasi_poll_oneoff(subs, ev, 1, &n), 0);
    check_true("a past deadline fires at once", n == 1 && now_ns() - t0 < 500 * MS, "immediate", "late");
  }
  /* the earliest of two clocks */
  subs[0] = clock_sub(1, __WASI_CLOCKID_MONOTONIC, 2000 * MS, 0);
  subs[1] = clock_sub(2, __WASI_CLOCKID_MONOTONIC, 10 * MS, 0);
  t0 = now_ns();
  check_err("poll_oneoff on two clocks", __wasi_poll_oneoff(subs, ev, 2, &n), 0);
  dt = now_ns() - t0;
  check_true("only the earlier clock fires", n == 1 && ev[0].userdata == 2 && dt < 1000 * MS, "event 2 before 1s",
             "other");
  /* fd readiness on a regular file: ready at once */
  put_file(root, "misc/pollme", "0123456789");
  __wasi_fd_t fd;
  open_at(root, "misc/pollme", 0, RIGHTS_RW, 0, &fd);
  subs[0] = fd_sub(10, __WASI_EVENTTYPE_FD_READ, fd);
  subs[1] = clock_sub(11, __WASI_CLOCKID_MONOTONIC, 2000 * MS, 0);
  t0 = now_ns();
  check_err("poll_oneoff FD_READ on a file", __wasi_poll_oneoff(subs, ev, 2, &n), 0);
  dt = now_ns() - t0;
  int got = 0;
  for (__wasi_size_t i = 0; i < n; i++)
    if (ev[i].userdata == 10 && ev[i].type == __WASI_EVENTTYPE_FD_READ && ev[i].error == 0) got = 1;
  check_true("a regular file is readable at once", got && dt < 1000 * MS, "FD_READ event", "none");
  subs[0] = fd_sub(12, __WASI_EVENTTYPE_FD_WRITE, fd);
  check_err("poll_oneoff FD_WRITE on a file", __wasi_poll_oneoff(subs, ev, 2, &n), 0);
  got = 0;
  for (__wasi_size_t i = 0; i < n; i++)
    if (ev[i].userdata == 12 && ev[i].type == __WASI_EVENTTYPE_FD_WRITE && ev[i].error == 0) got = 1;
  check_true("a regular file is writable at once", got, "FD_WRITE event", "none");
  /* a bad fd is reported in the event, not as a call failure */
  subs[0] = fd_sub(13, __WASI_EVENTTYPE_FD_READ, 9999);
  check_err("poll_oneoff on a bad fd returns", __wasi_poll_oneoff(subs, ev, 2, &n), 0);
  got = 0;
  for (__wasi_size_t i = 0; i < n; i++)
    if (ev[i].userdata == 13 && ev[i].error == __WASI_ERRNO_BADF) got = 1;
  check_true("the bad fd's event has error EBADF", got, "EBADF event", "none");
  /* stdin: whatever the host has there, poll must return, not throw or hang */
  subs[0] = fd_sub(20, __WASI_EVENTTYPE_FD_READ, 0);
  subs[1] = clock_sub(21, __WASI_CLOCKID_MONOTONIC, 50 * MS, 0);
  t0 = now_ns();
  check_err("poll_oneoff on stdin with a 50ms timeout", __wasi_poll_oneoff(subs, ev, 2, &n), 0);
  dt = now_ns() - t0;
  int sane = n >= 1 && n <= 2 && dt < 2000 * MS;
  for (__wasi_size_t i = 0; i < n; i++) sane &= ev[i].userdata == 20 || ev[i].userdata == 21;
  check_true("stdin poll returns 1 or 2 well-formed events in time", sane, "1..2 events", "other");
  __wasi_fd_close(fd);
}

static void test_sockets(void) {
  __wasi_fd_t fd, out;
  put_file(root, "misc/notasock", "x");
  open_at(root, "misc/notasock", 0, RIGHTS_RW, 0, &fd);
  uint8_t buf[4];
  __wasi_iovec_t iov = {buf, sizeof buf};
  __wasi_ciovec_t ciov = {buf, sizeof buf};
  __wasi_size_t n;
  __wasi_roflags_t rof;
  check_err("sock_accept on a bad fd is EBADF", __wasi_sock_accept(9999, 0, &out), __WASI_ERRNO_BADF);
  check_err("sock_accept on a file is ENOTSOCK", __wasi_sock_accept(fd, 0, &out), __WASI_ERRNO_NOTSOCK);
  check_err("sock_recv on a bad fd is EBADF", __wasi_sock_recv(9999, &iov, 1, 0, &n, &rof), __WASI_ERRNO_BADF);
  check_err("sock_recv on a file is ENOTSOCK", __wasi_sock_recv(fd, &iov, 1, 0, &n, &rof), __WASI_ERRNO_NOTSOCK);
  check_err("sock_send on a bad fd is EBADF", __wasi_sock_send(9999, &ciov, 1, 0, &n), __WASI_ERRNO_BADF);
  check_err("sock_send on a file is ENOTSOCK", __wasi_sock_send(fd, &ciov, 1, 0, &n), __WASI_ERRNO_NOTSOCK);
  check_err("sock_shutdown on a bad fd is EBADF", __wasi_sock_shutdown(9999, __WASI_SDFLAGS_RD), __WASI_ERRNO_BADF);
  check_err("sock_shutdown on a file is ENOTSOCK", __wasi_sock_shutdown(fd, __WASI_SDFLAGS_RD),
            __WASI_ERRNO_NOTSOCK);
  __wasi_fd_close(fd);
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "exit") == 0) {
    int code = atoi(argv[2]);
    printf("# exiting %d\n", code);
    fflush(stdout);
    __wasi_proc_exit((__wasi_exitcode_t)code);
  }
  root = find_root();
  skip_node_hangs = is_arg(argc, argv, "--node-wasi");
  make_workdir(root, "misc");
  test_args(argc, argv);
  test_environ();
  test_clocks();
  test_random_yield();
  test_poll();
  test_sockets();
  return tap_finish();
}
