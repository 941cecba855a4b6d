package io.turnrelay.cli.interop;

import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one run of coturn's {@code turnutils_uclient} came to. uclient exits 0 even at 100 % loss, so success
 * needs its "Total lost packets 0 (" line as well; failures are told apart by the first STUN error code printed.
 * Its closing "start_mclient: tot_send_msgs=S, tot_recv_msgs=R" line gives the message counts over all sessions.
 * Over TLS ({@code -S}) each connection picks one of SSLv23, TLSv1, TLSv1.1 and TLSv1.2 at random and retries
 * another after a failed handshake (startuclient.c {@code tls_connect}, coturn 4.6.1); both kinds of line are
 * collected here.
 *
 * <p>Over TLS uclient takes each {@code SSL_read}, i.e. each TLS record, for one message (uclient.c
 * {@code recv_buffer}, which frames only plain TCP). A server that puts several messages into one record, or
 * splits one across records, as TLS allows and as coturn and Netty's SslHandler do under load, makes uclient
 * count fewer messages than arrived, and report them lost. With {@code -v} uclient prints the size of every read
 * ("response received: size=N"); their sum, {@link #tlsBytesReceived}, is what a framing client would have seen.
 *
 * @param errorCode the first "error NNN" uclient printed, 0 when none
 * @param sent messages sent over all sessions, -1 when uclient printed no total
 * @param received messages received back over all sessions, -1 when uclient printed no total
 * @param tlsVersions the protocol versions of the TLS handshakes that succeeded, e.g. [TLSv1.2, TLSv1.3]
 * @param tlsFailures how many TLS handshakes failed (uclient then tried again)
 * @param tlsBytesReceived plaintext bytes read over TLS, STUN responses included (needs {@code -v}); 0 otherwise
 */
record UclientOutcome(int exitCode, boolean noLoss, int errorCode, int sent, int received, Set<String> tlsVersions,
        int tlsFailures, long tlsBytesReceived, String output) {
    private static final Pattern ERROR = Pattern.compile("error (\\d{3})");
    private static final Pattern TOTALS = Pattern.compile("start_mclient: tot_send_msgs=(\\d+), tot_recv_msgs=(\\d+)$", Pattern.MULTILINE);
    private static final Pattern TLS_CONNECTED = Pattern.compile("tls_connect: client session connected with cipher \\S+, method=(\\S+)");
    private static final Pattern TLS_FAILED = Pattern.compile("tls_connect: cannot connect");
    private static final Pattern TLS_READ = Pattern.compile("response received: size=(\\d+)");

    static UclientOutcome of(ExternalProcess.Result result) {
        String output = result.output();
        Matcher error = ERROR.matcher(output);
        int code = error.find() ? Integer.parseInt(error.group(1)) : 0;
        int sent = -1;
        int received = -1;
        Matcher totals = TOTALS.matcher(output);
        while (totals.find()) { // the last one
            sent = Integer.parseInt(totals.group(1));
            received = Integer.parseInt(totals.group(2));
        }
        Set<String> versions = new TreeSet<>();
        Matcher connected = TLS_CONNECTED.matcher(output);
        while (connected.find()) {
            versions.add(connected.group(1));
        }
        int failures = 0;
        Matcher failed = TLS_FAILED.matcher(output);
        while (failed.find()) {
            failures++;
        }
        long tlsBytes = 0;
        Matcher read = TLS_READ.matcher(output);
        while (read.find()) {
            tlsBytes += Long.parseLong(read.group(1));
        }
        return new UclientOutcome(result.exitCode(), output.contains("Total lost packets 0 ("), code, sent, received, Set.copyOf(versions),
                failures, tlsBytes, output);
    }

    boolean relayedEverything() {
        return exitCode == 0 && noLoss && errorCode == 0;
    }

    /** The outcome as a short comparable label, e.g. "ok" or "error 400". */
    String label() {
        if (relayedEverything()) {
            return "ok";
        }
        return errorCode != 0 ? "error " + errorCode : "failed (exit " + exitCode + (noLoss ? "" : ", loss") + ")";
    }

    /** The message counts as a comparable label, e.g. "200 sent, 200 received". */
    String counts() {
        return sent + " sent, " + received + " received";
    }

    @Override
    public String toString() {
        String tail = output.length() > 1500 ? output.substring(output.length() - 1500) : output;
        return label() + " (" + counts() + (tlsVersions.isEmpty() ? "" : ", TLS " + tlsVersions + " after " + tlsFailures
                + " failed handshakes, " + tlsBytesReceived + " bytes read over TLS") + ")\n" + tail;
    }
}
