package io.sequin.flink;

import io.sequin.model.Model;
import io.sequin.session.Session;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.functions.KeyedProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Steps each key's events through a Sequin model, one recurrent state per key kept in Flink's
 * keyed state: so a key's state is checkpointed, restored after a failure, and moved with its key
 * when a job is rescaled, as any keyed state is. Each task loads the model once, in
 * {@link #open}, and keeps one session of one stream; an event restores its key's state into
 * the stream, takes one step, and stores the new state. A key seen for the first time (or whose
 * state has expired, {@link #withStateTtl}) starts from zeros, as a new session does.
 *
 * <p>The state is a {@code float[]} of {@link Session#stateSize} floats with Flink's own
 * primitive-array serializer. Per event the function allocates that array (the heap state
 * backend keeps the object it is given) and whatever {@code outputs} makes.
 *
 * @param <K> the key
 * @param <I> an event
 * @param <O> what is emitted for an event
 */
public class StepFunction<K, I, O> extends KeyedProcessFunction<K, I, O> {
    private static final long serialVersionUID = 1L;

    /** Writes an event's step input: {@link Session#stepInputSize} floats into {@code x}. */
    @FunctionalInterface
    public interface Features<I> extends Serializable {
        void write(I event, float[] x);
    }

    /** Makes what is emitted for an event from its step output {@code y}, which is reused: copy what you keep. */
    @FunctionalInterface
    public interface Outputs<K, I, O> extends Serializable {
        O make(K key, I event, float[] y);
    }

    private final ModelRef model;
    private final Features<I> features;
    private final Outputs<K, I, O> outputs;
    private Duration ttl;

    private transient Session session;
    private transient ValueState<float[]> state;
    private transient float[] x;
    private transient float[] y;
    private transient int stateSize;

    public StepFunction(ModelRef model, Features<I> features, Outputs<K, I, O> outputs) {
        this.model = model;
        this.features = features;
        this.outputs = outputs;
    }

    /**
     * Drops a key's state when the key has had no event for {@code idle} (its next event starts
     * from zeros); by default a key's state is kept for as long as the job runs.
     */
    public StepFunction<K, I, O> withStateTtl(Duration idle) {
        this.ttl = idle;
        return this;
    }

    @Override
    public void open(OpenContext context) throws IOException {
        Model m = model.load();
        try {
            session = m.newSession();
            x = new float[session.stepInputSize()];
            y = new float[session.stepOutputSize()];
            stateSize = session.stateSize();
        } catch (IllegalStateException e) {
            throw new IOException("Sequin cannot step " + model + ": " + e.getMessage(), e);
        }
        state = getRuntimeContext().getState(KeyState.descriptor(ttl));
    }

    @Override
    public void processElement(I event, Context context, Collector<O> out) throws Exception {
        float[] saved = state.value();
        if (saved == null) {
            session.reset(0);
        } else {
            session.restoreState(0, saved, 0);
        }
        features.write(event, x);
        session.step(x, y);
        float[] next = new float[stateSize];
        session.saveState(0, next, 0);
        state.update(next);
        out.collect(outputs.make(context.getCurrentKey(), event, y));
    }

    @Override
    public void close() {
        if (session != null) {
            session.close();
        }
    }
}
