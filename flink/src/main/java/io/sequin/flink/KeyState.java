package io.sequin.flink;

import java.time.Duration;
import org.apache.flink.api.common.state.StateTtlConfig;
import org.apache.flink.api.common.state.ValueStateDescriptor;
import org.apache.flink.api.common.typeinfo.PrimitiveArrayTypeInfo;

/** The keyed state that holds a key's recurrent state: a {@code float[]}, Flink's own primitive-array serializer. */
final class KeyState {
    private KeyState() {
    }

    /** The state's descriptor; with {@code ttl}, the state of a key idle that long is dropped (null: kept). */
    static ValueStateDescriptor<float[]> descriptor(Duration ttl) {
        ValueStateDescriptor<float[]> descriptor = new ValueStateDescriptor<>("sequin-state", PrimitiveArrayTypeInfo.FLOAT_PRIMITIVE_ARRAY_TYPE_INFO);
        if (ttl != null) {
            descriptor.enableTimeToLive(StateTtlConfig.newBuilder(ttl)
                    .setUpdateType(StateTtlConfig.UpdateType.OnCreateAndWrite)
                    .setStateVisibility(StateTtlConfig.StateVisibility.NeverReturnExpired)
                    .build());
        }
        return descriptor;
    }
}
