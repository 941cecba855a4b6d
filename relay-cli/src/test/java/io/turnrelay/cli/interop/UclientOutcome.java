package io.turnrelay.cli.interop;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What one run of coturn's {@code turnutils_uclient} came to. uclient exits 0 even at 100 % loss, so success
 * needs its "Total lost packets 0 (" line as well; failures are told apart by the first STUN error code printed.
 *
 * @param errorCode the first "error NNN" uclient printed, 0 when none
 */
record UclientOutcome(int exitCode, boolean noLoss, int errorCode, String output) {
    private static final Pattern ERROR = Pattern.compile("error (\\d{3})");

    static UclientOutcome of(ExternalProcess.Result result) {
        String output = result.output();
        Matcher error = ERROR.matcher(output);
        int code = error.find() ? Integer.parseInt(error.group(1)) : 0;
        return new UclientOutcome(result.exitCode(), output.contains("Total lost packets 0 ("), code, output);
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

    @Override
    public String toString() {
        String tail = output.length() > 1500 ? output.substring(output.length() - 1500) : output;
        return label() + "\n" + tail;
    }
}
