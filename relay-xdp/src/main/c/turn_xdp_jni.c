/*
 * JNI bindings of io.turnrelay.xdp.NativeXdp over libbpf: load the program from bytes with its configuration,
 * attach it through a BPF link (the kernel detaches it when the link's descriptor closes, also when the process is
 * killed), edit its tables, read its counters, and run it on a crafted frame (BPF_PROG_TEST_RUN) for tests.
 */
#include <errno.h>
#include <jni.h>
#include <linux/if_link.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "io_turnrelay_xdp_NativeXdp.h"
#include "turn_xdp.h"

#define TABLES 4
#define VERIFIER_LOG_SIZE (256 * 1024)

static const char *const TABLE_NAMES[TABLES] = {"to_peer_v4", "to_client_v4", "to_peer_v6", "to_client_v6"};

struct program {
    struct bpf_object *object;
    int program_fd;
    int table_fds[TABLES];
    int stats_fd;
    int cpus;
};

static void throw_xdp(JNIEnv *env, const char *format, ...)
{
    char message[1024];
    va_list args;
    va_start(args, format);
    vsnprintf(message, sizeof(message), format, args);
    va_end(args);
    jclass type = (*env)->FindClass(env, "io/turnrelay/xdp/XdpException");
    if (type != NULL) {
        (*env)->ThrowNew(env, type, message);
    }
}

static const char *error_text(int error, char *buffer, size_t size)
{
    libbpf_strerror(error < 0 ? error : -error, buffer, size);
    return buffer;
}

/* The last lines of the verifier's log, which say why it refused the program. */
static const char *log_tail(const char *log)
{
    size_t length = strlen(log);
    if (length <= 900) {
        return log;
    }
    const char *tail = log + length - 900;
    const char *line = strchr(tail, '\n');
    return line != NULL ? line + 1 : tail;
}

static struct program *program_of(JNIEnv *env, jlong handle)
{
    if (handle == 0) {
        throw_xdp(env, "the XDP program is closed");
        return NULL;
    }
    return (struct program *)(intptr_t)handle;
}

JNIEXPORT jlong JNICALL Java_io_turnrelay_xdp_NativeXdp_open(JNIEnv *env, jclass type, jbyteArray object_bytes,
                                                            jbyteArray config_bytes, jint max_entries)
{
    (void)type;
    char error[256];
    jsize config_length = (*env)->GetArrayLength(env, config_bytes);
    if (config_length != (jsize)sizeof(struct turn_xdp_config)) {
        throw_xdp(env, "configuration is %d bytes, the program expects %zu", (int)config_length, sizeof(struct turn_xdp_config));
        return 0;
    }
    struct program *program = calloc(1, sizeof(*program));
    char *log = calloc(1, VERIFIER_LOG_SIZE);
    if (program == NULL || log == NULL) {
        free(program);
        free(log);
        throw_xdp(env, "out of memory");
        return 0;
    }
    jsize object_length = (*env)->GetArrayLength(env, object_bytes);
    jbyte *object = (*env)->GetByteArrayElements(env, object_bytes, NULL);
    LIBBPF_OPTS(bpf_object_open_opts, options, .object_name = "turn_xdp", .kernel_log_buf = log,
                .kernel_log_size = VERIFIER_LOG_SIZE, .kernel_log_level = 0);
    struct bpf_object *obj = bpf_object__open_mem(object, (size_t)object_length, &options);
    int rc = libbpf_get_error(obj);
    (*env)->ReleaseByteArrayElements(env, object_bytes, object, JNI_ABORT);
    if (rc != 0) {
        throw_xdp(env, "cannot open the XDP program: %s", error_text(rc, error, sizeof(error)));
        goto fail;
    }
    program->object = obj;

    struct bpf_map *rodata = bpf_object__find_map_by_name(obj, ".rodata.config");
    if (rodata == NULL) {
        throw_xdp(env, "the XDP program has no .rodata.config section");
        goto fail;
    }
    jbyte config[sizeof(struct turn_xdp_config)];
    (*env)->GetByteArrayRegion(env, config_bytes, 0, config_length, config);
    rc = bpf_map__set_initial_value(rodata, config, sizeof(config));
    if (rc != 0) {
        throw_xdp(env, "cannot configure the XDP program: %s", error_text(rc, error, sizeof(error)));
        goto fail;
    }
    for (int i = 0; i < TABLES; i++) {
        struct bpf_map *table = bpf_object__find_map_by_name(obj, TABLE_NAMES[i]);
        if (table == NULL || (rc = bpf_map__set_max_entries(table, (__u32)max_entries)) != 0) {
            throw_xdp(env, "cannot size table %s: %s", TABLE_NAMES[i], table == NULL ? "missing" : error_text(rc, error, sizeof(error)));
            goto fail;
        }
    }
    rc = bpf_object__load(obj);
    if (rc != 0) {
        if (log[0] != '\0') {
            throw_xdp(env, "the kernel refused the XDP program (%s): %s", error_text(rc, error, sizeof(error)), log_tail(log));
        } else {
            throw_xdp(env, "cannot load the XDP program: %s%s", error_text(rc, error, sizeof(error)),
                      rc == -EPERM ? " (CAP_BPF and CAP_NET_ADMIN are needed)" : "");
        }
        goto fail;
    }
    struct bpf_program *prog = bpf_object__find_program_by_name(obj, "turn_xdp");
    if (prog == NULL) {
        throw_xdp(env, "the XDP object has no program turn_xdp");
        goto fail;
    }
    program->program_fd = bpf_program__fd(prog);
    for (int i = 0; i < TABLES; i++) {
        program->table_fds[i] = bpf_object__find_map_fd_by_name(obj, TABLE_NAMES[i]);
    }
    program->stats_fd = bpf_object__find_map_fd_by_name(obj, "stats");
    program->cpus = libbpf_num_possible_cpus();
    if (program->cpus <= 0) {
        throw_xdp(env, "cannot count the possible CPUs: %s", error_text(program->cpus, error, sizeof(error)));
        goto fail;
    }
    free(log);
    return (jlong)(intptr_t)program;

fail:
    if (program->object != NULL) {
        bpf_object__close(program->object);
    }
    free(program);
    free(log);
    return 0;
}

JNIEXPORT jint JNICALL Java_io_turnrelay_xdp_NativeXdp_attach(JNIEnv *env, jclass type, jlong handle, jint ifindex,
                                                             jboolean generic)
{
    (void)type;
    struct program *program = program_of(env, handle);
    if (program == NULL) {
        return -1;
    }
    LIBBPF_OPTS(bpf_link_create_opts, options, .flags = generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE);
    int link = bpf_link_create(program->program_fd, ifindex, BPF_XDP, &options);
    if (link < 0) {
        int error = errno;
        char text[256];
        const char *hint = "";
        if (error == EBUSY || error == EEXIST) {
            hint = " (another XDP program is attached; `ip link set dev IFACE xdp off` detaches it)";
        } else if (error == EOPNOTSUPP || error == EINVAL) {
            hint = generic ? "" : " (the driver has no native XDP support; try generic mode)";
        } else if (error == EPERM) {
            hint = " (CAP_NET_ADMIN and CAP_BPF are needed)";
        }
        throw_xdp(env, "cannot attach: %s%s", error_text(error, text, sizeof(text)), hint);
        return -1;
    }
    return link;
}

JNIEXPORT void JNICALL Java_io_turnrelay_xdp_NativeXdp_detach(JNIEnv *env, jclass type, jint link)
{
    (void)env;
    (void)type;
    close(link);
}

static int table_fd(JNIEnv *env, jlong handle, jint table)
{
    struct program *program = program_of(env, handle);
    if (program == NULL) {
        return -1;
    }
    if (table < 0 || table >= TABLES) {
        throw_xdp(env, "no table %d", (int)table);
        return -1;
    }
    return program->table_fds[table];
}

JNIEXPORT void JNICALL Java_io_turnrelay_xdp_NativeXdp_update(JNIEnv *env, jclass type, jlong handle, jint table, jbyteArray key_bytes,
                                                             jbyteArray value_bytes)
{
    (void)type;
    int fd = table_fd(env, handle, table);
    if (fd < 0) {
        return;
    }
    jbyte key[64];
    jbyte value[64];
    jsize key_length = (*env)->GetArrayLength(env, key_bytes);
    jsize value_length = (*env)->GetArrayLength(env, value_bytes);
    if (key_length > (jsize)sizeof(key) || value_length > (jsize)sizeof(value)) {
        throw_xdp(env, "entry too long");
        return;
    }
    (*env)->GetByteArrayRegion(env, key_bytes, 0, key_length, key);
    (*env)->GetByteArrayRegion(env, value_bytes, 0, value_length, value);
    if (bpf_map_update_elem(fd, key, value, BPF_ANY) != 0) {
        char text[256];
        throw_xdp(env, "cannot add to %s: %s", TABLE_NAMES[table], error_text(errno, text, sizeof(text)));
    }
}

JNIEXPORT jboolean JNICALL Java_io_turnrelay_xdp_NativeXdp_delete(JNIEnv *env, jclass type, jlong handle, jint table, jbyteArray key_bytes)
{
    (void)type;
    int fd = table_fd(env, handle, table);
    if (fd < 0) {
        return JNI_FALSE;
    }
    jbyte key[64];
    jsize key_length = (*env)->GetArrayLength(env, key_bytes);
    if (key_length > (jsize)sizeof(key)) {
        throw_xdp(env, "key too long");
        return JNI_FALSE;
    }
    (*env)->GetByteArrayRegion(env, key_bytes, 0, key_length, key);
    if (bpf_map_delete_elem(fd, key) == 0) {
        return JNI_TRUE;
    }
    if (errno == ENOENT) {
        return JNI_FALSE;
    }
    char text[256];
    throw_xdp(env, "cannot delete from %s: %s", TABLE_NAMES[table], error_text(errno, text, sizeof(text)));
    return JNI_FALSE;
}

JNIEXPORT jint JNICALL Java_io_turnrelay_xdp_NativeXdp_count(JNIEnv *env, jclass type, jlong handle, jint table)
{
    (void)type;
    int fd = table_fd(env, handle, table);
    if (fd < 0) {
        return -1;
    }
    unsigned char key[64];
    unsigned char next[64];
    int count = 0;
    void *previous = NULL;
    while (bpf_map_get_next_key(fd, previous, next) == 0) {
        count++;
        memcpy(key, next, sizeof(key));
        previous = key;
    }
    return count;
}

JNIEXPORT jlongArray JNICALL Java_io_turnrelay_xdp_NativeXdp_stats(JNIEnv *env, jclass type, jlong handle)
{
    (void)type;
    struct program *program = program_of(env, handle);
    if (program == NULL) {
        return NULL;
    }
    struct turn_xdp_stats *per_cpu = calloc((size_t)program->cpus, sizeof(*per_cpu));
    if (per_cpu == NULL) {
        throw_xdp(env, "out of memory");
        return NULL;
    }
    __u32 zero = 0;
    if (bpf_map_lookup_elem(program->stats_fd, &zero, per_cpu) != 0) {
        char text[256];
        free(per_cpu);
        throw_xdp(env, "cannot read the counters: %s", error_text(errno, text, sizeof(text)));
        return NULL;
    }
    jlong sums[6] = {0};
    for (int cpu = 0; cpu < program->cpus; cpu++) {
        sums[0] += (jlong)per_cpu[cpu].to_peer_packets;
        sums[1] += (jlong)per_cpu[cpu].to_peer_bytes;
        sums[2] += (jlong)per_cpu[cpu].to_client_packets;
        sums[3] += (jlong)per_cpu[cpu].to_client_bytes;
        sums[4] += (jlong)per_cpu[cpu].missed;
        sums[5] += (jlong)per_cpu[cpu].unroutable;
    }
    free(per_cpu);
    jlongArray result = (*env)->NewLongArray(env, 6);
    if (result != NULL) {
        (*env)->SetLongArrayRegion(env, result, 0, 6, sums);
    }
    return result;
}

JNIEXPORT jint JNICALL Java_io_turnrelay_xdp_NativeXdp_testRun(JNIEnv *env, jclass type, jlong handle, jbyteArray frame_bytes,
                                                              jbyteArray out_bytes, jintArray out_length)
{
    (void)type;
    struct program *program = program_of(env, handle);
    if (program == NULL) {
        return -1;
    }
    jsize frame_length = (*env)->GetArrayLength(env, frame_bytes);
    jsize out_capacity = (*env)->GetArrayLength(env, out_bytes);
    jbyte *frame = malloc((size_t)frame_length);
    jbyte *out = malloc((size_t)out_capacity);
    if (frame == NULL || out == NULL) {
        free(frame);
        free(out);
        throw_xdp(env, "out of memory");
        return -1;
    }
    (*env)->GetByteArrayRegion(env, frame_bytes, 0, frame_length, frame);
    LIBBPF_OPTS(bpf_test_run_opts, options, .data_in = frame, .data_size_in = (__u32)frame_length, .data_out = out,
                .data_size_out = (__u32)out_capacity, .repeat = 1);
    int rc = bpf_prog_test_run_opts(program->program_fd, &options);
    if (rc != 0) {
        char text[256];
        throw_xdp(env, "BPF_PROG_TEST_RUN failed: %s", error_text(errno, text, sizeof(text)));
    } else {
        jint length = (jint)options.data_size_out;
        (*env)->SetByteArrayRegion(env, out_bytes, 0, length < out_capacity ? length : out_capacity, out);
        (*env)->SetIntArrayRegion(env, out_length, 0, 1, &length);
    }
    free(frame);
    free(out);
    return rc != 0 ? -1 : (jint)options.retval;
}

JNIEXPORT void JNICALL Java_io_turnrelay_xdp_NativeXdp_close(JNIEnv *env, jclass type, jlong handle)
{
    (void)env;
    (void)type;
    if (handle != 0) {
        struct program *program = (struct program *)(intptr_t)handle;
        bpf_object__close(program->object);
        free(program);
    }
}
