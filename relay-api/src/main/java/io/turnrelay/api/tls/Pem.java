package io.turnrelay.api.tls;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** The {@code -----BEGIN label-----} blocks of a PEM file (RFC 7468), without the JDK 25 PEM API. */
final class Pem {
    private static final String BEGIN = "-----BEGIN ";
    private static final String DASHES = "-----";

    /** One block; {@code body} is the text between the BEGIN and END lines. */
    record Block(String label, String body) {}

    private Pem() {}

    static List<Block> blocks(Path file, byte[] contents) throws TlsCredentialsException {
        if (contents.length == 0) {
            throw new TlsCredentialsException(file, "the file is empty");
        }
        // ISO-8859-1 maps every byte, so binary garbage reaches the checks below instead of a decoding error.
        String text = new String(contents, StandardCharsets.ISO_8859_1);
        List<Block> blocks = new ArrayList<>();
        int from = 0;
        while (true) {
            int begin = text.indexOf(BEGIN, from);
            if (begin < 0) {
                break;
            }
            int labelStart = begin + BEGIN.length();
            int labelEnd = text.indexOf(DASHES, labelStart);
            int lineEnd = lineEnd(text, labelStart);
            if (labelEnd < 0 || labelEnd > lineEnd) {
                throw new TlsCredentialsException(file, "a BEGIN line is cut short (is the file complete?)");
            }
            String label = text.substring(labelStart, labelEnd);
            String endLine = "-----END " + label + DASHES;
            int end = text.indexOf(endLine, labelEnd);
            if (end < 0) {
                throw new TlsCredentialsException(file, "the " + label + " block has no END line (is the file complete?)");
            }
            blocks.add(new Block(label, text.substring(labelEnd + DASHES.length(), end)));
            from = end + endLine.length();
        }
        if (blocks.isEmpty() && looksLikeDer(contents)) {
            throw new TlsCredentialsException(file, "not a PEM file (it looks like binary DER or PKCS#12)");
        }
        return blocks;
    }

    static byte[] decode(Path file, Block block) throws TlsCredentialsException {
        try {
            return Base64.getDecoder().decode(block.body().replaceAll("\\s+", ""));
        } catch (IllegalArgumentException e) {
            throw new TlsCredentialsException(file, "the " + block.label() + " block is not valid base64", e);
        }
    }

    private static int lineEnd(String text, int from) {
        int newline = text.indexOf('\n', from);
        return newline < 0 ? text.length() : newline;
    }

    /** A DER SEQUENCE with a long-form length, as every certificate, key and keystore file starts. */
    private static boolean looksLikeDer(byte[] contents) {
        return contents.length > 1 && contents[0] == 0x30 && (contents[1] & 0xff) > 0x80;
    }
}
