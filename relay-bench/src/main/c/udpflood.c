/*
 * udpflood: sends garbage UDP datagrams at a fixed rate, for the benchmark's flood runs (a relay's listen port
 * under a flood of datagrams that are neither STUN nor ChannelData). Bounded by a duration.
 *
 *   udpflood IP PORT RATE SECONDS [BYTES]     e.g. udpflood 198.18.3.2 3478 300000 14 100
 *
 * The first byte of every datagram is 0xFF, so no TURN server mistakes it for STUN or ChannelData. Prints the
 * datagrams sent and the rate reached. Build: gcc -O2 -o udpflood udpflood.c
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BATCH 64

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: udpflood IP PORT RATE SECONDS [BYTES]\n");
        return 2;
    }
    double rate = atof(argv[3]);
    double seconds = atof(argv[4]);
    int bytes = argc > 5 ? atoi(argv[5]) : 100;
    if (rate <= 0 || seconds <= 0 || seconds > 600 || bytes < 1 || bytes > 1400) {
        fprintf(stderr, "udpflood: rate > 0, 0 < seconds <= 600, 1 <= bytes <= 1400\n");
        return 2;
    }
    struct sockaddr_storage target;
    socklen_t target_length;
    memset(&target, 0, sizeof(target));
    struct sockaddr_in *v4 = (struct sockaddr_in *)&target;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&target;
    if (inet_pton(AF_INET, argv[1], &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        v4->sin_port = htons((unsigned short)atoi(argv[2]));
        target_length = sizeof(*v4);
    } else if (inet_pton(AF_INET6, argv[1], &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        v6->sin6_port = htons((unsigned short)atoi(argv[2]));
        target_length = sizeof(*v6);
    } else {
        fprintf(stderr, "udpflood: not a numeric address: %s\n", argv[1]);
        return 2;
    }
    int fd = socket(target.ss_family, SOCK_DGRAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&target, target_length) != 0) {
        perror("udpflood: socket");
        return 1;
    }
    static unsigned char payload[1400];
    for (int i = 0; i < bytes; i++) {
        payload[i] = (unsigned char)(0xFF - (i & 0x3F));
    }
    struct iovec iov[BATCH];
    struct mmsghdr messages[BATCH];
    memset(messages, 0, sizeof(messages));
    for (int i = 0; i < BATCH; i++) {
        iov[i].iov_base = payload;
        iov[i].iov_len = (size_t)bytes;
        messages[i].msg_hdr.msg_iov = &iov[i];
        messages[i].msg_hdr.msg_iovlen = 1;
    }
    double start = now();
    double end = start + seconds;
    unsigned long long sent = 0, failed = 0;
    for (double t = start; t < end; t = now()) {
        unsigned long long due = (unsigned long long)((t - start) * rate);
        if (due <= sent) {
            struct timespec pause = {0, 50000};
            nanosleep(&pause, NULL);
            continue;
        }
        unsigned long long want = due - sent;
        int batch = want < BATCH ? (int)want : BATCH;
        int n = sendmmsg(fd, messages, (unsigned)batch, 0);
        if (n < 0) {
            if (errno != EAGAIN && errno != ENOBUFS && errno != ECONNREFUSED) {
                perror("udpflood: sendmmsg");
                return 1;
            }
            failed += (unsigned long long)batch;
            sent += (unsigned long long)batch; /* keep the schedule: the rate is offered, not guaranteed */
            continue;
        }
        sent += (unsigned long long)n;
    }
    double elapsed = now() - start;
    printf("udpflood: sent=%llu failed=%llu seconds=%.2f rate=%.0f\n", sent - failed, failed, elapsed, (sent - failed) / elapsed);
    return 0;
}
