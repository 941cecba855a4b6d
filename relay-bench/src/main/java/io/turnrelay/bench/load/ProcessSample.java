package io.turnrelay.bench.load;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** CPU time and resident memory of another process, read from /proc (Linux only). */
record ProcessSample(long cpuTicks, long residentKiB) {
    /** Linux reports utime and stime in USER_HZ, which is 100 on every mainstream kernel build. */
    static final int TICKS_PER_SECOND = 100;

    static ProcessSample of(long pid) throws IOException {
        return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")),
                Files.readAllLines(Path.of("/proc", Long.toString(pid), "status")));
    }

    /** From the text of /proc/PID/stat and the lines of /proc/PID/status. */
    static ProcessSample parse(String stat, List<String> statusLines) {
        // The command name may contain spaces and parentheses; fields are counted after its closing one.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split(" ");
        long utime = Long.parseLong(fields[11]);
        long stime = Long.parseLong(fields[12]);
        long rss = 0;
        for (String line : statusLines) {
            if (line.startsWith("VmRSS:")) {
                rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
            }
        }
        return new ProcessSample(utime + stime, rss);
    }

    double cpuSecondsSince(ProcessSample earlier) {
        return (cpuTicks - earlier.cpuTicks) / (double) TICKS_PER_SECOND;
    }
}
