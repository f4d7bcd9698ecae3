package io.sequin.importer.onnx;

import ai.onnx.proto.OnnxMl.TensorProto;
import com.google.protobuf.ByteString;
import io.sequin.format.Limits;
import io.sequin.importer.ImportException;
import io.sequin.tensor.ElementType;
import io.sequin.tensor.Tensor;
import io.sequin.tensor.TensorBytes;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Decodes ONNX {@code TensorProto}s (float32, float64, int32, int64; raw or typed fields). */
final class OnnxTensors {
    private OnnxTensors() {
    }

    static Tensor decode(TensorProto t, String what) throws ImportException {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw new ImportException(what + ": tensor data stored in an external file is not supported; "
                    + "save the model with its weights inside (onnx.save_model(..., save_as_external_data=False))");
        }
        if (t.getDimsCount() > Limits.MAX_RANK) {
            throw new ImportException(what + ": rank " + t.getDimsCount() + " exceeds the limit of " + Limits.MAX_RANK);
        }
        int[] shape = new int[t.getDimsCount()];
        long count = 1;
        for (int i = 0; i < shape.length; i++) {
            long d = t.getDims(i);
            if (d < 0) {
                throw new ImportException(what + ": dimension " + i + " is " + d);
            }
            count *= d;
            if (count > Limits.MAX_TENSOR_ELEMENTS) {
                throw new ImportException(what + ": more than " + Limits.MAX_TENSOR_ELEMENTS + " elements");
            }
            shape[i] = (int) d;
        }
        int n = (int) count;
        ByteString raw = t.getRawData();
        boolean hasRaw = !raw.isEmpty() || (n == 0 && t.hasRawData());
        switch (t.getDataType()) {
            case TensorProto.DataType.FLOAT_VALUE: {
                if (hasRaw) {
                    return TensorBytes.decode(ElementType.FLOAT32, shape, raw(raw, n, 4, what));
                }
                requireCount(t.getFloatDataCount(), n, what);
                float[] v = new float[n];
                for (int i = 0; i < n; i++) {
                    v[i] = t.getFloatData(i);
                }
                return Tensor.ofFloats(shape, v);
            }
            case TensorProto.DataType.DOUBLE_VALUE: {
                float[] v = new float[n];
                if (hasRaw) {
                    ByteBuffer b = raw(raw, n, 8, what);
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) b.getDouble(i * 8);
                    }
                } else {
                    requireCount(t.getDoubleDataCount(), n, what);
                    for (int i = 0; i < n; i++) {
                        v[i] = (float) t.getDoubleData(i);
                    }
                }
                return Tensor.ofFloats(shape, v);
            }
            case TensorProto.DataType.INT32_VALUE: {
                if (hasRaw) {
                    return TensorBytes.decode(ElementType.INT32, shape, raw(raw, n, 4, what));
                }
                requireCount(t.getInt32DataCount(), n, what);
                int[] v = new int[n];
                for (int i = 0; i < n; i++) {
                    v[i] = t.getInt32Data(i);
                }
                return Tensor.ofInts(shape, v);
            }
            case TensorProto.DataType.INT64_VALUE: {
                if (hasRaw) {
                    return TensorBytes.decode(ElementType.INT64, shape, raw(raw, n, 8, what));
                }
                requireCount(t.getInt64DataCount(), n, what);
                long[] v = new long[n];
                for (int i = 0; i < n; i++) {
                    v[i] = t.getInt64Data(i);
                }
                return Tensor.ofLongs(shape, v);
            }
            default:
                throw new ImportException(what + ": data type " + dataTypeName(t.getDataType())
                        + " is not supported; Sequin imports float32, float64, int32 and int64 tensors");
        }
    }

    static String dataTypeName(int type) {
        TensorProto.DataType dt = TensorProto.DataType.forNumber(type);
        return dt == null ? String.valueOf(type) : dt.name();
    }

    private static ByteBuffer raw(ByteString raw, int n, int size, String what) throws ImportException {
        if (raw.size() != (long) n * size) {
            throw new ImportException(what + ": raw_data has " + raw.size() + " bytes, " + n + " elements need " + (long) n * size);
        }
        return raw.asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private static void requireCount(int actual, int expected, String what) throws ImportException {
        if (actual != expected) {
            throw new ImportException(what + ": holds " + actual + " values, its shape needs " + expected);
        }
    }
}
