package io.turnrelay.core.stun;

import static io.turnrelay.core.stun.StreamFraming.INVALID;
import static io.turnrelay.core.stun.StreamFraming.MAX_FRAME;
import static io.turnrelay.core.stun.StreamFraming.NEED_MORE;
import static io.turnrelay.core.stun.StunMessageGenerators.bytes;
import static io.turnrelay.core.stun.StunMessageGenerators.coin;
import static io.turnrelay.core.stun.StunMessageGenerators.draw;
import static io.turnrelay.core.stun.StunMessageGenerators.messages;
import static org.assertj.core.api.Assertions.assertThat;
import static org.quicktheories.QuickTheory.qt;

import io.turnrelay.core.stun.StunMessageGenerators.Size;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.quicktheories.core.Gen;
import org.quicktheories.core.RandomnessSource;
import org.quicktheories.generators.Generate;

/**
 * Properties of {@link StreamFraming} on whole streams: valid frames cut into any chunks come out of a
 * {@link StreamReassembler} as they went in; corrupted streams yield a prefix of frames and/or stop with
 * INVALID, never anything else; and each answer of {@code frameLength} is final and as early as the bytes allow.
 */
class StreamFramingPropertiesTest {
    private static final HexFormat HEX = HexFormat.of();

    // ---------------------------------------------------------------- valid streams

    @Test
    void anyValidStreamCutIntoAnyChunksReassemblesToTheSameFrames() {
        qt().withExamples(1_000)
                .forAll(streams(), chunkings(), receivers())
                .checkAssert((stream, chunking, receiver) -> {
                    StreamReassembler reassembler = receiver.create();
                    List<byte[]> frames = feed(reassembler, stream.bytes(), chunking);

                    assertSameFrames(frames, stream.frames());
                    assertThat(reassembler.invalid()).as("invalid").isFalse();
                    assertThat(reassembler.buffered()).as("bytes left over").isZero();
                    assertThat(reassembler.consumed()).isEqualTo(stream.bytes().length);
                    assertThat(reassembler.capacity()).isLessThanOrEqualTo(MAX_FRAME);
                    for (byte[] frame : stream.frames()) {
                        assertThat(StreamFraming.looksLikeTlsClientHello(ByteBuffer.wrap(frame), 0, frame.length))
                                .as("a %d-byte frame looks like TLS", frame.length).isFalse();
                    }
                });
    }

    /** A stream that stops in the middle of a frame holds that frame's bytes and waits for the rest. */
    @Test
    void aStreamCutShortWaitsForTheRestOfItsLastFrame() {
        qt().withExamples(500)
                .forAll(streams(1), chunkings(), receivers(), Generate.range(1, Integer.MAX_VALUE))
                .checkAssert((stream, chunking, receiver, cutSeed) -> {
                    byte[] last = stream.frames().get(stream.frames().size() - 1);
                    int missing = 1 + cutSeed % last.length;
                    byte[] cut = Arrays.copyOf(stream.bytes(), stream.bytes().length - missing);
                    StreamReassembler reassembler = receiver.create();
                    List<byte[]> frames = feed(reassembler, cut, chunking);

                    assertSameFrames(frames, stream.frames().subList(0, stream.frames().size() - 1));
                    assertThat(reassembler.invalid()).isFalse();
                    assertThat(reassembler.buffered()).isEqualTo(last.length - missing);
                });
    }

    // ---------------------------------------------------------------- corrupted streams

    @Test
    void aCorruptedStreamYieldsAPrefixOfFramesAndOrStopsInvalid() {
        qt().withExamples(2_000)
                .forAll(streams(), corruptions(), chunkings(), receivers())
                .checkAssert((stream, corruption, chunking, receiver) -> {
                    byte[] input = corruption.apply(stream.bytes());
                    StreamReassembler reassembler = receiver.create();
                    List<byte[]> frames = feed(reassembler, input, chunking);

                    // The frames are the input's first bytes, each a well-formed frame by the RFCs' rules.
                    int at = 0;
                    for (byte[] frame : frames) {
                        assertThat(frame.length).isBetween(ChannelData.HEADER_LENGTH, MAX_FRAME);
                        assertThat(Arrays.copyOfRange(input, at, at + frame.length)).as("frame at %d", at).isEqualTo(frame);
                        assertThat(wellFramed(frame)).as("frame at %d: %s", at, head(frame)).isTrue();
                        at += frame.length;
                    }
                    assertThat(reassembler.consumed()).isEqualTo(at);
                    // Bounded work: each call either emits a frame or ends a receive of at least one byte.
                    assertThat(reassembler.frameLengthCalls()).isLessThanOrEqualTo(frames.size() + (long) input.length);

                    // The same answer as one pass over the whole input: chunking changes nothing.
                    int whole = StreamFraming.frameLength(ByteBuffer.wrap(input), at, input.length - at);
                    if (reassembler.invalid()) {
                        assertThat(whole).as("whole input at %d", at).isEqualTo(INVALID);
                        assertThat(impossible(input, at, input.length - at)).as("refused %s", head(input, at)).isTrue();
                        assertThat(reassembler.feed(stream.bytes())).as("after INVALID").isEmpty();
                        assertThat(reassembler.invalid()).isTrue();
                    } else {
                        assertThat(whole).as("whole input at %d", at).isEqualTo(NEED_MORE);
                        assertThat(reassembler.buffered()).isEqualTo(input.length - at).isLessThan(MAX_FRAME);
                    }
                });
    }

    // ---------------------------------------------------------------- each answer: final, and early

    /**
     * Over every prefix of some bytes: NEED_MORE until the answer is known, then the same answer for every
     * longer prefix; a length only once that many bytes are there. NEED_MORE is checked by building a frame
     * that starts with the prefix, INVALID against the RFCs' rules, so INVALID comes with the first byte that
     * proves it and not later.
     */
    @Test
    void everyAnswerIsFinalAndComesAsSoonAsTheBytesDecideIt() {
        qt().withExamples(5_000)
                .forAll(headers(), Generate.range(0, 9))
                .checkAssert((bytes, offset) -> {
                    ByteBuffer buffer = ByteBuffer.allocate(offset + bytes.length);
                    buffer.put(offset, bytes);
                    int decided = NEED_MORE;
                    for (int available = 0; available <= bytes.length; available++) {
                        int answer = StreamFraming.frameLength(buffer, offset, available);
                        String what = HEX.formatHex(bytes, 0, available);
                        if (decided != NEED_MORE) {
                            assertThat(answer).as("after %s", what).isEqualTo(decided);
                        } else if (answer == NEED_MORE) {
                            byte[] frame = completion(Arrays.copyOf(bytes, available));
                            assertThat(frame).as("a frame starting %s", what).isNotNull();
                            assertThat(StreamFraming.frameLength(ByteBuffer.wrap(frame), 0, frame.length))
                                    .as("%s completed to %s", what, head(frame)).isEqualTo(frame.length);
                            assertThat(frame.length).as("completed length").isGreaterThan(available);
                        } else if (answer == INVALID) {
                            assertThat(impossible(bytes, 0, available)).as("INVALID for %s", what).isTrue();
                            decided = answer;
                        } else {
                            assertThat(answer).as("length for %s", what).isEqualTo(available);
                            assertThat(wellFramed(Arrays.copyOf(bytes, available))).isTrue();
                            decided = answer;
                        }
                        if (available >= StreamFraming.TLS_SNIFF_BYTES && StreamFraming.looksLikeTlsClientHello(buffer, offset, available)) {
                            assertThat(answer).as("TLS-looking %s", what).isEqualTo(INVALID);
                        }
                    }
                });
    }

    // ---------------------------------------------------------------- the RFCs' rules, written out

    /** Whether {@code frame} is one whole frame by RFC 8489 §6 / RFC 8656 §12.5, padding included. */
    private static boolean wellFramed(byte[] frame) {
        if (frame.length < ChannelData.HEADER_LENGTH) {
            return false;
        }
        int first = frame[0] & 0xFF;
        int length = ((frame[2] & 0xFF) << 8) | (frame[3] & 0xFF);
        if (first <= 0x3F) {
            return frame.length >= StunMessage.HEADER_LENGTH
                    && ByteBuffer.wrap(frame).getInt(4) == StunMessage.MAGIC_COOKIE
                    && length % 4 == 0
                    && frame.length == StunMessage.HEADER_LENGTH + length;
        }
        return first <= 0x7F && frame.length == ChannelData.HEADER_LENGTH + (length + 3) / 4 * 4;
    }

    /** Whether no frame can start with these {@code available} bytes. */
    private static boolean impossible(byte[] bytes, int offset, int available) {
        if (available == 0) {
            return false;
        }
        int first = bytes[offset] & 0xFF;
        if (first >= 0x80) {
            return true;
        }
        if (first >= 0x40) {
            return false;
        }
        if (available >= 4 && (bytes[offset + 3] & 0xFF) % 4 != 0) {
            return true;
        }
        byte[] cookie = {0x21, 0x12, (byte) 0xA4, 0x42};
        for (int i = 4; i < Math.min(available, 8); i++) {
            if (bytes[offset + i] != cookie[i - 4]) {
                return true;
            }
        }
        return false;
    }

    /** A whole frame that starts with {@code prefix}, or null when none can. */
    private static byte @org.jspecify.annotations.Nullable [] completion(byte[] prefix) {
        if (prefix.length == 0) {
            return new byte[] {0x40, 0x00, 0x00, 0x00};
        }
        int first = prefix[0] & 0xFF;
        if (first >= 0x80) {
            return null;
        }
        byte[] header = new byte[first <= 0x3F ? StunMessage.HEADER_LENGTH : ChannelData.HEADER_LENGTH];
        if (first <= 0x3F) {
            ByteBuffer.wrap(header).putInt(4, StunMessage.MAGIC_COOKIE);
        }
        System.arraycopy(prefix, 0, header, 0, Math.min(prefix.length, header.length));
        int length = ((header[2] & 0xFF) << 8) | (header[3] & 0xFF);
        int total = first <= 0x3F ? StunMessage.HEADER_LENGTH + length : ChannelData.HEADER_LENGTH + (length + 3) / 4 * 4;
        byte[] frame = Arrays.copyOf(header, Math.max(total, prefix.length));
        System.arraycopy(prefix, 0, frame, 0, prefix.length);
        return frame;
    }

    // ---------------------------------------------------------------- generators

    /** Frames in order and their concatenation. */
    record FrameStream(List<byte[]> frames, byte[] bytes) {
        @Override
        public String toString() {
            return frames.stream().map(StreamFramingPropertiesTest::head).collect(Collectors.joining(" | ", "[", "]"));
        }
    }

    static Gen<FrameStream> streams() {
        return streams(0);
    }

    // At least minFrames by construction: QuickTheories sometimes gives up on an assumption.
    static Gen<FrameStream> streams(int minFrames) {
        return in -> {
            int count = draw(in, minFrames, 12);
            List<byte[]> frames = new ArrayList<>();
            for (int i = 0; i < count; i++) frames.add(frame(in));
            return new FrameStream(List.copyOf(frames), concat(frames));
        };
    }

    /** Mostly small STUN and ChannelData frames; now and then one of the largest sizes. */
    private static byte[] frame(RandomnessSource in) {
        return switch (draw(in, 0, 19)) {
            case 0, 1, 2, 3, 4, 5 -> messages(Size.COMPACT).generate(in).encode();
            case 6, 7 -> messages(Size.FULL).generate(in).encode();
            case 8 -> largeStun(in);
            case 9 -> channelData(in, draw(in, 0, 0xFFFF));
            default -> channelData(in, draw(in, 0, 40));
        };
    }

    /** ChannelData on any channel 0x4000-0x7FFF with 0-3 bytes of padding that is not zeros. */
    private static byte[] channelData(RandomnessSource in, int payloadLength) {
        byte[] frame = new byte[StreamFraming.paddedChannelDataLength(payloadLength)];
        ChannelData.writeHeader(ByteBuffer.wrap(frame), 0, draw(in, ChannelData.MIN_CHANNEL_NUMBER, 0x7FFF), payloadLength);
        fill(in, frame, ChannelData.HEADER_LENGTH);
        return frame;
    }

    /** A STUN header with a Length of up to 65532 (often exactly that) and a body the framing never looks at. */
    private static byte[] largeStun(RandomnessSource in) {
        int length = coin(in) ? 0xFFFC : 4 * draw(in, 0, 0x3FFF);
        byte[] frame = new byte[StunMessage.HEADER_LENGTH + length];
        ByteBuffer wire = ByteBuffer.wrap(frame);
        wire.putShort(0, (short) draw(in, 0, 0x3FFF)).putShort(2, (short) length).putInt(4, StunMessage.MAGIC_COOKIE);
        fill(in, frame, 8);
        return frame;
    }

    private static void fill(RandomnessSource in, byte[] frame, int from) {
        if (frame.length - from <= 64) {
            System.arraycopy(bytes(in, frame.length - from), 0, frame, from, frame.length - from);
        } else {
            byte[] rest = new byte[frame.length - from];
            new SplittableRandom(Generate.longRange(Long.MIN_VALUE, Long.MAX_VALUE).generate(in)).nextBytes(rest);
            System.arraycopy(rest, 0, frame, from, rest.length);
        }
    }

    /** Short byte strings that are mostly frame headers, some corrupted, some TLS-like, some random. */
    static Gen<byte[]> headers() {
        return in -> {
            byte[] bytes = switch (draw(in, 0, 5)) {
                case 0 -> bytes(in, draw(in, 0, 24));
                case 1 -> {
                    byte[] tls = bytes(in, draw(in, 6, 24));
                    tls[0] = 0x16;
                    tls[1] = 0x03;
                    tls[5] = 0x01;
                    yield tls;
                }
                case 2, 3 -> messages(Size.COMPACT).generate(in).encode();
                default -> channelData(in, draw(in, 0, 40));
            };
            if (coin(in) && bytes.length > 0) {
                bytes[draw(in, 0, Math.min(bytes.length, 8) - 1)] ^= (byte) draw(in, 1, 255);
            }
            return bytes;
        };
    }

    /** How a stream arrives: in one piece, byte by byte, in equal pieces or in random ones. */
    record Chunking(int mode, int size, long seed) {
        List<int[]> cut(int length) {
            List<int[]> chunks = new ArrayList<>();
            SplittableRandom random = new SplittableRandom(seed);
            for (int at = 0; at < length; ) {
                int next = switch (mode) {
                    case 0 -> length - at;
                    case 1 -> 1;
                    case 2 -> size;
                    default -> 1 + random.nextInt(size);
                };
                next = Math.min(next, length - at);
                chunks.add(new int[] {at, next});
                at += next;
            }
            return chunks;
        }

        @Override
        public String toString() {
            return switch (mode) {
                case 0 -> "one chunk";
                case 1 -> "byte by byte";
                case 2 -> "chunks of " + size;
                default -> "random chunks of 1-" + size + " (seed " + seed + ")";
            };
        }
    }

    static Gen<Chunking> chunkings() {
        return in -> {
            int mode = draw(in, 0, 4);
            // Sizes around the header lengths, typical segment sizes, and a whole frame or more.
            int size = switch (draw(in, 0, 3)) {
                case 0 -> draw(in, 1, 24);
                case 1 -> draw(in, 25, 1_500);
                case 2 -> draw(in, 1_501, 16_384);
                default -> draw(in, 16_385, 2 * MAX_FRAME);
            };
            return new Chunking(mode, size, Generate.longRange(Long.MIN_VALUE, Long.MAX_VALUE).generate(in));
        };
    }

    /** A receive buffer: heap or direct, starting at any size (it grows to MAX_FRAME as frames need). */
    record Receiver(boolean direct, int initialCapacity) {
        StreamReassembler create() {
            return new StreamReassembler(direct, initialCapacity);
        }

        @Override
        public String toString() {
            return (direct ? "direct" : "heap") + " buffer of " + initialCapacity + " bytes at first";
        }
    }

    static Gen<Receiver> receivers() {
        return in -> new Receiver(coin(in), switch (draw(in, 0, 4)) {
            case 0 -> draw(in, 1, 32);
            case 1 -> draw(in, 33, 4_096);
            case 2 -> draw(in, 4_097, MAX_FRAME - 1);
            default -> coin(in) ? MAX_FRAME : StreamReassembler.DEFAULT_INITIAL_CAPACITY;
        });
    }

    /** Ways a stream goes wrong: bytes flipped, inserted, dropped, the end cut off, garbage in front. */
    record Corruption(List<int[]> edits) {
        byte[] apply(byte[] bytes) {
            byte[] out = bytes;
            for (int[] edit : edits) {
                int at = out.length == 0 ? 0 : edit[1] % (out.length + 1);
                out = switch (edit[0]) {
                    case 0 -> {
                        if (out.length == 0) yield out;
                        byte[] flipped = out.clone();
                        flipped[Math.min(at, out.length - 1)] ^= (byte) (1 + edit[2] % 255);
                        yield flipped;
                    }
                    case 1 -> insert(out, at, filler(edit[2], 1 + edit[3] % 8));
                    case 2 -> drop(out, at, 1 + edit[3] % 8);
                    case 3 -> Arrays.copyOf(out, at);
                    default -> insert(out, 0, filler(edit[2], 1 + edit[3] % 16));
                };
            }
            return out;
        }

        @Override
        public String toString() {
            String[] names = {"flip", "insert", "drop", "truncate", "garbage prefix"};
            return edits.stream().map(e -> names[e[0]] + "@" + e[1] + "/" + e[2] + "/" + e[3]).collect(Collectors.joining(", "));
        }
    }

    static Gen<Corruption> corruptions() {
        return in -> {
            int count = draw(in, 1, 4);
            List<int[]> edits = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                edits.add(new int[] {draw(in, 0, 4), draw(in, 0, Integer.MAX_VALUE), draw(in, 0, Integer.MAX_VALUE), draw(in, 0, 255)});
            }
            return new Corruption(List.copyOf(edits));
        };
    }

    private static byte[] filler(int seed, int length) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] insert(byte[] bytes, int at, byte[] inserted) {
        byte[] out = new byte[bytes.length + inserted.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(bytes, at, out, at + inserted.length, bytes.length - at);
        return out;
    }

    private static byte[] drop(byte[] bytes, int at, int length) {
        int end = Math.min(bytes.length, at + length);
        byte[] out = new byte[bytes.length - (end - at)];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(bytes, end, out, at, bytes.length - end);
        return out;
    }

    // ---------------------------------------------------------------- helpers

    private static List<byte[]> feed(StreamReassembler reassembler, byte[] bytes, Chunking chunking) {
        List<byte[]> frames = new ArrayList<>();
        for (int[] chunk : chunking.cut(bytes.length)) {
            frames.addAll(reassembler.feed(bytes, chunk[0], chunk[1]));
        }
        return frames;
    }

    private static void assertSameFrames(List<byte[]> actual, List<byte[]> expected) {
        assertThat(actual.stream().map(f -> f.length).toList()).as("frame lengths")
                .isEqualTo(expected.stream().map(f -> f.length).toList());
        for (int i = 0; i < expected.size(); i++) {
            assertThat(Arrays.mismatch(actual.get(i), expected.get(i))).as("first differing byte of frame %d", i).isEqualTo(-1);
        }
    }

    private static byte[] concat(List<byte[]> parts) {
        byte[] all = new byte[parts.stream().mapToInt(p -> p.length).sum()];
        int at = 0;
        for (byte[] part : parts) {
            System.arraycopy(part, 0, all, at, part.length);
            at += part.length;
        }
        return all;
    }

    private static String head(byte[] bytes) {
        return head(bytes, 0);
    }

    /** The first bytes from {@code at}, for messages. */
    private static String head(byte[] bytes, int at) {
        int shown = Math.min(bytes.length - at, 8);
        return (bytes.length - at) + " bytes " + HEX.formatHex(bytes, at, at + shown) + (shown < bytes.length - at ? ".." : "");
    }
}
