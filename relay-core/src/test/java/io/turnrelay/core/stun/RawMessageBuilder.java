package io.turnrelay.core.stun;

import java.io.ByteArrayOutputStream;

/**
 * Builds STUN bytes by hand, bypassing StunMessageWriter, so tests can produce messages the writer
 * refuses to write (bad lengths, bad families, misplaced attributes).
 */
final class RawMessageBuilder {
    static final byte[] TRANSACTION = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};

    private final ByteArrayOutputStream body = new ByteArrayOutputStream();
    private int messageType = 0x0001;
    private int cookie = StunMessage.MAGIC_COOKIE;
    private int declaredLength = -1;

    static RawMessageBuilder request() {
        return new RawMessageBuilder();
    }

    RawMessageBuilder messageType(int type) {
        this.messageType = type;
        return this;
    }

    RawMessageBuilder cookie(int cookie) {
        this.cookie = cookie;
        return this;
    }

    /** Overrides the header's length field (by default the real attribute length). */
    RawMessageBuilder declaredLength(int length) {
        this.declaredLength = length;
        return this;
    }

    /** An attribute whose length field is the value's length, padded with zeros. */
    RawMessageBuilder attribute(int type, byte[] value) {
        return attribute(type, value.length, value);
    }

    /** An attribute with an arbitrary length field; {@code value} is written as is and padded to 4. */
    RawMessageBuilder attribute(int type, int lengthField, byte[] value) {
        writeShort(type);
        writeShort(lengthField);
        body.write(value, 0, value.length);
        for (int i = value.length; i % 4 != 0; i++) {
            body.write(0);
        }
        return this;
    }

    /** Bytes appended to the body verbatim. */
    RawMessageBuilder raw(byte... bytes) {
        body.write(bytes, 0, bytes.length);
        return this;
    }

    byte[] build() {
        byte[] attributes = body.toByteArray();
        int length = declaredLength >= 0 ? declaredLength : attributes.length;
        byte[] message = new byte[20 + attributes.length];
        message[0] = (byte) (messageType >>> 8);
        message[1] = (byte) messageType;
        message[2] = (byte) (length >>> 8);
        message[3] = (byte) length;
        message[4] = (byte) (cookie >>> 24);
        message[5] = (byte) (cookie >>> 16);
        message[6] = (byte) (cookie >>> 8);
        message[7] = (byte) cookie;
        System.arraycopy(TRANSACTION, 0, message, 8, 12);
        System.arraycopy(attributes, 0, message, 20, attributes.length);
        return message;
    }

    private void writeShort(int value) {
        body.write(value >>> 8);
        body.write(value);
    }
}
