package io.sequin.format;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.zip.CRC32;

/**
 * A tensor's {@code data_crc32} as the format defines it: CRC-32 of the data bytes, then of the
 * int8 scales as little-endian floats. The converter writes it and the loader checks it with this
 * one definition.
 */
public final class TensorChecksum {
    private TensorChecksum() {
    }

    /** The checksum of {@code data} (from its position to its limit) and {@code scales} (none: null or empty). */
    public static long of(ByteBuffer data, float[] scales) {
        CRC32 crc = new CRC32();
        if (data != null) {
            crc.update(data.slice());
        }
        if (scales != null && scales.length > 0) {
            ByteBuffer b = ByteBuffer.allocate(4 * scales.length).order(ByteOrder.LITTLE_ENDIAN);
            for (float f : scales) {
                b.putFloat(f);
            }
            crc.update(b.array());
        }
        return crc.getValue();
    }
}
