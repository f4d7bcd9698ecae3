package io.sequin.flink;

import io.sequin.model.Model;
import io.sequin.session.Session;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.streaming.api.operators.AbstractStreamOperator;
import org.apache.flink.streaming.api.operators.BoundedOneInput;
import org.apache.flink.streaming.api.operators.OneInputStreamOperator;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;

/**
 * {@link StepFunction}'s work for many keys at once: events are buffered, and the keys in the
 * buffer are stepped together through one session of {@code streams} streams, one pass over the
 * weights for all of them (a session's multi-stream step). The buffer is flushed when it holds
 * {@code maxBuffered} events, {@code flushMillis} after its first event, before every checkpoint
 * barrier (so a checkpoint never holds a buffered event: state and outputs stay exactly once) and
 * at the end of the input. A flush goes in rounds, each taking the first buffered event of up to
 * {@code streams} keys, so each key's events are stepped in the order they came.
 *
 * <p>Outputs are those of a session stepping several streams together: bit for bit a session of
 * the key's own where every vector tile sums a row in one chain whatever the number of streams
 * (gate rows in whole groups of eight vector panels and a multiple of four streams, e.g. LSTM
 * 64x128 with 64 streams; and always with the scalar kernels), and elsewhere within 1e-6 of it, a
 * stream's last bits depending on how many share the step. Apply it with
 * {@code keyedStream.transform("sequin", outputType, new BatchedStepOperator<>(...))}. Events are
 * held until their flush: do not enable object reuse.
 *
 * @param <K> the key
 * @param <I> an event
 * @param <O> what is emitted for an event
 */
public class BatchedStepOperator<K, I, O> extends AbstractStreamOperator<O> implements OneInputStreamOperator<I, O>, BoundedOneInput {
    private static final long serialVersionUID = 1L;

    private final ModelRef model;
    private final StepFunction.Features<I> features;
    private final StepFunction.Outputs<K, I, O> outputs;
    private final int streams;
    private final int maxBuffered;
    private final long flushMillis;
    private Duration ttl;

    private transient Session session;
    private transient ValueState<float[]> state;
    private transient float[] x;
    private transient float[] y;
    private transient float[] xOne;
    private transient float[] yOne;
    private transient int in;
    private transient int out;
    private transient int stateSize;
    // The buffer: event i's key, value and timestamp (if it has one); at most maxBuffered.
    private transient List<K> keys;
    private transient List<I> events;
    private transient long[] timestamps;
    private transient boolean[] timestamped;
    private transient boolean timerSet;
    // A flush's working space, kept from flush to flush.
    private transient int[] round;
    private transient Set<K> inRound;
    private transient boolean[] done;

    /**
     * @param streams keys stepped together in one pass over the weights (1 to 1,024)
     * @param maxBuffered events buffered at most before a flush
     * @param flushMillis the longest an event waits in the buffer, in processing time
     */
    public BatchedStepOperator(ModelRef model, StepFunction.Features<I> features, StepFunction.Outputs<K, I, O> outputs,
                               int streams, int maxBuffered, long flushMillis) {
        if (streams < 1 || streams > 1024 || maxBuffered < 1 || flushMillis < 1) {
            throw new IllegalArgumentException("streams " + streams + " (1 to 1,024), maxBuffered " + maxBuffered
                    + " and flushMillis " + flushMillis + " (at least 1)");
        }
        this.model = model;
        this.features = features;
        this.outputs = outputs;
        this.streams = streams;
        this.maxBuffered = maxBuffered;
        this.flushMillis = flushMillis;
    }

    /** As {@link StepFunction#withStateTtl}. */
    public BatchedStepOperator<K, I, O> withStateTtl(Duration idle) {
        this.ttl = idle;
        return this;
    }

    @Override
    public void open() throws Exception {
        super.open();
        if (getExecutionConfig().isObjectReuseEnabled()) {
            throw new IllegalStateException("BatchedStepOperator holds events until a flush; it cannot run with object reuse enabled");
        }
        Model m = model.load();
        try {
            session = m.newSession(io.sequin.kernel.KernelSelection.defaultKernels(), streams);
            in = session.stepInputSize();
            out = session.stepOutputSize();
            stateSize = session.stateSize();
        } catch (IllegalStateException e) {
            throw new IOException("Sequin cannot step " + model + ": " + e.getMessage(), e);
        }
        x = new float[streams * in];
        y = new float[streams * out];
        xOne = new float[in];
        yOne = new float[out];
        state = getRuntimeContext().getState(KeyState.descriptor(ttl));
        keys = new ArrayList<>(maxBuffered);
        events = new ArrayList<>(maxBuffered);
        timestamps = new long[maxBuffered];
        timestamped = new boolean[maxBuffered];
        round = new int[streams];
        inRound = new HashSet<>();
        done = new boolean[maxBuffered];
    }

    @Override
    @SuppressWarnings("unchecked")
    public void processElement(StreamRecord<I> record) throws Exception {
        int i = events.size();
        keys.add((K) getCurrentKey());
        events.add(record.getValue());
        timestamped[i] = record.hasTimestamp();
        timestamps[i] = record.hasTimestamp() ? record.getTimestamp() : 0;
        if (events.size() >= maxBuffered) {
            flush();
        } else if (!timerSet) {
            timerSet = true;
            long now = getProcessingTimeService().getCurrentProcessingTime();
            getProcessingTimeService().registerTimer(now + flushMillis, time -> {
                timerSet = false;
                flush();
            });
        }
    }

    @Override
    public void prepareSnapshotPreBarrier(long checkpointId) throws Exception {
        super.prepareSnapshotPreBarrier(checkpointId);
        flush();
    }

    @Override
    public void endInput() throws Exception {
        flush();
    }

    /** Steps every buffered event, in rounds of up to {@code streams} keys, each key's events in order. */
    private void flush() throws Exception {
        if (events.isEmpty()) {
            return;
        }
        Object current = getCurrentKey();
        Arrays.fill(done, 0, events.size(), false);
        int left = events.size();
        while (left > 0) {
            int n = 0;
            inRound.clear();
            for (int i = 0; i < events.size() && n < streams; i++) {
                // A key's first event not yet stepped; its later ones wait for the next round.
                if (!done[i] && inRound.add(keys.get(i))) {
                    round[n++] = i;
                }
            }
            for (int s = 0; s < n; s++) {
                int i = round[s];
                setCurrentKey(keys.get(i));
                float[] saved = state.value();
                if (saved == null) {
                    session.reset(s);
                } else {
                    session.restoreState(s, saved, 0);
                }
                features.write(events.get(i), xOne);
                System.arraycopy(xOne, 0, x, s * in, in);
            }
            session.step(x, y);
            for (int s = 0; s < n; s++) {
                int i = round[s];
                K key = keys.get(i);
                setCurrentKey(key);
                float[] next = new float[stateSize];
                session.saveState(s, next, 0);
                state.update(next);
                System.arraycopy(y, s * out, yOne, 0, out);
                O o = outputs.make(key, events.get(i), yOne);
                output.collect(timestamped[i] ? new StreamRecord<>(o, timestamps[i]) : new StreamRecord<>(o));
                done[i] = true;
                left--;
            }
        }
        keys.clear();
        events.clear();
        if (current != null) {
            setCurrentKey(current);
        }
    }

    @Override
    public void close() throws Exception {
        if (session != null) {
            session.close();
        }
        super.close();
    }
}
