// orca-attach-relay BUNDLE_DIR
//
// Joins its caller to a running container's own stdio through conmon's attach
// socket, BUNDLE_DIR/attach. That socket is SOCK_SEQPACKET, which Node cannot
// open, and each packet conmon sends starts with a byte naming the pipe the
// output came from (2 stdout, 3 stderr), so the packet boundaries matter.
//
// Our stdout: one frame per packet, a 4-byte big-endian length and then the
// packet as conmon sent it. The first frame is empty: it says the connection
// is made, so the caller knows input sent from then on reaches conmon. A
// frame holding the single byte 0 (a pipe conmon never names) says our stdin
// has ended and everything before its end was passed on.
// Our stdin: bytes for the container, sent on in packets. Its end half-closes
// the socket, which conmon takes as the end of input (it then closes the
// container's stdin unless it was told to leave it open).
//
// Exits 0 once conmon closes the connection (the container ended) or our
// reader goes away, 1 with a message on stderr when it cannot connect.
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

// conmon's packets are at most its stdio buffer (8192) plus the pipe byte;
// this leaves room should a later conmon send larger ones.
#define PACKET_MAX 65536
// conmon reads at most 32767 bytes of input per packet.
#define INPUT_MAX 32767

static char out[4 + PACKET_MAX];
static char in[INPUT_MAX];

static int write_all(int fd, const char *p, size_t len) {
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

// Writes out[4 .. 4+len) as one frame, its length in front.
static int send_frame(uint32_t len) {
  out[0] = (char)(len >> 24);
  out[1] = (char)(len >> 16);
  out[2] = (char)(len >> 8);
  out[3] = (char)len;
  return write_all(STDOUT_FILENO, out, 4 + (size_t)len);
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s BUNDLE_DIR\n", argv[0]);
    return 2;
  }
  // A reader that went away shows as EPIPE, not as a signal that kills us mid-write.
  signal(SIGPIPE, SIG_IGN);
  // A relative name keeps long bundle paths within the 108 bytes of a socket address.
  if (chdir(argv[1]) != 0) {
    fprintf(stderr, "cannot open the container's directory: %s\n", strerror(errno));
    return 1;
  }
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strcpy(addr.sun_path, "attach");
  int sock = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
  if (sock < 0 || connect(sock, (struct sockaddr *)&addr, sizeof addr) != 0) {
    fprintf(stderr, "cannot connect to the container's attach socket: %s\n", strerror(errno));
    return 1;
  }
  if (send_frame(0) != 0) return 0;

  // Input is sent without blocking: conmon stops reading us while the
  // container's stdin is full, and a relay stuck in send() would stop
  // reading output too, which conmon in turn blocks on.
  size_t pending = 0;     // bytes of `in` waiting for room in the socket
  int input_open = 1;     // stdin not yet at its end
  int input_wanted = 1;   // conmon still takes input; once it refuses, input is dropped
  for (;;) {
    struct pollfd fds[2] = {
        {.fd = sock, .events = POLLIN | (pending ? POLLOUT : 0)},
        {.fd = STDIN_FILENO, .events = POLLIN},
    };
    nfds_t watched = input_open && !pending ? 2 : 1;
    if (poll(fds, watched, -1) < 0) {
      if (errno == EINTR) continue;
      return 1;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = recv(sock, out + 4, PACKET_MAX, MSG_DONTWAIT);
      if (n == 0) return 0;
      if (n < 0 && errno != EINTR && errno != EAGAIN) return 0;
      if (n > 0 && send_frame((uint32_t)n) != 0) return 0;
    }
    if (pending && (fds[0].revents & POLLOUT)) {
      if (send(sock, in, pending, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
        pending = 0;
      } else if (errno != EAGAIN && errno != EINTR) {
        pending = 0;
        input_wanted = 0;
      }
    }
    if (watched == 2 && fds[1].revents) {
      ssize_t n = read(STDIN_FILENO, in, INPUT_MAX);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        shutdown(sock, SHUT_WR);
        input_open = 0;
        // Tells the caller all its input has been passed on, so it may detach now.
        out[4] = 0;
        if (send_frame(1) != 0) return 0;
      } else if (input_wanted && send(sock, in, (size_t)n, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
        if (errno == EAGAIN || errno == EINTR)
          pending = (size_t)n;
        else
          input_wanted = 0;
      }
    }
  }
}
